//! Errors in words, each with the exit code the CLI ends with.

use std::fmt;

/// What kind of failure an [`Error`] is; it decides the CLI's exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input: a malformed argument or file, a wrong password, or a name that does not
    /// exist (wallet, network, uid), or a weight row the network's rules forbid. Nothing was
    /// submitted. Exit code 2.
    Usage,
    /// The node could not be reached, or stopped answering in time. Exit code 3.
    Connection,
    /// The chain refuses: the pool rejected the transaction or it failed in its block, or
    /// the chain's state (balance, stake, the rate limit) was checked before signing and
    /// would refuse it, in which case nothing was submitted. Exit code 4.
    Rejected,
    /// Anything else (a bug, the system refusing randomness or files). Exit code 1.
    Internal,
}

/// An error with one sentence saying what is wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Its kind.
    pub kind: ErrorKind,
    /// The sentence.
    pub message: String,
}

impl Error {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Bad input.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }

    /// The node is unreachable or timed out.
    pub fn connection(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Connection, message)
    }

    /// The chain refused.
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Rejected, message)
    }

    /// Anything else.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Internal => 1,
            ErrorKind::Usage => 2,
            ErrorKind::Connection => 3,
            ErrorKind::Rejected => 4,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
