// A struct with a field its owner must recompute, held as a subsection, as `Vec` elements,
// and by a generic owner (the field's own type is concrete): each owner names no function.
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "board/window")]
struct Window {
    base: u32,
    #[vmstate(derived_by_owner)]
    mapped: bool,
}

#[derive(VmState)]
#[vmstate(name = "board")]
struct Board {
    flags: u32,
    #[vmstate(subsection, needed = "Self::has_window")]
    window: Window,
}

impl Board {
    fn has_window(&self) -> bool {
        true
    }
}

#[derive(VmState)]
struct Windows {
    #[vmstate(max_len = 4)]
    windows: Vec<Window>,
}

#[derive(VmState)]
struct Generic<T> {
    value: T,
    window: Window,
}

fn main() {}
