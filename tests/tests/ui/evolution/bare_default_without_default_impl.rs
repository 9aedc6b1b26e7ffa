// A bare `default` is the field type's `Default::default`: a type without `Default` is
// reported on the key.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "clock")]
struct Clock {
    ticks: u32,
}

#[derive(VmState)]
#[vmstate(name = "timer", version = 2, minimum_version = 1)]
struct Timer {
    count: u32,
    #[vmstate(since = 2, default)]
    clock: Clock,
}

fn main() {}
