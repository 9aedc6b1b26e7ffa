//! `post_load` hooks that take the version of the loaded state, QEMU's
//! `post_load(opaque, version_id)`: the section's, a subsection's own from the stream, a
//! nested struct's description's, and the description's own over a state put back by an undo.

use std::io;
use vmstate_core::VmState;

/// Version 1 counted milliseconds; version 2 counts microseconds.
#[derive(VmState, Default, Debug)]
#[vmstate(
    name = "timer",
    version = 2,
    minimum_version = 1,
    post_load = "Self::after_load",
    validate = "Self::check"
)]
struct Timer {
    count: u32,
    #[vmstate(skip)]
    seen: Vec<u32>,
}

impl Timer {
    fn after_load(&mut self, version: u32) {
        self.seen.push(version);
        if version < 2 {
            self.count = self.count.saturating_mul(1000);
        }
    }
    // Its commit and swap back, before the real commit, must not change what the hook sees.
    fn check(&self) -> Result<(), io::Error> {
        Ok(())
    }
}

#[derive(VmState)]
#[vmstate(name = "timer", version = 1)]
struct TimerV1 {
    count: u32,
}

#[test]
fn a_section_hook_receives_the_version_of_the_stream_in_both_codecs() {
    let mut timer = Timer::default();
    let old = vmstate_core::to_bytes(&TimerV1 { count: 3 }).unwrap();
    vmstate_core::from_bytes(&mut timer, &old).unwrap();
    assert_eq!((timer.count, timer.seen.as_slice()), (3000, &[1][..]));

    let new = vmstate_core::to_bytes(&Timer {
        count: 5,
        seen: Vec::new(),
    })
    .unwrap();
    vmstate_core::from_bytes(&mut timer, &new).unwrap();
    assert_eq!((timer.count, timer.seen.as_slice()), (5, &[1, 2][..]));

    // QEMU's wire: the version comes with the section header, outside the section's bytes.
    let old = vmstate_core::qemu::to_bytes(&TimerV1 { count: 7 }).unwrap();
    vmstate_core::qemu::from_bytes(&mut timer, &old, 1, 0).unwrap();
    assert_eq!((timer.count, timer.seen.last()), (7000, Some(&1)));
    vmstate_core::qemu::from_bytes(&mut timer, &old, 2, 0).unwrap();
    assert_eq!((timer.count, timer.seen.last()), (7, Some(&2)));
}

/// A struct nested in others: its hook receives its own description's version, as QEMU's
/// `VMSTATE_STRUCT` loads it, whatever the section's version.
#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "fifo", version = 5, post_load = "record_fifo")]
struct Fifo {
    head: u8,
    #[vmstate(skip)]
    seen: Vec<u32>,
}

fn record_fifo(fifo: &mut Fifo, version: u32) -> Result<(), io::Error> {
    fifo.seen.push(version);
    Ok(())
}

#[derive(VmState, Default, Debug)]
#[vmstate(
    name = "uart/extra",
    version = 3,
    minimum_version = 1,
    post_load = "Self::after_load"
)]
struct Extra {
    x: u8,
    #[vmstate(skip)]
    seen: Vec<u32>,
}

impl Extra {
    fn after_load(&mut self, version: u32) {
        self.seen.push(version);
    }
}

#[derive(VmState, Default, Debug)]
#[vmstate(
    name = "uart",
    version = 2,
    minimum_version = 1,
    post_load = "Self::after_load"
)]
struct Uart {
    lcr: u8,
    rx: Fifo,
    #[vmstate(since = 2, default)]
    tx: Fifo,
    #[vmstate(subsection, needed = "Self::extra_needed")]
    extra: Extra,
}

impl Uart {
    fn extra_needed(&self) -> bool {
        self.extra.x != 0
    }
    fn after_load(&mut self) -> Result<(), io::Error> {
        match self.lcr {
            0xff => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "lcr 0xff is reserved",
            )),
            _ => Ok(()),
        }
    }
}

/// Version 1 of `uart`, with version 1 of its subsection.
#[derive(VmState)]
#[vmstate(name = "uart", version = 1)]
struct UartV1 {
    lcr: u8,
    rx: Fifo,
    #[vmstate(subsection, needed = "UartV1::extra_needed")]
    extra: ExtraV1,
}

impl UartV1 {
    fn extra_needed(&self) -> bool {
        true
    }
}

#[derive(VmState)]
#[vmstate(name = "uart/extra", version = 1)]
struct ExtraV1 {
    x: u8,
}

fn old_uart(lcr: u8) -> UartV1 {
    UartV1 {
        lcr,
        rx: Fifo {
            head: 4,
            seen: Vec::new(),
        },
        extra: ExtraV1 { x: 9 },
    }
}

#[test]
fn subsections_nested_structs_and_defaults_receive_their_own_versions() {
    for qemu in [false, true] {
        let mut uart = Uart::default();
        match qemu {
            false => {
                let bytes = vmstate_core::to_bytes(&old_uart(3)).unwrap();
                vmstate_core::from_bytes(&mut uart, &bytes).unwrap();
            }
            true => {
                let bytes = vmstate_core::qemu::to_bytes(&old_uart(3)).unwrap();
                vmstate_core::qemu::from_bytes(&mut uart, &bytes, 1, 0).unwrap();
            }
        }
        assert_eq!(uart.extra.x, 9);
        // The subsection's version on the wire, not the section's nor its description's.
        assert_eq!(uart.extra.seen, [1], "qemu: {qemu}");
        assert_eq!(uart.rx.seen, [5], "qemu: {qemu}");
        // The version 1 stream lacks `tx`: its default's hook runs, with the description's.
        assert_eq!(uart.tx.seen, [5], "qemu: {qemu}");
    }
}

#[test]
fn an_undone_load_runs_the_hooks_again_with_the_descriptions_version() {
    let mut uart = Uart::default();
    let bytes = vmstate_core::to_bytes(&old_uart(0xff)).unwrap();
    let err = vmstate_core::from_bytes(&mut uart, &bytes).unwrap_err();
    assert!(err.to_string().contains("lcr 0xff is reserved"), "{err}");
    assert_eq!(uart.lcr, 0);
    assert_eq!(uart.extra.x, 0);
    // First over the loaded subsection (version 1), then over the state put back, which is
    // this build's (version 3).
    assert_eq!(uart.extra.seen, [1, 3]);
    assert_eq!(uart.rx.seen, [5, 5]);
}
