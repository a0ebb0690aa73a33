//! `mindnet completions SHELL`: a shell completion script.

use crate::cli::Cli;
use crate::output::Output;
use clap::CommandFactory;
use serde_json::json;

/// Prints the completion script for `shell`.
pub fn exec(shell: clap_complete::Shell) -> Output {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mindnet", &mut out);
    let script = String::from_utf8_lossy(&out).to_string();
    Output::new(
        script.clone(),
        json!({ "shell": shell.to_string(), "script": script }),
    )
}
