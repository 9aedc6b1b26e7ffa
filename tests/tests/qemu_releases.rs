//! Integrator/CP streams of QEMU 5.2, 10.0 and 11.1 (`fixtures/qemu-*-integratorcp`): the
//! oldest and the newest release this project has read, with the guest of the 7.2 fixture
//! (and 5.2 and 11.1 at reset too); and QEMU 11.1's
//! `-dump-vmstate` of the SD card, two of whose subsections share a name. (The state-only
//! ports' tests load the 5.2 and 11.1 streams section by section too:
//! `vmstate_tests::integratorcp_streams`.)

use devices::qemu_image::{inspect, inspect_with, load_board, rewrite, MmioWrite};
use serde_json::{json, Value};
use vmstate_core::qemu::Stream;
use vmstate_core::schema::{self, Rule, Schema, Severity};
use vmstate_tests::{GUEST_REGISTERS, INTEGRATORCP_FIXTURES};

/// The streams of QEMU 5.2, 10.0 and 11.1 (the guest's 17 register writes: the fixtures'
/// READMEs list them), and 5.2's and 11.1's at reset.
fn streams() -> Vec<(&'static str, &'static [u8])> {
    let guest = (INTEGRATORCP_FIXTURES.iter()).filter(|(release, _)| *release != "7.2");
    let mut all: Vec<(&str, &[u8])> = guest.copied().collect();
    all.push((
        "5.2 at reset",
        include_bytes!("../fixtures/qemu-5.2-integratorcp/integratorcp-reset-1m.stream"),
    ));
    all.push((
        "11.1 at reset",
        include_bytes!("../fixtures/qemu-11.1-integratorcp/integratorcp-reset-1m.stream"),
    ));
    all
}

/// QEMU 11.1's dump of `sd-card` and `emmc` (and its machine).
const QEMU_11_1_DUMP: &str = include_str!("../fixtures/qemu-dumps-arm/qemu-11.1.json");

/// The decoded fields of section (`idstr`, `instance`) in a listing.
fn fields<'l>(listing: &'l Value, idstr: &str, instance: u64) -> &'l Value {
    (listing["sections"].as_array().into_iter().flatten())
        .find(|s| s["idstr"] == idstr && s["instance_id"] == instance)
        .unwrap_or_else(|| panic!("no section {idstr} {instance}"))
        .get("fields")
        .unwrap()
}

#[test]
fn every_section_reads_decodes_and_writes_back_unchanged() {
    for (name, bytes) in streams() {
        let stream = Stream::parse(bytes.to_vec()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(stream.encode(&[]) == bytes, "{name}");
        assert!(rewrite(bytes.to_vec(), &[]).unwrap() == bytes, "{name}");
        let listing = inspect(&stream).unwrap();
        let sections = listing["sections"].as_array().unwrap();
        let mut decoded = 0;
        for s in sections.iter().filter(|s| s["kind"] == "full") {
            // libslirp describes its own state: not ported.
            if s["idstr"] == "slirp" {
                assert!(s["fields"].is_null(), "{name}: {s}");
                continue;
            }
            assert!(s["fields"].is_object(), "{name}: {s}");
            assert!(
                s.get("error").is_none() && s.get("port_error").is_none(),
                "{name}: {s}"
            );
            decoded += 1;
        }
        // The reset streams were made with -nodefaults: no SD card, network or slirp.
        let expected = match name {
            "5.2" => 24, // with `audio`
            "10.0" | "11.1" => 23,
            "5.2 at reset" => 22,
            _ => 21,
        };
        assert_eq!(decoded, expected, "{name}");
        assert_eq!(
            stream.device("audio", 0).is_some(),
            name.starts_with("5.2"),
            "{name}"
        );
    }
}

#[test]
fn inspect_says_where_a_release_sent_another_layout_than_the_ports() {
    // The ports are QEMU 7.2's: its stream matches them all. The others renamed fields
    // (`parent_obj` was `common`, the CPU's timers are named by their index's constant),
    // dropped some into padding (the PL011's `readbuff`, 5.2's CPU `env.features`) or moved
    // them (the SD card's fields at one version, `globalstate`'s `runstate` split in two).
    let mut all = streams();
    all.push(INTEGRATORCP_FIXTURES[1]);
    for (name, bytes) in all {
        let stream = Stream::parse(bytes.to_vec()).unwrap();
        let listing = inspect(&stream).unwrap();
        let differing: Vec<String> = (listing["sections"].as_array().into_iter().flatten())
            .filter(|s| s.get("vmdesc_differs").is_some())
            .map(|s| format!("{} {}", s["idstr"].as_str().unwrap(), s["instance_id"]))
            .collect();
        let expected: &[&str] = match name {
            "7.2" => &[],
            "5.2" => &["cpu 0", "ps2kbd 0", "ps2mouse 0", "sd-card 0"],
            "5.2 at reset" => &["cpu 0", "ps2kbd 0", "ps2mouse 0"],
            "10.0" | "11.1" => &["cpu 0", "pl011 0", "pl011 1", "sd-card 0", "globalstate 0"],
            _ => &["cpu 0", "pl011 0", "pl011 1", "globalstate 0"],
        };
        assert_eq!(differing, expected, "{name}");
    }
    let stream = Stream::parse(INTEGRATORCP_FIXTURES[0].1.to_vec()).unwrap();
    let listing = inspect(&stream).unwrap();
    let sd = (listing["sections"].as_array().unwrap().iter())
        .find(|s| s["idstr"] == "sd-card")
        .unwrap();
    assert_eq!(
        sd["vmdesc_differs"],
        "sd-card: QEMU's vmdesc lists `wp_groups` as field 8 (counting from 0), where the \
         destination reads `wp_group_bmap`, or `blk_len` if `wp_group_bmap` was sent empty"
    );
}

#[test]
fn the_board_holds_what_the_guest_wrote() {
    for (name, bytes) in streams() {
        let stream = Stream::parse(bytes.to_vec()).unwrap();
        let listing = inspect(&stream).unwrap();
        let board = load_board(&stream).unwrap();
        if name.ends_with("at reset") {
            assert_eq!(
                fields(&listing, "integratorcm", 0)["cm_osc"],
                0x0100_0048,
                "{name}"
            );
            assert_eq!(
                fields(&listing, "integratorcm", 0)["cm_sdram"],
                0x11122,
                "{name}"
            );
            assert_eq!(fields(&listing, "icp_pic", 0)["irq_enabled"], 0, "{name}");
            assert!(board.core.flash.enabled, "{name}: no remap at reset");
            continue;
        }
        assert_eq!(
            *fields(&listing, "integratorcm", 0),
            json!({"cm_osc": 0x777, "cm_ctrl": 0x4, "cm_lock": 0xa05f, "cm_auxosc": 0x55555,
                "cm_sdram": 0x11132, "cm_init": 0x112, "cm_flags": 0x101, "cm_nvflags": 0x2,
                "int_level": 0, "irq_enabled": 0x10, "fiq_enabled": 0x20}),
            "{name}"
        );
        assert_eq!(
            *fields(&listing, "icp_pic", 0),
            json!({"level": 0, "irq_enabled": 0x300, "fiq_enabled": 0x40}),
            "{name}"
        );
        assert_eq!(
            *fields(&listing, "icp_pic", 1),
            json!({"level": 0, "irq_enabled": 0x3, "fiq_enabled": 0}),
            "{name}"
        );
        assert_eq!(fields(&listing, "pl031", 0)["mr"], 0x1234, "{name}");
        assert_eq!(
            *fields(&listing, "icp_control", 0),
            json!({"intreg_state": 0})
        );
        // QEMU 7.0 renamed the SD card's bitmap (`wp_groups` in 5.2's vmdesc): its length
        // still comes from the vmdesc.
        assert_eq!(
            fields(&listing, "sd-card", 0)["wp_group_bmap"],
            json!([0]),
            "{name}"
        );
        for (addr, value) in GUEST_REGISTERS {
            assert_eq!(board.read(addr).unwrap(), value, "{name} {addr:#x}");
        }
        assert!(!board.core.flash.enabled, "{name}: remap applied on load");
    }
}

#[test]
fn a_rewrite_changes_the_written_registers_and_nothing_else() {
    // QEMU 5.2 and 11.1 load these rewrites and read the registers back as written (checked
    // by hand with `tools/qemu/read-regs.py`; the fixtures' READMEs).
    let writes: Vec<MmioWrite> = [
        "integratorcm@0x30=0x10000",
        "icp_pic:1@0x8=0x4",
        "pl031@0x4=0x5678",
    ]
    .iter()
    .map(|w| w.parse().unwrap())
    .collect();
    for (name, bytes) in streams() {
        let stream = Stream::parse(bytes.to_vec()).unwrap();
        let out = rewrite(bytes.to_vec(), &writes).unwrap();
        assert_eq!(out.len(), bytes.len(), "{name}");
        let sections = ["integratorcm", "icp_pic", "pl031"].map(|idstr| {
            let instance = u32::from(idstr == "icp_pic");
            stream.device(idstr, instance).unwrap().data.clone()
        });
        for at in (0..out.len()).filter(|&i| out[i] != bytes[i]) {
            assert!(
                sections.iter().any(|r| r.contains(&at)),
                "{name}: byte {at}"
            );
        }
        let listing = inspect(&Stream::parse(out).unwrap()).unwrap();
        let flags = if name.ends_with("at reset") {
            0x10000
        } else {
            0x10101
        };
        assert_eq!(
            fields(&listing, "integratorcm", 0)["cm_flags"],
            flags,
            "{name}"
        );
        let sic = if name.ends_with("at reset") { 0x4 } else { 0x7 };
        assert_eq!(fields(&listing, "icp_pic", 1)["irq_enabled"], sic, "{name}");
        assert_eq!(fields(&listing, "pl031", 0)["mr"], 0x5678, "{name}");
    }
}

#[test]
fn qemu_11_1s_sd_card_has_two_subsections_of_one_name_and_the_checker_says_so() {
    // QEMU 11.1's `hw/sd/sd.c` names its eMMC RPMB state `sd-card/ext_csd_modes-state`, as
    // its EXT_CSD state: a load takes the first for both (`vmstate_get_subsection`), so an
    // eMMC with RPMB state cannot migrate. Later QEMU names it `sd-card/rpmb-state`.
    let qemu_11_1 = Schema::from_json(QEMU_11_1_DUMP).unwrap();
    let card = &qemu_11_1.devices["sd-card"].description;
    let names: Vec<&str> = card.subsections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "sd-card/ocr-state",
            "sd-card/ext_csd_modes-state",
            "sd-card/ext_csd_modes-state"
        ]
    );
    let mut qemu_7_2 = vmstate_tests::qemu_7_2_dump_of("sd-card");
    qemu_7_2.machine.clone_from(&qemu_11_1.machine);
    let mut only_card = qemu_11_1.clone();
    only_card.devices.retain(|k, _| k == "sd-card");
    let report = schema::check(&qemu_7_2, &only_card);
    assert_eq!(report.findings.len(), 1, "{report}");
    let f = &report.findings[0];
    assert_eq!(
        (f.severity, f.rule, f.path.as_str()),
        (
            Severity::Error,
            Rule::SubsectionNameShared,
            "sd-card/Subsections/sd-card/ext_csd_modes-state"
        )
    );
    assert!(
        f.message.contains("takes the first (fields `ext_csd_rw`)"),
        "{f}"
    );
    assert!(f.message.contains("`rpmb.result.key_mac`"), "{f}");
    // Against itself: the same, for each device type with that description.
    let itself = schema::check(&qemu_11_1, &qemu_11_1);
    let paths: Vec<&str> = itself.findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "emmc/Subsections/sd-card/ext_csd_modes-state",
            "sd-card/Subsections/sd-card/ext_csd_modes-state"
        ],
        "{itself}"
    );
    // And the dump decodes 11.1's stream (the SD card by its port, the rest as before).
    let (_, bytes) = streams()
        .into_iter()
        .find(|(name, _)| *name == "11.1")
        .unwrap();
    let stream = Stream::parse(bytes.to_vec()).unwrap();
    let listing = inspect_with(&stream, Some(&qemu_11_1)).unwrap();
    assert_eq!(fields(&listing, "sd-card", 0)["blk_len"], 0x200);
}
