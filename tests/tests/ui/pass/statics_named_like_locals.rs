// Lower-case statics in scope (as a glob import of bindgen's FFI declarations brings them)
// cannot be shadowed by bindings: the generated code's own bindings start with `__vmstate`.
#![allow(non_upper_case_globals, dead_code)]

mod ffi {
    pub static value: u8 = 0;
    pub static at: u8 = 0;
    pub static staged: u8 = 0;
    pub static shape: u8 = 0;
    pub static len: u8 = 0;
    pub static items: u8 = 0;
    pub static range: u8 = 0;
    pub static version: u8 = 0;
    pub static incoming: u8 = 0;
    pub static e: u8 = 0;
    pub static s: u8 = 0;
    pub static name: u8 = 0;
    pub static f: u8 = 0;
    pub static level: u8 = 0;
    pub static id: u8 = 0;
    pub static bad: u8 = 0;
}

mod device {
    #[allow(unused_imports)]
    use super::ffi::*;
    use vmstate_core::VmState;

    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev/sub")]
    pub struct Sub {
        pub x: u8,
    }

    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev/other")]
    pub struct Other {
        pub y: u8,
    }

    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "elem")]
    pub struct Elem {
        pub z: u8,
    }

    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(
        name = "dev",
        version = 2,
        minimum_version = 1,
        post_load = "Self::after",
        validate = "Self::ok"
    )]
    pub struct Dev {
        #[vmstate(immutable)]
        pub id: u32,
        #[vmstate(immutable, max_len = 4)]
        pub ids: Vec<u8>,
        #[vmstate(range = "..8", validate = "Self::small")]
        pub level: u8,
        #[vmstate(exists = "Self::has_extra")]
        pub extra: u16,
        #[vmstate(since = 2, default = "Self::zero")]
        pub late: u8,
        #[vmstate(max_len = 4)]
        pub elems: Vec<Elem>,
        #[vmstate(subsection, needed = "Self::sent")]
        pub sub: Sub,
        #[vmstate(subsection, needed = "Self::sent")]
        pub other: Other,
        #[vmstate(derived)]
        pub cache: u8,
    }

    impl Dev {
        fn after(&mut self) {
            self.cache = self.level;
        }
        fn ok(&self) -> Result<(), std::fmt::Error> {
            Ok(())
        }
        fn small(lvl: &u8) -> Result<(), std::fmt::Error> {
            if *lvl < 8 { Ok(()) } else { Err(std::fmt::Error) }
        }
        fn has_extra(&self, stream_version: u32) -> bool {
            stream_version >= 1
        }
        fn zero() -> u8 {
            0
        }
        fn sent(&self) -> bool {
            true
        }
    }
}

fn main() {
    use device::*;
    let src = Dev {
        id: 1,
        ids: vec![2],
        level: 3,
        extra: 4,
        late: 5,
        elems: vec![Elem { z: 6 }],
        sub: Sub { x: 7 },
        other: Other { y: 8 },
        cache: 0,
    };
    let mut dst = Dev { id: 1, ids: vec![2], ..Dev::default() };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, Dev { cache: 3, ..src });
}
