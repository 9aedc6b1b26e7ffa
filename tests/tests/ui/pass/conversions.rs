// Types that travel as another through `from`/`into`/`try_from`: generic over the wire
// type, with the keys from `macro_rules!` fragments, with the runtime crate renamed, in a
// module without the prelude, and as `range` and `immutable` fields.
use vmstate_core::VmState;

/// The wire type is the parameter: bounded `Plain` by the derive.
#[derive(VmState, Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
#[vmstate(from = "T", into = "T")]
struct Shadow<T> {
    value: T,
}

impl<T> From<T> for Shadow<T> {
    fn from(value: T) -> Self {
        Shadow { value }
    }
}

impl From<Shadow<u16>> for u16 {
    fn from(s: Shadow<u16>) -> u16 {
        s.value
    }
}

// The keys as `$m:meta` fragments, which arrive in invisible groups.
macro_rules! converted {
    ($from:meta, $into:meta, $name:ident) => {
        #[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
        #[vmstate($from, $into)]
        struct $name(u8);

        impl From<u8> for $name {
            fn from(v: u8) -> Self {
                $name(v)
            }
        }

        impl From<$name> for u8 {
            fn from(v: $name) -> u8 {
                v.0
            }
        }
    };
}
converted!(from = "u8", into = "u8", ViaMacro);

mod facade {
    pub use vmstate_core::*;
}

#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(crate = "crate::facade", try_from = "i32", into = "i32")]
enum Sign {
    #[default]
    Zero,
    Negative,
    Positive,
}

impl TryFrom<i32> for Sign {
    type Error = &'static str;
    fn try_from(v: i32) -> Result<Self, &'static str> {
        match v {
            0 => Ok(Sign::Zero),
            -1 => Ok(Sign::Negative),
            1 => Ok(Sign::Positive),
            _ => Err("a sign is -1, 0 or 1"),
        }
    }
}

impl From<Sign> for i32 {
    fn from(s: Sign) -> i32 {
        match s {
            Sign::Zero => 0,
            Sign::Negative => -1,
            Sign::Positive => 1,
        }
    }
}

#[no_implicit_prelude]
mod bare {
    #[derive(::vmstate_core::VmState, ::core::clone::Clone, ::core::default::Default)]
    #[vmstate(from = "u64", into = "u64")]
    pub struct Stamp(pub u64);

    impl ::core::convert::From<u64> for Stamp {
        fn from(v: u64) -> Self {
            Stamp(v)
        }
    }

    impl ::core::convert::From<Stamp> for u64 {
        fn from(s: Stamp) -> u64 {
            s.0
        }
    }
}

#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "dev")]
struct Dev {
    #[vmstate(range = "Shadow { value: 0 }..Shadow { value: 100 }")]
    a: Shadow<u16>,
    b: [ViaMacro; 2],
    #[vmstate(immutable)]
    c: Sign,
    #[vmstate(max_len = 4)]
    d: Vec<Sign>,
    e: u64,
}

#[derive(VmState, Default)]
#[vmstate(name = "dev")]
struct Stamped {
    a: u16,
    b: [u8; 2],
    #[vmstate(immutable)]
    c: i32,
    #[vmstate(max_len = 4)]
    d: Vec<i32>,
    e: bare::Stamp,
}

fn main() {
    let src = Dev {
        a: Shadow { value: 7 },
        b: [ViaMacro(1), ViaMacro(2)],
        c: Sign::Negative,
        d: vec![Sign::Positive, Sign::Zero],
        e: 9,
    };
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    let mut dst = Stamped {
        c: -1,
        ..Stamped::default()
    };
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
    assert_eq!((dst.a, dst.b, &dst.d[..], dst.e.0), (7, [1, 2], &[1, 0][..], 9));
    let mut back = Dev {
        c: Sign::Negative,
        ..Dev::default()
    };
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&dst).unwrap()).unwrap();
    assert_eq!(back, src);
}
