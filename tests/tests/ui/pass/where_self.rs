// A struct's own `where Self: ...` bounds the struct only, not the items the derive adds
// beside it; generic ones too.
use vmstate_core::VmState;

pub trait Device {}

#[derive(VmState, Default)]
pub struct Uart
where
    Self: Device,
{
    lcr: u8,
}

impl Device for Uart {}

#[derive(VmState, Default)]
#[vmstate(name = "fifo")]
pub struct Fifo<T: Default>
where
    Self: Device,
    T: Copy,
{
    head: T,
}

impl<T: Default + Copy> Device for Fifo<T> {}

fn main() {
    let mut back = Uart::default();
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&Uart { lcr: 3 }).unwrap()).unwrap();
    assert_eq!(back.lcr, 3);
    let mut fifo = Fifo::<u16>::default();
    vmstate_core::from_bytes(&mut fifo, &vmstate_core::to_bytes(&Fifo { head: 9u16 }).unwrap()).unwrap();
    assert_eq!(fifo.head, 9);
}
