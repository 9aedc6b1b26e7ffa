//! Round trips of every supported field type, and every load error, in both codecs.

use vmstate_core::{ErrorKind, VmState};

#[derive(VmState, Debug, Clone, PartialEq, Default)]
#[vmstate(name = "inner", version = 2, minimum_version = 1)]
struct Inner {
    enabled: bool,
    words: [u16; 3],
}

#[derive(VmState, Debug, Clone, PartialEq, Default)]
#[vmstate(name = "all_types")]
struct AllTypes {
    b: bool,
    u8_: u8,
    u16_: u16,
    u32_: u32,
    u64_: u64,
    u128_: u128,
    i8_: i8,
    i16_: i16,
    i32_: i32,
    i64_: i64,
    i128_: i128,
    f32_: f32,
    f64_: f64,
    bytes: [u8; 5],
    grid: [[i32; 2]; 2],
    nested: Inner,
    nested_array: [Inner; 2],
    #[vmstate(max_len = 16)]
    fifo: Vec<u32>,
    #[vmstate(max_len = 8)]
    boxed: Box<[i16]>,
    #[vmstate(max_len = 32)]
    label: String,
}

fn sample() -> AllTypes {
    AllTypes {
        b: true,
        u8_: 0xfe,
        u16_: 0xbeef,
        u32_: 0xdead_beef,
        u64_: u64::MAX - 5,
        u128_: u128::MAX / 3,
        i8_: -7,
        i16_: -300,
        i32_: i32::MIN + 1,
        i64_: -1,
        i128_: i128::MIN / 7,
        f32_: -1.5,
        f64_: std::f64::consts::PI,
        bytes: [1, 2, 3, 4, 5],
        grid: [[-1, 2], [3, -4]],
        nested: Inner {
            enabled: true,
            words: [7, 8, 9],
        },
        nested_array: [
            Inner {
                enabled: false,
                words: [1; 3],
            },
            Inner {
                enabled: true,
                words: [65535; 3],
            },
        ],
        fifo: vec![1, 1 << 20, u32::MAX],
        boxed: vec![-1, 0, 1].into_boxed_slice(),
        label: "héllo".into(),
    }
}

/// Saves `src` in QEMU's format (`qemu`) or the native one and loads it into `dst`, at
/// version 1 for QEMU's (the native stream carries its version).
fn migrate<S: VmState, D: VmState>(
    src: &S,
    dst: &mut D,
    qemu: bool,
) -> Result<(), vmstate_core::Error> {
    if qemu {
        let bytes = vmstate_core::qemu::to_bytes(src).unwrap();
        vmstate_core::qemu::from_bytes(dst, &bytes, 1, 0)
    } else {
        vmstate_core::from_bytes(dst, &vmstate_core::to_bytes(src).unwrap())
    }
}

#[test]
fn native_round_trip_of_every_type() {
    let src = sample();
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = AllTypes::default();
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);
}

#[test]
fn qemu_round_trip_of_every_type() {
    let src = sample();
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    let mut dst = AllTypes::default();
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
    assert_eq!(dst, src);
}

#[test]
fn qemu_encoding_is_fixed_width_big_endian() {
    #[derive(VmState)]
    struct Regs {
        a: u32,
        b: u16,
        c: bool,
        d: [u8; 2],
        e: i64,
    }
    let bytes = vmstate_core::qemu::to_bytes(&Regs {
        a: 0x0102_0304,
        b: 0x0506,
        c: true,
        d: [7, 8],
        e: -2,
    })
    .unwrap();
    assert_eq!(
        bytes,
        [1, 2, 3, 4, 5, 6, 1, 7, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]
    );
    assert_eq!(Regs::DESCRIPTION.qemu_size(), Some(17));
}

/// Long blocks of words take the vectorized byte-swap path (64 elements and more): the bytes
/// must be the same big-endian words, and they must load back, in every width.
#[test]
fn long_qemu_word_blocks_are_big_endian() {
    #[derive(VmState, Debug, PartialEq)]
    struct Tables {
        a: [u32; 300],
        #[vmstate(max_len = 5000)]
        b: Vec<u16>,
        c: [i64; 65],
        d: [f64; 70],
        e: [u128; 64],
    }
    let src = Tables {
        a: std::array::from_fn(|i| (i as u32).wrapping_mul(2_654_435_761)),
        b: (0..4099u32).map(|i| (i * 40_503) as u16).collect(),
        c: std::array::from_fn(|i| -(i as i64) << 33 | i as i64),
        d: std::array::from_fn(|i| i as f64 / 3.0),
        e: std::array::from_fn(|i| u128::MAX / (i as u128 + 1)),
    };
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    let mut expected = Vec::new();
    expected.extend(src.a.iter().flat_map(|v| v.to_be_bytes()));
    expected.extend((src.b.len() as u32).to_be_bytes());
    expected.extend(src.b.iter().flat_map(|v| v.to_be_bytes()));
    expected.extend(src.c.iter().flat_map(|v| v.to_be_bytes()));
    expected.extend(src.d.iter().flat_map(|v| v.to_be_bytes()));
    expected.extend(src.e.iter().flat_map(|v| v.to_be_bytes()));
    assert!(bytes == expected, "big-endian words differ");
    let mut dst = Tables {
        a: [0; 300],
        b: Vec::new(),
        c: [0; 65],
        d: [0.0; 70],
        e: [0; 64],
    };
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
    assert_eq!(dst, src);
}

#[derive(VmState, Debug, Clone, PartialEq)]
struct Fifo<T, const N: usize> {
    data: [T; N],
    head: u32,
}

#[test]
fn generic_structs_round_trip() {
    let src = Fifo::<u8, 4> {
        data: [1, 2, 3, 4],
        head: 2,
    };
    let mut dst = Fifo::<u8, 4> {
        data: [0; 4],
        head: 0,
    };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    let src = Fifo::<Inner, 2> {
        data: [
            Inner::default(),
            Inner {
                enabled: true,
                words: [3; 3],
            },
        ],
        head: 1,
    };
    let mut dst = Fifo::<Inner, 2> {
        data: [Inner::default(), Inner::default()],
        head: 0,
    };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    assert_eq!(Fifo::<u32, 16>::DESCRIPTION.qemu_size(), Some(68));
    assert_eq!(Fifo::<u32, 16>::DESCRIPTION.name, "fifo");
}

#[test]
fn native_arrays_of_primitives_travel_as_blocks() {
    #[derive(VmState)]
    struct Ram {
        data: [u32; 1024],
    }
    let bytes = vmstate_core::to_bytes(&Ram {
        data: [u32::MAX; 1024],
    })
    .unwrap();
    // One fixed-width block: 4 bytes per element, not 5-byte varints.
    assert!(bytes.len() < 4096 + 20, "{}", bytes.len());
}

#[test]
fn the_schema_alone_decodes_every_type_in_both_formats() {
    // What `vmstate inspect` shows, from the description only, must be the values.
    let v = sample();
    let want = serde_json::json!({
        "b": true, "u8_": 0xfe, "u16_": 0xbeef, "u32_": 0xdead_beefu32, "u64_": u64::MAX - 5,
        "u128_": (u128::MAX / 3).to_string(), "i8_": -7, "i16_": -300, "i32_": i32::MIN + 1,
        "i64_": -1, "i128_": (i128::MIN / 7).to_string(), "f32_": -1.5, "f64_": std::f64::consts::PI,
        "bytes": "0102030405", "grid": [-1, 2, 3, -4], // as QEMU describes 2-D arrays: flat
        "nested": { "enabled": true, "words": [7, 8, 9] },
        "nested_array": [
            { "enabled": false, "words": [1, 1, 1] },
            { "enabled": true, "words": [65535, 65535, 65535] }
        ],
        "fifo": [1, 1 << 20, u32::MAX], "boxed": [-1, 0, 1], "label": "héllo",
    });
    assert_schema_decodes(&v, &want);
}

/// Decodes `v`'s section in both formats with nothing but its schema, as `vmstate inspect`
/// does: every byte used, the values `want`.
#[track_caller]
fn assert_schema_decodes<T: VmState>(v: &T, want: &serde_json::Value) {
    use vmstate_core::schema::{decode, Desc, Format};
    let desc = Desc::from_description(T::DESCRIPTION);
    let native = vmstate_core::to_bytes(v).unwrap();
    let frame = vmstate_core::read_frame(&native, 0).unwrap();
    let (got, used) = decode(&desc, Format::Native, frame.fields, 1, 0).unwrap();
    assert_eq!((&got, used), (want, frame.fields.len()));
    let qemu = vmstate_core::qemu::to_bytes(v).unwrap();
    let (got, used) = decode(&desc, Format::Qemu, &qemu, 1, 0).unwrap();
    assert_eq!((&got, used), (want, qemu.len()));
}

#[test]
fn the_schema_alone_decodes_vectors_of_arrays() {
    // `Vec<[T; N]>` was described as `varray:unknown` and could not be inspected.
    use vmstate_core::schema::Desc;
    #[derive(VmState)]
    #[vmstate(name = "ring")]
    struct Ring {
        #[vmstate(max_len = 4)]
        descs: Vec<[u16; 2]>,
        #[vmstate(max_len = 4)]
        macs: Vec<[u8; 3]>,
        #[vmstate(max_len = 2)]
        grids: Box<[[[i8; 2]; 2]]>,
        head: u8,
    }
    let ring = Ring {
        descs: vec![[1, 2], [3, 0xffff]],
        macs: vec![[0x52, 0x54, 0x00]],
        grids: vec![[[-1, 2], [3, -4]]].into_boxed_slice(),
        head: 7,
    };
    let desc = Desc::from_description(Ring::DESCRIPTION);
    let types: Vec<_> = desc.fields.iter().map(|f| f.wire_type.as_deref()).collect();
    assert_eq!(
        types,
        [
            Some("varray:uint16[2]"),
            Some("varray:uint8[3]"),
            Some("varray:int8[4]"),
            Some("uint8")
        ]
    );
    let want = serde_json::json!({
        "descs": [[1, 2], [3, 65535]], "macs": ["525400"], "grids": [[-1, 2, 3, -4]], "head": 7,
    });
    assert_schema_decodes(&ring, &want);
}

#[test]
fn the_schema_alone_decodes_evolution_and_configuration_fields() {
    use vmstate_core::schema::{decode, Desc, Format};
    use vmstate_core::{Removed, Unused};
    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev/irq")]
    struct Irq {
        level: u32,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev", version = 3, minimum_version = 1)]
    struct Dev {
        #[vmstate(immutable)]
        size: u64,
        cell: std::cell::Cell<u16>,
        old: Unused<2>,
        gone: Removed<u32>,
        gone_words: Removed<[u32; 2]>,
        gone_byte: Removed<u8>,
        gone_float: Removed<f32>,
        gone_each: [Removed<u64>; 3],
        flags: [bool; 3],
        #[vmstate(max_len = 8)]
        bools: Vec<bool>,
        #[vmstate(max_len = 8)]
        blob: Vec<u8>,
        #[vmstate(max_len = 8)]
        wide: Vec<u128>,
        board: [[Inner; 2]; 2],
        #[vmstate(since = 2)]
        added: i32,
        #[vmstate(max_len = 4)]
        ports: Vec<Inner>,
        #[vmstate(subsection, needed = "Self::always")]
        irq: Irq,
    }
    impl Dev {
        fn always(&self) -> bool {
            true
        }
    }
    let dev = Dev {
        size: 4096,
        cell: 9.into(),
        old: Default::default(),
        gone: Default::default(),
        gone_words: Default::default(),
        gone_byte: Default::default(),
        gone_float: Default::default(),
        gone_each: Default::default(),
        flags: [true, false, true],
        bools: vec![false, true],
        blob: vec![0xab, 0xcd],
        wide: vec![u128::MAX],
        board: Default::default(),
        added: -2,
        ports: vec![Inner {
            enabled: true,
            words: [1, 2, 3],
        }],
        irq: Irq { level: 1 },
    };
    let desc = Desc::from_description(Dev::DESCRIPTION);
    let ports = serde_json::json!([{ "enabled": true, "words": [1, 2, 3] }]);
    let inner = serde_json::json!({ "enabled": false, "words": [0, 0, 0] });
    let common = serde_json::json!({
        "flags": [true, false, true], "bools": [false, true], "blob": "abcd",
        "wide": [u128::MAX.to_string()], "board": [inner, inner, inner, inner],
    });
    let with_common = |mut v: serde_json::Value| {
        for (k, x) in common.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let native = vmstate_core::to_bytes(&dev).unwrap();
    let frame = vmstate_core::read_frame(&native, 0).unwrap();
    let (got, used) = decode(&desc, Format::Native, frame.fields, 3, 0).unwrap();
    let want = with_common(serde_json::json!({
        "size": 4096, "cell": 9, "added": -2, "ports": ports,
        "subsections": { "dev/irq": { "level": 1 } },
    }));
    assert_eq!((&got, used), (&want, frame.fields.len()));
    // QEMU's wire carries no immutable field.
    let qemu = vmstate_core::qemu::to_bytes(&dev).unwrap();
    let (got, used) = decode(&desc, Format::Qemu, &qemu, 3, 0).unwrap();
    let want = with_common(serde_json::json!({
        "cell": 9, "added": -2, "ports": ports,
        "subsections": { "dev/irq": { "level": 1 } },
    }));
    assert_eq!((&got, used), (&want, qemu.len()));
}

#[test]
fn descriptions_spell_field_types_as_written() {
    const DEPTH: usize = 4;
    #[derive(VmState)]
    struct Spelled {
        literal: [u8; 4],
        named: [u16; DEPTH],
        nested: [[u32; 2]; DEPTH],
        #[vmstate(max_len = 8)]
        vec: Vec<u8>,
        cell: std::cell::Cell<u32>,
    }
    let types: Vec<&str> = Spelled::DESCRIPTION
        .fields
        .iter()
        .map(|f| f.rust_type)
        .collect();
    assert_eq!(
        types,
        [
            "[u8; 4]",
            "[u16; DEPTH]",
            "[[u32; 2]; DEPTH]",
            "Vec<u8>",
            "std::cell::Cell<u32>"
        ]
    );
}

#[test]
fn native_subsections_end_with_a_marker_so_guest_data_cannot_spell_one() {
    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "timer")]
    struct Timer {
        count: u32,
    }
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "uart")]
    struct Uart {
        timer: Timer,
        fifo: [u8; 16],
    }
    // Guest bytes in the FIFO, right after the nested `timer`, spell a subsection header of
    // it: tag, name length, `timer/x`, version. Without an end marker they would be taken for
    // one ("unknown subsection `timer/x`") and the state could not be restored.
    let mut fifo = [0u8; 16];
    let spelled = b"\x05\x07timer/x\x01";
    fifo[..spelled.len()].copy_from_slice(spelled);
    let src = Uart {
        timer: Timer { count: 3 },
        fifo,
    };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let frame = vmstate_core::read_frame(&bytes, 0).unwrap();
    // count, the timer's end marker, the FIFO block, the uart's end marker.
    assert_eq!(frame.fields.len(), 1 + 1 + 16 + 1);
    assert_eq!((frame.fields[1], frame.fields[18]), (0, 0));
    let mut dst = Uart {
        timer: Timer::default(),
        fifo: [0; 16],
    };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);
}

/// The native section `section` with its field bytes replaced by `fields`, its length and
/// checksum made to match: only the decoder can tell what is wrong.
fn with_fields(section: &[u8], fields: &[u8]) -> Vec<u8> {
    let frame = vmstate_core::read_frame(section, 0).unwrap();
    let mut out = section[..frame.fields_offset - 4].to_vec();
    out.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    out.extend_from_slice(fields);
    out.extend_from_slice(&crc32fast::hash(&out).to_le_bytes());
    out
}

#[test]
fn a_subsection_tag_with_an_empty_name_says_the_fields_do_not_line_up() {
    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev")]
    struct Dev {
        reg: u8,
    }
    let bytes = vmstate_core::to_bytes(&Dev { reg: 1 }).unwrap();
    let frame = vmstate_core::read_frame(&bytes, 0).unwrap();
    assert_eq!(frame.fields, [1, 0]);
    // Where the end marker belongs, a subsection tag and a zero name length.
    let stream = with_fields(&bytes, &[1, 0x05, 0, 0]);
    let mut dst = Dev::default();
    let err = vmstate_core::from_bytes(&mut dst, &stream).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "dev: expected a subsection or the end of the subsections of `dev`, found a \
             subsection tag and an empty name: the stream's fields do not line up with this \
             build's (at byte {})",
            frame.fields_offset + 1
        )
    );
    assert_eq!(dst, Dev::default());
}

#[test]
fn a_native_subsection_sent_twice_is_refused() {
    use vmstate_core::schema::{decode, Desc, Format};
    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev/extra")]
    struct Extra {
        val: u8,
    }
    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev")]
    struct Dev {
        reg: u8,
        #[vmstate(subsection, needed = "Self::always")]
        extra: Extra,
    }
    impl Dev {
        fn always(&self) -> bool {
            true
        }
    }
    let src = Dev {
        reg: 1,
        extra: Extra { val: 2 },
    };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let frame = vmstate_core::read_frame(&bytes, 0).unwrap();
    // reg, then the subsection (tag, name, version, val, its end marker), then dev's marker.
    let sub = b"\x05\x09dev/extra\x01";
    let fields = frame.fields;
    assert_eq!(&fields[1..1 + sub.len()], sub);
    assert_eq!(&fields[1 + sub.len()..], [2, 0, 0]);
    // The same subsection again, with another value, before dev's end marker; resealed, so
    // only the decoder can tell.
    let mut twice = fields[..fields.len() - 1].to_vec();
    twice.extend_from_slice(sub);
    twice.extend_from_slice(&[7, 0, 0]);
    let stream = with_fields(&bytes, &twice);
    let mut dst = Dev::default();
    let err = vmstate_core::from_bytes(&mut dst, &stream).unwrap_err();
    let second_at = frame.fields_offset + fields.len() - 1;
    assert_eq!(
        err.to_string(),
        format!("dev: subsection `dev/extra` is sent a second time (at byte {second_at})")
    );
    assert_eq!(dst, Dev::default());
    // `vmstate inspect` decodes it with the schema, and refuses it too.
    let desc = Desc::from_description(Dev::DESCRIPTION);
    let err = decode(&desc, Format::Native, &twice, 1, 0).unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "subsection `dev/extra` is sent a second time (at byte {})",
            fields.len() - 1
        )),
        "{err}"
    );
    // The QEMU codec lets the later copy win, as QEMU's loader does.
    let mut qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    let qemu_sub = b"\x05\x09dev/extra\x00\x00\x00\x01";
    assert!(qemu.ends_with(&[&qemu_sub[..], &[2]].concat()));
    qemu.extend_from_slice(qemu_sub);
    qemu.push(7);
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst.extra.val, 7);
}

#[test]
fn an_exists_test_that_reads_migrated_fields_fails_the_load_it_would_misread() {
    // QEMU's `field_exists` sees the fields read so far; a staged load asks the test about
    // the destination before the load. Where the two answers differ, the fields behind the
    // test were read wrongly: the load fails, naming the test, instead of keeping them.
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "timer")]
    struct Timer {
        periodic: u8,
        #[vmstate(exists = "Self::is_periodic")]
        period: u32,
        #[vmstate(exists = "Self::is_oneshot")]
        deadline: u32,
    }
    impl Timer {
        fn is_periodic(&self, _version: u32) -> bool {
            self.periodic != 0
        }
        fn is_oneshot(&self, _version: u32) -> bool {
            self.periodic == 0
        }
    }
    let src = Timer {
        periodic: 1,
        period: 0x1111,
        deadline: 0,
    };
    let oneshot = Timer {
        periodic: 0,
        period: 0,
        deadline: 0x2222,
    };
    let streams = [
        (vmstate_core::to_bytes(&src).unwrap(), true),
        (vmstate_core::qemu::to_bytes(&src).unwrap(), false),
    ];
    let load = |dst: &mut Timer, bytes: &[u8], native: bool| match native {
        true => vmstate_core::from_bytes(dst, bytes),
        false => vmstate_core::qemu::from_bytes(dst, bytes, 1, 0),
    };
    for (bytes, native) in &streams {
        let mut dst = oneshot.clone();
        let err = load(&mut dst, bytes, *native).unwrap_err();
        assert_eq!(err.path(), "timer.period", "{err}");
        assert!(
            err.to_string().starts_with(
                "timer.period: refused by `Self::is_periodic`: the load read the field as \
                 absent, as this test said of the destination before the load, but it says \
                 present of the loaded state"
            ),
            "{err}"
        );
        assert_eq!(dst, oneshot, "a refused load changes nothing");
        // Into a destination whose test answers as the source's did, the load is right.
        let mut dst = Timer {
            periodic: 1,
            period: 0,
            deadline: 0,
        };
        load(&mut dst, bytes, *native).unwrap();
        assert_eq!(dst, src);
    }
}

// ---- load errors: typed, with the field path and the byte offset ----

#[derive(VmState, Debug, Clone, PartialEq, Default)]
#[vmstate(name = "dev", version = 3, minimum_version = 2)]
struct Dev {
    #[vmstate(immutable)]
    size: u32,
    regs: [u32; 2],
    inner: Inner,
}

fn dev_bytes() -> Vec<u8> {
    vmstate_core::to_bytes(&Dev {
        size: 1,
        regs: [5, 6],
        inner: Inner {
            enabled: true,
            words: [1, 2, 3],
        },
    })
    .unwrap()
}

fn dst() -> Dev {
    Dev {
        size: 1,
        ..Dev::default()
    }
}

#[test]
fn wrong_section_name() {
    let bytes = vmstate_core::to_bytes(&Inner::default()).unwrap();
    let mut d = dst();
    let err = vmstate_core::from_bytes(&mut d, &bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WrongSection { expected, found } if expected == "dev" && found == "inner")
    );
    assert!(
        err.to_string().contains("expected `dev`, found `inner`"),
        "{err}"
    );
    assert_eq!(d, dst());
}

/// A native section of `dev` built by hand: name, one-byte version, u32 LE length, the
/// fields and a valid checksum.
fn dev_section(version: u8, fields: &[u8]) -> Vec<u8> {
    let mut out = vec![3, b'd', b'e', b'v', version];
    out.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    out.extend_from_slice(fields);
    let crc = crc(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// A section of `dev` claiming `version`, with a valid checksum.
fn dev_section_with_version(version: u32) -> Vec<u8> {
    let good = dev_bytes();
    let frame = vmstate_core::read_frame(&good, 0).unwrap();
    dev_section(version as u8, frame.fields)
}

fn crc(bytes: &[u8]) -> u32 {
    // CRC-32 (IEEE), bit by bit: independent of the implementation under test.
    let mut c = !0u32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn version_too_new() {
    let mut d = dst();
    let err = vmstate_core::from_bytes(&mut d, &dev_section_with_version(4)).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TooNew { version: 4, max: 3 }),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("dev: version 4 is too new"),
        "{err}"
    );
    assert_eq!(d, dst());
}

#[test]
fn version_too_old() {
    let mut d = dst();
    let err = vmstate_core::from_bytes(&mut d, &dev_section_with_version(1)).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TooOld { version: 1, min: 2 }),
        "{err}"
    );
    assert_eq!(d, dst());
    // Versions inside the range load.
    vmstate_core::from_bytes(&mut d, &dev_section_with_version(2)).unwrap();
    assert_eq!(d.regs, [5, 6]);
}

#[test]
fn every_truncation_is_refused() {
    let bytes = dev_bytes();
    for len in 0..bytes.len() {
        let mut d = dst();
        let err = vmstate_core::from_bytes(&mut d, &bytes[..len]).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Truncated { .. }),
            "len {len}: {err}"
        );
        assert!(err.offset().is_some(), "len {len}: {err}");
        assert_eq!(d, dst());
    }
}

#[test]
fn truncated_fields_name_the_field_and_offset() {
    // A well-framed section whose field bytes stop inside `regs`.
    let good = dev_bytes();
    let frame = vmstate_core::read_frame(&good, 0).unwrap();
    let fields = &frame.fields[..2]; // size (1 byte varint) + 1 byte of regs
    let out = dev_section(3, fields);
    let mut d = dst();
    let err = vmstate_core::from_bytes(&mut d, &out).unwrap_err();
    assert_eq!(err.path(), "dev.regs");
    assert_eq!(err.offset(), Some(10));
    assert_eq!(
        err.to_string(),
        "dev.regs: input truncated: 8 bytes needed here, 1 left (at byte 10)"
    );
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = dev_bytes();
    let len = bytes.len();
    bytes.push(0);
    let mut d = dst();
    let err = vmstate_core::from_bytes(&mut d, &bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TrailingBytes { count: 1 }),
        "{err}"
    );
    assert_eq!(err.offset(), Some(len));
    assert_eq!(d, dst());
}

#[test]
fn trailing_bytes_inside_the_section_are_refused() {
    let good = dev_bytes();
    let frame = vmstate_core::read_frame(&good, 0).unwrap();
    let mut fields = frame.fields.to_vec();
    fields.extend_from_slice(&[9, 9]);
    let out = dev_section(3, &fields);
    let mut d = dst();
    let err = vmstate_core::from_bytes(&mut d, &out).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TrailingBytes { count: 2 }),
        "{err}"
    );
    assert_eq!(d, dst());
}

#[test]
fn every_bit_flip_is_refused_by_the_checksum() {
    let bytes = dev_bytes();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut bad = bytes.clone();
            bad[i] ^= 1 << bit;
            let mut d = dst();
            let err = vmstate_core::from_bytes(&mut d, &bad).unwrap_err();
            assert_eq!(d, dst(), "byte {i} bit {bit}: {err}");
        }
    }
    let mut bad = bytes.clone();
    let last = bad.len() - 6;
    bad[last] ^= 0x40; // inside the fields
    let err = vmstate_core::from_bytes(&mut dst(), &bad).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::BadChecksum { .. }), "{err}");
    assert!(err.to_string().contains("bad checksum"), "{err}");
}

/// Corruption is reported as corruption, whatever the decoder made of the corrupted bytes
/// (a wrong name, a bad bool, an immutable mismatch). Only a flip in the framing (name
/// length, version, length prefix), which says where the checksum lies, may instead be
/// reported as a framing error (truncated, a name length beyond any name, bad varint).
#[test]
fn every_bit_flip_reports_the_checksum() {
    let bytes = dev_bytes();
    let framing = 0..1 + "dev".len() + 1 + 4;
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut bad = bytes.clone();
            bad[i] ^= 1 << bit;
            let err = vmstate_core::from_bytes(&mut dst(), &bad).unwrap_err();
            let framing_error = matches!(
                err.kind(),
                ErrorKind::Truncated { .. } | ErrorKind::Format(_) | ErrorKind::InvalidVarint
            );
            assert!(
                matches!(err.kind(), ErrorKind::BadChecksum { .. })
                    || (framing_error && framing.contains(&i)),
                "byte {i} bit {bit}: {err}"
            );
        }
    }
}

/// Blocks of every element width at lengths around the sizes where the codec changes how it
/// copies and hashes them (16 KiB: hashed as they are copied; multiples of 256 bytes: the
/// one-pass loop, when the CPU has it, and its tail): each round-trips, the stored checksum
/// is the CRC-32 of the section, and a flipped byte in the block is refused.
#[test]
fn blocks_of_every_width_round_trip_at_the_copy_paths_edges() {
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "widths")]
    struct Widths {
        odd: u8,
        #[vmstate(max_len = 70000)]
        bytes: Vec<u8>,
        #[vmstate(max_len = 70000)]
        halves: Vec<u16>,
        #[vmstate(max_len = 70000)]
        words: Vec<i32>,
        #[vmstate(max_len = 70000)]
        doubles: Vec<f64>,
        #[vmstate(max_len = 70000)]
        wide: Vec<u128>,
    }
    for bytes in [16_383, 16_384, 16_385, 16_384 + 255, 16_640, 16_641, 65_537] {
        let src = Widths {
            odd: 7,
            bytes: (0..bytes).map(|i| (i * 13 % 251) as u8).collect(),
            halves: (0..bytes / 2).map(|i| (i * 31) as u16).collect(),
            words: (0..bytes / 4)
                .map(|i| (i as i32).wrapping_mul(-7919))
                .collect(),
            doubles: (0..bytes / 8).map(|i| i as f64 / 3.0).collect(),
            wide: (0..bytes / 16)
                .map(|i| (i as u128) << 70 | i as u128)
                .collect(),
        };
        let section = vmstate_core::to_bytes(&src).unwrap();
        let (covered, stored) = section.split_at(section.len() - 4);
        assert_eq!(stored, crc(covered).to_le_bytes(), "{bytes} bytes");
        let mut dst = Widths::default();
        vmstate_core::from_bytes(&mut dst, &section).unwrap();
        assert_eq!(dst, src, "{bytes} bytes");
        for at in [
            20,
            bytes / 2,
            bytes + 40,
            section.len() / 2,
            section.len() - 50,
        ] {
            let mut bad = section.clone();
            bad[at] ^= 0x01;
            let mut dst = Widths::default();
            let err = vmstate_core::from_bytes(&mut dst, &bad).unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::BadChecksum { .. }),
                "{bytes} bytes, flip at {at}: {err}"
            );
            assert_eq!(dst, Widths::default());
        }
    }
}

/// Large blocks are checksummed chunk by chunk while they are copied out: a flip anywhere in
/// or between them is still refused, with nothing changed.
#[test]
fn large_blocks_are_checksummed_as_they_are_read() {
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "big")]
    struct Big {
        head: u16,
        #[vmstate(max_len = 1048576)]
        ram: Vec<u8>,
        table: [u32; 9000],
        #[vmstate(max_len = 100000)]
        words: Vec<u64>,
        #[vmstate(max_len = 65536)]
        label: String,
        tail: bool,
    }
    let src = Big {
        head: 300,
        ram: (0..200_000u32).map(|i| (i * 7 % 253) as u8).collect(),
        table: std::array::from_fn(|i| (i as u32).wrapping_mul(2_654_435_761)),
        words: (0..5000u64).map(|i| i << 40 | i).collect(),
        label: "x".repeat(20_000),
        tail: true,
    };
    let empty = Big {
        head: 0,
        ram: Vec::new(),
        table: [0; 9000],
        words: Vec::new(),
        label: String::new(),
        tail: false,
    };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    // The checksum hashed piece by piece while saving is the CRC-32 of the whole section.
    let (covered, stored) = bytes.split_at(bytes.len() - 4);
    assert_eq!(stored, crc(covered).to_le_bytes());
    let mut dst = empty.clone();
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);
    vmstate_core::check_section(&empty, &bytes, 0).unwrap();

    // Positions at chunk edges, inside each block and in the small fields between them.
    let mut positions: Vec<usize> = (0..bytes.len()).step_by(4093).collect();
    positions.extend([0, 7, 12, 4095, 4096, 4097, bytes.len() - 5, bytes.len() - 1]);
    for i in positions {
        let mut bad = bytes.clone();
        bad[i] ^= 0x10;
        let mut dst = empty.clone();
        let err = vmstate_core::from_bytes(&mut dst, &bad).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::BadChecksum { .. } | ErrorKind::Truncated { .. }
            ),
            "byte {i}: {err}"
        );
        assert_eq!(dst, empty, "byte {i}");
        assert!(vmstate_core::check_section(&empty, &bad, 0).is_err());
    }

    // Cut short anywhere, in or between the blocks: truncated input, nothing changed.
    let mut lengths: Vec<usize> = (0..bytes.len()).step_by(3001).collect();
    lengths.extend([bytes.len() - 1, bytes.len() - 4, bytes.len() - 5]);
    for len in lengths {
        let mut dst = empty.clone();
        let err = vmstate_core::from_bytes(&mut dst, &bytes[..len]).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Truncated { .. }),
            "cut at {len}: {err}"
        );
        assert_eq!(dst, empty, "cut at {len}");
    }
}

#[test]
fn immutable_mismatch_names_field_and_both_values() {
    let mut d = Dev {
        size: 2,
        ..Dev::default()
    };
    let err = vmstate_core::from_bytes(&mut d, &dev_bytes()).unwrap_err();
    assert_eq!(err.path(), "dev.size");
    assert_eq!(
        err.to_string(),
        "dev.size: immutable field differs: stream has 1, destination has 2 (at byte 9)"
    );
    assert_eq!(
        d,
        Dev {
            size: 2,
            ..Dev::default()
        }
    );
}

#[test]
fn invalid_bool_names_the_nested_field() {
    let mut d = Inner::default();
    let err = vmstate_core::qemu::from_bytes(&mut d, &[2, 0, 0, 0, 0, 0, 0], 2, 100).unwrap_err();
    assert_eq!(
        err.to_string(),
        "inner.enabled: invalid bool byte 0x02 (at byte 100)"
    );
}

#[test]
fn vec_longer_than_max_len_is_refused_before_allocating() {
    #[derive(VmState, Debug, Default)]
    #[vmstate(name = "buf")]
    struct Buf {
        #[vmstate(max_len = 4)]
        data: Vec<u8>,
    }
    // QEMU codec: be32 length 0xffffffff, then nothing.
    let mut d = Buf::default();
    let err = vmstate_core::qemu::from_bytes(&mut d, &[0xff, 0xff, 0xff, 0xff], 1, 0).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::TooLong {
                len: 0xffff_ffff,
                max_len: 4
            }
        ),
        "{err}"
    );
    assert_eq!(err.path(), "buf.data");
    // Within max_len but longer than the input: refused as truncated, also before allocating.
    let err = vmstate_core::qemu::from_bytes(&mut d, &[0, 0, 0, 3, 1], 1, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Truncated { .. }), "{err}");
    assert!(d.data.is_empty());
}

/// A free function of the same name as a method is another function; `<Self>::f` is `Self::f`.
fn recompute(d: &mut Spelled) {
    d.a = d.x + 1;
}

/// A type of the same name as the struct, elsewhere: its `recompute` is another function.
mod legacy {
    pub struct Spelled;
    impl Spelled {
        pub fn recompute(d: &mut super::Spelled) {
            d.f = d.x + 3;
        }
    }
}

#[derive(VmState, Default, Debug)]
struct Spelled {
    x: u32,
    #[vmstate(derived = "recompute")]
    a: u32,
    #[vmstate(derived = "Self::recompute")]
    b: u32,
    #[vmstate(derived = "Self::count")]
    c: u32,
    #[vmstate(derived = "<Self>::count")]
    d: u32,
    #[vmstate(derived = "< Spelled >::count")]
    e: u32,
    #[vmstate(derived = "legacy::Spelled::recompute")]
    f: u32,
    #[vmstate(skip)]
    calls: u32,
}

impl Spelled {
    fn recompute(&mut self) {
        self.b = self.x + 2;
    }
    fn count(&mut self) {
        self.calls += 1;
        (self.c, self.d, self.e) = (self.calls, self.calls, self.calls);
    }
}

#[test]
fn each_derived_function_runs_once_however_it_is_spelt() {
    let src = Spelled {
        x: 10,
        ..Default::default()
    };
    let mut dst = Spelled::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!((dst.a, dst.b, dst.f, dst.calls), (11, 12, 13, 1));
    assert_eq!((dst.c, dst.d, dst.e), (1, 1, 1));
}

/// A trait's method of the same name, through an alias whose path, without spaces, reads as
/// the struct's name (`<H as Irq>` against `HasIrq`): another function.
trait Irq {
    fn update(&mut self);
}

type H = HasIrq;

#[derive(VmState, Default, Debug)]
struct HasIrq {
    level: u32,
    mask: u32,
    #[vmstate(derived = "Self::update")]
    pending: bool,
    #[vmstate(derived = "<H as Irq>::update")]
    irq_out: bool,
}

impl HasIrq {
    fn update(&mut self) {
        self.pending = self.level != 0;
    }
}

impl Irq for HasIrq {
    fn update(&mut self) {
        self.irq_out = self.level & self.mask != 0;
    }
}

#[test]
fn a_trait_method_through_an_alias_is_not_the_struct_s_method_of_that_name() {
    let src = HasIrq {
        level: 1,
        mask: 1,
        pending: true,
        irq_out: true,
    };
    let mut dst = HasIrq::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!((dst.pending, dst.irq_out), (true, true));
    let mut dst = HasIrq::default();
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
    assert_eq!((dst.pending, dst.irq_out), (true, true));
}

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "desc", pre_load = "Self::before", validate = "Self::check")]
struct Desc {
    len: u32,
    #[vmstate(skip)]
    pre_loaded: bool,
}

impl Desc {
    fn before(&mut self) {
        self.pre_loaded = true;
    }
    fn check(&self) -> Result<(), std::io::Error> {
        if self.len > 64 {
            return Err(std::io::Error::other(
                "descriptor longer than the ring's buffers",
            ));
        }
        Ok(())
    }
}

#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "ring")]
struct Ring {
    #[vmstate(max_len = 8)]
    descs: Vec<Desc>,
}

#[test]
fn vec_elements_run_their_own_pre_load_and_validate() {
    let src = Ring {
        descs: vec![Desc {
            len: 8,
            pre_loaded: false,
        }],
    };
    let mut dst = Ring { descs: Vec::new() };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(
        dst.descs,
        [Desc {
            len: 8,
            pre_loaded: true
        }]
    );
    // An element its own `validate` refuses fails the load, in both formats, and the
    // destination is unchanged.
    let bad = Ring {
        descs: vec![
            Desc::default(),
            Desc {
                len: 99,
                pre_loaded: false,
            },
        ],
    };
    let e = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&bad).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("descs[1]") && e.contains("longer than the ring's buffers"),
        "{e}"
    );
    let qemu = vmstate_core::qemu::to_bytes(&bad).unwrap();
    assert!(vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).is_err());
    assert_eq!(
        dst.descs,
        [Desc {
            len: 8,
            pre_loaded: true
        }]
    );
}

#[test]
fn hooks_run_in_order_and_their_errors_name_them() {
    use std::fmt;
    #[derive(Debug)]
    struct Refused;
    impl fmt::Display for Refused {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("refused by the device")
        }
    }
    impl std::error::Error for Refused {}

    #[derive(VmState, Debug, Default)]
    #[vmstate(name = "hooked", post_load = "Self::post", pre_save = "Self::pre")]
    struct Hooked {
        reg: u32,
        #[vmstate(derived = "Self::first")]
        a: u32,
        #[vmstate(derived = "Self::second")]
        b: u32,
        // The same function, spelt with the type's name.
        #[vmstate(derived = "Hooked::first")]
        c: u32,
        #[vmstate(skip)]
        log: Vec<&'static str>,
    }
    impl Hooked {
        fn pre(&self) -> Result<(), Refused> {
            if self.reg == 13 {
                Err(Refused)
            } else {
                Ok(())
            }
        }
        fn first(&mut self) {
            self.log.push("first");
            self.a = self.reg + 1;
            self.c = self.reg + 3;
        }
        fn second(&mut self) {
            self.log.push("second");
            self.b = self.reg + 2;
        }
        fn post(&mut self) -> Result<(), Refused> {
            self.log.push("post");
            if self.reg == 7 {
                Err(Refused)
            } else {
                Ok(())
            }
        }
    }

    let bytes = vmstate_core::to_bytes(&Hooked {
        reg: 10,
        ..Default::default()
    })
    .unwrap();
    let mut d = Hooked::default();
    vmstate_core::from_bytes(&mut d, &bytes).unwrap();
    assert_eq!(
        d.log,
        ["first", "second", "post"],
        "each distinct function once, then post_load"
    );
    assert_eq!((d.a, d.b, d.c), (11, 12, 13));

    let err = vmstate_core::to_bytes(&Hooked {
        reg: 13,
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "hooked: hook `Self::pre` failed: refused by the device"
    );

    // A failing post_load: the old registers come back and derived state is recomputed.
    let bytes = vmstate_core::to_bytes(&Hooked {
        reg: 7,
        ..Default::default()
    })
    .unwrap();
    let mut d = Hooked {
        reg: 1,
        ..Default::default()
    };
    let err = vmstate_core::from_bytes(&mut d, &bytes).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Hook {
                hook: "Self::post",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(d.reg, 1);
    assert_eq!((d.a, d.b, d.c), (2, 3, 4));
}

#[test]
fn immutable_floats_are_compared_by_their_bits() {
    #[derive(vmstate_core::VmState, Debug, Clone, Copy)]
    #[vmstate(name = "display")]
    struct Display {
        #[vmstate(immutable)]
        scale: f32,
        #[vmstate(immutable)]
        gamma: [f64; 2],
        frame: u32,
    }
    // A NaN configuration migrates (NaN != NaN as numbers, but the same bits).
    let src = Display {
        scale: f32::NAN,
        gamma: [f64::NAN, 1.0],
        frame: 7,
    };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = Display { frame: 0, ..src };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst.frame, 7);
    // -0.0 and 0.0 are different bytes on the wire, so a different configuration.
    let src = Display {
        scale: -0.0,
        gamma: [0.0, 1.0],
        frame: 7,
    };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = Display {
        scale: 0.0,
        frame: 0,
        ..src
    };
    let err = vmstate_core::from_bytes(&mut dst, &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("display.scale: immutable field differs"),
        "{err}"
    );
    assert_eq!(dst.frame, 0);
}

#[test]
fn a_subsection_belongs_to_the_struct_whose_name_ends_at_the_slash() {
    // `timer` is a prefix of `timer_block/irq`, and `dev/b` of `dev/bc`: by QEMU's bare-prefix
    // test the nested struct would claim the outer struct's subsection and the load fail.
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "timer")]
    struct Timer {
        count: u32,
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "timer_block/irq")]
    struct Irq {
        line: u8,
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "timer_block")]
    struct TimerBlock {
        timers: [Timer; 2],
        #[vmstate(subsection, needed = "Self::always")]
        irq: Irq,
    }
    impl TimerBlock {
        fn always(&self) -> bool {
            true
        }
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "dev/b")]
    struct B {
        b: u8,
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "dev/bc")]
    struct Bc {
        bc: u8,
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "dev")]
    struct Dev {
        x: u8,
        #[vmstate(subsection, needed = "Self::always")]
        b: B,
        #[vmstate(subsection, needed = "Self::always")]
        bc: Bc,
    }
    impl Dev {
        fn always(&self) -> bool {
            true
        }
    }
    let block = TimerBlock {
        timers: [Timer { count: 1 }, Timer { count: 2 }],
        irq: Irq { line: 3 },
    };
    let dev = Dev {
        x: 1,
        b: B { b: 2 },
        bc: Bc { bc: 3 },
    };
    let mut got = TimerBlock::default();
    vmstate_core::from_bytes(&mut got, &vmstate_core::to_bytes(&block).unwrap()).unwrap();
    assert_eq!(got, block);
    let mut got = TimerBlock::default();
    let qemu = vmstate_core::qemu::to_bytes(&block).unwrap();
    vmstate_core::qemu::from_bytes(&mut got, &qemu, 1, 0).unwrap();
    assert_eq!(got, block);
    let mut got = Dev::default();
    vmstate_core::from_bytes(&mut got, &vmstate_core::to_bytes(&dev).unwrap()).unwrap();
    assert_eq!(got, dev);
    let mut got = Dev::default();
    let qemu = vmstate_core::qemu::to_bytes(&dev).unwrap();
    vmstate_core::qemu::from_bytes(&mut got, &qemu, 1, 0).unwrap();
    assert_eq!(got, dev);
}

#[test]
fn subsections_named_without_a_slash_load_as_in_qemu() {
    // QEMU's loader takes a subsection for a struct's when its name starts with the struct's
    // (`arm_gic_virt_state` under `arm_gic`). Here the nested `gic.irq` loads last before
    // `gic`'s subsection `gic.virt`: it takes its own `gic.irq.extra`, and leaves `gic.virt`,
    // which does not start with its name, to `gic`.
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "gic.irq.extra")]
    struct Extra {
        e: u8,
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "gic.irq")]
    struct Irq {
        line: u8,
        #[vmstate(subsection, needed = "Self::extra_needed")]
        extra: Extra,
    }
    impl Irq {
        fn extra_needed(&self) -> bool {
            self.extra.e != 0
        }
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "gic_virt_state")]
    struct Virt {
        v: u8,
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "gic")]
    struct Gic {
        irq: Irq,
        #[vmstate(subsection, needed = "Self::virt_needed")]
        virt: Virt,
    }
    impl Gic {
        fn virt_needed(&self) -> bool {
            self.virt.v != 0
        }
    }
    for (e, v) in [(0, 0), (1, 0), (0, 2), (1, 2)] {
        let gic = Gic {
            irq: Irq {
                line: 7,
                extra: Extra { e },
            },
            virt: Virt { v },
        };
        let qemu = vmstate_core::qemu::to_bytes(&gic).unwrap();
        let virt_at = qemu.windows(14).position(|w| w == b"gic_virt_state");
        assert_eq!(virt_at.is_some(), v != 0, "{qemu:02x?}");
        let mut got = Gic::default();
        vmstate_core::qemu::from_bytes(&mut got, &qemu, 1, 0).unwrap();
        assert_eq!(got, gic);
        let mut got = Gic::default();
        vmstate_core::from_bytes(&mut got, &vmstate_core::to_bytes(&gic).unwrap()).unwrap();
        assert_eq!(got, gic);
    }
    // A newer release's subsection of either struct is refused by name, on QEMU's wire too
    // (there `gic` leaves it over when it does not know it).
    let gic = Gic {
        irq: Irq::default(),
        virt: Virt { v: 2 },
    };
    let mut newer = vmstate_core::qemu::to_bytes(&gic).unwrap();
    let at = newer
        .windows(14)
        .position(|w| w == b"gic_virt_state")
        .unwrap();
    newer[at + 4] = b'V';
    let mut got = Gic::default();
    let err = vmstate_core::qemu::from_bytes(&mut got, &newer, 1, 0).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnknownSubsection(name) if name == "gic_Virt_state"),
        "{err}"
    );
    assert_eq!(err.offset(), Some(at - 2), "{err}");
    assert_eq!(got, Gic::default());
}

#[test]
fn a_vector_of_zero_sized_elements_round_trips_in_last_place() {
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "marks")]
    struct Marks {
        x: u8,
        #[vmstate(max_len = 8)]
        marks: Vec<[u8; 0]>,
    }
    let src = Marks {
        x: 1,
        marks: vec![[]; 3],
    };
    let mut dst = Marks::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    let mut dst = Marks::default();
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst, src);
}

#[test]
fn undoing_a_load_recomputes_every_derived_field_even_if_a_hook_fails_again() {
    // Inner's post_load refuses v == 0, the state of a device never loaded; B's refuses
    // a == 99. Loading a == 99 into such a device fails in B's post_load; when the old
    // values are restored, Inner's post_load fails again on v == 0, and B's derived `a2`
    // must still be recomputed from the restored `a`.
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "inner", post_load = "Self::post")]
    struct Inner {
        v: u32,
    }
    impl Inner {
        fn post(&mut self) -> Result<(), std::io::Error> {
            if self.v == 0 {
                return Err(std::io::Error::other("inner v is 0"));
            }
            Ok(())
        }
    }
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "b", post_load = "Self::post")]
    struct B {
        inner: Inner,
        a: u32,
        #[vmstate(derived = "Self::derive")]
        a2: u32,
    }
    impl B {
        fn derive(&mut self) {
            self.a2 = self.a + 1000;
        }
        fn post(&mut self) -> Result<(), std::io::Error> {
            if self.a == 99 {
                return Err(std::io::Error::other("a is 99"));
            }
            Ok(())
        }
    }
    let src = B {
        inner: Inner { v: 5 },
        a: 99,
        a2: 1099,
    };
    let before = B {
        inner: Inner { v: 0 },
        a: 1,
        a2: 1001,
    };
    for qemu in [false, true] {
        let mut dst = before.clone();
        let err = migrate(&src, &mut dst, qemu).unwrap_err();
        assert!(err.to_string().contains("a is 99"), "{err}");
        assert_eq!(dst, before, "qemu format: {qemu}");
    }
}

/// A field the input lacks keeps the destination's value, and a failed load restores it
/// even when `post_load` wrote over it first (QEMU's pattern: fill in what an old stream
/// lacks in `post_load`); what `pre_load` set in it is the value kept.
#[test]
fn a_failed_post_load_in_an_array_of_structs_leaves_no_derived_state_of_the_refused_input() {
    // Element 1's `post_load` refuses an odd register. The undo runs every element's derived
    // function and `post_load` again over the restored values, also those after one that
    // fails there (the destination's element 0 is odd too): found by a probe, the later
    // elements kept `der` computed from the refused input.
    #[derive(Debug)]
    struct Odd;
    impl std::fmt::Display for Odd {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("odd")
        }
    }
    impl std::error::Error for Odd {}
    #[derive(VmState, Debug, Default, Clone, PartialEq)]
    #[vmstate(name = "el", post_load = "Self::even")]
    struct El {
        reg: u32,
        #[vmstate(derived = "Self::recompute")]
        der: u32,
    }
    impl El {
        fn recompute(&mut self) {
            self.der = self.reg * 10;
        }
        fn even(&mut self) -> Result<(), Odd> {
            match self.reg % 2 {
                0 => Ok(()),
                _ => Err(Odd),
            }
        }
    }
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "dev")]
    struct Dev {
        els: [El; 3],
        boxed: Box<[El; 2]>,
    }
    let el = |reg| El { reg, der: reg * 10 };
    let src = Dev {
        els: [el(2), el(3), el(4)],
        boxed: Box::new([el(6), el(7)]),
    };
    let before = Dev {
        els: [el(1), el(10), el(12)],
        boxed: Box::new([el(15), el(16)]),
    };
    for native in [true, false] {
        let mut dst = before.clone();
        let err = match native {
            true => vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()),
            false => vmstate_core::qemu::from_bytes(
                &mut dst,
                &vmstate_core::qemu::to_bytes(&src).unwrap(),
                1,
                0,
            ),
        }
        .unwrap_err();
        assert_eq!(err.path(), "dev.els[1]", "{err}");
        assert_eq!(dst, before, "native: {native}");
    }
}

#[test]
fn a_failed_post_load_restores_the_fields_the_input_lacked_too() {
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "timer/extra")]
    struct Extra {
        mode: u8,
        regs: [u16; 2],
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(
        name = "timer",
        version = 2,
        minimum_version = 1,
        pre_load = "Self::pre",
        post_load = "Self::post"
    )]
    struct Timer {
        ctrl: u32,
        #[vmstate(since = 2)]
        prescale: u32,
        #[vmstate(since = 2, max_len = 4)]
        name: String,
        #[vmstate(since = 2, max_len = 4)]
        fifo: Vec<u16>,
        #[vmstate(exists = "Self::has_limit")]
        limit: [u16; 2],
        #[vmstate(subsection, needed = "Self::extra_needed")]
        extra: Extra,
        #[vmstate(skip)]
        pre_loads: u32,
    }
    impl Timer {
        fn pre(&mut self) {
            self.pre_loads += 1;
            if self.ctrl == 5 {
                self.prescale = 77; // QEMU's pre_load default for a field an old stream lacks
            }
        }
        fn post(&mut self) -> Result<(), std::io::Error> {
            // Fill in what an old stream lacks, then refuse a mode: the fill-ins must go.
            self.prescale += 1 << (self.ctrl & 3);
            self.name.push('!');
            self.limit[1] = 0xffff;
            self.extra.mode = 9;
            self.extra.regs[0] += 1;
            self.fifo.push(5);
            match self.ctrl & 0x80 {
                0 => Ok(()),
                _ => Err(std::io::Error::other("unsupported mode")),
            }
        }
        fn has_limit(&self, version: u32) -> bool {
            version >= 2
        }
        fn extra_needed(&self) -> bool {
            self.extra.mode != 0
        }
    }
    #[derive(VmState)]
    #[vmstate(name = "timer", version = 1)]
    struct TimerV1 {
        ctrl: u32,
    }
    let before = Timer {
        ctrl: 5,
        prescale: 3,
        name: "t0".into(),
        fifo: vec![1],
        limit: [1, 2],
        extra: Extra {
            mode: 1,
            regs: [3, 4],
        },
        pre_loads: 0,
    };
    let old = TimerV1 { ctrl: 0x83 };
    for qemu in [false, true] {
        let mut dst = before.clone();
        let err = migrate(&old, &mut dst, qemu).unwrap_err();
        assert!(err.to_string().contains("unsupported mode"), "{err}");
        // Restored, then `post_load` ran over the restored values again (and passed: each
        // fill-in once, from `ctrl` 5, not from the refused 0x83 as well); the `pre_load`
        // hook's own change to `prescale` stays, as documented.
        let expected = Timer {
            prescale: 77 + (1 << 1),
            name: "t0!".into(),
            fifo: vec![1, 5],
            limit: [1, 0xffff],
            extra: Extra {
                mode: 9,
                regs: [4, 4],
            },
            pre_loads: 1,
            ..before.clone()
        };
        assert_eq!(dst, expected, "qemu format: {qemu}");
    }
}

/// The same inside a subsection the input carried, for a `Vec` of structs and a boxed array;
/// a struct with a skipped field cannot copy itself and keeps what the hook wrote.
#[test]
fn a_failed_post_load_restores_absent_parts_at_any_depth() {
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "entry")]
    struct Entry {
        v: u8,
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "host")]
    struct Host {
        x: u8,
        #[vmstate(skip)]
        cache: u8,
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "dev/sub")]
    struct Sub {
        a: u8,
        #[vmstate(exists = "Self::never")]
        hidden: u16,
    }
    impl Sub {
        fn never(&self, _version: u32) -> bool {
            false
        }
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(
        name = "dev",
        version = 2,
        minimum_version = 1,
        post_load = "Self::post"
    )]
    struct Dev {
        ctrl: u8,
        #[vmstate(subsection, needed = "Self::always")]
        sub: Sub,
        #[vmstate(since = 2, max_len = 4)]
        entries: Vec<Entry>,
        #[vmstate(since = 2)]
        rom: Box<[u8; 32]>,
        #[vmstate(since = 2)]
        host: Host,
    }
    impl Dev {
        fn always(&self) -> bool {
            true
        }
        fn post(&mut self) -> Result<(), std::io::Error> {
            self.sub.hidden += 1;
            self.entries.push(Entry { v: 7 });
            self.rom[0] += 1;
            self.host.x += 1;
            match self.ctrl {
                0x80 => Err(std::io::Error::other("unsupported mode")),
                _ => Ok(()),
            }
        }
    }
    #[derive(VmState)]
    #[vmstate(name = "dev/sub")]
    struct SubV1 {
        a: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev", version = 1)]
    struct DevV1 {
        ctrl: u8,
        #[vmstate(subsection, needed = "Self::always")]
        sub: SubV1,
    }
    impl DevV1 {
        fn always(&self) -> bool {
            true
        }
    }
    let before = Dev {
        ctrl: 1,
        sub: Sub { a: 2, hidden: 10 },
        entries: vec![Entry { v: 1 }],
        rom: Box::new([20; 32]),
        host: Host { x: 30, cache: 3 },
    };
    let old = DevV1 {
        ctrl: 0x80,
        sub: SubV1 { a: 4 },
    };
    for qemu in [false, true] {
        let mut dst = before.clone();
        let err = migrate(&old, &mut dst, qemu).unwrap_err();
        assert!(err.to_string().contains("unsupported mode"), "{err}");
        // Restored, and `post_load` ran once over the restored values.
        let mut rom = [20; 32];
        rom[0] = 21;
        let expected = Dev {
            sub: Sub { a: 2, hidden: 11 },
            entries: vec![Entry { v: 1 }, Entry { v: 7 }],
            rom: Box::new(rom),
            // Cannot copy itself (a skipped field): both runs' writes stay.
            host: Host { x: 32, cache: 3 },
            ..before.clone()
        };
        assert_eq!(dst, expected, "qemu format: {qemu}");
    }
}

/// The copies are for the undo only: a load that succeeds leaves what the input lacked where
/// it is (a box keeps its address, a vector its buffer), and a value with a `Drop` of its own
/// is never copied, so no `Drop` runs for a copy of it.
#[test]
fn a_successful_load_leaves_what_the_input_lacked_in_place() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "timer")]
    struct Timer {
        id: u32,
    }
    impl Drop for Timer {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(
        name = "dev",
        version = 2,
        minimum_version = 1,
        post_load = "Self::post"
    )]
    struct Dev {
        a: u8,
        #[vmstate(since = 2)]
        rom: Box<[u8; 32]>,
        #[vmstate(since = 2, max_len = 64)]
        fifo: Vec<u32>,
        #[vmstate(since = 2)]
        timer: Timer,
    }
    impl Dev {
        fn post(&mut self) -> Result<(), std::io::Error> {
            self.timer.id += 1;
            match self.a {
                0x80 => Err(std::io::Error::other("refused")),
                _ => Ok(()),
            }
        }
    }
    #[derive(VmState)]
    #[vmstate(name = "dev", version = 1)]
    struct DevV1 {
        a: u8,
    }
    for qemu in [false, true] {
        let mut dst = Dev {
            a: 1,
            rom: Box::new([7; 32]),
            fifo: Vec::with_capacity(64),
            timer: Timer { id: 10 },
        };
        dst.fifo.push(3);
        let (rom, fifo) = (&*dst.rom as *const [u8; 32], dst.fifo.as_ptr());
        let load = |dst: &mut Dev, a| migrate(&DevV1 { a }, dst, qemu);
        DROPS.store(0, Ordering::SeqCst);
        load(&mut dst, 2).unwrap();
        assert_eq!((dst.a, dst.timer.id), (2, 11));
        assert!(std::ptr::eq(rom, &*dst.rom) && fifo == dst.fifo.as_ptr());
        assert_eq!(DROPS.load(Ordering::SeqCst), 0);
        // A failed load: the box and the vector are restored from their copies; the timer,
        // which is not copied, keeps both runs' writes (README).
        dst.rom[0] = 8;
        load(&mut dst, 0x80).unwrap_err();
        assert_eq!((dst.a, dst.rom[0], dst.fifo.as_slice()), (2, 8, &[3][..]));
        assert_eq!(dst.timer.id, 13);
        assert_eq!(DROPS.load(Ordering::SeqCst), 0);
    }
}

/// An immutable nested struct's optional parts (a `since` field, a subsection) are compared
/// too when the input carries them.
#[test]
fn an_immutable_nested_struct_compares_its_optional_parts() {
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "cfg/more")]
    struct More {
        m: u32,
    }
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "cfg", version = 2, minimum_version = 1)]
    struct Cfg {
        base: u32,
        #[vmstate(since = 2)]
        size: u32,
        #[vmstate(subsection, needed = "Self::more_needed")]
        more: More,
    }
    impl Cfg {
        fn more_needed(&self) -> bool {
            self.more.m != 0
        }
    }
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "board")]
    struct Board {
        #[vmstate(immutable)]
        cfg: Cfg,
        r: u32,
    }
    let configured = Board {
        cfg: Cfg {
            base: 1,
            size: 2,
            more: More { m: 3 },
        },
        r: 0,
    };
    let load = |src: &Board| {
        let mut dst = configured.clone();
        let result = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(src).unwrap());
        (result, dst)
    };
    let same = Board {
        r: 9,
        ..configured.clone()
    };
    let (result, dst) = load(&same);
    result.unwrap();
    assert_eq!(dst.r, 9);
    for (differing, message) in [
        (
            Cfg {
                size: 99,
                ..configured.cfg.clone()
            },
            "board.cfg.size: immutable field differs: stream has 99, destination has 2",
        ),
        (
            Cfg {
                more: More { m: 77 },
                ..configured.cfg.clone()
            },
            "board.cfg.more.m: immutable field differs: stream has 77, destination has 3",
        ),
    ] {
        let src = Board {
            cfg: differing,
            r: 9,
        };
        let (result, dst) = load(&src);
        let err = result.unwrap_err().to_string();
        assert!(err.starts_with(message), "{err}");
        assert_eq!(dst, configured);
    }
}

#[test]
fn an_immutable_mismatch_names_the_part_that_differs() {
    use vmstate_core::{Decoder, Encoder, Error, Field, Shape};
    /// A hand-written field type that does not say how two values differ.
    #[derive(Clone, Copy, Debug, Default, PartialEq)]
    struct Mode(u8);
    impl Field for Mode {
        const SHAPE: Shape = Shape::Custom {
            name: "Mode",
            qemu_size: Some(1),
        };
        type Staged = Mode;
        fn placeholder() -> Mode {
            Mode(0)
        }
        fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
            e.scalar(self.0);
            Ok(())
        }
        fn load<D: Decoder>(&self, d: &mut D) -> Result<Mode, Error> {
            Ok(Mode(d.scalar()?))
        }
        fn matches(&self, staged: &Mode) -> bool {
            self == staged
        }
        fn commit(&mut self, staged: &mut Mode) {
            std::mem::swap(self, staged)
        }
    }
    #[derive(VmState, Debug, Default, Clone, PartialEq)]
    #[vmstate(name = "win")]
    struct Win {
        base: u32,
        ids: [u8; 3],
        #[vmstate(max_len = 8)]
        label: String,
        #[vmstate(max_len = 8)]
        taps: Vec<u16>,
        mode: Mode,
    }
    #[derive(VmState, Debug, Default, Clone, PartialEq)]
    #[vmstate(name = "board")]
    struct Board {
        #[vmstate(immutable)]
        wins: [Win; 2],
        #[vmstate(immutable)]
        lanes: [[u16; 2]; 2],
    }
    let mut src = Board::default();
    src.wins[0].taps = vec![1, 2];
    let cases: [Mismatch<Board>; 7] = [
        (|b| b.wins[1].base = 9, "board.wins[1].base: immutable field differs: stream has 0, destination has 9"),
        (|b| b.wins[0].ids[2] = 4, "board.wins[0].ids[2]: immutable field differs: stream has 0, destination has 4"),
        (|b| b.wins[0].label = "uart".into(), "board.wins[0].label: immutable field differs: stream has \"\", destination has \"uart\""),
        (|b| b.wins[0].taps = vec![1], "board.wins[0].taps: immutable field differs: stream has 2 elements, destination has 1 element"),
        // Same length: the first element that differs.
        (|b| b.wins[0].taps = vec![1, 3], "board.wins[0].taps[1]: immutable field differs: stream has 2, destination has 3"),
        // A hand-written type cannot say how it differs: the whole values.
        (|b| b.wins[1].mode = Mode(1), "board.wins: immutable field differs: stream has [Win { .. }, Win { .. }], destination has"),
        (|b| b.lanes[1][0] = 5, "board.lanes[1][0]: immutable field differs: stream has 0, destination has 5"),
    ];
    assert_mismatches(&src, &cases);
}

/// A change to a destination, and how the error of loading into it starts.
type Mismatch<T> = (fn(&mut T), &'static str);

/// Loads `src`'s native section into copies of it changed by each case: each load fails with
/// an immutable mismatch whose message starts as the case says, and changes nothing.
#[track_caller]
fn assert_mismatches<T>(src: &T, cases: &[Mismatch<T>])
where
    T: VmState + Clone + PartialEq + std::fmt::Debug,
{
    let bytes = vmstate_core::to_bytes(src).unwrap();
    for (change, message) in cases {
        let mut dst = src.clone();
        change(&mut dst);
        let before = dst.clone();
        let err = vmstate_core::from_bytes(&mut dst, &bytes).unwrap_err();
        assert!(err.to_string().starts_with(message), "{err}\nnot {message}");
        assert!(matches!(err.kind(), ErrorKind::ImmutableMismatch { .. }));
        assert_eq!(dst, before);
    }
}

#[test]
fn an_immutable_vec_names_the_element_or_the_lengths_that_differ() {
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "nic")]
    struct Nic {
        #[vmstate(immutable, max_len = 8)]
        mac: Vec<u8>,
        #[vmstate(immutable, max_len = 16)]
        model: String,
    }
    let src = Nic {
        mac: vec![0x52, 0x54, 0, 0x12, 0x34, 0x56],
        model: "e1000".into(),
    };
    let cases: [Mismatch<Nic>; 3] = [
        (
            |n| n.mac[5] = 0x57,
            "nic.mac[5]: immutable field differs: stream has 86, destination has 87",
        ),
        (
            |n| n.mac.truncate(3),
            "nic.mac: immutable field differs: stream has 6 elements, destination has 3 elements",
        ),
        (
            |n| n.model = "virtio".into(),
            "nic.model: immutable field differs: stream has \"e1000\", destination has \"virtio\"",
        ),
    ];
    assert_mismatches(&src, &cases);
}

#[test]
fn immutable_float_vectors_compare_by_bits_like_scalars() {
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "dsp")]
    struct Taps {
        #[vmstate(max_len = 4)]
        taps: Vec<f32>,
    }
    #[derive(VmState, Debug, Clone)]
    #[vmstate(name = "dsp")]
    struct Dsp {
        #[vmstate(immutable, max_len = 4)]
        gains: Vec<f32>,
        #[vmstate(immutable)]
        filter: Taps,
    }
    let src = Dsp {
        gains: vec![1.0, f32::NAN],
        filter: Taps {
            taps: vec![f32::NAN, 0.5],
        },
    };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    // The same bits load, NaN included (`==` would call NaN unequal to itself).
    vmstate_core::from_bytes(&mut src.clone(), &bytes).unwrap();
    // -0.0 is not 0.0, as for an immutable `f32`; a nested vector names its element too.
    let zero = Dsp {
        gains: vec![0.0, f32::NAN],
        ..src.clone()
    };
    let mut dst = Dsp {
        gains: vec![-0.0, f32::NAN],
        ..src.clone()
    };
    let err = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&zero).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "dsp.gains[0]: immutable field differs: stream has 0.0, destination has -0.0"
        ),
        "{err}"
    );
    let mut dst = Dsp {
        filter: Taps {
            taps: vec![f32::NAN, -0.5],
        },
        ..src.clone()
    };
    let err = vmstate_core::from_bytes(&mut dst, &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "dsp.filter.taps[1]: immutable field differs: stream has 0.5, destination has -0.5"
        ),
        "{err}"
    );
}

#[test]
fn an_immutable_nested_struct_is_checked_as_a_whole() {
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "geom")]
    struct Geom {
        cyls: u32,
        heads: u8,
    }
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "disk")]
    struct Disk {
        #[vmstate(immutable)]
        geom: Geom,
        pos: u64,
    }
    let src = Disk {
        geom: Geom { cyls: 10, heads: 2 },
        pos: 7,
    };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut same = Disk {
        pos: 0,
        ..src.clone()
    };
    vmstate_core::from_bytes(&mut same, &bytes).unwrap();
    assert_eq!(same, src);
    let mut other = Disk {
        geom: Geom { cyls: 20, heads: 2 },
        pos: 0,
    };
    let err = vmstate_core::from_bytes(&mut other, &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "disk.geom.cyls: immutable field differs: stream has 10, destination has 20"
        ),
        "{err}"
    );
    assert_eq!(other.pos, 0);
    // QEMU's format does not carry immutable fields: the destination keeps its own.
    let mut other = Disk {
        geom: Geom { cyls: 20, heads: 2 },
        pos: 0,
    };
    vmstate_core::qemu::from_bytes(
        &mut other,
        &vmstate_core::qemu::to_bytes(&src).unwrap(),
        1,
        0,
    )
    .unwrap();
    assert_eq!((other.geom.cyls, other.pos), (20, 7));
}

#[test]
fn vector_elements_carry_their_own_subsections_in_both_formats() {
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "slot/extra")]
    struct Extra {
        tag: u16,
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "slot")]
    struct Slot {
        value: u8,
        #[vmstate(subsection, needed = "Self::tagged")]
        extra: Extra,
    }
    impl Slot {
        fn tagged(&self) -> bool {
            self.extra.tag != 0
        }
    }
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "ring")]
    struct Ring {
        #[vmstate(max_len = 4)]
        slots: Vec<Slot>,
        after: u8,
    }
    // Element values chosen to look like markers and tags: 0 and 5.
    let slot = |value, tag| Slot {
        value,
        extra: Extra { tag },
    };
    let src = Ring {
        slots: vec![slot(5, 0), slot(0, 5), slot(5, 0x0505)],
        after: 5,
    };
    let native = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = Ring {
        slots: Vec::new(),
        after: 0,
    };
    vmstate_core::from_bytes(&mut dst, &native).unwrap();
    assert_eq!(dst, src);
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    let mut dst = Ring {
        slots: Vec::new(),
        after: 0,
    };
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst, src);
}

#[test]
fn vectors_of_structs_round_trip_and_build_elements_from_default() {
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "entry")]
    struct Entry {
        value: u32,
        flags: [bool; 2],
        #[vmstate(derived = "Self::recompute")]
        doubled: u32,
        #[vmstate(skip)]
        host_cache: u64,
    }
    impl Entry {
        fn recompute(&mut self) {
            self.doubled = self.value * 2;
        }
    }
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "table")]
    struct Table {
        head: u8,
        #[vmstate(max_len = 4)]
        entries: Vec<Entry>,
        #[vmstate(max_len = 2)]
        spare: Box<[Entry]>,
    }
    let entry = |value| Entry {
        value,
        flags: [true, false],
        doubled: value * 2,
        host_cache: 99,
    };
    let src = Table {
        head: 1,
        entries: vec![entry(1), entry(2), entry(3)],
        spare: vec![entry(7)].into_boxed_slice(),
    };
    let fresh = || Table {
        head: 0,
        entries: vec![entry(50); 4],
        spare: Box::new([]),
    };
    // Elements are new: from Default, so the skipped cache is 0; the derived field is
    // recomputed by the element's own function.
    let expect = |e: &Entry| Entry {
        host_cache: 0,
        ..e.clone()
    };
    for qemu in [false, true] {
        let mut dst = fresh();
        migrate(&src, &mut dst, qemu).unwrap();
        assert_eq!(dst.head, 1);
        assert_eq!(
            dst.entries,
            src.entries.iter().map(expect).collect::<Vec<_>>()
        );
        assert_eq!(&*dst.spare, &[expect(&src.spare[0])]);
        // A truncated stream names the element; the destination is unchanged.
        let bytes = if qemu {
            vmstate_core::qemu::to_bytes(&src).unwrap()
        } else {
            vmstate_core::to_bytes(&src).unwrap()
        };
        let mut dst = fresh();
        let cut = &bytes[..bytes.len() - 6];
        let err = if qemu {
            vmstate_core::qemu::from_bytes(&mut dst, cut, 1, 0).unwrap_err()
        } else {
            vmstate_core::from_bytes(&mut dst, cut).unwrap_err()
        };
        assert!(err.path().starts_with("table."), "{err}");
        assert_eq!(dst, fresh());
    }
    // More elements than max_len: refused on save.
    let too_many = Table {
        entries: vec![entry(1); 5],
        ..src.clone()
    };
    let err = vmstate_core::to_bytes(&too_many).unwrap_err();
    assert_eq!(err.path(), "table.entries");
    // A schema decodes it too (what `vmstate inspect` shows).
    use vmstate_core::schema::{decode, Desc, Format};
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    let desc = Desc::from_description(<Table as VmState>::DESCRIPTION);
    let (json, used) = decode(&desc, Format::Qemu, &qemu, 1, 0).unwrap();
    assert_eq!(used, qemu.len());
    assert_eq!(json["entries"][2]["value"], 3);
    assert_eq!(json["spare"][0]["flags"][0], true);
    // The description lists the element struct.
    let d = <Table as VmState>::DESCRIPTION;
    assert!(matches!(
        d.field("entries").unwrap().shape,
        vmstate_core::Shape::Seq { elem: vmstate_core::Shape::Struct(e), max_len: 4 } if e.name == "entry"
    ));
}

/// A subsection the input lacked keeps its value and is not checked: its container
/// `validate` runs only when the input carried it (as its `pre_load` and `post_load`).
#[test]
fn an_absent_subsection_is_not_validated() {
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "dev/ext", validate = "Self::not_nine")]
    struct Ext {
        n: u8,
    }
    impl Ext {
        fn not_nine(&self) -> Result<(), std::io::Error> {
            match self.n {
                9 => Err(std::io::Error::other("n is 9")),
                _ => Ok(()),
            }
        }
    }
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "dev")]
    struct Dev {
        a: u32,
        #[vmstate(subsection, needed = "Self::ext_needed")]
        ext: Ext,
    }
    impl Dev {
        fn ext_needed(&self) -> bool {
            self.ext.n != 0
        }
    }
    let load = migrate::<Dev, Dev>;
    for qemu in [false, true] {
        // The stream lacks the subsection: the destination's value is kept, unchecked.
        let mut dst = Dev {
            a: 0,
            ext: Ext { n: 9 },
        };
        load(
            &Dev {
                a: 5,
                ext: Ext { n: 0 },
            },
            &mut dst,
            qemu,
        )
        .unwrap();
        assert_eq!(
            dst,
            Dev {
                a: 5,
                ext: Ext { n: 9 }
            }
        );
        // Carried, it is checked.
        let mut dst = Dev::default();
        let err = load(
            &Dev {
                a: 5,
                ext: Ext { n: 9 },
            },
            &mut dst,
            qemu,
        )
        .unwrap_err();
        assert!(err.to_string().contains("n is 9"), "{err}");
        assert_eq!(dst, Dev::default());
    }
}

/// A field with both `validate` and `range` describes both.
#[test]
fn the_description_lists_both_field_checks() {
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Dev {
        #[vmstate(validate = "Self::even", range = "0..10")]
        level: u8,
    }
    impl Dev {
        fn even(v: &u8) -> Result<(), std::io::Error> {
            match v % 2 {
                0 => Ok(()),
                _ => Err(std::io::Error::other("odd")),
            }
        }
    }
    assert_eq!(
        Dev::DESCRIPTION.fields[0].validate,
        Some("Self::even; 0..10")
    );
    let mut dst = Dev::default();
    let odd = vmstate_core::to_bytes(&Dev { level: 3 }).unwrap();
    assert!(vmstate_core::from_bytes(&mut dst, &odd).is_err());
}

#[test]
fn a_derived_enum_loads_its_variants_and_refuses_every_other_value() {
    #[derive(VmState, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    enum Mode {
        Off = 0,
        On = 1,
        Burst = 0x80,
    }
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "led")]
    struct Led {
        level: u8,
        mode: Mode,
    }
    let before = Led {
        level: 1,
        mode: Mode::On,
    };
    for byte in 0..=u8::MAX {
        let expected = match byte {
            0 => Some(Mode::Off),
            1 => Some(Mode::On),
            0x80 => Some(Mode::Burst),
            _ => None,
        };
        for native in [false, true] {
            let mut led = Led { ..before };
            let result = if native {
                // The native format writes a `u8` as its byte: build the section from one.
                #[derive(VmState)]
                #[vmstate(name = "led")]
                struct Raw {
                    level: u8,
                    mode: u8,
                }
                let bytes = vmstate_core::to_bytes(&Raw {
                    level: 9,
                    mode: byte,
                })
                .unwrap();
                vmstate_core::from_bytes(&mut led, &bytes)
            } else {
                vmstate_core::qemu::from_bytes(&mut led, &[9, byte], 1, 0)
            };
            match expected {
                Some(mode) => {
                    result.unwrap();
                    assert_eq!(led, Led { level: 9, mode });
                }
                None => {
                    let err = result.unwrap_err().to_string();
                    assert!(
                        err.starts_with(&format!("led.mode: invalid value: {byte} is not a `Mode` (Off = 0, On = 1, Burst = 128)")),
                        "{err}"
                    );
                    assert_eq!(led, before, "nothing loaded");
                }
            }
        }
    }
}
