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

/// Writes `text` to standard output and flushes it. A reader that went away ends the
/// output quietly (as `cat` does); any other failure is an error.
pub fn emit(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
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
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
