// An array of a type that cannot migrate.
use vmstate_core::VmState;

#[derive(VmState)]
struct Timers {
    deadlines: [std::time::Instant; 4],
}

fn main() {}
