// A lifetime `'a` is not the module `a`: the subsection's concrete type `a::Sub` is checked
// (its name lacks the parent's prefix, so the struct could not load what it saves).
use core::marker::PhantomData;
use vmstate_core::VmState;

mod a {
    #[derive(vmstate_core::VmState, Default)]
    #[vmstate(name = "other")]
    pub struct Sub {
        pub y: u8,
    }
}

#[derive(VmState)]
#[vmstate(name = "dev")]
struct Dev<'a> {
    #[vmstate(subsection, needed = "Self::yes")]
    s: a::Sub,
    #[vmstate(skip)]
    p: PhantomData<&'a u8>,
}

impl Dev<'_> {
    fn yes(&self) -> bool {
        true
    }
}

fn main() {}
