// Field types that name a parameter are checked for each instantiation: an array of
// `Window`s of a const length, and a `Vec` of a type parameter whose elements hold a
// subsection with an immutable field.
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
struct Window {
    base: u32,
    #[vmstate(derived_by_owner)]
    mapped: bool,
}

#[derive(VmState)]
struct Windows<const N: usize> {
    windows: [Window; N],
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "elem/cfg")]
struct Cfg {
    #[vmstate(immutable)]
    kind: u8,
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "elem")]
struct Elem {
    head: u16,
    #[vmstate(subsection, needed = "Self::yes")]
    cfg: Cfg,
}

impl Elem {
    fn yes(&self) -> bool {
        true
    }
}

#[derive(VmState)]
struct Ring<T> {
    #[vmstate(max_len = 4)]
    elems: Vec<T>,
}

fn main() {
    let mut w = Windows::<2> { windows: Default::default() };
    let _ = vmstate_core::from_bytes(&mut w, &[]);
    let mut r = Ring::<Elem> { elems: Vec::new() };
    let _ = vmstate_core::from_bytes(&mut r, &[]);
}
