//! Live interop with real QEMU (`qemu-system-arm -M integratorcp`), through the scripts in
//! `tools/qemu/`. Runs whenever `qemu-system-arm` is on the PATH (and, for the guest
//! direction, `arm-none-eabi-as`); otherwise each test says it was skipped and why, unless
//! `VMSTATE_REQUIRE_QEMU=1` (as `.ci/run` sets), which turns a missing tool into a failure.

use devices::qemu_image::{load_board, rewrite, MmioWrite};
use std::path::{Path, PathBuf};
use vmstate_core::qemu::{SectionKind, Stream};
use vmstate_tests::{have_tools as have, killed_with_test};

const FIXTURE: &[u8] = include_bytes!("../fixtures/qemu-7.2-integratorcp/integratorcp.stream");

fn tools() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools/qemu")
}

/// A path for a test's file, in a directory of this test process's own under Cargo's
/// `CARGO_TARGET_TMPDIR` (`cargo clean` removes it): runs leave nothing in the system's
/// temporary directory, and the files stay for a look after a failure. Per process, so that
/// runs side by side (or a runner that starts a process per test) keep their files apart.
fn temp(name: &str) -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        // Leftovers of a reused process id are removed.
        let name = format!("vmstate-live-{}", std::process::id());
        vmstate_tests::fresh_dir(Path::new(env!("CARGO_TARGET_TMPDIR")), &name)
    })
    .join(name)
}

/// Registers QEMU can read back through `xp` without aborting or depending on time (QEMU
/// reads them before the VM runs: CM_REFCNT, 0x1000_0028, counts on the stream's virtual
/// clock from the destination's creation at 0).
const ADDRESSES: &[u64] = &[
    0x1000_0000,
    0x1000_0004,
    0x1000_0008,
    0x1000_000c,
    0x1000_0010,
    0x1000_0014,
    0x1000_001c,
    0x1000_0020,
    0x1000_0024,
    0x1000_0028,
    0x1000_0030,
    0x1000_0038,
    0x1000_0040,
    0x1000_0044,
    0x1000_0048,
    0x1000_0050,
    0x1000_0060,
    0x1000_0064,
    0x1000_0068,
    0x1000_0080,
    0x1000_0100,
    0x1000_0124,
    0x1000_0128,
    0x1000_017c,
    0x1000_0180,
    0x1400_0000,
    0x1400_0004,
    0x1400_0008,
    0x1400_0010,
    0x1400_0020,
    0x1400_0024,
    0x1400_0028,
    0xca00_0000,
    0xca00_0004,
    0xca00_0008,
    0xca00_0010,
    0xca00_0020,
    0xca00_0024,
    0xca00_0028,
    0x1500_0004,
    0x1500_000c,
    0x1500_0010,
    0x1500_0014,
    0x1500_0018,
    0x1500_0fe0,
    0x1500_0ffc,
    0xcb00_0000,
    0xcb00_0004,
    0xcb00_0008,
    0xcb00_000c,
];

/// What QEMU's device models read at `addrs` after loading `stream`.
fn qemu_reads(stream: &PathBuf, addrs: &[u64]) -> Vec<(u64, u32)> {
    qemu_reads_with(stream, addrs, &[])
}

/// [`qemu_reads`] with `qemu_args` given to QEMU.
fn qemu_reads_with(stream: &PathBuf, addrs: &[u64], qemu_args: &[&str]) -> Vec<(u64, u32)> {
    let out = killed_with_test("python3")
        .arg(tools().join("read-regs.py"))
        .arg(stream)
        .args(addrs.iter().map(|a| format!("{a:#x}")))
        .args(qemu_args.iter().map(|a| format!("--qemu-arg={a}")))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "read-regs.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (a, v) = l.split_once(' ').unwrap();
            (
                u64::from_str_radix(&a[2..], 16).unwrap(),
                u32::from_str_radix(&v[2..], 16).unwrap(),
            )
        })
        .collect()
}

/// A stream QEMU writes after a guest of ours does `writes`; `qemu_args` go to QEMU.
fn make_stream(path: &PathBuf, writes: &[(u64, u32)], qemu_args: &[&str]) -> Vec<u8> {
    make_stream_after(path, writes, qemu_args, 0)
}

/// [`make_stream`], the guest left spinning `seconds` before the VM stops.
fn make_stream_after(
    path: &PathBuf,
    writes: &[(u64, u32)],
    qemu_args: &[&str],
    seconds: u32,
) -> Vec<u8> {
    let mut args = vec![format!("--run-for={seconds}")];
    args.extend(qemu_args.iter().map(|a| format!("--qemu-arg={a}")));
    make_stream_with(path, writes, &args)
}

/// A stream from make-stream.py with `args` (its own options) after the writes.
fn make_stream_with(path: &PathBuf, writes: &[(u64, u32)], args: &[String]) -> Vec<u8> {
    let mut cmd = killed_with_test("python3");
    cmd.arg(tools().join("make-stream.py")).arg(path);
    for (a, v) in writes {
        cmd.arg("--write").arg(format!("{a:#x}={v:#x}"));
    }
    cmd.args(args);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "make-stream.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(path).unwrap()
}

fn rust_reads(stream: &[u8], addrs: &[u64]) -> Vec<(u64, u32)> {
    let board = load_board(&Stream::parse(stream.to_vec()).unwrap()).unwrap();
    addrs.iter().map(|&a| (a, board.read(a).unwrap())).collect()
}

#[test]
fn qemu_loads_a_rewritten_stream_and_reads_what_the_rust_board_reads() {
    if !have(
        &["qemu-system-arm", "python3"],
        "qemu_loads_a_rewritten_stream",
    ) {
        return;
    }
    let edits: Vec<MmioWrite> = [
        "integratorcm@0x30=0x10000",
        "integratorcm@0x3c=0x2",
        "integratorcm@0x14=0x0",
        "integratorcm@0xc=0x1",
        "icp_pic:0@0xc=0x100",
        "icp_pic:1@0x8=0x4",
        "icp_pic:1@0x10=0x1",
        "pl031@0x4=0x5678",
        "pl031@0x10=0x1",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let out = rewrite(FIXTURE.to_vec(), &edits).unwrap();
    let path = temp("rewritten.stream");
    std::fs::write(&path, &out).unwrap();
    let qemu = qemu_reads(&path, ADDRESSES);
    let rust = rust_reads(&out, ADDRESSES);
    assert_eq!(qemu, rust);
    // The edits are visible in QEMU: lock applied, OSC unchanged, flags, enables, RTC.
    let q = |a| qemu.iter().find(|(x, _)| *x == a).unwrap().1;
    assert_eq!(q(0x1000_0014), 0);
    assert_eq!(q(0x1000_0008), 0x777);
    assert_eq!(q(0x1000_000c), 0x1);
    assert_eq!(q(0x1000_0030), 0x10101);
    assert_eq!(q(0x1000_0038), 0x0);
    assert_eq!(q(0x1400_0008), 0x200);
    assert_eq!(q(0xca00_0008), 0x7);
    // The secondary's soft interrupt reaches the primary's input 26, in QEMU as here.
    assert_eq!(q(0xca00_0000), 0x1);
    assert_eq!(q(0x1400_0004), 1 << 26);
    assert_eq!(q(0x1500_0004), 0x5678);
    assert_eq!(q(0x1500_0010), 0x1);
}

#[test]
fn qemu_refuses_what_the_rust_reader_refuses() {
    if !have(
        &["qemu-system-arm", "python3"],
        "qemu_refuses_what_the_rust_reader_refuses",
    ) {
        return;
    }
    let stream = Stream::parse(FIXTURE.to_vec()).unwrap();
    let mut bad = FIXTURE.to_vec();
    bad[stream.device("integratorcm", 0).unwrap().data.end] ^= 0xff; // the footer
    assert!(Stream::parse(bad.clone()).is_err());
    let path = temp("bad-footer.stream");
    std::fs::write(&path, &bad).unwrap();
    let out = killed_with_test("python3")
        .arg(tools().join("read-regs.py"))
        .arg(&path)
        .arg("0x10000008")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Missing section footer for integratorcm")
    );
}

#[test]
fn a_stream_from_our_own_guest_loads_into_the_rust_board() {
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "a_stream_from_our_own_guest",
    ) {
        return;
    }
    // A guest of our own, with values unlike the fixture's.
    let guest: &[(u64, u32)] = &[
        (0x1000_0014, 0xa05f),
        (0x1000_0008, 0x1234),
        (0x1000_001c, 0xabcde),
        (0x1000_0014, 0x1),
        (0x1000_0008, 0x5555), // locked again: ignored
        (0x1000_000c, 0x5),
        (0x1000_0024, 0x3),
        (0x1000_0030, 0x3),
        (0x1000_0038, 0xf0),
        (0x1000_003c, 0x30),
        (0x1000_0048, 0x4),
        (0x1400_0008, 0x0400_0100),
        (0x1400_0028, 0x80),
        (0xca00_0008, 0x5),
        (0x1500_0004, 0x42),
        (0x1500_0010, 0x1),
    ];
    let path = temp("guest.stream");
    let bytes = make_stream(&path, guest, &[]);
    let board = load_board(&Stream::parse(bytes.clone()).unwrap()).unwrap();
    for (addr, expected) in [
        (0x1000_0008, 0x1234),
        (0x1000_001c, 0xabcde),
        (0x1000_0014, 0x1),
        (0x1000_000c, 0x5),
        (0x1000_0024, 0x3),
        (0x1000_0030, 0x3),
        (0x1000_0038, 0xc0),
        (0x1000_0048, 0x4),
        (0x1400_0008, 0x0400_0100),
        (0x1400_0028, 0x80),
        (0xca00_0008, 0x5),
        (0x1500_0004, 0x42),
        (0x1500_0010, 0x1),
    ] {
        assert_eq!(board.read(addr).unwrap(), expected, "{addr:#x}");
    }
    assert!(
        !board.core.flash.enabled,
        "CTRL.REMAP set by the guest: flash unmapped after load"
    );
    // And QEMU itself agrees with the Rust board on every register.
    assert_eq!(qemu_reads(&path, ADDRESSES), rust_reads(&bytes, ADDRESSES));
    // The stream's vmdesc says QEMU sent what the board's devices load.
    let stream = Stream::parse(bytes.clone()).unwrap();
    let mut checked = devices::IntegratorCp::new(32);
    let mut list: Vec<(&str, u32, &mut dyn vmstate_core::qemu::Device)> = (checked
        .devices_mut()
        .into_iter())
    .map(|(idstr, instance, dev)| (idstr, instance, dev as &mut dyn vmstate_core::qemu::Device))
    .collect();
    let options = vmstate_core::qemu::LoadOptions::new().check_vmdesc();
    vmstate_core::qemu::load_devices_with(&stream, &mut list, options).unwrap();
    drop(list);
    assert_eq!(checked.register_dump(true), board.register_dump(true));
    // Rewriting QEMU's own stream without edits gives it back byte for byte.
    assert!(rewrite(bytes.clone(), &[]).unwrap() == bytes);
}

#[test]
fn a_stream_without_the_rtc_subsection_keeps_its_shape() {
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "a_stream_without_the_rtc_subsection",
    ) {
        return;
    }
    // QEMU with migrate-tick-offset off sends the PL031 without `pl031/tick-offset`.
    let path = temp("no-tick-offset.stream");
    let bytes = make_stream(
        &path,
        &[(0x1500_0004, 0x77)],
        &["-global", "pl031.migrate-tick-offset=false"],
    );
    let stream = Stream::parse(bytes.clone()).unwrap();
    let rtc = stream.device("pl031", 0).expect("a pl031 section");
    let board = load_board(&stream).unwrap();
    assert!(
        !board.rtc.tick.migrated,
        "the stream has no tick-offset subsection"
    );
    assert!(!board.rtc.migrate_tick_offset);

    // An identity rewrite is byte for byte, the subsection still absent.
    assert!(rewrite(bytes.clone(), &[]).unwrap() == bytes);

    // Setting the alarm through the model: the section keeps its length and its shape, and
    // QEMU reads the new alarm and the count that was loaded.
    let set = MmioWrite {
        idstr: "pl031".into(),
        instance: 0,
        offset: 0x4, // RTCMR
        value: 0x1000_0000,
    };
    let before = qemu_reads(&path, &[0x1500_0000])[0].1;
    let edited = rewrite(bytes.clone(), &[set]).unwrap();
    assert_eq!(edited.len(), bytes.len());
    let edited_stream = Stream::parse(edited.clone()).unwrap();
    assert_eq!(edited_stream.device("pl031", 0).unwrap().data, rtc.data);
    let out = temp("no-tick-offset-edited.stream");
    std::fs::write(&out, &edited).unwrap();
    let reads = qemu_reads(&out, &[0x1500_0000, 0x1500_0004, 0x1500_0014]);
    // Without the subsection each QEMU load derives the offset anew from its own host clock,
    // truncating to whole seconds, so two loads of one state may read a second apart.
    let now = reads[0].1;
    assert!(
        (before - 1..before + 0x10).contains(&now),
        "QEMU's RTC reads {now:#x} after the rewrite, {before:#x} before it"
    );
    assert_eq!(reads[1].1, 0x1000_0000, "RTCMR as the rewrite wrote it");
    assert_eq!(reads[2].1, 0, "no alarm");
    // Without the subsection the RTC's clock cannot be told from the virtual clock, so its
    // count is known within a second only: a load register write is refused.
    let lr = "pl031@0x8=0x10000000".parse().unwrap();
    let e = rewrite(bytes, &[lr]).unwrap_err().to_string();
    assert!(e.contains("may be a second off"), "{e}");
}

/// For a stream whose guest set the core module's oscillator register to 0x123: the board
/// reads it, a rewrite without writes is the stream itself, and QEMU (given `qemu_args`)
/// reads an oscillator rewritten to 0x55 from the output, saved as `out_name`.
fn osc_rewrites_as_qemu_reads(stream: &Stream, bytes: Vec<u8>, qemu_args: &[&str], out_name: &str) {
    assert_eq!(load_board(stream).unwrap().core.cm_osc, 0x123);
    assert!(rewrite(bytes.clone(), &[]).unwrap() == bytes);
    let osc = MmioWrite {
        idstr: "integratorcm".into(),
        instance: 0,
        offset: 0x8,
        value: 0x55,
    };
    let out = temp(out_name);
    std::fs::write(&out, rewrite(bytes, &[osc]).unwrap()).unwrap();
    assert_eq!(
        qemu_reads_with(&out, &[0x1000_0008], qemu_args),
        [(0x1000_0008, 0x55)]
    );
}

#[test]
fn a_stream_without_section_footers_is_read_and_rewritten() {
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "a_stream_without_section_footers",
    ) {
        return;
    }
    let no_footers = ["-global", "migration.send-section-footer=off"];
    let path = temp("no-footers.stream");
    let bytes = make_stream(
        &path,
        &[(0x1000_0014, 0xa05f), (0x1000_0008, 0x123)],
        &no_footers,
    );
    let stream = Stream::parse(bytes.clone()).unwrap();
    assert!(stream.sections().all(|s| !s.footer));
    osc_rewrites_as_qemu_reads(&stream, bytes, &no_footers, "no-footers-edited.stream");
}

#[test]
fn a_guest_with_two_user_nics_sends_two_slirp_sections_that_are_read_and_rewritten() {
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "a_guest_with_two_user_nics",
    ) {
        return;
    }
    let nics = ["-nic", "user", "-nic", "user"];
    let path = temp("two-nics.stream");
    // Unlock the core module, then set its oscillator register.
    let bytes = make_stream(&path, &[(0x1000_0014, 0xa05f), (0x1000_0008, 0x123)], &nics);
    let stream = Stream::parse(bytes.clone()).unwrap();
    // QEMU 7.2 registers both backends' state as `slirp` instance 0.
    let slirps: Vec<u32> = stream
        .sections()
        .filter(|s| s.idstr == "slirp" && s.kind == SectionKind::Full)
        .map(|s| s.instance_id)
        .collect();
    assert_eq!(slirps, [0, 0]);
    osc_rewrites_as_qemu_reads(&stream, bytes, &nics, "two-nics-edited.stream");
}

#[test]
fn an_rtc_load_counts_from_the_sources_clock_at_the_stop() {
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "an_rtc_load_counts_from_the_sources_clock",
    ) {
        return;
    }
    // With `-rtc clock=vm` the RTC counts the virtual clock, which stands still while the
    // VM is stopped (and in read-regs.py's destination, which never runs): a load register
    // write then reads back exactly. The count at the stop includes the 3 s the guest ran,
    // which the rewrite takes from the `timer` section (it was counted as 0: DR read 0x1003).
    let rtc_vm = ["-rtc", "clock=vm"];
    let path = temp("uptime.stream");
    let stream = make_stream_after(&path, &[(0x1500_0010, 0)], &rtc_vm, 3);
    let out = rewrite(stream, &["pl031@0x8=0x1000".parse().unwrap()]).unwrap();
    let edited = temp("uptime-lr.stream");
    std::fs::write(&edited, &out).unwrap();
    let read = qemu_reads_with(&edited, &[0x1500_0000, 0x1500_0008], &rtc_vm);
    assert_eq!(read, [(0x1500_0000, 0x1000), (0x1500_0008, 0x1000)]);
    // The Rust board, on the same frozen clocks, reads the same count.
    assert_eq!(rust_reads(&out, &[0x1500_0000]), [(0x1500_0000, 0x1000)]);
}

#[test]
fn an_rtc_load_is_refused_when_the_clock_counts_instructions() {
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "an_rtc_load_is_refused_when_the_clock_counts_instructions",
    ) {
        return;
    }
    let path = temp("icount.stream");
    let stream = make_stream(&path, &[(0x1500_0010, 0)], &["-icount", "shift=1"]);
    for edit in ["pl031@0x8=0x1000", "pl031@0x4=0x1000"] {
        let e = rewrite(stream.clone(), &[edit.parse().unwrap()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("counts instructions (-icount)"), "{e}");
    }
    // Registers that do not depend on the count are still written.
    rewrite(stream.clone(), &["pl031@0x10=0x1".parse().unwrap()]).unwrap();
}

/// The `timer` section's icount subsections, which neither fixture has (they are sent only
/// under `-icount`), as QEMU 7.2 writes them: `shift=1` sends `timer/icount` and its warp
/// timer (`sleep=on` is the default), `shift=auto` the adaptive mode's two more. The port,
/// configured as the source was, loads each and writes it back byte for byte.
#[test]
fn the_timer_port_reads_qemus_icount_subsections() {
    use devices::qemu_sections::machine::{IcountMode, IcountState, TimersState};
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "the_timer_port_reads_qemus_icount_subsections",
    ) {
        return;
    }
    for (shift, mode, subsections) in [
        ("shift=1", IcountMode::Precise, 2),
        ("shift=auto", IcountMode::Adaptive, 4),
    ] {
        let path = temp(&format!("icount-{shift}.stream"));
        // One harmless write (the RTC interrupt mask): the tool wants one.
        let guest = [(0x1500_0010, 0)];
        let stream = Stream::parse(make_stream(&path, &guest, &["-icount", shift])).unwrap();
        let configured = TimersState {
            icount: IcountState {
                mode,
                sleep: true,
                ..IcountState::default()
            },
            ..TimersState::default()
        };
        let timers = vmstate_tests::port_loads_qemu_section(&stream, "timer", 0, configured);
        // Instructions were counted (the guest ran), and the subsections QEMU sent are all
        // there: the vmdesc lists them, and the helper compared each with the port's.
        assert!(timers.icount.qemu_icount > 0, "{shift}");
        let sent = vmstate_tests::vmdesc_entry(&stream, "timer", 0);
        let mut names = Vec::new();
        let mut pending = vec![sent];
        while let Some(entry) = pending.pop() {
            for sub in entry["subsections"].as_array().into_iter().flatten() {
                names.push(sub["vmsd_name"].as_str().unwrap_or("").to_owned());
                pending.push(sub.clone());
            }
        }
        assert_eq!(names.len(), subsections, "{shift}: {names:?}");
    }
}

#[test]
fn a_stream_without_a_vmdesc_is_inspected_but_not_rewritten() {
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "a_stream_without_a_vmdesc",
    ) {
        return;
    }
    let no_vmdesc = ["-machine", "suppress-vmdesc=on"];
    let path = temp("no-vmdesc.stream");
    let stream = make_stream(&path, &[(0x1000_0030, 0x5)], &no_vmdesc);
    let parsed = Stream::parse(stream.clone()).unwrap();
    assert!(!parsed.has_vmdesc());
    assert_eq!(rust_reads(&stream, &[0x1000_0030]), [(0x1000_0030, 0x5)]);
    assert!(parsed.encode(&[]) == stream);
    let json = devices::qemu_image::inspect(&parsed).unwrap();
    assert_eq!(json["vmdesc"], false);
    // Boundaries guessed from footers are not a base for edits.
    let e = rewrite(stream, &["integratorcm@0x30=0x10".parse().unwrap()])
        .unwrap_err()
        .to_string();
    assert!(e.contains("no vmdesc trailer"), "{e}");
}

#[test]
fn a_stream_from_another_machine_is_inspected_but_not_rewritten() {
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "a_stream_from_another_machine",
    ) {
        return;
    }
    // The VersatilePB has a PL031 too (at 0x101e8000), wired to its VIC, not to an icp_pic.
    let versatile = ["-M", "versatilepb"];
    let path = temp("versatilepb.stream");
    let stream = make_stream(&path, &[(0x101e_8004, 0x900)], &versatile);
    let parsed = Stream::parse(stream.clone()).unwrap();
    assert_eq!(parsed.machine(), Some("versatilepb"));
    let json = devices::qemu_image::inspect(&parsed).unwrap();
    let rtc = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["idstr"] == "pl031")
        .unwrap();
    assert_eq!(rtc["fields"]["mr"], 0x900);
    let e = rewrite(stream, &["pl031@0x10=0x1".parse().unwrap()])
        .unwrap_err()
        .to_string();
    assert!(e.contains("from QEMU machine `versatilepb`"), "{e}");
}

#[test]
fn an_rtc_on_the_host_clock_refuses_the_writes_its_unknown_second_decides() {
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "an_rtc_on_the_host_clock",
    ) {
        return;
    }
    // QEMU's default `-rtc clock=host`: the count at the stop is known within a second.
    let path = temp("host-rtc.stream");
    let stream = make_stream(&path, &[(0x1500_0010, 0)], &[]);
    let count = rust_reads(&stream, &[0x1500_0000])[0].1;
    for edit in [
        "pl031@0x8=0x1000".to_owned(),
        format!("pl031@0x4={count:#x}"),
        format!("pl031@0x4={:#x}", count.wrapping_add(1)),
    ] {
        let e = rewrite(stream.clone(), &[edit.parse().unwrap()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("or"), "{e}");
        assert!(e.contains("-rtc clock=vm"), "{e}");
    }
    // An alarm at neither count is in the future whatever the second: written, and QEMU
    // reads it back.
    let far = count.wrapping_add(1000);
    let out = rewrite(stream, &[format!("pl031@0x4={far:#x}").parse().unwrap()]).unwrap();
    let edited = temp("host-rtc-mr.stream");
    std::fs::write(&edited, &out).unwrap();
    assert_eq!(
        qemu_reads(&edited, &[0x1500_0004, 0x1500_0014]),
        [(0x1500_0004, far), (0x1500_0014, 0)]
    );
}

#[test]
fn streams_with_migration_capabilities_are_read_and_rewritten() {
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "streams_with_migration_capabilities",
    ) {
        return;
    }
    // `compress` sends RAM pages as zlib records (the stream reader refused such a stream
    // before it learnt them: "ram record flags 0x120"); `dirty-bitmaps` sends a POSTCOPY_ADVISE
    // command and a `dirty-bitmap` section; `xbzrle` changes nothing a stopped VM sends (its
    // delta pages resend dirtied pages: they are covered by the synthetic records of
    // `qemu_stream.rs`); `x-ignore-shared` is listed in the configuration (the one
    // capability of QEMU 7.2 there) and adds each RAM block's address to the block list.
    for capability in ["compress", "dirty-bitmaps", "xbzrle", "x-ignore-shared"] {
        let path = temp(&format!("{capability}.stream"));
        let args = [format!("--monitor=migrate_set_capability {capability} on")];
        let stream = make_stream_with(&path, &[(0x1000_0030, 0x5)], &args);
        let parsed = Stream::parse(stream.clone()).unwrap();
        assert!(parsed.encode(&[]) == stream, "{capability}");
        assert_eq!(rust_reads(&stream, &[0x1000_0030]), [(0x1000_0030, 0x5)]);
        let out = rewrite(stream, &["integratorcm@0x30=0x10".parse().unwrap()]).unwrap();
        assert_eq!(rust_reads(&out, &[0x1000_0030]), [(0x1000_0030, 0x15)]);
        if capability == "dirty-bitmaps" {
            // Its POSTCOPY_ADVISE and `dirty-bitmap` section need nothing of the destination.
            assert!(parsed.items().iter().any(|i| matches!(
                i,
                vmstate_core::qemu::Item::Command {
                    name: "POSTCOPY_ADVISE",
                    ..
                }
            )));
            assert!(parsed.sections().any(|s| s.idstr == "dirty-bitmap"));
            let edited = temp("dirty-bitmaps-rw.stream");
            std::fs::write(&edited, &out).unwrap();
            assert_eq!(qemu_reads(&edited, &[0x1000_0030]), [(0x1000_0030, 0x15)]);
        }
    }
    // `x-ignore-shared` without the configuration section that would list it: the block
    // list's addresses are found by the list adding up only with them.
    let path = temp("x-ignore-shared-no-configuration.stream");
    let args = [
        "--monitor=migrate_set_capability x-ignore-shared on".to_owned(),
        "--qemu-arg=-global".to_owned(),
        "--qemu-arg=migration.send-configuration=off".to_owned(),
    ];
    let stream = make_stream_with(&path, &[(0x1000_0030, 0x5)], &args);
    let parsed = Stream::parse(stream.clone()).unwrap();
    assert!(parsed.machine().is_none());
    assert!(parsed.encode(&[]) == stream);
    assert_eq!(rust_reads(&stream, &[0x1000_0030]), [(0x1000_0030, 0x5)]);
}

/// The state-only ports read what a guest of our own wrote to a UART, a timer and the LCD
/// controller, from a stream QEMU made, and write those sections back byte for byte; every
/// section but libslirp's decodes in `qemu inspect`'s listing.
#[test]
fn the_state_only_ports_read_what_our_guest_wrote() {
    use devices::qemu_sections::{arm_timer::ArmTimerState, pl011::Pl011State, pl110::Pl110State};
    use vmstate_tests::port_matches_qemu_section as port;
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "the_state_only_ports_read_what_our_guest_wrote",
    ) {
        return;
    }
    let guest: &[(u64, u32)] = &[
        (0x1700_0024, 0x27),        // UART1 IBRD
        (0x1700_0028, 0x4),         // UART1 FBRD
        (0x1700_002c, 0x70),        // UART1 LCR_H: 8 bits, FIFOs on
        (0x1700_0038, 0x50),        // UART1 IMSC
        (0x1700_0030, 0x301),       // UART1 CR: enabled, TX and RX
        (0x1300_0100, 0x4321),      // timer 1 load
        (0x1300_0108, 0x42),        // timer 1 control: periodic, 32-bit, not enabled
        (0xc000_0000, 0x3f1f_3f9c), // LCD timing 0
        (0xc000_0010, 0x20_0000),   // LCD upper panel base
    ];
    let path = temp("ports.stream");
    let stream = Stream::parse(make_stream(&path, guest, &[])).unwrap();
    let uart: Pl011State = port(&stream, "pl011", 1);
    assert_eq!(
        (uart.ibrd, uart.fbrd, uart.lcr, uart.int_enabled, uart.cr),
        (0x27, 0x4, 0x70, 0x50, 0x301)
    );
    let untouched: Pl011State = port(&stream, "pl011", 0);
    assert_eq!(untouched.cr, 0x300, "UART0 keeps its reset CR");
    let timer: ArmTimerState = port(&stream, "arm_timer", 1);
    assert_eq!((timer.limit, timer.control), (0x4321, 0x42));
    let lcd: Pl110State = port(&stream, "pl110", 0);
    assert_eq!((lcd.timing[0], lcd.upbase), (0x3f1f_3f9c, 0x20_0000));
    // Every section the ports describe decodes in `qemu inspect`'s listing.
    let listing = devices::qemu_image::inspect(&stream).unwrap();
    for s in listing["sections"].as_array().unwrap() {
        let idstr = s["idstr"].as_str().unwrap();
        if s["kind"] == "full" && idstr != "slirp" {
            assert!(s["fields"].is_object(), "{idstr}: {s}");
            assert!(s.get("vmdesc_differs").is_none(), "{idstr}: {s}");
        }
    }
}

/// The PS/2 keyboard port reads the subsections QEMU 7.2 sends once a guest set the LEDs
/// (neither fixture has them): through the PL050, the set-LEDs command 0xED and the LED byte;
/// QEMU queues its acknowledgements as command replies, and sends their subsection at
/// version 0.
#[test]
fn the_keyboard_port_reads_qemus_led_subsections() {
    use devices::qemu_sections::ps2::Ps2KbdState;
    if !have(
        &["qemu-system-arm", "arm-none-eabi-as", "python3"],
        "the_keyboard_port_reads_qemus_led_subsections",
    ) {
        return;
    }
    let guest = [
        (0x1800_0000, 0x04), // KMICR: enable the keyboard interface
        (0x1800_0008, 0xed), // KMIDATA: set LEDs ...
        (0x1800_0008, 0x07), // ... scroll, num and caps lock
    ];
    let path = temp("keyboard-leds.stream");
    let stream = Stream::parse(make_stream(&path, &guest, &[])).unwrap();
    let kbd: Ps2KbdState = vmstate_tests::port_matches_qemu_section(&stream, "ps2kbd", 0);
    assert_eq!(kbd.ledstate.ledstate, 7);
    let sent = vmstate_tests::vmdesc_entry(&stream, "ps2kbd", 0);
    let names: Vec<&str> = (sent["subsections"].as_array().into_iter().flatten())
        .filter_map(|s| s["vmsd_name"].as_str())
        .collect();
    // The LED state, and the queued acknowledgements' subsection, which QEMU sends at
    // version 0 (its `version_id` is never set).
    assert_eq!(names, ["ps2kbd/ledstate", "ps2kbd/command_reply_queue"]);
    assert_ne!(kbd.command_reply_queue.cwptr, -1);
}

/// Streams of other ARM machines at reset (`tools/qemu/stream-at-reset.py`): every section
/// a port decodes is what the stream's vmdesc says was sent, so a load with
/// `LoadOptions::check_vmdesc` takes them as an unchecked one does (the ports are QEMU
/// 7.2's, as is the QEMU these tests run).
#[test]
fn other_machines_ported_sections_match_their_vmdesc() {
    if !have(
        &["qemu-system-arm", "python3"],
        "other_machines_ported_sections_match_their_vmdesc",
    ) {
        return;
    }
    for machine in ["versatilepb", "vexpress-a9", "realview-pbx-a9", "virt"] {
        let path = temp(&format!("{machine}-at-reset.stream"));
        let mut cmd = killed_with_test("python3");
        cmd.arg(tools().join("stream-at-reset.py"))
            .arg(machine)
            .arg(&path);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{machine}: stream-at-reset.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stream = Stream::parse(std::fs::read(&path).unwrap()).unwrap();
        assert!(stream.has_vmdesc(), "{machine}");
        let listing = devices::qemu_image::inspect(&stream).unwrap();
        let mut decoded = 0;
        for s in listing["sections"].as_array().unwrap() {
            if s["fields"].is_object() {
                decoded += 1;
                assert!(s.get("vmdesc_differs").is_none(), "{machine}: {s}");
            }
        }
        assert!(decoded >= 5, "{machine}: {decoded} sections decoded");
    }
}
