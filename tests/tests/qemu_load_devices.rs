//! One's own devices loaded from a QEMU stream all or nothing, and saved back into it
//! (`qemu::load_devices`, `qemu::load_present_devices`, `Stream::save_devices`).

use devices::{IntegratorCp, QemuDevice};
use std::cell::RefCell;
use vmstate_core::machine::Section;
use vmstate_core::qemu::{self, Device, Stream};
use vmstate_core::{Error, VmState};
use vmstate_tests::{qemu_7_2_stream, qemu_stream_of};

/// The board's devices as a QEMU stream's devices, by idstr and instance.
fn board_devices(board: &mut IntegratorCp) -> Vec<(&'static str, u32, &mut dyn Device)> {
    (board.devices_mut().into_iter())
        .map(|(idstr, instance, dev)| (idstr, instance, dev as &mut dyn Device))
        .collect()
}

#[test]
fn the_board_loads_from_a_real_qemu_stream() {
    let stream = qemu_7_2_stream();
    let mut board = IntegratorCp::new(32);
    qemu::load_devices(&stream, &mut board_devices(&mut board)).unwrap();
    // The fixture README's values.
    assert_eq!(
        (board.core.cm_osc, board.core.cm_lock, board.core.cm_sdram),
        (0x777, 0xa05f, 0x11132)
    );
    assert_eq!(
        (board.pic.irq_enabled, board.pic.fiq_enabled),
        (0x300, 0x40)
    );
    assert_eq!(board.sic.irq_enabled, 0x3);
    // What the board's own QEMU loader makes of it, register for register.
    let loaded = devices::qemu_image::load_board(&stream).unwrap();
    assert_eq!(board.register_dump(true), loaded.register_dump(true));
}

#[test]
fn saved_unchanged_the_stream_is_the_same_bytes_and_a_change_touches_its_section_only() {
    let stream = qemu_7_2_stream();
    let mut board = IntegratorCp::new(32);
    qemu::load_devices(&stream, &mut board_devices(&mut board)).unwrap();
    // Every device but the RTC, whose saved offset counts from the host's clock now.
    let everything: Vec<(&str, u32, &dyn Device)> = (board.devices().into_iter())
        .filter(|(idstr, _, _)| *idstr != "pl031")
        .map(|(idstr, instance, dev)| (idstr, instance, dev as &dyn Device))
        .collect();
    assert_eq!(everything.len(), 4);
    let saved = stream.save_devices(&everything).unwrap();
    let first_difference = (0..saved.len()).find(|&i| saved.get(i) != stream.bytes().get(i));
    assert_eq!(
        (saved.len(), first_difference),
        (stream.bytes().len(), None)
    );

    board.sic.irq_enabled = 0x5;
    let saved = stream.save_devices(&[("icp_pic", 1, &board.sic)]).unwrap();
    let sic = stream.device("icp_pic", 1).unwrap();
    let differ: Vec<usize> = (0..saved.len())
        .filter(|&i| saved[i] != stream.bytes()[i])
        .collect();
    assert!(!differ.is_empty());
    assert!(differ.iter().all(|i| sic.data.contains(i)), "{differ:?}");
    let mut again = IntegratorCp::new(32);
    let saved = Stream::parse(saved).unwrap();
    qemu::load_devices(&saved, &mut board_devices(&mut again)).unwrap();
    assert_eq!(again.sic.irq_enabled, 0x5);
}

/// A device whose data changes size (a subsection sent that was not) is saved with a vmdesc
/// entry of its own description, which readers take the section's size from; QEMU, which
/// does not read the vmdesc, loads such a stream. The other sections and entries are kept.
#[test]
fn a_save_of_another_size_gets_a_vmdesc_entry_from_the_device() {
    #[derive(VmState, Default)]
    #[vmstate(name = "icp_control")]
    struct Wider {
        intreg_state: u64,
    }
    let stream = qemu_7_2_stream();
    let saved = stream
        .save_devices(&[("icp_control", 0, &Wider { intreg_state: 7 })])
        .unwrap();
    let saved = Stream::parse(saved).unwrap();
    assert_eq!(
        saved.data(saved.device("icp_control", 0).unwrap()),
        7u64.to_be_bytes()
    );
    let entries = |s: &Stream| s.vmdesc().unwrap()["devices"].as_array().unwrap().clone();
    let (before, after) = (entries(&stream), entries(&saved));
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        if a["name"] == "icp_control" {
            assert_eq!(a["instance_id"], b["instance_id"]);
            assert_eq!(
                a["fields"],
                serde_json::json!([{ "name": "intreg_state", "type": "uint64", "size": 8 }])
            );
        } else {
            assert_eq!(a, b);
        }
    }
    let mut loaded = Wider::default();
    qemu::load_devices(&saved, &mut [("icp_control", 0, &mut loaded)]).unwrap();
    assert_eq!(loaded.intreg_state, 7);
    // The other sections are QEMU's bytes.
    for (a, b) in stream.sections().zip(saved.sections()) {
        if a.idstr != "icp_control" {
            assert_eq!(stream.data(a), saved.data(b), "{}", a.idstr);
        }
    }
}

#[derive(VmState, Default, Debug, PartialEq, Clone)]
#[vmstate(name = "uart", post_load = "Self::reopen")]
struct Uart {
    lcr: u8,
    #[vmstate(range = "0..16")]
    head: u8,
}

thread_local! {
    /// The `post_load`s run on this thread, in order: (lcr, head) of each.
    static LOADS: RefCell<Vec<(u8, u8)>> = const { RefCell::new(Vec::new()) };
}

impl Uart {
    /// Fails for an `lcr` of 0xff, as a backend that cannot reopen would.
    fn reopen(&mut self) -> Result<(), std::io::Error> {
        LOADS.with(|l| l.borrow_mut().push((self.lcr, self.head)));
        match self.lcr {
            0xff => Err(std::io::Error::other("cannot reopen the backend")),
            _ => Ok(()),
        }
    }
}

fn loads() -> Vec<(u8, u8)> {
    LOADS.with(|l| l.take())
}

/// A stream of UART sections, each (instance, lcr, head).
fn uarts(sections: &[(u32, u8, u8)]) -> Stream {
    let data: Vec<[u8; 2]> = sections.iter().map(|&(_, lcr, head)| [lcr, head]).collect();
    let list: Vec<(&str, u32, u32, &[u8])> = (sections.iter().zip(&data))
        .map(|(&(instance, _, _), d)| ("uart", instance, 1, &d[..]))
        .collect();
    Stream::parse(qemu_stream_of(&list, None)).unwrap()
}

#[test]
fn devices_load_in_the_streams_order_whatever_the_lists() {
    let stream = uarts(&[(1, 0x11, 1), (0, 0x10, 0), (2, 0x12, 2)]);
    let [mut u0, mut u1, mut u2] = [Uart::default(), Uart::default(), Uart::default()];
    loads();
    qemu::load_devices(
        &stream,
        &mut [
            ("uart", 0, &mut u0),
            ("uart", 2, &mut u2),
            ("uart", 1, &mut u1),
        ],
    )
    .unwrap();
    assert_eq!([u0.lcr, u1.lcr, u2.lcr], [0x10, 0x11, 0x12]);
    assert_eq!(loads(), [(0x11, 1), (0x10, 0), (0x12, 2)]);
}

#[test]
fn a_failing_hook_puts_back_the_devices_loaded_before_it() {
    let stream = uarts(&[(0, 0x10, 3), (1, 0xff, 4)]);
    let (mut u0, mut u1) = (Uart { lcr: 1, head: 5 }, Uart { lcr: 2, head: 6 });
    loads();
    let err = qemu::load_devices(&stream, &mut [("uart", 0, &mut u0), ("uart", 1, &mut u1)])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("section 2 (`uart` instance 1): uart: ") && err.contains("cannot reopen"),
        "{err}"
    );
    assert_eq!(
        (u0, u1),
        (Uart { lcr: 1, head: 5 }, Uart { lcr: 2, head: 6 })
    );
    // The first loaded, the second failed and was put back, then the first was put back:
    // each put-back runs the hook again on the restored values.
    assert_eq!(loads(), [(0x10, 3), (0xff, 4), (2, 6), (1, 5)]);
}

#[test]
fn a_section_that_does_not_load_changes_no_device() {
    let before = [Uart { lcr: 1, head: 5 }, Uart { lcr: 2, head: 6 }];
    for (stream, says) in [
        // Out of its range: found by the check, before any device changes.
        (
            uarts(&[(0, 0x10, 3), (1, 0x11, 16)]),
            "section 2 (`uart` instance 1): uart.head: value 16 is outside the valid range 0..16",
        ),
        (
            Stream::parse(qemu_stream_of(
                &[("uart", 0, 1, &[0x10, 3]), ("uart", 1, 2, &[0x11, 4])],
                None,
            ))
            .unwrap(),
            "section 2 (`uart` instance 1): uart: version 2 is too new",
        ),
        (
            Stream::parse(qemu_stream_of(
                &[("uart", 0, 1, &[0x10, 3]), ("uart", 1, 1, &[0x11, 4, 0])],
                None,
            ))
            .unwrap(),
            "section 2 (`uart` instance 1): uart: 1 unexpected trailing byte",
        ),
        (
            Stream::parse(qemu_stream_of(
                &[("uart", 0, 1, &[0x10, 3]), ("uart", 1, 1, &[0x11])],
                None,
            ))
            .unwrap(),
            "section 2 (`uart` instance 1): uart.head: ",
        ),
        (
            uarts(&[(0, 0x10, 3), (1, 0x11, 4), (1, 0x11, 5)]),
            "duplicate section `uart` instance 1 (the first is at byte ",
        ),
        (
            uarts(&[(0, 0x10, 3)]),
            "missing section for device `uart` instance 1: the stream does not carry it",
        ),
    ] {
        let [mut u0, mut u1] = before.clone();
        loads();
        let err = qemu::load_devices(&stream, &mut [("uart", 0, &mut u0), ("uart", 1, &mut u1)])
            .unwrap_err();
        // Refusals by name are kinds of their own, for a caller to match.
        let by_name = match err.kind() {
            vmstate_core::ErrorKind::DuplicateSection { name, instance, .. }
            | vmstate_core::ErrorKind::MissingSection { name, instance } => {
                Some((name.as_str(), *instance))
            }
            _ => None,
        };
        let refused_by_name = says.starts_with("duplicate") || says.starts_with("missing");
        assert_eq!(by_name, refused_by_name.then_some(("uart", 1)), "{err:?}");
        let err = err.to_string();
        assert!(err.contains(says), "{err}\n  should say: {says}");
        assert_eq!([u0, u1], before, "{says}");
        assert_eq!(loads(), [], "{says}: no hook ran");
    }
}

#[test]
fn a_device_listed_twice_is_refused() {
    let stream = uarts(&[(0, 0x10, 3)]);
    let (mut a, mut b) = (Uart::default(), Uart::default());
    let err =
        qemu::load_devices(&stream, &mut [("uart", 0, &mut a), ("uart", 0, &mut b)]).unwrap_err();
    assert!(
        err.to_string()
            .contains("device `uart` instance 0 is listed twice"),
        "{err}"
    );
    assert_eq!((a, b), (Uart::default(), Uart::default()));
}

#[test]
fn load_present_devices_leaves_a_device_the_stream_lacks() {
    let stream = uarts(&[(1, 0x11, 1)]);
    let (mut u0, mut u1) = (Uart { lcr: 7, head: 7 }, Uart::default());
    let loaded =
        qemu::load_present_devices(&stream, &mut [("uart", 0, &mut u0), ("uart", 1, &mut u1)])
            .unwrap();
    assert_eq!(loaded, [false, true]);
    assert_eq!((u0.lcr, u1.lcr), (7, 0x11));
    // A section the stream carries still loads all or nothing.
    let stream = uarts(&[(1, 0xff, 1)]);
    let err =
        qemu::load_present_devices(&stream, &mut [("uart", 0, &mut u0), ("uart", 1, &mut u1)]);
    assert!(err.is_err());
    assert_eq!((u0.lcr, u1.lcr), (7, 0x11));
}

/// A `Device` written by hand around a UART: undone by loading its data from before, which
/// its `range` refuses when the device was out of range before the load.
struct HandWritten(Uart);

impl Section for HandWritten {
    fn description(&self) -> &'static vmstate_core::Description {
        Uart::DESCRIPTION
    }
    fn save_native(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        vmstate_core::save_section(&self.0, out)
    }
    fn check_native(&self, bytes: &[u8], base: usize) -> Result<(), Error> {
        vmstate_core::check_section(&self.0, bytes, base)
    }
    fn load_native(&mut self, bytes: &[u8], base: usize) -> Result<(), Error> {
        vmstate_core::from_bytes_at(&mut self.0, bytes, base)
    }
}

impl Device for HandWritten {
    fn save_qemu(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        qemu::save(&self.0, out)
    }
    fn check_qemu(&self, data: &[u8], version: u32, base: usize) -> Result<(), Error> {
        qemu::check_bytes(&self.0, data, version, base)
    }
    fn load_qemu(&mut self, data: &[u8], version: u32, base: usize) -> Result<(), Error> {
        qemu::from_bytes(&mut self.0, data, version, base)
    }
}

#[test]
fn a_hand_written_device_is_put_back_by_loading_its_data_from_before() {
    let stream = uarts(&[(0, 0x10, 3), (1, 0xff, 4)]);
    let mut hand = HandWritten(Uart { lcr: 1, head: 5 });
    let mut failing = Uart { lcr: 2, head: 6 };
    let err = qemu::load_devices(
        &stream,
        &mut [("uart", 0, &mut hand), ("uart", 1, &mut failing)],
    )
    .unwrap_err();
    assert!(err.to_string().contains("cannot reopen"), "{err}");
    assert_eq!(hand.0, Uart { lcr: 1, head: 5 });

    // Out of its own range before the load: its data from before does not load again, and
    // the error says it keeps the loaded state.
    let mut hand = HandWritten(Uart { lcr: 1, head: 20 });
    let error = qemu::load_devices(
        &stream,
        &mut [("uart", 0, &mut hand), ("uart", 1, &mut failing)],
    )
    .unwrap_err();
    let err = error.to_string();
    assert!(
        err.contains("; and `uart` instance 0 keeps the loaded state") && err.contains("value 20"),
        "{err}"
    );
    // The error is still the failing hook's, with what else went wrong after it.
    assert!(
        matches!(error.kind(), vmstate_core::ErrorKind::Hook { .. }),
        "{error:?}"
    );
    assert!(
        err.starts_with("section 2 (`uart` instance 1): uart: hook"),
        "{err}"
    );
    assert_eq!(hand.0, Uart { lcr: 0x10, head: 3 });
}

#[test]
fn check_qemu_changes_nothing_and_predicts_field_checks() {
    let dev: &dyn Device = &Uart { lcr: 1, head: 2 };
    let mut data = Vec::new();
    dev.save_qemu(&mut data).unwrap();
    assert_eq!(data, [1, 2]);
    let dst = Uart::default();
    dst.check_qemu(&[3, 15], 1, 0).unwrap();
    let err = dst.check_qemu(&[3, 16], 1, 100).unwrap_err();
    assert_eq!(err.offset(), Some(101));
    assert!(dst.check_qemu(&[3, 1], 2, 0).is_err());
    assert_eq!(dst, Uart::default());
}

#[test]
fn a_device_described_otherwise_than_its_section_is_refused() {
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "pl031")]
    struct Rtc {
        lr: [u8; 2],
    }
    let stream = uarts(&[(0, 0x10, 3)]);
    let mut rtc = Rtc::default();
    let err = qemu::load_devices(&stream, &mut [("uart", 0, &mut rtc)]).unwrap_err();
    assert!(
        err.to_string()
            .contains("device `uart` instance 0 is described as `pl031`"),
        "{err}"
    );
    assert_eq!(rtc, Rtc::default());
    let stream = qemu_7_2_stream();
    let err = stream
        .save_devices(&[("icp_control", 0, &Rtc::default())])
        .unwrap_err();
    assert!(err.to_string().contains("described as `pl031`"), "{err}");

    // A device on a bus: QEMU's idstr is its bus path, then the description's name.
    let bytes = qemu_stream_of(&[("0000:00:03.0/uart", 0, 1, &[0x10, 3])], None);
    let stream = Stream::parse(bytes).unwrap();
    let mut uart = Uart::default();
    qemu::load_devices(&stream, &mut [("0000:00:03.0/uart", 0, &mut uart)]).unwrap();
    assert_eq!(uart.lcr, 0x10);
    let err = qemu::load_devices(&stream, &mut [("0000:00:03.0uart", 0, &mut uart)]);
    assert!(err.is_err());
}

#[test]
fn a_save_at_another_version_than_the_sections_is_refused() {
    #[derive(VmState, Default)]
    #[vmstate(name = "icp_control", version = 2, minimum_version = 1)]
    struct Newer {
        intreg_state: u32,
    }
    let stream = qemu_7_2_stream();
    let mut dev = Newer::default();
    // It loads the stream's version 1 ...
    qemu::load_devices(&stream, &mut [("icp_control", 0, &mut dev)]).unwrap();
    // ... but its save is version 2's, which the kept header would call version 1's.
    let err = stream
        .save_devices(&[("icp_control", 0, &dev)])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`icp_control` instance 0): this build saves version 2 and the stream's section is at version 1"),
        "{err}"
    );
}

#[test]
fn the_checks_go_in_the_streams_order_after_the_refusals_by_name() {
    // Both sections are out of range: the stream's first is named.
    let stream = uarts(&[(1, 0x11, 16), (0, 0x10, 17)]);
    let (mut u0, mut u1) = (Uart::default(), Uart::default());
    let err =
        qemu::load_devices(&stream, &mut [("uart", 0, &mut u0), ("uart", 1, &mut u1)]).unwrap_err();
    assert!(
        err.to_string().starts_with("section 1 (`uart` instance 1)"),
        "{err}"
    );
    // A device listed twice is refused before any data is read.
    let (mut a, mut b) = (Uart::default(), Uart::default());
    let err =
        qemu::load_devices(&stream, &mut [("uart", 1, &mut a), ("uart", 1, &mut b)]).unwrap_err();
    assert!(err.to_string().contains("listed twice"), "{err}");
    assert!(
        matches!(err.kind(), vmstate_core::ErrorKind::Misuse(_)),
        "{err}"
    );
}

/// A device whose `post_load` fails on its own state before the load: put back after a later
/// device fails, its hook fails again, and the error says so.
#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "divider", post_load = "Self::recalc")]
struct Divider {
    divisor: u32,
    #[vmstate(skip)]
    rate: u32,
}

impl Divider {
    fn recalc(&mut self) -> Result<(), std::io::Error> {
        if self.divisor == 0 {
            return Err(std::io::Error::other("a divisor of 0"));
        }
        self.rate = 115_200 / self.divisor;
        Ok(())
    }
}

#[test]
fn a_device_whose_hooks_fail_on_its_restored_state_is_named() {
    let bytes = qemu_stream_of(
        &[("divider", 0, 1, &[0, 0, 0, 3]), ("uart", 0, 1, &[0xff, 0])],
        None,
    );
    let stream = Stream::parse(bytes).unwrap();
    let mut divider = Divider {
        divisor: 0,
        rate: 1234,
    };
    let mut uart = Uart::default();
    let err = qemu::load_devices(
        &stream,
        &mut [("divider", 0, &mut divider), ("uart", 0, &mut uart)],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("cannot reopen"), "{err}");
    assert!(
        err.contains(
            "; and `divider` instance 0 has its values from before again, but its hooks failed \
             on them: "
        ) && err.contains("a divisor of 0"),
        "{err}"
    );
    assert_eq!(divider.divisor, 0);
}

/// `qemu::write_stream`: one's own devices as a QEMU stream with a vmdesc trailer, which
/// gives each section's size whatever the devices' bytes hold.
mod written_streams {
    use super::*;

    #[derive(VmState, Default, Debug, Clone, PartialEq)]
    #[vmstate(name = "uart")]
    struct Uart {
        lcr: u8,
        #[vmstate(max_len = 32)]
        fifo: Vec<u8>,
    }

    #[derive(VmState, Default, Debug, Clone, PartialEq)]
    #[vmstate(name = "timer", version = 2)]
    struct Timer {
        count: u32,
        #[vmstate(subsection, needed = "Timer::armed")]
        armed: TimerArmed,
    }
    #[derive(VmState, Default, Debug, Clone, PartialEq)]
    #[vmstate(name = "timer/armed")]
    struct TimerArmed {
        expiry: i64,
    }
    impl Timer {
        fn armed(&self) -> bool {
            self.armed.expiry >= 0
        }
    }

    /// Guest bytes that read as the end of section 0 followed by another section's header.
    fn footer_lookalike() -> Vec<u8> {
        vec![
            0x7e, 0, 0, 0, 0, 0x04, 0, 0, 0, 9, 1, b'x', 0, 0, 0, 0, 0, 0, 0, 1,
        ]
    }

    fn vmdesc_of(stream: &Stream) -> serde_json::Value {
        serde_json::from_slice(&stream.bytes()[vmstate_tests::vmdesc_range(stream)]).unwrap()
    }

    #[test]
    fn guest_bytes_like_a_footer_do_not_end_a_section_the_vmdesc_sizes() {
        let uart = Uart {
            lcr: 3,
            fifo: footer_lookalike(),
        };
        let timer = Timer {
            count: 7,
            armed: TimerArmed { expiry: 1_000 },
        };
        let devices: [(&str, u32, &dyn Device); 2] = [("uart", 0, &uart), ("timer", 0, &timer)];
        let stream = Stream::parse(qemu::write_stream(4096, &devices).unwrap()).unwrap();
        let (mut uart_back, mut timer_back) = (Uart::default(), Timer::default());
        qemu::load_devices(
            &stream,
            &mut [("uart", 0, &mut uart_back), ("timer", 0, &mut timer_back)],
        )
        .unwrap();
        assert_eq!((uart_back, timer_back), (uart.clone(), timer.clone()));
        // Saved back into the stream, as a stream of QEMU's is.
        let saved = stream.save_devices(&devices).unwrap();
        assert_eq!(saved, stream.bytes());

        // The same sections without the vmdesc: the footer is guessed, and the guest's
        // bytes mislead the guess.
        let mut bare = qemu::MAGIC.to_be_bytes().to_vec();
        bare.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
        for (i, s) in stream.sections().enumerate() {
            assert_eq!(s.section_id as usize, i);
            qemu::write_section(&mut bare, s, stream.data(s));
        }
        bare.push(qemu::tag::EOF);
        assert!(Stream::parse(bare).is_err());
    }

    #[test]
    fn the_vmdesc_lists_fields_where_their_sizes_give_the_sections() {
        let timer = Timer {
            count: 7,
            armed: TimerArmed { expiry: 5 },
        };
        let idle = Timer {
            count: 1,
            armed: TimerArmed { expiry: -1 },
        };
        let uart = Uart {
            lcr: 3,
            fifo: vec![1, 2],
        };
        let devices: [(&str, u32, &dyn Device); 3] = [
            ("timer", 0, &timer),
            ("timer", 1, &idle),
            ("uart", 0, &uart),
        ];
        let stream = Stream::parse(qemu::write_stream(4096, &devices).unwrap()).unwrap();
        let vmdesc = vmdesc_of(&stream);
        let entries = vmdesc["devices"].as_array().unwrap();
        let names = |e: &serde_json::Value| -> Vec<String> {
            (e["fields"].as_array().unwrap().iter())
                .map(|f| f["name"].as_str().unwrap().to_owned())
                .collect()
        };
        // The armed timer sends its subsection, and its entry lists it; the idle one not.
        assert_eq!(
            (names(&entries[0]), entries[0]["instance_id"].as_u64()),
            (vec!["count".to_owned()], Some(0))
        );
        assert_eq!(
            names(&entries[0]["subsections"][0]),
            vec!["expiry".to_owned()]
        );
        assert!(entries[1]["subsections"].is_null(), "{vmdesc}");
        // A `Vec` sends its own length: one buffer of the section's size.
        assert_eq!(names(&entries[2]), vec!["data".to_owned()]);
        assert_eq!(entries[2]["fields"][0]["size"], 1 + 4 + 2);
        // A nested struct's fields are listed in it, as QEMU's vmdesc lists them.
        #[derive(VmState, Default, Debug, Clone, PartialEq)]
        #[vmstate(name = "dma")]
        struct Dma {
            addr: u32,
            burst: Burst,
        }
        #[derive(VmState, Default, Debug, Clone, PartialEq)]
        #[vmstate(name = "burst")]
        struct Burst {
            len: u8,
        }
        let dma = Dma::default();
        let stream = Stream::parse(qemu::write_stream(4096, &[("dma", 0, &dma)]).unwrap()).unwrap();
        let vmdesc = vmdesc_of(&stream);
        let burst = &vmdesc["devices"][0]["fields"][1];
        assert_eq!(
            (&burst["name"], &burst["size"]),
            (&"burst".into(), &1.into()),
            "{vmdesc}"
        );
        assert_eq!(names(&burst["struct"]), vec!["len".to_owned()], "{vmdesc}");
        // The board's stream gives the ARM926's 1 KiB pages.
        assert_eq!(
            vmdesc_of(
                &Stream::parse(devices::qemu_image::save_board(&IntegratorCp::new(32)).unwrap())
                    .unwrap()
            )["page_size"],
            1024
        );
        // The board's devices are all described field by field.
        let board = IntegratorCp::new(32);
        let stream = Stream::parse(devices::qemu_image::save_board(&board).unwrap()).unwrap();
        let vmdesc = vmdesc_of(&stream);
        let entries = vmdesc["devices"].as_array().unwrap();
        assert_eq!(entries.len(), board.devices().len());
        for (entry, (_, _, dev)) in entries.iter().zip(board.devices()) {
            let description = dev.description();
            let described: Vec<_> = (description.qemu_fields())
                .map(|f| f.name.to_owned())
                .collect();
            assert_eq!(names(entry), described, "{entry}");
        }
    }

    #[test]
    fn what_load_devices_refuses_by_name_is_not_written() {
        let uart = Uart::default();
        let twice: [(&str, u32, &dyn Device); 2] = [("uart", 0, &uart), ("uart", 0, &uart)];
        let misuse = |page_size, devices: &[(&str, u32, &dyn Device)]| {
            let err = qemu::write_stream(page_size, devices).unwrap_err();
            // The caller's mistake, not a stream's: its own kind.
            assert!(
                matches!(err.kind(), vmstate_core::ErrorKind::Misuse(_)),
                "{err}"
            );
            err.to_string()
        };
        let err = misuse(4096, &twice);
        assert!(err.contains("listed twice"), "{err}");
        let other = [("timer", 0, &uart as &dyn Device)];
        let err = misuse(4096, &other);
        assert!(err.contains("is described as `uart`"), "{err}");
        let path = format!("{}/uart", "p".repeat(300));
        let long = [(path.as_str(), 0, &uart as &dyn Device)];
        let err = misuse(4096, &long);
        assert!(err.contains("at most 255"), "{err}");
        // A page size no target has, which the stream's readers refuse.
        let one = [("uart", 0, &uart as &dyn Device)];
        for page_size in [0, 3, 512, 4097, 1 << 21, u32::MAX] {
            let err = misuse(page_size, &one);
            assert!(err.contains("from 1024 to 1 MiB"), "{err}");
        }
        for page_size in [1024, 4096, 1 << 16, 1 << 20] {
            Stream::parse(qemu::write_stream(page_size, &one).unwrap()).unwrap();
        }
        // On a bus: `<bus path>/<name>`.
        let on_a_bus = [("0000:00:02.0/uart", 0, &uart as &dyn Device)];
        let stream = Stream::parse(qemu::write_stream(4096, &on_a_bus).unwrap()).unwrap();
        assert!(stream.device("0000:00:02.0/uart", 0).is_some());
    }
}
