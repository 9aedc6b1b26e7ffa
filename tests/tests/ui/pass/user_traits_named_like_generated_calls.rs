// Traits of the user's in scope, blanket-implemented, with methods named like those the
// generated code calls (`len`, `iter`, `contains`, ...): the generated code calls every
// function by its path, so a method call cannot find the user's first, and each counter
// stays at zero.
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

static CALLS: AtomicUsize = AtomicUsize::new(0);

fn count() {
    CALLS.fetch_add(1, SeqCst);
}

mod by_reference {
    use vmstate_core::VmState;

    pub trait Everything {
        fn len(&self) -> usize {
            super::count();
            0
        }
        fn iter(&self) -> core::slice::Iter<'_, u8> {
            super::count();
            <[u8]>::iter(&[])
        }
        fn contains(&self, _: &u8) -> bool {
            super::count();
            true
        }
        fn iter_mut(&mut self) -> core::slice::IterMut<'_, u8> {
            super::count();
            <[u8]>::iter_mut(&mut [])
        }
        fn swap_with_slice(&mut self, _: &mut [u8]) {
            super::count();
        }
        fn write_str(&mut self, _: &str) -> core::fmt::Result {
            super::count();
            Ok(())
        }
        fn wrapping_add(&self, _: u8) -> u8 {
            super::count();
            0
        }
    }
    impl<T: ?Sized> Everything for T {}

    #[derive(VmState, Debug, Default, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Mode {
        #[default]
        Off,
        On,
        Auto,
    }

    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev", version = 2, minimum_version = 1)]
    pub struct Dev {
        pub modes: [Mode; 2],
        #[vmstate(max_len = 4)]
        pub more_modes: Vec<Mode>,
        #[vmstate(range = "0..8")]
        pub prio: [u8; 4],
        #[vmstate(since = 2, default = "Self::words", max_len = 2)]
        pub words: Box<[u16]>,
    }

    impl Dev {
        fn words() -> Box<[u16]> {
            vec![1u16, 2, 3].into_boxed_slice()
        }
    }

    #[derive(VmState, Debug, Default)]
    #[vmstate(name = "dev", version = 1)]
    pub struct DevV1 {
        pub modes: [Mode; 2],
        #[vmstate(max_len = 4)]
        pub more_modes: Vec<Mode>,
        pub prio: [u8; 4],
    }
}

mod by_value {
    use vmstate_core::VmState;

    pub trait IntoLen {
        fn len(self) -> usize;
    }
    impl<T> IntoLen for T {
        fn len(self) -> usize {
            super::count();
            0
        }
    }

    #[derive(VmState, Debug, Default)]
    #[vmstate(name = "dev", version = 2, minimum_version = 1)]
    pub struct Dev {
        pub ctrl: u32,
        #[vmstate(since = 2, default = "Self::bytes", max_len = 2)]
        pub bytes: Vec<u8>,
        #[vmstate(since = 2, default = "Self::name", max_len = 8)]
        pub name: String,
    }

    #[derive(VmState, Debug, Default)]
    #[vmstate(name = "dev", version = 1)]
    pub struct DevV1 {
        pub ctrl: u32,
    }

    impl Dev {
        fn bytes() -> Vec<u8> {
            vec![1]
        }
        fn name() -> String {
            "uart".to_owned()
        }
    }
}

fn main() {
    use by_reference::{Dev, DevV1, Mode};
    let src = Dev {
        modes: [Mode::On, Mode::Auto],
        more_modes: vec![Mode::Auto, Mode::Off, Mode::On],
        prio: [7, 1, 2, 3],
        words: vec![4u16, 5].into_boxed_slice(),
    };
    let mut dst = Dev::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    let mut dst = Dev::default();
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 2, 0).unwrap();
    assert_eq!(dst, src);
    // A value out of its range is refused.
    let out_of_range = Dev { prio: [9, 1, 2, 3], ..Dev::default() };
    let bytes = vmstate_core::to_bytes(&out_of_range).unwrap();
    assert!(vmstate_core::from_bytes(&mut Dev::default(), &bytes).is_err());
    // A default longer than its field's `max_len` is refused.
    let old = vmstate_core::to_bytes(&DevV1::default()).unwrap();
    let e = vmstate_core::from_bytes(&mut Dev::default(), &old).unwrap_err();
    assert!(e.to_string().contains("words"), "{e}");
    let mut dst = by_value::Dev::default();
    let old = vmstate_core::to_bytes(&by_value::DevV1 { ctrl: 3 }).unwrap();
    vmstate_core::from_bytes(&mut dst, &old).unwrap();
    assert_eq!((dst.ctrl, &dst.bytes[..], &dst.name[..]), (3, &[1u8][..], "uart"));
    assert_eq!(CALLS.load(SeqCst), 0, "the generated code called a user's method");
}
