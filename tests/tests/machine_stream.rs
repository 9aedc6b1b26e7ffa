//! Native machine streams: a whole board, loaded all or nothing.

use devices::{machine, IntegratorCp};

fn source() -> IntegratorCp {
    let mut b = IntegratorCp::new(32);
    for (addr, value) in [
        (0x1000_0014, 0xa05f),
        (0x1000_0008, 0x777),
        (0x1000_000c, 0x4),
        (0x1400_0008, 0x300),
        (0x1500_0004, 0x42),
    ] {
        b.write(addr, value).unwrap();
    }
    b
}

/// A stream like `machine::save`'s, with only the sections `keep` accepts, renamed by `rename`.
fn stream_with(board: &IntegratorCp, keep: impl Fn(&str, u32) -> bool) -> Vec<u8> {
    let full = machine::save(board).unwrap();
    let parsed = machine::parse(&full).unwrap();
    let mut out = full[..12].to_vec();
    for s in &parsed.sections {
        if keep(&s.name, s.instance_id) {
            out.push(0x01);
            out.push(s.instance_id as u8);
            out.extend_from_slice(&full[s.range.clone()]);
        }
    }
    let end = parsed.sections.last().unwrap().range.end;
    out.extend_from_slice(&full[end..]);
    out
}

#[test]
fn round_trip_of_a_whole_board() {
    let src = source();
    let bytes = machine::save(&src).unwrap();
    let mut dst = IntegratorCp::new(32);
    machine::load(&mut dst, &bytes).unwrap();
    assert_eq!(dst.register_dump(true), src.register_dump(true));
    assert!(!dst.core.flash.enabled);
}

#[test]
fn a_device_missing_from_the_stream_is_refused_and_nothing_changes() {
    let bytes = stream_with(&source(), |name, inst| !(name == "icp_pic" && inst == 1));
    let mut dst = IntegratorCp::new(32);
    dst.write(0x1000_0030, 0x5).unwrap();
    let before = dst.register_dump(true);
    let err = machine::load(&mut dst, &bytes).unwrap_err();
    assert!(
        err.to_string()
            .contains("missing section for device `icp_pic` instance 1"),
        "{err}"
    );
    assert_eq!(dst.register_dump(true), before);
}

#[test]
fn a_section_the_destination_lacks_is_refused_and_nothing_changes() {
    // Instance 1 of icp_control does not exist on the board: rename icp_pic:1's slot.
    let src = source();
    let full = machine::save(&src).unwrap();
    let parsed = machine::parse(&full).unwrap();
    let mut bytes = full.clone();
    let ctl = parsed
        .sections
        .iter()
        .find(|s| s.name == "icp_control")
        .unwrap();
    bytes[ctl.range.start - 1] = 7; // its instance id
    let mut dst = IntegratorCp::new(32);
    let before = dst.register_dump(true);
    let err = machine::load(&mut dst, &bytes).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown section `icp_control` instance 7"),
        "{err}"
    );
    assert_eq!(dst.register_dump(true), before);
}

#[test]
fn a_corrupt_section_is_refused_by_name_before_any_device_changes() {
    let src = source();
    let full = machine::save(&src).unwrap();
    let parsed = machine::parse(&full).unwrap();
    for s in &parsed.sections {
        let mut bad = full.clone();
        bad[s.range.end - 5] ^= 0x10; // the last field byte
        let mut dst = IntegratorCp::new(32);
        let before = dst.register_dump(true);
        let err = machine::load(&mut dst, &bad).unwrap_err();
        assert!(err.to_string().contains("bad checksum"), "{err}");
        assert!(
            err.to_string().contains("section #") || err.to_string().contains(&s.name),
            "{err}"
        );
        assert_eq!(dst.register_dump(true), before, "{}", s.name);
    }
}

#[test]
fn an_immutable_mismatch_in_one_device_leaves_every_device_unchanged() {
    let bytes = machine::save(&source()).unwrap();
    let mut dst = IntegratorCp::new(128); // a different RAM size
    let before = dst.register_dump(true);
    let err = machine::load(&mut dst, &bytes).unwrap_err();
    assert!(err.to_string().contains("integratorcm.memsz"), "{err}");
    assert!(
        err.to_string()
            .contains("stream has 32, destination has 128"),
        "{err}"
    );
    assert_eq!(dst.register_dump(true), before);
}

#[test]
fn truncations_and_garbage_are_refused() {
    let bytes = machine::save(&source()).unwrap();
    for len in [
        0,
        4,
        11,
        12,
        13,
        30,
        bytes.len() / 2,
        bytes.len() - 5,
        bytes.len() - 1,
    ] {
        let mut dst = IntegratorCp::new(32);
        assert!(machine::load(&mut dst, &bytes[..len]).is_err(), "len {len}");
        assert!(machine::parse(&bytes[..len]).is_err(), "len {len}");
    }
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(machine::parse(&extra)
        .unwrap_err()
        .to_string()
        .contains("trailing"));
}

#[test]
fn every_corrupted_instance_id_is_refused_and_nothing_changes() {
    // The instance id sits outside the section checksums: renumbering a section must still
    // be refused (as a duplicate, or as a section the destination lacks), never loaded into
    // another device.
    let bytes = machine::save(&source()).unwrap();
    let parsed = machine::parse(&bytes).unwrap();
    for s in &parsed.sections {
        let id_at = s.range.start - 1; // one varint byte: instance ids here are < 128
        for other in [0u8, 1, 2, 0x7f] {
            if u32::from(other) == s.instance_id {
                continue;
            }
            let mut bad = bytes.clone();
            bad[id_at] = other;
            let mut dst = IntegratorCp::new(32);
            let before = machine::save(&dst).unwrap();
            let err = machine::load(&mut dst, &bad).unwrap_err().to_string();
            assert!(
                err.contains("duplicate section") || err.contains("unknown section"),
                "{} instance {} renumbered {other}: {err}",
                s.name,
                s.instance_id
            );
            assert_eq!(machine::save(&dst).unwrap(), before, "nothing changed");
        }
    }
    // Two icp_pic sections numbered 0: named with both places.
    let pic1 = parsed
        .sections
        .iter()
        .find(|s| s.name == "icp_pic" && s.instance_id == 1)
        .unwrap();
    let mut bad = bytes.clone();
    bad[pic1.range.start - 1] = 0;
    let err = machine::parse(&bad).unwrap_err().to_string();
    assert!(
        err.contains("duplicate section `icp_pic` instance 0 (the first is at byte"),
        "{err}"
    );
}

#[test]
fn a_stream_of_very_many_sections_is_refused_before_they_are_listed() {
    #[derive(vmstate_core::VmState)]
    #[vmstate(name = "a")]
    struct A {
        x: u8,
    }
    let section = vmstate_core::to_bytes(&A { x: 0 }).unwrap();
    let mut bytes = devices::machine::MAGIC.to_vec();
    bytes.extend_from_slice(&devices::machine::FORMAT_VERSION.to_le_bytes());
    for i in 0..=devices::machine::MAX_SECTIONS as u32 {
        bytes.push(1);
        vmstate_core::Encoder::scalar(&mut vmstate_core::NativeEncoder::new(&mut bytes), i);
        bytes.extend_from_slice(&section);
    }
    bytes.push(0);
    let mut board = source();
    let before = format!("{board:?}");
    let e = devices::machine::load(&mut board, &bytes)
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than 65536 sections"), "{e}");
    assert_eq!(format!("{board:?}"), before);
}
