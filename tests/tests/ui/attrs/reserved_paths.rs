// Items whose names start with `__vmstate` (in any case) are the generated code's: a path
// starting with one of the user's (in a field type, a bound, a hook path or a range) would
// find the generated one instead. Later segments and skipped fields' types are fine.
use vmstate_core::VmState;

mod __vmstate_private {
    #[derive(vmstate_core::VmState, Default)]
    #[vmstate(name = "regs")]
    pub struct Regs {
        pub a: u8,
    }
    pub fn fix(_: &mut super::Dev<u8>) {}
    pub const __VMSTATE_MAX: u8 = 8;
    pub trait Tr: Default + vmstate_core::Field {}
    impl Tr for u8 {}
}

mod outer {
    pub mod __vmstate_regs {
        #[derive(vmstate_core::VmState, Default)]
        #[vmstate(name = "regs")]
        pub struct Regs {
            pub a: u8,
        }
        pub fn fix(_: &mut super::super::Fine) {}
        pub const LIMIT: u8 = 8;
    }
}

#[allow(non_camel_case_types)]
type __VmStateProbe = u32;

pub struct __VmStateMarker;

#[derive(VmState)]
#[vmstate(name = "dev", post_load = "__vmstate_private::fix")]
struct Dev<T>
where
    T: __vmstate_private::Tr,
{
    regs: __vmstate_private::Regs,
    probe: __VmStateProbe,
    #[vmstate(range = "..__vmstate_private::__VMSTATE_MAX")]
    level: u8,
    t: T,
}

// The derive's own methods of the struct are reserved too, however the path reaches them.
#[derive(VmState)]
#[vmstate(name = "own", validate = "Self::__vmstate_validate")]
struct Own {
    level: u8,
}

type OwnAlias = Aliased;

#[derive(VmState)]
#[vmstate(
    name = "aliased",
    validate = "crate::Aliased::__vmstate_validate",
    pre_load = "OwnAlias::__VmState_Pre_Load",
    post_load = "Self::r#__vmstate_load_hooks"
)]
struct Aliased {
    level: u8,
}

#[derive(VmState, Default)]
#[vmstate(name = "fine", post_load = "outer::__vmstate_regs::fix")]
struct Fine {
    regs: self::outer::__vmstate_regs::Regs,
    #[vmstate(skip)]
    marker: std::marker::PhantomData<__VmStateMarker>,
    #[vmstate(range = "..outer::__vmstate_regs::LIMIT")]
    level: u8,
    #[vmstate(derived = "Self::recompute")]
    cache: __VmStateMarkerAlias,
}

type __VmStateMarkerAlias = u8;

impl Fine {
    fn recompute(&mut self) {}
}

fn main() {}
