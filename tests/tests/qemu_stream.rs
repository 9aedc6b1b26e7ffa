//! Walking a real QEMU 7.2 stream and rebuilding it.

use devices::{IcpControl, IcpPic, IntegratorCm};
use vmstate_core::qemu::{Item, SectionKind, Stream};

const FIXTURE: &[u8] = include_bytes!("../fixtures/qemu-7.2-integratorcp/integratorcp.stream");

fn stream() -> Stream {
    Stream::parse(FIXTURE.to_vec()).unwrap()
}

#[test]
fn walks_the_whole_fixture() {
    let s = stream();
    assert_eq!(s.page_size(), 1024);
    assert!(
        matches!(&s.items()[0], Item::Configuration { machine, .. } if machine == "integratorcp")
    );
    assert!(matches!(s.items().last(), Some(Item::Vmdesc(_))));
    // The README's table: (idstr, section_id, instance, version, offset of the 0x04).
    for (idstr, id, instance, version, offset) in [
        ("integratorcm", 7, 0, 1, 306833),
        ("icp_pic", 8, 0, 1, 306908),
        ("icp_pic", 9, 1, 1, 306946),
        ("pl031", 13, 0, 1, 307263),
        ("icp_control", 16, 0, 1, 307684),
    ] {
        let sec = s
            .device(idstr, instance)
            .unwrap_or_else(|| panic!("{idstr} {instance}"));
        assert_eq!(
            (sec.section_id, sec.version_id, sec.range.start),
            (id, version, offset),
            "{idstr}"
        );
        assert_eq!(sec.kind, SectionKind::Full);
    }
    let ram: Vec<_> = s
        .sections()
        .filter(|x| x.idstr == "ram")
        .map(|x| x.kind)
        .collect();
    assert_eq!(ram.first(), Some(&SectionKind::Start));
    assert_eq!(ram.last(), Some(&SectionKind::End));
}

#[test]
fn rebuilds_the_fixture_byte_for_byte() {
    assert_eq!(stream().encode(&[]), FIXTURE);
}

#[test]
fn decodes_the_ported_sections_with_the_readmes_values() {
    let s = stream();
    let sec = s.device("integratorcm", 0).unwrap();
    let mut cm = IntegratorCm::new(32);
    vmstate_core::qemu::from_bytes(&mut cm, s.data(sec), sec.version_id, sec.data.start).unwrap();
    assert_eq!(
        cm.registers(),
        [0x777, 0x4, 0xa05f, 0x55555, 0x11132, 0x112, 0x101, 0x2, 0, 0x10, 0x20]
    );
    assert!(
        !cm.flash.enabled,
        "remap is recomputed from cm_ctrl after a QEMU load too"
    );

    let mut pic = IcpPic::default();
    let sec = s.device("icp_pic", 0).unwrap();
    vmstate_core::qemu::from_bytes(&mut pic, s.data(sec), 1, sec.data.start).unwrap();
    assert_eq!(
        pic,
        IcpPic {
            level: 0,
            irq_enabled: 0x300,
            fiq_enabled: 0x40
        }
    );
    let sec = s.device("icp_pic", 1).unwrap();
    vmstate_core::qemu::from_bytes(&mut pic, s.data(sec), 1, sec.data.start).unwrap();
    assert_eq!(
        pic,
        IcpPic {
            level: 0,
            irq_enabled: 0x3,
            fiq_enabled: 0
        }
    );

    let mut ctl = IcpControl { intreg_state: 9 };
    let sec = s.device("icp_control", 0).unwrap();
    vmstate_core::qemu::from_bytes(&mut ctl, s.data(sec), 1, sec.data.start).unwrap();
    assert_eq!(ctl.intreg_state, 0);

    // Re-encoding gives QEMU's bytes.
    let sec = s.device("integratorcm", 0).unwrap();
    assert_eq!(vmstate_core::qemu::to_bytes(&cm).unwrap(), s.data(sec));
}

#[test]
fn refuses_what_is_not_a_stream() {
    for (bytes, needle) in [
        (&b""[..], "shorter than its header"),
        (&b"QEVM"[..], "stream header: input truncated"),
        (&b"XEVM\0\0\0\x03"[..], "not a QEMU migration stream"),
        (&b"QEVM\0\0\0\x02"[..], "unsupported QEMU stream version 2"),
        (&b"QEVM\0\0\0\x03"[..], "ends before its EOF"),
    ] {
        let err = Stream::parse(bytes.to_vec()).unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[test]
fn every_truncation_is_refused_cleanly() {
    // Cut at every device-section boundary and inside; parse must fail, not panic.
    let s = stream();
    let cuts: Vec<usize> = s
        .sections()
        .flat_map(|x| {
            [
                x.range.start,
                x.range.start + 3,
                x.data.start + 1,
                x.range.end - 1,
            ]
        })
        .collect();
    for cut in cuts {
        assert!(
            Stream::parse(FIXTURE[..cut].to_vec()).is_err(),
            "cut at {cut}"
        );
    }
}

#[test]
fn a_broken_footer_is_named() {
    let mut bad = FIXTURE.to_vec();
    let sec = stream().device("integratorcm", 0).unwrap().clone();
    bad[sec.data.end] = 0x7f;
    let err = Stream::parse(bad).unwrap_err();
    assert!(
        err.to_string()
            .contains("missing section footer for `integratorcm`"),
        "{err}"
    );
    assert_eq!(err.offset(), Some(sec.data.end));
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Found by `fuzz/` (qemu_stream-1): a machine name that is not UTF-8 was rebuilt lossily.
#[test]
fn a_non_utf8_machine_name_is_rebuilt_byte_for_byte() {
    let input = hex("5145564d000000030700000001ff00");
    let s = Stream::parse(input.clone()).unwrap();
    assert!(s.encode(&[]) == input);
}

/// Found by `fuzz/` (qemu_stream-2): sections running into the vmdesc trailer made the error
/// message subtract past zero (a panic with overflow checks on).
#[test]
fn sections_running_into_the_trailer_are_refused_without_panicking() {
    let input = hex(concat!(
        "5145564d000000030400000006016100000000000000017e00000006000000367b2264657669636573223a5b7b",
        "226e616d65223a2261222c22696e7374616e63655f6964223a302c226669656c6473223a5b5d7d5d7d"
    ));
    let err = Stream::parse(input).unwrap_err();
    assert!(
        err.to_string().contains("run into the vmdesc trailer"),
        "{err}"
    );
}
