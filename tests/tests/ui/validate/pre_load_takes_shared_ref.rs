// The container `pre_load` is `fn(&mut Self)`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(pre_load = "Self::before_load")]
struct Rtc {
    mr: u32,
}

impl Rtc {
    fn before_load(&self) {}
}

fn main() {}
