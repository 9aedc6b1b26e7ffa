// A generic struct used with a parameter that cannot migrate: reported where it is used.
use vmstate_core::VmState;

#[derive(VmState)]
struct Pair<T> {
    a: T,
    b: [T; 2],
}

fn main() {
    let pair = Pair { a: "one", b: ["two", "three"] };
    let _ = vmstate_core::to_bytes(&pair);
}
