//! The state-only ports of QEMU's UART, PS/2, KMI, timer and MMC sections
//! (`devices::qemu_sections::{pl011, ps2, pl050, arm_timer, pl181}`) against the real
//! Integrator/CP streams of QEMU 5.2, 7.2, 10.0 and 11.1: every instance loads and saves back byte for
//! byte, its description is what the stream's vmdesc says was sent (and, for qdev devices,
//! what QEMU 7.2's `-dump-vmstate` says), and hostile input is refused with the device left as
//! it was.
//!
//! The values asserted are the ones the fixtures' guest leaves: it writes only the core
//! module, the interrupt controllers and the RTC (the fixture READMEs list its writes), QEMU
//! runs with `-serial none`, and no key or mouse event reaches the guest, so each of these
//! devices holds QEMU's reset or creation state.

use std::fmt::Debug;

use devices::qemu_sections::arm_timer::ArmTimerState;
use devices::qemu_sections::pl011::{ClockMulDiv, Pl011Clock, Pl011State};
use devices::qemu_sections::pl050::Pl050State;
use devices::qemu_sections::pl181::Pl181State;
use devices::qemu_sections::ps2::{Ps2KbdCommandReplyQueue, Ps2KbdState, Ps2MouseState};
use vmstate_core::schema::{self, Schema};
use vmstate_core::{Description, ErrorKind, Unused, VmState};
use vmstate_tests::{patch_field, port_matches_qemu_section};

/// The port's description agrees with QEMU 7.2's own dump of the device type `key`, checked
/// both ways (and with our schema cut down to what QEMU's dumps hold).
fn assert_matches_qemu_7_2_dump(key: &str, description: &Description) {
    let (qemu, ours) = qemu_7_2_dump_and_port(key, description);
    for (old, new) in [(&qemu, &ours), (&ours, &qemu), (&ours.qemu_only(), &qemu)] {
        let report = schema::check(old, new);
        assert_eq!(report.errors(), 0, "{key}: {report}");
    }
}

/// QEMU 7.2's dump of device type `key` alone, and the port's schema under the same key.
fn qemu_7_2_dump_and_port(key: &str, description: &Description) -> (Schema, Schema) {
    let qemu = vmstate_tests::qemu_7_2_dump_of(key);
    (qemu, vmstate_tests::one_device(key, description))
}

/// `value` written as a be32 at byte `at` of `data` fails the load with an out-of-range error
/// naming `path`, and leaves `before` unchanged.
fn assert_refused_at<T>(data: &[u8], version: u32, at: usize, value: i32, path: &str, before: &T)
where
    T: VmState + Clone + PartialEq + Debug,
{
    let mut hostile = data.to_vec();
    hostile[at..at + 4].copy_from_slice(&value.to_be_bytes());
    let mut dev = before.clone();
    let err = vmstate_core::qemu::from_bytes(&mut dev, &hostile, version, 0).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutOfRange { .. }),
        "{path} = {value}: {err}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("{path}: value {value} is outside")),
        "{err}"
    );
    assert_eq!(err.offset(), Some(at), "{err}");
    assert_eq!(&dev, before);
}

// ---- pl011 ----

/// QEMU 10.0's `pl011` layout: QEMU 9.2 replaced `readbuff` with `VMSTATE_UNUSED(4)`, which
/// its vmdesc names `unused`; everything else is QEMU 7.2's. Only this test needs it: the
/// port keeps 7.2's names, and loads 10.0's bytes as they are (see below).
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "pl011", version = 2, minimum_version = 2)]
struct Pl011StateQemu10 {
    unused: Unused<4>,
    flags: u32,
    lcr: u32,
    rsr: u32,
    cr: u32,
    dmacr: u32,
    int_enabled: u32,
    int_level: u32,
    read_fifo: [u32; 16],
    ilpr: u32,
    ibrd: u32,
    fbrd: u32,
    ifl: u32,
    read_pos: i32,
    read_count: i32,
    read_trigger: i32,
    #[vmstate(subsection, needed = "Self::clock_needed")]
    clock: Pl011Clock,
}

impl Pl011StateQemu10 {
    fn clock_needed(&self) -> bool {
        true
    }
}

/// Where `read_pos` and `read_count` lie: after eight words, the 16-word FIFO and four words.
const PL011_READ_POS_AT: usize = 8 * 4 + 16 * 4 + 4 * 4;
const PL011_READ_COUNT_AT: usize = PL011_READ_POS_AT + 4;
/// The `pl011/clock` subsection's bytes: tag, name length, name, version, the clock's period.
const PL011_CLOCK_SUBSECTION_LEN: usize = 1 + 1 + "pl011/clock".len() + 4 + 8;

/// The reset state QEMU leaves in a PL011 nobody used.
fn assert_pl011_untouched(uart: &Pl011State, what: &str) {
    // Both FIFOs empty: TXFE (0x80) and RXFE (0x10), as QEMU's reset sets.
    assert_eq!(uart.flags, 0x90, "{what}");
    // QEMU's reset values: TX and RX enabled (the UART itself not), FIFO levels at half.
    assert_eq!(
        (uart.cr, uart.ifl, uart.read_trigger),
        (0x300, 0x12, 1),
        "{what}"
    );
    // `-serial none` and no loopback: nothing ever arrived, the FIFO is empty at slot 0.
    assert_eq!((uart.read_pos, uart.read_count), (0, 0), "{what}");
    assert_eq!(uart.read_fifo, [0; 16], "{what}");
    // The guest never programmed the line or the baud rate.
    assert_eq!((uart.lcr, uart.ibrd, uart.fbrd), (0, 0, 0), "{what}");
    // The Integrator/CP connects no clock to its UARTs: a clock without a source has period
    // 0, and 1:1 scaling (no `clock/muldiv` subsection was sent).
    assert_eq!(uart.clock.clk.period, 0, "{what}");
    assert_eq!(uart.clock.clk.muldiv, ClockMulDiv::default(), "{what}");
}

#[test]
fn pl011_matches_qemu_5_2_to_11_1() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        for instance in 0..2 {
            let what = format!("{release} pl011 {instance}");
            if let "5.2" | "7.2" = release {
                let uart: Pl011State = port_matches_qemu_section(&stream, "pl011", instance);
                assert_pl011_untouched(&uart, &what);
                assert_eq!(uart.readbuff, 0, "{what}");
                continue;
            }
            // The later layout matches its vmdesc byte for byte ...
            let v10: Pl011StateQemu10 = port_matches_qemu_section(&stream, "pl011", instance);
            // ... and the port loads the same bytes (the unused word is zero, as `readbuff`
            // always was) and writes them back unchanged.
            let (data, version) = vmstate_tests::section_data(&stream, "pl011", instance);
            let mut uart = Pl011State::default();
            vmstate_core::qemu::from_bytes(&mut uart, data, version, 0).unwrap();
            assert_eq!(vmstate_core::qemu::to_bytes(&uart).unwrap(), data, "{what}");
            assert_pl011_untouched(&uart, &what);
            assert_eq!(
                (uart.flags, uart.read_fifo, uart.clock.clone()),
                (v10.flags, v10.read_fifo, v10.clock),
                "{what}"
            );
        }
    }
}

#[test]
fn pl011_matches_qemu_7_2s_dump() {
    assert_matches_qemu_7_2_dump("pl011", Pl011State::DESCRIPTION);
}

#[test]
fn pl011_refuses_truncated_and_out_of_range_input() {
    let before = Pl011State {
        readbuff: 7,
        lcr: 0x70,
        read_fifo: [0x41; 16],
        read_count: 3,
        ..Pl011State::default()
    };
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        for instance in 0..2 {
            let (data, version) = vmstate_tests::section_data(&stream, "pl011", instance);
            let without_clock = data.len() - PL011_CLOCK_SUBSECTION_LEN;
            vmstate_tests::every_truncation_is_refused(data, version, &before, &[without_clock]);
            // Without its subsection the section still loads, and keeps the destination's
            // clock (QEMU's `migrate-clk=off` machines send none).
            let mut uart = Pl011State {
                clock: Pl011Clock::default(),
                ..before.clone()
            };
            uart.clock.clk.period = 99;
            vmstate_core::qemu::from_bytes(&mut uart, &data[..without_clock], version, 0).unwrap();
            assert_eq!((uart.clock.clk.period, uart.lcr), (99, 0), "{release}");

            // What QEMU 7.2 never writes: a FIFO slot past the FIFO (QEMU 8.0+'s post_load
            // refuses it too), a negative count.
            for read_pos in [16, -1, i32::MAX] {
                let at = PL011_READ_POS_AT;
                assert_refused_at(data, version, at, read_pos, "pl011.read_pos", &before);
            }
            let at = PL011_READ_COUNT_AT;
            assert_refused_at(data, version, at, -1, "pl011.read_count", &before);
            // The bounds load, and so does a count past the FIFO's depth, which QEMU 7.2
            // writes after a flood of serial breaks (17 of them on a muxed chardev gave 17)
            // and loads.
            for read_count in [16i32, 17] {
                let mut edge = data.to_vec();
                edge[PL011_READ_POS_AT..][..4].copy_from_slice(&15i32.to_be_bytes());
                edge[PL011_READ_COUNT_AT..][..4].copy_from_slice(&read_count.to_be_bytes());
                let mut uart = before.clone();
                vmstate_core::qemu::from_bytes(&mut uart, &edge, version, 0).unwrap();
                assert_eq!((uart.read_pos, uart.read_count), (15, read_count));
            }
        }
    }
}

#[test]
fn pl011_clock_scaling_travels_in_a_subsection_of_the_version_0_clock() {
    let mut uart = Pl011State::default();
    uart.clock.clk.period = 1 << 32; // 1 ns
    uart.clock.clk.muldiv = ClockMulDiv {
        multiplier: 3,
        divider: 2,
    };
    let bytes = vmstate_core::qemu::to_bytes(&uart).unwrap();
    // pl011/clock (version 1), the period, then clock/muldiv (version 1) with its two words.
    let mut tail = vec![5, 11];
    tail.extend(b"pl011/clock");
    tail.extend(1u32.to_be_bytes());
    tail.extend((1u64 << 32).to_be_bytes());
    tail.extend([5, 12]);
    tail.extend(b"clock/muldiv");
    tail.extend(1u32.to_be_bytes());
    tail.extend(3u32.to_be_bytes());
    tail.extend(2u32.to_be_bytes());
    assert!(bytes.ends_with(&tail), "{bytes:02x?}");
    let mut back = Pl011State::default();
    vmstate_core::qemu::from_bytes(&mut back, &bytes, 2, 0).unwrap();
    assert_eq!(back, uart);
    // A stream without clock/muldiv means 1:1 (QEMU's clock_pre_load), whatever the
    // destination's clock had.
    let plain = vmstate_core::qemu::to_bytes(&Pl011State::default()).unwrap();
    vmstate_core::qemu::from_bytes(&mut back, &plain, 2, 0).unwrap();
    assert_eq!(back.clock.clk.muldiv, ClockMulDiv::default());
}

// ---- ps2kbd, ps2mouse ----

#[test]
fn ps2_keyboard_and_mouse_match_qemu_5_2_to_11_1() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        // QEMU 7.1 made the PS/2 devices QOM objects: `common` became `parent_obj`, the same
        // bytes.
        let stream = vmstate_tests::with_vmdesc_patched(&stream, |vmdesc| {
            for idstr in ["ps2kbd", "ps2mouse"] {
                if release == "5.2" {
                    let entry = vmstate_tests::device_entry(vmdesc, idstr);
                    patch_field(entry, 0, ("common", "struct"), ("parent_obj", "struct"));
                }
            }
        });
        let kbd: Ps2KbdState = port_matches_qemu_section(&stream, "ps2kbd", 0);
        let mouse: Ps2MouseState = port_matches_qemu_section(&stream, "ps2mouse", 0);
        for (common, what) in [(&kbd.parent_obj, "ps2kbd"), (&mouse.parent_obj, "ps2mouse")] {
            // No command pending (-1) and an empty queue at its start: no byte was ever
            // queued, so the buffer is still zero.
            assert_eq!(common.write_cmd, -1, "{release} {what}");
            assert_eq!(
                (common.queue_rptr, common.queue_wptr, common.queue_count),
                (0, 0, 0),
                "{release} {what}"
            );
            assert_eq!(common.queue_data, [0; 256], "{release} {what}");
        }
        // The keyboard's reset state: scanning, untranslated (the PL050 does not translate),
        // scancode set 2; the three subsections hold their usual values, so none was sent.
        assert_eq!(
            (kbd.scan_enabled, kbd.translate, kbd.scancode_set),
            (1, 0, 2),
            "{release}"
        );
        assert_eq!(kbd.ledstate.ledstate, 0);
        assert!(!kbd.need_high_bit.need_high_bit);
        assert_eq!(
            kbd.command_reply_queue,
            Ps2KbdCommandReplyQueue { cwptr: -1 }
        );
        // The mouse's reset state: disabled, stream mode, standard PS/2 protocol, no motion.
        assert_eq!(
            mouse,
            Ps2MouseState {
                parent_obj: mouse.parent_obj.clone(),
                ..Ps2MouseState::default()
            },
            "{release}"
        );
    }
}

#[test]
fn ps2_keyboard_and_mouse_match_qemu_7_2s_dump() {
    // The queue's `[u8; 256]` is a `buffer`, as QEMU's `VMSTATE_BUFFER`: even cut down to
    // what QEMU's dumps hold, it reads as QEMU's (one 256-byte element).
    assert_matches_qemu_7_2_dump("ps2-kbd", Ps2KbdState::DESCRIPTION);
    assert_matches_qemu_7_2_dump("ps2-mouse", Ps2MouseState::DESCRIPTION);
    let ours = vmstate_tests::one_device("ps2-mouse", Ps2MouseState::DESCRIPTION).qemu_only();
    let common = ours.devices["ps2-mouse"].description.fields[0]
        .description
        .as_deref();
    let data = &common.unwrap().fields[4];
    assert_eq!(
        (data.field.as_str(), data.size, data.array_len),
        ("queue.data", 256, None)
    );
}

#[test]
fn ps2_keyboard_and_mouse_refuse_truncated_input() {
    let mut kbd = Ps2KbdState::default();
    kbd.parent_obj.queue_data[0] = 0xaa;
    kbd.scancode_set = 3;
    kbd.ledstate.ledstate = 4;
    let mut mouse = Ps2MouseState::default();
    mouse.parent_obj.queue_count = 3;
    mouse.mouse_dx = -5;
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        // No subsection was sent: a stream can end nowhere before the last field.
        let (data, version) = vmstate_tests::section_data(&stream, "ps2kbd", 0);
        vmstate_tests::every_truncation_is_refused(data, version, &kbd, &[]);
        let (data, version) = vmstate_tests::section_data(&stream, "ps2mouse", 0);
        vmstate_tests::every_truncation_is_refused(data, version, &mouse, &[]);
    }
}

#[test]
fn ps2_keyboard_subsections_travel_only_when_needed_and_the_reply_queue_at_version_0() {
    let mut kbd = Ps2KbdState::default();
    kbd.command_reply_queue.cwptr = 3;
    kbd.ledstate.ledstate = 2; // num lock
    let bytes = vmstate_core::qemu::to_bytes(&kbd).unwrap();
    let fields = 4 * 4 + 256 + 3 * 4;
    let mut subsections = vec![5, 15];
    subsections.extend(b"ps2kbd/ledstate");
    subsections.extend(3u32.to_be_bytes());
    subsections.extend(2i32.to_be_bytes());
    subsections.extend([5, 26]);
    subsections.extend(b"ps2kbd/command_reply_queue");
    subsections.extend(0u32.to_be_bytes()); // QEMU's unset version_id
    subsections.extend(3i32.to_be_bytes());
    assert_eq!(&bytes[fields..], &subsections[..]);
    let mut back = Ps2KbdState::default();
    vmstate_core::qemu::from_bytes(&mut back, &bytes, 3, 0).unwrap();
    assert_eq!(back, kbd);

    // The reply queue at any other version is refused, naming the subsection.
    let mut v1 = bytes.clone();
    let version_at = bytes.len() - 8;
    v1[version_at..version_at + 4].copy_from_slice(&1u32.to_be_bytes());
    let before = back.clone();
    let err = vmstate_core::qemu::from_bytes(&mut back, &v1, 3, 0).unwrap_err();
    assert!(
        err.to_string()
            .contains("(subsection `ps2kbd/command_reply_queue`): version 1 is too new"),
        "{err}"
    );
    assert_eq!(back, before);

    // A stream without the subsections means their usual values (what the source had).
    vmstate_core::qemu::from_bytes(&mut back, &bytes[..fields], 3, 0).unwrap();
    assert_eq!(back, Ps2KbdState::default());
    assert_eq!(back.command_reply_queue.cwptr, -1);
}

// ---- pl050 ----

#[test]
fn pl050_matches_qemu_5_2_to_11_1() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        for (instance, ps2) in [(0, "ps2kbd"), (1, "ps2mouse")] {
            let kmi: Pl050State = port_matches_qemu_section(&stream, "pl050", instance);
            // The guest never touched either KMI, and QEMU's PL050 has no reset: all zero.
            assert_eq!(
                (kmi.cr, kmi.clk, kmi.last),
                (0, 0, 0),
                "{release} {instance}"
            );
            // `pending` mirrors the PS/2 device's interrupt line: raised while its queue
            // holds bytes, and both queues are empty.
            let (data, version) = vmstate_tests::section_data(&stream, ps2, 0);
            let mut mouse = Ps2MouseState::default();
            let mut kbd = Ps2KbdState::default();
            let queued = if instance == 0 {
                vmstate_core::qemu::from_bytes(&mut kbd, data, version, 0).unwrap();
                kbd.parent_obj.queue_count
            } else {
                vmstate_core::qemu::from_bytes(&mut mouse, data, version, 0).unwrap();
                mouse.parent_obj.queue_count
            };
            assert_eq!(kmi.pending, i32::from(queued != 0), "{release} {instance}");
        }
    }
}

#[test]
fn pl050_matches_qemu_7_2s_dump() {
    // One description, two QEMU types.
    assert_matches_qemu_7_2_dump("pl050_keyboard", Pl050State::DESCRIPTION);
    assert_matches_qemu_7_2_dump("pl050_mouse", Pl050State::DESCRIPTION);
}

#[test]
fn pl050_refuses_truncated_input() {
    let before = Pl050State {
        cr: 0x14,
        clk: 8,
        last: 0xfa,
        pending: 1,
    };
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        for instance in 0..2 {
            let (data, version) = vmstate_tests::section_data(&stream, "pl050", instance);
            vmstate_tests::every_truncation_is_refused(data, version, &before, &[]);
        }
    }
}

// ---- arm_timer ----

#[test]
fn arm_timers_match_qemu_5_2_to_11_1() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        for instance in 0..3 {
            let timer: ArmTimerState = port_matches_qemu_section(&stream, "arm_timer", instance);
            let what = format!("{release} arm_timer {instance}");
            // `arm_timer_init` sets the interrupt enable (0x20) and nothing else; the guest
            // never wrote a timer, so each is stopped with no interrupt raised.
            assert_eq!(
                (timer.control, timer.limit, timer.int_level),
                (0x20, 0, 0),
                "{what}"
            );
            assert_eq!(timer.timer.enabled, 0, "{what}");
            // QEMU sets a timer's frequency only when the guest writes its control register:
            // the period is still unset.
            assert_eq!(
                (timer.timer.period, timer.timer.period_frac),
                (0, 0),
                "{what}"
            );
            // A stopped counter has no expiry pending: VMSTATE_TIMER_PTR sends -1.
            assert_eq!(timer.timer.timer, -1, "{what}");
        }
        assert!(
            stream.device("arm_timer", 3).is_none(),
            "{release}: three timers"
        );
    }
}

#[test]
fn arm_timer_is_not_in_qemus_dump() {
    // The timers are registered with vmstate_register, not as qdev devices: QEMU's dump
    // (keyed by qdev type) has no entry to check the port against.
    let qemu = vmstate_tests::qemu_7_2_dump();
    assert!(qemu
        .devices
        .values()
        .all(|d| d.name != "arm_timer" && d.name != "ptimer"));
}

#[test]
fn arm_timers_refuse_truncated_input() {
    let mut before = ArmTimerState {
        control: 0xe2,
        limit: 100,
        ..ArmTimerState::default()
    };
    before.timer.timer = 12345;
    before.timer.period = 1000;
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        for instance in 0..3 {
            let (data, version) = vmstate_tests::section_data(&stream, "arm_timer", instance);
            vmstate_tests::every_truncation_is_refused(data, version, &before, &[]);
        }
    }
}

// ---- pl181 ----

#[test]
fn pl181_matches_qemu_5_2_to_11_1() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        let mmc: Pl181State = port_matches_qemu_section(&stream, "pl181", 0);
        // No transfer ever ran: the FIFO is empty at slot 0, nothing is held back, and no
        // command was sent (no response, no status bit, no data path enabled).
        assert_eq!(
            (mmc.fifo_pos, mmc.fifo_len, mmc.linux_hack),
            (0, 0, 0),
            "{release}"
        );
        assert_eq!(
            (mmc.cmd, mmc.respcmd, mmc.response),
            (0, 0, [0; 4]),
            "{release}"
        );
        assert_eq!(
            (mmc.status, mmc.datactrl, mmc.datacnt),
            (0, 0, 0),
            "{release}"
        );
        // The guest never powered the card interface up nor unmasked an interrupt.
        assert_eq!((mmc.power, mmc.mask), (0, [0, 0]), "{release}");
    }
}

#[test]
fn pl181_matches_qemu_7_2s_dump() {
    assert_matches_qemu_7_2_dump("pl181", Pl181State::DESCRIPTION);
}

#[test]
fn pl181_refuses_truncated_input() {
    let before = Pl181State {
        power: 0x83,
        fifo_len: 2,
        fifo: [7; 16],
        ..Pl181State::default()
    };
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        let (data, version) = vmstate_tests::section_data(&stream, "pl181", 0);
        vmstate_tests::every_truncation_is_refused(data, version, &before, &[]);
    }
}

// ---- the native format ----

/// `state` survives this project's native format too (the 256-byte queue buffer and the
/// version 0 descriptions included).
fn assert_native_round_trip<T: VmState + Default + PartialEq + Debug>(state: &T) {
    let bytes = vmstate_core::to_bytes(state).unwrap();
    let mut back = T::default();
    vmstate_core::from_bytes(&mut back, &bytes).unwrap();
    assert_eq!(&back, state);
}

#[test]
fn every_port_round_trips_in_the_native_format() {
    let stream = vmstate_tests::qemu_7_2_stream();
    let mut uart: Pl011State = port_matches_qemu_section(&stream, "pl011", 0);
    uart.clock.clk.muldiv.divider = 4; // with the nested subsection
    assert_native_round_trip(&uart);
    let mut kbd: Ps2KbdState = port_matches_qemu_section(&stream, "ps2kbd", 0);
    kbd.parent_obj.queue_data[255] = 0xfa;
    kbd.command_reply_queue.cwptr = 1; // with the version 0 subsection
    assert_native_round_trip(&kbd);
    assert_native_round_trip(&port_matches_qemu_section::<Ps2MouseState>(
        &stream, "ps2mouse", 0,
    ));
    assert_native_round_trip(&port_matches_qemu_section::<Pl050State>(
        &stream, "pl050", 1,
    ));
    assert_native_round_trip(&port_matches_qemu_section::<ArmTimerState>(
        &stream,
        "arm_timer",
        2,
    ));
    assert_native_round_trip(&port_matches_qemu_section::<Pl181State>(
        &stream, "pl181", 0,
    ));
}
