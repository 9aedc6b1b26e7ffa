use std::marker::PhantomData;
use vmstate_core::VmState;

// Generic `transparent` structs with errors: their uses report nothing more.
#[derive(VmState)]
#[vmstate(transparent, name = "reg")]
struct Reg<T>(T);

#[derive(VmState)]
#[vmstate(transparent)]
struct Tagged<T>(u8, PhantomData<T>);

#[derive(VmState)]
struct Dev {
    reg: Reg<u8>,
    tagged: [Tagged<u32>; 2],
}

fn main() {}
