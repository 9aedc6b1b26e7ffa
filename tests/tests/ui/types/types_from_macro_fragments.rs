// A `macro_rules!` that forwards field types as `$t:ty` fragments: each error lands on the
// type in the invocation, not on `$t` in the macro's body.
use vmstate_core::VmState;

macro_rules! device {
    ($name:ident { $( $(#[$meta:meta])* $field:ident : $ty:ty ),* $(,)? }) => {
        #[derive(VmState)]
        pub struct $name { $( $(#[$meta])* $field: $ty ),* }
    };
}

device!(Dev {
    ok: u32,
    count: usize,
    shared: std::rc::Rc<u32>,
    #[vmstate(max_len = 4)]
    fixed: [u8; 4],
    pair: (u8, u8),
});

fn main() {}
