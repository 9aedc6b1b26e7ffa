// `equal` is a check of a migrated value against the destination's: not with the roles that
// do not load it, not with `immutable` (the native-only form of the same check), not with a
// `default` (a stream that lacks the field keeps the destination's value), not on padding
// (skipped, so it would check nothing), and it is a flag.
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "dev/sub")]
struct Sub {
    x: u32,
}

#[derive(VmState)]
#[vmstate(name = "dev", version = 2, minimum_version = 1, post_load = "Self::refresh")]
struct Dev {
    #[vmstate(immutable, equal)]
    a: u32,
    #[vmstate(derived, equal)]
    b: u32,
    #[vmstate(skip, equal)]
    c: u32,
    #[vmstate(subsection, needed = "Self::sub_needed", equal)]
    sub: Sub,
    #[vmstate(equal, since = 2, default = "Self::four")]
    d: u32,
    #[vmstate(equal = true)]
    e: u32,
    #[vmstate(equal)]
    padding: vmstate_core::Removed<u32>,
}

impl Dev {
    fn refresh(&mut self) {}
    fn sub_needed(&self) -> bool {
        true
    }
    fn four() -> u32 {
        4
    }
}

fn main() {}
