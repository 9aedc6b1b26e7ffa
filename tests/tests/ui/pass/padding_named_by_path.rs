// A type of one's own named `Unused` is no padding when named by its path: it takes any key.
use vmstate_core::VmState;

mod hw {
    #[derive(vmstate_core::VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "unused_regs")]
    pub struct Unused {
        pub r: u32,
    }
}

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "dev")]
struct Dev {
    a: u8,
    #[vmstate(skip)]
    cache: hw::Unused,
    #[vmstate(immutable)]
    cfg: hw::Unused,
}

fn main() {
    let dev = Dev { a: 1, cache: hw::Unused { r: 2 }, cfg: hw::Unused { r: 3 } };
    let mut back = Dev { cfg: hw::Unused { r: 3 }, ..Dev::default() };
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&dev).unwrap()).unwrap();
    assert_eq!((back.a, back.cache.r, back.cfg.r), (1, 0, 3));
}
