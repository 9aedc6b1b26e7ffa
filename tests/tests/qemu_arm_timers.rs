//! Fields QEMU writes in fewer bytes than its `-dump-vmstate` gives
//! (`tests/fixtures/qemu-7.2-arm-timers/`): an inline `QEMUTimer` (48 bytes in the dump, the
//! 8-byte expiry time in the stream) and `VMSTATE_UINT16_HACK` (4 in the dump, 2 written).
//! `qemu inspect --schema` takes their size from the stream's vmdesc, as the stream was
//! written; with the dump's sizes it read past them and failed (`input truncated`).

use devices::qemu_image::inspect_with;
use vmstate_core::qemu::Stream;
use vmstate_core::schema::Schema;
use vmstate_core::VmState;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/qemu-7.2-arm-timers");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).expect("fixture")
}

fn dump() -> Schema {
    let json = String::from_utf8(fixture("dump.json")).unwrap();
    Schema::from_json(&json).expect("QEMU 7.2's dump reads")
}

/// The listing of one cut section (`NAME.bin`, with its vmdesc entry `NAME-vmdesc.json`, or
/// none) in a stream of its own, decoded with the dump.
fn section(name: &str, idstr: &str, version: u32, vmdesc: bool) -> serde_json::Value {
    let entry = String::from_utf8(fixture(&format!("{name}-vmdesc.json"))).unwrap();
    let data = fixture(&format!("{name}.bin"));
    let entries = vmdesc.then_some(entry.as_str());
    let bytes = vmstate_tests::qemu_stream_of(&[(idstr, 0, version, &data)], entries);
    let listing = inspect_with(&Stream::parse(bytes).unwrap(), Some(&dump())).unwrap();
    listing["sections"][0].clone()
}

#[test]
fn every_section_of_a_microbit_stream_the_dump_describes_decodes() {
    let stream = Stream::parse(fixture("microbit.stream")).unwrap();
    let listing = inspect_with(&stream, Some(&dump())).unwrap();
    let sections = listing["sections"].as_array().unwrap();
    let full: Vec<_> = (sections.iter()).filter(|s| s["kind"] == "full").collect();
    assert_eq!(full.len(), 15, "{listing}");
    for s in &full {
        if s["idstr"] == "cpu" {
            // The Cortex-M0's: the state-only ARM CPU port knows no M-profile subsection.
            let error = s["error"].as_str().unwrap_or_default();
            assert!(error.contains("unknown subsection `cpu/m`"), "{s}");
            continue;
        }
        assert!(s["error"].is_null() && s["fields"].is_object(), "{s}");
    }
    let timers: Vec<_> = (full.iter())
        .filter(|s| s["idstr"] == "nrf51_soc.timer")
        .collect();
    assert_eq!(timers.len(), 3);
    for timer in timers {
        let fields = &timer["fields"];
        // Not armed: QEMU writes an expiry time of -1.
        assert_eq!(fields["timer"], serde_json::json!(u64::MAX), "{fields}");
        assert_eq!(fields["cc"], serde_json::json!([0, 0, 0, 0]), "{fields}");
        assert_eq!(timer["decoded_by"], "schema", "{timer}");
    }
}

#[test]
fn an_array_of_structs_with_inline_timers_reads_each_element() {
    let ctrl = section("aspeed-timerctrl", "aspeed.timerctrl", 2, true);
    assert!(ctrl["error"].is_null(), "{ctrl}");
    let timers = ctrl["fields"]["timers"].as_array().unwrap();
    // Eight timers of 25 bytes, each element read at its place: ids 0 to 7.
    let ids: Vec<_> = timers.iter().map(|t| t["id"].as_u64()).collect();
    assert_eq!(ids, (0..8).map(Some).collect::<Vec<_>>(), "{ctrl}");
    for t in timers {
        assert_eq!(t["timer"], serde_json::json!(u64::MAX), "{t}");
    }
    // Without the vmdesc the dump's 48 bytes are all there is: refused, not misread.
    let ctrl = section("aspeed-timerctrl", "aspeed.timerctrl", 2, false);
    assert!(
        ctrl["fields"].is_null() && ctrl["error"].is_string(),
        "{ctrl}"
    );
}

#[test]
fn uint16_hack_fields_of_nested_structs_take_two_bytes() {
    let menelaus = section("menelaus", "menelaus", 0, true);
    assert!(menelaus["error"].is_null(), "{menelaus}");
    let fields = &menelaus["fields"];
    // The alarm's reset date, 2004-01-01 (`menelaus_tm`: an `int` each, 2 bytes on the wire).
    assert_eq!(fields["rtc.alm"]["tm_year"], 2004, "{fields}");
    assert_eq!(fields["rtc.alm"]["tm_mday"], 1, "{fields}");
    // The I2C address of the TWL92230, the section's last byte.
    assert_eq!(fields["parent_obj"]["address"], 0x72, "{fields}");
}

/// An error inside a fixed array of structs names the element, as one in a `Vec` of
/// structs does.
#[test]
fn an_error_in_an_array_of_structs_names_the_element() {
    use vmstate_core::schema::{decode, Desc, Format};
    #[derive(VmState, Default, Clone, Copy)]
    #[vmstate(name = "timer")]
    struct Timer {
        armed: bool,
        reload: u32,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "timers")]
    struct Timers {
        timers: [Timer; 4],
    }
    let desc = Desc::from_description(Timers::DESCRIPTION);
    let mut wire = vmstate_core::qemu::to_bytes(&Timers::default()).unwrap();
    wire[2 * 5] = 2; // the third timer's `armed`
    let err = decode(&desc, Format::Qemu, &wire, 1, 0).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("timers[2].armed"), "{text}");
}
