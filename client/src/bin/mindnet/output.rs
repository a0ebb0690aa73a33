//! What a command prints: the same result as text for people and as JSON for programs.

use mindnet_client::amount::format_mind;
use mindnet_client::Included;
use serde_json::Value;

/// A command's result.
pub struct Output {
    /// Printed without `--json`.
    pub human: String,
    /// Printed with `--json`.
    pub json: Value,
}

impl Output {
    /// A result.
    pub fn new(human: impl Into<String>, json: Value) -> Self {
        Self {
            human: human.into(),
            json,
        }
    }

    /// Prints it on stdout (a closed pipe, as with `| head`, is not an error).
    pub fn print(&self, json: bool) {
        use std::io::Write;
        let text = if json {
            serde_json::to_string_pretty(&self.json).unwrap_or_else(|_| "null".into())
        } else {
            self.human.trim_end().to_string()
        };
        if !text.is_empty() {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    }
}

/// A plain text table: a header row and rows, columns padded to their widest cell, numbers
/// right-aligned.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.');
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| {
                if numeric(c) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// Base units as JSON: a number, or a string past `u64`.
pub fn units(v: u128) -> Value {
    u64::try_from(v)
        .map(Value::from)
        .unwrap_or_else(|_| Value::String(v.to_string()))
}

/// A transaction's inclusion as JSON: `{extrinsic, block, fee, events}`.
pub fn included_json(inc: &Included) -> Value {
    serde_json::json!({
        "extrinsic": inc.extrinsic,
        "block": inc.block,
        "fee": inc.fee.map(units),
        "events": inc.events,
    })
}

/// ` (fee X MIND)` when the fee is known, to end a sentence with.
pub fn fee_text(inc: &Included) -> String {
    inc.fee
        .map(|f| format!(" (fee {} MIND)", format_mind(f)))
        .unwrap_or_default()
}
