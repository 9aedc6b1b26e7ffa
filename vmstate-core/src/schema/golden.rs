//! Golden schema files: a test that fails when a description stops being migration-compatible
//! with the one recorded in the repository.

use super::{check, Description, Schema};
use std::path::Path;

/// The environment variable that makes [`assert_compatible`] overwrite golden files.
pub const BLESS_VAR: &str = "VMSTATE_BLESS";

/// Asserts that `description` is migration-compatible, both ways, with the golden schema file
/// at `golden_path` (device `key`).
///
/// - If the file does not exist it is written (the schema of this one description, as pretty
///   JSON: [`Schema::to_json`]) and the assertion passes: commit it.
/// - If the environment variable `VMSTATE_BLESS` is `1`, the file is overwritten and the
///   assertion passes: rerun like this once a change is meant to break compatibility.
/// - Otherwise the golden schema is loaded and [`check`](super::check())ed against the current one in both
///   directions: golden → current (a stream of the recorded release loads into this build)
///   and current → golden (migration back to the recorded release). Any error panics with
///   both reports. Warnings are printed to stderr.
///
/// Only the device `key` of the golden file is compared, so one file may hold several devices.
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
    let path = golden_path.as_ref();
    let mut current = Schema::new(None);
    current.add(key, description);
    let bless = std::env::var(BLESS_VAR).is_ok_and(|v| v == "1");
    if bless || !path.exists() {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Err(e) = std::fs::create_dir_all(dir) {
                panic!("cannot create {}: {e}", dir.display());
            }
        }
        if let Err(e) = std::fs::write(path, current.to_json()) {
            panic!("cannot write the golden schema {}: {e}", path.display());
        }
        return;
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => panic!("cannot read the golden schema {}: {e}", path.display()),
    };
    let recorded = match Schema::from_json(&text) {
        Ok(s) => s,
        Err(e) => panic!(
            "{} is not a schema ({e}); rerun with {BLESS_VAR}=1 to rewrite it",
            path.display()
        ),
    };
    let mut golden = Schema::new(None);
    if let Some(entry) = recorded.devices.get(key) {
        golden.devices.insert(key.to_owned(), entry.clone());
    }
    let forward = check(&golden, &current);
    let backward = check(&current, &golden);
    for (dir, report) in [("forward", &forward), ("backward", &backward)] {
        if report.warnings() > 0 && report.errors() == 0 {
            eprint!("{}: {dir} migration warnings:\n{report}", path.display());
        }
    }
    if forward.errors() + backward.errors() == 0 {
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
    if backward.errors() > 0 {
        msg.push_str(&format!(
            "current -> golden (migration back to the recorded release), {} error(s):\n\
             {backward}",
            backward.errors()
        ));
    }
    msg.push_str(&format!(
        "If this break is intended, rerun with {BLESS_VAR}=1 to overwrite the golden file, and \
         commit it."
    ));
    panic!("{msg}");
}

/// Asserts that a `VmState` type is migration-compatible with a golden schema file: see
/// [`schema::assert_compatible`](crate::schema::assert_compatible).
///
/// `assert_compatible!("schemas/uart.json", Uart)` uses the description's name as the device
/// key; `assert_compatible!("schemas/uart.json", Uart, "pl011")` names the key. A relative path
/// is resolved against the calling crate's directory (`CARGO_MANIFEST_DIR`), so the test finds
/// the file wherever it runs from.
///
/// ```
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
        $crate::schema::assert_compatible(
            ::std::path::Path::new(::core::option_env!("CARGO_MANIFEST_DIR").unwrap_or(""))
                .join($path),
            <$ty as $crate::VmState>::DESCRIPTION.name,
            <$ty as $crate::VmState>::DESCRIPTION,
        )
    };
    ($path:expr, $ty:ty, $key:expr $(,)?) => {
        $crate::schema::assert_compatible(
            ::std::path::Path::new(::core::option_env!("CARGO_MANIFEST_DIR").unwrap_or(""))
                .join($path),
            $key,
            <$ty as $crate::VmState>::DESCRIPTION,
        )
    };
}
