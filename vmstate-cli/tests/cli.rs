//! The `vmstate` binary end to end: the demo over loopback in both formats, inspecting what
//! it saved, refusing corrupted streams, and the QEMU tools' errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn vmstate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vmstate"))
        .args(args)
        .output()
        .expect("vmstate runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A path for a test's file, in a directory of this test process's own under Cargo's
/// `CARGO_TARGET_TMPDIR` (`cargo clean` removes it): runs leave nothing in the system's
/// temporary directory, and the files stay for a look after a failure. Per process, so that
/// runs side by side (or a runner that starts a process per test) keep their files apart.
fn temp(name: &str) -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("vmstate-cli-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir); // a reused process id's leftovers
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
    .join(name)
}

/// `vmstate qemu inspect STREAM --json --schema SCHEMA`, which must succeed: its listing.
fn qemu_inspect_json(stream: &Path, schema: &Path) -> serde_json::Value {
    let out = vmstate(&[
        "qemu",
        "inspect",
        stream.to_str().unwrap(),
        "--json",
        "--schema",
        schema.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/qemu-7.2-integratorcp/integratorcp.stream")
}

fn demo(format: &str, save: &Path) -> String {
    let out = vmstate(&["demo", "--format", format, "--save", save.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "demo failed:\n{text}\n{}",
        stderr(&out)
    );
    for device in [
        "integratorcm:0",
        "icp_pic:0",
        "icp_pic:1",
        "pl031:0",
        "icp_control:0",
    ] {
        assert!(
            text.contains(&format!("  {device}")),
            "{device} missing from:\n{text}"
        );
    }
    assert!(text.contains("registers match"), "{text}");
    assert!(
        text.contains("result: every device matches after migration"),
        "{text}"
    );
    assert!(text.contains("downtime:"), "{text}");
    text
}

#[test]
fn demo_migrates_in_the_native_format_and_the_saved_stream_inspects_back() {
    let path = temp("demo.native");
    demo("native", &path);
    let out = vmstate(&["inspect", path.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sections = json["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 5);
    let cm = &sections[0];
    assert_eq!(cm["name"], "integratorcm");
    // The values the demo's guest wrote.
    assert_eq!(cm["fields"]["cm_osc"], 0x777);
    assert_eq!(cm["fields"]["cm_ctrl"], 0x4);
    assert_eq!(cm["fields"]["cm_auxosc"], 0x55555);
    assert_eq!(
        cm["fields"]["memsz"], 32,
        "immutable fields travel natively"
    );
    assert_eq!(cm["fields"]["flash"]["name"], "integrator.flash");
    assert_eq!(sections[2]["fields"]["irq_enabled"], 0xb);
    assert_eq!(sections[3]["fields"]["mr"], 1_003_600);
    assert!(sections[3]["fields"]["subsections"]["pl031/tick-offset"]["tick_offset"].is_u64());
    // The table form shows registers in hex with sizes.
    let out = vmstate(&["inspect", path.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(text.contains("cm_osc") && text.contains("0x777"), "{text}");
    assert!(text.contains("integratorcm:0  version 1"), "{text}");
    // The QEMU commands name the command that reads it.
    for args in [
        &["qemu", "inspect", path.to_str().unwrap()][..],
        &["qemu", "rewrite", path.to_str().unwrap(), "/dev/null"],
    ] {
        let out = vmstate(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out)
                .contains("is this project's native stream, not QEMU's: use `vmstate inspect`"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn demo_migrates_in_the_qemu_format() {
    let path = temp("demo.qemu");
    demo("qemu", &path);
    let out = vmstate(&["qemu", "inspect", path.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["sections"][0]["fields"]["cm_osc"], 0x777);
}

#[test]
fn a_demo_that_fails_takes_its_destination_process_with_it() {
    // Standard output that refuses writes fails the demo at its first line, after the
    // destination process started. The destination shares standard error: reading it to
    // its end waits for every process that holds it, so a destination left behind would
    // write its own timeout there, 30 s later.
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux
    };
    let out = Command::new(env!("CARGO_BIN_EXE_vmstate"))
        .arg("demo")
        .stdout(full)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("cannot write standard output"), "{err}");
    assert!(!err.contains("no source connected"), "{err}");
}

#[test]
fn bytes_a_schema_leaves_undecoded_are_refused_where_they_start() {
    let path = temp("short-schema.native");
    demo("native", &path);
    let mut bytes = std::fs::read(&path).unwrap();
    let out = vmstate(&["inspect", path.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sections = json["sections"].as_array().unwrap();
    let pl031 = sections.iter().find(|s| s["name"] == "pl031").unwrap();
    // Its last field, `is`, is 0: a schema without it takes that byte for the end of the
    // subsections, and the subsection and the real end marker are left.
    assert_eq!(pl031["fields"]["is"], 0);
    let (offset, length) = (
        pl031["offset"].as_u64().unwrap() as usize,
        pl031["length"].as_u64().unwrap() as usize,
    );
    let frame = vmstate_core::read_frame(&bytes[offset..offset + length], offset).unwrap();
    let fields_end = offset + frame.fields_offset + frame.fields.len();
    // The trailer follows the last section and the end tag: u32 LE length, JSON, CRC-32.
    let last = sections.last().unwrap();
    let trailer =
        (last["offset"].as_u64().unwrap() + last["length"].as_u64().unwrap()) as usize + 1;
    let mut schema: serde_json::Value =
        serde_json::from_slice(&bytes[trailer + 4..bytes.len() - 4]).unwrap();
    let removed = schema["pl031"]["Description"]["Fields"]
        .as_array_mut()
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(removed["field"], "is");
    let text = serde_json::to_vec(&schema).unwrap();
    bytes.truncate(trailer);
    bytes.extend_from_slice(&(text.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&text);
    // The trailer's checksum covers every section's instance id (one varint byte each
    // here), then the JSON.
    let mut crc = crc32fast::Hasher::new();
    for s in sections {
        let id = s["instance_id"].as_u64().unwrap();
        assert!(id < 0x80, "a one-byte varint");
        crc.update(&[id as u8]);
    }
    crc.update(&text);
    bytes.extend_from_slice(&crc.finalize().to_le_bytes());
    let short = temp("short-schema-edited.native");
    std::fs::write(&short, &bytes).unwrap();
    let out = vmstate(&["inspect", short.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    let (left, at) = err
        .split_once("section `pl031` instance 0: ")
        .and_then(|(_, rest)| {
            rest.trim_end()
                .split_once(" bytes left undecoded (at byte ")
        })
        .and_then(|(n, at)| {
            Some((
                n.parse::<usize>().ok()?,
                at.strip_suffix(')')?.parse::<usize>().ok()?,
            ))
        })
        .unwrap_or_else(|| panic!("{err}"));
    assert!(left > 1, "the subsection and the end marker: {err}");
    assert_eq!(at + left, fields_end, "{err}");
}

#[test]
fn a_corrupted_section_is_refused_by_name() {
    let path = temp("corrupt.native");
    demo("native", &path);
    let bytes = std::fs::read(&path).unwrap();
    let out = vmstate(&["inspect", path.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in json["sections"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let offset = s["offset"].as_u64().unwrap() as usize;
        let length = s["length"].as_u64().unwrap() as usize;
        let frame = vmstate_core::read_frame(&bytes[offset..offset + length], offset).unwrap();
        let mut bad = bytes.clone();
        bad[offset + frame.fields_offset + frame.fields.len() - 1] ^= 0x01; // the last field byte
        let bad_path = temp(&format!("corrupt-{name}-{offset}.native"));
        std::fs::write(&bad_path, &bad).unwrap();
        let out = vmstate(&["inspect", bad_path.to_str().unwrap()]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains("bad checksum"), "{err}");
        assert!(err.contains("section #") || err.contains(name), "{err}");
        assert_eq!(err.lines().count(), 1, "one clear line: {err}");
    }
}

#[test]
fn qemu_inspect_lists_every_section() {
    let out = vmstate(&["qemu", "inspect", fixture().to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cm = section(&json, "integratorcm");
    assert_eq!(cm["section_id"], 7);
    assert_eq!(cm["fields"]["cm_lock"], 0xa05f);
    let out = vmstate(&["qemu", "inspect", fixture().to_str().unwrap()]);
    assert!(stdout(&out).contains("pl031/tick-offset"));
}

#[test]
fn qemu_inspect_says_where_the_vmdesc_gives_another_layout_than_a_port() {
    let release_10 = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/qemu-10.0-integratorcp/integratorcp-1m.stream");
    let out = vmstate(&["qemu", "inspect", release_10.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let note = "(the stream's vmdesc says another layout was sent, so these values may be \
                misread: pl011: QEMU's vmdesc lists `unused` as field 0 (counting from 0), \
                where the destination reads `readbuff`)";
    assert_eq!(text.matches(note).count(), 2, "{text}");
    let out = vmstate(&["qemu", "inspect", fixture().to_str().unwrap()]);
    assert!(!stdout(&out).contains("another layout"));
}

/// A FULL device section's header, with a footer, for a stream written by hand.
fn full_section(
    section_id: u32,
    idstr: &str,
    instance_id: u32,
    version_id: u32,
) -> vmstate_core::qemu::Section {
    vmstate_core::qemu::Section {
        kind: vmstate_core::qemu::SectionKind::Full,
        section_id,
        idstr: idstr.into(),
        instance_id,
        version_id,
        range: 0..0,
        data: 0..0,
        footer: true,
    }
}

/// A section that the state-only port of its name cannot read (a newer PL011) and the schema
/// cannot either: the listing gives both reasons; with a schema that does not describe it,
/// it says so.
#[test]
fn qemu_inspect_says_why_neither_the_port_nor_the_schema_reads_a_section() {
    use vmstate_core::qemu;
    use vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "pl011", version = 9, minimum_version = 9)]
    struct WiderPl011 {
        cr: u64,
    }
    let mut schema = vmstate_core::schema::Schema::new(None);
    schema.add("pl011-wider", WiderPl011::DESCRIPTION);
    let describes = temp("pl011-wider-schema.json");
    std::fs::write(&describes, schema.to_json()).unwrap();
    let other = temp("no-pl011-schema.json");
    std::fs::write(&other, vmstate_core::schema::Schema::new(None).to_json()).unwrap();

    let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    let pl011 = full_section(0, "pl011", 0, 9);
    qemu::write_section(&mut bytes, &pl011, &0x301_u32.to_be_bytes());
    bytes.push(qemu::tag::EOF);
    let stream = temp("pl011-v9.stream");
    std::fs::write(&stream, bytes).unwrap();

    let listing = |schema: &Path| {
        let out = vmstate(&[
            "qemu",
            "inspect",
            stream.to_str().unwrap(),
            "--schema",
            schema.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let port = "(not decoded: the state-only port `Pl011State` cannot read it: version 9 is \
                too new: this build loads versions up to 2";
    let both = listing(&describes);
    assert!(both.contains(port), "{both}");
    let schema_too = "; nor can the schema's `pl011-wider`: section 0 (pl011): cr: input \
                      truncated: 8 bytes needed here, 4 left";
    assert!(both.contains(schema_too), "{both}");
    let undescribed = listing(&other);
    assert!(undescribed.contains(port), "{undescribed}");
    assert!(
        undescribed.contains("2; nor does the schema describe it)"),
        "{undescribed}"
    );
}

/// A stream of one's own devices written by `qemu::write_stream` (its vmdesc lists fields
/// where their sizes give the section's, else one buffer) is decoded by `qemu inspect
/// --schema` as QEMU's streams are, guest bytes like a footer included.
#[test]
fn qemu_inspect_decodes_a_stream_of_ones_own_devices_written_with_its_vmdesc() {
    use vmstate_core::qemu;
    use vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "uart")]
    struct Uart {
        lcr: u8,
        #[vmstate(max_len = 32)]
        fifo: Vec<u8>,
    }
    #[derive(VmState)]
    #[vmstate(name = "timer")]
    struct Timer {
        count: u32,
        #[vmstate(subsection, needed = "Timer::armed")]
        armed: TimerArmed,
    }
    #[derive(VmState)]
    #[vmstate(name = "timer/armed")]
    struct TimerArmed {
        expiry: i64,
    }
    impl Timer {
        fn armed(&self) -> bool {
            self.armed.expiry >= 0
        }
    }
    let mut schema = vmstate_core::schema::Schema::new(None);
    schema
        .add("my-uart", Uart::DESCRIPTION)
        .add("my-timer", Timer::DESCRIPTION);
    let schema_path = temp("own-devices-schema.json");
    std::fs::write(&schema_path, schema.to_json()).unwrap();
    let uart = Uart {
        lcr: 3,
        fifo: vec![
            0x7e, 0, 0, 0, 0, 0x04, 0, 0, 0, 9, 1, b'x', 0, 0, 0, 0, 0, 0, 0, 1,
        ],
    };
    let timer = Timer {
        count: 9,
        armed: TimerArmed { expiry: 77 },
    };
    let bytes = qemu::write_stream(4096, &[("uart", 0, &uart), ("timer", 0, &timer)]).unwrap();
    let stream = temp("own-devices.stream");
    std::fs::write(&stream, bytes).unwrap();
    let json = qemu_inspect_json(&stream, &schema_path);
    let sections = json["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 2, "{json}");
    assert_eq!(sections[0]["fields"]["lcr"], 3, "{json}");
    let fifo: String = uart.fifo.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(sections[0]["fields"]["fifo"], fifo, "{json}");
    assert_eq!(sections[1]["fields"]["count"], 9, "{json}");
    assert_eq!(
        sections[1]["subsections"]["timer/armed"]["expiry"], 77,
        "{json}"
    );
}

/// `qemu inspect --schema FILE` decodes the sections of one's own devices that the schema
/// describes (by section name), and shows the error of one it cannot decode.
#[test]
fn qemu_inspect_decodes_sections_a_schema_describes() {
    use vmstate_core::qemu::{self, Section};
    use vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "uart16550", version = 2, minimum_version = 1)]
    struct Uart {
        lcr: u8,
        #[vmstate(since = 2)]
        dll: u16,
    }
    let mut schema = vmstate_core::schema::Schema::new(None);
    schema.add("my-uart", Uart::DESCRIPTION);
    let schema_path = temp("uart-schema.json");
    std::fs::write(&schema_path, schema.to_json()).unwrap();

    let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    let section = |id: u32, version: u32| full_section(id, "uart16550", id, version);
    qemu::write_section(&mut bytes, &section(0, 2), &[3, 0x01, 0x80]);
    qemu::write_section(&mut bytes, &section(1, 1), &[7]);
    qemu::write_section(&mut bytes, &section(2, 3), &[7]); // newer than the schema
                                                           // On a bus, QEMU puts the device's path in front of the name.
    let on_a_bus = Section {
        idstr: "0000:00:02.0/uart16550".into(),
        ..section(3, 2)
    };
    qemu::write_section(&mut bytes, &on_a_bus, &[5, 0, 9]);
    // A section nothing describes.
    let mystery = Section {
        idstr: "mystery".into(),
        ..section(4, 1)
    };
    qemu::write_section(&mut bytes, &mystery, &[1]);
    bytes.push(qemu::tag::EOF);
    let stream = temp("uart.stream");
    std::fs::write(&stream, bytes).unwrap();

    let args = ["qemu", "inspect", stream.to_str().unwrap(), "--json"];
    let json = qemu_inspect_json(&stream, &schema_path);
    let sections = json["sections"].as_array().unwrap();
    assert_eq!(sections[0]["fields"]["lcr"], 3);
    assert_eq!(sections[0]["fields"]["dll"], 0x180);
    assert_eq!(sections[1]["fields"]["lcr"], 7);
    assert!(sections[1]["fields"].get("dll").is_none());
    let error = sections[2]["error"].as_str().unwrap_or_default();
    assert!(error.contains("version 3"), "{error}");
    assert!(sections[2]["fields"].is_null());
    assert!(sections[2]["decoded_by"].is_null());
    assert_eq!(sections[3]["fields"]["dll"], 9);
    assert_eq!(sections[3]["decoded_by"], "schema");
    assert_eq!(sections[3]["schema_device"], "my-uart");
    assert!(sections[2]["not_decoded"].is_null(), "its `error` says why");
    assert_eq!(
        sections[4]["not_decoded"],
        "neither this build nor the schema describes `mystery`"
    );
    // The listing for people says it too.
    let out = vmstate(&[&args[..3], &["--schema", schema_path.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let decoded = "(decoded by the schema's `my-uart`)";
    assert_eq!(stdout(&out).matches(decoded).count(), 3, "{}", stdout(&out));
    let undescribed = "(not decoded: neither this build nor the schema describes `mystery`)";
    assert!(stdout(&out).contains(undescribed), "{}", stdout(&out));

    // Without the schema the sections are listed, not decoded.
    let out = vmstate(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["sections"][0]["fields"].is_null());
    // The JSON says why, as the text does.
    let why = json["sections"][0]["not_decoded"]
        .as_str()
        .unwrap_or_default();
    assert!(
        why.starts_with("this build does not describe `uart16550`"),
        "{why}"
    );
    let out = vmstate(&args[..3]);
    let undescribed = "(not decoded: this build does not describe `uart16550` (`--schema` with";
    assert_eq!(
        stdout(&out).matches(undescribed).count(),
        3,
        "{}",
        stdout(&out)
    );

    // A schema that cannot be read is an error naming it, before the stream is read.
    let missing = temp("no-such-schema.json");
    let out = vmstate(&[&args[..], &["--schema", missing.to_str().unwrap()]].concat());
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no-such-schema.json"),
        "{}",
        stderr(&out)
    );
}

/// `inspect` decodes a machine stream of one's own devices (`vmstate_core::machine::save`)
/// with the schema it carries: the program that wrote it is not needed.
#[test]
fn inspect_decodes_a_machine_stream_of_ones_own_devices() {
    use vmstate_core::VmState;
    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(u8)]
    enum Parity {
        None = 0,
        Odd = 1,
        Even = 3,
    }
    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(i32)]
    enum Level {
        Low = -1,
        High = 70000,
    }
    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(u128)]
    enum Wide {
        Small = 1,
        Huge = 1 << 100,
    }
    #[derive(VmState)]
    #[vmstate(name = "uart16550")]
    struct Uart {
        lcr: u8,
        #[vmstate(max_len = 16)]
        fifo: Vec<u8>,
        parity: Parity,
        parities: [Parity; 2],
        #[vmstate(max_len = 4)]
        levels: Vec<Level>,
        wide: [Wide; 2],
    }
    let (uart0, uart1) = (
        Uart {
            lcr: 3,
            fifo: vec![0xab],
            parity: Parity::Even,
            parities: [Parity::Odd, Parity::None],
            levels: vec![Level::High, Level::Low],
            wide: [Wide::Huge, Wide::Small],
        },
        Uart {
            lcr: 0x1b,
            fifo: vec![],
            parity: Parity::None,
            parities: [Parity::None; 2],
            levels: vec![],
            wide: [Wide::Small; 2],
        },
    );
    let bytes = vmstate_core::machine::save(Some("my-vm"), &[(0, &uart0), (1, &uart1)]).unwrap();
    let path = temp("my-vm.machine");
    std::fs::write(&path, bytes).unwrap();
    let out = vmstate(&["inspect", path.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sections = json["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 2);
    assert_eq!(
        (
            sections[1]["name"].as_str(),
            sections[1]["instance_id"].as_u64()
        ),
        (Some("uart16550"), Some(1))
    );
    assert_eq!(sections[0]["fields"]["lcr"], 3);
    assert_eq!(sections[1]["fields"]["lcr"], 0x1b);
    // Bytes as hex; an enum's values by their variants' names, which the schema lists.
    let uart0 = &sections[0]["fields"];
    assert_eq!(uart0["fifo"], "ab");
    assert_eq!(uart0["parity"], "Even");
    assert_eq!(uart0["parities"], serde_json::json!(["Odd", "None"]));
    assert_eq!(uart0["levels"], serde_json::json!(["High", "Low"]));
    assert_eq!(uart0["wide"], serde_json::json!(["Huge", "Small"]));
    let text = stdout(&vmstate(&["inspect", path.to_str().unwrap()]));
    assert!(text.contains("[\"High\", \"Low\"]"), "{text}");
    // The machine type the stream was saved with, and its format version.
    assert_eq!(
        (json["machine"].as_str(), json["format_version"].as_u64()),
        (
            Some("my-vm"),
            Some(u64::from(vmstate_core::machine::FORMAT_VERSION))
        )
    );
    assert!(
        text.starts_with("machine stream, format version 3, machine type `my-vm`\n"),
        "{text}"
    );
}

/// A section whose schema cannot decode it (a sequence counted by a skipped field: its length
/// is the destination's configuration, which the stream does not carry) is listed with why,
/// the other sections are still decoded, and the listing fails naming it.
#[test]
fn inspect_lists_the_sections_it_can_decode_beside_one_it_cannot() {
    use vmstate_core::VmState;
    #[derive(VmState, Default)]
    #[vmstate(name = "dma")]
    struct Dma {
        #[vmstate(skip)]
        channels: u32,
        #[vmstate(len = "channels", max_len = 8)]
        busy: Vec<u8>,
    }
    #[derive(VmState)]
    #[vmstate(name = "uart")]
    struct Uart {
        lcr: u8,
    }
    let dma = Dma {
        channels: 2,
        busy: vec![1, 0],
    };
    let uart = Uart { lcr: 0x1b };
    let bytes = vmstate_core::machine::save(None, &[(0, &dma), (0, &uart)]).unwrap();
    let path = temp("skipped-count.machine");
    std::fs::write(&path, bytes).unwrap();
    for json in [true, false] {
        let mut args = vec!["inspect", path.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        let out = vmstate(&args);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("section `dma` instance 0: ") && err.contains("field `channels`"),
            "{err}"
        );
        if json {
            let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let sections = listing["sections"].as_array().unwrap();
            assert_eq!(sections.len(), 2, "{listing}");
            assert!(sections[0]["fields"].is_null(), "{listing}");
            assert!(
                (sections[0]["error"].as_str()).is_some_and(|e| e.contains("`channels`")),
                "{listing}"
            );
            assert_eq!(sections[1]["fields"]["lcr"], 0x1b, "{listing}");
        } else {
            let text = stdout(&out);
            assert!(text.contains("    not decoded: "), "{text}");
            assert!(text.contains("uart:0") && text.contains("0x1b"), "{text}");
        }
    }
}

#[test]
fn qemu_rewrite_writes_nothing_on_failure() {
    let out_path = temp("never-written.stream");
    for args in [
        vec![
            "qemu",
            "rewrite",
            fixture().to_str().unwrap(),
            out_path.to_str().unwrap(),
            "--mmio",
            "nosuch@0x0=1",
        ],
        vec![
            "qemu",
            "rewrite",
            fixture().to_str().unwrap(),
            out_path.to_str().unwrap(),
            "--mmio",
            "integratorcm@0x0",
        ],
        vec![
            "qemu",
            "rewrite",
            "/nonexistent/in",
            out_path.to_str().unwrap(),
        ],
    ] {
        let out = vmstate(&args);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        assert!(!err.trim().is_empty(), "{args:?}");
        assert!(!out_path.exists(), "{args:?} left an output file");
    }
    // Not a QEMU stream: one line, non-zero, no output.
    let junk = temp("junk.bin");
    std::fs::write(&junk, b"hello, not a stream").unwrap();
    let out = vmstate(&[
        "qemu",
        "rewrite",
        junk.to_str().unwrap(),
        out_path.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a QEMU migration stream"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);
    assert!(!out_path.exists());
    // Success: byte-identical without edits.
    let out = vmstate(&[
        "qemu",
        "rewrite",
        fixture().to_str().unwrap(),
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read(&out_path).unwrap() == std::fs::read(fixture()).unwrap());
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["inspect", "--help"],
        vec!["qemu", "inspect", "--help"],
        vec!["qemu", "rewrite", "--help"],
        vec!["schema", "--help"],
        vec!["check", "--help"],
    ] {
        let out = vmstate(&args);
        assert!(out.status.success(), "{args:?}");
        assert!(stdout(&out).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn schema_dumps_the_ported_devices_under_qemus_type_names() {
    let out = vmstate(&["schema"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "integrator_core",
        "integrator_pic",
        "pl031",
        "icp-ctrl-regs",
    ] {
        assert!(json[key]["Description"]["Fields"].is_array(), "{key}");
    }
    assert_eq!(json["vmschkmachine"]["Name"], "integratorcp");
    let out = vmstate(&["schema", "--device", "nosuch"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unknown device `nosuch`"));
}

#[test]
fn schema_in_qemus_shape_has_only_the_keys_qemus_dumps_have() {
    // QEMU's vmstate-static-checker.py reports every description and device key the other
    // file lacks as a missing entry; with `--qemu` our file has none it would report.
    let out = vmstate(&["schema", "--qemu"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    fn check_desc(d: &serde_json::Value) {
        for key in d.as_object().unwrap().keys() {
            let known = [
                "name",
                "version_id",
                "minimum_version_id",
                "Fields",
                "Subsections",
            ];
            assert!(known.contains(&key.as_str()), "description key {key}");
        }
        for f in d["Fields"].as_array().unwrap() {
            for key in f.as_object().unwrap().keys() {
                let known = [
                    "field",
                    "version_id",
                    "field_exists",
                    "size",
                    "Description",
                    "array_len",
                ];
                assert!(known.contains(&key.as_str()), "field key {key}");
            }
            if let Some(nested) = f.get("Description") {
                check_desc(nested);
            }
        }
        d.get("Subsections")
            .and_then(|s| s.as_array())
            .into_iter()
            .flatten()
            .for_each(check_desc);
    }
    for (key, dev) in json.as_object().unwrap() {
        if key == "vmschkmachine" {
            continue;
        }
        let mut keys: Vec<_> = dev.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["Description", "Name", "minimum_version_id", "version_id"]
        );
        check_desc(&dev["Description"]);
    }
    // It still reads as a schema, and says what the full one says about the wire.
    let (full, qemu) = (temp("full.json"), temp("qemu-shape.json"));
    assert!(vmstate(&["schema", "-o", full.to_str().unwrap()])
        .status
        .success());
    std::fs::write(&qemu, &out.stdout).unwrap();
    for (a, b) in [(&full, &qemu), (&qemu, &full)] {
        let out = vmstate(&["check", a.to_str().unwrap(), b.to_str().unwrap()]);
        assert!(
            stdout(&out).contains("0 error(s), 0 warning(s)"),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn check_compares_our_schema_with_qemus_dump_both_ways() {
    let dump = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/qemu-7.2-integratorcp/dump-vmstate.json");
    // Our schema of the ported devices (models and state-only ports) against QEMU's entries
    // for them.
    let ported: Vec<&str> = devices::qemu_device_keys()
        .iter()
        .map(|(key, _)| *key)
        .collect();
    let full: serde_json::Value = serde_json::from_slice(&std::fs::read(&dump).unwrap()).unwrap();
    let mut qemu = serde_json::Map::new();
    for key in ported.iter().chain(&["vmschkmachine"]) {
        qemu.insert((*key).into(), full[*key].clone());
    }
    let qemu_path = temp("qemu-ported.json");
    std::fs::write(&qemu_path, serde_json::Value::Object(qemu).to_string()).unwrap();
    let ours = temp("ours.json");
    for &device in &ported {
        let out = vmstate(&["schema", "--device", device, "-o", ours.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let mut q: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&qemu_path).unwrap()).unwrap();
        let only: serde_json::Map<_, _> = q
            .as_object_mut()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k == device || *k == "vmschkmachine")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let q_path = temp(&format!("qemu-{device}.json"));
        std::fs::write(&q_path, serde_json::Value::Object(only).to_string()).unwrap();
        for reverse in [false, true] {
            let mut args = vec!["check", q_path.to_str().unwrap(), ours.to_str().unwrap()];
            if reverse {
                args.push("--reverse");
            }
            let out = vmstate(&args);
            assert!(
                out.status.success(),
                "{device} reverse={reverse}: {}",
                stdout(&out)
            );
            assert!(stdout(&out).contains("0 error(s)"), "{}", stdout(&out));
        }
    }
    // A break: cm_osc renamed. The exit status is the number of errors.
    let mut broken: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&qemu_path).unwrap()).unwrap();
    broken["integrator_core"]["Description"]["Fields"][0]["field"] = "osc".into();
    let broken_path = temp("broken.json");
    std::fs::write(&broken_path, broken.to_string()).unwrap();
    let out = vmstate(&[
        "check",
        qemu_path.to_str().unwrap(),
        broken_path.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"], 1);
    assert_eq!(json["findings"][0]["path"], "integrator_core/Fields/cm_osc");
    // `--device`: QEMU's whole dump against one port's schema, that device only.
    let dump = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/qemu-7.2-integratorcp/dump-vmstate.json");
    let one = temp("one-port.json");
    let out = vmstate(&["schema", "--device", "pl031", "-o", one.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (dump, one) = (dump.to_str().unwrap(), one.to_str().unwrap());
    let whole = vmstate(&["check", dump, one]);
    assert!(whole.status.code().unwrap() > 100, "{}", stdout(&whole));
    let out = vmstate(&["check", dump, one, "--device", "pl031"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("0 error(s), 0 warning(s)"),
        "{}",
        stdout(&out)
    );
    let out = vmstate(&["check", dump, one, "--device", "pl061"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no device `pl061`"),
        "{}",
        stderr(&out)
    );
    // Back, the report is worded for it: the fix is one for NEW, the file given second.
    let out = vmstate(&[
        "check",
        qemu_path.to_str().unwrap(),
        broken_path.to_str().unwrap(),
        "--reverse",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("keep the older release's names and order"),
        "{}",
        stdout(&out)
    );
    // Not a schema: one line, non-zero.
    let out = vmstate(&[
        "check",
        fixture().to_str().unwrap(),
        qemu_path.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    // A file far larger than any dump is refused by its size, not parsed (a sparse file:
    // nothing is written to the disk).
    let huge = temp("huge-schema.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let out = vmstate(&["check", huge.to_str().unwrap(), qemu_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("1073741824 bytes is more than a schema file may have"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(&huge).unwrap();
}

#[test]
fn output_to_a_reader_that_went_away_or_a_full_disk_does_not_panic() {
    use std::process::Stdio;
    // `vmstate qemu inspect FILE | head -c 0`: the pipe's reader is closed at once.
    let fixture = fixture();
    for args in [
        vec!["qemu", "inspect", fixture.to_str().unwrap()],
        vec!["qemu", "inspect", "--json", fixture.to_str().unwrap()],
        vec!["schema"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vmstate"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {:?} {}",
            out.status,
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // A full disk is an error, reported in one line.
    if let Ok(full) = std::fs::File::create("/dev/full") {
        let out = Command::new(env!("CARGO_BIN_EXE_vmstate"))
            .arg("schema")
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            stderr(&out).trim(),
            "vmstate: error: cannot write standard output: No space left on device (os error 28)"
        );
    }
}

#[test]
fn outputs_replace_regular_files_only_and_keep_their_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let fixture = fixture();
    let input = fixture.to_str().unwrap();
    let expected = std::fs::read(&fixture).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    // A symbolic link: its target gets the output, the link stays a link.
    let target = temp("target.stream");
    std::fs::write(&target, b"old").unwrap();
    let link = temp("link.stream");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = vmstate(&["qemu", "rewrite", input, link.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read(&target).unwrap() == expected);

    // A private file stays private.
    let private = temp("private.stream");
    std::fs::write(&private, b"old").unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = vmstate(&["qemu", "rewrite", input, private.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&private), 0o600);
    assert!(std::fs::read(&private).unwrap() == expected);

    // A read-only file is refused and left as it was.
    let read_only = temp("read-only.stream");
    std::fs::write(&read_only, b"old").unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = vmstate(&["qemu", "rewrite", input, read_only.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("it is read-only"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&read_only).unwrap(), b"old");

    // A directory is named as such.
    let dir = temp("a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    let out = vmstate(&["schema", "-o", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("it is a directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn outputs_never_write_through_a_planted_link_and_drop_special_bits() {
    use std::os::unix::fs::PermissionsExt;
    let fixture = fixture();
    let input = fixture.to_str().unwrap();
    let expected = std::fs::read(&fixture).unwrap();

    // A link to a file not there yet: the file is created where it points.
    let target = temp("new-target.stream");
    let _ = std::fs::remove_file(&target);
    let dangling = temp("dangling.stream");
    let _ = std::fs::remove_file(&dangling);
    std::os::unix::fs::symlink(&target, &dangling).unwrap();
    let out = vmstate(&["qemu", "rewrite", input, dangling.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read(&target).unwrap() == expected);
    assert!(std::fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());

    // A loop of links is refused.
    let (a, b) = (temp("loop-a"), temp("loop-b"));
    for (from, to) in [(&a, &b), (&b, &a)] {
        let _ = std::fs::remove_file(from);
        std::os::unix::fs::symlink(to, from).unwrap();
    }
    let out = vmstate(&["schema", "-o", a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("too many levels of symbolic links"),
        "{}",
        stderr(&out)
    );

    // Every temporary name this process could pick is a planted link: none is followed.
    let victim = temp("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let output = temp("planted.json");
    let _ = std::fs::remove_file(&output);
    let script = format!(
        "for n in $(seq 0 99); do ln -sf {victim} {output}.tmp$$.$n; done; exec {bin} schema -o {output}",
        victim = victim.display(),
        output = output.display(),
        bin = env!("CARGO_BIN_EXE_vmstate"),
    );
    let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("100 names taken"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");

    // Set-user-ID is not carried over to a file now owned by whoever ran the rewrite.
    let setuid = temp("setuid.stream");
    std::fs::write(&setuid, b"old").unwrap();
    std::fs::set_permissions(&setuid, std::fs::Permissions::from_mode(0o4750)).unwrap();
    let out = vmstate(&["qemu", "rewrite", input, setuid.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = std::fs::metadata(&setuid).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o750);
}

#[test]
fn check_reads_the_schema_a_machine_stream_carries_and_names_a_qemu_stream() {
    let path = temp("check.native");
    demo("native", &path);
    let stream = path.to_str().unwrap();
    let out = vmstate(&["check", stream, stream]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("0 error(s), 0 warning(s)"),
        "{}",
        stdout(&out)
    );
    // The stream's schema, against one without the PL031: the section is reported.
    let mut schema = vmstate_core::machine::parse(&std::fs::read(&path).unwrap())
        .unwrap()
        .schema;
    assert!(schema.devices.remove("pl031").is_some());
    let reduced = temp("check-without-pl031.json");
    std::fs::write(&reduced, schema.to_json()).unwrap();
    let out = vmstate(&["check", stream, reduced.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("error[section-removed] pl031"),
        "{}",
        stdout(&out)
    );
    // Against `vmstate schema` of the same build, which keys the devices by QEMU type name
    // (`integrator_core`) where the stream keys them by section name (`integratorcm`): the
    // file is keyed as the stream is, and `--device` takes either name. (The other way, the
    // file's state-only ports are sections the stream's board does not have.)
    let out = vmstate(&["schema"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = temp("check-schema-of-this-build.json");
    std::fs::write(&file, &out.stdout).unwrap();
    for args in [
        &["check", stream, file.to_str().unwrap()][..],
        &[
            "check",
            stream,
            file.to_str().unwrap(),
            "--device",
            "integrator_core",
        ],
        &[
            "check",
            stream,
            file.to_str().unwrap(),
            "--device",
            "integratorcm",
        ],
    ] {
        let out = vmstate(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stdout(&out));
        assert!(
            stdout(&out).ends_with("0 error(s), 0 warning(s)\n"),
            "{args:?}: {}",
            stdout(&out)
        );
    }
    // A truncated stream is refused as a stream, with the section it breaks off in.
    let bytes = std::fs::read(&path).unwrap();
    let truncated = temp("check-truncated.native");
    std::fs::write(&truncated, &bytes[..100]).unwrap();
    let out = vmstate(&["check", truncated.to_str().unwrap(), stream]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("input truncated"), "{}", stderr(&out));
    // A QEMU stream carries no schema of its own: the error says what to compare instead.
    let qemu = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/qemu-7.2-integratorcp/integratorcp.stream");
    let out = vmstate(&["check", qemu.to_str().unwrap(), stream]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is a QEMU migration stream, not a schema"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn inputs_of_the_wrong_kind_are_refused_before_they_are_read_whole() {
    // An endless device: refused at its first bytes (it used to be read until memory ran out).
    for args in [
        &["qemu", "inspect", "/dev/zero"][..],
        &["inspect", "/dev/zero"],
        &["qemu", "rewrite", "/dev/zero", "/dev/null"],
    ] {
        let out = vmstate(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("(at byte 0)"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // A schema from a device: more than the limit, not the device's length of 0.
    let out = vmstate(&["check", "/dev/zero", fixture().to_str().unwrap()]);
    assert!(
        stderr(&out).contains("/dev/zero: over 16777216 bytes read, more than a schema file"),
        "{}",
        stderr(&out)
    );
}

/// Starts `demo --listen` on a free port; returns the child and its address.
fn listening_destination() -> (std::process::Child, String) {
    listening_destination_in("native")
}

/// [`listening_destination`] for `--format FORMAT`.
fn listening_destination_in(format: &str) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_vmstate"))
        .args(["demo", "--listen", "127.0.0.1:0", "--format", format])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("vmstate runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    (child, addr)
}

#[test]
fn the_destination_bounds_the_reads_message_and_answers_a_peer_that_sends_more() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    // A register-reads message above 1 MiB is refused from its announced length, before
    // anything is allocated for it (it used to be parsed whole: gigabytes of JSON values).
    let (child, addr) = listening_destination();
    let mut conn = TcpStream::connect(&addr).unwrap();
    conn.write_all(&message(b"not a stream")).unwrap();
    conn.write_all(&(2u32 << 20).to_le_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(
            "peer announced the source's register reads of 2097152 bytes (limit 1048576)"
        ),
        "{}",
        stderr(&out)
    );

    // A refused stream followed by bytes nobody reads: the verdict still arrives whole.
    let (child, addr) = listening_destination();
    let mut conn = TcpStream::connect(&addr).unwrap();
    conn.write_all(&message(b"not a stream")).unwrap();
    conn.write_all(&message(b"[]")).unwrap();
    conn.write_all(&[0x55; 4096]).unwrap();
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).unwrap();
    let mut verdict = vec![0u8; u32::from_le_bytes(len) as usize];
    conn.read_exact(&mut verdict).unwrap();
    let verdict: serde_json::Value = serde_json::from_slice(&verdict).unwrap();
    assert!(
        verdict["error"].as_str().unwrap().contains("bad magic"),
        "{verdict}"
    );
    drop(conn);
    assert!(!child.wait_with_output().unwrap().status.success());
}

/// The first section of `qemu inspect --json` output with this idstr.
fn section<'a>(json: &'a serde_json::Value, idstr: &str) -> &'a serde_json::Value {
    json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["idstr"] == idstr)
        .unwrap_or_else(|| panic!("no section `{idstr}`"))
}

/// One demo message: `u32 LE length + bytes`.
fn message(bytes: &[u8]) -> Vec<u8> {
    let mut m = (bytes.len() as u32).to_le_bytes().to_vec();
    m.extend_from_slice(bytes);
    m
}

/// Sends `stream` and empty register reads to a destination in `format`; returns its
/// verdict's `error`.
fn destination_error(format: &str, stream: &[u8]) -> String {
    use std::io::{Read, Write};
    let (child, addr) = listening_destination_in(format);
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.write_all(&message(stream)).unwrap();
    conn.write_all(&message(b"[]")).unwrap();
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).unwrap();
    let mut verdict = vec![0u8; u32::from_le_bytes(len) as usize];
    conn.read_exact(&mut verdict).unwrap();
    drop(conn);
    assert!(!child.wait_with_output().unwrap().status.success());
    let verdict: serde_json::Value = serde_json::from_slice(&verdict).unwrap();
    verdict["error"].as_str().expect("an error").to_owned()
}

#[test]
fn the_qemu_destination_wants_every_device_and_either_end_names_the_other_format() {
    let path = temp("demo-missing.qemu");
    demo("qemu", &path);
    let qemu = std::fs::read(&path).unwrap();
    let out = vmstate(&["qemu", "inspect", path.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rtc = section(&json, "pl031");
    let (at, len) = (
        rtc["offset"].as_u64().unwrap() as usize,
        rtc["length"].as_u64().unwrap() as usize,
    );
    // The stream without the RTC's section (QEMU would keep the RTC's reset state).
    let cut = [&qemu[..at], &qemu[at + len..]].concat();
    let err = destination_error("qemu", &cut);
    assert!(
        err.contains("missing section for device `pl031` instance 0"),
        "{err}"
    );
    // A stream of the other format than the destination's is named as such.
    let err = destination_error("native", &qemu);
    assert!(
        err.contains("it is a QEMU stream: give both ends the same --format"),
        "{err}"
    );
    let native = temp("demo-missing.native");
    demo("native", &native);
    let err = destination_error("qemu", &std::fs::read(&native).unwrap());
    assert!(
        err.contains("it is a vmstate machine stream: give both ends the same --format"),
        "{err}"
    );
}

/// Runs `demo --connect` against a destination that reads the two messages and answers
/// `answer`.
fn source_against(answer: Vec<u8>) -> std::process::Output {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let peer = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        for _ in 0..2 {
            let mut len = [0u8; 4];
            conn.read_exact(&mut len).unwrap();
            let mut skip = vec![0u8; u32::from_le_bytes(len) as usize];
            conn.read_exact(&mut skip).unwrap();
        }
        conn.write_all(&message(&answer)).unwrap();
    });
    let out = vmstate(&["demo", "--connect", &addr]);
    peer.join().unwrap();
    out
}

/// A destination that refuses the stream (here: of the other format) fails the source,
/// which gives no downtime: the guest would not run there.
#[test]
fn a_refused_migration_reports_no_downtime() {
    let (child, addr) = listening_destination_in("native");
    let out = vmstate(&["demo", "--connect", &addr, "--format", "qemu"]);
    assert!(!child.wait_with_output().unwrap().status.success());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("destination refused the stream"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("downtime"), "{}", stdout(&out));
    assert!(stdout(&out).contains("sections sent:"), "{}", stdout(&out));
}

#[test]
fn the_source_fails_on_a_verdict_it_cannot_read() {
    for (answer, expected) in [
        ("{}", "no `load_us`"),
        (
            r#"{"load_us": 1, "busy_us": 1, "devices": []}"#,
            "0 devices, the board has 5",
        ),
        (
            r#"{"load_us": 1, "busy_us": 1, "error": {"x": 1}}"#,
            "`error` is not a string",
        ),
        (
            r#"{"load_us": -1, "busy_us": 1, "devices": []}"#,
            "`load_us` is not a time",
        ),
    ] {
        // A destination that answers `answer` to whatever it receives.
        let out = source_against(answer.as_bytes().to_vec());
        assert!(!out.status.success(), "{answer}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("the destination's verdict is not one this version understands")
                && stderr(&out).contains(expected),
            "{answer}: {}",
            stderr(&out)
        );
        assert!(!stdout(&out).contains("every device matches"), "{answer}");
    }
}

#[test]
fn text_from_the_peer_is_printed_with_control_characters_escaped() {
    let answer = serde_json::json!({
        "load_us": 1, "busy_us": 1,
        "error": "bad\nresult: every device matches after migration\u{1b}[2J",
    });
    let out = source_against(answer.to_string().into_bytes());
    assert!(!out.status.success());
    // A refusal is the run's error, on standard error.
    let err = stderr(&out);
    assert!(
        err.contains(
            r"destination refused the stream: bad\nresult: every device matches after migration\u{1b}[2J"
        ),
        "{err}"
    );
    let text = stdout(&out) + &err;
    assert!(!text.lines().any(|l| l.starts_with("result:")), "{text}");
}

#[test]
fn the_source_does_not_believe_a_match_of_other_registers_than_it_read() {
    // A peer that answers "no mismatch" for every device, of one register each, without
    // loading anything.
    let devices: Vec<serde_json::Value> = devices::board::SECTIONS
        .iter()
        .map(|(name, instance)| {
            serde_json::json!({"device": format!("{name}:{instance}"), "registers": 1, "mismatches": []})
        })
        .collect();
    let answer = serde_json::json!({"load_us": 1, "busy_us": 1, "devices": devices});
    let out = source_against(answer.to_string().into_bytes());
    assert!(!out.status.success(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "it compared 1 registers of `integratorcm:0` without a mismatch, where the source read"
        ),
        "{err}"
    );
    assert!(!stdout(&out).contains("every device matches"));
}

#[test]
fn a_file_this_user_may_not_write_is_refused_though_its_directory_lets_anyone_replace_it() {
    // Root's 0644 file in a directory anyone may write (no sticky bit): a rename would
    // replace it, but writing it would not be allowed, so neither is the rewrite. Needs
    // root to set up and `setpriv` to run as another user (CI runs as root).
    use std::os::unix::fs::PermissionsExt;
    let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    if !(root && setpriv) {
        eprintln!("skipped: needs root and setpriv");
        return;
    }
    let dir = temp("open-to-all");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let input = dir.join("in.stream");
    std::fs::copy(fixture(), &input).unwrap();
    std::fs::set_permissions(&input, std::fs::Permissions::from_mode(0o644)).unwrap();
    let theirs = dir.join("roots.stream");
    std::fs::write(&theirs, b"old").unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o644)).unwrap();
    let as_nobody = |args: &[&std::ffi::OsStr]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_vmstate"))
            .args(args)
            .output()
            .unwrap()
    };
    // The binary must be reachable by that user (not under a private home directory).
    if !as_nobody(&["--version".as_ref()]).status.success() {
        eprintln!("skipped: the binary cannot be run as another user here");
        std::fs::remove_dir_all(&dir).unwrap();
        return;
    }
    let rewrite_as_nobody = |out: &Path| {
        as_nobody(&[
            "qemu".as_ref(),
            "rewrite".as_ref(),
            input.as_ref(),
            out.as_ref(),
        ])
    };
    let out = rewrite_as_nobody(&theirs);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Permission denied"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&theirs).unwrap(), b"old");
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&theirs).unwrap());
    assert_eq!(owner, 0);
    // A file of its own there is written as before.
    let own = dir.join("own.stream");
    let out = rewrite_as_nobody(&own);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read(&own).unwrap() == std::fs::read(fixture()).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}
