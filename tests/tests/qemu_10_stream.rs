//! A real QEMU 10.0 stream (`fixtures/qemu-10.0-integratorcp`): the same guest as the 7.2
//! fixture, written by a QEMU that sends a `SWITCHOVER_START` command and a vmdesc of another
//! shape. Read, inspected and rewritten like the 7.2 one (what the ported devices hold:
//! `qemu_releases.rs`).

use devices::qemu_image::{inspect, rewrite, MmioWrite};
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
    assert_eq!(
        inspect(&s).unwrap()["commands"][0]["name"],
        "SWITCHOVER_START"
    );
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
