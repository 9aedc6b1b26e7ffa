// In a generic struct the subsections whose types are concrete are checked all the same:
// their names must start with the parent's and differ.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "other")]
struct Misnamed {
    a: u8,
}

#[derive(VmState)]
#[vmstate(name = "gen/sub")]
struct First {
    a: u8,
}

#[derive(VmState)]
#[vmstate(name = "gen/sub")]
struct Second {
    b: u8,
}

#[derive(VmState)]
#[vmstate(name = "gen")]
struct Gen<T> {
    value: T,
    #[vmstate(subsection, needed = "Self::yes")]
    misnamed: Misnamed,
    #[vmstate(subsection, needed = "Self::yes")]
    first: First,
    #[vmstate(subsection, needed = "Self::yes")]
    second: Second,
}

impl<T> Gen<T> {
    fn yes(&self) -> bool {
        true
    }
}

fn main() {}
