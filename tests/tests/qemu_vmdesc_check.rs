//! A QEMU stream's vmdesc compared with the destination's descriptions before a load
//! (`qemu::LoadOptions::check_vmdesc`, `qemu::check_sent`): real QEMU streams pass, a vmdesc
//! of another layout is refused with nothing loaded, a hostile vmdesc is an error.

use devices::IntegratorCp;
use serde_json::{json, Value};
use vmstate_core::qemu::{self, Device, LoadOptions, Stream};
use vmstate_core::schema::Desc;
use vmstate_core::{ErrorKind, VmState};
use vmstate_tests::{device_entry, integratorcp_streams, qemu_7_2_stream, with_vmdesc_patched};

/// The board's devices as a QEMU stream's devices, by idstr and instance.
fn board_devices(board: &mut IntegratorCp) -> Vec<(&'static str, u32, &mut dyn Device)> {
    (board.devices_mut().into_iter())
        .map(|(idstr, instance, dev)| (idstr, instance, dev as &mut dyn Device))
        .collect()
}

/// Loads the board from `stream` with the vmdesc checked.
fn load_checked(stream: &Stream, board: &mut IntegratorCp) -> Result<(), vmstate_core::Error> {
    let checked = LoadOptions::new().check_vmdesc();
    qemu::load_devices_with(stream, &mut board_devices(board), checked).map(drop)
}

#[test]
fn every_releases_board_stream_passes_and_loads_as_unchecked() {
    for (release, stream) in integratorcp_streams() {
        let (mut checked, mut unchecked) = (IntegratorCp::new(32), IntegratorCp::new(32));
        load_checked(&stream, &mut checked).unwrap_or_else(|e| panic!("QEMU {release}: {e}"));
        qemu::load_devices(&stream, &mut board_devices(&mut unchecked)).unwrap();
        assert_eq!(
            checked.register_dump(true),
            unchecked.register_dump(true),
            "QEMU {release}"
        );
        assert_eq!(checked.core.cm_osc, 0x777, "QEMU {release}");
    }
}

#[test]
fn another_layout_in_the_vmdesc_is_refused_and_nothing_loads() {
    type Patch = fn(&mut Value);
    let cases: [(&str, Patch, &str, &str); 5] = [
        (
            "a field renamed",
            |e| e["fields"][2]["name"] = json!("cm_lock2"),
            "integratorcm",
            "lists `cm_lock2` as field 2 (counting from 0), where the destination reads `cm_lock`",
        ),
        (
            "two fields swapped",
            |e| e["fields"].as_array_mut().unwrap().swap(0, 1),
            "integratorcm",
            "lists `cm_ctrl` as field 0 (counting from 0), where the destination reads `cm_osc`",
        ),
        (
            "a field of another type",
            |e| e["fields"][1]["type"] = json!("uint16"),
            "integratorcm.cm_ctrl",
            "the destination's type is `uint32`, QEMU's vmdesc gives `uint16`",
        ),
        (
            "a field of another size, the next one gone",
            |e| {
                e["fields"][1]["size"] = json!(8);
                e["fields"].as_array_mut().unwrap().remove(2);
            },
            "integratorcm.cm_ctrl",
            "the destination's elements have 4 bytes, QEMU's vmdesc gives 8",
        ),
        (
            "another description's name",
            |e| e["vmsd_name"] = json!("integratorcm2"),
            "integratorcm",
            "QEMU's vmdesc describes `integratorcm2` here, the destination `integratorcm`",
        ),
    ];
    let stream = qemu_7_2_stream();
    for (case, patch, path, why) in cases {
        let patched = with_vmdesc_patched(&stream, |v| patch(device_entry(v, "integratorcm")));
        let mut board = IntegratorCp::new(32);
        let before = board.register_dump(true);
        let err = load_checked(&patched, &mut board).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::VmdescMismatch(_)),
            "{case}: {err}"
        );
        let section = patched.device("integratorcm", 0).unwrap();
        let context = format!(
            "section {} (`integratorcm` instance 0): ",
            section.section_id
        );
        assert_eq!(err.path(), format!("{context}{path}"), "{case}");
        assert!(err.to_string().contains(why), "{case}: {err}");
        assert_eq!(err.offset(), None, "{case}");
        assert_eq!(
            board.register_dump(true),
            before,
            "{case}: something loaded"
        );
        // Unchecked, QEMU's way, the same stream loads: the vmdesc is not read.
        qemu::load_devices(&patched, &mut board_devices(&mut board)).unwrap();
    }
}

#[test]
fn a_vmdesc_of_another_size_is_refused_by_check_sent() {
    // The stream reader sizes sections by the vmdesc and refuses a version other than the
    // header's, so these are compared directly.
    type Patch = fn(&mut Value);
    let cases: [(&str, Patch, &str, &str); 5] = [
        (
            "another version than the section's",
            |e| e["version"] = json!(2),
            "integratorcm",
            "QEMU's vmdesc gives version 2, the stream's data 1",
        ),
        (
            "a field of another size",
            |e| e["fields"][1]["size"] = json!(8),
            "integratorcm.cm_ctrl",
            "the destination's elements have 4 bytes, QEMU's vmdesc gives 8",
        ),
        (
            "a field added at the end",
            |e| {
                let new = json!({"name": "cm_new", "type": "uint32", "size": 4});
                e["fields"].as_array_mut().unwrap().push(new);
            },
            "integratorcm",
            "lists `cm_new` as field 11 (counting from 0), after the destination's last",
        ),
        (
            "the last field missing",
            |e| drop(e["fields"].as_array_mut().unwrap().pop()),
            "integratorcm",
            "ends after 10 fields, where the destination reads `fiq_enabled`",
        ),
        (
            "a subsection the destination lacks",
            |e| e["subsections"] = json!([{"vmsd_name": "integratorcm/x", "fields": []}]),
            "integratorcm",
            "QEMU sent subsection `integratorcm/x`, which the destination does not have",
        ),
    ];
    let stream = qemu_7_2_stream();
    let vmdesc = stream.vmdesc().unwrap();
    let ours = Desc::from_description(devices::IntegratorCm::DESCRIPTION);
    for (case, patch, path, why) in cases {
        let mut entry = qemu::sent_description(&vmdesc, "integratorcm", 0)
            .unwrap()
            .clone();
        qemu::check_sent(&ours, &entry, 1).unwrap();
        patch(&mut entry);
        let err = qemu::check_sent(&ours, &entry, 1).unwrap_err();
        assert_eq!(err.path(), path, "{case}");
        assert!(err.to_string().contains(why), "{case}: {err}");
    }
}

#[test]
fn a_subsections_fields_are_compared_at_the_version_it_was_sent() {
    let stream = qemu_7_2_stream();
    let patched = with_vmdesc_patched(&stream, |v| {
        let sub = &mut device_entry(v, "pl031")["subsections"][0];
        sub["fields"][0]["name"] = json!("offset");
    });
    let err = load_checked(&patched, &mut IntegratorCp::new(32)).unwrap_err();
    assert!(
        err.path().ends_with(": pl031.pl031/tick-offset"),
        "{}",
        err.path()
    );
    assert!(err.to_string().contains(
        "lists `offset` as field 0 (counting from 0), where the destination reads `tick_offset`"
    ));
}

#[test]
fn without_a_vmdesc_the_check_refuses() {
    #[derive(VmState, Default)]
    #[vmstate(name = "pl031")]
    struct Rtc {
        lr: u32,
    }
    let bare = vmstate_tests::qemu_stream_of(&[("pl031", 0, 1, &[0, 0, 0, 7])], None);
    let stream = Stream::parse(bare).unwrap();
    let mut rtc = Rtc::default();
    let checked = LoadOptions::new().check_vmdesc();
    let err = qemu::load_devices_with(&stream, &mut [("pl031", 0, &mut rtc)], checked).unwrap_err();
    assert!(
        err.to_string()
            .contains("the stream has no vmdesc to compare"),
        "{err}"
    );
    assert_eq!(err.path(), "", "the whole stream's, no section's");
    assert_eq!(rtc.lr, 0);

    // A stream whose vmdesc lists no entry for a section does not parse (its size is
    // unknown). Nothing to compare with matters not to a device the stream lacks, loaded
    // with `present_only`.
    let present = checked.present_only();
    let loaded = qemu::load_devices_with(&stream, &mut [("pl031", 1, &mut rtc)], present).unwrap();
    assert_eq!(loaded, [false]);
}

#[test]
fn state_of_varying_size_written_here_is_said_to_be_one_buffer() {
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "uart")]
    struct Uart {
        lcr: u8,
        #[vmstate(max_len = 16)]
        fifo: Vec<u8>,
    }
    let src = Uart {
        lcr: 3,
        fifo: vec![1, 2, 3],
    };
    let stream = Stream::parse(qemu::write_stream(4096, &[("uart", 0, &src)]).unwrap()).unwrap();
    let mut dst = Uart::default();
    let checked = LoadOptions::new().check_vmdesc();
    let err = qemu::load_devices_with(&stream, &mut [("uart", 0, &mut dst)], checked).unwrap_err();
    assert!(
        err.to_string().contains(
            "one buffer of 8 bytes, not its fields (as `write_stream` does for state whose size \
             varies), so they cannot be compared: QEMU's vmdesc lists `data` as field 0"
        ),
        "{err}"
    );
    qemu::load_devices(&stream, &mut [("uart", 0, &mut dst)]).unwrap();
    assert_eq!(dst, src);
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "cell")]
struct Cell {
    a: u16,
    b: u8,
}

#[derive(VmState)]
#[vmstate(name = "dev", version = 2)]
struct Dev {
    cells: [Cell; 3],
    flags: u32,
    #[vmstate(exists_if = "*flags != 0")]
    extra: u8,
    #[vmstate(since = 2)]
    added: u64,
}

fn cell() -> Value {
    json!({"vmsd_name": "cell", "version": 1, "fields": [
        {"name": "a", "type": "uint16", "size": 2}, {"name": "b", "type": "uint8", "size": 1}]})
}

/// `dev`'s vmdesc entry at `version`, with `extra` or without, its cells listed as one
/// array or element by element.
fn dev_entry(version: u32, extra: bool, by_element: bool) -> Value {
    let mut fields = match by_element {
        true => (0..3)
            .map(|i| json!({"name": "cells", "index": i, "type": "struct", "size": 3, "struct": cell()}))
            .collect(),
        false => {
            vec![json!({"name": "cells", "type": "struct", "size": 3, "array_len": 3, "struct": cell()})]
        }
    };
    fields.push(json!({"name": "flags", "type": "uint32", "size": 4}));
    if extra {
        fields.push(json!({"name": "extra", "type": "uint8", "size": 1}));
    }
    if version >= 2 {
        fields.push(json!({"name": "added", "type": "uint64", "size": 8}));
    }
    json!({"vmsd_name": "dev", "version": version, "fields": fields})
}

#[test]
fn what_a_load_reads_is_what_the_vmdesc_must_list() {
    let ours = Desc::from_description(Dev::DESCRIPTION);
    for version in [1, 2] {
        for extra in [false, true] {
            for by_element in [false, true] {
                let sent = dev_entry(version, extra, by_element);
                let result = qemu::check_sent(&ours, &sent, version);
                assert!(result.is_ok(), "{version} {extra} {by_element}: {result:?}");
            }
        }
    }
    // A version-2 field sent at version 1, or missing at version 2.
    let err = qemu::check_sent(&ours, &dev_entry(2, false, false), 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("QEMU's vmdesc gives version 2, the stream's data 1"),
        "{err}"
    );
    let mut sent = dev_entry(1, false, false);
    sent["version"] = json!(2);
    let err = qemu::check_sent(&ours, &sent, 2).unwrap_err();
    assert!(
        err.to_string()
            .contains("ends after 2 fields, where the destination reads `added`"),
        "{err}"
    );
}

#[test]
fn nested_structs_are_compared_element_by_element() {
    let ours = Desc::from_description(Dev::DESCRIPTION);
    let mut sent = dev_entry(1, false, true);
    sent["fields"][1]["struct"]["fields"][0]["size"] = json!(4);
    let err = qemu::check_sent(&ours, &sent, 1).unwrap_err();
    assert_eq!(err.path(), "dev.cells[1].a");
    assert!(
        err.to_string()
            .contains("the destination's elements have 2 bytes, QEMU's vmdesc gives 4"),
        "{err}"
    );

    let mut two = dev_entry(1, false, true);
    two["fields"].as_array_mut().unwrap().remove(2);
    let err = qemu::check_sent(&ours, &two, 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("the destination's field has 3 elements, QEMU's vmdesc lists 2"),
        "{err}"
    );

    let mut one = dev_entry(1, false, false);
    one["fields"][0]["array_len"] = json!(4);
    let err = qemu::check_sent(&ours, &one, 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("the destination's field has 3 elements, QEMU's vmdesc gives 4"),
        "{err}"
    );

    let mut flat = dev_entry(1, false, false);
    flat["fields"][0] = json!({"name": "cells", "type": "buffer", "size": 9});
    let err = qemu::check_sent(&ours, &flat, 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("the destination's type is `struct`, QEMU's vmdesc gives `buffer`"),
        "{err}"
    );
    flat["fields"][0]["type"] = json!("struct");
    let err = qemu::check_sent(&ours, &flat, 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("is a nested struct, QEMU's vmdesc gives a plain field"),
        "{err}"
    );
}

#[test]
fn a_hostile_vmdesc_entry_is_an_error_not_a_panic() {
    let ours = Desc::from_description(Dev::DESCRIPTION);
    let hostile = [
        json!({"fields": 5}),
        json!({"fields": [], "subsections": "x"}),
        json!({"version": "1", "fields": []}),
        json!({"version": -1, "fields": []}),
        json!({"fields": [{"name": 7}]}),
        json!({"fields": [{"name": "cells", "size": 3, "array_len": "3", "struct": cell()}]}),
        json!({"fields": [{"name": "cells", "size": u64::MAX, "array_len": u64::MAX}]}),
        json!({"fields": [{"name": "cells", "struct": cell()}, {"name": "flags", "size": u64::MAX, "array_len": 2}]}),
        json!({"fields": [{"name": "cells", "struct": {"fields": {"a": 1}}}]}),
        json!({"subsections": [{"vmsd_name": null}]}),
        json!({"subsections": [{"vmsd_name": "x", "version": u64::MAX}]}),
        json!([]),
        json!(null),
    ];
    for sent in hostile {
        let err = qemu::check_sent(&ours, &sent, 1).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::VmdescMismatch(_)),
            "{sent}: {err}"
        );
        assert!(err.path().starts_with("dev"), "{sent}: {err}");
    }
}

#[test]
fn a_counted_sequence_is_listed_by_what_was_sent() {
    #[derive(VmState)]
    #[vmstate(name = "queue")]
    struct Queue {
        count: u32,
        #[vmstate(len = "count", max_len = 8)]
        entries: Vec<u16>,
        tail: u8,
    }
    let ours = Desc::from_description(Queue::DESCRIPTION);
    let entry = |entries: Option<Value>| {
        let mut fields = vec![json!({"name": "count", "type": "uint32", "size": 4})];
        fields.extend(entries);
        fields.push(json!({"name": "tail", "type": "uint8", "size": 1}));
        json!({"vmsd_name": "queue", "version": 1, "fields": fields})
    };
    // QEMU lists no entry for an empty one, and one for all the elements of another.
    qemu::check_sent(&ours, &entry(None), 1).unwrap();
    let three = json!({"name": "entries", "type": "uint16", "size": 2, "array_len": 3});
    qemu::check_sent(&ours, &entry(Some(three)), 1).unwrap();
    let wide = json!({"name": "entries", "type": "uint32", "size": 4, "array_len": 3});
    let err = qemu::check_sent(&ours, &entry(Some(wide)), 1).unwrap_err();
    assert_eq!(err.path(), "queue.entries");
    // Another field in its place is still a difference.
    let other = json!({"name": "head", "type": "uint16", "size": 2});
    let err = qemu::check_sent(&ours, &entry(Some(other)), 1).unwrap_err();
    assert!(
        err.to_string().contains(
            "lists `head` as field 1 (counting from 0), where the destination reads `entries`, or `tail` if `entries` was sent empty"
        ),
        "{err}"
    );
}

#[test]
fn an_entry_listed_twice_is_refused_as_the_reader_sized_the_section_by_one() {
    let stream = qemu_7_2_stream();
    let patched = with_vmdesc_patched(&stream, |v| {
        let copy = device_entry(v, "integratorcm").clone();
        v["devices"].as_array_mut().unwrap().insert(0, copy);
    });
    let err = load_checked(&patched, &mut IntegratorCp::new(32)).unwrap_err();
    assert!(
        err.to_string()
            .contains("it lists `integratorcm` instance 0 twice"),
        "{err}"
    );
}

#[test]
fn element_size_and_count_are_compared_each() {
    let stream = qemu_7_2_stream();
    let vmdesc = stream.vmdesc().unwrap();
    let ours = Desc::from_description(devices::IntegratorCm::DESCRIPTION);
    let real = qemu::sent_description(&vmdesc, "integratorcm", 0).unwrap();
    let mut halves = real.clone();
    halves["fields"][1]["size"] = json!(2);
    halves["fields"][1]["array_len"] = json!(2);
    let err = qemu::check_sent(&ours, &halves, 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("the destination's elements have 4 bytes, QEMU's vmdesc gives 2"),
        "{err}"
    );
    let mut doubled = real.clone();
    doubled["fields"][1]["array_len"] = json!(2);
    let err = qemu::check_sent(&ours, &doubled, 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("the destination's field has 1 element, QEMU's vmdesc gives 2"),
        "{err}"
    );
    let mut untyped = real.clone();
    untyped["fields"][1]["type"] = json!(123);
    let err = qemu::check_sent(&ours, &untyped, 1).unwrap_err();
    assert!(
        err.to_string().contains("gives `type` 123, not a string"),
        "{err}"
    );
}

#[test]
fn a_subsection_at_a_version_the_destination_does_not_load_is_refused() {
    let stream = qemu_7_2_stream();
    let patched = with_vmdesc_patched(&stream, |v| {
        device_entry(v, "pl031")["subsections"][0]["version"] = json!(99);
    });
    let err = load_checked(&patched, &mut IntegratorCp::new(32)).unwrap_err();
    assert!(
        err.to_string().contains(
            "QEMU sent subsection `pl031/tick-offset` at version 99, the destination loads \
             versions 1 to 1"
        ),
        "{err}"
    );
}

#[test]
fn a_section_of_a_version_the_device_does_not_load_is_refused_by_its_version() {
    #[derive(VmState, Default)]
    #[vmstate(name = "pl031", version = 2, minimum_version = 2)]
    struct Rtc {
        lr: u32,
    }
    // Version 1, whose vmdesc names another field: the version is the reason given.
    let entry = r#"{"name": "pl031", "instance_id": 0, "vmsd_name": "pl031", "version": 1,
        "fields": [{"name": "dr", "type": "uint32", "size": 4}]}"#;
    let bytes = vmstate_tests::qemu_stream_of(&[("pl031", 0, 1, &[0, 0, 0, 7])], Some(entry));
    let stream = Stream::parse(bytes).unwrap();
    let checked = LoadOptions::new().check_vmdesc();
    let mut rtc = Rtc::default();
    let err = qemu::load_devices_with(&stream, &mut [("pl031", 0, &mut rtc)], checked).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TooOld { version: 1, min: 2 }),
        "{err}"
    );
}

#[test]
fn a_counted_array_of_structs_is_compared_up_to_what_the_destination_takes() {
    #[derive(VmState)]
    #[vmstate(name = "ring")]
    struct Ring {
        n: u32,
        #[vmstate(len = "n", max_len = 2)]
        cells: Vec<Cell>,
    }
    let ours = Desc::from_description(Ring::DESCRIPTION);
    let ring = |elements: usize| {
        let mut fields = vec![json!({"name": "n", "type": "uint32", "size": 4})];
        fields.extend((0..elements).map(
            |i| json!({"name": "cells", "index": i, "type": "struct", "size": 3, "struct": cell()}),
        ));
        json!({"vmsd_name": "ring", "version": 1, "fields": fields})
    };
    for n in 0..=2 {
        qemu::check_sent(&ours, &ring(n), 1).unwrap_or_else(|e| panic!("{n}: {e}"));
    }
    let err = qemu::check_sent(&ours, &ring(3), 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("the destination takes at most 2 elements, QEMU's vmdesc lists 3"),
        "{err}"
    );
}

#[test]
fn qemus_names_for_what_a_port_encodes_alike_are_taken() {
    for (ours, theirs) in [
        ("int32", "int32 equal"),
        ("uint8", "uint8 equal"),
        ("uint16", "uint16 equal"),
        ("uint32", "uint32 equal"),
        ("uint64", "int64 equal"), // QEMU's own name for VMSTATE_UINT64_EQUAL
        ("struct", "vstruct"),
        ("int32", "int32 le"),
        ("int64", "timer"),
        ("uint64", "bitmap"),
        ("uint32", "cpsr"),
        ("buffer", "pci config"),
        ("removed:uint32", "unused_buffer"),
        ("varray:uint8", "buffer"),
        ("varray:uint16", "uint16"),
    ] {
        assert!(qemu::same_wire_type(ours, theirs), "{ours} {theirs}");
    }
    for (ours, theirs) in [
        ("uint32", "int32"),
        ("uint32", "uint16 equal"),
        ("uint8", "buffer"),
        ("struct", "uint32"),
    ] {
        assert!(!qemu::same_wire_type(ours, theirs), "{ours} {theirs}");
    }
}

#[test]
fn an_array_behind_a_test_is_listed_element_by_element() {
    #[derive(VmState)]
    #[vmstate(name = "regs")]
    struct Regs {
        on: u8,
        #[vmstate(exists_if = "*on != 0")]
        regs: [u32; 3],
    }
    let ours = Desc::from_description(Regs::DESCRIPTION);
    // QEMU cannot list fields behind a test as one (`vmsd_can_compress`): one per element.
    let regs = |indexes: &[u64]| {
        let mut fields = vec![json!({"name": "on", "type": "uint8", "size": 1})];
        fields.extend(
            indexes
                .iter()
                .map(|i| json!({"name": "regs", "index": i, "type": "uint32", "size": 4})),
        );
        json!({"vmsd_name": "regs", "version": 1, "fields": fields})
    };
    qemu::check_sent(&ours, &regs(&[0, 1, 2]), 1).unwrap();
    qemu::check_sent(&ours, &regs(&[]), 1).unwrap(); // not sent
    let err = qemu::check_sent(&ours, &regs(&[0, 1]), 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("the destination's field has 3 elements, QEMU's vmdesc lists 2"),
        "{err}"
    );
    let err = qemu::check_sent(&ours, &regs(&[1, 0, 2]), 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("QEMU's vmdesc lists element 1 where element 0 belongs"),
        "{err}"
    );
    let mut wide = regs(&[0, 1, 2]);
    wide["fields"][2]["size"] = json!(8);
    let err = qemu::check_sent(&ours, &wide, 1).unwrap_err();
    assert_eq!(err.path(), "regs.regs[1]");
}

#[test]
fn a_counted_sequence_listed_once_is_compared_with_its_max_len() {
    #[derive(VmState)]
    #[vmstate(name = "fifo")]
    struct Fifo {
        n: u32,
        #[vmstate(len = "n", max_len = 16)]
        data: Vec<u32>,
    }
    let ours = Desc::from_description(Fifo::DESCRIPTION);
    let fifo = |len: u64| {
        json!({"vmsd_name": "fifo", "version": 1, "fields": [
            {"name": "n", "type": "uint32", "size": 4},
            {"name": "data", "type": "uint32", "size": 4, "array_len": len}]})
    };
    qemu::check_sent(&ours, &fifo(16), 1).unwrap();
    let err = qemu::check_sent(&ours, &fifo(1000), 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("the destination takes at most 16 elements, QEMU's vmdesc lists 1000"),
        "{err}"
    );
}

#[test]
fn what_the_vmdesc_says_is_quoted_briefly() {
    let ours = Desc::from_description(Dev::DESCRIPTION);
    let long = "x".repeat(100_000);
    for sent in [
        json!({"version": vec![0; 20_000], "fields": []}),
        json!({"vmsd_name": long, "fields": []}),
        json!({"fields": [{"name": long}]}),
        json!({"fields": [], "subsections": [{"vmsd_name": long}]}),
    ] {
        let err = qemu::check_sent(&ours, &sent, 1).unwrap_err().to_string();
        assert!(err.len() < 400, "{} bytes: {}", err.len(), &err[..400]);
    }
}

#[test]
fn a_port_of_one_data_buffer_is_compared_as_any() {
    #[derive(VmState)]
    #[vmstate(name = "blob")]
    struct Blob {
        #[vmstate(buffer)]
        data: [u8; 4],
    }
    let ours = Desc::from_description(Blob::DESCRIPTION);
    let blob = |name: &str, size: u64| json!({"vmsd_name": name, "fields": [{"name": "data", "type": "buffer", "size": size}]});
    qemu::check_sent(&ours, &blob("blob", 4), 1).unwrap();
    for (sent, why) in [
        (
            blob("blob", 8),
            "the destination's field has 4 bytes, QEMU's vmdesc gives 8",
        ),
        (
            blob("other", 4),
            "QEMU's vmdesc describes `other` here, the destination `blob`",
        ),
    ] {
        let err = qemu::check_sent(&ours, &sent, 1).unwrap_err().to_string();
        assert!(err.contains(why) && !err.contains("one buffer"), "{err}");
    }
}

#[test]
fn a_counted_byte_buffer_is_qemus_vbuffer() {
    #[derive(VmState)]
    #[vmstate(name = "fifo8")]
    struct Fifo8 {
        num: u32,
        #[vmstate(len = "num", max_len = 16)]
        data: Vec<u8>,
    }
    let ours = Desc::from_description(Fifo8::DESCRIPTION);
    // `VMSTATE_VBUFFER_UINT32`: one `buffer` entry of the bytes sent, empty or not.
    for size in [0, 5, 16, 17] {
        let sent = json!({"vmsd_name": "fifo8", "version": 1, "fields": [
            {"name": "num", "type": "uint32", "size": 4},
            {"name": "data", "type": "buffer", "size": size}]});
        let result = qemu::check_sent(&ours, &sent, 1);
        match size {
            17 => assert!(
                result.as_ref().is_err_and(|e| e
                    .to_string()
                    .contains("the destination takes at most 16 elements, QEMU's vmdesc lists 17")),
                "{result:?}"
            ),
            _ => result.unwrap_or_else(|e| panic!("{size}: {e}")),
        }
    }
}

#[test]
fn compare_vmdesc_gives_every_section_that_differs() {
    let stream = qemu_7_2_stream();
    let board = [
        ("integratorcm", 0, devices::IntegratorCm::DESCRIPTION),
        ("icp_pic", 0, devices::IcpPic::DESCRIPTION),
        ("icp_pic", 1, devices::IcpPic::DESCRIPTION),
        ("pl011", 7, devices::IcpPic::DESCRIPTION), // not in the stream: not compared
    ];
    assert!(qemu::compare_vmdesc(&stream, &board).unwrap().is_empty());
    let patched = with_vmdesc_patched(&stream, |v| {
        device_entry(v, "integratorcm")["fields"][0]["name"] = json!("osc");
        for pic in v["devices"].as_array_mut().unwrap() {
            if pic["name"] == "icp_pic" && pic["instance_id"] == 1 {
                pic["fields"][2]["type"] = json!("int32");
            }
        }
    });
    let differences = qemu::compare_vmdesc(&patched, &board).unwrap();
    let shown: Vec<String> = differences.iter().map(|e| e.path()).collect();
    assert_eq!(
        shown,
        [
            "section 7 (`integratorcm` instance 0): integratorcm",
            "section 9 (`icp_pic` instance 1): icp_pic.fiq_enabled"
        ]
    );
    // The checked load refuses at the first.
    let err = load_checked(&patched, &mut IntegratorCp::new(32)).unwrap_err();
    assert_eq!(err.path(), shown[0]);
    let twice = [board[0], board[0]];
    let err = qemu::compare_vmdesc(&stream, &twice).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Misuse(_)), "{err}");
}
