//! Inspecting and rewriting real QEMU 7.2 (and 10.0) streams through the device models.

use devices::qemu_image::{inspect, load_board, rewrite, MmioWrite};
use vmstate_core::qemu::Stream;

const FIXTURE: &[u8] = include_bytes!("../fixtures/qemu-7.2-integratorcp/integratorcp.stream");
const QEMU_10_0: &[u8] =
    include_bytes!("../fixtures/qemu-10.0-integratorcp/integratorcp-1m.stream");

fn writes(specs: &[&str]) -> Vec<MmioWrite> {
    specs.iter().map(|s| s.parse().unwrap()).collect()
}

fn section(json: &serde_json::Value, idstr: &str, instance: u64) -> serde_json::Value {
    json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["idstr"] == idstr && s["instance_id"] == instance)
        .unwrap_or_else(|| panic!("{idstr}:{instance}"))
        .clone()
}

#[test]
fn inspect_decodes_every_ported_section_with_the_readmes_values() {
    let json = inspect(&Stream::parse(FIXTURE.to_vec()).unwrap()).unwrap();
    let cm = section(&json, "integratorcm", 0);
    assert_eq!(
        (cm["section_id"].as_u64(), cm["version_id"].as_u64()),
        (Some(7), Some(1))
    );
    let expected = [
        ("cm_osc", 0x777),
        ("cm_ctrl", 0x4),
        ("cm_lock", 0xa05f),
        ("cm_auxosc", 0x55555),
        ("cm_sdram", 0x11132),
        ("cm_init", 0x112),
        ("cm_flags", 0x101),
        ("cm_nvflags", 0x2),
        ("int_level", 0),
        ("irq_enabled", 0x10),
        ("fiq_enabled", 0x20),
    ];
    // In the order of the wire.
    let fields: Vec<(&str, u64)> = (cm["fields"].as_object().unwrap().iter())
        .map(|(name, value)| (name.as_str(), value.as_u64().unwrap()))
        .collect();
    assert_eq!(fields, expected);
    let pic0 = section(&json, "icp_pic", 0);
    assert_eq!(
        pic0["fields"],
        serde_json::json!({"level": 0, "irq_enabled": 0x300, "fiq_enabled": 0x40})
    );
    let pic1 = section(&json, "icp_pic", 1);
    assert_eq!(
        pic1["fields"],
        serde_json::json!({"level": 0, "irq_enabled": 0x3, "fiq_enabled": 0})
    );
    let rtc = section(&json, "pl031", 0);
    assert_eq!(
        rtc["fields"],
        serde_json::json!({"tick_offset_vmstate": 0x6b07_8889u32, "mr": 0x1234, "lr": 0, "cr": 0, "im": 0, "is": 0})
    );
    assert_eq!(
        rtc["subsections"],
        serde_json::json!({"pl031/tick-offset": {"tick_offset": 0}})
    );
    assert_eq!(
        section(&json, "icp_control", 0)["fields"],
        serde_json::json!({"intreg_state": 0})
    );
    assert_eq!(
        json["sections"].as_array().unwrap().len(),
        Stream::parse(FIXTURE.to_vec()).unwrap().sections().count()
    );
}

/// Every FULL section of both fixtures is decoded, by the board's devices or the state-only
/// ports, but libslirp's (not ported); the SD card's bitmap, as long as the card is large
/// (configuration the data does not carry), takes its length from the vmdesc, and without
/// one the section says it cannot be decoded.
#[test]
fn inspect_decodes_every_section_but_slirps() {
    for fixture in [FIXTURE, QEMU_10_0] {
        let json = inspect(&Stream::parse(fixture.to_vec()).unwrap()).unwrap();
        let mut full = 0;
        for s in json["sections"].as_array().unwrap() {
            if s["kind"] != "full" {
                continue;
            }
            full += 1;
            let idstr = s["idstr"].as_str().unwrap();
            if idstr == "slirp" {
                assert!(s["fields"].is_null() && s.get("error").is_none());
            } else {
                assert!(
                    s["fields"].is_object() && s.get("error").is_none(),
                    "{idstr}: {s}"
                );
            }
        }
        assert_eq!(full, 24);
        let card = section(&json, "sd-card", 0);
        assert_eq!(card["fields"]["wp_group_bmap"], serde_json::json!([0]));
        assert_eq!(card["fields"]["blk_len"], 512);
    }
    let json = inspect(&Stream::parse(FIXTURE.to_vec()).unwrap()).unwrap();
    let cpu = section(&json, "cpu", 0);
    assert_eq!(cpu["fields"]["cpreg_vmstate_array_len"], 36);
    assert_eq!(section(&json, "pl011", 1)["fields"]["ifl"], 0x12);

    // QEMU's `-machine suppress-vmdesc=on`: the same stream without its trailer.
    let at = (FIXTURE.windows(12))
        .rposition(|w| w == b"{\"page_size\"")
        .unwrap();
    let bare = Stream::parse(FIXTURE[..at - 5].to_vec()).unwrap();
    let json = inspect(&bare).unwrap();
    let card = section(&json, "sd-card", 0);
    assert!(card["fields"].is_null());
    let error = card["error"].as_str().unwrap();
    assert!(
        error.contains("its length is in field `wp_group_words`"),
        "{error}"
    );
    assert_eq!(section(&json, "pl011", 1)["fields"]["ifl"], 0x12);
}

/// The vmdesc that gives the SD card's bitmap its length is input: a length that is not the
/// stream's, not a number, or above the port's bound is refused, by the stream reader (which
/// sizes sections by the vmdesc and checks them against their footers) or for that section
/// (with the reason shown): never a panic or a section read misaligned.
#[test]
fn a_hostile_vmdesc_length_is_refused_for_its_section() {
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let bitmap = |patch: &[(&str, serde_json::Value)]| {
        vmstate_tests::vmdesc_patched_bytes(&stream, |vmdesc| {
            let card = (vmdesc["devices"].as_array_mut().unwrap().iter_mut())
                .find(|d| d["name"] == "sd-card")
                .unwrap();
            let field = (card["fields"].as_array_mut().unwrap().iter_mut())
                .find(|f| f["name"] == "wp_group_bmap")
                .unwrap();
            for (key, value) in patch {
                field[*key] = value.clone();
            }
        })
    };
    let mut inspected = Vec::new();
    for patch in [
        vec![("size", serde_json::json!(16))], // two words: the rest misaligned
        vec![("size", serde_json::json!(9))],  // not whole words
        vec![("size", serde_json::json!(1u64 << 40))], // more than the data and the bound
        vec![("size", serde_json::json!("8"))], // not a number
        vec![("array_len", serde_json::json!(-1))],
        vec![("array_len", serde_json::json!(3))],
        // The same 8 bytes to the reader, but two 8-byte words to the port: misaligned.
        vec![
            ("size", serde_json::json!(4)),
            ("array_len", serde_json::json!(2)),
        ],
        vec![
            ("size", serde_json::json!(8)),
            ("array_len", serde_json::json!("one")),
        ],
    ] {
        let Ok(hostile) = Stream::parse(bitmap(&patch)) else {
            continue; // refused by the reader
        };
        let listing = inspect(&hostile).unwrap();
        let card = section(&listing, "sd-card", 0);
        assert!(card["fields"].is_null(), "{patch:?}: {card}");
        assert!(card["error"].is_string(), "{patch:?}: {card}");
        // The other sections are read as before.
        assert_eq!(section(&listing, "pl011", 1)["fields"]["ifl"], 0x12);
        inspected.push(patch);
    }
    // Those the reader takes (its section sizes unchanged) reach the section's decoding.
    assert!(inspected.len() >= 3, "{inspected:?}");
}

#[test]
fn rewrite_without_edits_is_byte_identical() {
    assert!(rewrite(FIXTURE.to_vec(), &[]).unwrap() == FIXTURE);
}

/// Offsets at which two equally long byte strings differ.
fn diff(a: &[u8], b: &[u8]) -> Vec<usize> {
    assert_eq!(a.len(), b.len());
    (0..a.len()).filter(|&i| a[i] != b[i]).collect()
}

#[test]
fn rewrite_changes_exactly_the_written_registers() {
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let cm = stream.device("integratorcm", 0).unwrap().data.start;
    let sic = stream.device("icp_pic", 1).unwrap().data.start;
    let rtc = stream.device("pl031", 0).unwrap().data.start;
    let out = rewrite(
        FIXTURE.to_vec(),
        &writes(&[
            "integratorcm@0x30=0x10000",
            "icp_pic:1@0x8=0x4",
            "pl031@0x4=0x5678",
        ]),
    )
    .unwrap();
    // cm_flags (field 7, bytes 24..28) gains bit 16; SIC irq_enabled 0x3 -> 0x7; RTC mr
    // 0x1234 -> 0x5678. Nothing else moves, including tick_offset_vmstate.
    assert_eq!(
        diff(FIXTURE, &out),
        [cm + 25, sic + 4 + 3, rtc + 4 + 2, rtc + 4 + 3]
    );
    assert_eq!(&out[cm + 24..cm + 28], &[0, 1, 1, 1]);
    assert_eq!(out[sic + 7], 0x7);
    assert_eq!(&out[rtc + 4..rtc + 8], &[0, 0, 0x56, 0x78]);
}

#[test]
fn rewrite_through_the_lock_behaves_as_hardware() {
    // Locking changes cm_lock only; a write to OSC or AUXOSC then would change nothing,
    // and is refused rather than reported as applied.
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let cm = stream.device("integratorcm", 0).unwrap().data.start;
    let out = rewrite(FIXTURE.to_vec(), &writes(&["integratorcm@0x14=0x0"])).unwrap();
    assert_eq!(diff(FIXTURE, &out), [cm + 8 + 2, cm + 8 + 3]);
    for locked in ["integratorcm@0x8=0x999", "integratorcm@0x1c=0x1234"] {
        let e = rewrite(out.clone(), &writes(&[locked]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is locked (write 0xa05f to CM_LOCK"), "{e}");
    }
    // Unlocked (as in the fixture), the same write lands.
    let out = rewrite(FIXTURE.to_vec(), &writes(&["integratorcm@0x8=0x999"])).unwrap();
    assert_eq!(diff(FIXTURE, &out), [cm + 2, cm + 3]);
}

#[test]
fn rewrite_refuses_unknown_targets_and_bad_streams() {
    let err = rewrite(FIXTURE.to_vec(), &writes(&["cpu@0x0=1"])).unwrap_err();
    assert!(
        err.to_string().contains("`cpu:0` is not a ported device"),
        "{err}"
    );
    let err = rewrite(FIXTURE.to_vec(), &writes(&["icp_pic:2@0x8=1"])).unwrap_err();
    assert!(err.to_string().contains("`icp_pic:2`"), "{err}");
    let err = rewrite(FIXTURE[..1000].to_vec(), &[]).unwrap_err();
    let err = err.to_string();
    assert!(err.contains("input truncated"), "{err}");
    // A board device at an instance the board lacks, which QEMU's destination refuses.
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let pic = stream.device("icp_pic", 1).unwrap().clone();
    let mut bytes = vmstate_tests::vmdesc_patched_bytes(&stream, |v| {
        let devices = v["devices"].as_array_mut().unwrap();
        let entry = devices
            .iter_mut()
            .find(|d| d["name"] == "icp_pic" && d["instance_id"] == 1)
            .unwrap();
        entry["instance_id"] = 2.into();
    });
    let instance_at = pic.range.start + 1 + 4 + 1 + "icp_pic".len();
    bytes[instance_at..instance_at + 4].copy_from_slice(&2u32.to_be_bytes());
    let err = rewrite(bytes, &[]).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "section {} (icp_pic:2): QEMU's Integrator/CP has no such instance (only 0 and 1)",
            pic.section_id
        )),
        "{err}"
    );
    assert!("integratorcm@0x8".parse::<MmioWrite>().is_err());
    assert!("integratorcm@zz=1".parse::<MmioWrite>().is_err());
    assert!("integratorcm@8=0x1_0000_0000".parse::<MmioWrite>().is_err());
}

#[test]
fn a_loaded_board_reads_what_the_guest_wrote() {
    let board = load_board(&Stream::parse(FIXTURE.to_vec()).unwrap()).unwrap();
    for (addr, value) in vmstate_tests::GUEST_REGISTERS {
        assert_eq!(board.read(addr).unwrap(), value, "{addr:#x}");
    }
    assert!(!board.core.flash.enabled, "remap applied on load");
    assert!(
        board.rtc.tick.migrated,
        "the tick-offset subsection arrived"
    );
    assert_eq!(board.rtc.tick.tick_offset, 0);
}

#[test]
fn pl031_without_its_subsection_falls_back_to_the_vmstate_offset() {
    use devices::{FakeClock, Pl031};
    use std::sync::Arc;
    let secs = 1_000_000_000u64;
    // Source: migrate-tick-offset off (an old QEMU): only the main section travels.
    let mut src = Pl031::with_clocks(
        Arc::new(FakeClock::new(5_000 * secs)),
        Arc::new(FakeClock::new(1_000 * secs)),
    );
    src.write(devices::pl031::reg::LR, 100_000);
    src.migrate_tick_offset = false;
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(bytes.len(), 24, "no subsection");
    // Destination clocks: rtc 7000 s, virtual 1000 s (the same virtual time as the source).
    let mut dst = Pl031::with_clocks(
        Arc::new(FakeClock::new(7_000 * secs)),
        Arc::new(FakeClock::new(1_000 * secs)),
    );
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
    assert!(!dst.tick.migrated);
    // QEMU's rule: guest time follows the virtual clock across the migration.
    assert_eq!(dst.count(), 100_000);
    // With the subsection, the real offset is used: guest time follows the RTC clock.
    src.migrate_tick_offset = true;
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(bytes.len(), 24 + 1 + 1 + 17 + 4 + 4);
    let mut dst = Pl031::with_clocks(
        Arc::new(FakeClock::new(7_000 * secs)),
        Arc::new(FakeClock::new(1_000 * secs)),
    );
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
    assert!(dst.tick.migrated);
    assert_eq!(dst.count(), 102_000);
}

#[test]
fn an_unknown_subsection_is_refused_by_name() {
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let sec = stream.device("pl031", 0).unwrap();
    let mut data = stream.data(sec).to_vec();
    // Rename the subsection "pl031/tick-offset" to "pl031/tick-offzet".
    let at = data.windows(6).position(|w| w == b"offset").unwrap();
    data[at + 3] = b'z';
    let mut rtc = devices::Pl031::new();
    let before = format!("{rtc:?}");
    let err = vmstate_core::qemu::from_bytes(&mut rtc, &data, 1, 0).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown subsection `pl031/tick-offzet`"),
        "{err}"
    );
    assert_eq!(format!("{rtc:?}"), before);
}

#[test]
fn rewrite_refuses_writes_that_would_not_do_what_they_say() {
    for (spec, why) in [
        (
            "integratorcm@0x800000=1",
            "is outside the device's 0x800000-byte window",
        ),
        (
            "pl031@0x1000=1",
            "is outside the device's 0x1000-byte window",
        ),
        ("integratorcm@0x9=1", "is not 4-byte aligned"),
        ("integratorcm@0x0=1", "the model ignores it"),
        ("icp_control@0x100=1", "the model ignores it"),
        ("integratorcm@0xc=0x8", "it requests a board reset"),
        ("integratorcm@0x80=0x5", "voltage control is not modelled"),
        ("pl031@0xc=0x5", "CR: the RTC is always enabled"),
        (
            "icp_control@0x4=0x5",
            "CP_FLASHPROG and CP_DECODE are not modelled",
        ),
        (
            "icp_control@0xc=0x5",
            "CP_FLASHPROG and CP_DECODE are not modelled",
        ),
        ("icp_pic@0x10=0x100", "act on bit 0 only"),
        ("icp_pic:1@0x14=0x2", "act on bit 0 only"),
        ("icp_pic@0x0=0x1", "a read-only register"),
        ("icp_pic:1@0x24=0x1", "a read-only register"),
    ] {
        let e = rewrite(FIXTURE.to_vec(), &writes(&[spec]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(why) && e.ends_with("nothing written"),
            "{spec}: {e}"
        );
    }
    // Enabling the soft interrupt while it is raised: QEMU aborts ("Core module interrupt").
    let e = rewrite(
        FIXTURE.to_vec(),
        &writes(&["integratorcm@0x48=0x1", "integratorcm@0x50=0x1"]),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("raises the core module's interrupt"), "{e}");
    assert!(e.contains("integratorcm:0@0x50=0x1"), "{e}");
}

#[test]
fn rewrite_carries_interrupt_lines_between_devices_and_keeps_the_cpus() {
    // The fixture's secondary PIC enables its inputs 0 and 1; the primary enables 8 and 9
    // (not 26, where the secondary's output arrives).
    let board_of = |stream: &[u8]| load_board(&Stream::parse(stream.to_vec()).unwrap()).unwrap();
    let raised = rewrite(FIXTURE.to_vec(), &writes(&["icp_pic:1@0x10=0x1"])).unwrap();
    let board = board_of(&raised);
    assert_eq!(
        board.sic.read(0x0),
        0x1,
        "secondary: soft input 0 raised and enabled"
    );
    assert_eq!(
        board.pic.read(0x4),
        1 << 26,
        "primary: input 26 follows the secondary"
    );
    assert!(!board.cpu_irq());
    // Lowered again: the primary's input follows, and the stream is the fixture again.
    let lowered = rewrite(raised, &writes(&["icp_pic:1@0x14=0x1"])).unwrap();
    assert_eq!(board_of(&lowered).pic.read(0x4), 0);
    assert!(lowered == FIXTURE);

    // Enabling input 26 on the primary would raise the CPU's IRQ line, which lives in the
    // `cpu` section: refused, naming the write that moved it.
    let e = rewrite(
        FIXTURE.to_vec(),
        &writes(&["icp_pic:1@0x10=0x1", "icp_pic:0@0x8=0x4000000"]),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("icp_pic:0@0x8=0x4000000"), "{e}");
    assert!(e.contains("changes the CPU's IRQ or FIQ line"), "{e}");
    // The FIQ raised, then the IRQ raised and lowered: the write to blame is the FIQ's.
    let e = rewrite(
        FIXTURE.to_vec(),
        &writes(&[
            "icp_pic:0@0x10=0x1",
            "icp_pic:0@0x28=0x1",
            "icp_pic:0@0x8=0x1",
            "icp_pic:0@0xc=0x1",
        ]),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("--mmio icp_pic:0@0x28=0x1:"), "{e}");
    // Raised and lowered again within the same rewrite: the line ends as it was, accepted.
    rewrite(
        FIXTURE.to_vec(),
        &writes(&[
            "icp_pic:1@0x10=0x1",
            "icp_pic:0@0x8=0x4000000",
            "icp_pic:1@0x14=0x1",
        ]),
    )
    .unwrap();
}

#[test]
fn a_board_section_whose_vmdesc_says_another_layout_is_not_rewritten() {
    // Another build's core module, sending `cm_lock` before `cm_ctrl` at the same version.
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let swapped = vmstate_tests::vmdesc_patched_bytes(&stream, |v| {
        let fields = vmstate_tests::device_entry(v, "integratorcm")["fields"]
            .as_array_mut()
            .unwrap();
        fields.swap(1, 2);
    });
    let e = rewrite(swapped.clone(), &[]).unwrap_err().to_string();
    assert!(
        e.contains(
            "section 7 (integratorcm:0): the stream's vmdesc says another layout was sent than \
             the board's port reads, so its registers would be misread: integratorcm: QEMU's \
             vmdesc lists `cm_lock` as field 1 (counting from 0), where the destination reads \
             `cm_ctrl`"
        ),
        "{e}"
    );
    // `inspect` shows it, with a note.
    let listing = inspect(&Stream::parse(swapped).unwrap()).unwrap();
    let cm = (listing["sections"].as_array().unwrap().iter())
        .find(|s| s["idstr"] == "integratorcm")
        .unwrap();
    assert!(cm["vmdesc_differs"].is_string(), "{cm}");
}

#[test]
fn bytes_after_the_vmdesc_survive_a_rewrite_and_show_in_inspect() {
    let mut bytes = FIXTURE.to_vec();
    bytes.extend_from_slice(b"appended by a tool");
    let json = inspect(&Stream::parse(bytes.clone()).unwrap()).unwrap();
    assert_eq!(json["trailing_bytes"], 18);
    assert!(
        inspect(&Stream::parse(FIXTURE.to_vec()).unwrap()).unwrap()["trailing_bytes"].is_null()
    );
    let out = rewrite(bytes.clone(), &writes(&["integratorcm@0x30=0x1234"])).unwrap();
    assert!(out.ends_with(b"appended by a tool"));
    assert_eq!(out.len(), bytes.len());
    let board = load_board(&Stream::parse(out).unwrap()).unwrap();
    assert_eq!(board.core.cm_flags & 0x1234, 0x1234);
}

#[test]
fn a_subsection_of_an_unloadable_version_is_named_by_inspect_and_rewrite() {
    let mut bytes = FIXTURE.to_vec();
    let name = bytes
        .windows(17)
        .position(|w| w == b"pl031/tick-offset")
        .unwrap();
    bytes[name + 17 + 3] = 0; // its be32 version, 1 -> 0
    let stream = Stream::parse(bytes.clone()).unwrap();
    let e = inspect(&stream).unwrap_err().to_string();
    assert!(e.contains("pl031/tick-offset: version 0 is too old"), "{e}");
    let e = rewrite(bytes, &[]).unwrap_err().to_string();
    assert!(
        e.contains("pl031.tick (subsection `pl031/tick-offset`): version 0 is too old"),
        "{e}"
    );
}

#[test]
fn inspect_shows_a_section_of_an_unloadable_version_without_decoding_it() {
    let at = Stream::parse(FIXTURE.to_vec())
        .unwrap()
        .device("integratorcm", 0)
        .unwrap()
        .range
        .start;
    // Type, section id, idstr length and "integratorcm", instance id: then the version.
    let version_at = at + 1 + 4 + 1 + "integratorcm".len() + 4;
    for (version, why) in [
        (
            2u32,
            "version 2 is too new: this build loads versions up to 1",
        ),
        (0, "version 0 is too old: this build loads versions from 1"),
    ] {
        // As a QEMU with another version of the device would write it: in the section
        // header and in its vmdesc entry.
        let mut bytes = FIXTURE.to_vec();
        bytes[version_at..version_at + 4].copy_from_slice(&version.to_be_bytes());
        let entry = b"\"vmsd_name\": \"integratorcm\", \"version\": 1";
        let entry_at = bytes.windows(entry.len()).position(|w| w == entry).unwrap();
        bytes[entry_at + entry.len() - 1] = b'0' + version as u8;
        let json = inspect(&Stream::parse(bytes.clone()).unwrap()).unwrap();
        let sec = section(&json, "integratorcm", 0);
        assert_eq!(sec["error"], why);
        assert!(sec["fields"].is_null());
        // The other ported sections are still decoded, and rewrite refuses the same way.
        assert!(section(&json, "icp_pic", 0)["fields"].is_object());
        let e = rewrite(bytes, &[]).unwrap_err().to_string();
        assert!(e.contains(why), "{e}");
    }
}

/// The fixture with the PL031 section's fields replaced (in place: same lengths) by `edit`
/// applied to [tick_offset_vmstate, mr, lr, cr, im, is], and the primary controller's
/// [level, irq_enabled, fiq_enabled] by `pic`.
fn patched(edit: impl FnOnce(&mut [u32; 6]), pic: impl FnOnce(&mut [u32; 3])) -> Vec<u8> {
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let mut bytes = FIXTURE.to_vec();
    let mut words = |start: usize, n: usize, f: &mut dyn FnMut(&mut [u32])| {
        let mut w: Vec<u32> = (0..n)
            .map(|i| {
                u32::from_be_bytes(bytes[start + 4 * i..start + 4 * i + 4].try_into().unwrap())
            })
            .collect();
        f(&mut w);
        for (i, v) in w.iter().enumerate() {
            bytes[start + 4 * i..start + 4 * i + 4].copy_from_slice(&v.to_be_bytes());
        }
    };
    let rtc = stream.device("pl031", 0).unwrap().data.start;
    let mut edit = Some(edit);
    words(rtc, 6, &mut |w| {
        (edit.take().unwrap())(w.try_into().unwrap())
    });
    let pic0 = stream.device("icp_pic", 0).unwrap().data.start;
    let mut pic = Some(pic);
    words(pic0, 3, &mut |w| {
        (pic.take().unwrap())(w.try_into().unwrap())
    });
    bytes
}

/// The message of a refused rewrite (without printing a whole stream if it was made).
fn refusal(result: Result<Vec<u8>, devices::qemu_image::ImageError>) -> String {
    match result {
        Ok(_) => panic!("the rewrite was made"),
        Err(e) => e.to_string(),
    }
}

/// The RTC count a board loaded from `bytes` reads.
fn count(bytes: &[u8]) -> u32 {
    let board = load_board(&Stream::parse(bytes.to_vec()).unwrap()).unwrap();
    board.read(0x1500_0000).unwrap()
}

#[test]
fn the_load_time_alarm_is_left_to_the_destination() {
    // The fixture's RTC is on the host clock: its count at the stop is one of two seconds.
    // With the alarm at the first and its interrupt enabled (kept from the CPU), the model's
    // load would fire it on a guess; QEMU's destination decides that itself at its load, so
    // a rewrite carries the stream's own interrupt state, in the RTC's section and in the
    // primary controller's input from it.
    let at_count = count(FIXTURE);
    let bytes = patched(|rtc| (rtc[1], rtc[4]) = (at_count, 1), |pic| pic[1] = 0x200);
    let out = rewrite(
        bytes.clone(),
        &writes(&["icp_pic@0x8=0x1", "pl031@0x10=0x1"]),
    )
    .unwrap();
    let json = inspect(&Stream::parse(out).unwrap()).unwrap();
    assert_eq!(section(&json, "pl031", 0)["fields"]["is"], 0);
    let pic0 = &section(&json, "icp_pic", 0)["fields"];
    assert_eq!(
        (&pic0["level"], &pic0["irq_enabled"]),
        (&0.into(), &0x201.into())
    );
    assert!(rewrite(bytes.clone(), &[]).unwrap() == bytes);
}

#[test]
fn a_loaded_board_raises_the_alarm_its_rtc_fires_at_the_load() {
    // The alarm at the count at the stop and its interrupt enabled: the RTC's `post_load`
    // fires it (QEMU's `pl031_post_load`), and the line reaches the primary controller's
    // input 8 (PL031), which the CPU's IRQ then follows, as in QEMU's destination. A rewrite
    // keeps the stream's own state instead (above).
    let at_count = count(FIXTURE);
    let bytes = patched(|rtc| (rtc[1], rtc[4]) = (at_count, 1), |pic| pic[1] = 0x100);
    let board = load_board(&Stream::parse(bytes).unwrap()).unwrap();
    assert_eq!(board.read(0x1500_0014).unwrap(), 1, "RTC RIS");
    assert_eq!(
        board.read(0x1400_0004).unwrap() & 0x100,
        0x100,
        "PIC IRQ_RAWSTAT"
    );
    assert!(board.cpu_irq());
}

#[test]
fn the_seconds_in_doubt_follow_a_host_clock_past_2038() {
    // A host clock past 2^31 s (after January 2038): the RTC clock is still ahead of the
    // virtual clock, so the count in doubt is the one above.
    let bytes = patched(|rtc| rtc[0] = 0x9000_0000, |_| {});
    let shown = count(&bytes);
    let e = refusal(rewrite(
        bytes.clone(),
        &[format!("pl031@0x4={:#x}", shown + 1).parse().unwrap()],
    ));
    assert!(
        e.contains(&format!("is {shown:#x} or {:#x}", shown + 1)),
        "{e}"
    );
    rewrite(
        bytes,
        &[format!("pl031@0x4={:#x}", shown - 1).parse().unwrap()],
    )
    .unwrap();
}

#[test]
fn a_section_that_would_change_size_is_not_rewritten() {
    // The RTC's subsection sent twice (QEMU loads it: the last copy wins) and listed twice
    // in the vmdesc: the model keeps one, so the section saved again would be shorter than
    // its vmdesc entry says, and the rewrite refuses it rather than write a stream it
    // could not read back. Left unwritten, the section is copied as it is.
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let rtc = stream.device("pl031", 0).unwrap().clone();
    let sub_at = stream.data(&rtc).iter().position(|&b| b == 0x05).unwrap();
    let sub = stream.data(&rtc)[sub_at..].to_vec();
    let mut bytes = vmstate_tests::vmdesc_patched_bytes(&stream, |v| {
        let devices = v["devices"].as_array_mut().unwrap();
        let entry = devices.iter_mut().find(|d| d["name"] == "pl031").unwrap();
        let subsections = entry["subsections"].as_array_mut().unwrap();
        subsections.push(subsections[0].clone());
    });
    bytes.splice(rtc.data.end..rtc.data.end, sub.iter().copied());
    let twice = Stream::parse(bytes.clone()).unwrap();
    assert_eq!(
        twice.data(twice.device("pl031", 0).unwrap()).len(),
        24 + 2 * 27
    );
    assert!(rewrite(bytes.clone(), &[]).unwrap() == bytes);
    let e = rewrite(bytes, &writes(&["pl031@0x10=0x1"]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("(pl031:0) saves 51 bytes where the stream has 78")
            && e.contains("its vmdesc entry would no longer match"),
        "{e}"
    );
}
