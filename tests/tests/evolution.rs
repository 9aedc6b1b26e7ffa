//! One small device in three releases, migrated across every pair with both codecs, and
//! the schema checker agreeing with every outcome.
//!
//! - v1: three registers.
//! - v2: adds `irq_mask` in a subsection (sent only while it is non-zero): no version bump,
//!   so v2 streams still load into v1 while the subsection is not needed.
//! - v3: version 3; adds `reload` with `since = 3` (default from a function when absent) and
//!   removes `prescale`, keeping its place on the wire (`Removed<u32>`: 4 bytes of padding
//!   in QEMU's format, a skipped varint in the native one).

use vmstate_core::{ErrorKind, VmState};

mod v1 {
    use vmstate_core::VmState;
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "demo_timer", version = 1, minimum_version = 1)]
    pub struct Timer {
        pub control: u32,
        pub limit: u32,
        pub prescale: u32,
    }
}

mod v2 {
    use vmstate_core::VmState;
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "demo_timer/irq", version = 1, minimum_version = 1)]
    pub struct Irq {
        pub irq_mask: u32,
    }

    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "demo_timer", version = 1, minimum_version = 1)]
    pub struct Timer {
        pub control: u32,
        pub limit: u32,
        pub prescale: u32,
        #[vmstate(subsection, needed = "Self::irq_needed")]
        pub irq: Irq,
    }

    impl Timer {
        fn irq_needed(&self) -> bool {
            self.irq.irq_mask != 0
        }
    }
}

mod v3 {
    use vmstate_core::{Removed, VmState};
    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "demo_timer/irq", version = 1, minimum_version = 1)]
    pub struct Irq {
        pub irq_mask: u32,
    }

    #[derive(VmState, Debug, Clone, PartialEq, Default)]
    #[vmstate(name = "demo_timer", version = 3, minimum_version = 1)]
    pub struct Timer {
        pub control: u32,
        pub limit: u32,
        /// `prescale` was removed in v3; its bytes stay as padding.
        pub _prescale: Removed<u32>,
        #[vmstate(subsection, needed = "Self::irq_needed")]
        pub irq: Irq,
        #[vmstate(since = 3, default = "Self::default_reload")]
        pub reload: u32,
    }

    impl Timer {
        fn irq_needed(&self) -> bool {
            self.irq.irq_mask != 0
        }
        pub fn default_reload() -> u32 {
            0xffff
        }
    }
}

/// Both codecs: save `src`, load into `dst`.
fn migrate<A: VmState, B: VmState>(src: &A, dst: &mut B) -> [Result<(), vmstate_core::Error>; 2] {
    let native = vmstate_core::to_bytes(src).unwrap();
    let native = vmstate_core::from_bytes(dst, &native);
    let qemu = vmstate_core::qemu::to_bytes(src).unwrap();
    let qemu = vmstate_core::qemu::from_bytes(dst, &qemu, A::DESCRIPTION.version, 0);
    [native, qemu]
}

fn ok(results: [Result<(), vmstate_core::Error>; 2]) {
    for r in results {
        r.unwrap();
    }
}

fn v1() -> v1::Timer {
    v1::Timer {
        control: 1,
        limit: 1000,
        prescale: 16,
    }
}

#[test]
fn v1_to_v2() {
    let mut dst = v2::Timer {
        irq: v2::Irq { irq_mask: 0x5 },
        ..Default::default()
    };
    ok(migrate(&v1(), &mut dst));
    assert_eq!((dst.control, dst.limit, dst.prescale), (1, 1000, 16));
    assert_eq!(
        dst.irq.irq_mask, 0x5,
        "a missing subsection keeps the destination's value"
    );
}

#[test]
fn v2_to_v1_while_the_subsection_is_not_needed() {
    let src = v2::Timer {
        control: 2,
        limit: 7,
        prescale: 3,
        irq: v2::Irq { irq_mask: 0 },
    };
    let mut dst = v1::Timer::default();
    ok(migrate(&src, &mut dst));
    assert_eq!(
        dst,
        v1::Timer {
            control: 2,
            limit: 7,
            prescale: 3
        }
    );
}

#[test]
fn v2_to_v1_fails_clearly_when_the_subsection_is_needed() {
    let src = v2::Timer {
        control: 2,
        limit: 7,
        prescale: 3,
        irq: v2::Irq { irq_mask: 1 },
    };
    let mut dst = v1::Timer::default();
    for r in migrate(&src, &mut dst) {
        let e = r.unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::UnknownSubsection(n) if n == "demo_timer/irq"),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("unknown subsection `demo_timer/irq`"),
            "{e}"
        );
    }
    assert_eq!(dst, v1::Timer::default(), "nothing loaded");
}

#[test]
fn v2_to_v3() {
    let src = v2::Timer {
        control: 2,
        limit: 7,
        prescale: 3,
        irq: v2::Irq { irq_mask: 9 },
    };
    let mut dst = v3::Timer {
        reload: 1,
        ..Default::default()
    };
    ok(migrate(&src, &mut dst));
    assert_eq!((dst.control, dst.limit, dst.irq.irq_mask), (2, 7, 9));
    assert_eq!(
        dst.reload, 0xffff,
        "absent from a version-1 stream: the default function"
    );
}

#[test]
fn v3_to_v2_is_refused_as_too_new() {
    let src = v3::Timer {
        control: 2,
        limit: 7,
        reload: 5,
        ..Default::default()
    };
    let mut dst = v2::Timer::default();
    for r in migrate(&src, &mut dst) {
        let e = r.unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::TooNew { version: 3, max: 1 }),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("demo_timer: version 3 is too new: this build loads versions up to 1"),
            "{e}"
        );
    }
    assert_eq!(dst, v2::Timer::default());
}

#[test]
fn v1_to_v3() {
    let mut dst = v3::Timer::default();
    ok(migrate(&v1(), &mut dst));
    assert_eq!((dst.control, dst.limit, dst.reload), (1, 1000, 0xffff));
}

#[test]
fn v3_round_trip_keeps_the_new_field() {
    let src = v3::Timer {
        control: 4,
        limit: 5,
        reload: 77,
        irq: v3::Irq { irq_mask: 2 },
        ..Default::default()
    };
    let mut dst = v3::Timer::default();
    ok(migrate(&src, &mut dst));
    assert_eq!(dst, src);
    // The padding keeps the QEMU layout: control, limit, 4 zero bytes, reload, subsection.
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(&bytes[8..16], &[0, 0, 0, 0, 0, 0, 0, 77]);
}

/// The checker agrees with the matrix: compatible exactly where every load works; where a
/// load works only while a subsection is not needed (v2 → v1), it reports that subsection.
#[test]
fn the_checker_agrees_with_every_outcome() {
    use vmstate_core::schema::{check, Rule, Schema};
    let schema = |d: &vmstate_core::Description| {
        let mut s = Schema::new(None);
        s.add("demo_timer", d);
        s
    };
    let (s1, s2, s3) = (
        schema(v1::Timer::DESCRIPTION),
        schema(v2::Timer::DESCRIPTION),
        schema(v3::Timer::DESCRIPTION),
    );
    let rules = |old: &Schema, new: &Schema| {
        let r = check(old, new);
        assert_eq!(
            r.errors(),
            r.findings
                .iter()
                .filter(|f| f.severity == vmstate_core::schema::Severity::Error)
                .count()
        );
        r.findings
            .iter()
            .filter(|f| f.severity == vmstate_core::schema::Severity::Error)
            .map(|f| f.rule)
            .collect::<Vec<_>>()
    };
    // Loads that always work: no error.
    assert_eq!(rules(&s1, &s2), []);
    assert_eq!(rules(&s2, &s3), []);
    assert_eq!(rules(&s1, &s3), []);
    // v2 -> v1 works only while the subsection is not needed.
    assert_eq!(rules(&s2, &s1), [Rule::SubsectionRemoved]);
    // Too new: refused.
    assert!(rules(&s3, &s2).contains(&Rule::VersionTooHigh));
    assert!(rules(&s3, &s1).contains(&Rule::VersionTooHigh));
}

/// A nested struct that a `default` replaces (the input lacks it) is treated as loaded: its
/// derived fields are recomputed and its `post_load` runs, in both codecs.
mod replaced_by_default {
    use vmstate_core::VmState;

    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "board/clock", post_load = "Self::after_load")]
    pub struct Clock {
        pub rate: u32,
        #[vmstate(derived = "Self::recompute")]
        pub period: u32,
        #[vmstate(skip)]
        pub loads: u32,
    }

    impl Clock {
        fn recompute(&mut self) {
            self.period = 1_000_000 / self.rate.max(1);
        }
        fn after_load(&mut self) {
            self.loads += 1;
        }
    }

    pub mod v1 {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "board", version = 1)]
        pub struct Board {
            pub ctrl: u32,
        }
    }

    #[derive(VmState, Default)]
    #[vmstate(name = "board", version = 2, minimum_version = 1)]
    pub struct Board {
        pub ctrl: u32,
        #[vmstate(since = 2, default = "Self::boot_clock")]
        pub cpu_clock: Clock,
        #[vmstate(
            subsection,
            needed = "Self::bus_clock_set",
            default = "Self::boot_clock"
        )]
        pub bus_clock: Clock,
    }

    impl Board {
        fn boot_clock() -> Clock {
            Clock {
                rate: 1000,
                period: 0,
                loads: 0,
            }
        }
        fn bus_clock_set(&self) -> bool {
            self.bus_clock.rate != 1000
        }
    }

    #[test]
    fn derived_fields_and_post_load_run_on_the_default() {
        let expected = Clock {
            rate: 1000,
            period: 1000,
            loads: 1,
        };
        for qemu in [false, true] {
            let mut board = Board::default();
            let src = v1::Board { ctrl: 3 };
            if qemu {
                let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
                vmstate_core::qemu::from_bytes(&mut board, &bytes, 1, 0).unwrap();
            } else {
                vmstate_core::from_bytes(&mut board, &vmstate_core::to_bytes(&src).unwrap())
                    .unwrap();
            }
            assert_eq!(board.ctrl, 3);
            assert_eq!(board.cpu_clock, expected, "qemu: {qemu}");
            assert_eq!(board.bus_clock, expected, "qemu: {qemu}");
        }
    }
}

#[test]
fn a_removed_enum_takes_any_value_the_old_release_sent() {
    // `Removed<T>` reads `T`'s bytes and drops them: an enum there reads its integer without
    // asking which variant it names, as QEMU's `VMSTATE_UNUSED` takes whatever bytes are
    // there. The old release's `Blink` is no `Mode` of the new one.
    use vmstate_core::{Removed, VmState};
    #[derive(VmState, Clone, Copy, Debug, PartialEq)]
    #[repr(u16)]
    enum OldMode {
        Off,
        On,
        Blink = 300,
    }
    #[derive(VmState, Clone, Copy, Debug, PartialEq)]
    #[repr(u16)]
    enum Mode {
        Off,
        On,
    }
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "led")]
    struct Old {
        mode: OldMode,
        modes: [OldMode; 2],
        level: u8,
    }
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "led")]
    struct New {
        mode: Removed<Mode>,
        modes: Removed<[Mode; 2]>,
        level: u8,
    }
    let src = Old {
        mode: OldMode::Blink,
        modes: [OldMode::On, OldMode::Blink],
        level: 7,
    };
    let fresh = || New {
        mode: Removed::default(),
        modes: Removed::default(),
        level: 0,
    };
    let mut dst = fresh();
    ok(migrate(&src, &mut dst));
    assert_eq!(dst.level, 7);
    // The new release sends the removed fields' bytes as zeros, which the old one reads.
    let mut back = Old {
        mode: OldMode::On,
        modes: [OldMode::On; 2],
        level: 0,
    };
    ok(migrate(&dst, &mut back));
    assert_eq!((back.mode, back.modes), (OldMode::Off, [OldMode::Off; 2]));
}

/// A bare `default`, as serde's `#[serde(default)]`: a stream that lacks the field gives it
/// the type's `Default` value, not the destination's.
#[test]
fn a_bare_default_is_the_types_default() {
    #[derive(VmState)]
    #[vmstate(name = "uart")]
    struct Old {
        lcr: u8,
    }
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "uart", version = 2, minimum_version = 1)]
    struct New {
        lcr: u8,
        #[vmstate(since = 2, default)]
        fifo: [u8; 4],
        #[vmstate(since = 2, default, max_len = 8)]
        label: String,
    }
    let destination = || New {
        lcr: 0,
        fifo: [9; 4],
        label: "kept?".into(),
    };
    let loaded = New {
        lcr: 3,
        fifo: [0; 4],
        label: String::new(),
    };
    let old = Old { lcr: 3 };
    let mut new = destination();
    vmstate_core::from_bytes(&mut new, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
    assert_eq!(new, loaded);
    let mut new = destination();
    let bytes = vmstate_core::qemu::to_bytes(&old).unwrap();
    vmstate_core::qemu::from_bytes(&mut new, &bytes, 1, 0).unwrap();
    assert_eq!(new, loaded);
    // On a type parameter the derive bounds it `Default`, as serde does.
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "uart", version = 2, minimum_version = 1)]
    struct Generic<T> {
        lcr: u8,
        #[vmstate(since = 2, default)]
        fifo: std::num::Wrapping<T>,
    }
    let mut generic = Generic {
        lcr: 0,
        fifo: std::num::Wrapping(7u16),
    };
    vmstate_core::from_bytes(&mut generic, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
    assert_eq!(generic.fifo, std::num::Wrapping(0));
    // A sequence whose count arrives with it (both `since = 2`): an old stream gives a count
    // of 0 and an empty sequence, so a bare `default` is allowed there.
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "uart", version = 2, minimum_version = 1)]
    struct Counted {
        lcr: u8,
        #[vmstate(since = 2, default)]
        queued: u8,
        #[vmstate(since = 2, default, max_len = 8, len = "queued")]
        queue: Vec<u8>,
    }
    let mut counted = Counted {
        lcr: 0,
        queued: 2,
        queue: vec![5, 6],
    };
    vmstate_core::from_bytes(&mut counted, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
    assert_eq!((counted.queued, counted.queue.len()), (0, 0));
}

/// A sequence of removed values takes the bytes of the sequence it replaces, in both
/// formats: in the native one an array or `Vec` of integers is a fixed-width block where
/// one integer is a varint, so `[Removed<u32>; 3]` and `Vec<Removed<u32>>` read and write
/// blocks (they read and wrote one varint per element, and refused or misread the block).
#[test]
fn sequences_of_removed_values_take_the_bytes_of_the_sequences_they_replace() {
    use vmstate_core::schema::{decode, Desc, Format};
    use vmstate_core::{qemu, Removed};
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dma")]
    struct Kept {
        each: [u32; 3],
        #[vmstate(max_len = 4)]
        queue: Vec<u64>,
        block: [i16; 2],
        tail: u8,
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dma")]
    struct Dropped {
        each: [Removed<u32>; 3],
        #[vmstate(max_len = 4)]
        queue: Vec<Removed<u64>>,
        block: Removed<[i16; 2]>,
        tail: u8,
    }
    let kept = Kept {
        each: [0x1234_5678, 0, 7],
        queue: vec![u64::MAX, 1],
        block: [-1, 2],
        tail: 0xee,
    };
    let zeros = Kept {
        each: [0; 3],
        queue: vec![0, 0],
        tail: 0xee,
        ..Kept::default()
    };
    let mut dropped = Dropped::default();
    vmstate_core::from_bytes(&mut dropped, &vmstate_core::to_bytes(&kept).unwrap()).unwrap();
    assert_eq!((dropped.tail, dropped.queue.len()), (0xee, 2));
    let mut dropped = Dropped::default();
    qemu::from_bytes(&mut dropped, &qemu::to_bytes(&kept).unwrap(), 1, 0).unwrap();
    assert_eq!((dropped.tail, dropped.queue.len()), (0xee, 2));
    // Saved, they are the zeros of what they replace.
    assert_eq!(
        vmstate_core::to_bytes(&dropped).unwrap(),
        vmstate_core::to_bytes(&zeros).unwrap()
    );
    assert_eq!(
        qemu::to_bytes(&dropped).unwrap(),
        qemu::to_bytes(&zeros).unwrap()
    );
    // Decodes a section of `v` with nothing but `desc`: every byte, `tail` read right.
    fn decodes_natively<T: VmState>(desc: &Desc, v: &T) {
        let native = vmstate_core::to_bytes(v).unwrap();
        let frame = vmstate_core::read_frame(&native, 0).unwrap();
        let (decoded, used) = decode(desc, Format::Native, frame.fields, 1, 0).unwrap();
        assert_eq!(
            (decoded["tail"].as_u64(), used),
            (Some(0xee), frame.fields.len())
        );
    }
    // The schema alone skips arrays of them as the codec does (a `Vec` of removed values
    // is not described to it).
    #[derive(VmState)]
    #[vmstate(name = "dma")]
    struct ArraysKept {
        each: [u32; 3],
        tail: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dma")]
    struct ArraysDropped {
        each: [Removed<u32>; 3],
        tail: u8,
    }
    let desc = Desc::from_description(ArraysDropped::DESCRIPTION);
    let kept = ArraysKept {
        each: [0x1234_5678, 0, 7],
        tail: 0xee,
    };
    decodes_natively(&desc, &kept);
    // The same for the whole struct, its `Vec` of removed values too, in both formats.
    let desc = Desc::from_description(Dropped::DESCRIPTION);
    let kept = Kept {
        each: [1, 2, 3],
        queue: vec![u64::MAX, 1, 2],
        block: [-1, 2],
        tail: 0xee,
    };
    decodes_natively(&desc, &kept);
    let wire = qemu::to_bytes(&kept).unwrap();
    let (decoded, used) = decode(&desc, Format::Qemu, &wire, 1, 0).unwrap();
    assert_eq!((decoded["tail"].as_u64(), used), (Some(0xee), wire.len()));
    // And the checker takes each removal for what it is, no misread of native streams;
    // back, the fields load zeros from the padding (warnings).
    let schema = |d| {
        let mut s = vmstate_core::schema::Schema::default();
        s.add("dma", d);
        s
    };
    // (Removed integers of another signedness take the same bytes.)
    #[derive(VmState)]
    #[vmstate(name = "dma")]
    struct Words {
        #[vmstate(max_len = 4)]
        queue: Vec<u32>,
    }
    #[derive(VmState)]
    #[vmstate(name = "dma")]
    struct SignedDropped {
        #[vmstate(max_len = 4)]
        queue: Vec<Removed<i32>>,
    }
    for (old, new) in [
        (ArraysKept::DESCRIPTION, ArraysDropped::DESCRIPTION),
        (Kept::DESCRIPTION, Dropped::DESCRIPTION),
        (Words::DESCRIPTION, SignedDropped::DESCRIPTION),
    ] {
        let report = vmstate_core::schema::check(&schema(old), &schema(new));
        assert_eq!((report.errors(), report.warnings()), (0, 0), "{report}");
        let back = vmstate_core::schema::check(&schema(new), &schema(old));
        assert_eq!(back.errors(), 0, "{back}");
        let from_padding = back.by_rule(vmstate_core::schema::Rule::FieldFromPadding);
        assert!(from_padding.count() >= 1, "{back}");
    }
    // Counted bytes removed, in schemas without types (QEMU's `VMSTATE_VBUFFER`, size 0):
    // the same field.
    #[derive(VmState)]
    #[vmstate(name = "dma")]
    struct Counted {
        n: u8,
        #[vmstate(max_len = 8, len = "n")]
        data: Vec<u8>,
    }
    #[derive(VmState)]
    #[vmstate(name = "dma")]
    struct CountedDropped {
        n: u8,
        #[vmstate(max_len = 8, len = "n")]
        data: Vec<Removed<u8>>,
    }
    let (old, new) = (
        schema(Counted::DESCRIPTION).qemu_only(),
        schema(CountedDropped::DESCRIPTION).qemu_only(),
    );
    let report = vmstate_core::schema::check(&old, &new);
    assert_eq!(report.errors(), 0, "{report}");
}

/// A removed value of a removed value (`Removed<Removed<u32>>`, also inside arrays) takes
/// the bytes of the value it replaces, as `Removed<u32>` does, and is described alike: the
/// schema alone decodes it (its type was `removed:removed:uint32`, which no decoder read).
#[test]
fn removed_values_of_removed_values_are_the_values_they_replace() {
    use vmstate_core::schema::{decode, Desc, Format};
    use vmstate_core::{qemu, Removed};
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Kept {
        one: u32,
        pair: [u16; 2],
        tail: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Twice {
        one: Removed<Removed<u32>>,
        pair: Removed<[Removed<u16>; 2]>,
        tail: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Once {
        one: Removed<u32>,
        pair: Removed<[u16; 2]>,
        tail: u8,
    }
    let twice = Desc::from_description(Twice::DESCRIPTION);
    let once = Desc::from_description(Once::DESCRIPTION);
    let types = |d: &Desc| -> Vec<_> {
        (d.fields.iter())
            .map(|f| (f.wire_type.clone(), f.size, f.array_len))
            .collect()
    };
    assert_eq!(types(&twice), types(&once));
    assert_eq!(twice.fields[0].wire_type.as_deref(), Some("removed:uint32"));
    let kept = Kept {
        one: 0x1234_5678,
        pair: [0xffff, 1],
        tail: 0xee,
    };
    let native = vmstate_core::to_bytes(&kept).unwrap();
    let mut loaded = Twice::default();
    vmstate_core::from_bytes(&mut loaded, &native).unwrap();
    assert_eq!(loaded.tail, 0xee);
    let frame = vmstate_core::read_frame(&native, 0).unwrap();
    let (decoded, used) = decode(&twice, Format::Native, frame.fields, 1, 0).unwrap();
    assert_eq!(
        (decoded["tail"].as_u64(), used),
        (Some(0xee), frame.fields.len())
    );
    let wire = qemu::to_bytes(&kept).unwrap();
    let (decoded, used) = decode(&twice, Format::Qemu, &wire, 1, 0).unwrap();
    assert_eq!((decoded["tail"].as_u64(), used), (Some(0xee), wire.len()));
    // Saved, the zeros of what they replace.
    let zeros = Kept {
        tail: 0xee,
        ..Kept::default()
    };
    assert_eq!(
        vmstate_core::to_bytes(&loaded).unwrap(),
        vmstate_core::to_bytes(&zeros).unwrap()
    );
}

/// A removed bool takes any byte, as QEMU's `VMSTATE_UNUSED` does: a `u8` replaced by
/// `Removed<bool>` (which the checker lets through) loads every stream of the old release, and
/// the schema alone decodes what a load takes, in both formats.
#[test]
fn removed_bools_take_any_byte_in_a_load_and_in_the_schema() {
    use vmstate_core::schema::{decode, Desc, Format};
    use vmstate_core::{qemu, ErrorKind, Removed};
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Kept {
        one: u8,
        flags: [u8; 3],
        #[vmstate(max_len = 4)]
        more: Vec<u8>,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Dropped {
        one: Removed<bool>,
        flags: [Removed<bool>; 3],
        #[vmstate(max_len = 4)]
        more: Vec<Removed<bool>>,
    }
    let desc = Desc::from_description(Dropped::DESCRIPTION);
    let olds = [
        Kept {
            one: 1,
            flags: [0, 1, 0],
            more: vec![1, 0],
        },
        Kept {
            one: 2,
            flags: [0, 0x80, 7],
            more: vec![0xff, 9, 2],
        },
    ];
    for kept in &olds {
        let wire = qemu::to_bytes(kept).unwrap();
        qemu::from_bytes(&mut Dropped::default(), &wire, 1, 0).unwrap();
        decode(&desc, Format::Qemu, &wire, 1, 0).unwrap();
        let native = vmstate_core::to_bytes(kept).unwrap();
        let frame = vmstate_core::read_frame(&native, 0).unwrap();
        vmstate_core::from_bytes(&mut Dropped::default(), &native).unwrap();
        decode(&desc, Format::Native, frame.fields, 1, 0).unwrap();
    }
    // The checker agrees, for the `Vec` too (it took `varray:removed:bool` for another
    // type); back, the bytes load the zeros the padding writes.
    let schema = |d| {
        let mut s = vmstate_core::schema::Schema::default();
        s.add("dev", d);
        s
    };
    let (kept, dropped) = (schema(Kept::DESCRIPTION), schema(Dropped::DESCRIPTION));
    let report = vmstate_core::schema::check(&kept, &dropped);
    assert_eq!((report.errors(), report.warnings()), (0, 0), "{report}");
    let back = vmstate_core::schema::check(&dropped, &kept);
    assert_eq!(back.errors(), 0, "{back}");
    let from_padding = back.by_rule(vmstate_core::schema::Rule::FieldFromPadding);
    assert_eq!(from_padding.count(), 3, "{back}");
    // A stream cut inside the removed values is still refused by both.
    let wire = qemu::to_bytes(&olds[1]).unwrap();
    let cut = &wire[..3];
    let loaded = qemu::from_bytes(&mut Dropped::default(), cut, 1, 0).unwrap_err();
    let decoded = decode(&desc, Format::Qemu, cut, 1, 0).unwrap_err();
    assert!(
        matches!(loaded.kind(), ErrorKind::Truncated { .. }),
        "{loaded}"
    );
    assert!(
        matches!(decoded.kind(), ErrorKind::Truncated { .. }),
        "{decoded}"
    );
}
