//! `mindnet`: the Mindnet wallet and command line.
//!
//! Exit codes: 0 success; 1 internal error; 2 bad input (a malformed argument or file, a
//! wrong password, a name that does not exist, a weight row the network forbids; nothing
//! submitted); 3 the node is unreachable or timed out; 4 the chain refuses (its state was
//! checked before signing, and nothing was submitted, or the pool or the block rejected
//! the transaction). Errors are one sentence on stderr; with `--json`, stdout holds exactly
//! one JSON document and nothing else.

mod cli;
mod commands;
mod ctx;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let json = cli.global.json;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(out) => {
            out.print(json);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
