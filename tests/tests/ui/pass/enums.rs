// Fieldless enums with an integer `repr` derive `VmState` as field types: they travel as
// their discriminant at that width, in arrays, `Vec`s, immutable fields and ranges, and a
// value that names no variant is refused.
#![deny(warnings)]
use vmstate_core::{ErrorKind, VmState};

#[derive(VmState, Debug, Clone, Copy, PartialEq, PartialOrd)]
#[repr(u8)]
enum Mode {
    Off = 0,
    On = 1,
    Fast = 5,
}

// Implicit discriminants continue from the explicit ones.
#[derive(VmState, Debug, Clone, Copy, PartialEq)]
#[repr(i16)]
enum Dir {
    Down = -1,
    Up = 1,
    Next,
}

#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "dev")]
struct Dev {
    #[vmstate(range = "Mode::Off..=Mode::On")]
    mode: Mode,
    #[vmstate(immutable)]
    dir: Dir,
    modes: [Mode; 2],
    #[vmstate(max_len = 4)]
    queue: Vec<Mode>,
}

mod odd {
    // Constants named like the generated code's locals would turn its bindings into
    // patterns; a deprecated variant is named by the generated code without a warning;
    // `repr` may carry other hints.
    #![allow(non_upper_case_globals, dead_code)]
    const value: u16 = 0;
    const at: usize = 0;
    const out: u8 = 0;
    const staged: u8 = 0;
    const items: u8 = 0;

    #[derive(vmstate_core::VmState, Debug, Clone, Copy, PartialEq)]
    #[repr(u16, align(4))]
    pub enum Wide {
        A = 0x100,
        #[deprecated(note = "use C")]
        B,
        C,
    }
}

// The same state as enums and as the integers of their `repr`: the same bytes in both
// formats (arrays and vectors of `i16` travel as fixed-width blocks natively).
#[derive(VmState)]
#[vmstate(name = "wide")]
struct WideEnums {
    one: Dir,
    dirs: [Dir; 3],
    #[vmstate(max_len = 4)]
    queue: Vec<Dir>,
}

#[derive(VmState)]
#[vmstate(name = "wide")]
struct WideInts {
    one: i16,
    dirs: [i16; 3],
    #[vmstate(max_len = 4)]
    queue: Vec<i16>,
}

fn dev() -> Dev {
    Dev {
        mode: Mode::Off,
        dir: Dir::Next,
        modes: [Mode::Off; 2],
        queue: Vec::new(),
    }
}

fn main() {
    let src = Dev {
        mode: Mode::On,
        modes: [Mode::Fast, Mode::Off],
        queue: vec![Mode::Fast, Mode::On],
        ..dev()
    };
    // QEMU's wire: the discriminants as bytes (the immutable `dir` is not on it).
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(qemu, [1, 5, 0, 0, 0, 0, 2, 5, 1]);
    let mut dst = dev();
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst, src);
    let native = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = dev();
    vmstate_core::from_bytes(&mut dst, &native).unwrap();
    assert_eq!(dst, src);

    // A byte that names no variant: refused, with the variants listed; nothing loaded.
    let mut bad = qemu.clone();
    bad[1] = 7;
    let mut dst = dev();
    let err = vmstate_core::qemu::from_bytes(&mut dst, &bad, 1, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidValue(_)));
    assert_eq!(
        err.to_string(),
        "dev.modes[0]: invalid value: 7 is not a `Mode` (Off = 0, On = 1, Fast = 5) (at byte 1)"
    );
    assert_eq!(dst, dev());
    // A variant outside the field's range.
    let mut fast = qemu.clone();
    fast[0] = 5;
    let err = vmstate_core::qemu::from_bytes(&mut dst, &fast, 1, 0).unwrap_err();
    assert!(err.to_string().contains("value Fast is outside"), "{err}");
    // An immutable enum that differs names both variants.
    let mut up = Dev {
        dir: Dir::Up,
        ..dev()
    };
    let err = vmstate_core::from_bytes(&mut up, &native).unwrap_err();
    assert!(
        err.to_string()
            .contains("stream has Next, destination has Up"),
        "{err}"
    );

    let enums = WideEnums {
        one: Dir::Down,
        dirs: [Dir::Up, Dir::Next, Dir::Down],
        queue: vec![Dir::Next, Dir::Up],
    };
    let ints = WideInts {
        one: -1,
        dirs: [1, 2, -1],
        queue: vec![2, 1],
    };
    let native = vmstate_core::to_bytes(&ints).unwrap();
    assert_eq!(vmstate_core::to_bytes(&enums).unwrap(), native);
    let qemu = vmstate_core::qemu::to_bytes(&ints).unwrap();
    assert_eq!(vmstate_core::qemu::to_bytes(&enums).unwrap(), qemu);
    let mut loaded = WideEnums {
        one: Dir::Up,
        dirs: [Dir::Up; 3],
        queue: Vec::new(),
    };
    vmstate_core::from_bytes(&mut loaded, &native).unwrap();
    assert_eq!(
        (loaded.one, loaded.dirs, &loaded.queue[..]),
        (enums.one, enums.dirs, &enums.queue[..])
    );
    // A bad element of a block is named by its index and offset.
    let bad = WideInts {
        dirs: [1, 2, 3],
        ..ints
    };
    let err = vmstate_core::qemu::from_bytes(
        &mut loaded,
        &vmstate_core::qemu::to_bytes(&bad).unwrap(),
        1,
        0,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "wide.dirs[2]: invalid value: 3 is not a `Dir` (Down = -1, Up = 1, Next = 2) (at byte 6)"
    );
    let bad = WideInts {
        queue: vec![2, 0],
        ..WideInts {
            one: -1,
            dirs: [1; 3],
            queue: Vec::new(),
        }
    };
    let err =
        vmstate_core::from_bytes(&mut loaded, &vmstate_core::to_bytes(&bad).unwrap()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("wide.queue[1]: invalid value: 0 is not a `Dir`"),
        "{err}"
    );
    assert_eq!(loaded.queue, enums.queue);

    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "odd")]
    struct Odd {
        wide: [odd::Wide; 2],
    }
    let src = Odd {
        wide: [odd::Wide::C, odd::Wide::A],
    };
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(bytes, [1, 2, 1, 0]);
    let mut dst = Odd {
        wide: [odd::Wide::A; 2],
    };
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
    assert_eq!(dst, src);
    let err = vmstate_core::qemu::from_bytes(&mut dst, &[0, 0, 1, 0], 1, 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "odd.wide[0]: invalid value: 0 is not a `Wide` (A = 256, B = 257, C = 258) (at byte 0)"
    );

    // Removed enum fields, wide ones too, are skipped as their `repr` would be.
    #[derive(VmState, Default)]
    #[vmstate(name = "gone")]
    struct Gone {
        #[vmstate(max_len = 8)]
        dirs: Vec<vmstate_core::Removed<Dir>>,
        last: u8,
    }
    let gone = Gone {
        dirs: vec![Default::default(); 3],
        last: 7,
    };
    let mut back = Gone::default();
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&gone).unwrap()).unwrap();
    assert_eq!((back.dirs.len(), back.last), (3, 7));

    // Described as its `repr`: QEMU's checker sees the integer it migrates.
    let field = &Dev::DESCRIPTION.fields[1];
    assert_eq!((field.rust_type, field.shape.qemu_size()), ("Dir", Some(2)));
}
