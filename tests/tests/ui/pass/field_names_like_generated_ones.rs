// Fields named like the generated code's variables neither clash with them nor change what
// the code does (a field `__version` must not stand in for the stream's version).
use vmstate_core::VmState;

mod v1 {
    #[derive(vmstate_core::VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dev", version = 1)]
    pub struct Dev {
        pub __version: u32,
        pub __d: u32,
        pub __e: u32,
        pub __at: u32,
        pub __value: u32,
        pub __name: u32,
        pub __hook: u32,
        pub staged: u32,
        pub incoming: u32,
        pub at: u32,
        pub __marker: u32,
        // The generated names are `__vmstate_` and these; a field's staged local is
        // `__vmstate_<field>`, apart from them by hygiene.
        pub version: u32,
        pub d: u32,
        pub e: u32,
        pub value: u32,
        pub sub_version: u32,
        pub f: u32,
    }
}

mod v2 {
    #[derive(vmstate_core::VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dev", version = 2, minimum_version = 1)]
    pub struct Dev {
        pub __version: u32,
        pub __d: u32,
        pub __e: u32,
        pub __at: u32,
        pub __value: u32,
        pub __name: u32,
        pub __hook: u32,
        pub staged: u32,
        pub incoming: u32,
        pub at: u32,
        pub __marker: u32,
        // The generated names are `__vmstate_` and these; a field's staged local is
        // `__vmstate_<field>`, apart from them by hygiene.
        pub version: u32,
        pub d: u32,
        pub e: u32,
        pub value: u32,
        pub sub_version: u32,
        pub f: u32,
        #[vmstate(since = 2)]
        pub last: u32,
    }
}

fn main() {
    let old = v1::Dev {
        __version: 7, __d: 1, __e: 2, __at: 3, __value: 4, __name: 5, __hook: 6, staged: 8,
        incoming: 9, at: 10, __marker: 11, version: 12, d: 13, e: 14, value: 15,
        sub_version: 16, f: 17,
    };
    let bytes = vmstate_core::to_bytes(&old).unwrap();
    let mut new = v2::Dev::default();
    vmstate_core::from_bytes(&mut new, &bytes).unwrap();
    assert_eq!((new.__version, new.__marker, new.last), (7, 11, 0));
    assert_eq!((new.version, new.d, new.e, new.value, new.sub_version, new.f), (12, 13, 14, 15, 16, 17));

    let src = v2::Dev { __version: 0, version: 3, d: 4, last: 9, ..Default::default() };
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    let mut dst = v2::Dev::default();
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 2, 0).unwrap();
    assert_eq!(dst, src);
    let _ = <v2::Dev as VmState>::DESCRIPTION;
}
