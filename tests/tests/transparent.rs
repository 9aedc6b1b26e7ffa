//! `#[vmstate(transparent)]`: a struct of one field travels as that field, with its
//! description, in both codecs.

use core::num::Wrapping;
use vmstate_core::schema::{self, Rule, Schema};
use vmstate_core::{qemu, Field, Shape, VmState};

/// A register as a newtype, as `bitflags` 2 takes a type declared by hand
/// (`bitflags! { impl Lcr: u8 { .. } }`).
#[derive(VmState, Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
#[vmstate(transparent)]
struct Lcr(u8);

/// One named field.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent)]
struct Divisor {
    value: u16,
}

/// Generic, over a value that wraps.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent)]
struct Counter<T>(T);

#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[repr(u8)]
enum Parity {
    #[default]
    None = 0,
    Odd = 1,
    Even = 2,
}

#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent)]
struct ParityReg(Parity);

/// A newtype of a newtype.
#[derive(VmState, Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
#[vmstate(transparent)]
struct ShadowLcr(Lcr);

#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "uart", version = 2)]
struct Uart {
    #[vmstate(range = "Lcr(0)..Lcr(0x80)")]
    lcr: Lcr,
    divisor: Divisor,
    rx_count: Counter<Wrapping<u32>>,
    parity: ParityReg,
    shadow: ShadowLcr,
    scratch: [Lcr; 3],
    #[vmstate(max_len = 16)]
    fifo: Vec<Lcr>,
    #[vmstate(immutable)]
    id: Counter<u64>,
}

/// The same state with the plain values the newtypes wrap.
#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "uart", version = 2)]
struct PlainUart {
    #[vmstate(range = "0..0x80")]
    lcr: u8,
    divisor: u16,
    rx_count: Wrapping<u32>,
    parity: Parity,
    shadow: u8,
    scratch: [u8; 3],
    #[vmstate(max_len = 16)]
    fifo: Vec<u8>,
    #[vmstate(immutable)]
    id: u64,
}

fn uart() -> Uart {
    Uart {
        lcr: Lcr(0x03),
        divisor: Divisor { value: 0x1234 },
        rx_count: Counter(Wrapping(70_000)),
        parity: ParityReg(Parity::Even),
        shadow: ShadowLcr(Lcr(0x1b)),
        scratch: [Lcr(1), Lcr(2), Lcr(3)],
        fifo: vec![Lcr(b'h'), Lcr(b'i')],
        id: Counter(7),
    }
}

fn plain_uart() -> PlainUart {
    PlainUart {
        lcr: 0x03,
        divisor: 0x1234,
        rx_count: Wrapping(70_000),
        parity: Parity::Even,
        shadow: 0x1b,
        scratch: [1, 2, 3],
        fifo: b"hi".to_vec(),
        id: 7,
    }
}

#[test]
fn a_newtype_travels_as_the_value_it_wraps_in_both_codecs() {
    assert_eq!(
        vmstate_core::to_bytes(&uart()).unwrap(),
        vmstate_core::to_bytes(&plain_uart()).unwrap()
    );
    assert_eq!(
        qemu::to_bytes(&uart()).unwrap(),
        qemu::to_bytes(&plain_uart()).unwrap()
    );
    let native = vmstate_core::to_bytes(&plain_uart()).unwrap();
    let mut dst = Uart {
        id: Counter(7),
        ..Uart::default()
    };
    vmstate_core::from_bytes(&mut dst, &native).unwrap();
    assert_eq!(dst, uart());
    let mut dst = Uart {
        id: Counter(7),
        ..Uart::default()
    };
    qemu::from_bytes(&mut dst, &qemu::to_bytes(&plain_uart()).unwrap(), 2, 0).unwrap();
    assert_eq!(dst, uart());
}

#[test]
fn a_newtype_is_described_as_the_value_it_wraps() {
    assert_eq!(Lcr::SHAPE, u8::SHAPE);
    assert_eq!(Counter::<Wrapping<u32>>::SHAPE, u32::SHAPE);
    assert!(matches!(ParityReg::SHAPE, Shape::Enum { .. }));
    // Switching a field between the value and its newtype is no migration break, either way.
    let schema = |d| {
        let mut s = Schema::default();
        s.add("uart", d);
        s
    };
    let (newtypes, plain) = (schema(Uart::DESCRIPTION), schema(PlainUart::DESCRIPTION));
    for (old, new) in [(&plain, &newtypes), (&newtypes, &plain)] {
        let report = schema::check(old, new);
        // Only the range's text differs (`0..0x80`, `Lcr(0)..Lcr(0x80)`), which is judged as
        // written.
        let range_text = report.by_rule(Rule::CheckAdded).count();
        assert_eq!(
            (report.errors(), report.warnings(), range_text),
            (0, 1, 1),
            "{report}"
        );
    }
}

#[test]
fn a_wrapped_values_checks_hold_with_their_paths() {
    let mut bad = plain_uart();
    bad.lcr = 0x80; // out of the range, given in newtypes
    let bytes = vmstate_core::to_bytes(&bad).unwrap();
    let mut dst = Uart {
        id: Counter(7),
        ..Uart::default()
    };
    let err = vmstate_core::from_bytes(&mut dst, &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("uart.lcr: value Lcr(128) is outside the valid range"),
        "{err}"
    );

    // A wrapped enum refuses a value that names no variant.
    let mut data = qemu::to_bytes(&plain_uart()).unwrap();
    let at = 1 + 2 + 4; // lcr, divisor, rx_count
    data[at] = 9;
    let err = qemu::from_bytes(&mut dst, &data, 2, 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("uart.parity") && err.contains('9'), "{err}");

    // An immutable newtype field compares the wrapped values.
    let mut other = plain_uart();
    other.id = 8;
    let err = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&other).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("uart.id") && err.contains('8') && err.contains('7'),
        "{err}"
    );
    assert_eq!(dst.id, Counter(7));
    assert_eq!(dst.lcr, Lcr(0));
}

#[test]
fn a_newtype_can_be_removed_padding() {
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "uart", version = 2)]
    struct Dropped {
        lcr: vmstate_core::Removed<Lcr>,
        divisor: Divisor,
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "uart", version = 2)]
    struct Old {
        lcr: Lcr,
        divisor: Divisor,
    }
    let old = Old {
        lcr: Lcr(0x7f),
        divisor: Divisor { value: 9 },
    };
    let mut dst = Dropped::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
    assert_eq!(dst.divisor, Divisor { value: 9 });
    let mut dst = Dropped::default();
    qemu::from_bytes(&mut dst, &qemu::to_bytes(&old).unwrap(), 2, 0).unwrap();
    assert_eq!(dst.divisor, Divisor { value: 9 });
}

/// Wider than a byte: sequences of these travel as blocks of fixed-width values in the
/// native format, where a single value is a varint.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent)]
struct Reg16(u16);

#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[repr(u16)]
enum Mode {
    #[default]
    Idle = 0,
    Busy = 0x180,
}

#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "regs")]
struct Regs {
    one: Reg16,
    three: [Reg16; 3],
    grid: [[Reg16; 2]; 2],
    #[vmstate(max_len = 8)]
    words: Vec<Counter<u32>>,
    #[vmstate(max_len = 8)]
    longs: Box<[Counter<i64>]>,
    modes: [Counter<Mode>; 2],
    wraps: [Counter<Wrapping<u16>>; 2],
    nested: [Counter<Reg16>; 2],
    tail: u8,
}

#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "regs")]
struct PlainRegs {
    one: u16,
    three: [u16; 3],
    grid: [[u16; 2]; 2],
    #[vmstate(max_len = 8)]
    words: Vec<u32>,
    #[vmstate(max_len = 8)]
    longs: Box<[i64]>,
    modes: [Mode; 2],
    wraps: [Wrapping<u16>; 2],
    nested: [u16; 2],
    tail: u8,
}

fn plain_regs() -> PlainRegs {
    PlainRegs {
        one: 0x180,
        three: [0x180, 1, 0xffff],
        grid: [[0x101, 2], [3, 0x8000]],
        words: vec![0x8000_0001, 7],
        longs: vec![-1, i64::MIN, 300].into_boxed_slice(),
        modes: [Mode::Busy, Mode::Idle],
        wraps: [Wrapping(0x180), Wrapping(9)],
        nested: [0x4000, 0x81],
        tail: 0xee,
    }
}

fn regs() -> Regs {
    let p = plain_regs();
    Regs {
        one: Reg16(p.one),
        three: p.three.map(Reg16),
        grid: p.grid.map(|row| row.map(Reg16)),
        words: p.words.iter().copied().map(Counter).collect(),
        longs: p.longs.iter().copied().map(Counter).collect(),
        modes: p.modes.map(Counter),
        wraps: p.wraps.map(Counter),
        nested: p.nested.map(|v| Counter(Reg16(v))),
        tail: p.tail,
    }
}

#[test]
fn sequences_of_newtypes_travel_as_sequences_of_the_value() {
    let native = vmstate_core::to_bytes(&plain_regs()).unwrap();
    assert_eq!(vmstate_core::to_bytes(&regs()).unwrap(), native);
    let qemu = qemu::to_bytes(&plain_regs()).unwrap();
    assert_eq!(qemu::to_bytes(&regs()).unwrap(), qemu);
    let fresh = || Regs {
        longs: vec![Counter(0); 3].into_boxed_slice(),
        ..Regs::default()
    };
    let mut dst = fresh();
    vmstate_core::from_bytes(&mut dst, &native).unwrap();
    assert_eq!(dst, regs());
    let mut dst = fresh();
    qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst, regs());
    // Read back from the description alone, as `inspect` does.
    let desc = schema::Desc::from_description(Regs::DESCRIPTION);
    let frame = vmstate_core::read_frame(&native, 0).unwrap();
    let (native_value, _) =
        schema::decode(&desc, schema::Format::Native, frame.fields, 1, 0).unwrap();
    let (qemu_value, _) = schema::decode(&desc, schema::Format::Qemu, &qemu, 1, 0).unwrap();
    assert_eq!(native_value, qemu_value);
    // A wrapped enum refuses a value that names no variant, named by its index.
    let mut bad = qemu.clone();
    let modes_at = 2 + 6 + 8 + 4 + 8 + 4 + 24; // one, three, grid, words, longs
    bad[modes_at + 2..modes_at + 4].copy_from_slice(&7u16.to_be_bytes());
    let err = qemu::from_bytes(&mut fresh(), &bad, 1, 0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("regs.modes[1]") && err.contains("7 is not a `Mode`"),
        "{err}"
    );
}

#[test]
fn removed_sequences_of_newtypes_skip_what_was_sent() {
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "regs")]
    struct Old {
        three: [Reg16; 3],
        tail: u8,
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "regs")]
    struct New {
        three: vmstate_core::Removed<[Reg16; 3]>,
        tail: u8,
    }
    let old = Old {
        three: [Reg16(0x180), Reg16(1), Reg16(0xffff)],
        tail: 0xee,
    };
    let mut new = New::default();
    vmstate_core::from_bytes(&mut new, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
    assert_eq!(new.tail, 0xee);
    let mut new = New::default();
    qemu::from_bytes(&mut new, &qemu::to_bytes(&old).unwrap(), 1, 0).unwrap();
    assert_eq!(new.tail, 0xee);
    let mut again = New::default();
    vmstate_core::from_bytes(&mut again, &vmstate_core::to_bytes(&new).unwrap()).unwrap();
    assert_eq!(again.tail, 0xee);
}

/// A plain value whose save fails for odd values (a hand-written `Field`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Even(u8);

impl Field for Even {
    const SHAPE: Shape = u8::SHAPE;
    type Staged = Self;
    fn placeholder() -> Self {
        Even(0)
    }
    fn save<E: vmstate_core::Encoder>(&self, e: &mut E) -> Result<(), vmstate_core::Error> {
        match self.0 % 2 {
            0 => self.0.save(e),
            _ => Err(vmstate_core::Error::new(vmstate_core::ErrorKind::Format(
                format!("odd {}", self.0),
            ))),
        }
    }
    fn load<D: vmstate_core::Decoder>(&self, d: &mut D) -> Result<Self, vmstate_core::Error> {
        self.0.load(d).map(Even)
    }
    fn matches(&self, staged: &Self) -> bool {
        self == staged
    }
    fn commit(&mut self, staged: &mut Self) {
        core::mem::swap(self, staged)
    }
}

impl vmstate_core::Plain for Even {}

#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent)]
struct EvenReg(Even);

#[test]
fn a_failing_save_of_an_element_names_its_index() {
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "e")]
    struct Plain {
        a: [Even; 3],
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "e")]
    struct Wrapped {
        a: [EvenReg; 3],
        #[vmstate(max_len = 4)]
        v: Vec<EvenReg>,
    }
    let plain = Plain {
        a: [Even(2), Even(4), Even(5)],
    };
    let err = vmstate_core::to_bytes(&plain).unwrap_err().to_string();
    assert!(err.starts_with("e.a[2]: odd 5"), "{err}");
    let wrapped = Wrapped {
        a: [EvenReg(Even(2)), EvenReg(Even(4)), EvenReg(Even(5))],
        v: vec![],
    };
    for err in [
        vmstate_core::to_bytes(&wrapped).unwrap_err().to_string(),
        qemu::to_bytes(&wrapped).unwrap_err().to_string(),
    ] {
        assert!(err.starts_with("e.a[2]: odd 5"), "{err}");
    }
    let wrapped = Wrapped {
        a: [EvenReg(Even(2)); 3],
        v: vec![EvenReg(Even(0)), EvenReg(Even(3))],
    };
    let err = vmstate_core::to_bytes(&wrapped).unwrap_err().to_string();
    assert!(err.starts_with("e.v[1]: odd 3"), "{err}");
}
