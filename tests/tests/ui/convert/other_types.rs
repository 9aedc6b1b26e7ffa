use vmstate_core::VmState;

// A type travels as one type: `into` and `from` must name the same.
#[derive(VmState, Clone)]
#[vmstate(from = "u16", into = "u32")]
struct Mismatched(u32);

// A value that is no type, on the string.
#[derive(VmState, Clone)]
#[vmstate(from = "1 + 2", into = "u32")]
struct NotAType(u32);

// A value that is no string.
#[derive(VmState, Clone)]
#[vmstate(from = u32, into = "u32")]
struct NotAString(u32);

// Given twice.
#[derive(VmState, Clone)]
#[vmstate(from = "u32", into = "u32", into = "u32")]
struct Twice(u32);

fn main() {}
