//! Golden schema files: a test that fails when a description stops being migration-compatible
//! with the one recorded in the repository.

use super::{check, check_back, Description, Schema};
use std::fs::File;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The environment variable that makes [`assert_compatible`] overwrite golden files.
pub const BLESS_VAR: &str = "VMSTATE_BLESS";

/// Asserts that a stream of the release recorded in the golden schema file at `golden_path`
/// (device `key`) loads into this build's `description`: QEMU's rule, a new release reads
/// the old one's streams.
///
/// - If the file does not exist it is written (the schema of this one description, as pretty
///   JSON: [`Schema::to_json`]) and the assertion passes: commit it. If it exists without
///   device `key`, the device is added to it, the others kept, and the assertion passes.
///   With `VMSTATE_BLESS=0` nothing is recorded and a missing file or device panics: set it
///   for a CI job's golden-file tests, where a file that was never committed would otherwise
///   pass unnoticed (not for tests that record files of their own, as these examples do).
/// - If the environment variable `VMSTATE_BLESS` is `1`, device `key` is recorded anew (the
///   file's other devices are kept) and the assertion passes: rerun like this once a change
///   is meant to break compatibility, or to record a new release. Every assertion of the run
///   does so, compatible or not: run only the tests whose files are to change.
/// - Otherwise the golden schema is loaded and [`check`](super::check())ed against the current
///   one: golden → current. An error panics with the report. Warnings, and what would keep
///   migration back to the recorded release from working (current → golden, with
///   [`check_back`](super::check_back()): a version raised to add a field, say; its findings
///   call this build "the newer release" and say what to change in it), are printed to stderr (`cargo test -- --nocapture` shows
///   them for a passing test); [`assert_compatible_both_ways`] fails on those too.
///
/// Only the device `key` of the golden file is compared, so one file may hold several devices.
/// Tests that write one file take turns, also from separate processes (cargo-nextest's, or two
/// test binaries of a crate), by locking the file's directory (on Unix; on other systems the
/// threads of one process take turns), and the file is replaced at once, so no test reads half
/// of it (where a symbolic link points, keeping its permissions; a read-only file is not
/// rewritten: that panics).
/// Use it from a `#[test]`, or through [`assert_compatible!`](crate::assert_compatible), which
/// takes the key from the description and resolves a relative path against the calling
/// crate's directory.
///
/// # Panics
///
/// When the description is not compatible with the golden file, or when the file cannot be
/// read, parsed or written.
///
/// ```
/// # std::env::remove_var(vmstate_core::schema::BLESS_VAR); // this example records a file
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "uart", version = 1)]
/// struct Uart { lcr: u8, dll: u8 }
///
/// #[derive(VmState)]
/// #[vmstate(name = "uart", version = 1)]
/// struct UartRenamed { lcr: u8, divisor: u8 }
///
/// let dir = std::env::temp_dir().join(format!("vmstate-golden-doc-{}", std::process::id()));
/// let golden = dir.join("uart.json");
/// let _ = std::fs::remove_file(&golden);
///
/// // First run: the golden file is written.
/// vmstate_core::schema::assert_compatible(&golden, "uart", Uart::DESCRIPTION);
/// assert!(std::fs::read_to_string(&golden).unwrap().contains("\"dll\""));
/// // Unchanged: passes (the macro form takes the key from the description's name).
/// vmstate_core::assert_compatible!(&golden, Uart);
/// // A renamed field breaks migration: the assertion panics.
/// let broken = std::panic::catch_unwind(|| {
///     vmstate_core::assert_compatible!(&golden, UartRenamed, "uart");
/// });
/// assert!(broken.is_err());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn assert_compatible(golden_path: impl AsRef<Path>, key: &str, description: &Description) {
    check_golden(golden_path.as_ref(), key, description, false)
}

/// [`assert_compatible`] in both directions: a stream of the recorded release loads into this
/// build, and one of this build into the recorded release (migration back, a rollback). For
/// devices whose streams must stay readable by an older release, as a QEMU device's are
/// across machine types.
///
/// ```
/// # std::env::remove_var(vmstate_core::schema::BLESS_VAR); // this example records a file
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "uart", version = 1)]
/// struct V1 { lcr: u8 }
///
/// // The next release adds a field from version 2.
/// #[derive(VmState)]
/// #[vmstate(name = "uart", version = 2, minimum_version = 1)]
/// struct V2 { lcr: u8, #[vmstate(since = 2)] fcr: u8 }
///
/// let dir = std::env::temp_dir().join(format!("vmstate-golden-both-{}", std::process::id()));
/// let golden = dir.join("uart.json");
/// let _ = std::fs::remove_file(&golden);
/// vmstate_core::assert_compatible!(&golden, V1); // records version 1
/// vmstate_core::assert_compatible!(&golden, V2); // version 1 streams load: passes
/// // Version 1 cannot load version 2's streams: required both ways, that fails.
/// let back = std::panic::catch_unwind(|| vmstate_core::assert_compatible_both_ways!(&golden, V2));
/// assert!(back.is_err());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
///
/// # Panics
///
/// As [`assert_compatible`], and when migration back to the recorded release would fail.
pub fn assert_compatible_both_ways(
    golden_path: impl AsRef<Path>,
    key: &str,
    description: &Description,
) {
    check_golden(golden_path.as_ref(), key, description, true)
}

/// [`assert_compatible`], failing on the findings of migration back too when `both_ways`.
fn check_golden(path: &Path, key: &str, description: &Description, both_ways: bool) {
    let mut current = Schema::new(None);
    current.add(key, description);
    let bless_var = std::env::var(BLESS_VAR);
    let bless = bless_var.as_deref() == Ok("1");
    let record_missing = bless_var.as_deref() != Ok("0");
    // A golden file that is a symbolic link is updated where it points.
    let target = link_target(path);
    // One file's devices are read, and written back, in turn: tests run on threads, and in
    // separate processes.
    let turn = Turn::take(&target);
    let recorded = match std::fs::read_to_string(&target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("cannot read the golden schema {}: {e}", path.display()),
        // A file blessed anew need not read.
        Ok(text) => match Schema::from_json(&text) {
            Ok(s) => Some(s),
            Err(_) if bless => None,
            Err(e) => panic!(
                "{} is not a schema ({e}); rerun with {BLESS_VAR}=1 to rewrite it",
                path.display()
            ),
        },
    };
    let entry = recorded.as_ref().and_then(|r| r.devices.get(key)).cloned();
    let Some(entry) = entry.filter(|_| !bless) else {
        if !record_missing {
            let what = match &recorded {
                None => "does not exist".to_owned(),
                Some(_) => format!("has no device `{key}`"),
            };
            panic!(
                "the golden schema {} {what}, and {BLESS_VAR}=0 records nothing: run the test \
                 without it to record `{key}` ({}), and commit the file",
                path.display(),
                description.rust_type
            );
        }
        let mut file = recorded.unwrap_or_else(|| Schema::new(None));
        file.devices.extend(current.devices);
        replace_at_once(&target, &file.to_json(), path);
        return;
    };
    drop(turn);
    let mut golden = Schema::new(None);
    golden.devices.insert(key.to_owned(), entry);
    let forward = check(&golden, &current);
    let backward = check_back(&current, &golden);
    for (dir, report) in [("forward", &forward), ("backward", &backward)] {
        if report.warnings() > 0 && report.errors() == 0 {
            eprint!("{}: {dir} migration warnings:\n{report}", path.display());
        }
    }
    if !both_ways && backward.errors() > 0 {
        eprint!(
            "{}: migration back to the recorded release would fail (not required; \
             assert_compatible_both_ways requires it):\n{backward}",
            path.display()
        );
    }
    let backward_errors = if both_ways { backward.errors() } else { 0 };
    if forward.errors() + backward_errors == 0 {
        return;
    }
    let mut msg = format!(
        "`{key}` ({}) is not migration-compatible with the golden schema {}:\n",
        description.rust_type,
        path.display()
    );
    if forward.errors() > 0 {
        msg.push_str(&format!(
            "golden -> current (a stream of the recorded release loaded by this build), {} \
             error(s):\n{forward}",
            forward.errors()
        ));
    }
    if backward_errors > 0 {
        msg.push_str(&format!(
            "current -> golden (migration back to the recorded release), {} error(s):\n\
             {backward}",
            backward.errors()
        ));
    }
    msg.push_str(&format!(
        "If this break is intended, rerun this test alone with {BLESS_VAR}=1 to overwrite the \
         golden file (every assertion a run makes records its device anew), and commit it."
    ));
    panic!("{msg}");
}

/// Where the golden file at `path` is: the file a symbolic link points to, also one not
/// written yet (a dangling link is followed hop by hop, at most 40, as the system would).
fn link_target(path: &Path) -> std::path::PathBuf {
    if let Ok(resolved) = std::fs::canonicalize(path) {
        return resolved;
    }
    let mut at = path.to_owned();
    for _ in 0..40 {
        let Ok(next) = std::fs::read_link(&at) else {
            break;
        };
        at = match at.parent() {
            Some(dir) if next.is_relative() => dir.join(next),
            _ => next,
        };
    }
    at
}

/// A test's turn at a golden file, from reading it to writing it back: the other threads of
/// this process, and other processes, wait for it.
struct Turn {
    /// The golden file's directory, locked; `None` where it cannot be.
    _other_processes: Option<File>,
    /// This process's turn, among its threads.
    _other_threads: MutexGuard<'static, ()>,
}

impl Turn {
    /// Waits for the turn at the golden file at `path`, creating the file's directory.
    fn take(path: &Path) -> Turn {
        // File locks exclude separately opened files within one process too, but the mutex
        // keeps threads taking turns where `File::lock` is unsupported.
        static THREADS: Mutex<()> = Mutex::new(());
        let other_threads = THREADS.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Err(e) = std::fs::create_dir_all(dir) {
            panic!("cannot create {}: {e}", dir.display());
        }
        // The directory itself is the lock (an open directory takes `flock` on Unix):
        // nothing is left behind, beside the golden file or elsewhere. Where a directory
        // cannot be opened as a file (Windows) or locked, the mutex alone orders the threads.
        // A file system without locks (NFS without a lock daemon) leaves the mutex alone too.
        let other_processes = File::open(dir).ok().filter(|lock| lock.lock().is_ok());
        Turn {
            _other_processes: other_processes,
            _other_threads: other_threads,
        }
    }
}

/// Replaces the golden file at `path` (`shown` in messages, as the caller named it) with
/// `text` at once: written to a temporary file beside it, with its permissions, then renamed
/// over it, so that a reader sees the old file or the new one, never part of it.
fn replace_at_once(path: &Path, text: &str, shown: &Path) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static WRITES: AtomicU64 = AtomicU64::new(0);
    // The file keeps its permissions; a read-only one is not replaced (as writing it in
    // place would have failed).
    let permissions = std::fs::metadata(path).ok().map(|m| m.permissions());
    if permissions
        .as_ref()
        .is_some_and(std::fs::Permissions::readonly)
    {
        panic!(
            "cannot write the golden schema {}: it is read-only",
            shown.display()
        );
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    // Unique to this process and write; hidden, and removed if the rename fails.
    let temporary = path.with_file_name(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        WRITES.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::write(&temporary, text).and_then(|()| match permissions {
        Some(p) => std::fs::set_permissions(&temporary, p),
        None => Ok(()),
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        panic!("cannot write the golden schema {}: {e}", shown.display());
    }
}

/// Asserts that a stream of the release recorded in a golden schema file loads into a
/// `VmState` type: see [`schema::assert_compatible`](crate::schema::assert_compatible).
///
/// `assert_compatible!("schemas/uart.json", Uart)` uses the description's name as the device
/// key; `assert_compatible!("schemas/uart.json", Uart, "pl011")` names the key. A relative path
/// is resolved against the calling crate's directory (`CARGO_MANIFEST_DIR`), so the test finds
/// the file wherever it runs from.
///
/// ```
/// # std::env::remove_var(vmstate_core::schema::BLESS_VAR); // this example records a file
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "timer")]
/// struct Timer { count: u32 }
///
/// let golden = std::env::temp_dir()
///     .join(format!("vmstate-golden-macro-{}", std::process::id()))
///     .join("timer.json");
/// vmstate_core::assert_compatible!(&golden, Timer); // writes it
/// vmstate_core::assert_compatible!(&golden, Timer, "timer"); // unchanged: passes
/// # std::fs::remove_dir_all(golden.parent().unwrap()).unwrap();
/// ```
#[macro_export]
macro_rules! assert_compatible {
    ($path:expr, $ty:ty $(,)?) => {
        $crate::__vmstate_golden!(assert_compatible, $path, $ty)
    };
    ($path:expr, $ty:ty, $key:expr $(,)?) => {
        $crate::__vmstate_golden!(assert_compatible, $path, $ty, $key)
    };
}

/// [`assert_compatible!`](crate::assert_compatible!) in both directions: see
/// [`schema::assert_compatible_both_ways`](crate::schema::assert_compatible_both_ways).
///
/// ```
/// # std::env::remove_var(vmstate_core::schema::BLESS_VAR); // this example records a file
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "timer")]
/// struct Timer { count: u32 }
///
/// let golden = std::env::temp_dir()
///     .join(format!("vmstate-golden-both-macro-{}", std::process::id()))
///     .join("timer.json");
/// vmstate_core::assert_compatible_both_ways!(&golden, Timer); // writes it
/// vmstate_core::assert_compatible_both_ways!(&golden, Timer, "timer"); // unchanged: passes
/// # std::fs::remove_dir_all(golden.parent().unwrap()).unwrap();
/// ```
#[macro_export]
macro_rules! assert_compatible_both_ways {
    ($path:expr, $ty:ty $(,)?) => {
        $crate::__vmstate_golden!(assert_compatible_both_ways, $path, $ty)
    };
    ($path:expr, $ty:ty, $key:expr $(,)?) => {
        $crate::__vmstate_golden!(assert_compatible_both_ways, $path, $ty, $key)
    };
}

/// The golden-file macros' call: the path resolved against the calling crate's directory, the
/// key the description's name unless given.
#[doc(hidden)]
#[macro_export]
macro_rules! __vmstate_golden {
    ($check:ident, $path:expr, $ty:ty) => {
        $crate::__vmstate_golden!(
            $check,
            $path,
            $ty,
            <$ty as $crate::VmState>::DESCRIPTION.name
        )
    };
    ($check:ident, $path:expr, $ty:ty, $key:expr) => {
        $crate::schema::$check(
            ::std::path::Path::new(::core::option_env!("CARGO_MANIFEST_DIR").unwrap_or(""))
                .join($path),
            $key,
            <$ty as $crate::VmState>::DESCRIPTION,
        )
    };
}
