// Subsections with `needed`: sent while `needed` says so, with their own version; when the
// input lacks one, the destination keeps its value, or takes the `default`. Both codecs.
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "uart/fifo", version = 2)]
struct Fifo {
    level: u8,
    data: [u8; 4],
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "uart/dma")]
struct Dma {
    enabled: bool,
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "uart")]
struct Uart {
    lcr: u8,
    #[vmstate(subsection, needed = "Self::fifo_needed")]
    fifo: Fifo,
    #[vmstate(subsection, needed = "dma_needed", default = "Dma::off")]
    dma: Dma,
}

impl Uart {
    fn fifo_needed(&self) -> bool {
        self.fifo.level != 0
    }
}

fn dma_needed(uart: &Uart) -> bool {
    uart.dma.enabled
}

impl Dma {
    fn off() -> Dma {
        Dma { enabled: false }
    }
}

fn roundtrip(src: &Uart, mut dst: Uart) -> [Uart; 2] {
    let mut native_dst = dst;
    let native = vmstate_core::to_bytes(src).unwrap();
    vmstate_core::from_bytes(&mut native_dst, &native).unwrap();
    let qemu = vmstate_core::qemu::to_bytes(src).unwrap();
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    [native_dst, dst]
}

fn main() {
    let stale = Uart {
        lcr: 0,
        fifo: Fifo {
            level: 9,
            data: [9; 4],
        },
        dma: Dma { enabled: true },
    };

    // Both subsections needed: both sent, in field order, after the fields.
    let src = Uart {
        lcr: 3,
        fifo: Fifo {
            level: 2,
            data: [1, 2, 0, 0],
        },
        dma: Dma { enabled: true },
    };
    for got in roundtrip(&src, stale) {
        assert_eq!(got, src);
    }
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    let mut want = vec![3u8];
    want.extend([5, 9]); // QEMU_VM_SUBSECTION, name length
    want.extend(b"uart/fifo");
    want.extend([0, 0, 0, 2, 2, 1, 2, 0, 0]); // version 2, then the fields
    want.extend([5, 8]);
    want.extend(b"uart/dma");
    want.extend([0, 0, 0, 1, 1]);
    assert_eq!(qemu, want);

    // Neither needed: only the fields are sent; `fifo` keeps the destination's value, `dma`
    // takes its default.
    let src = Uart {
        lcr: 4,
        fifo: Fifo {
            level: 0,
            data: [5; 4],
        },
        dma: Dma { enabled: false },
    };
    assert_eq!(vmstate_core::qemu::to_bytes(&src).unwrap(), [4]);
    for got in roundtrip(&src, stale) {
        assert_eq!(
            got,
            Uart {
                lcr: 4,
                fifo: stale.fifo,
                dma: Dma::off()
            }
        );
    }

    // A subsection of a version the destination does not load fails the load, atomically.
    #[derive(VmState)]
    #[vmstate(name = "uart/fifo", version = 3)]
    struct NewFifo {
        level: u8,
        data: [u8; 4],
    }
    #[derive(VmState)]
    #[vmstate(name = "uart")]
    struct NewUart {
        lcr: u8,
        #[vmstate(subsection, needed = "NewUart::yes")]
        fifo: NewFifo,
    }
    impl NewUart {
        fn yes(&self) -> bool {
            true
        }
    }
    let newer = NewUart {
        lcr: 1,
        fifo: NewFifo {
            level: 1,
            data: [0; 4],
        },
    };
    let mut dst = stale;
    let err =
        vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&newer).unwrap()).unwrap_err();
    assert!(err.to_string().contains("uart.fifo"), "{err}");
    let qemu = vmstate_core::qemu::to_bytes(&newer).unwrap();
    assert!(vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).is_err());
    assert_eq!(dst, stale);

    let d = <Uart as VmState>::DESCRIPTION;
    assert_eq!(d.subsections.len(), 2);
    assert_eq!(d.subsections[0].name, "uart/fifo");
}
