// A generic struct with `since` fields (one of the parameter's type): older streams load
// into it, in both codecs, for two instantiations.
use vmstate_core::VmState;

mod v1 {
    #[derive(vmstate_core::VmState)]
    #[vmstate(name = "fifo", version = 1)]
    pub struct Fifo<T, const N: usize> {
        pub data: [T; N],
    }
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "fifo", version = 2, minimum_version = 1)]
struct Fifo<T, const N: usize> {
    data: [T; N],
    #[vmstate(since = 2, default = "Self::no_head")]
    head: u32,
    #[vmstate(since = 2)]
    last: T,
}

impl<T, const N: usize> Fifo<T, N> {
    fn no_head() -> u32 {
        u32::MAX
    }
}

fn check<T>(src: Fifo<T, 3>, stale: Fifo<T, 3>, old: v1::Fifo<T, 3>)
where
    T: vmstate_core::Plain + Copy + PartialEq + std::fmt::Debug,
{
    // Same version: everything travels.
    let mut dst = stale;
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    let mut dst = stale;
    vmstate_core::qemu::from_bytes(&mut dst, &vmstate_core::qemu::to_bytes(&src).unwrap(), 2, 0)
        .unwrap();
    assert_eq!(dst, src);

    // Version 1: `head` from its default, `last` kept.
    let want = Fifo {
        data: old.data,
        head: u32::MAX,
        last: stale.last,
    };
    let mut dst = stale;
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
    assert_eq!(dst, want);
    let mut dst = stale;
    vmstate_core::qemu::from_bytes(&mut dst, &vmstate_core::qemu::to_bytes(&old).unwrap(), 1, 0)
        .unwrap();
    assert_eq!(dst, want);
}

fn main() {
    check(
        Fifo {
            data: [1u8, 2, 3],
            head: 1,
            last: 3,
        },
        Fifo {
            data: [0; 3],
            head: 0,
            last: 9,
        },
        v1::Fifo { data: [4, 5, 6] },
    );
    check(
        Fifo {
            data: [1u64, 2, 3],
            head: 2,
            last: 1 << 40,
        },
        Fifo {
            data: [0; 3],
            head: 0,
            last: 9,
        },
        v1::Fifo { data: [7, 8, 9] },
    );
    assert_eq!(
        vmstate_core::qemu::to_bytes(&v1::Fifo { data: [1u16, 2, 3] }).unwrap(),
        [0, 1, 0, 2, 0, 3]
    );
    assert_eq!(<Fifo<u8, 3> as VmState>::DESCRIPTION.fields[2].since, 2);
}
