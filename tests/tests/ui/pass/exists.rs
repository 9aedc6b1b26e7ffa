// `exists`: QEMU's `field_exists`, asked with the section version (the saved one on save,
// the stream's on load); a field that does not exist keeps the destination's value or takes
// its `default`. Both codecs.
use vmstate_core::VmState;

mod v1 {
    #[derive(vmstate_core::VmState)]
    #[vmstate(name = "pic", version = 1)]
    pub struct Pic {
        pub level: u32,
    }
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "pic", version = 2, minimum_version = 1)]
struct Pic {
    level: u32,
    #[vmstate(exists = "Self::has_mask")]
    mask: u32,
    // Configuration, the same on both sides: whether the extension registers exist.
    #[vmstate(skip)]
    has_ext: bool,
    #[vmstate(exists = "ext_exists", default = "Self::ext_reset")]
    ext: u16,
}

impl Pic {
    fn has_mask(&self, version: u32) -> bool {
        version >= 2
    }
    fn ext_reset() -> u16 {
        0x8000
    }
}

fn ext_exists(pic: &Pic, _version: u32) -> bool {
    pic.has_ext
}

fn main() {
    // Version 2 with the extension: everything travels.
    let src = Pic {
        level: 1,
        mask: 0xf0,
        has_ext: true,
        ext: 7,
    };
    let stale = Pic {
        level: 0,
        mask: 0x11,
        has_ext: true,
        ext: 0x22,
    };
    let mut dst = stale;
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(qemu, [0, 0, 0, 1, 0, 0, 0, 0xf0, 0, 7]);
    let mut dst = stale;
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 2, 0).unwrap();
    assert_eq!(dst, src);

    // Without the extension on either side: `ext` is not sent and takes its default.
    let src = Pic {
        has_ext: false,
        ..src
    };
    let stale = Pic {
        has_ext: false,
        ..stale
    };
    let want = Pic { ext: 0x8000, ..src };
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(qemu, [0, 0, 0, 1, 0, 0, 0, 0xf0]);
    let mut dst = stale;
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 2, 0).unwrap();
    assert_eq!(dst, want);
    let mut dst = stale;
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, want);

    // A version-1 stream has no `mask`: the destination keeps its own.
    let old = v1::Pic { level: 5 };
    let want = Pic {
        level: 5,
        ext: 0x8000,
        ..stale
    };
    let qemu = vmstate_core::qemu::to_bytes(&old).unwrap();
    let mut dst = stale;
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst, want);
    let mut dst = stale;
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
    assert_eq!(dst, want);

    let d = <Pic as VmState>::DESCRIPTION;
    assert_eq!(d.fields[1].exists, Some("Self::has_mask"));
    assert_eq!(d.fields[3].default, Some("Self::ext_reset"));
}
