// `_` in a field's type is rustc's error on the struct, reported once: the derive writes no
// code that names the type, and the struct's uses report nothing more.
use vmstate_core::VmState;

#[derive(VmState)]
struct Uart {
    lcr: u8,
    fifo: [u8; _],
    #[vmstate(max_len = 4)]
    pending: Vec<_>,
}

fn main() {
    let uart = Uart { lcr: 0, fifo: [0; 16], pending: vec![0u8] };
    let _ = vmstate_core::to_bytes(&uart);
}
