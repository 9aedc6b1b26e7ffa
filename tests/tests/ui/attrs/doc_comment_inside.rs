// A doc comment inside the attribute's parentheses (it arrives as `#[doc = "..."]`).
use vmstate_core::VmState;

#[derive(VmState)]
struct Uart {
    lcr: u8,
    #[vmstate(
        /// the host's descriptor, meaningless on another host
        skip
    )]
    host_fd: i32,
}

fn main() {}
