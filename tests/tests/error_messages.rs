//! One test per error kind: the message names what was wrong, the field path and the byte
//! offset.

use vmstate_core::{ErrorKind, VmState};

#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "dev/sub")]
struct Sub {
    x: u8,
}

#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "dev", validate = "Self::check")]
struct Dev {
    #[vmstate(range = "0..=7")]
    mode: u8,
    flag: bool,
    count: u32,
    #[vmstate(max_len = 4)]
    label: String,
    #[vmstate(subsection, needed = "Self::never")]
    sub: Sub,
}

#[derive(Debug)]
struct Refused;
impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("count must be even")
    }
}
impl std::error::Error for Refused {}

impl Dev {
    fn check(&self) -> Result<(), Refused> {
        if self.count.is_multiple_of(2) {
            Ok(())
        } else {
            Err(Refused)
        }
    }
    fn never(&self) -> bool {
        false
    }
}

/// QEMU-format bytes: mode, flag, count (be32), label (be32 length + bytes).
fn qemu(mode: u8, flag: u8, count: u32, label: &[u8]) -> Vec<u8> {
    let mut b = vec![mode, flag];
    b.extend_from_slice(&count.to_be_bytes());
    b.extend_from_slice(&(label.len() as u32).to_be_bytes());
    b.extend_from_slice(label);
    b
}

fn load(bytes: &[u8]) -> vmstate_core::Error {
    let mut d = Dev::default();
    let e = vmstate_core::qemu::from_bytes(&mut d, bytes, 1, 0).unwrap_err();
    assert_eq!(d, Dev::default(), "a refused load changes nothing");
    e
}

#[test]
fn out_of_range() {
    let e = load(&qemu(9, 0, 0, b""));
    assert!(matches!(e.kind(), ErrorKind::OutOfRange { .. }));
    assert_eq!(
        e.to_string(),
        "dev.mode: value 9 is outside the valid range 0..=7 (at byte 0)"
    );
}

#[test]
fn invalid_bool() {
    let e = load(&qemu(1, 7, 0, b""));
    assert_eq!(
        e.to_string(),
        "dev.flag: invalid bool byte 0x07 (at byte 1)"
    );
}

#[test]
fn an_empty_section_name_is_refused() {
    let mut b = vec![0, 1]; // name: empty; version 1
    b.extend_from_slice(&0u32.to_le_bytes());
    let crc = crc32fast::hash(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    let e = vmstate_core::read_frame(&b, 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "section name: the section name is empty (names are 1 to 255 bytes) (at byte 0)"
    );
}

#[test]
fn invalid_bool_in_an_array_names_the_element() {
    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev")]
    struct Flags {
        ctrl: u8,
        flags: [bool; 4],
        #[vmstate(max_len = 4)]
        more: Vec<bool>,
    }
    let src = Flags {
        ctrl: 1,
        flags: [true, false, true, true],
        more: vec![false, true],
    };
    // QEMU: ctrl, 4 flags, be32 length, 2 flags.
    let mut bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    bytes[3] = 2;
    let mut d = Flags::default();
    let e = vmstate_core::qemu::from_bytes(&mut d, &bytes, 1, 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "dev.flags[2]: invalid bool byte 0x02 (at byte 3)"
    );
    let mut bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    bytes[10] = 9;
    let e = vmstate_core::qemu::from_bytes(&mut d, &bytes, 1, 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "dev.more[1]: invalid bool byte 0x09 (at byte 10)"
    );
    assert_eq!(d, Flags::default());

    // Native: the same, re-sealed so the checksum matches.
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let frame = vmstate_core::read_frame(&bytes, 0).unwrap();
    let at = frame.fields_offset + 1 + 1; // ctrl, then flags[1]
    let mut bad = bytes.clone();
    bad[at] = 3;
    let n = bad.len();
    let crc = crc32fast::hash(&bad[..n - 4]);
    bad[n - 4..].copy_from_slice(&crc.to_le_bytes());
    let e = vmstate_core::from_bytes(&mut d, &bad).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("dev.flags[1]: invalid bool byte 0x03 (at byte {at})")
    );
    assert_eq!(d, Flags::default());
}

#[test]
fn too_long() {
    let e = load(&qemu(1, 0, 0, b"hello"));
    assert_eq!(
        e.to_string(),
        "dev.label: length 5 exceeds max_len 4 (at byte 6)"
    );
}

#[test]
fn invalid_utf8() {
    let e = load(&qemu(1, 0, 0, &[0xff, 0xfe]));
    assert_eq!(
        e.to_string(),
        "dev.label: string is not valid UTF-8 (at byte 10)"
    );
    // The offset is the first invalid byte, not the string's start.
    let e = load(&qemu(1, 0, 0, &[b'o', 0xff]));
    assert_eq!(
        e.to_string(),
        "dev.label: string is not valid UTF-8 (at byte 11)"
    );
}

#[test]
fn truncated() {
    let e = load(&qemu(1, 0, 0, b"")[..4]);
    assert_eq!(
        e.to_string(),
        "dev.count: input truncated: 4 bytes needed here, 2 left (at byte 2)"
    );
}

#[test]
fn trailing_bytes() {
    let mut b = qemu(1, 0, 0, b"");
    b.push(0);
    let e = load(&b);
    assert_eq!(
        e.to_string(),
        "dev: 1 unexpected trailing byte (at byte 10)"
    );
}

#[test]
fn unknown_subsection() {
    let mut b = qemu(1, 0, 0, b"");
    b.push(0x05);
    b.push(7);
    b.extend_from_slice(b"dev/new");
    b.extend_from_slice(&1u32.to_be_bytes());
    let e = load(&b);
    assert_eq!(
        e.to_string(),
        "dev: unknown subsection `dev/new`: this build does not know it (at byte 10)"
    );
}

#[test]
fn subsection_too_new() {
    let mut b = qemu(1, 0, 0, b"");
    b.push(0x05);
    b.push(7);
    b.extend_from_slice(b"dev/sub");
    b.extend_from_slice(&2u32.to_be_bytes());
    b.push(1);
    let e = load(&b);
    assert_eq!(
        e.to_string(),
        "dev.sub (subsection `dev/sub`): version 2 is too new: this build loads versions up to 1 (at byte 10)"
    );
}

#[test]
fn container_validation() {
    let e = load(&qemu(1, 0, 3, b""));
    assert!(matches!(
        e.kind(),
        ErrorKind::Validation {
            check: "Self::check",
            ..
        }
    ));
    assert_eq!(
        e.to_string(),
        "dev: refused by `Self::check`: count must be even"
    );
    // The check's error is in the kind; its message is in Display already, so `source()`
    // goes on with that error's own source (none here), as `std::io::Error` does.
    let ErrorKind::Validation { source, .. } = e.kind() else {
        unreachable!()
    };
    assert_eq!(source.to_string(), "count must be even");
    assert!(std::error::Error::source(&e).is_none());
}

#[test]
fn an_io_errors_message_is_shown_once_in_the_chain() {
    struct Reset;
    impl std::io::Read for Reset {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset",
            ))
        }
    }
    let e = vmstate_core::from_reader(&mut Dev::default(), &mut Reset).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Io(_)), "{e:?}");
    // Display, then each source in turn, as a printer of the chain shows them.
    let mut chain = vec![e.to_string()];
    let mut next = std::error::Error::source(&e);
    while let Some(s) = next {
        chain.push(s.to_string());
        next = s.source();
    }
    let shown = chain.join(": ");
    assert_eq!(shown.matches("connection reset").count(), 1, "{shown}");
}

#[test]
fn invalid_varint_in_the_native_format() {
    // A native section whose `count` is a varint with too many continuation bytes.
    let mut fields = vec![1u8, 0];
    fields.extend_from_slice(&[0xff; 6]);
    let mut b = vec![3, b'd', b'e', b'v', 1];
    b.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    b.extend_from_slice(&fields);
    let crc = crc32fast::hash(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    let mut d = Dev::default();
    let e = vmstate_core::from_bytes(&mut d, &b).unwrap_err();
    assert_eq!(
        e.to_string(),
        "dev.count: malformed or out-of-range varint (at byte 11)"
    );
}

/// A varint cut short after a continuation byte: the byte it needs is the one after the
/// input's end, not its first byte (which is there).
#[test]
fn a_varint_cut_short_is_truncated_where_the_input_ends() {
    use vmstate_core::{Decoder, NativeDecoder};
    let e = NativeDecoder::new(&[0xc8], 40).scalar::<u32>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "input truncated: 1 byte needed here, 0 left (at byte 41)"
    );
    // A sequence's length too (200 is `c8 01`).
    // A fixed-width value cut short is reported where it starts, with what is left.
    let e = NativeDecoder::new(&[0, 0], 40).scalar::<f32>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "input truncated: 4 bytes needed here, 2 left (at byte 40)"
    );
    let mut d = NativeDecoder::new(&[7, 0xc8], 0);
    assert_eq!(d.scalar::<u8>().unwrap(), 7);
    assert_eq!(d.len(300, 1).unwrap_err().offset(), Some(2));
    // A whole section whose last field is such a varint: `count` cut after `0x85`.
    let fields = [1u8, 0, 0x85];
    let mut b = vec![3, b'd', b'e', b'v', 1];
    b.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    b.extend_from_slice(&fields);
    let crc = crc32fast::hash(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    let e = vmstate_core::from_bytes(&mut Dev::default(), &b).unwrap_err();
    assert_eq!(
        e.to_string(),
        "dev.count: input truncated: 1 byte needed here, 0 left (at byte 12)"
    );
}

/// A native section of another name or a version this build does not load: the offset is
/// that of the name or the version in the header, not the section's start.
#[test]
fn a_native_header_error_points_at_the_name_or_the_version() {
    #[derive(VmState, Default)]
    #[vmstate(name = "dev", version = 2)]
    struct Newer {
        x: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "other")]
    struct Other {
        x: u8,
    }
    let bytes = vmstate_core::to_bytes(&Newer { x: 1 }).unwrap();
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Older {
        x: u8,
    }
    // The section at byte 100: a one-byte name length, `dev`, then the version.
    let e = vmstate_core::from_bytes_at(&mut Older::default(), &bytes, 100).unwrap_err();
    assert_eq!(
        e.to_string(),
        "dev: version 2 is too new: this build loads versions up to 1 (at byte 104)"
    );
    let e = vmstate_core::from_bytes_at(&mut Other::default(), &bytes, 100).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::WrongSection { .. }), "{e}");
    assert_eq!(e.offset(), Some(101), "{e}");
}

#[test]
fn invalid_value_from_a_hand_written_field() {
    let mut region = devices::MemoryRegion::ram("r", 0, 16);
    let mut bytes = vmstate_core::to_bytes(&region).unwrap();
    // The kind byte is the last field byte, before the end of the subsections (0) and the
    // CRC: make it 9 and re-seal.
    let n = bytes.len();
    assert_eq!(bytes[n - 5], 0);
    bytes[n - 6] = 9;
    let crc = crc32fast::hash(&bytes[..n - 4]);
    bytes[n - 4..].copy_from_slice(&crc.to_le_bytes());
    let e = vmstate_core::from_bytes(&mut region, &bytes).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("memory_region.kind: invalid value: unknown region kind 9 (at byte"),
        "{e}"
    );
}

#[test]
fn format_errors_name_the_place() {
    let e = vmstate_core::qemu::Stream::parse(b"QEVM\0\0\0\x03\x09".to_vec()).unwrap_err();
    assert_eq!(e.to_string(), "unknown section type 0x09 (at byte 8)");
}

/// The README's example struct and the two claims made about it.
mod readme_example {
    use vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "integratorcm", version = 1, minimum_version = 1)]
    pub struct CoreModule {
        #[vmstate(immutable)]
        memsz: u32,
        #[vmstate(derived = "Self::update_mappings")]
        flash_mapped: bool,
        cm_ctrl: u32,
        #[vmstate(max_len = 16)]
        fifo: Vec<u8>,
        #[vmstate(skip)]
        refcnt_offset: u32,
    }

    impl CoreModule {
        fn new(memsz: u32) -> Self {
            CoreModule {
                memsz,
                flash_mapped: true,
                cm_ctrl: 4,
                fifo: vec![1, 2],
                refcnt_offset: 0,
            }
        }
        fn update_mappings(&mut self) {
            self.flash_mapped = self.cm_ctrl & 4 == 0;
        }
    }

    #[test]
    fn messages_and_sizes_are_the_readmes() {
        let small = CoreModule::new(64);
        let mut big = CoreModule::new(128);
        big.refcnt_offset = 9;
        let e = vmstate_core::from_bytes(&mut big, &vmstate_core::to_bytes(&small).unwrap())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "integratorcm.memsz: immutable field differs: stream has 64, destination has 128 (at byte 18)"
        );
        // QEMU's wire: cm_ctrl, then the fifo's be32 length and its bytes.
        let qemu = vmstate_core::qemu::to_bytes(&small).unwrap();
        assert_eq!(qemu, [0, 0, 0, 4, 0, 0, 0, 2, 1, 2]);
        let mut back = CoreModule::new(64);
        vmstate_core::qemu::from_bytes(&mut back, &qemu, 1, 0).unwrap();
        assert!(!back.flash_mapped, "update_mappings ran after the load");
        assert_eq!(back.refcnt_offset, 0);
    }
}

/// A `default` function's value is held to the field's own checks, as a loaded value is:
/// otherwise the device would accept state it then refuses to save.
mod default_values {
    use vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "nic", version = 1)]
    pub struct V1 {
        a: u8,
    }

    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "nic", version = 2, minimum_version = 1)]
    pub struct V2 {
        a: u8,
        #[vmstate(since = 2, max_len = 4, default = "Self::six_slots")]
        queue: Vec<u8>,
    }

    impl V2 {
        fn six_slots() -> Vec<u8> {
            vec![0; 6]
        }
    }

    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "nic", version = 2, minimum_version = 1)]
    pub struct V2Prio {
        a: u8,
        #[vmstate(since = 2, range = "0..8", default = "Self::one_and_nine")]
        prio: [u8; 2],
    }

    impl V2Prio {
        fn one_and_nine() -> [u8; 2] {
            [1, 9]
        }
    }

    #[test]
    fn a_default_that_breaks_max_len_or_range_fails_the_load() {
        let old = V1 { a: 1 };
        let mut d = V2::default();
        let e =
            vmstate_core::from_bytes(&mut d, &vmstate_core::to_bytes(&old).unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "nic.queue: hook `Self::six_slots` failed: length 6 exceeds max_len 4"
        );
        assert_eq!(d, V2::default());
        let mut d = V2Prio::default();
        let qemu = vmstate_core::qemu::to_bytes(&old).unwrap();
        let e = vmstate_core::qemu::from_bytes(&mut d, &qemu, 1, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "nic.prio[1]: hook `Self::one_and_nine` failed: value 9 is outside the valid range 0..8"
        );
        assert_eq!(d, V2Prio::default());
    }
}

#[test]
fn a_length_the_input_cannot_hold_names_the_bytes_it_needs() {
    // On QEMU's wire a u32 takes 4 bytes: 3 of them need 12, not the native format's
    // fewest (a 1-byte varint each). Counted by the sequence or by another field alike.
    #[derive(VmState, Default, Debug)]
    #[vmstate(name = "v")]
    struct V {
        #[vmstate(max_len = 8)]
        a: Vec<u32>,
    }
    #[derive(VmState, Default, Debug)]
    #[vmstate(name = "w")]
    struct W {
        n: u8,
        #[vmstate(len = "n", max_len = 8)]
        a: Vec<[u16; 2]>,
    }
    let e =
        vmstate_core::qemu::from_bytes(&mut V::default(), &[0, 0, 0, 3, 1, 2], 1, 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "v.a: input truncated: 12 bytes needed here, 2 left (at byte 4)"
    );
    let e = vmstate_core::qemu::from_bytes(&mut W::default(), &[3, 1, 2], 1, 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "w.a: input truncated: 12 bytes needed here, 2 left (at byte 1)"
    );
}

#[test]
fn a_base_offset_near_the_end_of_usize_shifts_messages_but_never_overflows() {
    // `base` (where the bytes sit in a larger input) is the caller's: offsets computed from
    // a nonsensical one stay within `usize`, in every entry point and on every error path.
    let good = Dev {
        count: 2,
        ..Dev::default()
    };
    let native = vmstate_core::to_bytes(&good).unwrap();
    let qemu_bytes = qemu(9, 0, 2, b"ab");
    for base in [usize::MAX, usize::MAX - 3, usize::MAX - native.len()] {
        for cut in [native.len(), native.len() - 1, 3] {
            let mut d = Dev::default();
            let _ = vmstate_core::from_bytes_at(&mut d, &native[..cut], base);
            let _ = vmstate_core::load_section(&mut d, &native[..cut], base);
            let _ = vmstate_core::check_section(&d, &native[..cut], base);
            let _ = vmstate_core::read_frame(&native[..cut], base);
        }
        let mut flipped = native.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let mut d = Dev::default();
        let e = vmstate_core::from_bytes_at(&mut d, &flipped, base).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::BadChecksum { .. }), "{e}");
        let e = vmstate_core::qemu::from_bytes(&mut d, &qemu_bytes, 1, base).unwrap_err();
        assert!(e.to_string().contains("outside the valid range"), "{e}");
        assert_eq!(d, Dev::default());
        // Decoding by a schema counts the bytes it used, whatever the base.
        use vmstate_core::schema::{decode, Desc, Format};
        let desc = Desc::from_description(Dev::DESCRIPTION);
        let mut trailing = vmstate_core::qemu::to_bytes(&good).unwrap();
        let used = trailing.len();
        trailing.push(0);
        let (_, n) = decode(&desc, Format::Qemu, &trailing, 1, base).unwrap();
        assert_eq!(n, used);
    }
}
