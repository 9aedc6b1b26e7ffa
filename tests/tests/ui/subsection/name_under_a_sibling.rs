// A subsection named under a sibling's name (`top/a/x` beside `top/a`): the first one's load
// would take the second's header for a subsection of its own, and fail. `top/ab` is fine.
use vmstate_core::VmState;

#[derive(VmState, Default)]
#[vmstate(name = "top/a")]
struct A {
    x: u8,
}

#[derive(VmState, Default)]
#[vmstate(name = "top/a/x")]
struct UnderA {
    y: u8,
}

#[derive(VmState, Default)]
#[vmstate(name = "top/ab")]
struct Ab {
    z: u8,
}

#[derive(VmState)]
#[vmstate(name = "top")]
struct Top {
    r: u8,
    #[vmstate(subsection, needed = "Self::always")]
    a: A,
    #[vmstate(subsection, needed = "Self::always")]
    under_a: UnderA,
    #[vmstate(subsection, needed = "Self::always")]
    ab: Ab,
}

impl Top {
    fn always(&self) -> bool {
        true
    }
}

fn main() {}
