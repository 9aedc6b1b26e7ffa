// Padding may share the name `unused` with a real field (QEMU's pl041 has a register so
// named); the derive sees padding by its type's name, so a type of one's own called `Unused`
// is refused there, on the type.
use vmstate_core::VmState;

mod my {
    #[derive(vmstate_core::VmState, Default)]
    #[vmstate(name = "inner")]
    pub struct Unused {
        pub x: u32,
    }
}

#[derive(VmState)]
#[vmstate(name = "dev")]
struct Dev {
    unused: u32,
    #[vmstate(name = "unused")]
    reserved: my::Unused,
}

fn main() {}
