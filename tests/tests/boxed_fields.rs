//! `Box<T>` fields travel as `T` (as serde treats them): the same bytes, the same
//! description, the nested struct's hooks and checks, and no break in the checker when a
//! field is boxed or unboxed.

use vmstate_core::schema;
use vmstate_core::{ErrorKind, VmState};

#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "regs", post_load = "Self::recount")]
struct Regs {
    #[vmstate(immutable)]
    base: u32,
    ctrl: u32,
    #[vmstate(derived)]
    bits: u32,
}

impl Regs {
    fn recount(&mut self) {
        self.bits = self.ctrl.count_ones();
    }
}

#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "nic/dma")]
struct Dma {
    addr: u64,
}

#[derive(VmState, Debug, Clone, PartialEq)]
#[vmstate(name = "nic")]
struct BoxedNic {
    regs: Box<Regs>,
    rom: Box<[u8; 4]>,
    #[vmstate(subsection, needed = "Self::dma_used")]
    dma: Box<Dma>,
}

impl BoxedNic {
    fn dma_used(&self) -> bool {
        self.dma.addr != 0
    }
}

#[derive(VmState, Debug, Clone, PartialEq)]
#[vmstate(name = "nic")]
struct Nic {
    regs: Regs,
    rom: [u8; 4],
    #[vmstate(subsection, needed = "Self::dma_used")]
    dma: Dma,
}

impl Nic {
    fn dma_used(&self) -> bool {
        self.dma.addr != 0
    }
}

fn boxed() -> BoxedNic {
    BoxedNic {
        regs: Box::new(Regs {
            base: 0x1000,
            ctrl: 0b1011,
            bits: 3,
        }),
        rom: Box::new([1, 2, 3, 4]),
        dma: Box::new(Dma { addr: 0x8000 }),
    }
}

fn unboxed() -> Nic {
    let b = boxed();
    Nic {
        regs: *b.regs,
        rom: *b.rom,
        dma: *b.dma,
    }
}

#[test]
fn a_box_travels_as_its_contents_in_both_codecs() {
    let (b, u) = (boxed(), unboxed());
    assert_eq!(
        vmstate_core::qemu::to_bytes(&b).unwrap(),
        vmstate_core::qemu::to_bytes(&u).unwrap()
    );
    assert_eq!(
        vmstate_core::to_bytes(&b).unwrap(),
        vmstate_core::to_bytes(&u).unwrap()
    );
    let mut dst = BoxedNic {
        regs: Box::new(Regs {
            base: 0x1000,
            ..Regs::default()
        }),
        rom: Box::new([0; 4]),
        dma: Box::default(),
    };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&u).unwrap()).unwrap();
    assert_eq!(dst, b);
    // The nested struct's derived field was recomputed by its own post_load.
    dst.regs.bits = 0;
    let qemu = vmstate_core::qemu::to_bytes(&u).unwrap();
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst.regs.bits, 3);
    // A whole boxed device is a section too, saved and loaded.
    let whole = Box::new(unboxed());
    let section = vmstate_core::to_bytes(&whole).unwrap();
    assert_eq!(section, vmstate_core::to_bytes(&u).unwrap());
    let mut loaded = Box::new(Nic {
        regs: Regs {
            base: 0x1000,
            ..Regs::default()
        },
        rom: [0; 4],
        dma: Dma::default(),
    });
    vmstate_core::from_bytes(&mut loaded, &section).unwrap();
    assert_eq!(*loaded, u);
}

#[test]
fn a_boxed_structs_checks_hold_and_a_refused_load_changes_nothing() {
    let bytes = vmstate_core::to_bytes(&boxed()).unwrap();
    let before = BoxedNic {
        regs: Box::new(Regs {
            base: 0x2000,
            ..Regs::default()
        }),
        rom: Box::new([9; 4]),
        dma: Box::default(),
    };
    let mut dst = before.clone();
    let err = vmstate_core::from_bytes(&mut dst, &bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ImmutableMismatch { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("nic.regs.base: immutable field differs"),
        "{err}"
    );
    assert_eq!(dst, before);
    // Truncations, with the configuration right, so that each fails on the input's end.
    let before = BoxedNic {
        regs: Box::new(Regs {
            base: 0x1000,
            ..Regs::default()
        }),
        ..before
    };
    let mut dst = before.clone();
    for n in 0..bytes.len() {
        let err = vmstate_core::from_bytes(&mut dst, &bytes[..n]).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Truncated { .. }),
            "{n}: {err}"
        );
        assert_eq!(dst, before);
    }
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, boxed());
}

#[test]
fn boxing_a_field_is_no_break() {
    let schema = |d| vmstate_tests::one_device("nic", d);
    let (b, u) = (schema(BoxedNic::DESCRIPTION), schema(Nic::DESCRIPTION));
    for (old, new) in [(&b, &u), (&u, &b)] {
        let report = schema::check(old, new);
        assert_eq!((report.errors(), report.warnings()), (0, 0), "{report}");
    }
    assert_eq!(BoxedNic::DESCRIPTION.fields[0].rust_type, "Box<Regs>");
    assert_eq!(
        BoxedNic::DESCRIPTION.fields[1].shape,
        Nic::DESCRIPTION.fields[1].shape
    );
}

/// A boxed array is staged on the heap: 4 MiB loads on a thread with a 256 KiB stack, in a
/// debug build too.
#[test]
fn a_large_boxed_array_loads_on_a_small_stack() {
    #[derive(VmState)]
    #[vmstate(name = "vram")]
    struct Vram {
        mem: Box<[u8; 4 << 20]>,
    }
    fn vram(fill: u8) -> Vram {
        let mem: Box<[u8]> = vec![fill; 4 << 20].into_boxed_slice();
        Vram {
            mem: mem.try_into().unwrap(),
        }
    }
    let loads = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(|| {
            let src = vram(0x5a);
            let (native, qemu) = (
                vmstate_core::to_bytes(&src).unwrap(),
                vmstate_core::qemu::to_bytes(&src).unwrap(),
            );
            let mut dst = vram(0);
            vmstate_core::from_bytes(&mut dst, &native).unwrap();
            let native_ok = dst.mem.iter().all(|&b| b == 0x5a);
            let mut dst = vram(0);
            vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
            native_ok && dst.mem.iter().all(|&b| b == 0x5a)
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(loads);
}
