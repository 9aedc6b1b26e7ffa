// `skip`, `immutable`, `derived_by_owner` are flags: they take no value.
use vmstate_core::VmState;

#[derive(VmState)]
struct Uart {
    lcr: u8,
    #[vmstate(skip = true)]
    host_fd: i32,
    #[vmstate(immutable(yes))]
    irq_line: u32,
}

fn main() {}
