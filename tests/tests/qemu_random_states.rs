//! Sections of QEMU 7.2 streams of random device states (`tools/qemu/random-states.py`;
//! `tests/fixtures/qemu-7.2-random-states/`) decoded by `qemu inspect --schema` with QEMU's
//! own `-dump-vmstate`: ARM (AST2500, SmartFusion2, MPS2/MPS3, Raspberry Pi, i.MX6UL) and
//! x86 (`pc`, `q35`, `isapc`, `microvm`) devices whose registers took random writes, so
//! that the streams carry what a stream at reset does not: subsections (also one nested in
//! a struct field), `VMSTATE_VBUFFER` and FIFO data with nonzero counts, a
//! `VMSTATE_STRUCT_VARRAY` counted by a field of the stream, sub-arrays, arrays of structs
//! and a device named by its PCI path. Each section is cut out of its stream with its
//! vmdesc entry and put in a stream of its own; the values asserted were checked against
//! what QEMU's device models do.
//!
//! The vmdesc is needed by all but two of them: QEMU 7.2's dump gives an array's element
//! size and not its length, a `VMSTATE_VBUFFER`'s size as 0, and no way to tell whether a
//! field behind a test function was sent; without the vmdesc such a section is refused with
//! the field and the reason, never misread.

use devices::qemu_image::inspect_with;
use serde_json::{json, Value};
use vmstate_core::qemu::Stream;
use vmstate_core::schema::Schema;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/qemu-7.2-random-states"
);

/// A cut section: its files (`NAME.bin`, `NAME-vmdesc.json`), its header, the dump's device
/// that decodes it, its subsections, and what a decoding without the vmdesc says (`None`:
/// it decodes, to the same values).
struct Cut {
    name: &'static str,
    idstr: &'static str,
    instance: u32,
    version: u32,
    device: &'static str,
    subsections: &'static [&'static str],
    without_vmdesc: Option<&'static str>,
}

/// "has size 0 in a schema without types": a `VMSTATE_VBUFFER`, whose size only the vmdesc
/// gives.
const VBUFFER: &str = "has size 0 in a schema without types";
/// A field behind a test function: only the vmdesc says whether it was sent.
const TESTED: &str = "depends on a test function";
/// An array read as its one element (the dump gives no lengths): bytes left over.
const ARRAY: &str = "unexpected trailing bytes";

const CUTS: [Cut; 16] = [
    Cut {
        name: "serial-ast2500",
        idstr: "serial",
        instance: 2,
        version: 3,
        device: "serial-mm",
        // In the `serial` struct field: the section itself has none.
        subsections: &[],
        without_vmdesc: Some(VBUFFER),
    },
    Cut {
        name: "mss-spi",
        idstr: "mss-spi",
        instance: 1,
        version: 1,
        device: "mss-spi",
        subsections: &[],
        without_vmdesc: Some(VBUFFER),
    },
    Cut {
        name: "armv7m-nvic",
        idstr: "armv7m_nvic",
        instance: 0,
        version: 4,
        device: "armv7m_nvic",
        subsections: &["armv7m_nvic/m-security"],
        without_vmdesc: Some(ARRAY),
    },
    Cut {
        name: "iotkit-secctl",
        idstr: "iotkit-secctl",
        instance: 0,
        version: 1,
        device: "iotkit-secctl",
        subsections: &["iotkit-secctl-mpcintstatus", "iotkit-secctl/msc"],
        without_vmdesc: Some(ARRAY),
    },
    Cut {
        name: "iotkit-sysctl",
        idstr: "iotkit-sysctl",
        instance: 0,
        version: 1,
        device: "iotkit-sysctl",
        subsections: &["iotkit-sysctl/sse-200", "iotkit-sysctl/sse-300"],
        without_vmdesc: None,
    },
    Cut {
        name: "or-irq",
        idstr: "or-irq",
        instance: 0,
        version: 1,
        device: "or-irq",
        subsections: &["or-irq-extras"],
        without_vmdesc: Some(ARRAY),
    },
    Cut {
        name: "sdhci",
        idstr: "sdhci",
        instance: 0,
        version: 1,
        device: "generic-sdhci",
        subsections: &["sdhci/pending-insert"],
        without_vmdesc: Some(VBUFFER),
    },
    Cut {
        name: "imx-fec",
        idstr: "imx.fec",
        instance: 0,
        version: 2,
        device: "imx.enet",
        subsections: &["imx.fec/txdescs"],
        without_vmdesc: Some(ARRAY),
    },
    Cut {
        name: "fw-cfg-pc",
        idstr: "fw_cfg",
        instance: 0,
        version: 2,
        device: "fw_cfg",
        subsections: &["fw_cfg/acpi_mr", "fw_cfg/dma"],
        without_vmdesc: Some(TESTED),
    },
    Cut {
        name: "fw-cfg-isapc",
        idstr: "fw_cfg",
        instance: 0,
        version: 2,
        device: "fw_cfg",
        subsections: &["fw_cfg/dma"],
        without_vmdesc: Some(TESTED),
    },
    Cut {
        name: "piix3",
        idstr: "0000:00:01.0/PIIX3",
        instance: 0,
        version: 3,
        device: "PIIX3",
        subsections: &[],
        without_vmdesc: Some(TESTED),
    },
    Cut {
        name: "i8254",
        idstr: "i8254",
        instance: 0,
        version: 3,
        device: "isa-pit",
        subsections: &[],
        without_vmdesc: Some(ARRAY),
    },
    Cut {
        name: "hpet-pc",
        idstr: "hpet",
        instance: 0,
        version: 2,
        device: "hpet",
        subsections: &["hpet/offset"],
        without_vmdesc: Some(ARRAY),
    },
    Cut {
        name: "hpet-q35",
        idstr: "hpet",
        instance: 0,
        version: 2,
        device: "hpet",
        subsections: &["hpet/rtc_irq_level"],
        without_vmdesc: Some(ARRAY),
    },
    Cut {
        name: "acpi-ged",
        idstr: "acpi-ged",
        instance: 0,
        version: 1,
        device: "acpi-ged",
        subsections: &["acpi-ged/memhp"],
        // The device array is read as one element: there is none.
        without_vmdesc: Some("memhp_state.devs.is_enabled: input truncated"),
    },
    Cut {
        name: "i8259-isapc",
        idstr: "i8259",
        instance: 1,
        version: 1,
        device: "isa-i8259",
        subsections: &[],
        without_vmdesc: None,
    },
];

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).expect("fixture")
}

fn dump() -> Schema {
    let json = String::from_utf8(fixture("dump.json")).unwrap();
    Schema::from_json(&json).expect("QEMU 7.2's dump reads")
}

fn cut(name: &str) -> &'static Cut {
    CUTS.iter().find(|c| c.name == name).expect("a cut")
}

/// The stream of one cut section (its last `short` bytes left out) with its vmdesc entry,
/// or none (the section is then framed by its footer, as QEMU's `suppress-vmdesc` writes).
fn stream(c: &Cut, vmdesc: bool, short: usize) -> Vec<u8> {
    let entry = String::from_utf8(fixture(&format!("{}-vmdesc.json", c.name))).unwrap();
    let data = fixture(&format!("{}.bin", c.name));
    let data = &data[..data.len() - short];
    let entries = vmdesc.then_some(entry.as_str());
    vmstate_tests::qemu_stream_of(&[(c.idstr, c.instance, c.version, data)], entries)
}

/// The listing of one cut section, decoded with the dump.
fn listed(c: &Cut, vmdesc: bool, short: usize) -> Value {
    let stream = Stream::parse(stream(c, vmdesc, short)).expect("the stream parses");
    let listing = inspect_with(&stream, Some(&dump())).unwrap();
    listing["sections"][0].clone()
}

/// The cut section `name`, decoded with its vmdesc; checked to have decoded.
fn section(name: &str) -> Value {
    let s = listed(cut(name), true, 0);
    assert!(s["error"].is_null() && s["fields"].is_object(), "{s}");
    s
}

/// The length in bytes of a byte array (shown in hex).
fn hex_len(v: &Value) -> usize {
    v.as_str().unwrap_or_else(|| panic!("hex bytes: {v}")).len() / 2
}

#[test]
fn every_cut_section_decodes_by_the_dump_with_its_subsections() {
    for c in &CUTS {
        let s = listed(c, true, 0);
        assert!(
            s["error"].is_null() && s["fields"].is_object(),
            "{}: {s}",
            c.name
        );
        assert_eq!(s["decoded_by"], "schema", "{}: {s}", c.name);
        assert_eq!(s["schema_device"], c.device, "{}: {s}", c.name);
        assert_eq!(s["idstr"], c.idstr);
        let mut names: Vec<&str> = (s["subsections"].as_object())
            .unwrap_or_else(|| panic!("{}: {s}", c.name))
            .keys()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        assert_eq!(names, c.subsections, "{}: {s}", c.name);
    }
}

/// The 16550's receive FIFO is a subsection of the `serial` struct field of `serial-mm`
/// (not of the section), a `Fifo8` whose 16-byte `VMSTATE_VBUFFER` has its size from the
/// vmdesc; QEMU sends it only when the FIFO holds a byte, and then the line status says
/// data ready.
#[test]
fn a_subsection_nested_in_a_struct_field_reads_its_fifo_buffer() {
    let s = section("serial-ast2500");
    let uart = &s["fields"]["serial"];
    let fifo = &uart["subsections"]["serial/recv_fifo"]["recv_fifo"];
    assert_eq!(hex_len(&fifo["data"]), 16, "{fifo}");
    assert_eq!(
        (&fifo["head"], &fifo["num"]),
        (&json!(0), &json!(1)),
        "{fifo}"
    );
    assert_eq!(
        uart["lsr"].as_u64().unwrap() & 0x01,
        0x01,
        "data ready: {uart}"
    );
    // FIFOs enabled (FCR bit 0): IIR's top bits say so; no interrupt pending (bit 0).
    assert_eq!(uart["fcr_vmstate"], 0x89, "{uart}");
    assert_eq!(uart["iir"], 0xc1, "{uart}");
    // No chardev: QEMU's reset modem status, DCD | DSR | CTS, with MCR in loopback.
    assert_eq!(uart["msr"], 0xb0, "{uart}");
    assert_eq!(uart["mcr"], 0x1a, "{uart}");
    assert_eq!(uart["divider"], 0x1110, "{uart}");
    // The FIFO timeout timer was pending: its expiry time, 8 bytes on the wire.
    let timer = &uart["subsections"]["serial/fifo_timeout_timer"]["fifo_timeout_timer"];
    assert_eq!(timer, 4_094_999_808u64, "{uart}");
}

/// A `Fifo32` is a `Fifo8` of four bytes a word: the counts the stream carries are whole
/// words within the 32-word buffer the vmdesc sizes, and the words pushed are at `head`.
#[test]
fn fifo32_counts_read_as_whole_words_within_the_buffer() {
    let s = section("mss-spi");
    let fields = &s["fields"];
    for (name, head, num) in [("tx_fifo.fifo", 12, 20), ("rx_fifo.fifo", 8, 4)] {
        let fifo = &fields[name];
        assert_eq!(hex_len(&fifo["data"]), 128, "{fifo}");
        assert_eq!((&fifo["head"], &fifo["num"]), (&json!(head), &json!(num)));
    }
    // The five words from the tx FIFO's head: 0x2ab60b92 ... as written (little-endian).
    let tx = fields["tx_fifo.fifo"]["data"].as_str().unwrap();
    assert_eq!(&tx[24..64], "2ab60b9200000010575b9974ffffffffffffffff");
    let regs = fields["regs"].as_array().unwrap();
    assert_eq!(regs.len(), 16, "{fields}");
    assert_eq!(regs[0], 2_011_353_718u64);
    assert_eq!(regs[15], 3_338_714_457u64);
}

/// The NVIC's 512 vectors (the vmdesc's length) and the `m-security` subsection of a
/// TrustZone Cortex-M33: the reset values QEMU's `armv7m_nvic_reset` gives, priorities as
/// the 16-bit two's complement the stream holds: Reset -4 (v8-M), NMI -2, HardFault -1,
/// the Non-secure HardFault disabled and the Secure one enabled.
#[test]
fn nvic_vectors_and_secure_vectors_hold_qemus_reset_priorities() {
    let s = section("armv7m-nvic");
    let vectors = s["fields"]["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 512);
    let prio = |v: &Value| v["prio"].as_u64().unwrap() as u16 as i16;
    assert_eq!(
        [prio(&vectors[1]), prio(&vectors[2]), prio(&vectors[3])],
        [-4, -2, -1]
    );
    assert_eq!(vectors[2]["enabled"], 1, "NMI");
    assert_eq!(vectors[3]["enabled"], 0, "Non-secure HardFault");
    let security = &s["subsections"]["armv7m_nvic/m-security"];
    let sec = security["sec_vectors"].as_array().unwrap();
    assert_eq!(sec.len(), 16, "the internal exceptions");
    assert_eq!(prio(&sec[3]), -1);
    // HardFault, SVCall, PendSV, SysTick enabled in the Secure state.
    for n in [3, 11, 14, 15] {
        assert_eq!(sec[n]["enabled"], 1, "secure vector {n}: {security}");
    }
    assert_eq!(hex_len(&security["itns"]), 512, "{security}");
    assert_eq!(security["prigroup[M_REG_S]"], 0);
}

/// Arrays of PPC structs with random values, and the SSE-300's system control: both its
/// subsections (QEMU sends `sse-200` for any SSE but the IoTKit, `sse-300` for the SSE-300),
/// `PWRCTRL` at its reset value 3.
#[test]
fn iotkit_arrays_of_structs_and_the_sse300_subsections() {
    let s = section("iotkit-secctl");
    let fields = &s["fields"];
    let lens: Vec<usize> = (["apb", "apbexp", "ahbexp"].iter())
        .map(|n| fields[*n].as_array().unwrap().len())
        .collect();
    assert_eq!(lens, [2, 4, 4], "{fields}");
    assert_eq!(fields["apbexp"][1]["sp"], 58684, "{fields}");
    assert_eq!(fields["ahbexp"][1]["nsp"], 58, "{fields}");
    assert_eq!(fields["ahbexp"][3]["ns"], 7618, "{fields}");
    let msc = &s["subsections"]["iotkit-secctl/msc"];
    assert_eq!(
        *msc,
        json!({"secmscintstat": 0, "secmscinten": 0, "nsmscexp": 0})
    );

    let s = section("iotkit-sysctl");
    assert_eq!(
        s["subsections"]["iotkit-sysctl/sse-300"]["pwrctrl"], 3,
        "{s}"
    );
    assert_eq!(
        s["subsections"]["iotkit-sysctl/sse-200"]["pdcm_pd_sys_sense"],
        0x7f
    );
    assert_eq!(s["fields"]["reset_syndrome"], 1, "{s}");
}

/// `VMSTATE_BOOL_SUB_ARRAY`: the 16 legacy lines in the section, the other 17 in the
/// `or-irq-extras` subsection, both named `levels` (lengths from the vmdesc).
#[test]
fn a_bool_sub_array_splits_between_section_and_subsection() {
    let s = section("or-irq");
    assert_eq!(hex_len(&s["fields"]["levels"]), 16, "{s}");
    assert_eq!(
        hex_len(&s["subsections"]["or-irq-extras"]["levels"]),
        17,
        "{s}"
    );
}

/// The SD host controller's FIFO (`VMSTATE_VBUFFER`, 1024 bytes: the Raspberry Pi's
/// capabilities give 1 KiB blocks) and its `pending-insert` subsection, which QEMU sends
/// only while a card insertion is pending.
#[test]
fn sdhci_fifo_buffer_and_pending_insert() {
    let s = section("sdhci");
    let fields = &s["fields"];
    assert_eq!(hex_len(&fields["fifo_buffer"]), 1024, "{fields}");
    assert_eq!(
        s["subsections"]["sdhci/pending-insert"]["pending_insert_state"],
        1
    );
    assert_eq!(fields["blksize"], 21504, "{fields}");
    assert_eq!(fields["blkcnt"], 50007, "{fields}");
    // The two timers after the FIFO: not pending.
    assert_eq!(fields["insert_timer"], json!(u64::MAX), "{fields}");
    assert_eq!(fields["transfer_timer"], json!(u64::MAX), "{fields}");
}

/// The ENET's 400 registers, then the PHY's, read at their place: QEMU's PHY reset values
/// with the link up (BMSR 0x7809 | link | autonegotiation done, interrupts ENERGYON |
/// AUTONEG_COMPLETE); the transmit ring descriptors as a sub-array, `[0]` in the section and
/// `[1]`, `[2]` in the `txdescs` subsection.
#[test]
fn imx_fec_phy_registers_follow_400_registers_and_tx_descriptors_split() {
    let s = section("imx-fec");
    let fields = &s["fields"];
    assert_eq!(fields["regs"].as_array().unwrap().len(), 400);
    assert_eq!(fields["phy_status"], 0x782d, "{fields}");
    assert_eq!(fields["phy_control"], 0x3000, "{fields}");
    assert_eq!(fields["phy_advertise"], 0x1e1, "{fields}");
    assert_eq!(fields["phy_int"], 0xc0, "{fields}");
    assert_eq!(fields["tx_descriptor[0]"], 0, "{fields}");
    let txdescs = &s["subsections"]["imx.fec/txdescs"];
    assert_eq!(
        *txdescs,
        json!({"tx_descriptor[1]": 0, "tx_descriptor[2]": 0})
    );
}

/// fw_cfg sends `acpi_mr` only where the machine built ACPI tables: `pc` (a 20-byte ACPI 1.0
/// RSDP), not `isapc`; `dma` on both.
#[test]
fn fw_cfg_acpi_sizes_on_pc_and_no_acpi_subsection_on_isapc() {
    let pc = section("fw-cfg-pc");
    let acpi = &pc["subsections"]["fw_cfg/acpi_mr"];
    assert_eq!(acpi["rsdp_mr_size"], 20, "{acpi}");
    assert_eq!(acpi["linker_mr_size"], 4096, "{acpi}");
    assert_eq!(acpi["table_mr_size"], 131_072, "{acpi}");
    let isapc = section("fw-cfg-isapc");
    assert!(isapc["subsections"]["fw_cfg/acpi_mr"].is_null(), "{isapc}");
    assert_eq!(isapc["subsections"]["fw_cfg/dma"]["dma_addr"], 0, "{isapc}");
}

/// A device on the PCI bus is named by its path; the dump's `PIIX3` decodes it, its PCI
/// config space (256 bytes, behind a test function: the vmdesc says it was sent) starting
/// with Intel's vendor id and the PIIX3's device id 0x7000.
#[test]
fn a_pci_device_named_by_its_path_reads_its_config_space() {
    let s = section("piix3");
    let config = s["fields"]["dev"]["config"].as_str().unwrap();
    assert_eq!(config.len(), 2 * 256);
    assert_eq!(&config[..8], "86800070", "vendor 0x8086, device 0x7000");
    let levels = &s["fields"]["pci_irq_levels_vmstate"];
    assert_eq!(*levels, json!([0, 0, 0, 0]), "{s}");
}

/// The PIT writes channel 0's next transition time twice (in the channel struct and after
/// the array, where its timer once was): both reads agree, so the array of three 32-byte
/// structs was read at its length.
#[test]
fn pit_channel_array_and_channel0_time_written_twice_agree() {
    let s = section("i8254");
    let fields = &s["fields"];
    let channels = fields["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 3);
    assert_eq!(channels[0]["next_transition_time"], 8_152_989, "{fields}");
    assert_eq!(
        fields["channels[0].next_transition_time"],
        channels[0]["next_transition_time"]
    );
    assert_eq!(channels[0]["count"], 9728, "{fields}");
    assert_eq!(channels[2]["status"], 134, "{fields}");
}

/// The HPET's timers are a `VMSTATE_STRUCT_VARRAY_UINT8` counted by `num_timers` (in the
/// stream, before them), each with its index and the machine's interrupt routing
/// capability (`pc` IRQ 2; `q35` 0xff0104). QEMU sends `hpet/offset` only while the HPET is
/// enabled (`pc`: config 3) and `rtc_irq_level` only when it is set (`q35`).
#[test]
fn hpet_timer_count_and_subsections_follow_qemus_rules() {
    for (name, config, route) in [("hpet-pc", 3, 0x4u64), ("hpet-q35", 0, 0xff0104)] {
        let s = section(name);
        let fields = &s["fields"];
        let timers = fields["timer"].as_array().unwrap();
        assert_eq!(fields["num_timers"], timers.len(), "{fields}");
        assert_eq!(timers.len(), 3);
        for (i, t) in timers.iter().enumerate() {
            assert_eq!(t["tn"], i, "{t}");
            assert_eq!(t["config"].as_u64().unwrap() >> 32, route, "{name}: {t}");
        }
        assert_eq!(fields["config"], config, "{fields}");
    }
    let pc = section("hpet-pc");
    let offset = &pc["subsections"]["hpet/offset"]["hpet_offset"];
    assert_eq!(*offset, 42_949_672_950u64, "{pc}");
    // Timer 0 armed (expiry time 10 ns), the others not.
    assert_eq!(pc["fields"]["timer"][0]["qemu_timer"], 10, "{pc}");
    let q35 = section("hpet-q35");
    assert_eq!(
        q35["subsections"]["hpet/rtc_irq_level"]["rtc_irq_level"], 1,
        "{q35}"
    );
}

/// `microvm` has no memory hotplug slots: the memory hotplug state's device array
/// (`VMSTATE_STRUCT_VARRAY_POINTER_UINT32`, counted by a field not in the stream) is empty,
/// as its vmdesc entry, which lists no such field, says.
#[test]
fn memory_hotplug_state_with_no_slots_has_no_devices() {
    let s = section("acpi-ged");
    let memhp = &s["subsections"]["acpi-ged/memhp"]["memhp_state"];
    assert_eq!(*memhp, json!({"selector": 0, "devs": []}), "{s}");
}

/// The slave PIC of an `isapc` (instance 1): random registers, its ELCR within the bits QEMU
/// lets a write set on the slave (0xde: IRQ 8 and 13 are edge only).
#[test]
fn slave_pic_elcr_within_its_mask() {
    let s = section("i8259-isapc");
    let fields = &s["fields"];
    assert_eq!(fields["elcr"], 0xd6, "{fields}");
    assert_eq!(fields["elcr"].as_u64().unwrap() & !0xde, 0);
    assert_eq!(fields["irq_base"], 0x58, "{fields}");
    assert_eq!(fields["auto_eoi"], 1, "{fields}");
    assert_eq!(
        (&fields["irr"], &fields["last_irr"]),
        (&json!(64), &json!(64))
    );
}

/// Without the vmdesc (its section framed by its footer) a section decodes to the same
/// values where the dump says all, and is otherwise refused naming the field and why: an
/// array's length, a `VMSTATE_VBUFFER`'s size, a field behind a test function.
#[test]
fn without_the_vmdesc_a_section_decodes_the_same_or_names_what_the_dump_cannot_say() {
    for c in &CUTS {
        let with = listed(c, true, 0);
        let without = listed(c, false, 0);
        match c.without_vmdesc {
            None => {
                assert_eq!(without["fields"], with["fields"], "{}", c.name);
                assert_eq!(without["subsections"], with["subsections"], "{}", c.name);
                assert_eq!(without["decoded_by"], "schema", "{}: {without}", c.name);
            }
            Some(why) => {
                assert!(without["fields"].is_null(), "{}: {without}", c.name);
                let error = without["error"].as_str().unwrap_or_default();
                assert!(error.contains(why), "{}: {without}", c.name);
            }
        }
    }
}

/// One byte short: with the vmdesc, which sizes every section, the stream itself is refused,
/// naming the section and both sizes; framed by its footer instead, the section's decoding
/// stops at the field it cut (one in a subsection here) and says so. No panic either way.
#[test]
fn a_section_one_byte_short_is_refused_naming_the_field() {
    for c in &CUTS {
        let size = fixture(&format!("{}.bin", c.name)).len();
        let error = Stream::parse(stream(c, true, 1)).unwrap_err().to_string();
        let why = format!(
            "section `{}` instance {}: its vmdesc entry's fields take {size} bytes, but its \
             footer comes after {}",
            c.idstr,
            c.instance,
            size - 1
        );
        assert!(error.contains(&why), "{}: {error}", c.name);
        let s = listed(c, false, 1);
        assert!(
            s["fields"].is_null() && s["error"].is_string(),
            "{}: {s}",
            c.name
        );
    }
    for (name, field) in [
        ("iotkit-sysctl", "iotkit-sysctl/sse-300.pdcm_pd_vmr1_sense"),
        ("i8259-isapc", "elcr"),
        ("acpi-ged", "acpi-ged/memhp.memhp_state.selector"),
    ] {
        let s = listed(cut(name), false, 1);
        let error = s["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(&format!("{field}: input truncated")),
            "{name}: {s}"
        );
    }
}
