// The generated code names primitive types by absolute path: aliases in the user's module
// that shadow `u32`, `bool` or `usize` change nothing.
#![allow(non_camel_case_types)]

mod device {
    pub type u32 = u64;
    pub type bool = u8;
    pub type usize = u16;

    #[derive(vmstate_core::VmState, Debug, PartialEq)]
    #[vmstate(name = "regs", version = 2, minimum_version = 1)]
    pub struct Regs {
        pub ctrl: ::core::primitive::u32,
        pub flag: ::core::primitive::bool,
        #[vmstate(since = 2, range = "0..4")]
        pub mode: u8,
        #[vmstate(exists = "Self::has_extra")]
        pub extra: ::core::primitive::u32,
    }

    impl Regs {
        fn has_extra(&self, version: ::core::primitive::u32) -> ::core::primitive::bool {
            version >= 2
        }
    }
}

fn main() {
    let src = device::Regs { ctrl: 5, flag: true, mode: 3, extra: 9 };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = device::Regs { ctrl: 0, flag: false, mode: 0, extra: 0 };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);
}
