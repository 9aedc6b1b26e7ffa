//! `#[vmstate(from = "T", into = "T")]` and `try_from`: a type that travels as another,
//! plain type through conversions (serde's container keys), in both codecs: a real
//! `bitflags!` type, a register packed into a word, an enum with data.

use core::fmt;
use core::marker::PhantomData;
use vmstate_core::schema::{self, Schema};
use vmstate_core::{qemu, ErrorKind, Field, Removed, VmState};

bitflags::bitflags! {
    /// A status register's flags, declared by the macro, migrated as their bits (any bits:
    /// `from_bits_retain`).
    #[derive(VmState, Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[vmstate(from = "u32", into = "u32")]
    pub struct Status: u32 {
        const READY = 1 << 0;
        const BUSY = 1 << 1;
        const IRQ = 1 << 7;
    }
}

impl From<u32> for Status {
    fn from(bits: u32) -> Self {
        Status::from_bits_retain(bits)
    }
}

impl From<Status> for u32 {
    fn from(status: Status) -> u32 {
        status.bits()
    }
}

bitflags::bitflags! {
    /// A mode register whose undefined bits a load refuses.
    #[derive(VmState, Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[vmstate(try_from = "u8", into = "u8")]
    pub struct Mode: u8 {
        const LOOPBACK = 1 << 0;
        const FIFO = 1 << 1;
    }
}

#[derive(Debug)]
pub struct UndefinedBits(u8);

impl fmt::Display for UndefinedBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "undefined bits {:#x}", self.0)
    }
}

impl TryFrom<u8> for Mode {
    type Error = UndefinedBits;
    fn try_from(bits: u8) -> Result<Self, UndefinedBits> {
        Mode::from_bits(bits).ok_or(UndefinedBits(bits & !Mode::all().bits()))
    }
}

impl From<Mode> for u8 {
    fn from(mode: Mode) -> u8 {
        mode.bits()
    }
}

/// A register whose two fields pack into one 16-bit word.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(from = "u16", into = "u16")]
struct Divisor {
    low: u8,
    high: u8,
}

impl From<u16> for Divisor {
    fn from(word: u16) -> Self {
        let [high, low] = word.to_be_bytes();
        Divisor { low, high }
    }
}

impl From<Divisor> for u16 {
    fn from(d: Divisor) -> u16 {
        u16::from_be_bytes([d.high, d.low])
    }
}

/// An enum with data, encoded in a word: 0 is idle, `0x100 | n` line `n` raised.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(try_from = "u16", into = "u16")]
enum Line {
    #[default]
    Idle,
    Raised(u8),
}

impl TryFrom<u16> for Line {
    type Error = String;
    fn try_from(word: u16) -> Result<Self, String> {
        match word {
            0 => Ok(Line::Idle),
            0x100..=0x1ff => Ok(Line::Raised(word as u8)),
            _ => Err(format!("{word:#x} encodes no line state")),
        }
    }
}

impl From<Line> for u16 {
    fn from(line: Line) -> u16 {
        match line {
            Line::Idle => 0,
            Line::Raised(n) => 0x100 | u16::from(n),
        }
    }
}

/// Generic over a marker, as a typed register.
#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(from = "u32", into = "u32")]
struct Tagged<M> {
    bits: u32,
    marker: PhantomData<M>,
}

impl<M> Clone for Tagged<M> {
    fn clone(&self) -> Self {
        Tagged::from(self.bits)
    }
}

impl<M> From<u32> for Tagged<M> {
    fn from(bits: u32) -> Self {
        Tagged {
            bits,
            marker: PhantomData,
        }
    }
}

impl<M> From<Tagged<M>> for u32 {
    fn from(t: Tagged<M>) -> u32 {
        t.bits
    }
}

#[derive(Debug, PartialEq, Default)]
struct Rx;

#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "uart", version = 2)]
struct Uart {
    #[vmstate(validate = "Self::not_busy_and_idle")]
    status: Status,
    mode: Mode,
    divisor: Divisor,
    line: Line,
    rx: Tagged<Rx>,
    irqs: [Status; 3],
    #[vmstate(immutable)]
    id: Divisor,
    #[vmstate(max_len = 8)]
    modes: Vec<Mode>,
}

impl Uart {
    fn not_busy_and_idle(status: &Status) -> Result<(), std::io::Error> {
        match status.contains(Status::BUSY | Status::IRQ) {
            true => Err(std::io::Error::other("busy with an interrupt pending")),
            false => Ok(()),
        }
    }
}

/// The same state as the plain values the types travel as.
#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "uart", version = 2)]
struct PlainUart {
    status: u32,
    mode: u8,
    divisor: u16,
    line: u16,
    rx: u32,
    irqs: [u32; 3],
    #[vmstate(immutable)]
    id: u16,
    #[vmstate(max_len = 8)]
    modes: Vec<u8>,
}

fn uart() -> Uart {
    Uart {
        status: Status::READY | Status::IRQ | Status::from_bits_retain(1 << 20),
        mode: Mode::FIFO,
        divisor: Divisor {
            low: 0x34,
            high: 0x12,
        },
        line: Line::Raised(5),
        rx: Tagged::from(0xdead_beef),
        irqs: [Status::IRQ, Status::empty(), Status::BUSY],
        id: Divisor { low: 7, high: 0 },
        modes: vec![Mode::LOOPBACK, Mode::all()],
    }
}

fn plain_uart() -> PlainUart {
    PlainUart {
        status: 0x10_0081,
        mode: 2,
        divisor: 0x1234,
        line: 0x105,
        rx: 0xdead_beef,
        irqs: [0x80, 0, 2],
        id: 7,
        modes: vec![1, 3],
    }
}

fn destination() -> Uart {
    Uart {
        id: Divisor { low: 7, high: 0 },
        ..Uart::default()
    }
}

#[test]
fn a_converted_type_travels_as_the_type_it_converts_to_in_both_codecs() {
    let native = vmstate_core::to_bytes(&plain_uart()).unwrap();
    assert_eq!(vmstate_core::to_bytes(&uart()).unwrap(), native);
    let wire = qemu::to_bytes(&plain_uart()).unwrap();
    assert_eq!(qemu::to_bytes(&uart()).unwrap(), wire);

    let mut dst = destination();
    vmstate_core::from_bytes(&mut dst, &native).unwrap();
    assert_eq!(dst, uart());
    let mut dst = destination();
    qemu::from_bytes(&mut dst, &wire, 2, 0).unwrap();
    assert_eq!(dst, uart());
}

#[test]
fn sequences_of_a_converted_type_travel_as_blocks_of_the_wire_type() {
    // In the native format one `u32` is a varint, an array of them a fixed-width block: an
    // array of flags must be the block, byte for byte.
    #[derive(VmState)]
    #[vmstate(name = "irqs")]
    struct Flags {
        irqs: [Status; 4],
        #[vmstate(max_len = 4)]
        modes: Vec<Mode>,
        #[vmstate(max_len = 4)]
        lines: Box<[Line]>,
    }
    #[derive(VmState)]
    #[vmstate(name = "irqs")]
    struct Words {
        irqs: [u32; 4],
        #[vmstate(max_len = 4)]
        modes: Vec<u8>,
        #[vmstate(max_len = 4)]
        lines: Box<[u16]>,
    }
    let flags = Flags {
        irqs: [
            Status::IRQ,
            Status::all(),
            Status::from_bits_retain(u32::MAX),
            Status::empty(),
        ],
        modes: vec![Mode::FIFO, Mode::empty()],
        lines: vec![Line::Raised(0xff), Line::Idle, Line::Raised(1)].into(),
    };
    let words = Words {
        irqs: [0x80, 0x83, u32::MAX, 0],
        modes: vec![2, 0],
        lines: vec![0x1ff, 0, 0x101].into(),
    };
    assert_eq!(
        vmstate_core::to_bytes(&flags).unwrap(),
        vmstate_core::to_bytes(&words).unwrap()
    );
    assert_eq!(
        qemu::to_bytes(&flags).unwrap(),
        qemu::to_bytes(&words).unwrap()
    );
    let mut back = Flags {
        irqs: [Status::empty(); 4],
        modes: Vec::new(),
        lines: Box::default(),
    };
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&words).unwrap()).unwrap();
    assert_eq!(back.irqs, flags.irqs);
    assert_eq!(back.modes, flags.modes);
    assert_eq!(back.lines, flags.lines);
}

#[test]
fn a_converted_type_is_described_as_the_type_it_converts_to() {
    assert_eq!(Status::SHAPE, u32::SHAPE);
    assert_eq!(Line::SHAPE, u16::SHAPE);
    assert_eq!(Tagged::<Rx>::SHAPE, u32::SHAPE);
    // Switching a field between the wire type and the converted type is no migration
    // break, either way.
    let schema = |d| {
        let mut s = Schema::default();
        s.add("uart", d);
        s
    };
    let (converted, plain) = (schema(Uart::DESCRIPTION), schema(PlainUart::DESCRIPTION));
    // (Only the field `validate`, which the plain struct lacks, is a check added: a warning.)
    for (old, new, warnings) in [(&plain, &converted, 1), (&converted, &plain, 0)] {
        let report = schema::check(old, new);
        assert_eq!(
            (report.errors(), report.warnings()),
            (0, warnings),
            "{report}"
        );
    }
}

#[test]
fn a_refused_value_fails_the_load_with_its_path_and_offset() {
    // `mode` comes after `status`'s four bytes on QEMU's wire.
    let mut data = qemu::to_bytes(&plain_uart()).unwrap();
    data[4] = 0x06;
    let mut dst = destination();
    let err = qemu::from_bytes(&mut dst, &data, 2, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidValue(_)), "{err}");
    assert_eq!(
        err.to_string(),
        "uart.mode: invalid value: the `u8` read is not a `Mode`: undefined bits 0x4 (at byte 4)"
    );
    assert_eq!(dst, destination(), "a refused load changes nothing");

    // An enum with data: its own error, at the word's offset (after status, mode, divisor).
    let mut bad = plain_uart();
    bad.line = 0x2ff;
    let err = qemu::from_bytes(&mut dst, &qemu::to_bytes(&bad).unwrap(), 2, 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "uart.line: invalid value: the `u16` read is not a `Line`: 0x2ff encodes no line state \
         (at byte 7)"
    );

    // In a sequence, the element's index and its own offset (the `Vec` is last).
    let mut bad = plain_uart();
    bad.modes = vec![1, 2, 0x80];
    let data = qemu::to_bytes(&bad).unwrap();
    let err = qemu::from_bytes(&mut dst, &data, 2, 0).unwrap_err();
    assert_eq!(err.offset(), Some(data.len() - 1), "{err}");
    assert!(
        err.to_string()
            .starts_with("uart.modes[2]: invalid value: the `u8` read is not a `Mode`"),
        "{err}"
    );
    // The native format says the same, its offsets its own.
    let err = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&bad).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("uart.modes[2]: invalid value"), "{err}");
    assert!(err.contains("undefined bits 0x80"), "{err}");
    assert_eq!(dst, destination());
}

#[test]
fn the_converted_values_checks_hold() {
    // A field `validate` sees the converted value.
    let mut bad = plain_uart();
    bad.status = 0x82;
    let mut dst = destination();
    let err = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&bad).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("busy with an interrupt pending"), "{err}");

    // An immutable converted field compares the values as they travel, and prints them.
    let mut other = plain_uart();
    other.id = 8;
    let err =
        vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&other).unwrap()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ImmutableMismatch { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("uart.id") && text.contains('8') && text.contains('7'),
        "{text}"
    );
    assert_eq!(dst, destination());
}

#[test]
fn removed_converted_fields_skip_what_was_sent_unconverted() {
    // Bits that `Mode` refuses are skipped as they are: padding takes whatever was there.
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "uart", version = 2)]
    struct Dropped {
        status: Status,
        mode: Removed<Mode>,
        divisor: Divisor,
        line: Removed<Line>,
        rx: u32,
        irqs: Removed<[Status; 3]>,
        #[vmstate(immutable)]
        id: u16,
        #[vmstate(max_len = 8)]
        modes: Vec<Removed<Mode>>,
    }
    let mut sent = plain_uart();
    sent.mode = 0xff;
    sent.line = 0xffff;
    sent.modes = vec![0xfe];
    for native in [true, false] {
        let mut dst = Dropped {
            id: 7,
            ..Dropped::default()
        };
        match native {
            true => vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&sent).unwrap()),
            false => qemu::from_bytes(&mut dst, &qemu::to_bytes(&sent).unwrap(), 2, 0),
        }
        .unwrap();
        assert_eq!(
            dst.divisor,
            Divisor {
                low: 0x34,
                high: 0x12
            }
        );
        assert_eq!((dst.rx, dst.modes.len()), (0xdead_beef, 1));
    }
}

#[test]
fn an_undone_load_puts_the_converted_values_back() {
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "timer", post_load = "Self::refuse_raised")]
    struct Timer {
        line: Line,
        status: Status,
    }
    impl Timer {
        fn refuse_raised(&mut self) -> Result<(), std::io::Error> {
            match self.line {
                Line::Raised(_) => Err(std::io::Error::other("no line may be raised")),
                Line::Idle => Ok(()),
            }
        }
    }
    let src = Timer {
        line: Line::Raised(3),
        status: Status::BUSY,
    };
    let mut dst = Timer {
        line: Line::Idle,
        status: Status::READY,
    };
    let err = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no line may be raised"), "{err}");
    assert_eq!(
        dst,
        Timer {
            line: Line::Idle,
            status: Status::READY
        }
    );
}

/// A value read one at a time for `try_from` names its element once, as the plain
/// sequence's error does (it read `a[2][0]`: the index within the slice of one).
#[test]
fn a_sequences_refusal_names_its_element_once() {
    #[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
    #[vmstate(try_from = "bool", into = "bool")]
    struct Bit(bool);
    impl TryFrom<bool> for Bit {
        type Error = String;
        fn try_from(b: bool) -> Result<Self, String> {
            Ok(Bit(b))
        }
    }
    impl From<Bit> for bool {
        fn from(b: Bit) -> bool {
            b.0
        }
    }
    #[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
    #[vmstate(try_from = "[u8; 2]", into = "[u8; 2]")]
    struct Pair([u8; 2]);
    impl TryFrom<[u8; 2]> for Pair {
        type Error = String;
        fn try_from(v: [u8; 2]) -> Result<Self, String> {
            Ok(Pair(v))
        }
    }
    impl From<Pair> for [u8; 2] {
        fn from(p: Pair) -> [u8; 2] {
            p.0
        }
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Converted {
        bits: [Bit; 3],
        #[vmstate(max_len = 4)]
        pairs: Vec<Pair>,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Plain {
        bits: [bool; 3],
        #[vmstate(max_len = 4)]
        pairs: Vec<[u8; 2]>,
    }
    let plain = Plain {
        bits: [true, false, true],
        pairs: vec![[1, 2], [3, 4]],
    };
    let good = qemu::to_bytes(&plain).unwrap();
    // A bad bool byte: the same error, word for word.
    let mut bad = good.clone();
    bad[2] = 7;
    let want = qemu::from_bytes(&mut Plain::default(), &bad, 1, 0).unwrap_err();
    let got = qemu::from_bytes(&mut Converted::default(), &bad, 1, 0).unwrap_err();
    assert_eq!(
        got.to_string(),
        "dev.bits[2]: invalid bool byte 0x07 (at byte 2)"
    );
    assert_eq!(got.to_string(), want.to_string());
    // Every truncation: an element read alone names its index once (a block, as a whole).
    for n in 0..good.len() {
        let err = qemu::from_bytes(&mut Converted::default(), &good[..n], 1, 0).unwrap_err();
        let text = err.to_string();
        let path = text.split(':').next().unwrap();
        let indexes = path.matches('[').count();
        assert!(indexes <= 1, "{text}");
    }
    let err = qemu::from_bytes(&mut Converted::default(), &good[..1], 1, 0)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("dev.bits[1]: input truncated"), "{err}");
}

/// `Removed` of a converted type writes the zeros of the type it travels as, whatever the
/// type's own default or conversion makes of them.
#[test]
fn removed_converted_values_are_written_as_zeros_of_the_wire_type() {
    #[derive(VmState, Debug, Clone, Copy, PartialEq)]
    #[vmstate(try_from = "u16", into = "u16")]
    struct Ctrl(u16);
    impl Default for Ctrl {
        fn default() -> Self {
            Ctrl(0x0c) // the reset value
        }
    }
    impl TryFrom<u16> for Ctrl {
        type Error = String;
        fn try_from(v: u16) -> Result<Self, String> {
            Ok(Ctrl(v))
        }
    }
    impl From<Ctrl> for u16 {
        fn from(c: Ctrl) -> u16 {
            c.0
        }
    }
    /// Stored biased by one.
    #[derive(VmState, Debug, Clone, Copy, PartialEq)]
    #[vmstate(from = "u32", into = "u32")]
    struct Biased(u32);
    impl From<u32> for Biased {
        fn from(v: u32) -> Self {
            Biased(v.wrapping_add(1))
        }
    }
    impl From<Biased> for u32 {
        fn from(b: Biased) -> u32 {
            b.0
        }
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Converted {
        ctrl: Removed<Ctrl>,
        pair: Removed<[Biased; 2]>,
        each: [Removed<Biased>; 2],
        #[vmstate(max_len = 4)]
        queue: Vec<Removed<Ctrl>>,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Plain {
        ctrl: Removed<u16>,
        pair: Removed<[u32; 2]>,
        each: [Removed<u32>; 2],
        #[vmstate(max_len = 4)]
        queue: Vec<Removed<u16>>,
    }
    let converted = Converted {
        queue: vec![Removed::default(); 3],
        ..Converted::default()
    };
    let plain = Plain {
        queue: vec![Removed::default(); 3],
        ..Plain::default()
    };
    let zeros = qemu::to_bytes(&plain).unwrap();
    assert_eq!(&zeros[..4 + 8 + 8], &[0; 20]);
    assert_eq!(qemu::to_bytes(&converted).unwrap(), zeros);
    assert_eq!(
        vmstate_core::to_bytes(&converted).unwrap(),
        vmstate_core::to_bytes(&plain).unwrap()
    );
}

/// An undone load puts back a converted field the stream lacked, also one whose type needs
/// dropping (a conversion clones at every save anyway).
#[test]
fn an_undone_load_restores_a_kept_converted_value_that_needs_dropping() {
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(try_from = "u32", into = "u32")]
    struct Named {
        value: u32,
        label: String,
    }
    impl TryFrom<u32> for Named {
        type Error = String;
        fn try_from(value: u32) -> Result<Self, String> {
            Ok(Named {
                value,
                label: format!("#{value}"),
            })
        }
    }
    impl From<Named> for u32 {
        fn from(n: Named) -> u32 {
            n.value
        }
    }
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(
        name = "dev",
        version = 2,
        minimum_version = 1,
        post_load = "Self::refuse"
    )]
    struct Dev {
        count: u32,
        #[vmstate(since = 2)]
        named: Named,
    }
    impl Dev {
        // Refuses a loaded count of 2 after writing over the kept field (and, run again
        // over the restored state as an undo does, accepts it).
        fn refuse(&mut self) -> Result<(), std::io::Error> {
            if self.count != 2 {
                return Ok(());
            }
            self.named = Named {
                value: 99,
                label: "overwritten".into(),
            };
            Err(std::io::Error::other("refused"))
        }
    }
    let before = Dev {
        count: 1,
        named: Named {
            value: 5,
            label: "kept".into(),
        },
    };
    let mut dst = Dev {
        count: 1,
        named: before.named.clone(),
    };
    // A version-1 stream: `count` only, `named` kept.
    let err = qemu::from_bytes(&mut dst, &[0, 0, 0, 2], 1, 0).unwrap_err();
    assert!(err.to_string().contains("refused"), "{err}");
    assert_eq!(dst, before);
}
