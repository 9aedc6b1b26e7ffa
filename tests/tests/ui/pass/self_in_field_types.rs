// `Self` in a field's type means the struct, in the items the derive adds beside it too.
use vmstate_core::VmState;

pub trait Regs {
    type Word;
}

/// A macro given a type that names `Self`.
macro_rules! pair_of {
    ($t:ty) => { [$t; 2] };
}

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "dev", version = 2, minimum_version = 1)]
struct Dev {
    regs: [u32; Self::N],
    word: <Self as Regs>::Word,
    #[vmstate(immutable)]
    id: [u8; Self::N],
    #[vmstate(since = 2, default = "Self::default_extra")]
    extra: [u16; Self::N],
    pair: pair_of!(<Self as Regs>::Word),
}

impl Dev {
    const N: usize = 4;
    fn default_extra() -> [u16; Self::N] {
        [9; 4]
    }
}

impl Regs for Dev {
    type Word = u16;
}

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "fifo")]
struct Fifo<T: Regs>
where
    T::Word: Default + core::fmt::Debug + PartialEq,
{
    #[vmstate(max_len = 8)]
    words: Vec<<Self as Regs>::Word>,
    head: <T as Regs>::Word,
}

impl<T: Regs> Regs for Fifo<T>
where
    T::Word: Default + core::fmt::Debug + PartialEq,
{
    type Word = u8;
}

fn main() {
    let dev = Dev { regs: [1, 2, 3, 4], word: 5, id: [6; 4], extra: [7; 4], pair: [8, 9] };
    let mut back = Dev { id: [6; 4], ..Dev::default() };
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&dev).unwrap()).unwrap();
    assert_eq!(back, dev);
    let fields: Vec<_> = Dev::DESCRIPTION.fields.iter().map(|f| f.name).collect();
    assert_eq!(fields, ["regs", "word", "id", "extra", "pair"]);

    let fifo = Fifo::<Dev> { words: vec![1, 2], head: 3 };
    let mut back = Fifo::<Dev>::default();
    let bytes = vmstate_core::qemu::to_bytes(&fifo).unwrap();
    vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
    assert_eq!(back, fifo);
}
