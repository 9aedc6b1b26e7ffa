//! Field names that QEMU repeats within one description: the PL080 DMA controller of a QEMU
//! 7.2 versatilepb stream (`tests/fixtures/qemu-7.2-versatilepb/`) sends `tc_int` four
//! times. A port gives its four fields QEMU's one name, so that its description agrees with
//! QEMU's `-dump-vmstate` and with the stream's vmdesc (which numbers them `tc_int[0]` to
//! `tc_int[3]`), and decoded states list them as the vmdesc does.

use vmstate_core::qemu::Stream;
use vmstate_core::schema::{self, Schema};
use vmstate_core::VmState;

/// QEMU's `vmstate_pl080_channel` (`hw/dma/pl080.c`).
#[derive(VmState, Debug, Clone, Copy, Default, PartialEq)]
#[vmstate(name = "pl080_channel")]
struct Pl080Channel {
    src: u32,
    dest: u32,
    lli: u32,
    ctrl: u32,
    conf: u32,
}

/// QEMU's `vmstate_pl080`: `tc_int` is sent again where `err_int`, `err_mask` and
/// `tc_mask` were meant; QEMU loads all four into one register, the last one winning.
#[derive(VmState, Debug, Clone, Default, PartialEq)]
#[vmstate(
    name = "pl080",
    pre_save = "Self::copy_tc_int",
    post_load = "Self::last_tc_int"
)]
struct Pl080State {
    tc_int: u8,
    tc_mask: u8,
    err_int: u8,
    err_mask: u8,
    conf: u32,
    sync: u32,
    req_single: u32,
    req_burst: u32,
    #[vmstate(name = "tc_int")]
    tc_int_1: core::cell::Cell<u8>,
    #[vmstate(name = "tc_int")]
    tc_int_2: core::cell::Cell<u8>,
    #[vmstate(name = "tc_int")]
    tc_int_3: core::cell::Cell<u8>,
    chan: [Pl080Channel; 8],
    running: i32,
}

impl Pl080State {
    fn copy_tc_int(&self) {
        for copy in [&self.tc_int_1, &self.tc_int_2, &self.tc_int_3] {
            copy.set(self.tc_int);
        }
    }

    fn last_tc_int(&mut self) {
        self.tc_int = self.tc_int_3.get();
    }
}

const RESET: &[u8] = include_bytes!("../fixtures/qemu-7.2-versatilepb/pl080-reset.bin");
const VMDESC_ENTRY: &str = include_str!("../fixtures/qemu-7.2-versatilepb/pl080-vmdesc.json");

/// A stream of the PL080's section and its vmdesc entry.
fn stream(data: &[u8]) -> Stream {
    let bytes = vmstate_tests::qemu_stream_of(&[("pl080", 0, 1, data)], Some(VMDESC_ENTRY));
    Stream::parse(bytes).unwrap()
}

#[test]
fn a_port_with_qemus_repeated_names_matches_the_stream_and_the_dump() {
    // QEMU's bytes load and save back, and the description is what the vmdesc says was
    // sent, `tc_int[0]` to `tc_int[3]` included.
    let state: Pl080State = vmstate_tests::port_matches_qemu_section(&stream(RESET), "pl080", 0);
    assert_eq!(state, Pl080State::default());
    assert!(VMDESC_ENTRY.contains(r#""tc_int[3]""#));

    // QEMU's dump lists four fields named `tc_int`: no finding either way.
    let qemu = vmstate_tests::qemu_7_2_dump_of("pl080");
    let ours = vmstate_tests::one_device("pl080", Pl080State::DESCRIPTION);
    for (old, new) in [(&qemu, &ours), (&ours, &qemu), (&ours.qemu_only(), &qemu)] {
        let report = schema::check(old, new);
        assert!(report.findings.is_empty(), "{report}");
    }
    // A port that named them otherwise would be a rename against QEMU's dump.
    let mut renamed = ours.clone();
    let desc = &mut renamed.devices.get_mut("pl080").unwrap().description;
    desc.fields[8].field = "tc_int_1".into();
    assert!(schema::check(&qemu, &renamed).errors() > 0);
}

#[test]
fn repeated_names_travel_and_decode_as_qemus_vmdesc_lists_them() {
    let mut src = Pl080State {
        tc_int: 0x81,
        err_mask: 2,
        running: 1,
        ..Pl080State::default()
    };
    src.chan[7].src = 0x1000;
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    // `tc_int` at bytes 0, 20, 21 and 22 (after 4 bytes and four words).
    assert_eq!([bytes[0], bytes[20], bytes[21], bytes[22]], [0x81; 4]);
    let mut dst = Pl080State::default();
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
    assert_eq!(
        (dst.tc_int, dst.err_mask, dst.chan[7].src),
        (0x81, 2, 0x1000)
    );

    // Decoded by the port's schema and by QEMU's dump: every value, under the vmdesc's
    // names.
    let mut ours = Schema::new(None);
    ours.add("pl080", Pl080State::DESCRIPTION);
    for schema in [ours, vmstate_tests::qemu_7_2_dump()] {
        let listing = devices::qemu_image::inspect_with(&stream(&bytes), Some(&schema)).unwrap();
        let fields = &listing["sections"][0]["fields"];
        for name in ["tc_int[0]", "tc_int[1]", "tc_int[2]", "tc_int[3]"] {
            assert_eq!(fields[name], 0x81, "{name}: {fields}");
        }
        assert!(fields.get("tc_int").is_none(), "{fields}");
        assert_eq!(fields["err_mask"], 2, "{fields}");
        assert_eq!(fields["running"], 1, "{fields}");
    }

    // A load error names the field by its name.
    let err = vmstate_core::qemu::from_bytes(&mut dst, &bytes[..21], 1, 0).unwrap_err();
    assert!(err.to_string().starts_with("pl080.tc_int: "), "{err}");
    assert_eq!(err.offset(), Some(21), "{err}");
}

#[test]
fn shared_names_of_fields_with_no_bytes_on_qemus_wire_read_back() {
    // Migrated fields that put nothing on QEMU's wire (an empty array, an empty struct) are
    // listed with the fields on no wire; sharing a name there too, the schema still reads
    // back, and a machine stream of the device (whose trailer is that schema) parses.
    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "empty")]
    struct Empty {}
    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev")]
    struct Dev {
        a: u8,
        x: [u32; 0],
        #[vmstate(name = "x")]
        x_again: [u32; 0],
        y: Empty,
        #[vmstate(name = "y")]
        y_again: Empty,
    }
    let mut schema = Schema::new(None);
    schema.add("dev", Dev::DESCRIPTION);
    let back = Schema::from_json(&schema.to_json()).unwrap();
    assert_eq!(back, schema);
    assert!(schema::check(&schema, &back).findings.is_empty());
    let dev = Dev {
        a: 7,
        ..Dev::default()
    };
    let bytes = vmstate_core::machine::save(None, &[(0, &dev)]).unwrap();
    vmstate_core::machine::parse(&bytes).unwrap();
    let mut back = Dev::default();
    vmstate_core::machine::load(&mut [(0, &mut back)], &bytes).unwrap();
    assert_eq!(back, dev);
}

#[test]
fn two_subsections_of_one_name_are_read_decoded_by_the_first_and_reported() {
    // QEMU 11.1's `sd-card` has two (tests/tests/qemu_releases.rs); the derive refuses them.
    let json = r#"{"dev": {"Name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Description": {"name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Fields": [], "Subsections": [
            {"name": "dev/a", "version_id": 1, "minimum_version_id": 1,
             "Fields": [{"field": "x", "version_id": 0, "field_exists": false, "size": 1}]},
            {"name": "dev/a", "version_id": 1, "minimum_version_id": 1,
             "Fields": [{"field": "y", "version_id": 0, "field_exists": false, "size": 4}]}]}}}"#;
    let schema = Schema::from_json(json).unwrap();

    // A load looks a subsection up by its name and takes the first description, as QEMU's
    // `vmstate_get_subsection` does; so does a decode: one byte is `x`, four are too many.
    let sub = |data: &[u8]| [&[0x05, 5][..], b"dev/a", &[0, 0, 0, 1], data].concat();
    let listing = |data: &[u8]| {
        let bytes = vmstate_tests::qemu_stream_of(&[("dev", 0, 1, &sub(data))], None);
        let stream = Stream::parse(bytes).unwrap();
        devices::qemu_image::inspect_with(&stream, Some(&schema)).unwrap()["sections"][0].clone()
    };
    let one = listing(&[0x2a]);
    assert_eq!(
        one["subsections"]["dev/a"],
        serde_json::json!({"x": 0x2a}),
        "{one}"
    );
    let four = listing(&[1, 2, 3, 4]);
    assert!(
        four["fields"].is_null() && four["error"].is_string(),
        "{four}"
    );

    // The checker reports it once, whether or not the older release has the description (the
    // second's state never loads, not even into the same release).
    for old in [&schema, &Schema::new(None)] {
        let report = schema::check(old, &schema);
        assert_eq!(report.findings.len(), 1, "{report}");
        let f = &report.findings[0];
        assert_eq!(f.severity, schema::Severity::Error);
        assert_eq!(
            (f.rule, f.path.as_str()),
            (schema::Rule::SubsectionNameShared, "dev/Subsections/dev/a")
        );
        assert!(
            f.message.contains("(fields `x`)") && f.message.contains("(fields `y`)"),
            "{f}"
        );
    }
    // Fixed by a rename (as QEMU did: `sd-card/rpmb-state`): the old release's streams still
    // carry the second under the first's name.
    let mut fixed = schema.clone();
    let dev = &mut fixed.devices.get_mut("dev").unwrap().description;
    dev.subsections[1].name = "dev/b".to_owned();
    assert!(schema::check(&fixed, &fixed).findings.is_empty());
    let report = schema::check(&schema, &fixed);
    assert_eq!(report.findings.len(), 1, "{report}");
    let f = &report.findings[0];
    assert_eq!(
        (f.rule, f.path.as_str()),
        (schema::Rule::SubsectionNameShared, "dev/Subsections/dev/a")
    );
    assert!(
        f.message
            .contains("the old release's description `dev` has 2 subsections"),
        "{f}"
    );
    assert!(
        f.message.contains("the second (fields `y`)") && f.message.contains("(fields `x`)"),
        "{f}"
    );

    // Three of one name in the older release: one finding, naming both others.
    let mut three = schema.clone();
    let dev = &mut three.devices.get_mut("dev").unwrap().description;
    let mut third = dev.subsections[1].clone();
    third.fields[0].field = "z".to_owned();
    dev.subsections.push(third);
    let report = schema::check(&three, &fixed);
    assert_eq!(report.findings.len(), 1, "{report}");
    let f = &report.findings[0];
    assert!(f.message.contains("has 3 subsections"), "{f}");
    assert!(
        f.message.contains("the others (fields `y`; fields `z`)"),
        "{f}"
    );

    // A new subsection whose own subsections share a name: reported though the older release
    // has nothing of it.
    let mut nested = fixed.clone();
    let dev = &mut nested.devices.get_mut("dev").unwrap().description;
    let mut inner = dev.subsections[0].clone();
    inner.name = "dev/b/c".to_owned();
    dev.subsections[1].subsections = vec![inner.clone(), inner];
    let report = schema::check(&fixed, &nested);
    let paths: Vec<&str> = report.findings.iter().map(|f| f.path.as_str()).collect();
    assert!(
        paths.contains(&"dev/Subsections/dev/b/Subsections/dev/b/c"),
        "{report}"
    );
}
