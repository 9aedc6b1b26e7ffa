//! Sequences whose length travels in another field (`#[vmstate(len = "...")]`, QEMU's
//! `VMSTATE_VARRAY_*` and `VMSTATE_VBUFFER_*`): both codecs, the errors, the description,
//! the schema tools, and QEMU 7.2's own ARM CPU section, whose two register lists share one
//! count.

use devices::ArmCpuState;
use vmstate_core::qemu::Stream;
use vmstate_core::schema::{self, Desc, Format, Rule, Schema};
use vmstate_core::{ErrorKind, VmState};

const FIXTURE: &[u8] = include_bytes!("../fixtures/qemu-7.2-integratorcp/integratorcp.stream");

/// Where the ARM926 `cpu` section's cpreg count lies: after the fixed-size fields before it
/// (the vmdesc's sizes: 16 × 4, 32 × 8, 8, 4, 4, 8 × 8, 8 × 4, 8 × 4, 5 × 4, 5 × 4, 4 × 8, 4 × 8).
const COUNT_AT: usize =
    16 * 4 + 32 * 8 + 8 + 4 + 4 + 8 * 8 + 8 * 4 + 8 * 4 + 5 * 4 + 5 * 4 + 4 * 8 + 4 * 8;

#[derive(VmState, Debug, Clone, Default, PartialEq)]
#[vmstate(name = "queue")]
struct Queue {
    head: u16,
    count: i32,
    #[vmstate(len = "count", max_len = 8)]
    addrs: Vec<u64>,
    #[vmstate(len = "count", max_len = 8)]
    flags: Box<[u8]>,
    size: u8,
    #[vmstate(len = "size", max_len = 16)]
    label: String,
}

fn queue() -> Queue {
    Queue {
        head: 3,
        count: 2,
        addrs: vec![0x1000, 0x2000],
        flags: vec![1, 0].into_boxed_slice(),
        size: 4,
        label: "rx q".to_owned(),
    }
}

#[test]
fn round_trips_in_both_codecs_with_no_length_of_their_own() {
    let q = queue();
    let bytes = vmstate_core::qemu::to_bytes(&q).unwrap();
    let mut expected = vec![0, 3, 0, 0, 0, 2];
    expected.extend(0x1000u64.to_be_bytes());
    expected.extend(0x2000u64.to_be_bytes());
    expected.extend([1, 0, 4]);
    expected.extend(b"rx q");
    assert_eq!(bytes, expected);
    let mut back = Queue::default();
    vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
    assert_eq!(back, q);

    let native = vmstate_core::to_bytes(&q).unwrap();
    let mut back = Queue::default();
    vmstate_core::from_bytes(&mut back, &native).unwrap();
    assert_eq!(back, q);
    // Empty sequences too.
    let empty = Queue {
        count: 0,
        addrs: vec![],
        flags: Box::new([]),
        size: 0,
        label: String::new(),
        ..q
    };
    let mut back = queue();
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&empty).unwrap()).unwrap();
    assert_eq!(back, empty);
}

#[test]
fn a_save_refuses_a_sequence_whose_length_is_not_the_count() {
    let q = Queue {
        count: 3,
        ..queue()
    };
    for err in [
        vmstate_core::qemu::to_bytes(&q).unwrap_err(),
        vmstate_core::to_bytes(&q).unwrap_err(),
    ] {
        assert!(
            matches!(err.kind(), ErrorKind::LengthMismatch { len: 2, field, count: 3 } if field == "count"),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "queue.addrs: length 2, but its length field `count` holds 3"
        );
    }
    // Above `max_len`, the bound's own error.
    let long = Queue {
        count: 9,
        addrs: vec![0; 9],
        flags: vec![0; 9].into_boxed_slice(),
        ..queue()
    };
    let err = vmstate_core::qemu::to_bytes(&long).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TooLong { len: 9, max_len: 8 }),
        "{err}"
    );
}

#[test]
fn a_load_refuses_a_count_that_is_no_length_and_leaves_the_device_as_it_was() {
    let bytes = vmstate_core::qemu::to_bytes(&queue()).unwrap();
    for (count, shown) in [(9i32, "9"), (-1, "-1"), (i32::MAX, "2147483647")] {
        let mut hostile = bytes.clone();
        hostile[2..6].copy_from_slice(&count.to_be_bytes());
        let before = Queue {
            head: 7,
            ..Queue::default()
        };
        let mut dev = before.clone();
        let err = vmstate_core::qemu::from_bytes(&mut dev, &hostile, 1, 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "queue.addrs: its length field `count` holds {shown}, not a length from 0 to \
                 max_len 8 (at byte 6)"
            )
        );
        assert_eq!(dev, before);
    }
    // A count the input cannot hold is refused before anything is allocated.
    let mut short = bytes.clone();
    short[2..6].copy_from_slice(&8i32.to_be_bytes());
    let mut dev = Queue::default();
    let err = vmstate_core::qemu::from_bytes(&mut dev, &short, 1, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Truncated { .. }), "{err}");
    assert_eq!(err.offset(), Some(6));
    assert_eq!(dev, Queue::default());
    // A string's bytes are still checked as UTF-8.
    let mut bad = bytes.clone();
    let at = bad.len() - 1;
    bad[at] = 0xff;
    let err = vmstate_core::qemu::from_bytes(&mut dev, &bad, 1, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidUtf8), "{err}");
    // Every truncation of a native section is refused, with the device unchanged.
    let native = vmstate_core::to_bytes(&queue()).unwrap();
    for n in 0..native.len() {
        assert!(vmstate_core::from_bytes(&mut dev, &native[..n]).is_err());
        assert_eq!(dev, Queue::default());
    }
}

/// A count that is configuration (immutable or skipped): the destination's value sizes the
/// load, as a QEMU property does for `VMSTATE_VARRAY_UINT32(regs, S, num_regs, ...)`.
#[derive(VmState, Debug, Clone, Default, PartialEq)]
#[vmstate(name = "bank")]
struct Bank {
    #[vmstate(immutable)]
    num_regs: u8,
    #[vmstate(len = "num_regs", max_len = 64)]
    regs: Vec<u32>,
    #[vmstate(skip)]
    num_irqs: u16,
    #[vmstate(len = "num_irqs", max_len = 64)]
    irqs: Vec<bool>,
}

#[test]
fn a_count_that_is_configuration_is_the_destinations() {
    let src = Bank {
        regs: vec![1, 2, 3],
        num_regs: 3,
        num_irqs: 2,
        irqs: vec![true, false],
    };
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(bytes, [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 0]);
    let mut dst = Bank {
        num_regs: 3,
        num_irqs: 2,
        ..Bank::default()
    };
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
    assert_eq!(dst, src);
    let mut native = Bank {
        num_regs: 3,
        num_irqs: 2,
        ..Bank::default()
    };
    vmstate_core::from_bytes(&mut native, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(native, src);
    // A destination configured with fewer registers reads fewer: QEMU's wire cannot tell,
    // so the rest is trailing input.
    let mut smaller = Bank {
        num_regs: 2,
        num_irqs: 2,
        ..Bank::default()
    };
    let err = vmstate_core::qemu::from_bytes(&mut smaller, &bytes, 1, 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bank: 4 unexpected trailing bytes (at byte 10)"
    );
    assert!(smaller.regs.is_empty());
    // The native format carries the immutable count, and compares it before the sequence.
    let err =
        vmstate_core::from_bytes(&mut smaller, &vmstate_core::to_bytes(&src).unwrap()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bank.num_regs: immutable field differs: stream has 3, destination has 2"),
        "{err}"
    );
}

/// A count added in version 2: a version 1 stream keeps the destination's count.
#[derive(VmState, Debug, Clone, Default, PartialEq)]
#[vmstate(name = "fifo", version = 2, minimum_version = 1)]
struct Fifo {
    #[vmstate(since = 2)]
    used: u32,
    #[vmstate(len = "used", max_len = 4)]
    data: Vec<u8>,
}

#[test]
fn a_count_the_input_lacks_is_the_destinations() {
    let src = Fifo {
        used: 2,
        data: vec![7, 8],
    };
    let v2 = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(v2, [0, 0, 0, 2, 7, 8]);
    let mut dst = Fifo::default();
    vmstate_core::qemu::from_bytes(&mut dst, &v2, 2, 0).unwrap();
    assert_eq!(dst, src);
    // Version 1 carried only the bytes.
    let mut dst = Fifo {
        used: 3,
        data: vec![],
    };
    vmstate_core::qemu::from_bytes(&mut dst, &[4, 5, 6], 1, 0).unwrap();
    assert_eq!(dst.data, [4, 5, 6]);
}

/// A sequence that version 1 sent with a length of its own, counted by a field from version 2:
/// two fields behind `exists` tests of the version, the old one moved into the new one after
/// the load (a count behind `since` alone would read the old stream with the destination's
/// count).
#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(
    name = "regs",
    version = 2,
    minimum_version = 1,
    post_load = "Self::take_v1_regs"
)]
struct Regs {
    #[vmstate(exists = "Self::v1", name = "regs", max_len = 8)]
    v1_regs: Vec<u32>,
    #[vmstate(since = 2)]
    n: u32,
    #[vmstate(exists = "Self::v2", len = "n", max_len = 8)]
    regs: Vec<u32>,
}

impl Regs {
    fn v1(version: u32) -> bool {
        version < 2
    }
    fn v2(version: u32) -> bool {
        version >= 2
    }
    fn take_v1_regs(&mut self) {
        if !self.v1_regs.is_empty() {
            self.regs = std::mem::take(&mut self.v1_regs);
            self.n = self.regs.len() as u32;
        }
    }
}

#[test]
fn a_sequence_counted_from_a_later_version_reads_older_streams_with_their_own_length() {
    // Version 1: a be32 length, then the words.
    let v1 = [0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 8];
    let mut dst = Regs::default();
    vmstate_core::qemu::from_bytes(&mut dst, &v1, 1, 0).unwrap();
    assert_eq!((dst.n, &dst.regs[..]), (2, &[7, 8][..]));
    assert!(dst.v1_regs.is_empty());
    // Version 2: the count, then the words.
    let v2 = vmstate_core::qemu::to_bytes(&dst).unwrap();
    assert_eq!(v2, [0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 8]);
    let mut back = Regs::default();
    vmstate_core::qemu::from_bytes(&mut back, &v2, 2, 0).unwrap();
    assert_eq!(back, dst);
}

/// A sequence added with its count: a version 1 stream takes both defaults, which must agree.
#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "taps", version = 2, minimum_version = 1)]
struct Taps {
    #[vmstate(since = 2, default = "Self::default_count")]
    n: u8,
    #[vmstate(since = 2, len = "n", max_len = 4, default = "Self::three_taps")]
    taps: Vec<u16>,
}

impl Taps {
    fn default_count() -> u8 {
        3
    }
    fn three_taps() -> Vec<u16> {
        vec![1, 2, 3]
    }
}

/// The same with a count that is always sent: its value must be the default's length.
#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "taps", version = 2, minimum_version = 1)]
struct CountedTaps {
    n: u8,
    #[vmstate(since = 2, len = "n", max_len = 4, default = "Taps::three_taps")]
    taps: Vec<u16>,
}

#[test]
fn a_default_sequence_has_the_counts_length() {
    let mut taps = Taps::default();
    vmstate_core::qemu::from_bytes(&mut taps, &[], 1, 0).unwrap();
    assert_eq!((taps.n, taps.taps), (3, vec![1, 2, 3]));

    let mut taps = CountedTaps::default();
    vmstate_core::qemu::from_bytes(&mut taps, &[3], 1, 0).unwrap();
    assert_eq!((taps.n, &taps.taps[..]), (3, &[1, 2, 3][..]));
    let mut taps = CountedTaps::default();
    let err = vmstate_core::qemu::from_bytes(&mut taps, &[2], 1, 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "taps.taps: hook `Taps::three_taps` failed: length 3, but its length field `n` holds 2"
    );
    assert_eq!(taps, CountedTaps::default());
}

#[test]
fn descriptions_and_schemas_name_the_count() {
    let addrs = Queue::DESCRIPTION.fields[2];
    assert_eq!((addrs.name, addrs.len), ("addrs", Some("count")));
    assert_eq!(Queue::DESCRIPTION.fields[0].len, None);

    let mut s = Schema::new(None);
    s.add("queue", Queue::DESCRIPTION);
    let json = s.to_json();
    assert!(json.contains("\"len\": \"count\""), "{json}");
    assert_eq!(Schema::from_json(&json).unwrap(), s);
    assert!(!s.qemu_only().to_json().contains("\"len\""));

    // Decoding with the schema alone (`vmstate inspect`) reads the counts as a load does.
    let desc = Desc::from_description(Queue::DESCRIPTION);
    let q = queue();
    for (format, bytes) in [
        (Format::Qemu, vmstate_core::qemu::to_bytes(&q).unwrap()),
        (Format::Native, native_fields(&q)),
    ] {
        let (value, used) = schema::decode(&desc, format, &bytes, 1, 0).unwrap();
        assert_eq!(used, bytes.len(), "{format:?}");
        assert_eq!(
            value["addrs"],
            serde_json::json!([0x1000, 0x2000]),
            "{format:?}"
        );
        assert_eq!(value["flags"], "0100", "{format:?}");
        assert_eq!(value["label"], "rx q", "{format:?}");
    }
    let mut hostile = vmstate_core::qemu::to_bytes(&q).unwrap();
    hostile[2..6].copy_from_slice(&(-5i32).to_be_bytes());
    let err = schema::decode(&desc, Format::Qemu, &hostile, 1, 0).unwrap_err();
    assert!(
        err.to_string()
            .contains("its length field `count` holds -5"),
        "{err}"
    );
}

/// The fields of a native section without its header, as `schema::decode` takes them.
fn native_fields(q: &Queue) -> Vec<u8> {
    let section = vmstate_core::to_bytes(q).unwrap();
    vmstate_core::read_frame(&section, 0)
        .unwrap()
        .fields
        .to_vec()
}

#[test]
fn the_checker_sees_a_length_that_moved() {
    #[derive(VmState)]
    #[vmstate(name = "ring")]
    struct Before {
        count: u32,
        #[vmstate(max_len = 8)]
        items: Vec<u32>,
    }
    #[derive(VmState)]
    #[vmstate(name = "ring")]
    struct After {
        count: u32,
        #[vmstate(len = "count", max_len = 8)]
        items: Vec<u32>,
    }
    let schema = |d| vmstate_tests::one_device("ring", d);
    let (before, after) = (schema(Before::DESCRIPTION), schema(After::DESCRIPTION));
    for (old, new) in [(&before, &after), (&after, &before)] {
        let report = schema::check(old, new);
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == Rule::FieldTypeChanged)
            .collect();
        assert_eq!(found.len(), 1, "{report}");
        assert!(
            found[0].message.contains("the length of field `items`"),
            "{report}"
        );
    }
    assert_eq!(schema::check(&after, &after).errors(), 0);
}

#[test]
fn qemus_arm_cpu_section_loads_and_saves_byte_for_byte() {
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let section = stream.device("cpu", 0).unwrap();
    assert_eq!(section.version_id, 22);
    let data = stream.data(section);
    let mut cpu = ArmCpuState::default();
    vmstate_core::qemu::from_bytes(&mut cpu, data, section.version_id, 0).unwrap();
    assert_eq!(vmstate_core::qemu::to_bytes(&cpu).unwrap(), data);

    // The count and the lists agree with QEMU's own description of what it sent.
    let sent = vmstate_tests::vmdesc_entry(&stream, "cpu", 0);
    let fields = sent["fields"].as_array().unwrap();
    let sent =
        |name: &str| fields.iter().find(|f| f["name"] == name).unwrap()["array_len"].as_u64();
    let count = cpu.cpreg_vmstate_array_len as u64;
    assert!(count > 0);
    assert_eq!(sent("cpreg_vmstate_indexes"), Some(count));
    assert_eq!(sent("cpreg_vmstate_values"), Some(count));
    assert_eq!(cpu.cpreg_vmstate_indexes.len() as u64, count);
    // QEMU keeps its coprocessor register list sorted by index.
    assert!(cpu.cpreg_vmstate_indexes.windows(2).all(|w| w[0] < w[1]));

    // Our schema of the port lines up with the vmdesc's field list (names and sizes).
    let desc = Desc::from_description(ArmCpuState::DESCRIPTION);
    let ours: Vec<_> = desc
        .fields
        .iter()
        .map(|f| (f.field.clone(), f.size))
        .collect();
    let theirs: Vec<_> = fields
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap();
            (name.to_owned(), f["size"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(ours, theirs);
    // And decoding the section with that schema alone reads the same lists.
    let (value, used) = schema::decode(&desc, Format::Qemu, data, 22, 0).unwrap();
    assert_eq!(used, data.len());
    assert_eq!(
        value["cpreg_vmstate_values"].as_array().unwrap().len() as u64,
        count
    );

    // A count the destination cannot hold is refused, and the CPU stays as it was.
    let mut hostile = data.to_vec();
    hostile[COUNT_AT..COUNT_AT + 4].copy_from_slice(&4096i32.to_be_bytes());
    let mut fresh = ArmCpuState::default();
    let err = vmstate_core::qemu::from_bytes(&mut fresh, &hostile, 22, 0).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cpu.cpreg_vmstate_array_len: value 4096 is outside"),
        "{err}"
    );
    assert_eq!(fresh, ArmCpuState::default());
}

/// QEMU 10.0's ARM926 has a VFP, so its `cpu` section adds the `cpu/vfp` subsection: a
/// destination configured with one loads it and writes it back byte for byte; one without
/// loads it too (a subsection is read when sent) but does not send it.
#[test]
fn qemu_10s_arm926_cpu_section_with_its_vfp_loads_and_saves_byte_for_byte() {
    const QEMU_10_0: &[u8] =
        include_bytes!("../fixtures/qemu-10.0-integratorcp/integratorcp-1m.stream");
    let stream = Stream::parse(QEMU_10_0.to_vec()).unwrap();
    let section = stream.device("cpu", 0).unwrap();
    let data = stream.data(section);
    let mut cpu = ArmCpuState {
        has_vfp: true,
        ..ArmCpuState::default()
    };
    vmstate_core::qemu::from_bytes(&mut cpu, data, section.version_id, 0).unwrap();
    assert_eq!(vmstate_core::qemu::to_bytes(&cpu).unwrap(), data);
    // QEMU's arm926_initfn: FPSID 0x41011090 (ARM, VFPv2 on the ARM926).
    assert_eq!(cpu.vfp.fpsid, 0x4101_1090);
    // The subsection's fields are the vmdesc's, in order (names and element counts).
    let sent = vmstate_tests::vmdesc_entry(&stream, "cpu", 0);
    let vfp = sent["subsections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["vmsd_name"] == "cpu/vfp")
        .unwrap();
    let theirs: Vec<(String, u64)> = vfp["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let n = f["array_len"].as_u64().unwrap_or(1);
            (f["name"].as_str().unwrap().to_owned(), n)
        })
        .collect();
    let desc = Desc::from_description(devices::arm_cpu::VfpState::DESCRIPTION);
    let ours: Vec<(String, u64)> = desc
        .fields
        .iter()
        .map(|f| (f.field.clone(), f.array_len.unwrap_or(1)))
        .collect();
    assert_eq!(ours, theirs);
    assert_eq!(vfp["version"], 3);

    let mut without = ArmCpuState::default();
    vmstate_core::qemu::from_bytes(&mut without, data, section.version_id, 0).unwrap();
    assert_eq!(without.vfp, cpu.vfp);
    let saved = vmstate_core::qemu::to_bytes(&without).unwrap();
    // All but the subsection: its tag, name and version, 32 × 16 + 4 + 56 + 4 bytes.
    let vfp_bytes = 1 + 1 + "cpu/vfp".len() + 4 + 32 * 16 + 4 + 14 * 4 + 4;
    assert_eq!(saved.len(), data.len() - vfp_bytes);
    // And QEMU 7.2's ARM926, which has no VFP, sends none.
    let old = Stream::parse(FIXTURE.to_vec()).unwrap();
    let data = old.data(old.device("cpu", 0).unwrap());
    assert!(!data.windows(7).any(|w| w == b"cpu/vfp"));
}

/// Corrupted input never panics, and a refused load leaves the CPU as it was; an accepted one
/// writes back the same bytes (every count it accepted sized both lists), but for the padding,
/// which is written as zeros.
#[test]
fn corrupted_cpu_sections_are_refused_or_read_whole() {
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let data = stream.data(stream.device("cpu", 0).unwrap()).to_vec();
    let mut before = ArmCpuState::default();
    vmstate_core::qemu::from_bytes(&mut before, &data, 22, 0).unwrap();
    let count = before.cpreg_vmstate_array_len as usize;
    let padding = COUNT_AT + 4 + 2 * 8 * count + 3 * 8;
    let mut tried = 0;
    for at in (COUNT_AT..COUNT_AT + 4).chain((0..data.len()).step_by(7)) {
        for bit in 0..8 {
            let mut bad = data.clone();
            bad[at] ^= 1 << bit;
            let mut cpu = ArmCpuState {
                pc: 1,
                ..ArmCpuState::default()
            };
            match vmstate_core::qemu::from_bytes(&mut cpu, &bad, 22, 0) {
                Ok(()) => {
                    bad[padding..padding + 8].fill(0);
                    assert_eq!(vmstate_core::qemu::to_bytes(&cpu).unwrap(), bad);
                }
                Err(_) => assert_eq!(
                    cpu,
                    ArmCpuState {
                        pc: 1,
                        ..ArmCpuState::default()
                    }
                ),
            }
            tried += 1;
        }
    }
    // Cut anywhere but before the subsection (which a stream may lack).
    let subsection = 1 + 1 + "cpu/irq-line-state".len() + 4 + 4;
    for n in (0..data.len()).filter(|&n| n != data.len() - subsection) {
        let mut cpu = ArmCpuState::default();
        assert!(
            vmstate_core::qemu::from_bytes(&mut cpu, &data[..n], 22, 0).is_err(),
            "{n}"
        );
        assert_eq!(cpu, ArmCpuState::default());
    }
    assert!(tried > 1000);
}

/// QEMU's `Fifo8` (util/fifo8.c): `VMSTATE_VBUFFER_UINT32(data, Fifo8, 1, NULL, capacity)`,
/// a byte buffer sized by the FIFO's capacity, which is configuration (not migrated).
#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "Fifo8")]
struct Fifo8 {
    #[vmstate(skip)]
    capacity: u32,
    #[vmstate(since = 1, len = "capacity", max_len = 4096)]
    data: Vec<u8>,
    head: u32,
    num: u32,
}

/// QEMU 7.2's `xlnx.ps7-spi` (hw/ssi/xilinx_spips.c), two `Fifo8`s.
#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "xilinx_spips", version = 2)]
struct XilinxSpips {
    tx_fifo: Fifo8,
    rx_fifo: Fifo8,
    regs: [u32; 64],
    snoop_state: u8,
}

fn spips(capacity: u32) -> XilinxSpips {
    let fifo = |fill: u8| Fifo8 {
        capacity,
        data: vec![fill; capacity as usize],
        head: 1,
        num: 2,
    };
    XilinxSpips {
        tx_fifo: fifo(0xaa),
        rx_fifo: fifo(0x55),
        regs: [7; 64],
        snoop_state: 1,
    }
}

#[test]
fn a_byte_buffer_sized_by_configuration_is_qemus_vbuffer() {
    // On QEMU's wire: the capacity's bytes, no length.
    let bytes = vmstate_core::qemu::to_bytes(&spips(16)).unwrap();
    assert_eq!(bytes.len(), 2 * (16 + 4 + 4) + 64 * 4 + 1);
    assert_eq!(&bytes[..17], &[[0xaa; 16].as_slice(), &[0]].concat());
    let mut dst = spips(16);
    dst.regs = [0; 64];
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 2, 0).unwrap();
    assert_eq!(dst, spips(16));

    // The port's schema lines up with QEMU's own dump of the device, both ways.
    let qemu = vmstate_tests::qemu_7_2_dump_of("xlnx.ps7-spi");
    let mut ours = Schema::new(qemu.machine.as_deref());
    ours.add("xlnx.ps7-spi", XilinxSpips::DESCRIPTION);
    for (old, new) in [(&qemu, &ours), (&ours, &qemu), (&ours.qemu_only(), &qemu)] {
        let report = schema::check(old, new);
        assert_eq!(report.errors(), 0, "{report}");
    }

    // A port that forgot `len` writes a length QEMU does not read: QEMU's dump cannot say
    // what its size-0 field is, so the checker warns, once per buffer.
    #[derive(VmState)]
    #[vmstate(name = "Fifo8")]
    struct OwnLengthFifo8 {
        #[vmstate(since = 1, max_len = 4096)]
        data: Vec<u8>,
        head: u32,
        num: u32,
    }
    #[derive(VmState)]
    #[vmstate(name = "xilinx_spips", version = 2)]
    struct OwnLengthSpips {
        tx_fifo: OwnLengthFifo8,
        rx_fifo: OwnLengthFifo8,
        regs: [u32; 64],
        snoop_state: u8,
    }
    let mut forgot = Schema::new(qemu.machine.as_deref());
    forgot.add("xlnx.ps7-spi", OwnLengthSpips::DESCRIPTION);
    let report = schema::check(&qemu, &forgot);
    let own: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.message.contains("carries its own length"))
        .collect();
    assert_eq!(own.len(), 2, "{report}");
    assert!(own.iter().all(|f| f.severity == schema::Severity::Warning));
}

/// A sequence added in version 2 whose count was always sent: a version 1 stream keeps the
/// destination's sequence, which must then have the loaded count's length.
#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "late", version = 2, minimum_version = 1)]
struct Late {
    n: u8,
    #[vmstate(since = 2, len = "n", max_len = 4)]
    data: Vec<u8>,
}

#[test]
fn a_sequence_the_input_lacks_keeps_its_value_only_at_the_counts_length() {
    let mut dst = Late {
        n: 2,
        data: vec![7, 8],
    };
    vmstate_core::qemu::from_bytes(&mut dst, &[2], 1, 0).unwrap();
    assert_eq!(dst.data, [7, 8]);
    let before = dst.clone();
    let err = vmstate_core::qemu::from_bytes(&mut dst, &[3], 1, 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "late.data: length 2, but its length field `n` holds 3 (at byte 1)"
    );
    assert_eq!(dst, before);
}

#[test]
fn against_qemus_dump_a_sequence_with_its_own_length_is_pointed_at_len() {
    // QEMU: `VMSTATE_UINT32(num, S)`, `VMSTATE_VARRAY_UINT32(regs, S, num, ...)`.
    let qemu = Schema::from_json(
        r#"{"dev": {"Name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Description": {"name": "dev", "version_id": 1, "minimum_version_id": 1,
              "Fields": [
                {"field": "num", "version_id": 0, "field_exists": false, "size": 4},
                {"field": "regs", "version_id": 0, "field_exists": false, "size": 4}],
              "Subsections": []}}}"#,
    )
    .unwrap();
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Forgot {
        num: u32,
        #[vmstate(max_len = 16)]
        regs: Vec<u32>,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Counted {
        num: u32,
        #[vmstate(len = "num", max_len = 16)]
        regs: Vec<u32>,
    }
    let port = |d| vmstate_tests::one_device("dev", d);
    let (forgot, counted) = (port(Forgot::DESCRIPTION), port(Counted::DESCRIPTION));
    let report = schema::check(&qemu, &forgot);
    assert_eq!(report.errors(), 1, "{report}");
    assert!(
        report
            .to_string()
            .contains("give it `#[vmstate(len = \"...\")]`"),
        "{report}"
    );
    let report = schema::check(&qemu, &counted);
    assert_eq!(report.findings.len(), 0, "{report}");
    // A non-byte sequence against our own `schema --qemu` file: sizes 0 both, no finding.
    assert_eq!(
        schema::check(&forgot, &forgot.qemu_only()).findings.len(),
        0
    );
}
