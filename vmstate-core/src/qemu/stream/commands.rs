//! QEMU's commands (`QEMU_VM_COMMAND`) between sections, checked as its loader checks them.

use super::{fmt_err, Item, Reader};
use crate::error::Error;

/// QEMU's commands, indexed by number (`enum qemu_vm_cmd`; the lengths from `mig_cmd_args`,
/// which lists them in another order): name and data length (`None`: any). A `PACKAGED`
/// command is followed by a whole nested stream, which is not read here.
const COMMANDS: [(&str, Option<u16>); 12] = [
    ("INVALID", None),
    ("OPEN_RETURN_PATH", Some(0)),
    ("PING", Some(4)),
    ("POSTCOPY_ADVISE", None),
    ("POSTCOPY_LISTEN", Some(0)),
    ("POSTCOPY_RUN", Some(0)),
    ("POSTCOPY_RAM_DISCARD", None),
    ("PACKAGED", Some(4)),
    ("ENABLE_COLO", Some(0)),
    ("POSTCOPY_RESUME", Some(0)),
    ("RECV_BITMAP", None),
    // QEMU 10.0: sent after the RAM's last part whenever `send-switchover-start` is on,
    // which it is for machines without versioned compatibility settings (integratorcp).
    ("SWITCHOVER_START", Some(0)),
];

/// Reads a command item after its type byte (at `at`), checking it as QEMU's
/// `loadvm_process_command` does.
pub(super) fn command(r: &mut Reader, at: usize) -> Result<Item, Error> {
    let command = r.be16("command")?;
    let len = r.be16("command length")?;
    let data = r.take(usize::from(len), "command data")?;
    let known = COMMANDS.get(usize::from(command)).filter(|_| command != 0);
    let Some(&(name, expected_len)) = known else {
        return Err(fmt_err(format!("unknown command {command}"), at));
    };
    if expected_len.is_some_and(|l| l != len) {
        return Err(fmt_err(
            format!(
                "command {name} with {len} bytes of data (QEMU expects {})",
                expected_len.unwrap_or(0)
            ),
            at,
        ));
    }
    // `loadvm_postcopy_handle_advise`: no data, or the two page sizes of `postcopy-ram`.
    if name == "POSTCOPY_ADVISE" && len != 0 && len != 16 {
        return Err(fmt_err(
            format!("command POSTCOPY_ADVISE with {len} bytes of data (QEMU expects 0 or 16)"),
            at,
        ));
    }
    // `loadvm_postcopy_ram_handle_discard`: a version byte (0), a block id with its
    // terminator and at least one 16-byte range.
    if name == "POSTCOPY_RAM_DISCARD" && len < 20 {
        return Err(fmt_err(
            format!("command {name} with {len} bytes of data (QEMU expects at least 20)"),
            at,
        ));
    }
    if name == "POSTCOPY_RAM_DISCARD" {
        discard_data(data).map_err(|why| fmt_err(format!("command {name} {why}"), at))?;
    }
    if name == "PACKAGED" {
        return Err(fmt_err(
            "command PACKAGED (a postcopy package: a nested stream) is not supported".into(),
            at,
        ));
    }
    Ok(Item::Command {
        command,
        name,
        range: at..r.cur.pos,
    })
}

/// Where the postcopy commands have taken the destination (QEMU's `PostcopyState`): QEMU
/// refuses each command out of order ("in wrong postcopy state").
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Postcopy {
    Off,
    Advised,
    Discarding,
    Listening,
    Running,
}

impl Postcopy {
    /// The state after command `name`, or why QEMU refuses the command here: ADVISE once,
    /// then any RAM_DISCARDs, then LISTEN, then RUN (`loadvm_postcopy_handle_*`).
    pub(super) fn after(self, name: &str) -> Result<Self, String> {
        use Postcopy::*;
        let refused = match (name, self) {
            ("POSTCOPY_ADVISE", Off) => return Ok(Advised),
            ("POSTCOPY_RAM_DISCARD", Advised | Discarding) => return Ok(Discarding),
            ("POSTCOPY_LISTEN", Advised | Discarding) => return Ok(Listening),
            ("POSTCOPY_RUN", Listening) => return Ok(Running),
            ("POSTCOPY_ADVISE", _) => "a second command POSTCOPY_ADVISE".to_owned(),
            ("POSTCOPY_RAM_DISCARD" | "POSTCOPY_LISTEN" | "POSTCOPY_RUN", Off) => {
                format!("command {name} before any POSTCOPY_ADVISE")
            }
            ("POSTCOPY_RUN", Running) => "a second command POSTCOPY_RUN".to_owned(),
            ("POSTCOPY_RUN", _) => "command POSTCOPY_RUN before POSTCOPY_LISTEN".to_owned(),
            ("POSTCOPY_RAM_DISCARD" | "POSTCOPY_LISTEN", _) => {
                format!("command {name} after POSTCOPY_LISTEN")
            }
            _ => return Ok(self),
        };
        Err(format!("{refused} (QEMU refuses it: wrong postcopy state)"))
    }
}

/// Checks a `POSTCOPY_RAM_DISCARD`'s data (at least 20 bytes) as QEMU's
/// `loadvm_postcopy_ram_handle_discard` does: version 0, a block id with its NUL terminator,
/// then 16-byte ranges.
fn discard_data(data: &[u8]) -> Result<(), String> {
    if data[0] != 0 {
        return Err(format!("of version {} (QEMU reads version 0)", data[0]));
    }
    let id_len = usize::from(data[1]);
    let ranges = match data.get(2 + id_len) {
        Some(0) => data.len() - 3 - id_len,
        _ => return Err("without the NUL after its block id".into()),
    };
    if ranges % 16 != 0 {
        return Err(format!(
            "with {ranges} bytes of ranges after its block id (QEMU reads 16-byte ranges)"
        ));
    }
    Ok(())
}
