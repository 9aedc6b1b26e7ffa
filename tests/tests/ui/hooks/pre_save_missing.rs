// `pre_save` names a function that does not exist (a free function this time).
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(pre_save = "flush_uart")]
struct Uart {
    lcr: u8,
}

fn main() {}
