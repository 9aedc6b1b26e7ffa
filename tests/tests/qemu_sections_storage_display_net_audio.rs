//! The state-only ports of four sections QEMU sends for the Integrator/CP — the SD card
//! (`sd-card`), the PL110 LCD controller (`pl110`), the SMC91C111 Ethernet controller
//! (`smc91c111`) and the PL041 AACI with its LM4549 codec (`pl041`) — against real streams
//! of QEMU 5.2, 7.2, 10.0 and 11.1: each loads QEMU's bytes and writes them back byte for byte, its
//! description says what the stream's vmdesc says was sent, its schema lines up with QEMU
//! 7.2's `-dump-vmstate`, and hostile input is refused with the device left as it was.

use devices::qemu_sections::pl041::Pl041State;
use devices::qemu_sections::pl110::Pl110State;
use devices::qemu_sections::sd_card::{
    SdCardOcrState, SdCardState, OCR_CARD_CAPACITY, OCR_CARD_POWER_UP,
};
use devices::qemu_sections::smc91c111::Smc91c111State;
use vmstate_core::schema;
use vmstate_core::{ErrorKind, VmState};
use vmstate_tests::{device_entry, patch_field};

/// The port's schema and QEMU 7.2's dump of the device under `key` agree, both ways: no
/// error, and warnings at `warned` only (paths below `key`), which each direction must
/// report.
fn lines_up_with_qemus_dump(key: &str, description: &vmstate_core::Description, warned: &[&str]) {
    let qemu = vmstate_tests::qemu_7_2_dump_of(key);
    let ours = vmstate_tests::one_device(key, description);
    let expected: Vec<String> = warned.iter().map(|path| format!("{key}/{path}")).collect();
    for (old, new) in [(&qemu, &ours), (&ours, &qemu)] {
        let report = schema::check(old, new);
        assert_eq!(report.errors(), 0, "{key}: {report}");
        let warnings: Vec<&str> = (report.findings.iter())
            .filter(|f| f.severity == schema::Severity::Warning)
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(warnings, expected, "{key}: {report}");
    }
}

// ---- sd-card ----

/// The bytes of the SD card's fields before its subsection (QEMU 7.2's vmdesc sizes).
const SD_CARD_FIELDS: usize =
    4 + 4 + 16 + 16 + 2 + 4 + 1 + 4 + 8 + 4 * 4 + 16 + 4 + 6 + 1 + 1 + 4 + 8 + 4 + 512 + 512 + 1;

#[test]
fn sd_card_matches_qemu_5_2_to_11_1() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        let patched = vmstate_tests::with_vmdesc_patched(&stream, |vmdesc| {
            let card = device_entry(vmdesc, "sd-card");
            // QEMU 7.0 renamed the write-protect bitmap: the same bytes.
            if release == "5.2" {
                patch_field(
                    card,
                    8,
                    ("wp_groups", "bitmap"),
                    ("wp_group_bmap", "bitmap"),
                );
            }
            // QEMU 10.0 sends a padding byte where 7.2 sends `enable`, and names both
            // paddings by position (11.1 its first field `mode` too, which it no longer
            // uses): the same bytes.
            if release == "11.1" {
                patch_field(card, 0, ("unused[0]", "unused_buffer"), ("mode", "uint32"));
            }
            if release == "10.0" || release == "11.1" {
                let [first, second] = match release {
                    "10.0" => ["unused[0]", "unused[1]"],
                    _ => ["unused[1]", "unused[2]"],
                };
                patch_field(
                    card,
                    22,
                    (first, "unused_buffer"),
                    ("unused", "unused_buffer"),
                );
                patch_field(card, 23, (second, "unused_buffer"), ("enable", "bool"));
            }
        });
        let card: SdCardState = vmstate_tests::port_matches_qemu_section(&patched, "sd-card", 0);
        let (data, _) = vmstate_tests::section_data(&stream, "sd-card", 0);
        assert_eq!(data.len(), 1179, "{release}");
        // QEMU's sd_set_cid: manufacturer 0xaa, OEM "XY", product "QEMU!", revision 1,
        // serial 0xdeadbeef.
        assert_eq!(
            card.cid[..13],
            *b"\xaaXYQEMU!\x01\xde\xad\xbe\xef",
            "{release}"
        );
        // sd_reset: idle, 512-byte blocks, no erase range (INVALID_ADDRESS); no drive, so
        // one write-protect group, unprotected.
        assert_eq!(card.state, 0, "{release}");
        assert_eq!(card.blk_len, 512, "{release}");
        assert_eq!(
            (card.erase_start, card.erase_end),
            (u32::MAX, u32::MAX),
            "{release}"
        );
        assert_eq!(card.wp_group_bmap, [0], "{release}");
        // The guest never sent ACMD41, so the card is not powered up: the subsection was sent,
        // with the OCR's voltage window (sd_set_ocr) and the power-up timer not armed.
        assert_eq!(card.ocr_state.ocr & OCR_CARD_POWER_UP, 0, "{release}");
        assert_eq!(card.ocr_state.ocr, 0x00ff_ff00, "{release}");
        assert_eq!(card.ocr_state.ocr_power_timer, -1, "{release}");
        // 5.2's and 7.2's sd_instance_init enable the card; 10.0 and 11.1 send padding (0)
        // in its place.
        assert_eq!(
            card.enable,
            release == "5.2" || release == "7.2",
            "{release}"
        );
    }
}

#[test]
fn sd_card_lines_up_with_qemus_dump() {
    // QEMU's dump gives its VMSTATE_BITMAP size 0 (sized at run time), which this port's
    // counted sequence of u64 words cannot be compared with: a warning, both ways.
    lines_up_with_qemus_dump(
        "sd-card",
        SdCardState::DESCRIPTION,
        &["Fields/wp_group_bmap"],
    );
}

#[test]
fn sd_card_refuses_every_truncation() {
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        let (data, version) = vmstate_tests::section_data(&stream, "sd-card", 0);
        let before = SdCardState {
            state: 4,
            data: [0x5a; 512],
            ocr_state: SdCardOcrState {
                ocr: 0x00ff_ff00,
                ocr_power_timer: 1234,
            },
            ..SdCardState::default()
        };
        // Cut just before the subsection, the section is whole: a card powered up on the
        // source, as QEMU's pre_load takes it (the power-up bit set, the timer not armed),
        // whatever the destination's OCR held.
        vmstate_tests::every_truncation_is_refused(data, version, &before, &[SD_CARD_FIELDS]);
        let mut dev = before.clone();
        vmstate_core::qemu::from_bytes(&mut dev, &data[..SD_CARD_FIELDS], version, 0).unwrap();
        assert_eq!(dev.ocr_state, SdCardOcrState::powered_up());
        assert_eq!(dev.ocr_state.ocr & OCR_CARD_POWER_UP, OCR_CARD_POWER_UP);
        assert_eq!(dev.blk_len, 512);
        // And a powered-up card's save, which has no subsection, loads as powered up.
        let up = SdCardState {
            ocr_state: SdCardOcrState::powered_up(),
            ..dev.clone()
        };
        let bytes = vmstate_core::qemu::to_bytes(&up).unwrap();
        assert_eq!(bytes.len(), SD_CARD_FIELDS);
        let mut back = before.clone();
        vmstate_core::qemu::from_bytes(&mut back, &bytes, version, 0).unwrap();
        assert_eq!(back, up);
        // A powered-up card above 2 GiB (its CSD of structure version 2, as QEMU's
        // sd_set_csd writes it) also has the capacity bit, as QEMU's sd_ocr_powerup sets it
        // (seen live: 0xc0ffff00 in the ACMD41 response of a 4 GiB card).
        let mut sdhc = up.clone();
        sdhc.csd[0] = 0x40;
        let bytes = vmstate_core::qemu::to_bytes(&sdhc).unwrap();
        let mut back = before.clone();
        vmstate_core::qemu::from_bytes(&mut back, &bytes, version, 0).unwrap();
        assert_eq!(
            back.ocr_state.ocr,
            OCR_CARD_POWER_UP | OCR_CARD_CAPACITY | 0x00ff_ff00
        );
    }
}

#[test]
fn sd_card_bitmap_size_is_the_destinations_configuration() {
    let stream = vmstate_tests::qemu_7_2_stream();
    let (data, version) = vmstate_tests::section_data(&stream, "sd-card", 0);
    // A destination whose card has 65 to 128 write-protect groups reads two bitmap words,
    // and so misreads the rest: QEMU's wire cannot tell the card sizes apart.
    let before = SdCardState {
        wp_group_words: 2,
        wp_group_bmap: vec![0, 0],
        ..SdCardState::default()
    };
    let mut dev = before.clone();
    assert!(vmstate_core::qemu::from_bytes(&mut dev, data, version, 0).is_err());
    assert_eq!(dev, before);
}

#[test]
fn sd_card_refuses_an_unknown_subsection() {
    // A later QEMU's eMMC subsection is unknown here, refused by name.
    let stream = vmstate_tests::qemu_7_2_stream();
    let (data, version) = vmstate_tests::section_data(&stream, "sd-card", 0);
    let mut hostile = data[..SD_CARD_FIELDS].to_vec();
    let name = b"sd-card/ext_csd_modes-state";
    hostile.push(0x05); // QEMU_VM_SUBSECTION
    hostile.push(name.len() as u8);
    hostile.extend_from_slice(name);
    hostile.extend_from_slice(&1u32.to_be_bytes());
    hostile.extend_from_slice(&[0; 192]);
    let before = SdCardState::default();
    let mut dev = before.clone();
    let err = vmstate_core::qemu::from_bytes(&mut dev, &hostile, version, 0).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnknownSubsection(n) if n == "sd-card/ext_csd_modes-state"),
        "{err}"
    );
    assert_eq!(dev, before);
}

// ---- pl110 ----

#[test]
fn pl110_matches_qemu_5_2_to_11_1() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        let lcd: Pl110State = vmstate_tests::port_matches_qemu_section(&stream, "pl110", 0);
        assert_eq!(
            vmstate_tests::section_data(&stream, "pl110", 0).0.len(),
            1596,
            "{release}"
        );
        // The board creates a plain "pl110" (pl110_init: VERSION_PL110 = 0).
        assert_eq!(lcd.version, 0, "{release}");
        // The guest never touched the LCD: controller off (no enable, no power bit), no
        // geometry, no palette, and nothing drives the board's mux input.
        assert_eq!(lcd.cr, 0, "{release}");
        assert_eq!((lcd.cols, lcd.rows), (0, 0), "{release}");
        assert_eq!(lcd.timing, [0; 4], "{release}");
        assert!(lcd.raw_palette.iter().all(|&w| w == 0), "{release}");
        assert_eq!(lcd.mux_ctrl, 0, "{release}");
    }
}

#[test]
fn pl110_lines_up_with_qemus_dump() {
    lines_up_with_qemus_dump("pl110", Pl110State::DESCRIPTION, &[]);
}

#[test]
fn pl110_refuses_every_truncation_and_loads_version_1() {
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        let (data, version) = vmstate_tests::section_data(&stream, "pl110", 0);
        let before = Pl110State {
            cols: 320,
            rows: 240,
            palette: [7; 256],
            mux_ctrl: 3,
            ..Pl110State::default()
        };
        vmstate_tests::every_truncation_is_refused(data, version, &before, &[]);
        // A version 1 section is the same less `mux_ctrl`, which the destination keeps.
        let mut dev = before.clone();
        vmstate_core::qemu::from_bytes(&mut dev, &data[..data.len() - 4], 1, 0).unwrap();
        assert_eq!((dev.cols, dev.mux_ctrl), (0, 3));
        // Cut anywhere else, a version 1 section is refused too.
        vmstate_tests::every_truncation_is_refused(&data[..data.len() - 4], 1, &before, &[]);
    }
}

// ---- smc91c111 ----

#[test]
fn smc91c111_matches_qemu_5_2_to_11_1() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        let nic: Smc91c111State = vmstate_tests::port_matches_qemu_section(&stream, "smc91c111", 0);
        assert_eq!(
            vmstate_tests::section_data(&stream, "smc91c111", 0).0.len(),
            8284,
            "{release}"
        );
        // smc91c111_reset's values, untouched by the guest: CONFIG 0xa0b1, CONTROL 0x1210,
        // ERCV 0x1f, only TX_EMPTY pending, nothing allocated or queued.
        assert_eq!(
            (nic.cr, nic.ctr, nic.ercv),
            (0xa0b1, 0x1210, 0x1f),
            "{release}"
        );
        assert_eq!(nic.int_level, 0x04, "{release}");
        assert_eq!(nic.allocated, 0, "{release}");
        let fifo_lens = (nic.tx_fifo_len, nic.rx_fifo_len, nic.tx_fifo_done_len);
        assert_eq!(fifo_lens, (0, 0, 0), "{release}");
        // Receive was never enabled (RCR 0), so no packet reached the packet memory.
        assert_eq!(nic.rcr, 0, "{release}");
        assert!(nic.data.iter().all(|&b| b == 0), "{release}");
    }
}

#[test]
fn smc91c111_lines_up_with_qemus_dump() {
    // QEMU's dump describes its VMSTATE_BUFFER_UNSAFE as one field of size 8192, as the
    // port's `#[vmstate(buffer)]` does.
    lines_up_with_qemus_dump("smc91c111", Smc91c111State::DESCRIPTION, &[]);
}

#[test]
fn smc91c111_refuses_every_truncation() {
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        let (data, version) = vmstate_tests::section_data(&stream, "smc91c111", 0);
        let before = Smc91c111State {
            rx_fifo_len: 1,
            rx_fifo: [3, 0, 0, 0],
            data: [0xa5; 8192],
            ..Smc91c111State::default()
        };
        vmstate_tests::every_truncation_is_refused(data, version, &before, &[]);
    }
}

// ---- pl041 ----

#[test]
fn pl041_matches_qemu_5_2_to_11_1() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        let aaci: Pl041State = vmstate_tests::port_matches_qemu_section(&stream, "pl041", 0);
        assert_eq!(
            vmstate_tests::section_data(&stream, "pl041", 0).0.len(),
            10794,
            "{release}"
        );
        // The board leaves the nc_fifo_depth property at its default, 8.
        assert_eq!(aaci.fifo_depth, 8, "{release}");
        // pl041_reset: SR1 = TXFE | RXFE | TXHE (0xb), SLFR = the three slot-transmit-empty
        // flags (0xa80, read from the stream: SL1TXEMPTY | SL2TXEMPTY | SL12TXEMPTY).
        assert_eq!(aaci.regs.sr1, 0xb, "{release}");
        assert_eq!(aaci.regs.slfr, 0xa80, "{release}");
        // No audio was played: both FIFOs and the codec's buffer are empty, the voice idle.
        assert_eq!(aaci.fifo1.tx_fifo.level, 0, "{release}");
        assert_eq!(aaci.fifo1.rx_fifo.level, 0, "{release}");
        assert_eq!(aaci.codec.buffer_level, 0, "{release}");
        assert_eq!(aaci.codec.voice_is_active, 0, "{release}");
        // The codec's reset registers: front DAC rate 48 kHz (AC'97 register 0x2c) and the
        // LM4549's vendor ID "NSC" + revision 1 (registers 0x7c, 0x7e).
        assert_eq!(aaci.codec.regfile[0x2c], 48000, "{release}");
        assert_eq!(
            aaci.codec.regfile[0x7c..=0x7e],
            [0x4e53, 0, 0x4331],
            "{release}"
        );
    }
}

#[test]
fn pl041_lines_up_with_qemus_dump() {
    lines_up_with_qemus_dump("pl041", Pl041State::DESCRIPTION, &[]);
}

#[test]
fn pl041_refuses_every_truncation() {
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        let (data, version) = vmstate_tests::section_data(&stream, "pl041", 0);
        let mut before = Pl041State {
            fifo_depth: 32,
            ..Pl041State::default()
        };
        before.fifo1.tx_fifo.level = 3;
        before.fifo1.tx_fifo.data[..3].copy_from_slice(&[1, 2, 3]);
        before.codec.regfile[0x2c] = 44100;
        vmstate_tests::every_truncation_is_refused(data, version, &before, &[]);
    }
}

#[test]
fn pl041_reserved_word_migrates_as_a_value() {
    // QEMU migrates the word at offset 0x8c (`unused`) as a value, and so does this port.
    let stream = vmstate_tests::qemu_7_2_stream();
    let (data, version) = vmstate_tests::section_data(&stream, "pl041", 0);
    let unused_at = 4 + 35 * 4; // fifo_depth, then the 35 registers before it
    let mut written = data.to_vec();
    written[unused_at..unused_at + 4].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    let mut dev = Pl041State::default();
    vmstate_core::qemu::from_bytes(&mut dev, &written, version, 0).unwrap();
    assert_eq!(dev.regs.unused, 0x1234_5678);
    assert_eq!(vmstate_core::qemu::to_bytes(&dev).unwrap(), written);
    // The schema tools take it for a value, not padding: decoded, it is shown.
    let desc = vmstate_core::schema::Desc::from_description(Pl041State::DESCRIPTION);
    let (decoded, _) =
        vmstate_core::schema::decode(&desc, vmstate_core::schema::Format::Qemu, &written, 1, 0)
            .unwrap();
    assert_eq!(decoded["regs"]["unused"], 0x1234_5678);
}
