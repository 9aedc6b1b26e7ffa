//! Sections of QEMU's `virt` machine decoded with QEMU's own `-dump-vmstate` and the stream's
//! vmdesc (`vmstate qemu inspect --schema`): a PCI device's state has two `config` fields
//! behind test functions, which only the vmdesc tells apart, and a virtio device's state has
//! an encoding of QEMU's own, whose size only the vmdesc gives.

use vmstate_core::qemu::Stream;
use vmstate_core::schema::Schema;

const WDT: &[u8] = include_bytes!("../fixtures/qemu-7.2-virt/i6300esb-wdt.bin");
const WDT_VMDESC: &str = include_str!("../fixtures/qemu-7.2-virt/i6300esb-wdt-vmdesc.json");

/// A stream of one section, with a vmdesc of `entries` (none: no vmdesc).
fn stream(idstr: &str, version: u32, data: &[u8], entries: Option<&str>) -> Stream {
    Stream::parse(stream_bytes(idstr, version, data, entries)).unwrap()
}

fn stream_bytes(idstr: &str, version: u32, data: &[u8], entries: Option<&str>) -> Vec<u8> {
    vmstate_tests::qemu_stream_of(&[(idstr, 0, version, data)], entries)
}

fn listing(stream: &Stream, schema: &Schema) -> serde_json::Value {
    let listing = devices::qemu_image::inspect_with(stream, Some(schema)).unwrap();
    listing["sections"][0].clone()
}

#[test]
fn a_pci_devices_config_behind_a_test_is_the_one_the_vmdesc_lists() {
    let dump = vmstate_tests::qemu_7_2_dump();
    let idstr = "0000:00:03.0/i6300esb_wdt";
    let wdt = listing(&stream(idstr, 10000, WDT, Some(WDT_VMDESC)), &dump);
    let fields = &wdt["fields"];
    assert!(wdt["error"].is_null(), "{wdt}");
    // The PCI configuration space: the vendor and device ids of the 6300ESB first.
    let config = fields["dev"]["config"].as_str().unwrap_or_default();
    assert!(config.starts_with("8680ab25"), "{fields}");
    assert_eq!(config.len(), 2 * 256, "{fields}");
    assert_eq!(fields["dev"]["version_id"], 2, "{fields}");
    // The watchdog's own registers after it, at their reset values.
    assert_eq!(fields["timer1_preload"], 0xfffff, "{fields}");
    assert_eq!(fields["timer"], serde_json::json!(u64::MAX), "{fields}");

    // Without the vmdesc the dump cannot say which `config` was sent.
    let wdt = listing(&stream(idstr, 10000, WDT, None), &dump);
    let error = wdt["error"].as_str().unwrap_or_default();
    assert!(error.contains("depends on a test function"), "{wdt}");
}

#[test]
fn a_virtio_devices_state_shows_as_the_bytes_the_vmdesc_counts() {
    // QEMU's dump gives `virtio` (VMSTATE_VIRTIO_DEVICE) size 0: its encoding is QEMU's own
    // and its length known when it is sent. The vmdesc says how many bytes were.
    let dump = vmstate_tests::qemu_7_2_dump();
    let idstr = "virtio-mmio@000000000a003e00/virtio-rng";
    let entry = format!(
        r#"{{"name": "{idstr}", "instance_id": 0, "vmsd_name": "virtio-rng", "version": 1,
            "fields": [{{"name": "virtio", "type": "virtio", "size": 5}}]}}"#
    );
    let data = [1, 2, 3, 4, 5];
    let rng = listing(&stream(idstr, 1, &data, Some(&entry)), &dump);
    assert_eq!(rng["fields"]["virtio"], "0102030405", "{rng}");
    // A vmdesc that claims more bytes than the section has: the stream reader, which sizes
    // sections by it, refuses it, with the size its footer gives.
    let entry = entry.replace(r#""size": 5"#, r#""size": 18446744073709551615"#);
    let err = Stream::parse(stream_bytes(idstr, 1, &data, Some(&entry))).unwrap_err();
    let why = "take 18446744073709551615 bytes, but its footer comes after 5";
    assert!(err.to_string().contains(why), "{err}");
    // Without the vmdesc: said, not guessed.
    let rng = listing(&stream(idstr, 1, &data, None), &dump);
    let error = rng["error"].as_str().unwrap_or_default();
    assert!(error.contains("size 0"), "{rng}");
}

#[test]
fn a_section_a_state_only_port_cannot_read_is_read_by_the_schema() {
    // QEMU's PL011 at a version after the port's: the port shows why it cannot read it, a
    // schema that describes that version decodes it.
    use vmstate_core::VmState;
    #[derive(VmState)]
    #[vmstate(name = "pl011", version = 9, minimum_version = 9)]
    struct FuturePl011 {
        cr: u32,
    }
    let data = 0x301_u32.to_be_bytes();
    let stream = stream("pl011", 9, &data, None);
    let listing = devices::qemu_image::inspect(&stream).unwrap();
    let error = listing["sections"][0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("too new"), "{listing}");
    let mut schema = Schema::new(None);
    schema.add("pl011-next", FuturePl011::DESCRIPTION);
    let pl011 = self::listing(&stream, &schema);
    assert_eq!(pl011["fields"]["cr"], 0x301, "{pl011}");
    // It says which decoded it, and why the port could not.
    assert_eq!(pl011["decoded_by"], "schema", "{pl011}");
    let why = pl011["port_error"].as_str().unwrap_or_default();
    assert!(why.contains("too new"), "{pl011}");

    // A schema that describes the section but cannot read it either: both reasons.
    #[derive(VmState)]
    #[vmstate(name = "pl011", version = 9, minimum_version = 9)]
    struct WiderPl011 {
        cr: u64,
    }
    let mut schema = Schema::new(None);
    schema.add("pl011-wider", WiderPl011::DESCRIPTION);
    let pl011 = self::listing(&stream, &schema);
    assert!(pl011["fields"].is_null(), "{pl011}");
    let error = pl011["error"].as_str().unwrap_or_default();
    assert!(error.contains("too new"), "{pl011}");
    assert_eq!(pl011["schema_device"], "pl011-wider", "{pl011}");
    let schema_error = pl011["schema_error"].as_str().unwrap_or_default();
    assert!(schema_error.contains("cr: input truncated"), "{pl011}");

    // Not a board device's: `rewrite` refuses its unloadable version, and the listing shows
    // it so.
    #[derive(VmState)]
    #[vmstate(name = "pl031", version = 9, minimum_version = 9)]
    struct FuturePl031 {
        lr: u32,
    }
    let stream = self::stream("pl031", 9, &data, None);
    let mut schema = Schema::new(None);
    schema.add("pl031-next", FuturePl031::DESCRIPTION);
    let pl031 = self::listing(&stream, &schema);
    let error = pl031["error"].as_str().unwrap_or_default();
    assert!(error.contains("too new"), "{pl031}");
    assert!(pl031["fields"].is_null(), "{pl031}");
}

/// A schema in the shape of QEMU's dumps: one device `dev`, version 1, with `fields`.
fn dump_of(fields: &str) -> Schema {
    Schema::from_json(&format!(
        r#"{{"dev": {{"Name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Description": {{"name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{fields}]}}}}}}"#
    ))
    .unwrap()
}

#[test]
fn fields_behind_tests_follow_the_vmdesc_and_only_where_it_is_unambiguous() {
    // A test field QEMU sent, marked from a version after the stream's: QEMU asks the test,
    // not the version, so it is decoded.
    let schema = dump_of(
        r#"{"field": "a", "version_id": 0, "field_exists": false, "size": 4},
           {"field": "t", "version_id": 5, "field_exists": true, "size": 4}"#,
    );
    let entry = r#"{"name": "dev", "instance_id": 0, "vmsd_name": "dev", "version": 1,
        "fields": [{"name": "a", "type": "uint32", "size": 4},
                   {"name": "t", "type": "uint32", "size": 4}]}"#;
    let data = [0, 0, 0, 1, 0, 0, 0, 2];
    let dev = listing(&stream("dev", 1, &data, Some(entry)), &schema);
    assert_eq!(
        (&dev["fields"]["a"], &dev["fields"]["t"]),
        (&1.into(), &2.into()),
        "{dev}"
    );

    // An array of two structs with a field behind a test, which QEMU lists element by
    // element (`index`): here the first sent `p`, the second `q`. One description cannot
    // say both: each element is fitted to its own entry (not the second's layout for both).
    let schema_text = r#"{"field": "e", "version_id": 0, "field_exists": false, "size": 4, "num": 2,
            "Description": {"name": "elem", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{"field": "p", "version_id": 0, "field_exists": true, "size": 4},
                       {"field": "q", "version_id": 0, "field_exists": true, "size": 4}]}}"#;
    let schema = dump_of(schema_text);
    let element = |i: u32, name: &str| {
        format!(
            r#"{{"name": "e", "index": {i}, "type": "struct", "size": 4, "struct": {{
                "vmsd_name": "elem", "version": 1,
                "fields": [{{"name": "{name}", "type": "uint32", "size": 4}}]}}}}"#
        )
    };
    let entry = format!(
        r#"{{"name": "dev", "instance_id": 0, "vmsd_name": "dev", "version": 1,
            "fields": [{}, {}]}}"#,
        element(0, "p"),
        element(1, "q")
    );
    let data = [0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22];
    let dev = listing(&stream("dev", 1, &data, Some(&entry)), &schema);
    assert!(dev["error"].is_null(), "{dev}");
    assert_eq!(
        dev["fields"]["e[0]"],
        serde_json::json!({"p": 0x1111_1111}),
        "{dev}"
    );
    assert_eq!(
        dev["fields"]["e[1]"],
        serde_json::json!({"q": 0x2222_2222}),
        "{dev}"
    );
    // QEMU 11.1 gives the elements no `index`, and a release before it (its JSON writer's fix
    // for arrays of pointers) only the last none: the same, in order.
    let last_bare = entry.replace(r#""index": 1, "#, "");
    let bare = last_bare.replace(r#""index": 0, "#, "");
    assert!(
        last_bare.contains("index") && !bare.contains("index"),
        "{bare}"
    );
    for listed in [last_bare, bare] {
        let dev = listing(&stream("dev", 1, &data, Some(&listed)), &schema);
        assert!(dev["error"].is_null(), "{dev}");
        assert_eq!(
            (&dev["fields"]["e[0]"], &dev["fields"]["e[1]"]),
            (
                &serde_json::json!({"p": 0x1111_1111}),
                &serde_json::json!({"q": 0x2222_2222})
            ),
            "{dev}"
        );
    }
    // Listed element by element as many times as the description's length says, or not at
    // all: with three in the description, it is not fitted, and the test says so.
    let three = schema_text.replace(r#""num": 2"#, r#""num": 3"#);
    let dev = listing(&stream("dev", 1, &data, Some(&entry)), &dump_of(&three));
    let error = dev["error"].as_str().unwrap_or_default();
    assert!(error.contains("depends on a test function"), "{dev}");
}

#[test]
fn of_descriptions_sharing_a_name_the_one_the_vmdesc_lists_decodes() {
    // QEMU's `isa-serial` and `serial-mm` both describe `serial`, with other fields: the
    // schema's device for a section is the one whose fields the vmdesc lists, else the
    // first that decodes.
    let dump = Schema::from_json(
        r#"{"a-uart": {"Name": "a-uart", "version_id": 1, "minimum_version_id": 1,
              "Description": {"name": "uart", "version_id": 1, "minimum_version_id": 1,
              "Fields": [{"field": "x", "version_id": 0, "field_exists": false, "size": 4}]}},
            "b-uart": {"Name": "b-uart", "version_id": 1, "minimum_version_id": 1,
              "Description": {"name": "uart", "version_id": 1, "minimum_version_id": 1,
              "Fields": [{"field": "y", "version_id": 0, "field_exists": false, "size": 2},
                         {"field": "z", "version_id": 0, "field_exists": false, "size": 2}]}},
            "c-uart": {"Name": "c-uart", "version_id": 1, "minimum_version_id": 1,
              "Description": {"name": "uart", "version_id": 1, "minimum_version_id": 1,
              "Fields": [{"field": "w", "version_id": 0, "field_exists": false, "size": 2}]}}}"#,
    )
    .unwrap();
    let data = [0x12, 0x34, 0x56, 0x78];
    let entry = r#"{"name": "uart", "instance_id": 0, "vmsd_name": "uart", "version": 1,
        "fields": [{"name": "y", "type": "uint16", "size": 2},
                   {"name": "z", "type": "uint16", "size": 2}]}"#;
    let uart = listing(&stream("uart", 1, &data, Some(entry)), &dump);
    assert_eq!(uart["schema_device"], "b-uart", "{uart}");
    assert_eq!(
        (&uart["fields"]["y"], &uart["fields"]["z"]),
        (&0x1234.into(), &0x5678.into())
    );
    // Without a vmdesc, the first in the schema that decodes: `a-uart` takes 4 bytes...
    let uart = listing(&stream("uart", 1, &data, None), &dump);
    assert_eq!(uart["schema_device"], "a-uart", "{uart}");
    assert_eq!(uart["fields"]["x"], 0x1234_5678, "{uart}");
    // ... not 2, nor does `b-uart`: the next, `c-uart`, does.
    let uart = listing(&stream("uart", 1, &data[..2], None), &dump);
    assert_eq!(uart["schema_device"], "c-uart", "{uart}");
    assert_eq!(uart["fields"]["w"], 0x1234, "{uart}");
    // None decodes 1 byte: the error is the first one's, `a-uart`'s 4-byte `x`.
    let uart = listing(&stream("uart", 1, &data[..1], None), &dump);
    assert!(uart["fields"].is_null(), "{uart}");
    let error = uart["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("section 1 (uart): x: input truncated: 4 bytes"),
        "{uart}"
    );
}

#[test]
fn a_typed_field_the_vmdesc_does_not_list_is_not_taken_for_an_empty_array() {
    // One's own description whose fields QEMU's vmdesc names otherwise: decoded as written.
    use vmstate_core::VmState;
    #[derive(VmState)]
    #[vmstate(name = "uart")]
    struct Uart {
        line_control: u8,
        divisor: u16,
    }
    let mut schema = Schema::new(None);
    schema.add("uart", Uart::DESCRIPTION);
    let entry = r#"{"name": "uart", "instance_id": 0, "vmsd_name": "uart", "version": 1,
        "fields": [{"name": "lcr", "type": "uint8", "size": 1},
                   {"name": "divider", "type": "uint16", "size": 2}]}"#;
    let uart = listing(&stream("uart", 1, &[3, 0, 12], Some(entry)), &schema);
    assert!(uart["error"].is_null(), "{uart}");
    assert_eq!(
        (&uart["fields"]["line_control"], &uart["fields"]["divisor"]),
        (&3.into(), &12.into())
    );
}

#[test]
fn of_descriptions_sharing_a_name_one_with_fields_the_vmdesc_lacks_comes_after() {
    // `a-dev` has a `z` the vmdesc does not list, `b-dev` has only what it lists.
    let dump = Schema::from_json(
        r#"{"a-dev": {"Name": "a-dev", "version_id": 1, "minimum_version_id": 1,
              "Description": {"name": "dev", "version_id": 1, "minimum_version_id": 1,
              "Fields": [{"field": "x", "version_id": 0, "field_exists": false, "size": 1},
                         {"field": "y", "version_id": 0, "field_exists": false, "size": 1},
                         {"field": "z", "version_id": 0, "field_exists": false, "size": 1}]}},
            "b-dev": {"Name": "b-dev", "version_id": 1, "minimum_version_id": 1,
              "Description": {"name": "dev", "version_id": 1, "minimum_version_id": 1,
              "Fields": [{"field": "x", "version_id": 0, "field_exists": false, "size": 1},
                         {"field": "y", "version_id": 0, "field_exists": false, "size": 1}]}}}"#,
    )
    .unwrap();
    let entry = r#"{"name": "dev", "instance_id": 0, "vmsd_name": "dev", "version": 1,
        "fields": [{"name": "x", "type": "uint8", "size": 1},
                   {"name": "y", "type": "uint8", "size": 1}]}"#;
    let dev = listing(&stream("dev", 1, &[1, 2], Some(entry)), &dump);
    assert_eq!(dev["schema_device"], "b-dev", "{dev}");
    assert!(dev["fields"].get("z").is_none(), "{dev}");
}

#[test]
fn an_array_of_known_length_listed_element_by_element_stays_one_array() {
    // Elements with a subsection (no field behind a test) and a length the dump states:
    // one description reads them all, and the listing keeps the array.
    let schema = dump_of(
        r#"{"field": "e", "version_id": 0, "field_exists": false, "size": 1, "num": 2,
            "Description": {"name": "elem", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{"field": "p", "version_id": 0, "field_exists": false, "size": 1}],
            "Subsections": [{"name": "elem/s", "version_id": 1, "minimum_version_id": 1,
              "Fields": [{"field": "q", "version_id": 0, "field_exists": false, "size": 1}]}]}}"#,
    );
    let element = |i: u32| {
        format!(
            r#"{{"name": "e", "index": {i}, "type": "struct", "size": 1, "struct": {{
                "vmsd_name": "elem", "version": 1,
                "fields": [{{"name": "p", "type": "uint8", "size": 1}}]}}}}"#
        )
    };
    let entry = format!(
        r#"{{"name": "dev", "instance_id": 0, "vmsd_name": "dev", "version": 1,
            "fields": [{}, {}]}}"#,
        element(0),
        element(1)
    );
    let dev = listing(&stream("dev", 1, &[7, 8], Some(&entry)), &schema);
    assert!(dev["error"].is_null(), "{dev}");
    let e = &dev["fields"]["e"];
    assert_eq!((&e[0]["p"], &e[1]["p"]), (&7.into(), &8.into()), "{dev}");
}

#[test]
fn elements_with_a_test_one_struct_down_are_fitted_each() {
    // QEMU looks through nested structs for fields behind tests: here the first element
    // sent `inner.t`, the second did not.
    let schema = dump_of(
        r#"{"field": "e", "version_id": 0, "field_exists": false, "size": 2, "num": 2,
            "Description": {"name": "elem", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{"field": "inner", "version_id": 0, "field_exists": false, "size": 2,
              "Description": {"name": "inner", "version_id": 1, "minimum_version_id": 1,
              "Fields": [{"field": "a", "version_id": 0, "field_exists": false, "size": 1},
                         {"field": "t", "version_id": 0, "field_exists": true, "size": 1}]}}]}}"#,
    );
    let element = |i: u32, inner: &str, size: u32| {
        format!(
            r#"{{"name": "e", "index": {i}, "type": "struct", "size": {size}, "struct": {{
                "vmsd_name": "elem", "version": 1, "fields": [{{"name": "inner",
                "type": "struct", "size": {size}, "struct": {{"vmsd_name": "inner",
                "version": 1, "fields": [{inner}]}}}}]}}}}"#
        )
    };
    let a = r#"{"name": "a", "type": "uint8", "size": 1}"#;
    let t = r#"{"name": "t", "type": "uint8", "size": 1}"#;
    let entry = format!(
        r#"{{"name": "dev", "instance_id": 0, "vmsd_name": "dev", "version": 1,
            "fields": [{}, {}]}}"#,
        element(0, &format!("{a}, {t}"), 2),
        element(1, a, 1)
    );
    let dev = listing(&stream("dev", 1, &[7, 9, 8], Some(&entry)), &schema);
    assert!(dev["error"].is_null(), "{dev}");
    assert_eq!(
        dev["fields"]["e[0]"]["inner"],
        serde_json::json!({"a": 7, "t": 9}),
        "{dev}"
    );
    assert_eq!(
        dev["fields"]["e[1]"]["inner"],
        serde_json::json!({"a": 8}),
        "{dev}"
    );
}
