use vmstate_core::VmState;

// Keys of a section do not apply to a newtype that travels as its field; every one is
// reported, with the field's attribute.
#[derive(VmState)]
#[vmstate(transparent, name = "lcr", version = 2, post_load = "Self::reopen")]
struct Lcr(#[vmstate(range = "0..8")] u8);

impl Lcr {
    fn reopen(&mut self) {}
}

#[derive(VmState)]
#[vmstate(transparent = true)]
struct Divisor(u16);

#[derive(VmState)]
#[vmstate(transparent, tranparent)]
struct Scratch(u8);

// A marker beside the value needs no `skip` (a section struct's does): said so.
#[derive(VmState)]
#[vmstate(transparent)]
struct Reg<R> {
    value: u32,
    #[vmstate(skip)]
    _kind: std::marker::PhantomData<R>,
}

fn main() {}
