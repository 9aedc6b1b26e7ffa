//! Writes the seed corpora: `seeds CORPUS_DIR` fills CORPUS_DIR/<target>/ for every target
//! except qemu_stream's real-QEMU fixture, which seed.sh copies.
//!
//! Seeds are valid inputs in each target's own framing (selector bytes included), from
//! devices and boards driven through their registers into several states.

use devices::{machine, qemu_image, FakeClock, IntegratorCp};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vmstate_core::VmState;
use vmstate_fuzz::*;

/// Register writes (offset, value) that move each device away from reset.
fn scripts(device: u8) -> Vec<Vec<(u64, u32)>> {
    use devices::{icp_control::reg as ctl, icp_pic::reg as pic, integratorcm::reg as cm};
    use devices::{pl022::reg as ssp, pl031::reg as rtc};
    match device {
        0 => vec![
            vec![],
            vec![
                (cm::LOCK, 0xa05f),
                (cm::OSC, 0x777),
                (cm::AUXOSC, 0x55555),
                (cm::CTRL, 0x4),
                (cm::SDRAM, 0x11132),
                (cm::INIT, 0x112),
                (cm::FLAGS, 0x101),
                (cm::NVFLAGS, 0x2),
                (cm::IRQ_ENSET, 0x10),
                (cm::FIQ_ENSET, 0x20),
                (cm::SOFT_INTSET, 1),
            ],
            vec![
                (cm::CTRL, 0x4),
                (cm::FLAGS, 0xffff_ffff),
                (cm::LOCK, 0x1234),
            ],
        ],
        1 => vec![
            vec![],
            vec![
                (pic::IRQ_ENABLESET, 0x300),
                (pic::FRQ_ENABLESET, 0x40),
                (pic::INT_SOFTSET, 1),
            ],
            vec![
                (pic::IRQ_ENABLESET, 0xffff_ffff),
                (pic::FRQ_ENABLESET, 0xffff_ffff),
            ],
        ],
        2 => vec![vec![], vec![(ctl::INTREG, 1)]],
        3 => vec![
            vec![],
            vec![(rtc::MR, 0x1234), (rtc::IMSC, 1)],
            vec![
                (rtc::LR, 0x6000_0000),
                (rtc::MR, 0x6000_0010),
                (rtc::IMSC, 1),
            ],
            vec![(rtc::MR, 0), (rtc::IMSC, 1)],
        ],
        _ => vec![
            vec![],
            vec![
                (ssp::CR0, 7),
                (ssp::CR1, 0x3),
                (ssp::DR, 0x1a5),
                (ssp::DR, 0x42),
            ],
            vec![
                (ssp::CR0, 0xf),
                (ssp::CR1, 0x2),
                (ssp::IMSC, 0xf),
                (ssp::DR, 0xffff),
            ],
            vec![(ssp::CR0, 0x3), (ssp::CR1, 0x3)]
                .into_iter()
                .chain((0..9).map(|i| (ssp::DR, i)))
                .collect(),
        ],
    }
}

/// The device's native and QEMU encodings after `script` (and, for pl031, with
/// `migrate_tick_offset` off too).
fn encodings(device: u8, script: &[(u64, u32)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    fn both<T: VmState>(d: &T) -> (Vec<u8>, Vec<u8>) {
        (
            vmstate_core::to_bytes(d).expect("native save"),
            vmstate_core::qemu::to_bytes(d).expect("QEMU save"),
        )
    }
    macro_rules! drive {
        ($d:expr) => {{
            let mut d = $d;
            for &(o, v) in script {
                let _ = d.write(o, v);
            }
            d
        }};
    }
    match device {
        0 => vec![both(&drive!(integratorcm()))],
        1 => vec![both(&drive!(icp_pic()))],
        2 => vec![both(&drive!(icp_control()))],
        3 => {
            let mut d = drive!(pl031());
            let with = both(&d);
            d.migrate_tick_offset = false;
            vec![with, both(&d)]
        }
        _ => vec![both(&drive!(pl022()))],
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
}

fn board_after_fixture_writes() -> IntegratorCp {
    // The guest writes of tests/fixtures/qemu-7.2-integratorcp (see its README).
    let mut b =
        IntegratorCp::with_clocks(32, Arc::new(FakeClock::new(0)), Arc::new(FakeClock::new(0)));
    for (a, v) in [
        (0x1000_0014, 0xa05f),
        (0x1000_0008, 0x777),
        (0x1000_001c, 0x55555),
        (0x1000_000c, 0x4),
        (0x1000_0020, 0x11132),
        (0x1000_0024, 0x112),
        (0x1000_0030, 0x101),
        (0x1000_0038, 0x2),
        (0x1000_0048, 0x10),
        (0x1000_0068, 0x20),
        (0x1000_0050, 0x0),
        (0x1000_0014, 0xa05f),
        (0x1400_0008, 0x300),
        (0x1400_0028, 0x40),
        (0xca00_0008, 0x3),
        (0x1500_0004, 0x1234),
        (0x1500_0010, 0x0),
    ] {
        b.write(a, v).expect("mapped");
    }
    b
}

/// Inserts a configuration section and a RAM section after `stream`'s 8-byte header.
fn with_config_and_ram(stream: &[u8]) -> Vec<u8> {
    fn short(out: &mut Vec<u8>, s: &str) {
        out.push(s.len() as u8);
        out.extend_from_slice(s.as_bytes());
    }
    let mut out = stream[..8].to_vec();
    out.push(0x07);
    out.extend_from_slice(&12u32.to_be_bytes());
    out.extend_from_slice(b"integratorcp");
    for (name, body) in [
        (
            "configuration/target-page-bits",
            10u32.to_be_bytes().to_vec(),
        ),
        ("configuration/capabilities", {
            let mut b = 1u32.to_be_bytes().to_vec();
            short(&mut b, "x-ignore-shared");
            b
        }),
        ("configuration/uuid", (0u8..16).collect()),
    ] {
        out.push(0x05);
        short(&mut out, name);
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(&body);
    }
    let id = 100u32;
    let footer = |out: &mut Vec<u8>| {
        out.push(0x7e);
        out.extend_from_slice(&id.to_be_bytes());
    };
    // START: the block list (x-ignore-shared: each block also has its address), then EOS.
    out.push(0x01);
    out.extend_from_slice(&id.to_be_bytes());
    short(&mut out, "ram");
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&4u32.to_be_bytes());
    out.extend_from_slice(&(0x800u64 | 0x04).to_be_bytes());
    short(&mut out, "integrator.ram");
    out.extend_from_slice(&0x800u64.to_be_bytes());
    out.extend_from_slice(&0u64.to_be_bytes());
    out.extend_from_slice(&0x10u64.to_be_bytes());
    footer(&mut out);
    // PART: a zero page, then a full page of the same block (CONTINUE), then EOS.
    out.push(0x02);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&0x02u64.to_be_bytes());
    short(&mut out, "integrator.ram");
    out.push(0);
    out.extend_from_slice(&(0x400u64 | 0x08 | 0x20).to_be_bytes());
    out.extend((0..1024).map(|i| i as u8));
    out.extend_from_slice(&0x10u64.to_be_bytes());
    footer(&mut out);
    // END: a multifd flush marker, then EOS.
    out.push(0x03);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&0x200u64.to_be_bytes());
    out.extend_from_slice(&0x10u64.to_be_bytes());
    footer(&mut out);
    out.extend_from_slice(&stream[8..]);
    out
}

/// A port's section name, to check `with_port!` against `PORT_SECTIONS`.
fn section_name<T: VmState>() -> &'static str {
    T::DESCRIPTION.name
}

/// A port's native save of QEMU section data it loads.
fn native_save<T: VmState + Default>(qemu: &[u8], version: u32) -> Vec<u8> {
    let mut port = T::default();
    vmstate_core::qemu::from_bytes(&mut port, qemu, version, 0).expect("a fixture section loads");
    vmstate_core::to_bytes(&port).expect("a port saves")
}

/// A QEMU stream of device sections, each (`idstr`, instance, version, data), and a vmdesc
/// trailer listing `vmdesc_entries` (a JSON list's items): `vmstate_tests::qemu_stream_of`,
/// which this separate crate does not depend on.
fn stream_of(sections: &[(&str, u32, u32, &[u8])], vmdesc_entries: &str) -> Vec<u8> {
    use vmstate_core::qemu::{self, Section, SectionKind};
    let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    for (id, &(idstr, instance_id, version_id, data)) in (1..).zip(sections) {
        let section = Section {
            kind: SectionKind::Full,
            section_id: id,
            idstr: idstr.into(),
            instance_id,
            version_id,
            range: 0..0,
            data: 0..0,
            footer: true,
        };
        qemu::write_section(&mut bytes, &section, data);
    }
    bytes.push(qemu::tag::EOF);
    let vmdesc = format!(r#"{{"page_size": 4096, "devices": [{vmdesc_entries}]}}"#);
    bytes.push(qemu::tag::VMDESCRIPTION);
    bytes.extend_from_slice(&(vmdesc.len() as u32).to_be_bytes());
    bytes.extend_from_slice(vmdesc.as_bytes());
    bytes
}

/// The x86 `pc` fixture's four sections (a floppy controller and a PIIX4 whose arrays the
/// vmdesc lists element by element, a 16550, an x86 CPU) with their vmdesc entries.
fn pc_sections() -> (&'static str, Vec<u8>) {
    let sections: [(&str, u32, u32, &[u8]); 4] = [
        (
            "fdc",
            0,
            2,
            include_bytes!("../../../tests/fixtures/qemu-7.2-pc/fdc-0.bin"),
        ),
        (
            "0000:00:01.3/piix4_pm",
            0,
            3,
            include_bytes!("../../../tests/fixtures/qemu-7.2-pc/0000_00_01.3_piix4_pm-0.bin"),
        ),
        (
            "serial",
            1,
            3,
            include_bytes!("../../../tests/fixtures/qemu-7.2-pc/serial-1.bin"),
        ),
        (
            "cpu",
            0,
            12,
            include_bytes!("../../../tests/fixtures/qemu-7.2-pc/cpu-0.bin"),
        ),
    ];
    let entries = include_str!("../../../tests/fixtures/qemu-7.2-pc/vmdesc.json");
    let entries = entries.trim().trim_start_matches('[').trim_end_matches(']');
    let bytes = stream_of(&sections, entries);
    ("pc-sections", bytes)
}

/// Streams of one section of another machine each, from the test fixtures, with the vmdesc
/// entry QEMU wrote for it: the Cortex-A9 global timer (a subsection named with a `.`), the
/// PL080 (four fields named `tc_int`), a PCI watchdog (two `config` fields behind tests).
fn other_machines_sections() -> Vec<(&'static str, Vec<u8>)> {
    let sections: [(&str, &str, u32, &[u8], &str); 3] = [
        (
            "vexpress-a9-global-timer",
            "arm.cortex-a9-global-timer",
            1,
            include_bytes!(
                "../../../tests/fixtures/qemu-7.2-vexpress-a9/a9-global-timer-guest.bin"
            ),
            include_str!(
                "../../../tests/fixtures/qemu-7.2-vexpress-a9/a9-global-timer-guest-vmdesc.json"
            ),
        ),
        (
            "versatilepb-pl080",
            "pl080",
            1,
            include_bytes!("../../../tests/fixtures/qemu-7.2-versatilepb/pl080-reset.bin"),
            include_str!("../../../tests/fixtures/qemu-7.2-versatilepb/pl080-vmdesc.json"),
        ),
        (
            "virt-i6300esb",
            "0000:00:03.0/i6300esb_wdt",
            10000,
            include_bytes!("../../../tests/fixtures/qemu-7.2-virt/i6300esb-wdt.bin"),
            include_str!("../../../tests/fixtures/qemu-7.2-virt/i6300esb-wdt-vmdesc.json"),
        ),
    ];
    (sections.into_iter())
        .map(|(name, idstr, version, data, entry)| {
            (name, stream_of(&[(idstr, 0, version, data)], entry))
        })
        .collect()
}

fn main() {
    let root: PathBuf = std::env::args_os()
        .nth(1)
        .expect("usage: seeds CORPUS_DIR")
        .into();
    let dir = |t: &str| {
        let d = root.join(t);
        std::fs::create_dir_all(&d).expect("corpus dir");
        d
    };
    let (native, qemu, qstream, mstream) = (
        dir("native_devices"),
        dir("qemu_devices"),
        dir("qemu_stream"),
        dir("machine_stream"),
    );

    let mut counts = [0usize; 4];
    for device in 0..DEVICE_COUNT {
        let name = DEVICE_NAMES[device as usize];
        for (s, script) in scripts(device).iter().enumerate() {
            for (v, (nat, q)) in encodings(device, script).into_iter().enumerate() {
                // Native: as is, and in checksum-fixing mode (bit 7).
                for (flag, tag) in [(0u8, "raw"), (0x80, "crcfix")] {
                    let mut input = vec![device | flag];
                    input.extend_from_slice(&nat);
                    write(&native, &format!("{name}-{s}-{v}-{tag}"), &input);
                    counts[0] += 1;
                }
                // QEMU: version byte 3 means version 1.
                let mut input = vec![device, 3];
                input.extend_from_slice(&q);
                write(&qemu, &format!("{name}-{s}-{v}"), &input);
                counts[1] += 1;
            }
        }
    }

    let boards = [
        ("fresh", IntegratorCp::new(32)),
        ("fixture-writes", board_after_fixture_writes()),
    ];
    for (name, board) in &boards {
        write(
            &qstream,
            &format!("save_board-{name}"),
            &qemu_image::save_board(board).expect("save_board"),
        );
        write(
            &mstream,
            &format!("machine-{name}"),
            &machine::save(board).expect("machine::save"),
        );
        counts[2] += 1;
        counts[3] += 1;
    }
    // save_board's stream with what QEMU adds around the devices: a configuration section
    // with every subsection the reader knows, and an iterative RAM section (START with the
    // block list, PART with a zero page and a full page, END), so short inputs reach
    // those parsers (the real fixture, 351 KB, is slow to mutate).
    let full = with_config_and_ram(
        &qemu_image::save_board(&board_after_fixture_writes()).expect("save_board"),
    );
    vmstate_core::qemu::Stream::parse(full.clone()).expect("the synthetic stream parses");
    write(&qstream, "synthetic-config-ram", &full);
    counts[2] += 1;
    // The smallest valid QEMU stream: header, EOF.
    write(&qstream, "empty", b"QEVM\0\0\0\x03\0");
    counts[2] += 1;
    // Sections of other machines that no port describes, with their vmdesc entries: what
    // `inspect --schema` with QEMU's dump decodes, fitting the dump to the vmdesc.
    for (name, stream) in other_machines_sections().into_iter().chain([pc_sections()]) {
        vmstate_core::qemu::Stream::parse(stream.clone()).expect("the seed parses");
        write(&qstream, name, &stream);
        counts[2] += 1;
    }

    // The ARM926's `cpu` section from the QEMU 7.2 fixture (its two register lists share one
    // count), and a fresh CPU's, in both codecs: codec byte 1 = QEMU, 0x80 = native with the
    // checksum fixed.
    let cpu_dir = dir("arm_cpu");
    let fixture =
        include_bytes!("../../../tests/fixtures/qemu-7.2-integratorcp/integratorcp.stream");
    let stream = vmstate_core::qemu::Stream::parse(fixture.to_vec()).expect("the fixture parses");
    let section = stream
        .device("cpu", 0)
        .expect("the fixture has a cpu section");
    let mut cpu = arm_cpu();
    vmstate_core::qemu::from_bytes(&mut cpu, stream.data(section), 22, 0).expect("cpu loads");
    for (name, cpu) in [("fixture", cpu), ("fresh", arm_cpu())] {
        let mut q = vec![1];
        q.extend(vmstate_core::qemu::to_bytes(&cpu).expect("QEMU save"));
        write(&cpu_dir, &format!("cpu-{name}-qemu"), &q);
        let mut n = vec![0x80];
        n.extend(vmstate_core::to_bytes(&cpu).expect("native save"));
        write(&cpu_dir, &format!("cpu-{name}-native"), &n);
    }
    // The other CPU models' sections (QEMU 7.2 at reset): model in bits 1 and 2.
    for (model, bits, bytes) in [
        (
            "cortex-a9",
            1,
            &include_bytes!("../../../tests/fixtures/qemu-7.2-integratorcp-cpus/cpu-cortex-a9.bin")
                [..],
        ),
        (
            "cortex-r5",
            2,
            &include_bytes!("../../../tests/fixtures/qemu-7.2-integratorcp-cpus/cpu-cortex-r5.bin")
                [..],
        ),
        (
            "pxa270",
            3,
            &include_bytes!("../../../tests/fixtures/qemu-7.2-integratorcp-cpus/cpu-pxa270.bin")[..],
        ),
    ] {
        let mut cpu = ARM_CPU_MODELS[bits]();
        vmstate_core::qemu::from_bytes(&mut cpu, bytes, 22, 0).expect("cpu loads");
        let mut q = vec![1 | (bits as u8) << 1];
        q.extend_from_slice(bytes);
        write(&cpu_dir, &format!("cpu-{model}-qemu"), &q);
        let mut n = vec![0x80 | (bits as u8) << 1];
        n.extend(vmstate_core::to_bytes(&cpu).expect("native save"));
        write(&cpu_dir, &format!("cpu-{model}-native"), &n);
    }

    // Every section of both fixtures that a state-only port describes, QEMU's bytes and the
    // port's native save: selector byte (`qemu_sections`' order), codec byte (1: QEMU at the
    // minimum version plus codec >> 1; 0x80: native with the checksum fixed).
    let ports_dir = dir("qemu_sections");
    for (selector, name) in PORT_SECTIONS.iter().enumerate() {
        assert_eq!(
            with_port!(selector as u8, section_name()),
            *name,
            "selector {selector}"
        );
    }
    let fixture_10 =
        include_bytes!("../../../tests/fixtures/qemu-10.0-integratorcp/integratorcp-1m.stream");
    let mut port_seeds = 0;
    for (release, bytes) in [("7.2", &fixture[..]), ("10.0", &fixture_10[..])] {
        let stream = vmstate_core::qemu::Stream::parse(bytes.to_vec()).expect("a fixture parses");
        for section in stream.sections() {
            let Some(d) = devices::qemu_sections::description(&section.idstr) else {
                continue;
            };
            let codec = 1 + 2 * (section.version_id - d.minimum_version) as u8;
            // Both `globalstate` layouts read either release's bytes.
            let selectors = PORT_SECTIONS
                .iter()
                .enumerate()
                .filter(|(_, p)| **p == section.idstr);
            for (selector, _) in selectors {
                let data = stream.data(section);
                let mut input = vec![selector as u8, codec];
                input.extend_from_slice(data);
                let name = format!(
                    "{}-{}-{selector}-{release}",
                    section.idstr, section.instance_id
                );
                write(&ports_dir, &name, &input);
                // And the port's native save of it, checksum-fixing mode.
                let native = with_port!(selector as u8, native_save(data, section.version_id));
                let mut input = vec![selector as u8, 0x80];
                input.extend_from_slice(&native);
                write(&ports_dir, &format!("{name}-native"), &input);
                port_seeds += 2;
            }
        }
    }

    // Large blocks: sequences of 0 bytes, around 16 KiB and the one-pass loop's 256-byte
    // rounds; as is and in checksum-fixing mode.
    let blocks_dir = dir("native_blocks");
    let block_lengths = [0, 16_383, 16_384, 16_641, 33_000];
    for len in block_lengths {
        let section = vmstate_core::to_bytes(&blocks_of(len)).expect("blocks save");
        for (flag, tag) in [(0u8, "raw"), (0x80, "crcfix")] {
            let mut input = vec![flag];
            input.extend_from_slice(&section);
            write(&blocks_dir, &format!("blocks-{len}-{tag}"), &input);
        }
    }

    println!(
        "seeds: native_devices {}, qemu_devices {}, qemu_stream {} (+ fixture from seed.sh), machine_stream {}, arm_cpu 10, qemu_sections {port_seeds}, native_blocks {}",
        counts[0], counts[1], counts[2], counts[3], 2 * block_lengths.len()
    );
}
