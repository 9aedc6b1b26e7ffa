// A device whose whole body comes through a `macro_rules!` as token trees: the generated
// code must not take its `self` and locals from the field tokens' hygiene.
#![deny(warnings)]
use vmstate_core::{Unused, VmState};

macro_rules! device {
    ($(#[$m:meta])* struct $ty:ident { $($body:tt)* }) => {
        #[derive(VmState, Debug, Default, PartialEq)]
        $(#[$m])*
        pub struct $ty { $($body)* }
    };
}

device! {
    #[vmstate(name = "timer/irq")]
    struct Irq {
        level: u8,
    }
}

device! {
    #[vmstate(name = "timer", version = 2, minimum_version = 1, validate = "Self::consistent",
              pre_load = "Self::before_load", post_load = "Self::after_load")]
    struct Timer {
        #[vmstate(immutable)]
        base: u64,
        #[vmstate(immutable, max_len = 8)]
        label: String,
        #[vmstate(derived = "Self::recompute")]
        level: u8,
        #[vmstate(range = "0..16", validate = "Self::ctrl_ok")]
        ctrl: u32,
        #[vmstate(since = 2, default = "Self::zero")]
        count: u128,
        #[vmstate(max_len = 4)]
        fifo: Vec<u16>,
        regs: [u32; 3],
        pad: Unused<2>,
        #[vmstate(subsection, needed = "Self::irq_needed")]
        irq: Irq,
        #[vmstate(skip)]
        hooks_run: u8,
    }
}

impl Timer {
    fn consistent(&self) -> Result<(), std::io::Error> {
        Ok(())
    }
    fn before_load(&mut self) {
        self.hooks_run += 1;
    }
    fn after_load(&mut self) {
        self.hooks_run += 10;
    }
    fn recompute(&mut self) {
        self.level = (self.ctrl & 1) as u8;
    }
    fn ctrl_ok(v: &u32) -> Result<(), std::io::Error> {
        match *v {
            7 => Err(std::io::Error::other("reserved")),
            _ => Ok(()),
        }
    }
    fn zero() -> u128 {
        0
    }
    fn irq_needed(&self) -> bool {
        self.irq.level != 0
    }
}

fn main() {
    let src = Timer {
        ctrl: 3,
        count: 5,
        fifo: vec![1, 2],
        regs: [1, 2, 3],
        irq: Irq { level: 1 },
        ..Timer::default()
    };
    let mut dst = Timer::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!((dst.level, dst.count, dst.irq.level, dst.hooks_run), (1, 5, 1, 11));
    let mut qemu = Vec::new();
    vmstate_core::qemu::save(&src, &mut qemu).unwrap();
    let mut dst = Timer::default();
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 2, 0).unwrap();
    assert_eq!((dst.level, dst.fifo.len(), dst.irq.level), (1, 2, 1));
    let bad = Timer { ctrl: 7, ..Timer::default() };
    assert!(vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&bad).unwrap()).is_err());
}
