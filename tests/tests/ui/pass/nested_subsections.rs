// A subsection with its own subsection (`board/cpu/fpu`), followed by a sibling of its
// parent (`board/timer`): the nested loop stops at a name without its prefix and leaves it to
// the enclosing struct. Both codecs, with every combination of `needed`.
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "board/cpu/fpu")]
struct Fpu {
    fpscr: u32,
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "board/cpu")]
struct Cpu {
    pc: u32,
    #[vmstate(subsection, needed = "Self::fpu_needed")]
    fpu: Fpu,
}

impl Cpu {
    fn fpu_needed(&self) -> bool {
        self.fpu.fpscr != 0
    }
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "board/timer")]
struct Timer {
    count: u16,
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "board")]
struct Board {
    id: u8,
    #[vmstate(subsection, needed = "Self::cpu_needed")]
    cpu: Cpu,
    #[vmstate(subsection, needed = "Self::timer_needed")]
    timer: Timer,
}

impl Board {
    fn cpu_needed(&self) -> bool {
        self.cpu.pc != 0
    }
    fn timer_needed(&self) -> bool {
        self.timer.count != 0
    }
}

fn board(pc: u32, fpscr: u32, count: u16) -> Board {
    Board {
        id: 1,
        cpu: Cpu {
            pc,
            fpu: Fpu { fpscr },
        },
        timer: Timer { count },
    }
}

fn main() {
    let stale = Board {
        id: 0,
        cpu: Cpu {
            pc: 77,
            fpu: Fpu { fpscr: 88 },
        },
        timer: Timer { count: 99 },
    };
    for (pc, fpscr, count) in [(4, 5, 6), (4, 0, 6), (4, 5, 0), (0, 5, 6), (0, 0, 0)] {
        let src = board(pc, fpscr, count);
        // What was not sent keeps the destination's value.
        let want = Board {
            id: 1,
            cpu: if pc != 0 {
                Cpu {
                    pc,
                    fpu: if fpscr != 0 {
                        Fpu { fpscr }
                    } else {
                        stale.cpu.fpu
                    },
                }
            } else {
                stale.cpu
            },
            timer: if count != 0 { src.timer } else { stale.timer },
        };

        let mut dst = stale;
        vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
        assert_eq!(dst, want, "native {pc} {fpscr} {count}");

        let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
        let mut dst = stale;
        vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
        assert_eq!(dst, want, "qemu {pc} {fpscr} {count}");
    }

    // The nesting on QEMU's wire: the grandchild inside the child, then the sibling.
    let qemu = vmstate_core::qemu::to_bytes(&board(4, 5, 6)).unwrap();
    let mut want = vec![1u8];
    want.extend([5, 9]);
    want.extend(b"board/cpu");
    want.extend([0, 0, 0, 1, 0, 0, 0, 4]);
    want.extend([5, 13]);
    want.extend(b"board/cpu/fpu");
    want.extend([0, 0, 0, 1, 0, 0, 0, 5]);
    want.extend([5, 11]);
    want.extend(b"board/timer");
    want.extend([0, 0, 0, 1, 0, 6]);
    assert_eq!(qemu, want);
}
