//! A section of another QEMU machine: the Cortex-A9 global timer of a QEMU 7.2 vexpress-a9
//! stream (`tests/fixtures/qemu-7.2-vexpress-a9/`). Its subsection is named
//! `arm.cortex-a9-global-timer.control`: it starts with its parent's name, as QEMU's loader
//! requires, but goes on with `.`, not `/`. The derive and the loader take QEMU's rule, so the
//! port says what QEMU's C says, loads QEMU's bytes, writes them back byte for byte, and agrees
//! with QEMU's `-dump-vmstate` both ways.

use vmstate_core::schema;
use vmstate_core::{ErrorKind, VmState};

/// QEMU's `A9GTimerPerCPU` (`hw/timer/a9gtimer.c`): `vmstate_a9_gtimer_per_cpu`.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "arm.cortex-a9-global-timer.percpu")]
struct A9GTimerPerCpu {
    control: u32,
    compare: u64,
    status: u32,
    inc: u32,
}

/// `vmstate_a9_gtimer_control`: the shared control register, sent when it is not 0.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "arm.cortex-a9-global-timer.control")]
struct A9GTimerControl {
    control: u32,
}

/// `vmstate_a9_gtimer`.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "arm.cortex-a9-global-timer")]
struct A9GTimer {
    /// QEMU's `num-cpu` property: how many `per_cpu` entries travel.
    #[vmstate(skip)]
    num_cpu: u32,
    /// `VMSTATE_TIMER_PTR`: the expiry time, -1 when not armed.
    timer: i64,
    counter: u64,
    ref_counter: u64,
    cpu_ref_time: u64,
    /// `VMSTATE_STRUCT_VARRAY_UINT32(per_cpu, A9GTimerState, num_cpu, 1, ...)`: field
    /// version 1 in a description whose minimum is 1, so every stream has it.
    #[vmstate(max_len = 4, len = "num_cpu")]
    per_cpu: Vec<A9GTimerPerCpu>,
    #[vmstate(subsection, needed = "Self::control_needed")]
    control: A9GTimerControl,
}

impl A9GTimer {
    fn new(num_cpu: u32) -> Self {
        A9GTimer {
            num_cpu,
            timer: -1,
            counter: 0,
            ref_counter: 0,
            cpu_ref_time: 0,
            per_cpu: vec![A9GTimerPerCpu::default(); num_cpu as usize],
            control: A9GTimerControl::default(),
        }
    }

    fn control_needed(&self) -> bool {
        self.control.control != 0
    }
}

const RESET: &[u8] = include_bytes!("../fixtures/qemu-7.2-vexpress-a9/a9-global-timer-reset.bin");
const GUEST: &[u8] = include_bytes!("../fixtures/qemu-7.2-vexpress-a9/a9-global-timer-guest.bin");
/// Where the subsection's header starts in `GUEST`: after four 8-byte values and one CPU's
/// 20 bytes.
const SUBSECTION_AT: usize = 52;

fn load(data: &[u8]) -> Result<A9GTimer, vmstate_core::Error> {
    let mut timer = A9GTimer::new(1);
    vmstate_core::qemu::from_bytes(&mut timer, data, 1, 0)?;
    Ok(timer)
}

#[test]
fn qemus_subsection_named_with_a_dot_loads_and_saves_byte_for_byte() {
    let timer = load(GUEST).unwrap();
    assert_eq!(
        timer.per_cpu,
        [A9GTimerPerCpu {
            control: 0xa,
            compare: 0x1234_5678,
            status: 0,
            inc: 0x100
        }]
    );
    assert_eq!((timer.counter, timer.ref_counter), (1, 0));
    assert_eq!(timer.control.control, 0x301, "the subsection loaded");
    assert_eq!(vmstate_core::qemu::to_bytes(&timer).unwrap(), GUEST);
    assert_eq!(
        &GUEST[SUBSECTION_AT..SUBSECTION_AT + 36],
        b"\x05\x22arm.cortex-a9-global-timer.control"
    );

    // The native format carries the same name.
    let native = vmstate_core::to_bytes(&timer).unwrap();
    let mut back = A9GTimer::new(1);
    vmstate_core::from_bytes(&mut back, &native).unwrap();
    assert_eq!(back, timer);
}

#[test]
fn without_its_subsection_the_destinations_control_stays() {
    let timer = load(RESET).unwrap();
    assert_eq!((timer.timer, timer.control.control), (-1, 0));
    assert_eq!(vmstate_core::qemu::to_bytes(&timer).unwrap(), RESET);
}

#[test]
fn the_port_agrees_with_qemus_dump_both_ways() {
    let key = "arm.cortex-a9-global-timer";
    let qemu = vmstate_tests::qemu_7_2_dump_of(key);
    let ours = vmstate_tests::one_device(key, A9GTimer::DESCRIPTION);
    for (old, new) in [(&qemu, &ours), (&ours, &qemu), (&ours.qemu_only(), &qemu)] {
        let report = schema::check(old, new);
        // QEMU's dump marks `per_cpu` version 1 and the port has no `since`: no stream the
        // port loads (version 1 only) lacks it, so that is no finding either.
        assert!(report.findings.is_empty(), "{report}");
    }
}

#[test]
fn a_subsection_of_another_name_is_refused_and_nothing_changes() {
    let before = A9GTimer::new(1);
    // Another subsection of this timer (the name starts with the parent's): unknown.
    let mut unknown = GUEST.to_vec();
    unknown[SUBSECTION_AT + 2 + 33] = b'1';
    let mut timer = before.clone();
    let err = vmstate_core::qemu::from_bytes(&mut timer, &unknown, 1, 0).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnknownSubsection(name) if name == "arm.cortex-a9-global-timer.contro1"),
        "{err}"
    );
    assert_eq!(err.offset(), Some(SUBSECTION_AT), "{err}");
    assert_eq!(timer, before);

    // A name that does not start with the parent's is not this struct's subsection, as in
    // QEMU's loader: no struct takes it, and the error names it where it is left over.
    let mut foreign = GUEST.to_vec();
    foreign[SUBSECTION_AT + 2] = b'A';
    let err = vmstate_core::qemu::from_bytes(&mut timer, &foreign, 1, 0).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnknownSubsection(name) if name == "Arm.cortex-a9-global-timer.control"),
        "{err}"
    );
    assert_eq!(err.offset(), Some(SUBSECTION_AT), "{err}");
    assert_eq!(timer, before);

    for len in 0..GUEST.len() {
        if len == SUBSECTION_AT {
            continue; // the section without its subsection, which loads
        }
        let err = vmstate_core::qemu::from_bytes(&mut timer, &GUEST[..len], 1, 0);
        assert!(err.is_err(), "{len} bytes loaded");
        assert_eq!(timer, before, "{len} bytes");
    }
}

/// What QEMU's vmdesc said of the global timer's section in the guest stream, and of an
/// SP804's (QEMU's `devices` list, without its brackets).
fn vmdesc_entries() -> String {
    let timer = include_str!("../fixtures/qemu-7.2-vexpress-a9/a9-global-timer-guest-vmdesc.json");
    let sp804 = r#"{"name": "sp804", "instance_id": 1, "vmsd_name": "sp804", "version": 1,
        "fields": [{"name": "level", "array_len": 2, "type": "int32", "size": 4}]}"#;
    format!("{timer}, {sp804}")
}

/// A stream of the global timer's section and an SP804's (whose `level` QEMU sent as
/// `[1, 0]`), with the vmdesc or without.
fn stream_of_unported_sections(vmdesc: bool) -> vmstate_core::qemu::Stream {
    let sections: [(&str, u32, u32, &[u8]); 2] = [
        ("arm.cortex-a9-global-timer", 0, 1, GUEST),
        ("sp804", 1, 1, &[0, 0, 0, 1, 0, 0, 0, 0]),
    ];
    let bytes =
        vmstate_tests::qemu_stream_of(&sections, vmdesc.then_some(vmdesc_entries().as_str()));
    vmstate_core::qemu::Stream::parse(bytes).unwrap()
}

#[test]
fn inspect_takes_the_array_lengths_a_dump_lacks_from_the_vmdesc() {
    // QEMU 7.2's dump gives no array lengths: `sp804.level` is two `int32`s only by the
    // stream's vmdesc.
    let dump = vmstate_tests::qemu_7_2_dump();
    let listing =
        devices::qemu_image::inspect_with(&stream_of_unported_sections(true), Some(&dump)).unwrap();
    let [timer, sp804] = &listing["sections"].as_array().unwrap()[..] else {
        panic!("{listing}");
    };
    assert_eq!(
        sp804["fields"]["level"],
        serde_json::json!([1, 0]),
        "{sp804}"
    );
    assert_eq!(
        timer["fields"]["per_cpu"]["compare"], 0x1234_5678,
        "{timer}"
    );
    let control = &timer["subsections"]["arm.cortex-a9-global-timer.control"];
    assert_eq!(control["control"], 0x301, "{timer}");

    // Without the vmdesc, the dump's `level` is one value, and what follows is said.
    let listing =
        devices::qemu_image::inspect_with(&stream_of_unported_sections(false), Some(&dump))
            .unwrap();
    let error = listing["sections"][1]["error"].as_str().unwrap_or_default();
    assert!(error.contains("4 unexpected trailing bytes"), "{listing}");

    // A schema of one's own whose `per_cpu` is counted by a skipped field (QEMU's
    // `num-cpu` property): the vmdesc says how many were sent. Without its subsection, the
    // error names the subsection left over.
    let mut ours = vmstate_core::schema::Schema::new(None);
    ours.add("a9-global-timer", A9GTimer::DESCRIPTION);
    let listing =
        devices::qemu_image::inspect_with(&stream_of_unported_sections(true), Some(&ours)).unwrap();
    let timer = &listing["sections"][0];
    assert_eq!(timer["fields"]["per_cpu"][0]["inc"], 0x100, "{timer}");
    ours.devices
        .get_mut("a9-global-timer")
        .unwrap()
        .description
        .subsections
        .clear();
    let listing =
        devices::qemu_image::inspect_with(&stream_of_unported_sections(true), Some(&ours)).unwrap();
    let error = listing["sections"][0]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("unknown subsection `arm.cortex-a9-global-timer.control`"),
        "{listing}"
    );
}
