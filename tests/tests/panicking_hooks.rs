//! A `post_load`, derived function or `validate` that panics (a bug in the device's code)
//! leaves no device half-loaded: the values from before are put back, the hooks run again
//! over them, and the panic goes on to the caller, as an error would have been returned.
//! One device alone (both codecs), the devices of a machine or QEMU-stream load before it,
//! and those still when a hook panics again as a device is put back.

use std::panic::{catch_unwind, AssertUnwindSafe};
use vmstate_core::{machine, qemu, VmState};

/// A timer whose hooks panic on a load of `count == PANIC`.
#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "timer", post_load = "Self::after_load")]
struct Timer {
    count: u32,
    #[vmstate(derived = "Self::derive_ticks")]
    ticks: u64,
    /// Which counts `post_load` ran on: a load, then an undo's run over the old values.
    #[vmstate(skip)]
    loads_seen: Vec<u32>,
}

const PANIC: u32 = 0xdead;

impl Timer {
    fn new(count: u32) -> Timer {
        Timer {
            count,
            ticks: u64::from(count) * 10,
            loads_seen: Vec::new(),
        }
    }
    fn derive_ticks(&mut self) {
        self.ticks = u64::from(self.count) * 10;
    }
    fn after_load(&mut self) {
        self.loads_seen.push(self.count);
        if self.count == PANIC {
            panic!("post_load met count {PANIC:#x}");
        }
    }
}

/// A register that `validate` refuses by panicking.
#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "latch", validate = "Self::check")]
struct Latch {
    value: u8,
}

impl Latch {
    fn check(&self) -> Result<(), std::io::Error> {
        assert!(self.value != 0xff, "validate met 0xff");
        Ok(())
    }
}

/// The message of a caught panic.
fn message(panic: Box<dyn std::any::Any + Send>) -> String {
    match panic.downcast::<String>() {
        Ok(s) => *s,
        Err(panic) => panic
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

#[test]
fn a_post_load_that_panics_leaves_the_device_as_it_was_in_both_codecs() {
    let bytes = vmstate_core::to_bytes(&Timer::new(PANIC)).unwrap();
    let mut timer = Timer::new(7);
    let panic = catch_unwind(AssertUnwindSafe(|| {
        vmstate_core::from_bytes(&mut timer, &bytes)
    }))
    .unwrap_err();
    assert!(message(panic).contains("post_load met count 0xdead"));
    assert_eq!((timer.count, timer.ticks), (7, 70), "{timer:?}");
    // The hook ran on the load's values, then again over the restored ones.
    assert_eq!(timer.loads_seen, [PANIC, 7]);

    let data = qemu::to_bytes(&Timer::new(PANIC)).unwrap();
    let mut timer = Timer::new(9);
    let panic = catch_unwind(AssertUnwindSafe(|| {
        qemu::from_bytes(&mut timer, &data, 1, 0)
    }));
    assert!(panic.is_err());
    assert_eq!((timer.count, timer.ticks), (9, 90), "{timer:?}");
    assert_eq!(timer.loads_seen, [PANIC, 9]);

    // The device still loads what its hook takes.
    let bytes = vmstate_core::to_bytes(&Timer::new(3)).unwrap();
    vmstate_core::from_bytes(&mut timer, &bytes).unwrap();
    assert_eq!((timer.count, timer.ticks), (3, 30));
}

#[test]
fn a_validate_that_panics_leaves_the_device_as_it_was() {
    let bytes = vmstate_core::to_bytes(&Latch { value: 0xff }).unwrap();
    let mut latch = Latch { value: 1 };
    let panic = catch_unwind(AssertUnwindSafe(|| {
        vmstate_core::from_bytes(&mut latch, &bytes)
    }))
    .unwrap_err();
    assert!(message(panic).contains("validate met 0xff"));
    // `validate` sees the would-be state in place: it is swapped back.
    assert_eq!(latch, Latch { value: 1 });
}

#[test]
fn a_device_that_panics_in_a_machine_load_puts_back_the_devices_loaded_before_it() {
    let (first, second) = (Timer::new(5), Timer::new(PANIC));
    let bytes = machine::save(None, &[(0, &first), (1, &second)]).unwrap();
    let (mut a, mut b) = (Timer::new(1), Timer::new(2));
    let panic = catch_unwind(AssertUnwindSafe(|| {
        machine::load(&mut [(0, &mut a), (1, &mut b)], &bytes)
    }))
    .unwrap_err();
    assert!(message(panic).contains("post_load met count 0xdead"));
    // The first had loaded 5: it is back at 1, its hooks run again over it.
    assert_eq!((a.count, a.ticks), (1, 10), "{a:?}");
    assert_eq!(a.loads_seen, [5, 1]);
    assert_eq!((b.count, b.ticks), (2, 20), "{b:?}");
    assert_eq!(b.loads_seen, [PANIC, 2]);
}

#[test]
fn a_device_that_panics_in_a_qemu_stream_load_puts_back_the_devices_loaded_before_it() {
    let first = qemu::to_bytes(&Timer::new(5)).unwrap();
    let second = qemu::to_bytes(&Timer::new(PANIC)).unwrap();
    let bytes =
        vmstate_tests::qemu_stream_of(&[("timer", 0, 1, &first), ("timer", 1, 1, &second)], None);
    let stream = qemu::Stream::parse(bytes).unwrap();
    let (mut a, mut b) = (Timer::new(1), Timer::new(2));
    let panic = catch_unwind(AssertUnwindSafe(|| {
        qemu::load_devices(&stream, &mut [("timer", 0, &mut a), ("timer", 1, &mut b)])
    }));
    assert!(panic.is_err());
    assert_eq!(
        (a.count, a.ticks, b.count, b.ticks),
        (1, 10, 2, 20),
        "{a:?} {b:?}"
    );
}

/// A register whose `validate` refuses 0xee with an error.
#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "gate", validate = "Self::check")]
struct Gate {
    value: u8,
}

impl Gate {
    fn check(&self) -> Result<(), std::io::Error> {
        if self.value == 0xee {
            return Err(std::io::Error::other("0xee refused"));
        }
        Ok(())
    }
}

#[test]
fn a_hook_that_panics_again_while_a_device_is_put_back_stops_no_other_undo() {
    // `b` starts at PANIC: its hooks, run again over its restored state, panic too. `a`
    // before it is put back all the same, whether the load failed by a panic or an error.
    let (first, second) = (Timer::new(5), Timer::new(6));
    for third_panics in [true, false] {
        let (timer, gate) = (Timer::new(PANIC), Gate { value: 0xee });
        let third: &dyn machine::Section = if third_panics { &timer } else { &gate };
        let bytes = machine::save(None, &[(0, &first), (1, &second), (2, third)]).unwrap();
        let (mut a, mut b) = (Timer::new(1), Timer::new(PANIC));
        let (mut c, mut g) = (Timer::new(3), Gate { value: 3 });
        let dst: &mut dyn machine::Section = if third_panics { &mut c } else { &mut g };
        let panic = catch_unwind(AssertUnwindSafe(|| {
            machine::load(&mut [(0, &mut a), (1, &mut b), (2, dst)], &bytes)
        }))
        .unwrap_err();
        assert!(message(panic).contains("post_load met count 0xdead"));
        assert_eq!(
            (a.count, a.ticks),
            (1, 10),
            "third panics: {third_panics}: {a:?}"
        );
        assert_eq!(b.count, PANIC, "{b:?}");
        assert_eq!((c.count, g.value), (3, 3));
    }
}
