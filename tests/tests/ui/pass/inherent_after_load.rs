// Hooks named `after_load` are the struct's own (inherent) functions, with `Field` in scope
// too (no `Field` method has a hook's name).
use vmstate_core::{Field, VmState};

#[derive(VmState, Debug, PartialEq)]
#[vmstate(post_load = "Self::after_load")]
struct Uart {
    lcr: u8,
    #[vmstate(skip)]
    loads: u32,
}

impl Uart {
    fn after_load(&mut self) {
        self.loads += 1;
    }
}

#[derive(VmState, Debug, PartialEq)]
#[vmstate(post_load = "Self::after_load")]
struct Wrapper<T> {
    inner: T,
    #[vmstate(derived = "Wrapper::<T>::recount")]
    loads: u32,
}

impl<T> Wrapper<T> {
    fn after_load(&mut self) -> Result<(), std::io::Error> {
        self.loads += 1;
        Ok(())
    }

    fn recount(&mut self) {
        self.loads += 10;
    }
}

fn main() {
    let bytes = vmstate_core::to_bytes(&Uart { lcr: 3, loads: 0 }).unwrap();
    let mut dst = Uart { lcr: 0, loads: 0 };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, Uart { lcr: 3, loads: 1 });

    // Called through `Field` too: what runs a nested struct's post-load hooks runs it.
    <Uart as Field>::post_commit(&mut dst, &<Uart as Field>::placeholder()).unwrap();
    assert_eq!(dst.loads, 2);

    let bytes = vmstate_core::to_bytes(&Wrapper { inner: 5u16, loads: 0 }).unwrap();
    let mut dst = Wrapper { inner: 0u16, loads: 0 };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    // The derived function (spelt through the generic type) and then `post_load`, once each.
    // (One function named as both is refused: it would run twice.)
    assert_eq!(dst.inner, 5);
    assert_eq!(dst.loads, 11);
}
