// `post_load` hooks of both forms: `fn(&mut Self)` and `fn(&mut Self, u32)` (the loaded
// version), as methods and free generic functions, on generic structs, beside `exists`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 1, post_load = "after_load::<T, N>")]
struct Fifo<T: VmState, const N: usize> {
    items: [T; N],
    #[vmstate(exists = "Self::has_head")]
    head: u8,
}

impl<T: VmState, const N: usize> Fifo<T, N> {
    fn has_head(&self, version: u32) -> bool {
        version >= 2
    }
}

fn after_load<T: VmState, const N: usize>(
    fifo: &mut Fifo<T, N>,
    version: u32,
) -> Result<(), std::io::Error> {
    if version < 2 {
        fifo.head = 0;
    }
    Ok(())
}

#[derive(VmState, Default)]
#[vmstate(version = 3, minimum_version = 1, post_load = "Self::after_load")]
struct Reg {
    value: u32,
}

impl Reg {
    fn after_load(&mut self, version: u32) {
        if version < 3 {
            self.value <<= 1;
        }
    }
}

#[derive(VmState, Default)]
#[vmstate(post_load = "Self::after_load")]
struct Plain {
    value: u32,
}

impl Plain {
    fn after_load(&mut self) {}
}

fn main() {
    let mut fifo = Fifo { items: [Reg::default(), Reg::default()], head: 0 };
    let bytes = vmstate_core::to_bytes(&fifo).unwrap();
    vmstate_core::from_bytes(&mut fifo, &bytes).unwrap();
    let mut plain = Plain::default();
    let bytes = vmstate_core::to_bytes(&plain).unwrap();
    vmstate_core::from_bytes(&mut plain, &bytes).unwrap();
}
