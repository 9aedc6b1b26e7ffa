// The std types the derive refuses by name (`Rc`, `HashMap`, `Duration`, the `NonZero`
// integers, ...) are refused only as std's: a type of one's own so named, reached by a path
// of its own, a type parameter so named, a name that merely starts like one, and skipped or
// derived fields of the std types all compile and migrate.
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vmstate_core::{Field, VmState};

mod ring {
    use vmstate_core::VmState;

    #[derive(VmState, Debug, Default, PartialEq)]
    pub struct Rc {
        pub head: u8,
    }

    #[derive(VmState, Debug, Default, PartialEq)]
    pub struct HashMap {
        pub keys: [u32; 2],
    }
}

#[derive(VmState, Debug, Default, Clone, Copy, PartialEq)]
struct NonZeroFlags {
    bits: u8,
}

#[derive(VmState, Debug)]
#[vmstate(post_load = "Self::rebuild")]
struct Dev<Rc: Field, Duration: Field> {
    ring: ring::Rc,
    table: self::ring::HashMap,
    flags: NonZeroFlags,
    param: Rc,
    period: Duration,
    #[vmstate(skip)]
    irq: Arc<Mutex<u32>>,
    #[vmstate(skip)]
    handlers: HashMap<u32, fn(u32)>,
    #[vmstate(skip)]
    timeout: Cell<std::time::Duration>,
    #[vmstate(derived)]
    deadline: Option<std::time::Instant>,
}

impl<Rc: Field, Duration: Field> Dev<Rc, Duration> {
    fn rebuild(&mut self) {
        self.deadline = Some(std::time::Instant::now());
    }
}

fn dev(head: u8, param: u16) -> Dev<u16, u64> {
    Dev {
        ring: ring::Rc { head },
        table: ring::HashMap { keys: [1, 2] },
        flags: NonZeroFlags { bits: head },
        param,
        period: 1_000_000,
        irq: Arc::new(Mutex::new(0)),
        handlers: HashMap::new(),
        timeout: Cell::new(Duration::from_millis(5)),
        deadline: None,
    }
}

fn main() {
    let bytes = vmstate_core::to_bytes(&dev(7, 300)).unwrap();
    let mut dst = dev(0, 0);
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!((dst.ring.head, dst.flags.bits, dst.param), (7, 7, 300));
    assert!(dst.deadline.is_some());
}
