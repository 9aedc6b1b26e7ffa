// Only a fieldless enum travels as its discriminant.
use vmstate_core::VmState;

#[derive(VmState)]
#[repr(u8)]
enum Command {
    Reset,
    Write { reg: u32, value: u32 },
    Read(u32),
    // Empty parentheses or braces: not data, but not a unit variant either.
    Sync(),
    Flush {},
}

fn main() {}
