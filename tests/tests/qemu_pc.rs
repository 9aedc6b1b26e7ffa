//! Sections of a real QEMU 7.2 x86 `pc` stream (`tests/fixtures/qemu-7.2-pc/`: after SeaBIOS
//! and a boot sector that programs the serial ports ran) decoded by `qemu inspect --schema`
//! with QEMU's own dump: what a dump alone cannot say comes from the vmdesc.

use vmstate_core::qemu::Stream;
use vmstate_core::schema::Schema;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/qemu-7.2-pc");

/// The fixture's sections (idstr, instance, version, file) in one stream with their vmdesc
/// entries, and its listing with QEMU's dump of their devices.
fn listing() -> serde_json::Value {
    let sections = [
        ("fdc", 0, 2, "fdc-0.bin"),
        ("0000:00:01.3/piix4_pm", 0, 3, "0000_00_01.3_piix4_pm-0.bin"),
        ("serial", 1, 3, "serial-1.bin"),
        ("cpu", 0, 12, "cpu-0.bin"),
    ];
    let data: Vec<Vec<u8>> = (sections.iter())
        .map(|s| std::fs::read(format!("{DIR}/{}", s.3)).expect("fixture"))
        .collect();
    let with_data: Vec<(&str, u32, u32, &[u8])> = (sections.iter().zip(&data))
        .map(|(s, d)| (s.0, s.1, s.2, d.as_slice()))
        .collect();
    let vmdesc = std::fs::read_to_string(format!("{DIR}/vmdesc.json")).expect("vmdesc");
    let entries = vmdesc.trim().trim_start_matches('[').trim_end_matches(']');
    let stream = Stream::parse(vmstate_tests::qemu_stream_of(&with_data, Some(entries)))
        .expect("the stream parses");
    let dump = std::fs::read_to_string(format!("{DIR}/dump.json")).expect("dump");
    let dump = Schema::from_json(&dump).expect("QEMU's dump reads");
    devices::qemu_image::inspect_with(&stream, Some(&dump)).expect("inspect")
}

/// The listed section `idstr`.
fn section<'a>(listing: &'a serde_json::Value, idstr: &str) -> &'a serde_json::Value {
    (listing["sections"].as_array().into_iter().flatten())
        .find(|s| s["idstr"] == idstr)
        .unwrap_or_else(|| panic!("no section {idstr} in {listing}"))
}

#[test]
fn an_array_of_structs_listed_element_by_element_decodes_each_element() {
    // The floppy controller's two drives carry subsections, so QEMU lists them one by one
    // (`index`), and its dump gives no count.
    let listing = listing();
    let fdc = section(&listing, "fdc");
    assert!(fdc["error"].is_null(), "{fdc}");
    let state = &fdc["fields"]["state"];
    assert_eq!(state["num_floppies"], 2, "{fdc}");
    let media_rate = &state["drives[1]"]["subsections"]["fdrive/media_rate"];
    assert_eq!(media_rate["media_rate"], 0, "{fdc}");
    // The FIFO holds the end of the boot sector the BIOS read.
    let fifo = state["fifo"].as_str().unwrap_or_default();
    assert!(fifo.ends_with("55aa"), "{fdc}");

    // The PIIX4's 256 hotplug slots, behind a test and listed one by one.
    let pm = section(&listing, "0000:00:01.3/piix4_pm");
    assert!(pm["error"].is_null(), "{pm}");
    let slot = |i: usize| &pm["fields"][format!("acpi_pci_hotplug.acpi_pcihp_pci_status[{i}]")];
    assert_eq!(slot(0)["up"], 0, "{pm}");
    assert!(slot(255).is_object() && slot(256).is_null(), "{pm}");
}

#[test]
fn an_array_the_vmdesc_does_not_list_was_sent_empty() {
    // The memory hotplug state's `devs`, as many as the hotpluggable DIMM slots (none):
    // QEMU's vmdesc lists no empty field.
    let listing = listing();
    let pm = section(&listing, "0000:00:01.3/piix4_pm");
    let memhp = &pm["subsections"]["piix4_pm/memhp"]["acpi_memory_hotplug"];
    assert_eq!(memhp["devs"], serde_json::json!([]), "{pm}");
    assert_eq!(memhp["selector"], 0, "{pm}");
}

#[test]
fn a_serial_port_is_decoded_by_the_device_the_vmdesc_lists() {
    // `isa-serial` (field `state`), not `serial-mm` (field `serial`), which also describes
    // `serial`. COM2 holds the three bytes the boot sector looped back.
    let listing = listing();
    let com2 = section(&listing, "serial");
    assert_eq!(com2["schema_device"], "isa-serial", "{com2}");
    let fifo = &com2["fields"]["state"]["subsections"]["serial/recv_fifo"]["recv_fifo"];
    assert_eq!(fifo["num"], 3, "{com2}");
    assert!(
        fifo["data"]
            .as_str()
            .unwrap_or_default()
            .starts_with("414243"),
        "{com2}"
    );
}

#[test]
fn an_x86_cpu_is_not_decoded_and_the_listing_says_by_which_port() {
    let listing = listing();
    let cpu = section(&listing, "cpu");
    assert!(cpu["fields"].is_null(), "{cpu}");
    assert_eq!(cpu["port"], "ArmCpuState", "{cpu}");
    let error = cpu["error"].as_str().unwrap_or_default();
    assert!(error.contains("version 12 is too old"), "{cpu}");
}
