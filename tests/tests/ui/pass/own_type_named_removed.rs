// A type of one's own named `Removed`, named by its path, is not the runtime crate's: its
// argument is not looked into (the crate's `Removed<usize>` is refused with the `usize`
// advice, this one implements `Field` for any argument).
use vmstate_core::{Field, Shape, VmState};

mod mine {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Default)]
    pub struct Removed<T>(pub u8, pub core::marker::PhantomData<T>);

    impl<T: 'static> Field for Removed<T> {
        const SHAPE: Shape = <u8 as Field>::SHAPE;
        type Staged = Self;
        fn placeholder() -> Self {
            Removed(0, core::marker::PhantomData)
        }
        fn save<E: vmstate_core::Encoder>(&self, e: &mut E) -> Result<(), vmstate_core::Error> {
            self.0.save(e)
        }
        fn load<D: vmstate_core::Decoder>(&self, d: &mut D) -> Result<Self, vmstate_core::Error> {
            self.0.load(d).map(|v| Removed(v, core::marker::PhantomData))
        }
        fn matches(&self, staged: &Self) -> bool {
            self.0 == staged.0
        }
        fn commit(&mut self, staged: &mut Self) {
            core::mem::swap(self, staged)
        }
    }
}

#[derive(VmState, Default)]
#[vmstate(name = "d")]
struct D {
    a: mine::Removed<usize>,
    b: mine::Removed<char>,
}

fn main() {
    assert_eq!(vmstate_core::qemu::to_bytes(&D::default()).unwrap(), [0, 0]);
}
