//! A struct holding a large inline array (QEMU's e1000 migrates `mac_reg`, 128 KiB of
//! registers) loads on a thread with a modest stack: the load reads the array in place
//! rather than moving it up through every level, which took 16 copies of it on the stack
//! in a debug build (4 MiB for 256 KiB) and aborted the process ("has overflowed its
//! stack") on a 2 MiB thread, as tokio's workers and the test harness's threads are.
//! In a file of its own: a stack overflow aborts the whole test binary.

use vmstate_core::VmState;

const WORDS: usize = 64 * 1024; // 256 KiB

#[derive(VmState)]
#[vmstate(name = "regfile")]
struct RegFile {
    ctrl: u32,
    mac_reg: [u32; WORDS],
}

#[derive(VmState)]
#[vmstate(name = "nic")]
struct Nic {
    irq: u8,
    regs: RegFile,
}

fn nic(fill: u32) -> Box<Nic> {
    let mut nic = Box::new(Nic {
        irq: fill as u8,
        regs: RegFile {
            ctrl: fill,
            mac_reg: [0; WORDS],
        },
    });
    for (i, r) in nic.regs.mac_reg.iter_mut().enumerate() {
        *r = fill.wrapping_mul(i as u32);
    }
    nic
}

/// Runs `load` on a thread of 1.5 MiB (six times the array) and returns what it loaded.
fn on_a_small_stack(load: fn(&Nic, &mut Nic)) -> Box<Nic> {
    let (src, mut dst) = (nic(7), nic(0));
    std::thread::Builder::new()
        .stack_size(1536 * 1024)
        .spawn(move || {
            load(&src, &mut dst);
            dst
        })
        .unwrap()
        .join()
        .unwrap()
}

fn assert_loaded(nic: &Nic) {
    assert_eq!((nic.irq, nic.regs.ctrl), (7, 7));
    assert!(nic
        .regs
        .mac_reg
        .iter()
        .enumerate()
        .all(|(i, &r)| r == 7u32.wrapping_mul(i as u32)));
}

#[test]
fn a_native_load_of_a_large_inline_array_fits_a_small_stack() {
    let loaded = on_a_small_stack(|src, dst| {
        let bytes = vmstate_core::to_bytes(src).unwrap();
        vmstate_core::from_bytes(dst, &bytes).unwrap();
    });
    assert_loaded(&loaded);
}

#[test]
fn a_qemu_load_of_a_large_inline_array_fits_a_small_stack() {
    let loaded = on_a_small_stack(|src, dst| {
        let bytes = vmstate_core::qemu::to_bytes(src).unwrap();
        vmstate_core::qemu::from_bytes(dst, &bytes, 1, 0).unwrap();
    });
    assert_loaded(&loaded);
}

/// Large padding (`Unused<N>`, QEMU's `VMSTATE_UNUSED` of a removed buffer) takes no stack
/// of its size: it was an `[0u8; N]` at each save and load, so 16 MiB of it aborted the
/// process before a byte of a 3-byte input was read.
#[derive(VmState, Default)]
#[vmstate(name = "fb")]
struct Framebuffer {
    mode: u8,
    _old_vram: vmstate_core::Unused<{ 16 << 20 }>,
    tail: u8,
}

#[test]
fn large_padding_saves_and_loads_on_a_small_stack() {
    let result = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let mut fb = Framebuffer::default();
            let err = vmstate_core::qemu::from_bytes(&mut fb, &[1, 2, 3], 1, 0).unwrap_err();
            assert!(
                matches!(err.kind(), vmstate_core::ErrorKind::Truncated { .. }),
                "{err}"
            );
            let src = Framebuffer {
                mode: 3,
                tail: 9,
                ..Framebuffer::default()
            };
            for native in [false, true] {
                let bytes = match native {
                    true => vmstate_core::to_bytes(&src).unwrap(),
                    false => vmstate_core::qemu::to_bytes(&src).unwrap(),
                };
                let mut back = Framebuffer::default();
                match native {
                    true => vmstate_core::from_bytes(&mut back, &bytes).unwrap(),
                    false => vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap(),
                }
                assert_eq!((back.mode, back.tail), (3, 9));
            }
            let wire = vmstate_core::qemu::to_bytes(&src).unwrap();
            assert_eq!(wire.len(), 2 + (16 << 20));
            assert!(wire[1..wire.len() - 1].iter().all(|&b| b == 0));
        })
        .unwrap()
        .join();
    assert!(result.is_ok());
}
