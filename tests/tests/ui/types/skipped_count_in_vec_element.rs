// A `Vec` element is built from `Default`: a sequence whose length a skipped field holds
// would always be read with the default length, in the element or in a struct nested in it.
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "regs")]
struct Regs {
    #[vmstate(skip)]
    n: u8,
    #[vmstate(len = "n", max_len = 8)]
    regs: Vec<u8>,
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "bank")]
struct Bank {
    regs: Regs,
}

#[derive(VmState)]
#[vmstate(name = "board")]
struct Board {
    #[vmstate(max_len = 4)]
    regs: Vec<Regs>,
    #[vmstate(max_len = 4)]
    banks: Vec<Bank>,
}

fn main() {}
