// `PhantomData` carries nothing: refused unless skipped, in a generic struct too (where the
// trait error would otherwise wait for the first use).
use std::marker::PhantomData;
use vmstate_core::VmState;

#[derive(VmState)]
struct Regs<T> {
    ctrl: u32,
    _marker: PhantomData<T>,
}

#[derive(VmState)]
struct Skipped<T> {
    ctrl: u32,
    #[vmstate(skip)]
    _marker: PhantomData<T>,
}

fn main() {}
