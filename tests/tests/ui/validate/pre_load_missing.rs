// The container `pre_load = "..."` names a function that does not exist.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(pre_load = "Self::before_load")]
struct Rtc {
    mr: u32,
}

fn main() {}
