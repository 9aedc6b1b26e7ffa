// Items whose names start with `__vmstate` (in any case) are the generated code's: a field
// type, hook path or range naming one of the user's would find the generated one instead.
use vmstate_core::VmState;

mod __vmstate_private {
    #[derive(vmstate_core::VmState, Default)]
    #[vmstate(name = "regs")]
    pub struct Regs {
        pub a: u8,
    }
    pub fn fix(_: &mut super::Dev) {}
    pub const __VMSTATE_MAX: u8 = 8;
}

#[allow(non_camel_case_types)]
type __VmStateProbe = u32;

#[derive(VmState)]
#[vmstate(name = "dev", post_load = "__vmstate_private::fix")]
struct Dev {
    regs: __vmstate_private::Regs,
    probe: __VmStateProbe,
    #[vmstate(range = "..__vmstate_private::__VMSTATE_MAX")]
    level: u8,
}

fn main() {}
