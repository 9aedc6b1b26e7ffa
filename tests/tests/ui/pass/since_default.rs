// `since = N`, with and without `default`: an older stream lacks the field; `default` then
// gives its value, otherwise the destination keeps its own. Both codecs.
use vmstate_core::VmState;

mod v1 {
    #[derive(vmstate_core::VmState)]
    #[vmstate(name = "timer", version = 1)]
    pub struct Timer {
        pub count: u32,
    }
}

mod v2 {
    #[derive(vmstate_core::VmState)]
    #[vmstate(name = "timer", version = 2, minimum_version = 1)]
    pub struct Timer {
        pub count: u32,
        #[vmstate(since = 2, default = "Self::default_reload")]
        pub reload: u32,
    }

    impl Timer {
        fn default_reload() -> u32 {
            0xffff
        }
    }
}

#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "timer", version = 3, minimum_version = 1)]
struct Timer {
    count: u32,
    #[vmstate(since = 2, default = "Self::default_reload")]
    reload: u32,
    // No `default`: an older stream leaves the destination's value.
    #[vmstate(since = 3)]
    mode: u8,
    // A free function, for an array.
    #[vmstate(since = 3, default = "default_prescale")]
    prescale: [u16; 2],
}

impl Timer {
    fn default_reload() -> u32 {
        0xffff
    }
}

fn default_prescale() -> [u16; 2] {
    [1, 1]
}

fn dst() -> Timer {
    Timer {
        count: 0,
        reload: 5,
        mode: 9,
        prescale: [7, 7],
    }
}

fn main() {
    // The current version: every field travels.
    let src = Timer {
        count: 3,
        reload: 100,
        mode: 2,
        prescale: [4, 8],
    };
    let native = vmstate_core::to_bytes(&src).unwrap();
    let mut d = dst();
    vmstate_core::from_bytes(&mut d, &native).unwrap();
    assert_eq!(d, src);
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(qemu, [0, 0, 0, 3, 0, 0, 0, 100, 2, 0, 4, 0, 8]);
    let mut d = dst();
    vmstate_core::qemu::from_bytes(&mut d, &qemu, 3, 0).unwrap();
    assert_eq!(d, src);

    // Version 1: `reload` and `prescale` from their defaults, `mode` kept.
    let old = v1::Timer { count: 3 };
    let want = Timer {
        count: 3,
        reload: 0xffff,
        mode: 9,
        prescale: [1, 1],
    };
    let native = vmstate_core::to_bytes(&old).unwrap();
    let mut d = dst();
    vmstate_core::from_bytes(&mut d, &native).unwrap();
    assert_eq!(d, want);
    let qemu = vmstate_core::qemu::to_bytes(&old).unwrap();
    assert_eq!(qemu, [0, 0, 0, 3]);
    let mut d = dst();
    vmstate_core::qemu::from_bytes(&mut d, &qemu, 1, 0).unwrap();
    assert_eq!(d, want);

    // Version 2: `reload` from the stream, the version-3 fields as above.
    let mid = v2::Timer {
        count: 3,
        reload: 42,
    };
    let want = Timer {
        count: 3,
        reload: 42,
        mode: 9,
        prescale: [1, 1],
    };
    let native = vmstate_core::to_bytes(&mid).unwrap();
    let mut d = dst();
    vmstate_core::from_bytes(&mut d, &native).unwrap();
    assert_eq!(d, want);
    let qemu = vmstate_core::qemu::to_bytes(&mid).unwrap();
    let mut d = dst();
    vmstate_core::qemu::from_bytes(&mut d, &qemu, 2, 0).unwrap();
    assert_eq!(d, want);

    // A version-3 stream does not load into version 1, which stays as it was.
    let native = vmstate_core::to_bytes(&src).unwrap();
    let mut old = v1::Timer { count: 8 };
    assert!(vmstate_core::from_bytes(&mut old, &native).is_err());
    assert_eq!(old.count, 8);

    let d = <Timer as VmState>::DESCRIPTION;
    assert_eq!(d.fields[1].since, 2);
    assert_eq!(d.fields[1].default, Some("Self::default_reload"));
    assert_eq!(d.fields[2].default, None);
}
