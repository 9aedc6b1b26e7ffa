use vmstate_core::VmState;

// A `transparent` struct travels as its one field: none or two are refused.
#[derive(VmState)]
#[vmstate(transparent)]
struct Pair(u8, u8);

#[derive(VmState)]
#[vmstate(transparent)]
struct Named {
    low: u8,
    high: u8,
}

#[derive(VmState)]
#[vmstate(transparent)]
struct Empty;

// Their uses report nothing more.
#[derive(VmState)]
struct Uart {
    pair: Pair,
    named: Named,
    empty: Empty,
}

fn main() {}
