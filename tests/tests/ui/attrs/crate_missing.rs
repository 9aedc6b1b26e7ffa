// A runtime crate path that does not resolve is one error, on the string, however many
// fields the struct has (as a crate renamed in Cargo.toml without `crate = "..."` is one
// error at the derive).
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(crate = "missing_runtime")]
struct Dev {
    a: u32,
    b: [u8; 4],
    c: u16,
}

#[derive(VmState)]
#[vmstate(crate = "missing_runtime")]
#[repr(u8)]
enum Mode {
    Off,
    On,
}

#[derive(VmState)]
#[vmstate(crate = "missing_runtime")]
struct Generic<T, const N: usize> {
    #[vmstate(skip)]
    host: T,
    regs: [u8; N],
}

#[derive(VmState)]
#[vmstate(crate = "missing_runtime")]
struct Borrowing<'a> {
    #[vmstate(skip)]
    host: &'a u8,
    reg: u8,
}

fn main() {}
