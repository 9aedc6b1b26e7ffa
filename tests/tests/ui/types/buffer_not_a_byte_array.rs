// `buffer` describes a `[u8; N]` as QEMU's `VMSTATE_BUFFER`: other types are refused on the
// type.
use vmstate_core::VmState;

#[derive(VmState)]
struct Dev {
    #[vmstate(buffer)]
    words: [u16; 4],
    #[vmstate(buffer, max_len = 8)]
    bytes: Vec<u8>,
    #[vmstate(buffer)]
    one: u8,
}

fn main() {}
