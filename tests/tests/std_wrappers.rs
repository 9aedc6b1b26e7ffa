//! std's wrappers of plain values as field types: `Wrapping`, `Saturating`, `Cell` (not
//! in a `Vec`), the atomic integers and `AtomicBool` travel exactly as the value they wrap,
//! on both wires and in the description, scalars, arrays and vectors alike; a load of them
//! stays atomic.

use std::num::{Saturating, Wrapping};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU16, AtomicU32, AtomicU8, Ordering};
use vmstate_core::schema::check;
use vmstate_core::{qemu, ErrorKind, VmState};

/// A virtio queue and an interrupt block as Firecracker-style code writes them.
#[derive(VmState, Debug)]
#[vmstate(name = "queue")]
struct Wrapped {
    next_avail: Wrapping<u16>,
    next_used: Wrapping<u16>,
    credit: Saturating<u8>,
    interrupt_status: AtomicU32,
    activated: AtomicBool,
    offset: AtomicI64,
    vectors: [AtomicU16; 3],
    ring: [Wrapping<u32>; 4],
    /// Filled by a `pre_save` hook, as `Cell`s are.
    snapshot: [std::cell::Cell<u32>; 3],
    #[vmstate(max_len = 8)]
    pending: Vec<Wrapping<u8>>,
    #[vmstate(range = "..8")]
    last: u8,
}

/// The same state as plain values.
#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "queue")]
struct Plain {
    next_avail: u16,
    next_used: u16,
    credit: u8,
    interrupt_status: u32,
    activated: bool,
    offset: i64,
    vectors: [u16; 3],
    ring: [u32; 4],
    snapshot: [u32; 3],
    #[vmstate(max_len = 8)]
    pending: Vec<u8>,
    #[vmstate(range = "..8")]
    last: u8,
}

fn plain(seed: u8) -> Plain {
    let s = u32::from(seed);
    Plain {
        next_avail: 0xfff0 + u16::from(seed),
        next_used: 300 * u16::from(seed),
        credit: 250 - seed,
        interrupt_status: 0x8000_0001_u32.wrapping_mul(s),
        activated: seed % 2 == 1,
        offset: -1_000_000_007 * i64::from(seed),
        vectors: [1, 2, 3].map(|v| v * u16::from(seed)),
        ring: [0x1234_5678, 0, u32::MAX, 7].map(|v| v ^ s),
        snapshot: [0x8000_0000, 1, 0x10_0000].map(|v| v + s),
        pending: vec![seed; usize::from(seed % 8)],
        last: seed % 8,
    }
}

fn wrapped(p: &Plain) -> Wrapped {
    Wrapped {
        next_avail: Wrapping(p.next_avail),
        next_used: Wrapping(p.next_used),
        credit: Saturating(p.credit),
        interrupt_status: AtomicU32::new(p.interrupt_status),
        activated: AtomicBool::new(p.activated),
        offset: AtomicI64::new(p.offset),
        vectors: p.vectors.map(AtomicU16::new),
        ring: p.ring.map(Wrapping),
        snapshot: p.snapshot.map(std::cell::Cell::new),
        pending: p.pending.iter().copied().map(Wrapping).collect(),
        last: p.last,
    }
}

fn unwrapped(w: &Wrapped) -> Plain {
    Plain {
        next_avail: w.next_avail.0,
        next_used: w.next_used.0,
        credit: w.credit.0,
        interrupt_status: w.interrupt_status.load(Ordering::SeqCst),
        activated: w.activated.load(Ordering::SeqCst),
        offset: w.offset.load(Ordering::SeqCst),
        vectors: [0, 1, 2].map(|i| w.vectors[i].load(Ordering::SeqCst)),
        ring: w.ring.map(|r| r.0),
        snapshot: [0, 1, 2].map(|i| w.snapshot[i].get()),
        pending: w.pending.iter().map(|p| p.0).collect(),
        last: w.last,
    }
}

#[test]
fn wrappers_travel_as_the_values_they_wrap_in_both_formats() {
    for seed in [1, 6, 7] {
        let values = plain(seed);
        let device = wrapped(&values);
        // The same bytes as the plain struct's: natively (varint scalars, blocks for the
        // arrays and vectors) and on QEMU's wire.
        let native = vmstate_core::to_bytes(&device).unwrap();
        assert_eq!(native, vmstate_core::to_bytes(&values).unwrap());
        let qemu_bytes = qemu::to_bytes(&device).unwrap();
        assert_eq!(qemu_bytes, qemu::to_bytes(&values).unwrap());
        // And back, into a destination holding other values.
        let mut back = wrapped(&plain(2));
        vmstate_core::from_bytes(&mut back, &native).unwrap();
        assert_eq!(unwrapped(&back), values);
        let mut back = wrapped(&plain(2));
        qemu::from_bytes(&mut back, &qemu_bytes, 1, 0).unwrap();
        assert_eq!(unwrapped(&back), values);
    }
}

#[test]
fn a_field_may_switch_between_a_value_and_its_wrapper_without_a_break() {
    let schema = |d| vmstate_tests::one_device("queue", d);
    let (plain, wrapped) = (schema(Plain::DESCRIPTION), schema(Wrapped::DESCRIPTION));
    for report in [check(&plain, &wrapped), check(&wrapped, &plain)] {
        assert!(report.findings.is_empty(), "{report}");
    }
}

#[test]
fn a_refused_load_leaves_the_wrappers_and_atomics_unchanged() {
    let before = plain(3);
    let mut device = wrapped(&before);
    // The last field out of its range: the load fails after every other field was read.
    let mut bad = plain(5);
    bad.last = 9;
    let bytes = qemu::to_bytes(&bad).unwrap();
    let err = qemu::from_bytes(&mut device, &bytes, 1, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::OutOfRange { .. }), "{err}");
    assert_eq!(unwrapped(&device), before);
    let bytes = vmstate_core::to_bytes(&bad).unwrap();
    assert!(vmstate_core::from_bytes(&mut device, &bytes).is_err());
    assert_eq!(unwrapped(&device), before);
}

#[test]
fn an_atomic_field_may_be_immutable_configuration() {
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Dev {
        #[vmstate(immutable)]
        queues: AtomicU8,
        head: Wrapping<u16>,
    }
    let bytes = vmstate_core::to_bytes(&Dev {
        queues: AtomicU8::new(2),
        head: Wrapping(9),
    })
    .unwrap();
    let mut other = Dev {
        queues: AtomicU8::new(4),
        head: Wrapping(0),
    };
    let err = vmstate_core::from_bytes(&mut other, &bytes).unwrap_err();
    assert!(
        err.to_string()
            .contains("dev.queues: immutable field differs: stream has 2, destination has 4"),
        "{err}"
    );
    assert_eq!(other.head, Wrapping(0));
}

#[test]
fn a_wrapper_takes_a_range_written_in_its_type() {
    #[derive(VmState)]
    #[vmstate(name = "ring")]
    struct Ring {
        #[vmstate(range = "Wrapping(0)..Wrapping(8)")]
        head: Wrapping<u8>,
    }
    let bytes = qemu::to_bytes(&Ring { head: Wrapping(9) }).unwrap();
    let mut ring = Ring { head: Wrapping(1) };
    let err = qemu::from_bytes(&mut ring, &bytes, 1, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::OutOfRange { .. }), "{err}");
    assert_eq!(ring.head, Wrapping(1));
    // `-Wrapping(1u8)` wraps to 255: not taken for a range below 0 (which the derive refuses).
    #[derive(VmState)]
    #[vmstate(name = "window")]
    struct Window {
        #[vmstate(range = "..-Wrapping(1u8)")]
        tail: Wrapping<u8>,
    }
    let mut window = Window { tail: Wrapping(0) };
    let bytes = qemu::to_bytes(&Window {
        tail: Wrapping(254),
    })
    .unwrap();
    qemu::from_bytes(&mut window, &bytes, 1, 0).unwrap();
    assert_eq!(window.tail, Wrapping(254));
    let bytes = qemu::to_bytes(&Window {
        tail: Wrapping(255),
    })
    .unwrap();
    assert!(qemu::from_bytes(&mut window, &bytes, 1, 0).is_err());
}

/// Long arrays of cells (saved in pieces through the stack) and cells of wide values (one at
/// a time) are the arrays of their values on both wires, and load back.
#[test]
fn long_arrays_of_cells_and_cells_of_arrays_travel_as_their_values() {
    use std::cell::Cell;
    #[derive(VmState)]
    #[vmstate(name = "fifo")]
    struct Cells {
        words: [Cell<u16>; 150],
        rows: [Cell<[u32; 6]>; 5],
    }
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "fifo")]
    struct Values {
        words: [u16; 150],
        rows: [[u32; 6]; 5],
    }
    let values = Values {
        words: std::array::from_fn(|i| (i as u16).wrapping_mul(0x0101) ^ 0x8000),
        rows: std::array::from_fn(|i| std::array::from_fn(|j| (i * 6 + j) as u32 * 0x0100_0001)),
    };
    let cells = Cells {
        words: values.words.map(Cell::new),
        rows: values.rows.map(Cell::new),
    };
    let native = vmstate_core::to_bytes(&cells).unwrap();
    assert_eq!(native, vmstate_core::to_bytes(&values).unwrap());
    let wire = qemu::to_bytes(&cells).unwrap();
    assert_eq!(wire, qemu::to_bytes(&values).unwrap());
    let mut back = Cells {
        words: std::array::from_fn(|_| Cell::new(0)),
        rows: std::array::from_fn(|_| Cell::new([0; 6])),
    };
    vmstate_core::from_bytes(&mut back, &native).unwrap();
    assert_eq!(back.words.map(|c| c.get()), values.words);
    assert_eq!(back.rows.map(|c| c.get()), values.rows);
}

/// A value whose save refuses odd numbers (a hand-written `Field`), to see which element a
/// save error names.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Even(u8);

impl vmstate_core::Field for Even {
    const SHAPE: vmstate_core::Shape = <u8 as vmstate_core::Field>::SHAPE;
    type Staged = Self;
    fn placeholder() -> Self {
        Even(0)
    }
    fn save<E: vmstate_core::Encoder>(&self, e: &mut E) -> Result<(), vmstate_core::Error> {
        match self.0 % 2 {
            0 => vmstate_core::Field::save(&self.0, e),
            _ => Err(vmstate_core::Error::new(ErrorKind::Format(format!(
                "odd {}",
                self.0
            )))),
        }
    }
    fn load<D: vmstate_core::Decoder>(&self, d: &mut D) -> Result<Self, vmstate_core::Error> {
        vmstate_core::Field::load(&self.0, d).map(Even)
    }
    fn matches(&self, staged: &Self) -> bool {
        self == staged
    }
    fn commit(&mut self, staged: &mut Self) {
        core::mem::swap(self, staged)
    }
}

impl vmstate_core::Plain for Even {}

/// A save error of an array of cells names the element of the whole array, as one of the
/// plain array does, past the first piece of 64 saved together and for wide values saved one
/// at a time.
#[test]
fn a_save_error_in_an_array_of_cells_names_its_element() {
    use std::cell::Cell;
    let even = |odd_at: usize| move |i: usize| Even(if i == odd_at { 1 } else { 2 });
    #[derive(VmState)]
    #[vmstate(name = "e")]
    struct Cells {
        a: [Cell<Even>; 70],
    }
    #[derive(VmState)]
    #[vmstate(name = "e")]
    struct Values {
        a: [Even; 70],
    }
    let cells = Cells {
        a: std::array::from_fn(|i| Cell::new(even(66)(i))),
    };
    let values = Values {
        a: std::array::from_fn(even(66)),
    };
    for err in [
        vmstate_core::to_bytes(&cells).unwrap_err(),
        qemu::to_bytes(&cells).unwrap_err(),
        vmstate_core::to_bytes(&values).unwrap_err(),
    ] {
        assert!(err.to_string().starts_with("e.a[66]: "), "{err}");
    }
    #[derive(VmState)]
    #[vmstate(name = "e")]
    struct Wide {
        a: [Cell<[Even; 20]>; 3],
    }
    let wide = Wide {
        a: std::array::from_fn(|i| {
            Cell::new(std::array::from_fn(even(if i == 2 { 5 } else { 99 })))
        }),
    };
    let err = qemu::to_bytes(&wide).unwrap_err();
    assert!(err.to_string().starts_with("e.a[2][5]: "), "{err}");
}
