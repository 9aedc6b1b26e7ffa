// `max_len = 0` would refuse to save anything but an empty value; a bound past QEMU's 32-bit
// count could not be kept on its wire, however large it is.
use vmstate_core::VmState;

#[derive(VmState)]
struct Fifo {
    #[vmstate(max_len = 0)]
    data: Vec<u8>,
    #[vmstate(max_len = 4_294_967_296)]
    big: Vec<u8>,
    #[vmstate(max_len = 18446744073709551616)]
    huge: Vec<u8>,
    #[vmstate(max_len = 4_294_967_295)]
    largest: Vec<u8>,
}

fn main() {}
