//! A real QEMU 10.0 stream (`fixtures/qemu-10.0-integratorcp`): the same guest as the 7.2
//! fixture, written by a QEMU that sends a `SWITCHOVER_START` command and a vmdesc of another
//! shape. Read, inspected and rewritten like the 7.2 one.

use devices::qemu_image::{inspect, load_board, rewrite, MmioWrite};
use vmstate_core::qemu::{Item, Stream};

const FIXTURE: &[u8] = include_bytes!("../fixtures/qemu-10.0-integratorcp/integratorcp-1m.stream");

fn stream() -> Stream {
    Stream::parse(FIXTURE.to_vec()).expect("QEMU 10.0's stream reads")
}

#[test]
fn the_switchover_command_is_read_and_kept() {
    let s = stream();
    assert!(s.items().contains(&Item::Command {
        command: 11,
        name: "SWITCHOVER_START",
        range: 19616..19621
    }));
    assert!(s.encode(&[]) == FIXTURE);
    assert!(rewrite(FIXTURE.to_vec(), &[]).unwrap() == FIXTURE);
}

#[test]
fn the_ported_devices_hold_what_the_guest_wrote() {
    let json = inspect(&stream()).unwrap();
    let fields = |idstr: &str, instance: u64| {
        json["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["idstr"] == idstr && s["instance_id"] == instance)
            .unwrap_or_else(|| panic!("{idstr}:{instance}"))["fields"]
            .clone()
    };
    assert_eq!(
        fields("integratorcm", 0),
        serde_json::json!({"cm_osc": 0x777, "cm_ctrl": 0x4, "cm_lock": 0xa05f,
            "cm_auxosc": 0x55555, "cm_sdram": 0x11132, "cm_init": 0x112, "cm_flags": 0x101,
            "cm_nvflags": 0x2, "int_level": 0, "irq_enabled": 0x10, "fiq_enabled": 0x20})
    );
    assert_eq!(
        fields("icp_pic", 0),
        serde_json::json!({"level": 0, "irq_enabled": 0x300, "fiq_enabled": 0x40})
    );
    assert_eq!(
        fields("icp_pic", 1),
        serde_json::json!({"level": 0, "irq_enabled": 0x3, "fiq_enabled": 0})
    );
    assert_eq!(fields("pl031", 0)["mr"], 0x1234);
    assert_eq!(
        fields("icp_control", 0),
        serde_json::json!({"intreg_state": 0})
    );
    assert_eq!(json["commands"][0]["name"], "SWITCHOVER_START");
    let board = load_board(&stream()).unwrap();
    for (addr, value) in [
        (0x1000_0008, 0x777),
        (0x1000_0030, 0x101),
        (0x1400_0008, 0x300),
        (0xca00_0008, 0x3),
        (0x1500_0004, 0x1234),
    ] {
        assert_eq!(board.read(addr).unwrap(), value, "{addr:#x}");
    }
    assert!(!board.core.flash.enabled, "remap applied on load");
}

#[test]
fn a_rewrite_changes_exactly_the_written_registers() {
    let s = stream();
    let cm = s.device("integratorcm", 0).unwrap().data.start;
    let sic = s.device("icp_pic", 1).unwrap().data.start;
    let writes: Vec<MmioWrite> = ["integratorcm@0x30=0x10000", "icp_pic:1@0x8=0x4"]
        .iter()
        .map(|w| w.parse().unwrap())
        .collect();
    let out = rewrite(FIXTURE.to_vec(), &writes).unwrap();
    let changed: Vec<usize> = (0..out.len()).filter(|&i| out[i] != FIXTURE[i]).collect();
    assert_eq!(changed, [cm + 25, sic + 7]);
    // The result reads back, command and all.
    let again = Stream::parse(out).unwrap();
    assert!(again
        .items()
        .iter()
        .any(|i| matches!(i, Item::Command { command: 11, .. })));
}
