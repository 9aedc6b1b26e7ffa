// `max_len` applies to `Vec<T>`, `Box<[T]>` and `String` only.
use vmstate_core::VmState;

#[derive(VmState)]
struct Regs {
    #[vmstate(max_len = 4)]
    ctrl: u32,
}

fn main() {}
