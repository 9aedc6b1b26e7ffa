use vmstate_core::VmState;

// A misspelt `transparent` or one with a value does not make a section struct a newtype:
// one error each, about the key.
#[derive(VmState)]
#[vmstate(name = "uart", version = 2, trans)]
struct Uart {
    lcr: u8,
    ier: u8,
}

#[derive(VmState)]
#[vmstate(name = "rtc", transparent = false)]
struct Rtc {
    lr: u32,
}

// A syntax error elsewhere in the attribute does not hide it.
#[derive(VmState)]
#[vmstate(crate = , transparent)]
struct Lcr(u8);

fn main() {}
