//! The `cpu` section of the Integrator/CP with other CPU models (`-cpu`), from real QEMU 7.2
//! and 11.1 streams (`tests/fixtures/qemu-{7.2,11.1}-integratorcp-cpus/`): the state-only ARM
//! CPU port knows their subsections (ThumbEE, the PMSAv7 MPU, iwMMXt, 11.1's WFxT timer),
//! loads them and saves them back byte for byte, and `qemu inspect` decodes them.

use devices::arm_cpu::Pmsav7State;
use devices::ArmCpuState;
use vmstate_core::qemu::Stream;

/// A stream of QEMU 7.2's `cpu` section of `model`, with its vmdesc entry.
fn cpu_stream(model: &str) -> Stream {
    cpu_stream_of("7.2", model)
}

/// A stream of QEMU `release`'s `cpu` section of `model` (a fixture), with its vmdesc entry.
fn cpu_stream_of(release: &str, model: &str) -> Stream {
    let dir = format!(
        "{}/fixtures/qemu-{release}-integratorcp-cpus",
        env!("CARGO_MANIFEST_DIR")
    );
    let section = std::fs::read(format!("{dir}/cpu-{model}.bin")).expect("fixture");
    let vmdesc = std::fs::read_to_string(format!("{dir}/cpu-{model}-vmdesc.json")).expect("vmdesc");
    let bytes = vmstate_tests::qemu_stream_of(&[("cpu", 0, 22, &section)], Some(&vmdesc));
    Stream::parse(bytes).expect("the stream parses")
}

/// The subsections `qemu inspect` decodes in the stream's `cpu` section.
fn inspected_subsections(stream: &Stream) -> Vec<String> {
    let listing = devices::qemu_image::inspect(stream).expect("inspect");
    let cpu = &listing["sections"][0];
    assert!(cpu["error"].is_null(), "{cpu}");
    let subsections = cpu["subsections"].as_object().expect("subsections");
    subsections.keys().cloned().collect()
}

#[test]
fn a_cortex_a9_sends_its_thumbee_registers() {
    let stream = cpu_stream("cortex-a9");
    let configured = ArmCpuState {
        has_vfp: true,
        has_thumb2ee: true,
        ..ArmCpuState::default()
    };
    let cpu = vmstate_tests::port_loads_qemu_section(&stream, "cpu", 0, configured);
    // Reset values: what matters is that the bytes line up and round-trip.
    assert_eq!((cpu.thumb2ee.teecr, cpu.thumb2ee.teehbr), (0, 0));
    assert_eq!(
        inspected_subsections(&stream),
        ["cpu/vfp", "cpu/thumb2ee", "cpu/irq-line-state"]
    );
}

#[test]
fn a_cortex_r5_sends_its_mpu_regions_as_many_as_it_has() {
    let stream = cpu_stream("cortex-r5");
    let configured = ArmCpuState {
        pmsav7: Pmsav7State::with_regions(16),
        ..ArmCpuState::default()
    };
    let cpu = vmstate_tests::port_loads_qemu_section(&stream, "cpu", 0, configured);
    assert_eq!(cpu.pmsav7.drbar.len(), 16);
    assert_eq!(cpu.pmsav7.dracr.len(), 16);
    // The region count is configuration: with another, the bytes do not line up.
    let mut other = ArmCpuState {
        pmsav7: Pmsav7State::with_regions(12),
        ..ArmCpuState::default()
    };
    let sec = stream.device("cpu", 0).expect("cpu");
    let data = &stream.bytes()[sec.data.clone()];
    let err = vmstate_core::qemu::from_bytes(&mut other, data, 22, sec.data.start).unwrap_err();
    // 12 regions read, the other 4 and the next subsection left over.
    assert!(
        err.to_string().contains("76 unexpected trailing bytes"),
        "{err}"
    );
    let unchanged = Pmsav7State::with_regions(12);
    assert_eq!(other.pmsav7, unchanged, "a refused load changes nothing");
    // `qemu inspect` takes the count from the vmdesc.
    assert_eq!(
        inspected_subsections(&stream),
        ["cpu/pmsav7", "cpu/irq-line-state"]
    );
}

#[test]
fn a_pxa270_sends_its_iwmmxt_registers() {
    let stream = cpu_stream("pxa270");
    let configured = ArmCpuState {
        has_iwmmxt: true,
        ..ArmCpuState::default()
    };
    let cpu = vmstate_tests::port_loads_qemu_section(&stream, "cpu", 0, configured);
    assert_eq!(cpu.iwmmxt.regs, [0; 16]);
    // wCID, the coprocessor's identity, is set at reset.
    assert_eq!(cpu.iwmmxt.cregs[0], 0x6905_1051);
    assert_eq!(
        inspected_subsections(&stream),
        ["cpu/iwmmxt", "cpu/irq-line-state"]
    );
}

#[test]
fn qemu_11_1s_cpus_send_a_wfxt_timer() {
    for (model, thumb2ee) in [("cortex-a9", true), ("arm1136", false)] {
        // QEMU 11.1's vmdesc names the generic timers by their index's constant (the same
        // bytes); and the timer, last in the section, is armed here (at reset it is -1).
        let reset = cpu_stream_of("11.1", model);
        let (data, _) = vmstate_tests::section_data(&reset, "cpu", 0);
        let mut armed = data.to_vec();
        let at = armed.len() - 8;
        armed[at..].copy_from_slice(&1_234_567_i64.to_be_bytes());
        let vmdesc = vmstate_tests::vmdesc_entry(&reset, "cpu", 0).to_string();
        let bytes = vmstate_tests::qemu_stream_of(&[("cpu", 0, 22, &armed)], Some(&vmdesc));
        let stream = vmstate_tests::with_vmdesc_patched(&Stream::parse(bytes).unwrap(), |vmdesc| {
            let cpu = vmstate_tests::device_entry(vmdesc, "cpu");
            for (at, constant) in [(22, "PHYS"), (23, "VIRT")] {
                let was = format!("gt_timer[GTIMER_{constant}]");
                let now = format!("gt_timer[{}]", at - 22);
                vmstate_tests::patch_field(cpu, at, (&was, "timer"), (&now, "timer"));
            }
        });
        let configured = ArmCpuState {
            has_vfp: true,
            has_thumb2ee: thumb2ee,
            has_wfxt_timer: true,
            ..ArmCpuState::default()
        };
        let cpu = vmstate_tests::port_loads_qemu_section(&stream, "cpu", 0, configured);
        assert_eq!(cpu.wfxt_timer.wfxt_timer, 1_234_567, "{model}");
        let mut expected = vec!["cpu/vfp", "cpu/irq-line-state", "cpu/wfxt-timer"];
        if thumb2ee {
            expected.insert(1, "cpu/thumb2ee");
        }
        assert_eq!(inspected_subsections(&stream), expected, "{model}");
        // A CPU configured without the timer loads the subsection but does not send it.
        let mut without = ArmCpuState {
            has_vfp: true,
            has_thumb2ee: thumb2ee,
            ..ArmCpuState::default()
        };
        vmstate_core::qemu::from_bytes(&mut without, &armed, 22, 0).unwrap();
        assert_eq!(without.wfxt_timer.wfxt_timer, 1_234_567, "{model}");
        let saved = vmstate_core::qemu::to_bytes(&without).unwrap();
        let subsection = 1 + 1 + "cpu/wfxt-timer".len() + 4 + 8;
        assert_eq!(saved[..], armed[..armed.len() - subsection], "{model}");
    }
}
