// The runtime crate under another name: `#[vmstate(crate = "...")]`.
//
// Cargo refuses a second dependency on vmstate-core under another name, so the crate is
// renamed here; `extern crate ... as` at the crate root puts the new name in the extern
// prelude, like a renamed dependency would. `crate = "crate::facade"` then proves that the
// generated code goes through the given path: the facade's `hook` counts its calls.
extern crate vmstate_core as renamed_vmstate;

use renamed_vmstate::VmState;

#[derive(VmState, Debug, PartialEq)]
#[vmstate(crate = "renamed_vmstate", name = "renamed")]
struct Renamed {
    a: u32,
    #[vmstate(max_len = 4)]
    b: Vec<u8>,
}

mod nested {
    // A relative crate path resolves from the struct's module.
    #[derive(renamed_vmstate::VmState, Debug, PartialEq)]
    #[vmstate(crate = "renamed_vmstate")]
    pub struct Nested {
        pub a: [u16; 2],
        pub power: Power,
    }

    // An enum takes `crate` too.
    #[derive(renamed_vmstate::VmState, Debug, PartialEq)]
    #[vmstate(crate = "renamed_vmstate")]
    #[repr(u8)]
    pub enum Power {
        Off,
        On,
    }
}

mod facade {
    // The generated code only goes through `<crate>::__private`.
    pub mod __private {
        pub use renamed_vmstate::__private::*;
        use std::sync::atomic::{AtomicUsize, Ordering};

        pub static HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);

        /// Shadows the glob-imported `hook`: counts, then does the real work.
        pub fn hook<O: HookOutput>(
            name: &'static str,
            out: O,
        ) -> ::core::result::Result<(), renamed_vmstate::Error> {
            HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
            renamed_vmstate::__private::hook(name, out)
        }
    }
}

#[derive(VmState, Debug, PartialEq)]
#[vmstate(crate = "crate::facade", post_load = "Self::after_load")]
struct ThroughFacade {
    x: u8,
    #[vmstate(derived = "Self::recompute")]
    twice: u16,
}

impl ThroughFacade {
    fn recompute(&mut self) {
        self.twice = u16::from(self.x) * 2;
    }
    fn after_load(&mut self) {}
}

fn main() {
    let src = Renamed { a: 7, b: vec![1, 2] };
    let bytes = renamed_vmstate::to_bytes(&src).unwrap();
    let mut dst = Renamed { a: 0, b: vec![] };
    renamed_vmstate::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);
    assert_eq!(<Renamed as VmState>::DESCRIPTION.name, "renamed");

    let src = nested::Nested { a: [1, 2], power: nested::Power::On };
    let bytes = renamed_vmstate::to_bytes(&src).unwrap();
    let mut dst = nested::Nested { a: [0, 0], power: nested::Power::Off };
    renamed_vmstate::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);

    let src = ThroughFacade { x: 21, twice: 0 };
    let bytes = renamed_vmstate::to_bytes(&src).unwrap();
    let mut dst = ThroughFacade { x: 0, twice: 0 };
    renamed_vmstate::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, ThroughFacade { x: 21, twice: 42 });
    // One load ran two hooks (the derived function and post_load), both through the facade.
    assert_eq!(facade::__private::HOOK_CALLS.load(std::sync::atomic::Ordering::SeqCst), 2);
}
