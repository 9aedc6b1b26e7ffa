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

/// `replace_devices`: a device's section replaced by idstr and instance changes those bytes
/// only; a device the stream lacks, one named twice or data of another length is refused.
#[test]
fn replace_devices_changes_that_section_only_and_refuses_what_would_not_read_back() {
    let s = stream();
    let pic1 = s.device("icp_pic", 1).unwrap().clone();
    let mut data = s.data(&pic1).to_vec();
    data[3] ^= 0x40;
    let out = s.replace_devices(&[("icp_pic", 1, data.clone())]).unwrap();
    assert_eq!(out.len(), FIXTURE.len());
    let changed: Vec<usize> = (0..out.len()).filter(|&i| out[i] != FIXTURE[i]).collect();
    assert_eq!(changed, [pic1.data.start + 3]);
    let again = Stream::parse(out).unwrap();
    assert_eq!(again.data(again.device("icp_pic", 1).unwrap()), data);
    // Data of another size: the section's vmdesc entry (of several fields) becomes one buffer
    // of the new size, and every other entry keeps its values.
    let shorter = s
        .replace_devices(&[("icp_pic", 1, data[..8].to_vec())])
        .unwrap();
    let shorter = Stream::parse(shorter).unwrap();
    assert_eq!(
        shorter.data(shorter.device("icp_pic", 1).unwrap()),
        &data[..8]
    );
    let (before, after) = (s.vmdesc().unwrap(), shorter.vmdesc().unwrap());
    let entry = |v: &serde_json::Value, i: u64| -> serde_json::Value {
        let devices = v["devices"].as_array().unwrap();
        (devices.iter())
            .find(|d| d["name"] == "icp_pic" && d["instance_id"] == i)
            .unwrap()
            .clone()
    };
    assert_eq!(
        entry(&after, 1)["fields"],
        serde_json::json!([{ "name": "data", "type": "buffer", "size": 8 }])
    );
    assert_eq!(
        entry(&after, 1)["vmsd_name"],
        entry(&before, 1)["vmsd_name"]
    );
    assert_eq!(entry(&after, 0), entry(&before, 0));
    assert_eq!(
        before["devices"].as_array().unwrap().len(),
        after["devices"].as_array().unwrap().len()
    );
    // A stream without a vmdesc (found by footers), or two FULL sections for the device.
    let handmade = |sections: &[&[u8]], vmdesc: bool| {
        let mut bytes = vmstate_core::qemu::MAGIC.to_be_bytes().to_vec();
        bytes.extend_from_slice(&vmstate_core::qemu::FILE_VERSION.to_be_bytes());
        for (id, data) in sections.iter().enumerate() {
            let rtc = vmstate_core::qemu::Section {
                kind: SectionKind::Full,
                section_id: id as u32,
                idstr: "pl031".into(),
                instance_id: 0,
                version_id: 1,
                range: 0..0,
                data: 0..0,
                footer: true,
            };
            vmstate_core::qemu::write_section(&mut bytes, &rtc, data);
        }
        bytes.push(vmstate_core::qemu::tag::EOF);
        if vmdesc {
            let entry =
                r#"{"name": "pl031", "instance_id": 0, "fields": [{"name": "lr", "size": 4}]}"#;
            let entries = vec![entry; sections.len()].join(",");
            let json = format!(r#"{{"page_size": 4096, "devices": [{entries}]}}"#);
            bytes.push(vmstate_core::qemu::tag::VMDESCRIPTION);
            bytes.extend_from_slice(&(json.len() as u32).to_be_bytes());
            bytes.extend_from_slice(json.as_bytes());
        }
        Stream::parse(bytes).unwrap()
    };
    let nine = [("pl031", 0, vec![0, 0, 0, 9])];
    assert!(handmade(&[&[0, 0, 0, 5]], true)
        .replace_devices(&nine)
        .is_ok());
    let err = handmade(&[&[0, 0, 0, 5]], false)
        .replace_devices(&nine)
        .unwrap_err();
    assert!(err.to_string().contains("no vmdesc"), "{err}");
    let two = handmade(&[&[0, 0, 0, 5], &[0, 0, 0, 6]], true);
    let err = two.replace_devices(&nine).unwrap_err();
    assert!(err.to_string().contains("several FULL sections"), "{err}");
    for (replace, why) in [
        (vec![("icp_pic", 2, data.clone())], "has no FULL section"),
        (vec![("uart", 0, data.clone())], "has no FULL section"),
        (vec![("ram", 0, data.clone())], "has no FULL section"),
        (
            vec![("icp_pic", 1, data.clone()), ("icp_pic", 1, data.clone())],
            "replaced twice",
        ),
    ] {
        let err = s.replace_devices(&replace).unwrap_err();
        assert!(err.to_string().contains(why), "{err}");
    }
}

/// A resized section's vmdesc entry is the one the parser took for it: the next of its name
/// after the previous section's (with entries `x, y, x` for sections `y, x`, the third), and
/// an entry of one value (`uint32`) becomes a buffer, its type having a size of its own.
#[test]
fn a_resized_section_rewrites_the_entry_the_parser_reads_it_by() {
    use vmstate_core::qemu::{self, Section};
    let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    for (id, idstr) in [(0, "y"), (1, "x")] {
        let s = Section {
            kind: SectionKind::Full,
            section_id: id,
            idstr: idstr.into(),
            instance_id: 0,
            version_id: 1,
            range: 0..0,
            data: 0..0,
            footer: true,
        };
        qemu::write_section(&mut bytes, &s, &[0, 0, 0, 5]);
    }
    bytes.push(qemu::tag::EOF);
    let entry = |name: &str| {
        format!(
            r#"{{"name": "{name}", "instance_id": 0, "fields": [{{"name": "v", "type": "uint32", "size": 4}}]}}"#
        )
    };
    let json = format!(
        r#"{{"page_size": 4096, "devices": [{}, {}, {}]}}"#,
        entry("x"),
        entry("y"),
        entry("x")
    );
    bytes.push(qemu::tag::VMDESCRIPTION);
    bytes.extend_from_slice(&(json.len() as u32).to_be_bytes());
    bytes.extend_from_slice(json.as_bytes());
    let stream = Stream::parse(bytes).unwrap();
    let out = stream
        .replace_devices(&[("x", 0, vec![0, 0, 0, 5, 6])])
        .unwrap();
    let again = Stream::parse(out).unwrap();
    assert_eq!(again.data(again.device("x", 0).unwrap()), [0, 0, 0, 5, 6]);
    let devices = again.vmdesc().unwrap()["devices"].clone();
    assert_eq!(devices[0], stream.vmdesc().unwrap()["devices"][0]);
    assert_eq!(
        devices[2]["fields"],
        serde_json::json!([{ "name": "data", "type": "buffer", "size": 5 }])
    );
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
        (
            &b"QEVM\0\0\0\x03"[..],
            "the section type or EOF marker: input truncated",
        ),
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

/// A stream cut short after its header is `ErrorKind::Truncated` wherever the cut falls
/// (RAM, a device section, whose size the lost vmdesc would give, the vmdesc itself), so
/// that a receiver tells a transfer cut short by the kind; but where it ends as a whole
/// stream without a vmdesc does (a section footer, then the EOF marker), which it may be.
#[test]
fn a_stream_cut_anywhere_is_truncated() {
    for (name, bytes, step) in [
        ("7.2", FIXTURE.to_vec(), 997),
        (
            "10.0",
            vmstate_tests::qemu_10_0_stream().bytes().to_vec(),
            97,
        ),
    ] {
        for cut in (8..bytes.len())
            .step_by(step)
            .chain(bytes.len() - 20..bytes.len())
        {
            let cut_short = &bytes[..cut];
            match Stream::parse(cut_short.to_vec()) {
                Err(e) => assert!(
                    matches!(e.kind(), vmstate_core::ErrorKind::Truncated { .. }),
                    "QEMU {name} cut at {cut}: {e}"
                ),
                Ok(_) => assert!(
                    matches!(cut_short, [.., 0x7e, _, _, _, _, 0]),
                    "QEMU {name} cut at {cut}"
                ),
            }
        }
    }
}

#[test]
fn a_damaged_or_cut_vmdesc_is_named_where_it_starts() {
    // The vmdesc item is the JSON; its 0x06 tag and be32 length come right before.
    let vmdesc = vmstate_tests::vmdesc_range(&stream()).start - 5;
    let cut = FIXTURE[..FIXTURE.len() - 50].to_vec();
    let mut flipped = FIXTURE.to_vec();
    flipped[vmdesc + 2] ^= 0x40; // its length
    for damaged in [cut, flipped] {
        let e = Stream::parse(damaged).unwrap_err().to_string();
        assert!(e.contains("that are not a vmdesc trailer"), "{e}");
        assert!(e.contains(&format!("at byte {vmdesc} ")), "{e}");
        assert!(e.contains("damaged or cut short"), "{e}");
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

/// The error text of parsing the fixture with `edit` applied.
fn refusal(edit: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut bytes = FIXTURE.to_vec();
    edit(&mut bytes);
    Stream::parse(bytes).unwrap_err().to_string()
}

/// Offset of the first RAM page record in the fixture (the first of the `ram` section's
/// PART: a zero page naming its block), and that block's name.
fn first_page_record() -> (usize, String) {
    let s = stream();
    let part = s
        .sections()
        .find(|s| s.idstr == "ram" && s.kind == SectionKind::Part)
        .unwrap();
    let at = part.data.start;
    assert_eq!(FIXTURE[at + 7], 0x02, "a zero page with its block's name");
    let len = usize::from(FIXTURE[at + 8]);
    (
        at,
        String::from_utf8(FIXTURE[at + 9..at + 9 + len].to_vec()).unwrap(),
    )
}

#[test]
fn ram_records_qemu_would_refuse_are_refused() {
    let (page, block) = first_page_record();
    // Two record kinds in one flags word (ZERO | FULL): QEMU says "Unknown combination".
    let e = refusal(|b| b[page + 7] = 0x03);
    assert!(
        e.contains("unknown combination of ram record flags 0x3"),
        "{e}"
    );
    assert!(e.contains(&format!("(at byte {page})")), "{e}");
    // A page beyond the block's length: QEMU says "Illegal RAM offset".
    let e = refusal(|b| b[page] = 0xff);
    assert!(e.contains(&format!("is outside block `{block}`")), "{e}");
    // A page for a block the section never announced.
    let e = refusal(|b| b[page + 9] = b'X');
    let renamed = format!("X{}", &block[1..]);
    assert!(
        e.contains(&format!("ram page for unknown block `{renamed}`")),
        "{e}"
    );
}

#[test]
fn a_page_size_that_is_not_a_power_of_two_is_refused() {
    let e = refusal(|b| {
        let at = b
            .windows(16)
            .rposition(|w| w == b"\"page_size\": 102")
            .unwrap();
        b[at + 14] = b'3'; // 1024 -> 1324, same length
    });
    assert!(
        e.contains("vmdesc page_size 1324 is not a power of two"),
        "{e}"
    );
}

#[test]
fn a_timer_sent_twice_is_refused_where_the_board_reads_it() {
    // QEMU's `timer` holds the virtual clock the RTC counts from; QEMU would load the later
    // copy, a rewrite would read the first: refused, as a board device sent twice is.
    let s = stream();
    let timer = s.device("timer", 0).unwrap().clone();
    let mut bytes = vmstate_tests::vmdesc_patched_bytes(&s, |v| {
        let devices = v["devices"].as_array_mut().unwrap();
        let at = devices.iter().position(|d| d["name"] == "timer").unwrap();
        let copy = devices[at].clone();
        devices.insert(at + 1, copy);
    });
    bytes.splice(
        timer.range.end..timer.range.end,
        FIXTURE[timer.range.clone()].to_vec(),
    );
    let twice = Stream::parse(bytes).unwrap();
    let timers = twice.sections().filter(|sec| sec.idstr == "timer").count();
    assert_eq!(timers, 2);
    let e = devices::qemu_image::load_board(&twice)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!(
            "duplicate section `timer` instance 0 (the first is at byte {})",
            timer.range.start
        )),
        "{e}"
    );
}

/// The fixture with the section of (`idstr`, instance 1) renumbered instance 0, in the stream
/// and in its vmdesc entry: two sections of one idstr and instance.
fn renumbered(idstr: &str) -> Vec<u8> {
    let mut bytes = FIXTURE.to_vec();
    let second = stream().device(idstr, 1).unwrap().range.start;
    let instance_at = second + 1 + 4 + 1 + idstr.len();
    assert_eq!(bytes[instance_at..instance_at + 4], [0, 0, 0, 1]);
    bytes[instance_at + 3] = 0;
    let entry = format!("\"name\": \"{idstr}\", \"instance_id\": 1");
    let at = bytes
        .windows(entry.len())
        .position(|w| w == entry.as_bytes())
        .unwrap();
    bytes[at + entry.len() - 1] = b'0';
    bytes
}

#[test]
fn two_sections_of_one_device_are_read_as_qemu_reads_them() {
    // QEMU 7.2 sends two `slirp` sections at instance 0 for a guest with two `-nic user`
    // backends, and loads them: so are they read here, each sized by its own vmdesc entry.
    let bytes = renumbered("pl011");
    let s = Stream::parse(bytes.clone()).unwrap();
    let uarts: Vec<_> = s
        .sections()
        .filter(|sec| sec.idstr == "pl011" && sec.kind == SectionKind::Full)
        .map(|sec| sec.instance_id)
        .collect();
    assert_eq!(uarts, [0, 0]);
    // Listed and decoded both, each with its own vmdesc entry.
    let json = devices::qemu_image::inspect(&s).unwrap();
    let decoded = (json["sections"].as_array().unwrap().iter())
        .filter(|sec| sec["idstr"] == "pl011" && sec["fields"].is_object())
        .count();
    assert_eq!(decoded, 2);
    // A state-only port is copied as it is: the rewrite keeps both.
    assert!(devices::qemu_image::rewrite(bytes.clone(), &[]).unwrap() == bytes);
}

#[test]
fn a_board_device_sent_twice_is_refused_by_the_board() {
    // QEMU would load both copies into the one device, the later winning; a rewrite could
    // not keep both, and no QEMU sends a board device twice.
    let bytes = renumbered("icp_pic");
    let s = Stream::parse(bytes).unwrap();
    let e = devices::qemu_image::load_board(&s).unwrap_err().to_string();
    assert!(
        e.contains(
            "duplicate section `icp_pic` instance 0 (the first is at byte 306908): the board's \
             devices and QEMU's `timer` are read from one section each"
        ),
        "{e}"
    );
}

#[test]
fn a_section_header_and_its_vmdesc_entry_must_agree_on_the_version() {
    // QEMU writes both from one description; a header at another version (here the `timer`
    // section's 2 made 253, which QEMU refuses) is a corrupted stream, though `rewrite`
    // would only copy that section.
    let timer = stream().device("timer", 0).unwrap().range.start;
    let version_at = timer + 1 + 4 + 1 + "timer".len() + 4;
    assert_eq!(FIXTURE[version_at..version_at + 4], [0, 0, 0, 2]);
    let e = refusal(|b| b[version_at + 3] = 253);
    assert!(
        e.contains(&format!(
            "section `timer` instance 0: its size is unknown: its header says version 253 and \
             its vmdesc entry version 2 (at byte {timer})"
        )),
        "{e}"
    );
}

#[test]
fn ram_is_at_instance_zero_only() {
    // QEMU's destination has no other: "Unknown savevm section or instance 'ram' 255".
    let ram = ram_section().range.start;
    let instance_at = ram + 1 + 4 + 1 + "ram".len();
    assert_eq!(FIXTURE[instance_at..instance_at + 4], [0, 0, 0, 0]);
    let e = refusal(|b| b[instance_at + 3] = 255);
    assert!(
        e.contains(&format!(
            "section `ram` instance 255: QEMU has only instance 0 (at byte {ram})"
        )),
        "{e}"
    );
}

#[test]
fn names_in_messages_are_escaped_and_cut() {
    // The RAM section's idstr length made 0xfd: the "name" runs into binary data.
    let ram = ram_section().range.start;
    let e = refusal(|b| b[ram + 5] = 0xfd);
    assert!(!e.contains('\0') && !e.contains('\n'), "{e:?}");
    assert!(e.contains("..."), "{e}");
    assert!(e.len() < 400, "{e}");
}

#[test]
fn an_unusable_vmdesc_is_named_for_what_it_lacks() {
    // The entry of icp_pic 0 loses its size: found, but unusable.
    let e = refusal(|b| {
        let vmdesc = b.windows(9).rposition(|w| w == b"\"devices\"").unwrap();
        let pic = vmdesc
            + b[vmdesc..]
                .windows(17)
                .position(|w| w == b"\"name\": \"icp_pic\"")
                .unwrap();
        let size = pic
            + b[pic..]
                .windows(8)
                .position(|w| w == b"\"size\": ")
                .unwrap();
        b[size + 1] = b'X'; // "size" -> "Xize"
    });
    assert!(
        e.contains("section `icp_pic` instance 0: its size is unknown: its vmdesc entry has a field without a valid size"),
        "{e}"
    );
    // No vmdesc and a section without its footer: nothing says where the section ends.
    let e = refusal(|b| {
        let at = b.windows(12).rposition(|w| w == b"{\"page_size\"").unwrap();
        b.truncate(at - 5);
        let footer = [&[0x7e][..], &7u32.to_be_bytes()].concat(); // integratorcm's
        let f = b.windows(5).position(|w| w == footer).unwrap();
        b[f + 4] = 0x55;
    });
    assert!(e.contains("no vmdesc trailer"), "{e}");
    assert!(e.contains("section `integratorcm`"), "{e}");
}

#[test]
fn a_stream_without_a_vmdesc_is_read_by_its_footers() {
    // QEMU's `-machine suppress-vmdesc=on`: the same stream without its trailer.
    let at = FIXTURE
        .windows(12)
        .rposition(|w| w == b"{\"page_size\"")
        .unwrap();
    let bare = FIXTURE[..at - 5].to_vec();
    assert_eq!(bare.last(), Some(&0)); // the EOF marker
    let with = Stream::parse(FIXTURE.to_vec()).unwrap();
    let without = Stream::parse(bare.clone()).unwrap();
    assert_eq!(without.page_size(), 1024);
    let sections = |s: &Stream| s.sections().cloned().collect::<Vec<_>>();
    assert_eq!(sections(&without), sections(&with));
    assert!(without.vmdesc().is_none());
    assert!(without.encode(&[]) == bare);
}

#[test]
fn bytes_after_the_vmdesc_are_kept_as_qemu_ignores_them() {
    for extra in [
        &b"XYZ"[..],
        &[0][..],
        &b"\x00\x06\x00\x00\x00\x02{}"[..],
        &[0x7e; 5000][..],
    ] {
        let mut bytes = FIXTURE.to_vec();
        bytes.extend_from_slice(extra);
        let s = Stream::parse(bytes.clone()).unwrap();
        let n = FIXTURE.len();
        assert_eq!(s.items().last(), Some(&Item::Trailing(n..n + extra.len())));
        assert!(matches!(s.items()[s.items().len() - 2], Item::Vmdesc(_)));
        assert_eq!(s.vmdesc().unwrap()["page_size"], 1024);
        assert!(s.encode(&[]) == bytes);
    }
}

/// The fixture with `record` inserted before the first RAM page record.
fn with_ram_record(record: &[u8]) -> Vec<u8> {
    let (page, _) = first_page_record();
    let mut bytes = FIXTURE.to_vec();
    bytes.splice(page..page, record.iter().copied());
    bytes
}

/// A RAM record at page offset 0 of the first page record's block: `flags`, the block's
/// name, then `payload`.
fn ram_record(flags: u16, payload: &[u8]) -> Vec<u8> {
    let (_, block) = first_page_record();
    let mut r = vec![0, 0, 0, 0, 0, 0];
    r.extend_from_slice(&flags.to_be_bytes());
    r.push(block.len() as u8);
    r.extend_from_slice(block.as_bytes());
    r.extend_from_slice(payload);
    r
}

#[test]
fn compressed_and_xbzrle_pages_are_walked_as_qemu_reads_them() {
    // `compress` capability: be32 length and zlib data; `xbzrle`: encoding 1, be16 length
    // and the delta. Kept byte for byte.
    for record in [
        ram_record(0x100, &[0, 0, 0, 5, 0x78, 0x9c, 3, 0, 0]),
        ram_record(0x40, &[1, 0, 3, 0xaa, 0xbb, 0xcc]),
    ] {
        let bytes = with_ram_record(&record);
        let s = Stream::parse(bytes.clone()).unwrap();
        assert!(s.encode(&[]) == bytes);
    }
    // Bounded as QEMU bounds them: zlib's compressBound of a 1 KiB page is 1037 bytes.
    let big = ram_record(0x100, &1038u32.to_be_bytes());
    let e = Stream::parse(with_ram_record(&big))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("compressed page of 1038 bytes (at most 1037"),
        "{e}"
    );
    let long = ram_record(0x40, &[1, 0x04, 0x01]);
    let e = Stream::parse(with_ram_record(&long))
        .unwrap_err()
        .to_string();
    assert!(e.contains("xbzrle page of 1025 bytes"), "{e}");
    let encoding = ram_record(0x40, &[2, 0, 0]);
    let e = Stream::parse(with_ram_record(&encoding))
        .unwrap_err()
        .to_string();
    assert!(e.contains("encoding 0x02"), "{e}");
    // RDMA hooks are still refused by name.
    let e = Stream::parse(with_ram_record(&ram_record(0x80, &[])))
        .unwrap_err()
        .to_string();
    assert!(e.contains("RDMA hooks are not supported"), "{e}");
}

/// The fixture's configuration section: its tag, the be32 length and name, and the
/// subsections.
fn configuration() -> std::ops::Range<usize> {
    stream()
        .items()
        .iter()
        .find_map(|i| match i {
            Item::Configuration {
                name, subsections, ..
            } => Some(name.start - 5..subsections.end),
            _ => None,
        })
        .unwrap()
}

/// The fixture's `ram` section (its first: the START, with the block list).
fn ram_section() -> vmstate_core::qemu::Section {
    stream()
        .sections()
        .find(|s| s.idstr == "ram")
        .unwrap()
        .clone()
}

/// The fixture with `item` inserted after its configuration section.
fn after_configuration(item: &[u8]) -> (Vec<u8>, usize) {
    let at = configuration().end;
    let mut bytes = FIXTURE.to_vec();
    bytes.splice(at..at, item.iter().copied());
    (bytes, at)
}

#[test]
fn capabilities_the_reader_lacks_are_refused_by_name() {
    // QEMU lists in the configuration the capabilities the destination must share; with
    // `mapped-ram` (QEMU 9.0+, `file:` migration) the RAM pages sit at fixed file offsets
    // after a header per block, which the RAM reader would take for the next block's name.
    for (capability, refusal) in [
        (
            "mapped-ram",
            "the `mapped-ram` capability (RAM pages at fixed offsets",
        ),
        ("x-future", "unknown migration capability `x-future`"),
    ] {
        let name = b"configuration/capabilities";
        let mut sub = vec![0x05, name.len() as u8];
        sub.extend_from_slice(name);
        sub.extend_from_slice(&1u32.to_be_bytes()); // version
        sub.extend_from_slice(&1u32.to_be_bytes()); // count
        sub.push(capability.len() as u8);
        sub.extend_from_slice(capability.as_bytes());
        let (bytes, at) = after_configuration(&sub);
        let e = Stream::parse(bytes).unwrap_err().to_string();
        assert!(e.contains(refusal), "{e}");
        let capability_at = at + sub.len() - capability.len() - 1;
        assert!(e.contains(&format!("at byte {capability_at}")), "{e}");
    }
}

#[test]
fn commands_are_kept_and_checked_as_qemu_checks_them() {
    // What QEMU sends first with the `dirty-bitmaps` capability: POSTCOPY_ADVISE, no data.
    let advise = [0x08, 0, 3, 0, 0];
    let (bytes, at) = after_configuration(&advise);
    let s = Stream::parse(bytes.clone()).unwrap();
    assert!(s.items().contains(&Item::Command {
        command: 3,
        name: "POSTCOPY_ADVISE",
        range: at..at + 5
    }));
    assert!(s.encode(&[]) == bytes);
    let json = devices::qemu_image::inspect(&s).unwrap();
    assert_eq!(
        json["commands"],
        serde_json::json!([{"command": 3, "name": "POSTCOPY_ADVISE", "offset": at, "length": 5}])
    );
    // Numbered as QEMU's `enum qemu_vm_cmd`: what QEMU 7.2 sends with `x-colo` (8), and
    // QEMU 10.0 after the RAM's last part (11).
    for (number, name) in [(8, "ENABLE_COLO"), (11, "SWITCHOVER_START")] {
        let (bytes, at) = after_configuration(&[0x08, 0, number, 0, 0]);
        let s = Stream::parse(bytes.clone()).unwrap();
        assert!(s.items().contains(&Item::Command {
            command: number.into(),
            name,
            range: at..at + 5
        }));
        assert!(s.encode(&[]) == bytes);
    }
    // With `postcopy-ram` the advice carries the two page sizes.
    let sized = [&[0x08, 0, 3, 0, 16][..], &[0; 16]].concat();
    let (bytes, _) = after_configuration(&sized);
    assert!(Stream::parse(bytes.clone()).unwrap().encode(&[]) == bytes);
    for (item, refusal) in [
        (&[0x08, 0, 12, 0, 0][..], "unknown command 12"),
        (
            &[0x08, 0, 11, 0, 1, 0][..],
            "command SWITCHOVER_START with 1 bytes of data (QEMU expects 0)",
        ),
        (&[0x08, 0, 0, 0, 0][..], "unknown command 0"),
        (
            &[0x08, 0, 2, 0, 1, 7][..],
            "command PING with 1 bytes of data (QEMU expects 4)",
        ),
        (
            &[0x08, 0, 7, 0, 4, 0, 0, 0, 9][..],
            "command PACKAGED (a postcopy package",
        ),
        (
            &[0x08, 0, 8, 0, 4, 0, 0, 0, 9][..],
            "command ENABLE_COLO with 4 bytes of data (QEMU expects 0)",
        ),
        (
            &[0x08, 0, 3, 0, 1, 0][..],
            "POSTCOPY_ADVISE with 1 bytes of data (QEMU expects 0 or 16)",
        ),
    ] {
        let (bytes, at) = after_configuration(item);
        let e = Stream::parse(bytes).unwrap_err().to_string();
        assert!(e.contains(refusal), "{e}");
        assert!(e.contains(&format!("at byte {at}")), "{e}");
    }
    // QEMU takes one advice only (a second is "in wrong postcopy state").
    let (bytes, at) = after_configuration(&[0x08, 0, 3, 0, 0, 0x08, 0, 3, 0, 0]);
    let e = Stream::parse(bytes).unwrap_err().to_string();
    assert!(e.contains("a second command POSTCOPY_ADVISE"), "{e}");
    assert!(e.contains(&format!("at byte {}", at + 5)), "{e}");
    // The other postcopy commands, in QEMU's order only: ADVISE, RAM_DISCARDs, LISTEN, RUN.
    let (advise, listen, run) = ([0x08, 0, 3, 0, 0], [0x08, 0, 4, 0, 0], [0x08, 0, 5, 0, 0]);
    // A discard: version 0, block id "ram0" with its terminator, one range.
    let discard = [&[0x08, 0, 6, 0, 23, 0, 4][..], b"ram0", &[0], &[0; 16]].concat();
    let (advise, listen, run) = (&advise[..], &listen[..], &run[..]);
    for ordered in [
        &[advise, listen, run][..],
        &[advise, &discard, &discard, listen],
    ] {
        let (bytes, _) = after_configuration(&ordered.concat());
        assert!(Stream::parse(bytes.clone()).unwrap().encode(&[]) == bytes);
    }
    for (commands, refusal) in [
        (
            &[listen][..],
            "command POSTCOPY_LISTEN before any POSTCOPY_ADVISE",
        ),
        (&[run], "command POSTCOPY_RUN before any POSTCOPY_ADVISE"),
        (
            &[&discard],
            "command POSTCOPY_RAM_DISCARD before any POSTCOPY_ADVISE",
        ),
        (
            &[advise, run],
            "command POSTCOPY_RUN before POSTCOPY_LISTEN",
        ),
        (
            &[advise, listen, listen],
            "command POSTCOPY_LISTEN after POSTCOPY_LISTEN",
        ),
        (
            &[advise, listen, &discard],
            "command POSTCOPY_RAM_DISCARD after POSTCOPY_LISTEN",
        ),
        (&[advise, listen, run, run], "a second command POSTCOPY_RUN"),
    ] {
        let (bytes, at) = after_configuration(&commands.concat());
        let e = Stream::parse(bytes).unwrap_err().to_string();
        let last = at + commands[..commands.len() - 1].concat().len();
        assert!(
            e.contains(refusal) && e.contains("wrong postcopy state"),
            "{e}"
        );
        assert!(e.contains(&format!("at byte {last}")), "{e}");
    }
    // A discard's data as QEMU reads it: at least 20 bytes, version 0.
    for (item, refusal) in [
        (
            &[0x08, 0, 6, 0, 0][..],
            "POSTCOPY_RAM_DISCARD with 0 bytes of data (QEMU expects at least 20)",
        ),
        (
            &[&discard[..5], &[1], &discard[6..]].concat(),
            "POSTCOPY_RAM_DISCARD of version 1",
        ),
        (
            &[&discard[..11], &[7], &discard[12..]].concat(),
            "POSTCOPY_RAM_DISCARD without the NUL after its block id",
        ),
        (
            &[&[0x08, 0, 6, 0, 24][..], &discard[5..], &[0; 1]].concat(),
            "POSTCOPY_RAM_DISCARD with 17 bytes of ranges after its block id",
        ),
    ] {
        let (bytes, at) = after_configuration(&[advise, item].concat());
        let e = Stream::parse(bytes).unwrap_err().to_string();
        assert!(e.contains(refusal), "{e}");
        assert!(e.contains(&format!("at byte {}", at + 5)), "{e}");
    }
    // Data cut short by the end of the stream.
    let (bytes, at) = after_configuration(&[0x08, 0, 3, 0, 16, 1, 2]);
    let e = Stream::parse(bytes[..at + 7].to_vec())
        .unwrap_err()
        .to_string();
    assert!(e.contains("command data"), "{e}");
}

#[test]
fn a_dirty_bitmap_section_is_walked_to_its_end_of_section_chunk() {
    let mut data = vec![0x1c, 6];
    data.extend_from_slice(b"drive0");
    data.push(3);
    data.extend_from_slice(b"bm0");
    data.extend_from_slice(&65536u32.to_be_bytes());
    data.push(1); // enabled
    data.push(0x40); // bits: first sector, sector count, buffer size, buffer
    data.extend_from_slice(&0u64.to_be_bytes());
    data.extend_from_slice(&128u32.to_be_bytes());
    data.extend_from_slice(&4u64.to_be_bytes());
    data.extend_from_slice(&[0xff; 4]);
    data.push(0x42); // all-zero bits: no buffer
    data.extend_from_slice(&128u64.to_be_bytes());
    data.extend_from_slice(&128u32.to_be_bytes());
    data.extend_from_slice(&[0x80, 0x01]); // end of section, in two-byte flags
    let mut section = vec![0x01, 0, 0, 0, 99, 12];
    section.extend_from_slice(b"dirty-bitmap");
    section.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
    section.extend_from_slice(&data);
    section.extend_from_slice(&[0x7e, 0, 0, 0, 99]);
    let (bytes, at) = after_configuration(&section);
    let s = Stream::parse(bytes.clone()).unwrap();
    let bitmap = s.sections().find(|s| s.idstr == "dirty-bitmap").unwrap();
    assert_eq!(
        (bitmap.kind, bitmap.range.clone()),
        (SectionKind::Start, at..at + section.len())
    );
    assert!(s.encode(&[]) == bytes);
    // A buffer longer than QEMU reads is refused before anything is taken.
    let mut huge = section.clone();
    let size_at = section.len() - 5 - 2 - 12 - 1 - 4 - 8;
    huge[size_at..size_at + 8].copy_from_slice(&u64::MAX.to_be_bytes());
    let e = Stream::parse(after_configuration(&huge).0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("(QEMU reads at most 10240)"), "{e}");
    // `dirty_bitmap_load` takes version 1 only.
    let mut version_2 = section.clone();
    version_2[6 + 12 + 7] = 2; // after type, id, idstr and instance
    let (bytes, at) = after_configuration(&version_2);
    let e = Stream::parse(bytes).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "section `dirty-bitmap` version 2: QEMU reads only version 1 (at byte {at})"
        )),
        "{e}"
    );
}

#[test]
fn a_page_size_that_is_no_positive_integer_is_named() {
    for bad in [
        serde_json::json!(0),
        serde_json::json!(-1024),
        serde_json::json!(1024.5),
        serde_json::json!("1024"),
    ] {
        let bytes = vmstate_tests::vmdesc_patched_bytes(&stream(), |v| {
            v["page_size"] = bad.clone();
        });
        let e = Stream::parse(bytes).unwrap_err().to_string();
        assert!(
            e.contains(&format!("vmdesc page_size {bad} is not a power of two")),
            "{e}"
        );
    }
}

/// The fixture with `extra` (JSON members) added at the end of its vmdesc object.
fn with_vmdesc_members(extra: &str) -> Vec<u8> {
    let s = stream();
    let json = &FIXTURE[vmstate_tests::vmdesc_range(&s)];
    let close = json.iter().rposition(|&b| b == b'}').unwrap();
    let mut text = json[..close].to_vec();
    text.extend_from_slice(format!(", {extra}}}").as_bytes());
    vmstate_tests::with_vmdesc_json(&s, &text)
}

#[test]
fn a_vmdesc_of_too_many_values_is_refused_before_it_is_parsed() {
    // Parsed whole, each value would take tens of times its two bytes.
    let zeros = |n: usize| format!("\"padding\": [{}0]", "0,".repeat(n - 1));
    let e = Stream::parse(with_vmdesc_members(&zeros(1_000_001)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the vmdesc JSON holds more than 1000000 values"),
        "{e}"
    );
    assert!(Stream::parse(with_vmdesc_members(&zeros(990_000))).is_ok());
    // Commas and brackets inside strings are not values, escaped quotes and backslashes
    // included.
    let inside = r#"\",[{\\\"[,"#.repeat(1_000_000);
    let bytes = with_vmdesc_members(&format!("\"note\": \"{inside}\""));
    let parsed = Stream::parse(bytes).unwrap();
    assert_eq!(
        parsed.vmdesc().unwrap()["note"].as_str().unwrap().len(),
        8_000_000
    );
}

#[test]
fn a_stream_of_more_items_than_any_machine_sends_is_refused() {
    use vmstate_core::qemu::MAX_ITEMS;
    // OPEN_RETURN_PATH commands, which QEMU takes again and again: five bytes each, and a
    // hundred kept for each.
    let commands = [0x08, 0, 1, 0, 0].repeat(MAX_ITEMS);
    let (bytes, _) = after_configuration(&commands);
    let e = Stream::parse(bytes).unwrap_err().to_string();
    assert!(
        e.contains(&format!("more than {MAX_ITEMS} sections and commands")),
        "{e}"
    );
    // As many as the limit leaves beside the fixture's own sections: read; one more: refused.
    let own = stream()
        .items()
        .iter()
        .filter(|i| matches!(i, Item::Section(_) | Item::Command { .. }))
        .count();
    let fit = MAX_ITEMS - own;
    let (bytes, _) = after_configuration(&commands[..5 * fit]);
    let read = Stream::parse(bytes).unwrap();
    let kept = (read.items().iter())
        .filter(|i| matches!(i, Item::Section(_) | Item::Command { .. }))
        .count();
    assert_eq!(kept, MAX_ITEMS);
    let (bytes, _) = after_configuration(&commands[..5 * (fit + 1)]);
    let e = Stream::parse(bytes).unwrap_err().to_string();
    assert!(e.contains("sections and commands"), "{e}");
}

#[test]
fn inspect_lists_a_bounded_number_of_items_and_counts_the_rest() {
    use devices::qemu_image::{inspect, MAX_LISTED};
    let extra = 3;
    // SWITCHOVER_START commands (no data), as many as a listing takes and a few more.
    let switchover = [0x08, 0, 11, 0, 0].repeat(MAX_LISTED + extra);
    let (bytes, _) = after_configuration(&switchover);
    let json = inspect(&Stream::parse(bytes).unwrap()).unwrap();
    assert_eq!(json["commands"].as_array().unwrap().len(), MAX_LISTED);
    assert_eq!(json["unlisted_commands"], extra);
    assert!(json["unlisted_sections"].is_null());
    // Empty RAM parts (the section's end-of-section record alone, then its footer).
    let ram_id = ram_section().section_id;
    let mut part = vec![0x02];
    part.extend_from_slice(&ram_id.to_be_bytes());
    part.extend_from_slice(&0x10u64.to_be_bytes());
    part.push(0x7e);
    part.extend_from_slice(&ram_id.to_be_bytes());
    let parts = stream()
        .sections()
        .filter(|s| s.kind != SectionKind::Full)
        .count();
    let devices = stream()
        .sections()
        .filter(|s| s.kind == SectionKind::Full)
        .count();
    let after_ram = stream()
        .sections()
        .filter(|s| s.idstr == "ram")
        .last()
        .unwrap()
        .range
        .end;
    let mut bytes = FIXTURE.to_vec();
    bytes.splice(after_ram..after_ram, part.repeat(MAX_LISTED));
    let json = inspect(&Stream::parse(bytes).unwrap()).unwrap();
    // The parts past the limit are counted; the devices after them are listed and decoded,
    // as in QEMU's streams with a dirty bitmap, which send parts in the hundred thousands.
    let sections = json["sections"].as_array().unwrap();
    assert_eq!(sections.len(), MAX_LISTED + devices);
    assert_eq!(json["unlisted_sections"], parts);
    let cm = sections
        .iter()
        .find(|s| s["idstr"] == "integratorcm")
        .unwrap();
    assert_eq!(cm["fields"]["cm_osc"], 0x777);
}

#[test]
fn sections_qemu_reads_only_at_one_version_or_place_are_refused() {
    // `ram_load` takes version 4 only.
    let ram = ram_section().range.start;
    let version_at = ram + 1 + 4 + 1 + 3 + 4; // type, id, idstr, instance
    let e = refusal(|b| b[version_at..version_at + 4].copy_from_slice(&99u32.to_be_bytes()));
    assert!(
        e.contains(&format!(
            "section `ram` version 99: QEMU reads only version 4 (at byte {ram})"
        )),
        "{e}"
    );
    // A configuration section anywhere but first.
    let cm = stream().device("integratorcm", 0).unwrap().range.start;
    let e = refusal(|b| b[cm] = 0x07);
    assert!(
        e.contains(&format!(
            "a configuration section after the stream's first item (QEMU reads one, first) (at byte {cm})"
        )),
        "{e}"
    );
}

#[test]
fn a_ram_block_list_is_read_with_addresses_when_only_they_add_up() {
    // The fixture's configuration does not list `x-ignore-shared`: its block list has no
    // addresses. Without the configuration, a list with addresses reads too (QEMU sends them
    // with that capability), and one that adds up neither way is refused at its block.
    let config = configuration();
    let ram = ram_section().data.start;
    let mut bytes = FIXTURE.to_vec();
    // The MEM_SIZE record: be64 total | flag 0x4, then each block: id, be64 length.
    let total = u64::from_be_bytes(bytes[ram..ram + 8].try_into().unwrap()) & !0x3ff;
    let mut at = ram + 8;
    let mut left = total;
    let mut with_addresses = bytes[..at].to_vec();
    while left > 0 {
        let id_len = usize::from(bytes[at]);
        let end = at + 1 + id_len + 8;
        left -= u64::from_be_bytes(bytes[end - 8..end].try_into().unwrap());
        with_addresses.extend_from_slice(&bytes[at..end]);
        with_addresses.extend_from_slice(&0x1234_5000u64.to_be_bytes());
        at = end;
    }
    with_addresses.extend_from_slice(&bytes[at..]);
    // Refused while the configuration says the capability is off.
    let e = Stream::parse(with_addresses.clone())
        .unwrap_err()
        .to_string();
    assert!(e.contains("ram block"), "{e}");
    // Read once the configuration is gone (QEMU's `send-configuration=off`).
    with_addresses.drain(config.clone());
    let s = Stream::parse(with_addresses.clone()).unwrap();
    assert!(s.machine().is_none());
    assert!(s.encode(&[]) == with_addresses);
    // A length past the total is named at its block, either way.
    bytes.drain(config.clone());
    let first_len = ram - config.len() + 8 + 1 + usize::from(bytes[ram - config.len() + 8]);
    bytes[first_len..first_len + 8].copy_from_slice(&(total + 0x1000).to_be_bytes());
    let e = Stream::parse(bytes).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "exceeds the {total:#x} bytes left of the list's total {total:#x} (at byte {})",
            ram - config.len() + 8
        )),
        "{e}"
    );
}

#[test]
fn a_single_ram_block_with_an_address_is_told_from_one_without() {
    // With one block, the list adds up with or without its address: what follows (the end
    // of the RAM setup) tells them apart.
    fn stream_with(address: Option<u64>) -> Vec<u8> {
        let mut b = hex("5145564d00000003"); // magic, version 3; no configuration
        b.extend_from_slice(&[0x01, 0, 0, 0, 2, 3]); // START, section 2, "ram"
        b.extend_from_slice(b"ram");
        b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 4]); // instance 0, version 4
        b.extend_from_slice(&(0x10_0000u64 | 0x04).to_be_bytes()); // MEM_SIZE, 1 MiB
        b.push(4);
        b.extend_from_slice(b"ram0");
        b.extend_from_slice(&0x10_0000u64.to_be_bytes());
        if let Some(address) = address {
            b.extend_from_slice(&address.to_be_bytes());
        }
        b.extend_from_slice(&0x10u64.to_be_bytes()); // EOS
        b.extend_from_slice(&[0x7e, 0, 0, 0, 2]); // footer
        b.extend_from_slice(&[0x03, 0, 0, 0, 2]); // END
        b.extend_from_slice(&0x10u64.to_be_bytes());
        b.extend_from_slice(&[0x7e, 0, 0, 0, 2, 0x00]); // footer, EOF
        b
    }
    for address in [None, Some(0x4000_0000), Some(0)] {
        let bytes = stream_with(address);
        let s = Stream::parse(bytes.clone()).unwrap_or_else(|e| panic!("address {address:?}: {e}"));
        assert_eq!(s.sections().count(), 2);
        assert!(s.encode(&[]) == bytes);
    }
}

#[test]
fn a_ram_block_list_total_past_its_blocks_says_so() {
    // The MEM_SIZE record's total is the sum of the blocks' lengths: a total larger than
    // the blocks reads what follows the list as one more block, which must be named as
    // the list's fault, not as a bad name or length of its own.
    let ram = ram_section().data.start;
    for extra in [0x1000u64, 0x10, 1 << 40] {
        let e = refusal(|b| {
            let word = u64::from_be_bytes(b[ram..ram + 8].try_into().unwrap());
            b[ram..ram + 8].copy_from_slice(&(word + (extra << 10)).to_be_bytes());
        });
        assert!(
            e.contains("the ram block list ends before its total")
                && e.contains("the 2 blocks read add up to 0x2100000"),
            "{extra:#x}: {e}"
        );
    }
    // A total smaller than the blocks: the block that runs past it is named.
    let e = refusal(|b| {
        let word = u64::from_be_bytes(b[ram..ram + 8].try_into().unwrap());
        b[ram..ram + 8].copy_from_slice(&(word - 0x80000).to_be_bytes());
    });
    assert!(
        e.contains("exceeds the")
            && e.contains("left of the list's total")
            && !e.contains("ends before its total"),
        "{e}"
    );
}

#[test]
fn configuration_subsections_are_checked_as_qemu_checks_them() {
    // `configuration/target-page-bits` (QEMU sends it when the target's pages are larger
    // than its smallest): at version 1, and the page size the vmdesc gives (1 KiB here).
    fn page_bits(version: u32, bits: u32) -> Vec<u8> {
        let name = b"configuration/target-page-bits";
        let mut sub = vec![0x05, name.len() as u8];
        sub.extend_from_slice(name);
        sub.extend_from_slice(&version.to_be_bytes());
        sub.extend_from_slice(&bits.to_be_bytes());
        sub
    }
    let with = |sub: &[u8]| {
        let at = configuration().end;
        let mut bytes = FIXTURE.to_vec();
        bytes.splice(at..at, sub.iter().copied());
        (bytes, at)
    };
    let (bytes, _) = with(&page_bits(1, 10));
    assert!(Stream::parse(bytes.clone()).unwrap().encode(&[]) == bytes);
    let bits_at = |at: usize| at + 2 + 30 + 4;
    for (version, bits, refusal, offset) in [
        (
            99,
            10,
            "configuration subsection `configuration/target-page-bits` at version 99 (QEMU's is 1)",
            bits_at(0) - 4,
        ),
        (
            1,
            12,
            "configuration: target-page-bits 12 (4096 bytes) disagree with the vmdesc's page_size 1024",
            bits_at(0),
        ),
        (
            1,
            40,
            "configuration: unsupported target-page-bits 40",
            bits_at(0),
        ),
    ] {
        let (bytes, at) = with(&page_bits(version, bits));
        let e = Stream::parse(bytes).unwrap_err().to_string();
        assert!(e.contains(refusal), "{e}");
        assert!(e.contains(&format!("(at byte {})", at + offset)), "{e}");
    }
    // The capabilities' list at another version than 1.
    let mut caps = vec![0x05, 26];
    caps.extend_from_slice(b"configuration/capabilities");
    caps.extend_from_slice(&7u32.to_be_bytes());
    caps.extend_from_slice(&0u32.to_be_bytes());
    let (bytes, at) = with(&caps);
    let e = Stream::parse(bytes).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "`configuration/capabilities` at version 7 (QEMU's is 1) (at byte {})",
            at + 28
        )),
        "{e}"
    );
}

/// A schema given to `inspect_with` is input: the values its sections may visit are bounded
/// for the whole listing, as each decode's are, so that a listing of many sections just
/// within one decode's bound cannot grow without end. The first two decode, the third is
/// refused with the reason.
#[test]
fn a_schemas_sections_share_one_bound() {
    use vmstate_core::schema::{Schema, MAX_VALUES};
    use vmstate_core::VmState;

    const N: usize = MAX_VALUES / 3 + 1;
    #[derive(VmState)]
    #[vmstate(name = "bytes")]
    struct Bytes {
        data: Box<[u16; N]>,
    }
    let mut schema = Schema::new(None);
    schema.add("bytes", Bytes::DESCRIPTION);

    let data = vec![7; 2 * N];
    let sections: Vec<(&str, u32, u32, &[u8])> =
        (0..3).map(|i| ("bytes", i, 1, &data[..])).collect();
    let stream = Stream::parse(vmstate_tests::qemu_stream_of(&sections, None)).unwrap();
    let listing = devices::qemu_image::inspect_with(&stream, Some(&schema)).unwrap();
    let sections = listing["sections"].as_array().unwrap();
    for decoded in &sections[..2] {
        assert!(decoded["error"].is_null(), "{}", decoded["error"]);
        assert_eq!(decoded["fields"]["data"].as_array().map_or(0, Vec::len), N);
    }
    let refused = sections[2]["error"].as_str().unwrap_or_default();
    assert!(refused.contains("too many"), "{refused}");
}

/// The error of each section of `inspect --schema`'s listing of a stream of `sections` with
/// `vmdesc_entries` (empty where a section decoded).
fn listing_errors(
    sections: &[(&str, u32, u32, &[u8])],
    vmdesc_entries: &[String],
    schema: &vmstate_core::schema::Schema,
) -> Vec<String> {
    let bytes = vmstate_tests::qemu_stream_of(sections, Some(&vmdesc_entries.join(",")));
    let stream = Stream::parse(bytes).unwrap();
    let listing = devices::qemu_image::inspect_with(&stream, Some(schema)).unwrap();
    (listing["sections"].as_array().into_iter().flatten())
        .map(|s| s["error"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A schema's description copied to take the lengths the vmdesc gives counts against the
/// listing's one bound, as decoding does: a large description and many sections whose
/// vmdesc entries give a length cannot make the listing copy it for every section (a
/// review measured 16 s for 2,000 sections of a 14 MB schema).
#[test]
fn copies_of_a_schemas_description_share_the_bound() {
    use vmstate_core::schema::{Desc, FieldEntry, Schema};
    use vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "leaves")]
    struct Leaves {
        a: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "big")]
    struct Big {
        s: Leaves,
    }
    // 200 structs of 250 fields: about 50,000 entries, a twentieth of the bound.
    let mut desc = Desc::from_description(Big::DESCRIPTION);
    let mut s = desc.fields[0].clone();
    let nested = s.description.as_mut().unwrap();
    let leaf = nested.fields[0].clone();
    let named = |f: &FieldEntry, name: String| FieldEntry {
        field: name,
        ..f.clone()
    };
    nested.fields = (0..250).map(|i| named(&leaf, format!("a{i}"))).collect();
    desc.fields = (0..200).map(|i| named(&s, format!("s{i}"))).collect();
    let mut schema = Schema::new(None);
    schema.add("big", Big::DESCRIPTION);
    schema.devices.get_mut("big").unwrap().description = desc;

    // Each section's vmdesc entry gives a length the description lacks: the listing copies
    // the description to fill it in.
    let sections: Vec<(&str, u32, u32, &[u8])> = (0..60).map(|i| ("big", i, 1, &[][..])).collect();
    let entries: Vec<String> = (0..60)
        .map(|id| {
            serde_json::json!({"name": "big", "instance_id": id,
                "fields": [{"name": "s0", "size": 0, "array_len": 1}]})
            .to_string()
        })
        .collect();
    let errors = listing_errors(&sections, &entries, &schema);
    let error = |i: usize| errors[i].clone();
    assert!(error(0).contains("truncated"), "{}", error(0));
    assert!(error(59).contains("too many"), "{}", error(59));
}

#[test]
fn descriptions_sharing_a_name_share_the_bound() {
    // 100 descriptions named `dev` and 60 sections that none decodes, each with a vmdesc
    // entry of 100 fields: ranking the candidates and trying each costs the listing's
    // bound, so the last sections say it ran out rather than trying them all again.
    use vmstate_core::schema::Schema;
    let devices: Vec<String> = (0..100)
        .map(|i| {
            format!(
                r#""d{i:03}": {{"Name": "d{i:03}", "version_id": 1, "minimum_version_id": 1,
                "Description": {{"name": "dev", "version_id": 1, "minimum_version_id": 1,
                "Fields": [{{"field": "q{i}", "version_id": 0, "field_exists": false, "size": 4}}]}}}}"#
            )
        })
        .collect();
    let schema = Schema::from_json(&format!("{{{}}}", devices.join(","))).unwrap();
    let sections: Vec<(&str, u32, u32, &[u8])> = (0..60).map(|i| ("dev", i, 1, &[0][..])).collect();
    let entries: Vec<String> = (0..60)
        .map(|id| {
            let fields: Vec<serde_json::Value> = (0..100)
                .map(|f| {
                    serde_json::json!({"name": format!("x{f}"), "type": "uint8",
                    "size": u32::from(f == 0)})
                })
                .collect();
            serde_json::json!({"name": "dev", "instance_id": id, "vmsd_name": "dev",
                "version": 1, "fields": fields})
            .to_string()
        })
        .collect();
    let errors = listing_errors(&sections, &entries, &schema);
    let error = |i: usize| errors[i].clone();
    // The first section is tried with every description (none fits its byte).
    assert!(
        !error(0).is_empty() && !error(0).contains("too many"),
        "{}",
        error(0)
    );
    assert!(error(59).contains("too many"), "{}", error(59));
}

/// A section whose vmdesc entry adds up to another size than the bytes before its footer
/// (cut short or padded): the stream is refused naming the section and both sizes, where
/// read on it gave "unexpected bytes after the EOF marker" (a footer's byte taken for the
/// EOF marker). A stream without footers is still read by its vmdesc.
#[test]
fn a_section_that_disagrees_with_its_vmdesc_entry_is_named_with_both_sizes() {
    let entry = |name: &str, instance: u32| {
        serde_json::json!({"name": name, "instance_id": instance, "vmsd_name": name,
            "version": 1, "fields": [{"name": "x", "type": "uint32", "size": 4}]})
        .to_string()
    };
    let entries = [entry("a", 0), entry("b", 0)].join(",");
    let good = vmstate_tests::qemu_stream_of(
        &[("a", 0, 1, &[1; 4]), ("b", 0, 1, &[2; 4])],
        Some(&entries),
    );
    assert_eq!(
        Stream::parse(good)
            .unwrap()
            .device("b", 0)
            .unwrap()
            .data
            .len(),
        4
    );
    for (data, found) in [(&[2u8; 5][..], 5), (&[2; 3][..], 3)] {
        let bytes = vmstate_tests::qemu_stream_of(
            &[("a", 0, 1, &[1; 4]), ("b", 0, 1, data)],
            Some(&entries),
        );
        let error = Stream::parse(bytes).unwrap_err().to_string();
        let why = format!(
            "section `b` instance 0: its vmdesc entry's fields take 4 bytes, but its footer \
             comes after {found}: the section and its vmdesc entry disagree"
        );
        assert!(error.contains(&why), "{error}");
    }

    // QEMU's `send-section-footer=off`: no footer to compare with, though `b`'s data ends
    // like `a`'s footer (0x7e, be32 1) before the EOF marker.
    let entries = [
        entry("a", 0),
        entry("b", 0).replace(r#""size":4"#, r#""size":5"#),
    ]
    .join(",");
    assert!(entries.contains(r#""size":5"#), "{entries}");
    let sections = [("a", 0, 1, &[1u8; 4][..]), ("b", 0, 1, &[0x7e, 0, 0, 0, 1])];
    let bytes = vmstate_tests::qemu_stream_framed(&sections, Some(&entries), false);
    let stream = Stream::parse(bytes).unwrap();
    assert_eq!(stream.device("b", 0).unwrap().data.len(), 5);
    assert!(!stream.device("b", 0).unwrap().footer);
}

/// An idstr QEMU's one length byte cannot carry is refused before anything is written: it
/// was cut to its length modulo 256, a stream that parsed and named another section.
#[test]
fn write_section_refuses_an_idstr_longer_than_255_bytes() {
    use vmstate_core::qemu::{write_section, Section, SectionKind};
    let section = |idstr: String| Section {
        kind: SectionKind::Full,
        section_id: 1,
        idstr,
        instance_id: 0,
        version_id: 1,
        range: 0..0,
        data: 0..0,
        footer: true,
    };
    let mut out = vec![0xaa];
    write_section(&mut out, &section("d".repeat(255)), &[]);
    assert_eq!(out[6], 255);
    let mut out = vec![0xaa];
    let long = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        write_section(&mut out, &section("d".repeat(296)), &[])
    }));
    let message = long.unwrap_err();
    let message = message.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("296 bytes") && message.contains("at most 255"),
        "{message}"
    );
    assert_eq!(out, [0xaa], "nothing written");
}
