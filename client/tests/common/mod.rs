//! A real `mindnet-node --dev` on free loopback ports, and the `mindnet` binary run against it.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `mindnet` binary cargo built for this test.
pub fn mindnet_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mindnet"))
}

/// The node binary: `MINDNET_NODE`, or `mindnet-node` next to the `mindnet` binary (the same
/// target directory and profile: `cargo test --workspace` builds both).
pub fn node_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("MINDNET_NODE") {
        return PathBuf::from(p);
    }
    mindnet_bin().with_file_name("mindnet-node")
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running dev node; stopped when dropped.
pub struct DevNode {
    child: Child,
    pub url: String,
    _base: tempfile::TempDir,
}

impl DevNode {
    pub fn start() -> Self {
        let bin = node_bin();
        assert!(
            bin.exists(),
            "{} not found: build it (cargo build -p mindnet-node) or set MINDNET_NODE",
            bin.display()
        );
        let base = tempfile::tempdir().expect("a temporary directory");
        let rpc = free_port();
        let p2p = free_port();
        let child = Command::new(&bin)
            .args(["--dev", "--base-path"])
            .arg(base.path())
            .args(["--rpc-port", &rpc.to_string(), "--port", &p2p.to_string()])
            .args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mindnet-node");
        let node = Self {
            child,
            url: format!("ws://127.0.0.1:{rpc}"),
            _base: base,
        };
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let out = node.cli(&["network", "list", "--timeout", "2"], &[]);
            if out.code == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the dev node did not answer: {}",
                out.stderr
            );
            std::thread::sleep(Duration::from_millis(500));
        }
        node
    }

    /// The node's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs `mindnet` against this node.
    pub fn cli(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        run(args, &[&[("MINDNET_URL", self.url.as_str())], env].concat())
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.child.id().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a run of `mindnet` did.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Its stdout as JSON (panics with the run's output if it is not).
    pub fn json(&self) -> Value {
        assert_eq!(self.code, 0, "mindnet failed: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", self.stdout))
    }

    /// Asserts a failure with `code`, nothing on stdout, and one `error:` line on stderr
    /// containing `words`.
    pub fn fails(&self, code: i32, words: &str) {
        assert_eq!(self.code, code, "expected exit {code}: {self:?}");
        assert!(
            self.stdout.is_empty(),
            "stdout must stay empty on error: {self:?}"
        );
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .collect();
        assert_eq!(errors.len(), 1, "one error line: {self:?}");
        assert!(
            errors[0].contains(words),
            "error should say {words:?}: {self:?}"
        );
    }
}

/// Runs `mindnet` with `args` and extra environment.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let mut cmd = Command::new(mindnet_bin());
    cmd.args(args).stdin(Stdio::null());
    cmd.env_remove("MINDNET_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run mindnet");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// Runs `mindnet` and calls `on_line` with each stderr line as it comes (to act mid-run);
/// returns its exit code and how long it ran.
pub fn run_watching(
    args: &[&str],
    env: &[(&str, &str)],
    mut on_line: impl FnMut(&str),
) -> (i32, Duration, String) {
    let started = Instant::now();
    let mut cmd = Command::new(mindnet_bin());
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run mindnet");
    let mut all = String::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            on_line(&line);
            all.push_str(&line);
            all.push('\n');
        }
    }
    let status = child.wait().expect("wait for mindnet");
    (status.code().unwrap_or(-1), started.elapsed(), all)
}
