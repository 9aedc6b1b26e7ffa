// A `max_len` constant is held to what a literal is: from 1 to u32::MAX, checked once its
// value is known (for a const parameter, in each instantiation that is saved or loaded).
use vmstate_core::VmState;

const NONE: usize = 0;

#[derive(VmState)]
struct Empty {
    #[vmstate(max_len = NONE)]
    never: Vec<u8>,
}

#[derive(VmState)]
struct Fifo<const N: usize> {
    #[vmstate(max_len = N)]
    items: Vec<u8>,
}

fn main() {
    let _ = vmstate_core::to_bytes(&Empty { never: Vec::new() });
    let _ = vmstate_core::to_bytes(&Fifo::<0x1_0000_0000> { items: Vec::new() });
}
