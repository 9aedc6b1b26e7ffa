//! Standard output that cannot panic: `println!` panics when the reader has gone away
//! (`vmstate qemu inspect x | head`) or the disk is full.

use std::io::{ErrorKind, Write};

/// Appends a formatted line to a `String` (infallible, unlike `writeln!` into it).
macro_rules! outln {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&format!($($arg)*));
        $out.push('\n');
    }};
}
pub(crate) use outln;

/// `text` with every control character but newlines and tabs escaped as JSON escapes them
/// (`\u001b`): names and messages come from the input files, and a terminal would obey an
/// escape sequence in them. In JSON output (where serde_json has escaped all but DEL and the
/// C1 controls already) this only adds valid escapes inside strings.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    vmstate_core::schema::report::escape_chars(text, |c| c.is_control() && c != '\n' && c != '\t')
}

/// Writes `text` to standard output, control characters escaped, and flushes it. A reader
/// that went away ends the output quietly (as `cat` does); any other failure is an error.
pub fn emit(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(printable(text).as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => {
            Err(format!("cannot write standard output: {e}"))
        }
        _ => Ok(()),
    }
}

/// [`emit`] of one line, at once (progress that a parent process may be waiting for).
pub fn say(line: &str) -> Result<(), String> {
    emit(&format!("{line}\n"))
}

/// A line on standard error; a failure to write it is ignored (there is nowhere left to
/// report it).
pub fn warn(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", printable(line));
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_from_the_input_are_escaped() {
        assert_eq!(
            super::printable("a\x1b[31mRED\x07\n\tb\u{7f}\u{9b}"),
            "a\\u001b[31mRED\\u0007\n\tb\\u007f\\u009b"
        );
        // JSON stays JSON: serde_json leaves DEL and the C1 controls raw.
        let json = serde_json::json!({ "idstr": "a\u{7f}b\u{85}\u{1b}" }).to_string();
        let shown: serde_json::Value = serde_json::from_str(&super::printable(&json)).unwrap();
        assert_eq!(shown["idstr"], "a\u{7f}b\u{85}\u{1b}");
        assert!(matches!(
            super::printable("plain\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
