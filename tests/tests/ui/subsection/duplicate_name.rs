// Two subsections with one name: a load could not tell which one the stream carries.
use vmstate_core::VmState;

#[derive(VmState, Default)]
#[vmstate(name = "dev/extra")]
struct ExtraA {
    a: u32,
}

#[derive(VmState, Default)]
#[vmstate(name = "dev/extra")]
struct ExtraB {
    b: u32,
}

#[derive(VmState)]
#[vmstate(name = "dev")]
struct Dev {
    x: u32,
    #[vmstate(subsection, needed = "Self::always")]
    one: ExtraA,
    #[vmstate(subsection, needed = "Self::always")]
    two: ExtraB,
}

impl Dev {
    fn always(&self) -> bool {
        true
    }
}

fn main() {}
