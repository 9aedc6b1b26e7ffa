//! Sections of a real QEMU 7.2 x86 `pc` stream (`tests/fixtures/qemu-7.2-pc/`: after SeaBIOS
//! and a boot sector that programs the serial ports ran) decoded by `qemu inspect --schema`
//! with QEMU's own dump: what a dump alone cannot say comes from the vmdesc.

use vmstate_core::qemu::Stream;
use vmstate_core::schema::Schema;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/qemu-7.2-pc");

/// The fixture's sections (idstr, instance, version, file) in one stream with their vmdesc
/// entries, and its listing with QEMU's dump of their devices.
fn listing() -> serde_json::Value {
    let sections = [
        ("fdc", 0, 2, "fdc-0.bin"),
        ("0000:00:01.3/piix4_pm", 0, 3, "0000_00_01.3_piix4_pm-0.bin"),
        ("serial", 1, 3, "serial-1.bin"),
        ("cpu", 0, 12, "cpu-0.bin"),
    ];
    let data: Vec<Vec<u8>> = (sections.iter())
        .map(|s| std::fs::read(format!("{DIR}/{}", s.3)).expect("fixture"))
        .collect();
    let with_data: Vec<(&str, u32, u32, &[u8])> = (sections.iter().zip(&data))
        .map(|(s, d)| (s.0, s.1, s.2, d.as_slice()))
        .collect();
    let vmdesc = std::fs::read_to_string(format!("{DIR}/vmdesc.json")).expect("vmdesc");
    let entries = vmdesc.trim().trim_start_matches('[').trim_end_matches(']');
    let stream = Stream::parse(vmstate_tests::qemu_stream_of(&with_data, Some(entries)))
        .expect("the stream parses");
    let dump = std::fs::read_to_string(format!("{DIR}/dump.json")).expect("dump");
    let dump = Schema::from_json(&dump).expect("QEMU's dump reads");
    devices::qemu_image::inspect_with(&stream, Some(&dump)).expect("inspect")
}

/// The listed section `idstr`.
fn section<'a>(listing: &'a serde_json::Value, idstr: &str) -> &'a serde_json::Value {
    (listing["sections"].as_array().into_iter().flatten())
        .find(|s| s["idstr"] == idstr)
        .unwrap_or_else(|| panic!("no section {idstr} in {listing}"))
}

#[test]
fn an_array_of_structs_listed_element_by_element_decodes_each_element() {
    // The floppy controller's two drives carry subsections, so QEMU lists them one by one
    // (`index`), and its dump gives no count: an array of two.
    let listing = listing();
    let fdc = section(&listing, "fdc");
    assert!(fdc["error"].is_null(), "{fdc}");
    let state = &fdc["fields"]["state"];
    assert_eq!(state["num_floppies"], 2, "{fdc}");
    let media_rate = &state["drives"][1]["subsections"]["fdrive/media_rate"];
    assert_eq!(media_rate["media_rate"], 0, "{fdc}");
    // The FIFO holds the end of the boot sector the BIOS read.
    let fifo = state["fifo"].as_str().unwrap_or_default();
    assert!(fifo.ends_with("55aa"), "{fdc}");

    // The PIIX4's 256 hotplug slots, behind a test and listed one by one.
    let pm = section(&listing, "0000:00:01.3/piix4_pm");
    assert!(pm["error"].is_null(), "{pm}");
    let slot = |i: usize| &pm["fields"]["acpi_pci_hotplug.acpi_pcihp_pci_status"][i];
    assert_eq!(slot(0)["up"], 0, "{pm}");
    assert!(slot(255).is_object() && slot(256).is_null(), "{pm}");
}

#[test]
fn an_array_the_vmdesc_does_not_list_was_sent_empty() {
    // The memory hotplug state's `devs`, as many as the hotpluggable DIMM slots (none):
    // QEMU's vmdesc lists no empty field.
    let listing = listing();
    let pm = section(&listing, "0000:00:01.3/piix4_pm");
    let memhp = &pm["subsections"]["piix4_pm/memhp"]["acpi_memory_hotplug"];
    assert_eq!(memhp["devs"], serde_json::json!([]), "{pm}");
    assert_eq!(memhp["selector"], 0, "{pm}");
}

#[test]
fn a_serial_port_is_decoded_by_the_device_the_vmdesc_lists() {
    // `isa-serial` (field `state`), not `serial-mm` (field `serial`), which also describes
    // `serial`. COM2 holds the three bytes the boot sector looped back.
    let listing = listing();
    let com2 = section(&listing, "serial");
    assert_eq!(com2["schema_device"], "isa-serial", "{com2}");
    let fifo = &com2["fields"]["state"]["subsections"]["serial/recv_fifo"]["recv_fifo"];
    assert_eq!(fifo["num"], 3, "{com2}");
    assert!(
        fifo["data"]
            .as_str()
            .unwrap_or_default()
            .starts_with("414243"),
        "{com2}"
    );
}

#[test]
fn an_x86_cpu_is_not_decoded_and_the_listing_says_by_which_port() {
    let listing = listing();
    let cpu = section(&listing, "cpu");
    assert!(cpu["fields"].is_null(), "{cpu}");
    assert_eq!(cpu["port"], "ArmCpuState", "{cpu}");
    let error = cpu["error"].as_str().unwrap_or_default();
    assert!(error.contains("version 12 is too old"), "{cpu}");
}

/// A port of QEMU's 16550 (`hw/char/serial.c`, `serial-isa.c`) as this README's "Porting a
/// QEMU device's hooks" says: its `post_load` checks in `validate`, its `pre_load` sentinel
/// as a subsection's `default`, its `pre_save` shadow in a `Cell`.
mod uart16550 {
    use std::cell::Cell;
    use vmstate_core::VmState;

    /// QEMU's `Fifo8`: `VMSTATE_VBUFFER_UINT32(data, Fifo8, 1, NULL, capacity)`, head, num.
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "Fifo8")]
    pub struct Fifo8 {
        #[vmstate(skip)]
        pub capacity: u32,
        #[vmstate(max_len = 16, len = "capacity")]
        pub data: Vec<u8>,
        pub head: u32,
        pub num: u32,
    }

    impl Default for Fifo8 {
        fn default() -> Self {
            Fifo8 {
                capacity: 16,
                data: vec![0; 16],
                head: 0,
                num: 0,
            }
        }
    }

    #[derive(VmState, Debug, Clone, Default, PartialEq)]
    #[vmstate(name = "serial/thr_ipending")]
    pub struct ThrIpending {
        pub thr_ipending: i32,
    }

    impl ThrIpending {
        /// What QEMU's `pre_load` writes: "not received", for `post_load` to compute.
        fn absent() -> Self {
            ThrIpending { thr_ipending: -1 }
        }
    }

    #[derive(VmState, Debug, Clone, Default, PartialEq)]
    #[vmstate(name = "serial/tsr")]
    pub struct Tsr {
        pub tsr_retry: u32,
        pub thr: u8,
        pub tsr: u8,
    }

    #[derive(VmState, Debug, Clone, Default, PartialEq)]
    #[vmstate(name = "serial/recv_fifo")]
    pub struct RecvFifo {
        pub recv_fifo: Fifo8,
    }

    #[derive(VmState, Debug, Clone, Default, PartialEq)]
    #[vmstate(name = "serial/xmit_fifo")]
    pub struct XmitFifo {
        pub xmit_fifo: Fifo8,
    }

    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "serial/fifo_timeout_timer")]
    pub struct FifoTimeoutTimer {
        /// `VMSTATE_TIMER_PTR`: the expiry, -1 when not armed.
        pub fifo_timeout_timer: i64,
    }

    #[derive(VmState, Debug, Clone, Default, PartialEq)]
    #[vmstate(name = "serial/timeout_ipending")]
    pub struct TimeoutIpending {
        pub timeout_ipending: i32,
    }

    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(name = "serial/poll")]
    pub struct Poll {
        pub poll_msl: i32,
        pub modem_status_poll: i64,
    }

    #[derive(Debug)]
    pub struct Inconsistent(&'static str);

    impl std::fmt::Display for Inconsistent {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Inconsistent {}

    const LSR_TEMT: u8 = 0x40;

    /// `vmstate_serial`.
    #[derive(VmState, Debug, Clone, PartialEq)]
    #[vmstate(
        name = "serial",
        version = 3,
        minimum_version = 2,
        pre_save = "Self::pre_save",
        validate = "Self::validate",
        post_load = "Self::post_load"
    )]
    pub struct Serial {
        #[vmstate(since = 2)]
        pub divider: u16,
        pub rbr: u8,
        pub ier: u8,
        pub iir: u8,
        pub lcr: u8,
        pub mcr: u8,
        pub lsr: u8,
        pub msr: u8,
        pub scr: u8,
        #[vmstate(since = 3)]
        pub fcr_vmstate: Cell<u8>,
        #[vmstate(
            subsection,
            needed = "Self::thr_ipending_needed",
            default = "ThrIpending::absent"
        )]
        pub thr_ipending: ThrIpending,
        #[vmstate(subsection, needed = "Self::tsr_needed")]
        pub tsr: Tsr,
        #[vmstate(subsection, needed = "Self::recv_fifo_needed")]
        pub recv_fifo: RecvFifo,
        #[vmstate(subsection, needed = "Self::xmit_fifo_needed")]
        pub xmit_fifo: XmitFifo,
        #[vmstate(subsection, needed = "Self::fifo_timeout_timer_needed")]
        pub fifo_timeout_timer: FifoTimeoutTimer,
        #[vmstate(subsection, needed = "Self::timeout_ipending_needed")]
        pub timeout_ipending: TimeoutIpending,
        #[vmstate(subsection, needed = "Self::poll_needed")]
        pub poll: Poll,
        /// The FIFO control register the device runs with (QEMU's `fcr`).
        #[vmstate(skip)]
        pub fcr: u8,
    }

    impl Default for Serial {
        /// QEMU's `serial_reset_hold`, on a character device without modem lines.
        fn default() -> Self {
            Serial {
                divider: 0x0c,
                rbr: 0,
                ier: 0,
                iir: 1,
                lcr: 0,
                mcr: 0x08,
                lsr: 0x60,
                msr: 0xb0,
                scr: 0,
                fcr_vmstate: Cell::new(0),
                thr_ipending: ThrIpending::default(),
                tsr: Tsr::default(),
                recv_fifo: RecvFifo::default(),
                xmit_fifo: XmitFifo::default(),
                fifo_timeout_timer: FifoTimeoutTimer {
                    fifo_timeout_timer: -1,
                },
                timeout_ipending: TimeoutIpending::default(),
                poll: Poll {
                    poll_msl: -1,
                    modem_status_poll: -1,
                },
                fcr: 0,
            }
        }
    }

    impl Serial {
        fn pre_save(&self) {
            self.fcr_vmstate.set(self.fcr);
        }

        /// QEMU's `serial_post_load` checks, before anything changes.
        fn validate(&self) -> Result<(), Inconsistent> {
            match (self.tsr.tsr_retry > 0, self.lsr & LSR_TEMT != 0) {
                (true, true) => Err(Inconsistent("tsr empty, tsr_retry > 0")),
                (false, false) => Err(Inconsistent("tsr not empty, tsr_retry=0")),
                _ => Ok(()),
            }
        }

        /// The rest of QEMU's `serial_post_load(opaque, version_id)`.
        fn post_load(&mut self, version: u32) {
            if version < 3 {
                self.fcr_vmstate.set(0);
            }
            if self.thr_ipending.thr_ipending == -1 {
                self.thr_ipending.thr_ipending = i32::from(self.iir & 0x06 == 0x02);
            }
            self.tsr.tsr_retry = self.tsr.tsr_retry.min(4);
            self.fcr = self.fcr_vmstate.get();
        }

        fn thr_ipending_needed(&self) -> bool {
            let expected = self.iir & 0x06 == 0x02;
            self.ier & 0x02 != 0 && self.thr_ipending.thr_ipending != i32::from(expected)
        }
        fn tsr_needed(&self) -> bool {
            self.tsr.tsr_retry != 0
        }
        fn recv_fifo_needed(&self) -> bool {
            self.recv_fifo.recv_fifo.num != 0
        }
        fn xmit_fifo_needed(&self) -> bool {
            self.xmit_fifo.xmit_fifo.num != 0
        }
        fn fifo_timeout_timer_needed(&self) -> bool {
            self.fifo_timeout_timer.fifo_timeout_timer != -1
        }
        fn timeout_ipending_needed(&self) -> bool {
            self.timeout_ipending.timeout_ipending != 0
        }
        fn poll_needed(&self) -> bool {
            self.poll.poll_msl >= 0
        }
    }

    /// `vmstate_isa_serial`: `VMSTATE_STRUCT(state, ISASerialState, 0, vmstate_serial, ...)`,
    /// a struct of the section's own name.
    #[derive(VmState, Debug, Clone, Default, PartialEq)]
    #[vmstate(name = "serial", version = 3, minimum_version = 2)]
    pub struct IsaSerial {
        pub state: Serial,
    }
}

/// The fixture's COM2 section alone, with its vmdesc entry.
fn com2_stream() -> Stream {
    let data = std::fs::read(format!("{DIR}/serial-1.bin")).expect("fixture");
    let vmdesc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/vmdesc.json")).unwrap())
            .unwrap();
    let entry = (vmdesc.as_array().into_iter().flatten())
        .find(|e| e["name"] == "serial" && e["instance_id"] == 1)
        .expect("COM2's entry")
        .to_string();
    Stream::parse(vmstate_tests::qemu_stream_of(
        &[("serial", 1, 3, &data)],
        Some(&entry),
    ))
    .expect("the stream parses")
}

#[test]
fn a_16550_port_loads_qemus_com2_and_saves_it_back_byte_for_byte() {
    use uart16550::IsaSerial;
    let stream = com2_stream();
    let com2 = vmstate_tests::port_loads_qemu_section(&stream, "serial", 1, IsaSerial::default());
    let uart = &com2.state;
    assert_eq!((uart.divider, uart.ier, uart.mcr), (0x0c, 0x01, 0x10));
    assert_eq!(&uart.recv_fifo.recv_fifo.data[..3], b"ABC");
    assert_eq!(uart.recv_fifo.recv_fifo.num, 3);
    assert_eq!(uart.timeout_ipending.timeout_ipending, 1);
    // The subsection was absent: its default told `post_load` to compute it.
    assert_eq!(uart.thr_ipending.thr_ipending, 0);
    assert_eq!(uart.fcr, 0x01);
}

#[test]
fn a_refused_16550_state_leaves_the_port_as_it_was() {
    use uart16550::IsaSerial;
    let stream = com2_stream();
    let sec = stream.device("serial", 1).expect("COM2");
    let mut data = stream.data(sec).to_vec();
    // LSR without TEMT, and no tsr subsection: QEMU's post_load refuses it.
    assert_eq!(data[7], 0x61, "COM2's LSR");
    data[7] = 0x21;
    let mut uart = IsaSerial::default();
    uart.state.ier = 0x03;
    uart.state.iir = 0xc4;
    uart.state.thr_ipending.thr_ipending = 1;
    let before = uart.clone();
    let err = vmstate_core::qemu::from_bytes(&mut uart, &data, 3, 0).unwrap_err();
    assert!(err.to_string().contains("tsr not empty"), "{err}");
    assert_eq!(uart, before);
}
