// A type parameter needs to migrate only where a field's type needs it: a parameter seen
// through an associated type (`H::Reg`), or as the marker of a handle whose own field of it
// is skipped, may be a type that cannot migrate.
use std::marker::PhantomData;
use vmstate_core::VmState;

pub trait Hw {
    type Reg;
}

/// A marker type: it does not migrate itself.
#[derive(Debug, Default, PartialEq)]
pub struct Arm;

impl Hw for Arm {
    type Reg = u32;
}

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "cpu")]
struct Cpu<H: Hw>
where
    H::Reg: Default + core::fmt::Debug + PartialEq,
{
    r: H::Reg,
    #[vmstate(skip)]
    hw: H,
}

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "handle")]
struct Handle<T> {
    raw: u32,
    #[vmstate(skip)]
    marker: PhantomData<T>,
}

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "dev")]
struct Dev<T> {
    handle: Handle<T>,
    #[vmstate(max_len = 4)]
    handles: Vec<Handle<T>>,
}

/// Host-side only: it cannot migrate.
#[derive(Debug, Default, PartialEq)]
struct HostOnly;

fn main() {
    let cpu = Cpu::<Arm> { r: 7, hw: Arm };
    let mut back = Cpu::<Arm>::default();
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&cpu).unwrap()).unwrap();
    assert_eq!(back, cpu);

    let handle = |raw| Handle::<HostOnly> { raw, marker: PhantomData };
    let dev = Dev { handle: handle(1), handles: vec![handle(2), handle(3)] };
    let mut back = Dev::<HostOnly>::default();
    let bytes = vmstate_core::qemu::to_bytes(&dev).unwrap();
    vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
    assert_eq!(back, dev);
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&dev).unwrap()).unwrap();
    assert_eq!(back, dev);
}
