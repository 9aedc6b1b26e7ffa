// A nested struct that may load last before a subsection whose name continues the nested
// struct's with `/`: the loader (QEMU's, and this crate's) peeks for the nested struct's
// subsections after it, takes the outer subsection's header for one of them and fails.
// Refused on the field.
use vmstate_core::VmState;

mod hw {
    #[derive(vmstate_core::VmState, Default, PartialEq)]
    pub struct Regs {
        pub ctrl: u32,
    }
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "regs/extra")]
struct Extra {
    x: u32,
}

// Both structs are named "regs" by default.
#[derive(VmState, Default)]
struct Regs {
    inner: hw::Regs,
    #[vmstate(subsection, needed = "Self::always")]
    extra: Extra,
}

impl Regs {
    fn always(&self) -> bool {
        true
    }
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "dev/inner")]
struct Inner {
    y: u32,
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "dev/inner/extra")]
struct InnerExtra {
    z: u32,
}

// Explicit names, an array of the nested struct, and a field after it that a stream may lack.
#[derive(VmState, Default)]
#[vmstate(name = "dev", version = 2, minimum_version = 1)]
struct Dev {
    inners: [Inner; 2],
    #[vmstate(since = 2)]
    late: u8,
    #[vmstate(subsection, needed = "Self::always")]
    extra: InnerExtra,
}

impl Dev {
    fn always(&self) -> bool {
        true
    }
}

// A sequence counted by another field writes nothing when the count is 0.
#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "counted/inner")]
struct CountedInner {
    y: u32,
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "counted/inner/extra")]
struct CountedExtra {
    z: u32,
}

#[derive(VmState, Default)]
#[vmstate(name = "counted")]
struct Counted {
    count: u32,
    inner: CountedInner,
    #[vmstate(max_len = 4, len = "count")]
    regs: Vec<u32>,
    #[vmstate(subsection, needed = "Self::always")]
    extra: CountedExtra,
}

impl Counted {
    fn always(&self) -> bool {
        true
    }
}

// A subsection ends with the same peek: a struct loaded last inside an earlier subsection
// would claim a later sibling's header.
#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "sib/e")]
struct SibE {
    e: u32,
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "sib/s1")]
struct SibS1 {
    a: u32,
    e: SibE,
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "sib/e/x")]
struct SibX {
    x: u32,
}

#[derive(VmState, Default)]
#[vmstate(name = "sib")]
struct Sib {
    v: u32,
    #[vmstate(subsection, needed = "Self::always")]
    s1: SibS1,
    #[vmstate(subsection, needed = "Self::always")]
    x: SibX,
}

impl Sib {
    fn always(&self) -> bool {
        true
    }
}


// A subsection with a subsection of a later sibling's name (no `/` anywhere, QEMU's rule
// allows all three names): its load would take the sibling's header for its own.
#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "p_s_u")]
struct PsU {
    u: u32,
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "p_s")]
struct Ps {
    s: u32,
    #[vmstate(subsection, needed = "Self::never")]
    u: PsU,
}

impl Ps {
    fn never(&self) -> bool {
        false
    }
}

#[derive(VmState, Default)]
#[vmstate(name = "p")]
struct P {
    #[vmstate(subsection, needed = "Self::always")]
    s: Ps,
    #[vmstate(subsection, needed = "Self::always")]
    u: PsU,
}

impl P {
    fn always(&self) -> bool {
        true
    }
}

fn main() {}
