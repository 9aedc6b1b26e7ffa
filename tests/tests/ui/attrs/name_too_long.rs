// QEMU writes a section name after a one-byte length: at most 255 bytes.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "a_device_name_that_goes_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on")]
struct Uart {
    lcr: u8,
}

fn main() {}
