use vmstate_core::VmState;

// A one-field tuple struct without `transparent`: the error says how to make it travel as
// its field.
#[derive(VmState)]
struct Lcr(u8);

fn main() {}
