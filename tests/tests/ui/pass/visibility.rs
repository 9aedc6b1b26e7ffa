// A public struct with private field types, and a struct in a private module: the derive adds
// no warning (`private_bounds`, `private_interfaces`, `dead_code`, `missing_docs`...).
#![deny(warnings)]
#![deny(missing_docs)]
//! Crate docs.

/// A public device.
pub mod device {
    use vmstate_core::VmState;

    #[derive(VmState, Debug, PartialEq)]
    struct Window {
        base: u32,
    }

    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(post_load = "Self::after_load")]
    pub(crate) struct Crate {
        window: Window,
    }

    impl Crate {
        fn after_load(&mut self) {}
    }

    /// Public, with a private nested type.
    #[derive(VmState, Debug, PartialEq)]
    pub struct Board {
        window: Window,
        #[vmstate(immutable)]
        config: [u16; 2],
        inner: Crate,
    }

    /// Makes a board.
    pub fn board(base: u32) -> Board {
        Board {
            window: Window { base },
            config: [1, 2],
            inner: Crate { window: Window { base: base + 1 } },
        }
    }
}

fn main() {
    let bytes = vmstate_core::to_bytes(&device::board(5)).unwrap();
    let mut dst = device::board(0);
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, device::board(5));
}
