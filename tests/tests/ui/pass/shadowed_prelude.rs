// The generated code uses absolute paths: a module that shadows every prelude and std name
// it could pick up by accident still derives, and the result still round-trips.
#![allow(dead_code, non_camel_case_types, unused_macros)]

mod device {
    mod core {}
    mod std {}
    mod vmstate_core {}
    mod alloc {}
    struct Result;
    struct Ok;
    struct Err;
    type Option = ();
    struct Some;
    struct None;
    struct Box;
    struct Vec;
    struct String;
    struct Default;
    struct PhantomData;
    struct Sized;
    struct Field;
    struct Error;
    struct Description;
    struct Shape;
    struct Decoder;
    struct Encoder;
    trait Into {}
    trait From {}
    trait Clone {}
    trait PartialEq {}
    trait Debug {}
    macro_rules! assert {
        ($($t:tt)*) => {
            ::core::compile_error!("the derive used a local `assert!`")
        };
    }
    macro_rules! format {
        ($($t:tt)*) => {
            ::core::compile_error!("the derive used a local `format!`")
        };
    }
    macro_rules! vec {
        ($($t:tt)*) => {
            ::core::compile_error!("the derive used a local `vec!`")
        };
    }

    use ::vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "shadowed", version = 2, post_load = "Self::after_load", pre_save = "Self::before_save")]
    pub struct Regs {
        pub ctrl: u32,
        pub pair: [u16; 2],
        #[vmstate(max_len = 8)]
        pub fifo: ::std::vec::Vec<u8>,
        #[vmstate(max_len = 16)]
        pub label: ::std::string::String,
        #[vmstate(max_len = 4)]
        pub words: ::std::boxed::Box<[u32]>,
        #[vmstate(immutable)]
        pub size: u64,
        #[vmstate(derived = "Self::recompute")]
        pub enabled: bool,
        #[vmstate(skip)]
        pub host: u8,
        pub inner: Inner,
    }

    #[derive(VmState)]
    pub struct Inner {
        pub level: i8,
        #[vmstate(derived_by_owner)]
        pub cached: bool,
    }

    impl Regs {
        fn recompute(&mut self) {
            self.enabled = self.ctrl & 1 != 0;
            self.inner.cached = self.inner.level > 0;
        }
        fn after_load(&mut self) -> ::core::result::Result<(), ::std::io::Error> {
            ::core::result::Result::Ok(())
        }
        fn before_save(&self) {}
    }

    pub fn regs(ctrl: u32) -> Regs {
        Regs {
            ctrl,
            pair: [ctrl as u16, 2],
            fifo: ::std::vec![1, 2, 3],
            label: ::std::string::String::from("uart"),
            words: ::std::vec![ctrl; 2].into_boxed_slice(),
            size: 4096,
            enabled: false,
            host: 9,
            inner: Inner { level: 3, cached: false },
        }
    }
}

fn main() {
    let src = device::regs(5);
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = device::regs(0);
    dst.fifo.clear();
    dst.host = 1;
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst.ctrl, 5);
    assert_eq!(dst.pair, [5, 2]);
    assert_eq!(dst.fifo, [1, 2, 3]);
    assert_eq!(dst.label, "uart");
    assert_eq!(&*dst.words, &[5, 5]);
    assert!(dst.enabled);
    assert!(dst.inner.cached);
    assert_eq!(dst.host, 1);
}
