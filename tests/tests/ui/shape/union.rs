use vmstate_core::VmState;

#[derive(VmState)]
union Reg {
    word: u32,
    bytes: [u8; 4],
}

fn main() {}
