// A nested struct before the subsections is refused only when it may load last and its name
// is continued by a subsection's: not when a field always follows it (a `since` at or below
// `minimum_version`, or a nested struct's, which loads at its own version), not in a
// zero-length array. An alias of a fieldless enum under a primitive's name has no hooks to
// lose. All load their own saves, in both codecs.
#![allow(non_camel_case_types)]
use vmstate_core::VmState;

#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "dev/inner")]
struct Inner {
    y: u32,
}

#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "dev/inner/extra")]
struct Extra {
    z: u32,
}

#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "dev", version = 3, minimum_version = 2)]
struct Dev {
    inner: Inner,
    #[vmstate(since = 2)]
    tail: u8,
    none: [Inner; 0],
    #[vmstate(subsection, needed = "Self::always")]
    extra: Extra,
}

impl Dev {
    fn always(&self) -> bool {
        true
    }
}

// A nested struct loads at its own version, so its `since` field is always there.
#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "tail", version = 2, minimum_version = 1)]
struct Tail {
    #[vmstate(since = 2)]
    x: u32,
}

#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "dev")]
struct Dev2 {
    inner: Inner,
    tail: Tail,
    #[vmstate(subsection, needed = "Self::always")]
    extra: Extra,
}

impl Dev2 {
    fn always(&self) -> bool {
        true
    }
}

mod regs {
    use vmstate_core::VmState;

    #[derive(VmState, Debug, Default, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Mode {
        #[default]
        Off = 0,
        On = 1,
    }

    pub type u8 = Mode;

    #[derive(VmState, Debug, Default, Clone, PartialEq)]
    #[vmstate(name = "uart")]
    pub struct Uart {
        pub mode: u8,
        pub modes: [u8; 2],
    }
}

fn main() {
    let dev = Dev {
        inner: Inner { y: 1 },
        tail: 2,
        none: [],
        extra: Extra { z: 3 },
    };
    let mut got = Dev::default();
    vmstate_core::from_bytes(&mut got, &vmstate_core::to_bytes(&dev).unwrap()).unwrap();
    assert_eq!(got, dev);
    let mut got = Dev::default();
    let qemu = vmstate_core::qemu::to_bytes(&dev).unwrap();
    vmstate_core::qemu::from_bytes(&mut got, &qemu, 3, 0).unwrap();
    assert_eq!(got, dev);

    let dev2 = Dev2 {
        inner: Inner { y: 1 },
        tail: Tail { x: 2 },
        extra: Extra { z: 3 },
    };
    let mut got = Dev2::default();
    let qemu = vmstate_core::qemu::to_bytes(&dev2).unwrap();
    vmstate_core::qemu::from_bytes(&mut got, &qemu, 1, 0).unwrap();
    assert_eq!(got, dev2);

    use regs::{Mode, Uart};
    let uart = Uart {
        mode: Mode::On,
        modes: [Mode::On, Mode::Off],
    };
    let mut got = Uart::default();
    let qemu = vmstate_core::qemu::to_bytes(&uart).unwrap();
    vmstate_core::qemu::from_bytes(&mut got, &qemu, 1, 0).unwrap();
    assert_eq!(got, uart);
}
