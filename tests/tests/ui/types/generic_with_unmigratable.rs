// A generic struct with a field type that cannot migrate, whatever the parameters: reported
// where the struct is defined.
use vmstate_core::VmState;

#[derive(VmState)]
struct Timed<T> {
    value: T,
    since: std::time::Instant,
}

fn main() {}
