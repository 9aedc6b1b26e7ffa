// A hook that names no function or has the wrong signature is reported in the same compile
// as the derive's own errors (here a sequence without `max_len` and a misspelt key), not
// only once those are fixed: every problem at once.
use vmstate_core::VmState;

#[derive(VmState, Default)]
#[vmstate(name = "dev", version = 2, minimum_version = 1, post_load = "Self::missing", pre_save = "Self::takes_mut")]
struct Dev {
    a: u8,
    v: Vec<u8>,
    #[vmstate(derived = "Self::missing_too")]
    b: u8,
    #[vmstate(exists = "Self::no_such_test")]
    c: u8,
    #[vmstate(default = "Self::no_default", since = 2)]
    d: u8,
    #[vmstate(colour = 1)]
    e: u8,
    // Generic functions are typed by the field, as in the full expansion: no error.
    #[vmstate(default = "zero", since = 2)]
    f: u16,
    #[vmstate(validate = "any_value")]
    g: u32,
}

fn zero<T: Default>() -> T {
    T::default()
}

fn any_value<T: std::fmt::Debug>(_: &T) {}

impl Dev {
    fn takes_mut(&mut self) {}
}

fn main() {}
