//! Output shared by the commands.

use serde_json::{json, Value};

/// Prints one JSON object as a line and flushes, so a reader sees it at once.
pub fn line(value: Value) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

pub fn error(json: bool, message: &str) {
    if json {
        line(json!({ "type": "error", "error": message }));
    }
    eprintln!("error: {message}");
}
