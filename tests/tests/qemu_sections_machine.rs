//! QEMU's machine-wide sections (`timer`, `cpu_common`, `globalstate`, and `audio` of QEMU
//! 5.2), ported state only in `devices::qemu_sections::machine`, against real streams of
//! QEMU 5.2, 7.2, 10.0 and 11.1: each loads QEMU's bytes and writes them back byte for byte,
//! its description says what the stream's vmdesc says was sent, and hostile input is refused
//! without touching the state. These are not qdev devices, so QEMU's `-dump-vmstate` has no
//! entry to check them against.

use std::fmt::Debug;

use devices::qemu_sections::machine::{
    AudioState, CpuCommonCrashOccurred, CpuCommonExceptionIndex, CpuCommonState, GlobalState,
    GlobalStateWithSuspendFlag, IcountAdjustTimers, IcountMode, IcountShift, IcountState,
    IcountWarpTimer, TimersState, NO_EXCEPTION, RUN_STATES,
};
use vmstate_core::{ErrorKind, VmState};
use vmstate_tests::port_matches_qemu_section;

fn load<T: VmState>(state: &mut T, data: &[u8], version: u32) -> Result<(), vmstate_core::Error> {
    vmstate_core::qemu::from_bytes(state, data, version, 0)
}

// ---------------------------------------------------------------------------------------
// timer
// ---------------------------------------------------------------------------------------

#[test]
fn qemus_timer_section_loads_and_saves_byte_for_byte() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        let timers: TimersState = port_matches_qemu_section(&stream, "timer", 0);
        let (data, version) = vmstate_tests::section_data(&stream, "timer", 0);
        assert_eq!(version, 2, "{release}");
        // Three 8-byte fields and no subsection: neither run used -icount.
        assert_eq!(data.len(), 24, "{release}");
        assert_eq!(timers.icount, IcountState::default(), "{release}");
        // The VM was stopped (`stop` in the monitor) before the migration, so the offsets
        // are the time it ran: positive, and (the guest only wrote 17 registers and spun)
        // far below an hour of virtual nanoseconds.
        assert!(timers.cpu_clock_offset > 0, "{release}: {timers:?}");
        assert!(
            timers.cpu_clock_offset < 3_600_000_000_000,
            "{release}: {timers:?}"
        );
        assert!(timers.cpu_ticks_offset > 0, "{release}: {timers:?}");
        // QEMU writes its VMSTATE_UNUSED(8) as zeros.
        assert_eq!(data[8..16], [0; 8], "{release}");
    }
}

/// A timer state with every `-icount` subsection sent (adaptive mode, sleep on).
fn timers_with_icount() -> TimersState {
    TimersState {
        cpu_ticks_offset: 1_000,
        cpu_clock_offset: 2_000,
        icount: IcountState {
            mode: IcountMode::Adaptive,
            sleep: true,
            qemu_icount_bias: 3,
            qemu_icount: 4,
            warp_timer: IcountWarpTimer {
                vm_clock_warp_start: -1,
                icount_warp_timer: 5,
            },
            timers: IcountAdjustTimers {
                icount_rt_timer: 6,
                icount_vm_timer: -1,
            },
            shift: IcountShift {
                icount_time_shift: 3,
                last_delta: -7,
            },
        },
        ..TimersState::default()
    }
}

/// QEMU's subsection header: `0x05`, the name's length and name, the be32 version.
fn subsection_header(name: &str, version: u32) -> Vec<u8> {
    let mut out = vec![0x05, name.len() as u8];
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&version.to_be_bytes());
    out
}

#[test]
fn icount_subsections_nest_as_qemu_sends_them() {
    let timers = timers_with_icount();
    let bytes = vmstate_core::qemu::to_bytes(&timers).unwrap();
    // The main fields, then timer/icount whose own subsections follow its two fields.
    let mut expected = Vec::new();
    expected.extend_from_slice(&1_000i64.to_be_bytes());
    expected.extend_from_slice(&[0; 8]);
    expected.extend_from_slice(&2_000i64.to_be_bytes());
    expected.extend(subsection_header("timer/icount", 1));
    expected.extend_from_slice(&3i64.to_be_bytes());
    expected.extend_from_slice(&4i64.to_be_bytes());
    expected.extend(subsection_header("timer/icount/warp_timer", 1));
    expected.extend_from_slice(&(-1i64).to_be_bytes());
    expected.extend_from_slice(&5i64.to_be_bytes());
    expected.extend(subsection_header("timer/icount/timers", 1));
    expected.extend_from_slice(&6i64.to_be_bytes());
    expected.extend_from_slice(&(-1i64).to_be_bytes());
    expected.extend(subsection_header("timer/icount/shift", 2));
    expected.extend_from_slice(&3i16.to_be_bytes());
    expected.extend_from_slice(&(-7i64).to_be_bytes());
    assert_eq!(bytes, expected);

    // The destination is configured alike (QEMU requires the same -icount on both ends).
    let mut back = TimersState {
        icount: IcountState {
            mode: IcountMode::Adaptive,
            sleep: true,
            ..IcountState::default()
        },
        ..TimersState::default()
    };
    load(&mut back, &bytes, 2).unwrap();
    assert_eq!(back, timers);

    // Precise mode with sleep=off sends timer/icount alone.
    let precise = TimersState {
        icount: IcountState {
            mode: IcountMode::Precise,
            sleep: false,
            ..timers.icount.clone()
        },
        ..timers.clone()
    };
    let precise_bytes = vmstate_core::qemu::to_bytes(&precise).unwrap();
    assert_eq!(
        precise_bytes.len(),
        24 + subsection_header("timer/icount", 1).len() + 16
    );

    // Every truncation is refused but those that end where a subsection would start.
    let main = 24;
    let icount_end = main + subsection_header("timer/icount", 1).len() + 16;
    let warp_end = icount_end + subsection_header("timer/icount/warp_timer", 1).len() + 16;
    let timers_end = warp_end + subsection_header("timer/icount/timers", 1).len() + 16;
    vmstate_tests::every_truncation_is_refused(
        &bytes,
        2,
        &TimersState::default(),
        &[main, icount_end, warp_end, timers_end],
    );
}

#[test]
fn a_version_1_timer_section_keeps_the_clock_offset() {
    // Version 1 had no cpu_clock_offset: 16 bytes, the destination's offset stays.
    let mut timers = TimersState {
        cpu_clock_offset: 42,
        ..TimersState::default()
    };
    let mut v1 = 9i64.to_be_bytes().to_vec();
    v1.extend_from_slice(&[0; 8]);
    load(&mut timers, &v1, 1).unwrap();
    assert_eq!(timers.cpu_ticks_offset, 9);
    assert_eq!(timers.cpu_clock_offset, 42);
}

#[test]
fn truncated_timer_sections_are_refused() {
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        let (data, version) = vmstate_tests::section_data(&stream, "timer", 0);
        vmstate_tests::every_truncation_is_refused(data, version, &timers_with_icount(), &[]);
    }
}

// ---------------------------------------------------------------------------------------
// cpu_common
// ---------------------------------------------------------------------------------------

#[test]
fn qemus_cpu_common_section_loads_and_saves_byte_for_byte() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        let cpu: CpuCommonState = port_matches_qemu_section(&stream, "cpu_common", 0);
        let (data, version) = vmstate_tests::section_data(&stream, "cpu_common", 0);
        assert_eq!(version, 1, "{release}");
        // Two words, no subsection: no exception was being delivered when the VM stopped,
        // and the guest never crashed.
        assert_eq!(data.len(), 8, "{release}");
        // The guest spins in a loop (it never executes WFI), so the CPU is not halted; no
        // interrupt is pending, since every interrupt controller's level is 0 (the fixture
        // READMEs' icp_pic rows).
        assert_eq!(cpu.halted, 0, "{release}");
        assert_eq!(cpu.interrupt_request, 0, "{release}");
        assert_eq!(
            cpu.exception_index.exception_index, NO_EXCEPTION,
            "{release}"
        );
        assert!(!cpu.crash_occurred.crash_occurred, "{release}");
    }
}

#[test]
fn cpu_common_subsections_follow_qemus_needed_and_pre_load() {
    let cpu = CpuCommonState {
        halted: 1,
        interrupt_request: 2,
        exception_index: CpuCommonExceptionIndex { exception_index: 5 },
        crash_occurred: CpuCommonCrashOccurred {
            crash_occurred: true,
        },
    };
    let bytes = vmstate_core::qemu::to_bytes(&cpu).unwrap();
    let mut expected = [1u32.to_be_bytes(), 2u32.to_be_bytes()].concat();
    expected.extend(subsection_header("cpu_common/exception_index", 1));
    expected.extend_from_slice(&5i32.to_be_bytes());
    expected.extend(subsection_header("cpu_common/crash_occurred", 1));
    expected.push(1);
    assert_eq!(bytes, expected);
    let mut back = CpuCommonState::default();
    load(&mut back, &bytes, 1).unwrap();
    assert_eq!(back, cpu);

    // A stream without exception_index means none pending (QEMU's pre_load sets -1); one
    // without crash_occurred keeps the destination's flag, as QEMU does.
    let stream = vmstate_tests::qemu_7_2_stream();
    let (data, _) = vmstate_tests::section_data(&stream, "cpu_common", 0);
    let mut dst = cpu.clone();
    load(&mut dst, data, 1).unwrap();
    assert_eq!(dst.exception_index.exception_index, NO_EXCEPTION);
    assert!(dst.crash_occurred.crash_occurred);
    assert_eq!(vmstate_core::qemu::to_bytes(&dst).unwrap()[..8], data[..]);

    let exception_end = 8 + subsection_header("cpu_common/exception_index", 1).len() + 4;
    vmstate_tests::every_truncation_is_refused(
        &bytes,
        1,
        &CpuCommonState::default(),
        &[8, exception_end],
    );
}

#[test]
fn truncated_cpu_common_sections_are_refused() {
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        let (data, version) = vmstate_tests::section_data(&stream, "cpu_common", 0);
        let before = CpuCommonState {
            halted: 1,
            interrupt_request: 0x10,
            ..CpuCommonState::default()
        };
        vmstate_tests::every_truncation_is_refused(data, version, &before, &[]);
    }
}

// ---------------------------------------------------------------------------------------
// globalstate
// ---------------------------------------------------------------------------------------

#[test]
fn qemu_7_2s_globalstate_loads_and_saves_byte_for_byte() {
    let stream = vmstate_tests::qemu_7_2_stream();
    let state: GlobalState = port_matches_qemu_section(&stream, "globalstate", 0);
    // The fixture README: the monitor ran `stop`, then `migrate`; QEMU stores the run
    // state at the migration's end, so "paused" (a destination then stays paused), and
    // pre_save's size is strlen("paused") + 1.
    assert_eq!(state.runstate_name(), Some("paused"));
    assert_eq!(state.size, 7);
    assert_eq!(state, GlobalState::with_runstate("paused"));
}

#[test]
fn qemu_10_0s_globalstate_loads_and_saves_byte_for_byte() {
    let stream = vmstate_tests::qemu_10_0_stream();
    let state: GlobalStateWithSuspendFlag = port_matches_qemu_section(&stream, "globalstate", 0);
    // Stopped as the 7.2 one was (tools/qemu/make-stream.py runs `stop`); 10.0 always
    // stores the flag (has_vm_was_suspended = 1), and the guest was never suspended.
    assert_eq!(state.runstate_name(), Some("paused"));
    assert_eq!(state.size, 7);
    assert_eq!(state.has_vm_was_suspended, 1);
    assert_eq!(state.vm_was_suspended, 0);
    assert_eq!(
        state,
        GlobalStateWithSuspendFlag::with_runstate("paused", false)
    );
}

#[test]
fn either_globalstate_layout_loads_either_releases_bytes() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        let (data, version) = vmstate_tests::section_data(&stream, "globalstate", 0);
        let mut old = GlobalState::default();
        load(&mut old, data, version).unwrap();
        assert_eq!(
            vmstate_core::qemu::to_bytes(&old).unwrap(),
            data,
            "{release}"
        );
        assert_eq!(old.runstate_name(), Some("paused"), "{release}");
        let mut new = GlobalStateWithSuspendFlag::default();
        load(&mut new, data, version).unwrap();
        assert_eq!(
            vmstate_core::qemu::to_bytes(&new).unwrap(),
            data,
            "{release}"
        );
        assert_eq!(new.runstate_name(), Some("paused"), "{release}");
    }
    // 7.2 sends zeros where 10.0 has the flag bytes: the flag reads as absent.
    let stream = vmstate_tests::qemu_7_2_stream();
    let (data, _) = vmstate_tests::section_data(&stream, "globalstate", 0);
    let mut new = GlobalStateWithSuspendFlag::default();
    load(&mut new, data, 1).unwrap();
    assert_eq!(new.has_vm_was_suspended, 0);
}

#[test]
fn every_run_state_name_round_trips() {
    for name in RUN_STATES {
        let state = GlobalState::with_runstate(name);
        let bytes = vmstate_core::qemu::to_bytes(&state).unwrap();
        let mut back = GlobalState::default();
        load(&mut back, &bytes, 1).unwrap();
        assert_eq!(back.runstate_name(), Some(name));
        let state = GlobalStateWithSuspendFlag::with_runstate(name, true);
        let bytes = vmstate_core::qemu::to_bytes(&state).unwrap();
        let mut back = GlobalStateWithSuspendFlag::default();
        load(&mut back, &bytes, 1).unwrap();
        assert_eq!(back, state);
    }
}

#[test]
fn truncated_globalstate_sections_are_refused() {
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        let (data, version) = vmstate_tests::section_data(&stream, "globalstate", 0);
        vmstate_tests::every_truncation_is_refused(
            data,
            version,
            &GlobalState::with_runstate("running"),
            &[],
        );
        vmstate_tests::every_truncation_is_refused(
            data,
            version,
            &GlobalStateWithSuspendFlag::with_runstate("running", true),
            &[],
        );
    }
}

/// The section with its runstate bytes (from offset 4) replaced by `name`.
fn with_runstate_bytes(data: &[u8], name: &[u8]) -> Vec<u8> {
    let mut bad = data.to_vec();
    bad[4..4 + name.len()].copy_from_slice(name);
    bad
}

fn assert_refused_naming_runstate<T>(before: &T, bad: &[u8])
where
    T: VmState + Clone + PartialEq + Debug,
{
    let mut state = before.clone();
    let err = load(&mut state, bad, 1).unwrap_err();
    assert_eq!(err.path(), "globalstate.runstate", "{err}");
    assert!(
        matches!(err.kind(), ErrorKind::Validation { .. }),
        "{err:?}"
    );
    assert_eq!(&state, before);
}

#[test]
fn a_globalstate_naming_no_run_state_is_refused() {
    for (_, stream) in vmstate_tests::integratorcp_streams() {
        let (data, _) = vmstate_tests::section_data(&stream, "globalstate", 0);
        let old = GlobalState::with_runstate("running");
        let new = GlobalStateWithSuspendFlag::with_runstate("running", false);
        // A name QEMU does not know (same length as "paused", so the NUL stays).
        let unknown = with_runstate_bytes(data, b"resume");
        assert_refused_naming_runstate(&old, &unknown);
        assert_refused_naming_runstate(&new, &unknown);
        // An empty name (QEMU's initial, never-stored state) is no run state either.
        let empty = with_runstate_bytes(data, b"\0");
        assert_refused_naming_runstate(&old, &empty);
        assert_refused_naming_runstate(&new, &empty);
        // "paused" with its NUL overwritten: the name runs on into the following bytes.
        let unterminated = with_runstate_bytes(data, b"pausedX");
        assert_refused_naming_runstate(&old, &unterminated);
        assert_refused_naming_runstate(&new, &unterminated);
        // A buffer with no NUL at all.
        let full = with_runstate_bytes(data, &[b'a'; 100]);
        assert_refused_naming_runstate(&old, &full);
        let full_name = with_runstate_bytes(data, &[b'a'; 32]);
        assert_refused_naming_runstate(&new, &full_name);
    }
}

#[test]
fn a_run_state_name_filling_the_32_byte_buffer_is_refused_there_only() {
    // 32 name bytes then zeros: 7.2's 100-byte buffer reads a 32-byte unknown name, 10.0's
    // 32-byte one has no NUL (QEMU would force the 32nd byte to NUL and read 31). Both
    // refuse it; neither state changes.
    let stream = vmstate_tests::qemu_10_0_stream();
    let (data, _) = vmstate_tests::section_data(&stream, "globalstate", 0);
    let mut bad = with_runstate_bytes(data, &[b'p'; 32]);
    bad[36] = 0; // has_vm_was_suspended = 0, so the 7.2 layout sees a NUL after 32 bytes
    assert_refused_naming_runstate(&GlobalState::with_runstate("paused"), &bad);
    assert_refused_naming_runstate(
        &GlobalStateWithSuspendFlag::with_runstate("paused", false),
        &bad,
    );
}

// ---------------------------------------------------------------------------------------
// audio
// ---------------------------------------------------------------------------------------

#[test]
fn qemu_5_2s_audio_section_is_empty_and_later_releases_send_none() {
    for (release, stream) in vmstate_tests::integratorcp_streams() {
        let sent = stream.device("audio", 0).is_some();
        assert_eq!(sent, release == "5.2", "{release}");
        if sent {
            let (data, version) = vmstate_tests::section_data(&stream, "audio", 0);
            assert_eq!((data.len(), version), (0, 1), "{release}");
            let _: AudioState = port_matches_qemu_section(&stream, "audio", 0);
        }
    }
    let mut audio = AudioState;
    let err = vmstate_core::qemu::from_bytes(&mut audio, &[0], 1, 0).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TrailingBytes { count: 1 }),
        "{err}"
    );
    let err = vmstate_core::qemu::from_bytes(&mut audio, &[], 2, 0).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TooNew { version: 2, max: 1 }),
        "{err}"
    );
}
