// The generated code names primitive types by absolute path: aliases in the user's module
// that shadow `u32`, `bool`, `usize` or `str` change nothing.
#![allow(non_camel_case_types)]

mod device {
    pub type u32 = u64;
    pub type bool = u8;
    pub type usize = u16;
    pub struct str;

    #[derive(vmstate_core::VmState, Debug, PartialEq)]
    #[vmstate(name = "regs", version = 2, minimum_version = 1)]
    pub struct Regs {
        pub ctrl: ::core::primitive::u32,
        pub flag: ::core::primitive::bool,
        #[vmstate(since = 2, range = "0..4")]
        pub mode: u8,
        #[vmstate(exists = "Self::has_extra")]
        pub extra: ::core::primitive::u32,
        #[vmstate(subsection, needed = "Self::has_sub")]
        pub sub: Sub,
    }

    #[derive(vmstate_core::VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "regs/sub")]
    pub struct Sub {
        pub level: u8,
    }

    impl Regs {
        fn has_extra(&self, version: ::core::primitive::u32) -> ::core::primitive::bool {
            version >= 2
        }
        fn has_sub(&self) -> ::core::primitive::bool {
            self.sub.level != 0
        }
    }
}

fn main() {
    let sub = || device::Sub { level: 1 };
    let src = device::Regs { ctrl: 5, flag: true, mode: 3, extra: 9, sub: sub() };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = device::Regs { ctrl: 0, flag: false, mode: 0, extra: 0, sub: Default::default() };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);
}
