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

// The type itself, as `Self` or by its name.
#[derive(VmState, Clone)]
#[vmstate(from = "Self", into = "Self")]
struct Itself(u32);

#[derive(VmState, Clone)]
#[vmstate(from = "[Named; 2]", into = "[Named; 2]")]
struct Named(u32);

#[derive(VmState, Clone)]
#[vmstate(from = "Me", into = "Me")]
struct Me(u32);

// Named two ways: compared as written.
#[derive(VmState, Clone)]
#[vmstate(from = "u32", into = "::core::primitive::u32")]
struct TwoSpellings(u32);

fn main() {}
