use vmstate_core::VmState;

// Keys of a section, `transparent`, and attributes on fields and variants do not apply to
// a type that travels as another: each is reported.
#[derive(VmState, Clone)]
#[vmstate(from = "u8", into = "u8", name = "lcr", version = 2, post_load = "Self::reopen")]
struct Lcr {
    #[vmstate(range = "0..8")]
    bits: u8,
}

impl Lcr {
    fn reopen(&mut self) {}
}

#[derive(VmState, Clone, Copy)]
#[vmstate(transparent, from = "u8", into = "u8")]
struct Both(u8);

#[derive(VmState, Clone, Default)]
#[vmstate(try_from = "u8", into = "u8")]
enum Line {
    #[default]
    #[vmstate(name = "idle")]
    Idle,
    Raised(#[vmstate(skip)] u8),
}

// A misspelt key on a section is matched to these keys too.
#[derive(VmState)]
#[vmstate(name = "dev", form = "u32")]
struct Dev {
    a: u8,
}

fn main() {}
