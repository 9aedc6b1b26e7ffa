use std::marker::PhantomData;
use vmstate_core::VmState;

// Generic `transparent` structs with errors: their uses report nothing more.
#[derive(VmState)]
#[vmstate(transparent, name = "reg")]
struct Reg<T>(T);

#[derive(VmState)]
#[vmstate(transparent)]
struct Tagged<T>(u8, u16, PhantomData<T>);

// A type parameter named like the generated code's.
#[derive(VmState)]
#[vmstate(transparent)]
struct Reserved<__VmStateEncoder>(__VmStateEncoder);

#[derive(VmState)]
struct Dev {
    reg: Reg<u8>,
    tagged: [Tagged<u32>; 2],
}

fn main() {}
