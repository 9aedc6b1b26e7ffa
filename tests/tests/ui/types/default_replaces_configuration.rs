// A `default` replaces the whole value when the stream lacks the field: refused when that
// value holds configuration a load never overwrites (an `immutable` or `equal` field, or a
// length held by a skipped field), however deep.
use vmstate_core::VmState;

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "child")]
struct Child {
    #[vmstate(immutable)]
    base: u32,
    r: u32,
}

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "par/sub")]
struct Sub {
    #[vmstate(equal)]
    n: u32,
}

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "wrap")]
struct Wrap {
    child: Child,
}

#[derive(VmState)]
#[vmstate(name = "par", version = 2, minimum_version = 1)]
struct Par {
    a: u8,
    #[vmstate(since = 2, default = "Self::child")]
    child: Child,
    #[vmstate(since = 2, default = "Self::wrap")]
    wrap: [Wrap; 2],
    #[vmstate(subsection, needed = "Self::need", default = "Self::sub")]
    sub: Sub,
}

impl Par {
    fn child() -> Child {
        Child::default()
    }
    fn wrap() -> [Wrap; 2] {
        Default::default()
    }
    fn sub() -> Sub {
        Sub::default()
    }
    fn need(&self) -> bool {
        true
    }
}

fn main() {}
