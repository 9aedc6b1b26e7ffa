//! Native machine streams: a whole board, loaded all or nothing.

use devices::{machine, IntegratorCp};

fn source() -> IntegratorCp {
    let mut b = IntegratorCp::new(32);
    for (addr, value) in [
        (0x1000_0014, 0xa05f),
        (0x1000_0008, 0x777),
        (0x1000_000c, 0x4),
        (0x1400_0008, 0x300),
        (0x1500_0004, 0x42),
    ] {
        b.write(addr, value).unwrap();
    }
    b
}

/// A stream like `machine::save`'s, with only the sections `keep` accepts.
fn stream_with(board: &IntegratorCp, keep: impl Fn(&str, u32) -> bool) -> Vec<u8> {
    let full = machine::save(board).unwrap();
    let parsed = machine::parse(&full).unwrap();
    let mut out = full[..12].to_vec();
    for s in &parsed.sections {
        if keep(&s.name, s.instance_id) {
            out.push(0x01);
            out.push(s.instance_id as u8);
            out.extend_from_slice(&full[s.range.clone()]);
        }
    }
    let end = parsed.sections.last().unwrap().range.end;
    out.extend_from_slice(&full[end..]);
    vmstate_tests::resealed_machine_stream(&out)
}

#[test]
fn round_trip_of_a_whole_board() {
    let src = source();
    let bytes = machine::save(&src).unwrap();
    let mut dst = IntegratorCp::new(32);
    machine::load(&mut dst, &bytes).unwrap();
    assert_eq!(dst.register_dump(true), src.register_dump(true));
    assert!(!dst.core.flash.enabled);
}

#[test]
fn a_device_missing_from_the_stream_is_refused_and_nothing_changes() {
    let bytes = stream_with(&source(), |name, inst| !(name == "icp_pic" && inst == 1));
    let mut dst = IntegratorCp::new(32);
    dst.write(0x1000_0030, 0x5).unwrap();
    let before = dst.register_dump(true);
    let err = machine::load(&mut dst, &bytes).unwrap_err();
    assert!(
        err.to_string()
            .contains("missing section for device `icp_pic` instance 1"),
        "{err}"
    );
    assert_eq!(dst.register_dump(true), before);
}

#[test]
fn a_section_the_destination_lacks_is_refused_and_nothing_changes() {
    // Instance 1 of icp_control does not exist on the board: rename icp_pic:1's slot.
    let src = source();
    let full = machine::save(&src).unwrap();
    let parsed = machine::parse(&full).unwrap();
    let mut bytes = full.clone();
    let ctl = parsed
        .sections
        .iter()
        .find(|s| s.name == "icp_control")
        .unwrap();
    bytes[ctl.range.start - 1] = 7; // its instance id
    let bytes = vmstate_tests::resealed_machine_stream(&bytes);
    let mut dst = IntegratorCp::new(32);
    let before = dst.register_dump(true);
    let err = machine::load(&mut dst, &bytes).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown section `icp_control` instance 7"),
        "{err}"
    );
    assert_eq!(dst.register_dump(true), before);
}

#[test]
fn a_corrupt_section_is_refused_by_name_before_any_device_changes() {
    let src = source();
    let full = machine::save(&src).unwrap();
    let parsed = machine::parse(&full).unwrap();
    for s in &parsed.sections {
        let mut bad = full.clone();
        bad[s.range.end - 5] ^= 0x10; // the last field byte
        let mut dst = IntegratorCp::new(32);
        let before = dst.register_dump(true);
        let err = machine::load(&mut dst, &bad).unwrap_err();
        assert!(err.to_string().contains("bad checksum"), "{err}");
        // Named as the section names itself, although its checksum fails.
        let named = format!(
            "(`{}` instance {}): section checksum",
            s.name, s.instance_id
        );
        assert!(err.to_string().contains(&named), "{err}");
        assert_eq!(dst.register_dump(true), before, "{}", s.name);
    }
}

#[test]
fn an_immutable_mismatch_in_one_device_leaves_every_device_unchanged() {
    let bytes = machine::save(&source()).unwrap();
    let mut dst = IntegratorCp::new(128); // a different RAM size
    let before = dst.register_dump(true);
    let err = machine::load(&mut dst, &bytes).unwrap_err();
    assert!(err.to_string().contains("integratorcm.memsz"), "{err}");
    assert!(
        err.to_string()
            .contains("stream has 32, destination has 128"),
        "{err}"
    );
    assert_eq!(dst.register_dump(true), before);
}

#[test]
fn truncations_and_garbage_are_refused() {
    let bytes = machine::save(&source()).unwrap();
    for len in [
        0,
        4,
        11,
        12,
        13,
        30,
        bytes.len() / 2,
        bytes.len() - 5,
        bytes.len() - 1,
    ] {
        let mut dst = IntegratorCp::new(32);
        assert!(machine::load(&mut dst, &bytes[..len]).is_err(), "len {len}");
        assert!(machine::parse(&bytes[..len]).is_err(), "len {len}");
    }
    // A stream cut anywhere is `Truncated`, whatever part the cut falls in (the magic, the
    // format version, a section, an instance id, the end marker, the trailer's length, JSON
    // or checksum; an empty file): a receiver tells a transfer cut short by the kind.
    for len in 0..bytes.len() {
        let err = machine::parse(&bytes[..len]).unwrap_err();
        assert!(
            matches!(err.kind(), vmstate_core::ErrorKind::Truncated { .. }),
            "cut at {len}: {err}"
        );
    }
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(machine::parse(&extra)
        .unwrap_err()
        .to_string()
        .contains("trailing"));
    // Other bytes than a stream's header, however short, are not one cut short.
    for other in [&b"VMSTMACX"[..], b"QEVM", b"\0"] {
        let err = machine::parse(other).unwrap_err();
        assert!(
            matches!(err.kind(), vmstate_core::ErrorKind::Format(_)),
            "{other:?}: {err}"
        );
    }
    // A section name's length beyond any name (a corrupted header) is a format error, not a
    // value refused by its bound (`TooLong`, a device's `max_len`).
    let parsed = machine::parse(&bytes).unwrap();
    let first = &parsed.sections[0];
    let mut bad = bytes.clone();
    bad[first.range.start..first.range.start + 2].copy_from_slice(&[0xf9, 0x73]);
    let err = machine::parse(&bad).unwrap_err();
    assert!(
        matches!(err.kind(), vmstate_core::ErrorKind::Format(_)),
        "{err}"
    );
    assert!(
        err.to_string().contains("names are 1 to 255 bytes"),
        "{err}"
    );
}

#[test]
fn every_corrupted_instance_id_is_refused_and_nothing_changes() {
    // The instance id sits outside the section checksums: the trailer's covers it, so a
    // renumbered section is refused (as a duplicate, found first, or by that checksum),
    // never loaded into another device, also by `load_present`, which would take a stream
    // lacking the renumbered device.
    let bytes = machine::save(&source()).unwrap();
    let parsed = machine::parse(&bytes).unwrap();
    for s in &parsed.sections {
        let id_at = s.range.start - 1; // one varint byte: instance ids here are < 128
        for other in [0u8, 1, 2, 0x7f] {
            if u32::from(other) == s.instance_id {
                continue;
            }
            let mut bad = bytes.clone();
            bad[id_at] = other;
            let mut dst = IntegratorCp::new(32);
            let before = machine::save(&dst).unwrap();
            let err = machine::load(&mut dst, &bad).unwrap_err();
            let says = format!(
                "{} instance {} renumbered {other}: {err}",
                s.name, s.instance_id
            );
            match err.kind() {
                vmstate_core::ErrorKind::DuplicateSection { .. } => {
                    assert!(err.to_string().contains("duplicate section"), "{says}")
                }
                vmstate_core::ErrorKind::BadChecksum { .. } => assert!(
                    (err.to_string())
                        .starts_with("schema trailer (with the instance ids): bad checksum"),
                    "{says}"
                ),
                _ => panic!("{says}"),
            }
            let mut devices: Vec<(u32, &mut dyn vmstate_core::machine::Section)> = (dst
                .devices_mut()
                .into_iter())
            .map(|(_, instance, dev)| (instance, dev as &mut dyn vmstate_core::machine::Section))
            .collect();
            assert!(
                vmstate_core::machine::load_present(&mut devices, &bad).is_err(),
                "{says}"
            );
            assert_eq!(machine::save(&dst).unwrap(), before, "nothing changed");
        }
    }
    // Two icp_pic sections numbered 0: named with both places.
    let pic1 = parsed
        .sections
        .iter()
        .find(|s| s.name == "icp_pic" && s.instance_id == 1)
        .unwrap();
    let mut bad = bytes.clone();
    bad[pic1.range.start - 1] = 0;
    let err = machine::parse(&bad).unwrap_err().to_string();
    assert!(
        err.contains("duplicate section `icp_pic` instance 0 (the first is at byte"),
        "{err}"
    );
}

#[test]
fn a_stream_of_very_many_sections_is_refused_before_they_are_listed() {
    #[derive(vmstate_core::VmState)]
    #[vmstate(name = "a")]
    struct A {
        x: u8,
    }
    let section = vmstate_core::to_bytes(&A { x: 0 }).unwrap();
    let mut bytes = devices::machine::MAGIC.to_vec();
    bytes.extend_from_slice(&devices::machine::FORMAT_VERSION.to_le_bytes());
    for i in 0..=devices::machine::MAX_SECTIONS as u32 {
        bytes.push(1);
        vmstate_core::Encoder::scalar(&mut vmstate_core::NativeEncoder::new(&mut bytes), i);
        bytes.extend_from_slice(&section);
    }
    bytes.push(0);
    let mut board = source();
    let before = format!("{board:?}");
    let e = devices::machine::load(&mut board, &bytes)
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than 65536 sections"), "{e}");
    assert_eq!(format!("{board:?}"), before);
}

/// The generic machine API (`vmstate_core::machine`) with devices of one's own: several
/// instances of one type, all or nothing when a section is corrupt, missing or refused by a
/// device's `validate` after the others loaded.
mod own_devices {
    use vmstate_core::machine::{self, Section};
    use vmstate_core::VmState;

    #[derive(VmState, Default, Debug, Clone, PartialEq)]
    #[vmstate(name = "uart", validate = "Self::check", post_load = "Self::reopen")]
    struct Uart {
        lcr: u8,
        #[vmstate(max_len = 16)]
        fifo: Vec<u8>,
    }

    impl Uart {
        fn check(&self) -> Result<(), std::io::Error> {
            match self.lcr {
                0xff => Err(std::io::Error::other("lcr 0xff is not a line setting")),
                _ => Ok(()),
            }
        }

        /// Fails after the commit for one line setting: the devices loaded before are put
        /// back.
        fn reopen(&mut self) -> Result<(), std::io::Error> {
            match self.lcr {
                0xfe => Err(std::io::Error::other("cannot reopen the host line")),
                _ => Ok(()),
            }
        }
    }

    #[derive(VmState, Default, Debug, Clone, PartialEq)]
    #[vmstate(name = "timer")]
    struct Timer {
        count: u64,
    }

    fn source() -> (Uart, Uart, Timer) {
        (
            Uart {
                lcr: 3,
                fifo: vec![1, 2],
            },
            Uart {
                lcr: 0x1b,
                fifo: vec![],
            },
            Timer { count: 1 << 40 },
        )
    }

    fn save(u0: &Uart, u1: &Uart, t: &Timer) -> Vec<u8> {
        machine::save(Some("board"), &[(0, u0), (1, u1), (0, t)]).unwrap()
    }

    /// A device that cannot be saved is named as a load names a section.
    #[test]
    fn a_save_error_names_the_section_as_a_load_error_does() {
        let (u0, _, t) = source();
        let long = Uart {
            lcr: 3,
            fifo: vec![0; 17],
        };
        let err = machine::save(None, &[(0, &u0), (1, &long), (0, &t)]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("section `uart` instance 1: uart.fifo: "),
            "{err}"
        );
    }

    /// A newer release without the timer loads an older release's stream by dropping the
    /// timer's sections by name; any other section it lacks a device for is still refused,
    /// a dropped section's corruption too, and a device listed as dropped is a misuse.
    #[test]
    fn sections_of_removed_devices_are_dropped_by_name_only() {
        use vmstate_core::ErrorKind;
        let (u0, u1, t) = source();
        let bytes = save(&u0, &u1, &t);
        let (mut a, mut b) = (Uart::default(), Uart::default());
        let loaded =
            machine::load_present_dropping(&mut [(0, &mut a), (1, &mut b)], &bytes, &["timer"])
                .unwrap();
        assert_eq!((loaded, &a, &b), (vec![true, true], &u0, &u1));
        // Without the name, or with another, the timer's section is unknown.
        for dropped in [&[][..], &["clock"]] {
            let mut a = Uart::default();
            let err =
                machine::load_present_dropping(&mut [(0, &mut a)], &bytes, dropped).unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::UnknownSection { .. }),
                "{err}"
            );
            assert_eq!(a, Uart::default());
        }
        // A device both listed and dropped is the caller's mistake; dropping the uarts loads
        // the timer alone.
        let mut t2 = Timer { count: 7 };
        let err =
            machine::load_present_dropping(&mut [(0, &mut t2)], &bytes, &["timer"]).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Misuse(_)), "{err}");
        let loaded =
            machine::load_present_dropping(&mut [(0, &mut t2)], &bytes, &["uart"]).unwrap();
        assert_eq!((loaded, t2.count), (vec![true], 1 << 40));
        // A dropped section is still read and checked: a flipped byte in it fails the load.
        let parsed = machine::parse(&bytes).unwrap();
        let timer = parsed.sections.iter().find(|s| s.name == "timer").unwrap();
        let mut bad = bytes.clone();
        bad[timer.range.end - 5] ^= 1;
        let mut a = Uart::default();
        let err = machine::load_present_dropping(&mut [(0, &mut a)], &bad, &["timer"]).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::BadChecksum { .. }), "{err}");
        assert_eq!(a, Uart::default());
    }

    #[test]
    fn a_device_whose_hooks_fail_on_its_restored_state_is_named() {
        let (u0, _, t) = source();
        let failing = Uart {
            lcr: 0xfe,
            fifo: vec![],
        };
        let bytes = save(&u0, &failing, &t);
        // `uart` 0 holds a line setting its own `post_load` refuses: put back, it fails again.
        let mut d0 = Uart {
            lcr: 0xfe,
            fifo: vec![9],
        };
        let (mut d1, mut dt) = (Uart::default(), Timer::default());
        let err = machine::load(&mut [(0, &mut d0), (1, &mut d1), (0, &mut dt)], &bytes)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("section `uart` instance 1"), "{err}");
        assert!(
            err.contains(
                "; and `uart` instance 0 has its values from before again, but its hooks \
                 failed on them: uart: hook `Self::reopen` failed: cannot reopen the host line"
            ),
            "{err}"
        );
        assert_eq!(
            d0,
            Uart {
                lcr: 0xfe,
                fifo: vec![9]
            }
        );
    }

    #[test]
    fn several_instances_round_trip_in_any_order() {
        let (u0, u1, t) = source();
        let bytes = save(&u0, &u1, &t);
        let (mut d0, mut d1, mut dt) = (Uart::default(), Uart::default(), Timer::default());
        // The destination lists its devices in another order: matched by name and instance.
        machine::load(&mut [(0, &mut dt), (1, &mut d1), (0, &mut d0)], &bytes).unwrap();
        assert_eq!((d0, d1, dt), (u0, u1, t));
        let stream = machine::parse(&bytes).unwrap();
        let names: Vec<_> = stream
            .sections
            .iter()
            .map(|s| (s.name.as_str(), s.instance_id))
            .collect();
        assert_eq!(names, [("uart", 0), ("uart", 1), ("timer", 0)]);
        assert_eq!(stream.schema.machine.as_deref(), Some("board"));
    }

    #[test]
    fn a_refused_stream_changes_no_device() {
        let (u0, u1, t) = source();
        let bytes = save(&u0, &u1, &t);
        let before = (
            Uart {
                lcr: 9,
                fifo: vec![9],
            },
            Uart {
                lcr: 8,
                fifo: vec![],
            },
            Timer { count: 7 },
        );
        let try_load = |bytes: &[u8], with_timer: bool| {
            let (mut d0, mut d1, mut dt) = before.clone();
            let result = if with_timer {
                let devices: &mut [(u32, &mut dyn Section)] =
                    &mut [(0, &mut d0), (1, &mut d1), (0, &mut dt)];
                machine::load(devices, bytes)
            } else {
                machine::load(&mut [(0, &mut d0), (1, &mut d1)], bytes)
            };
            assert_eq!((d0, d1, dt), before, "a refused load changed a device");
            result.unwrap_err().to_string()
        };

        // Every byte of the timer's section flipped: refused, nothing changed.
        let timer = machine::parse(&bytes).unwrap().sections[2].range.clone();
        for at in timer {
            let mut bad = bytes.clone();
            bad[at] ^= 0x20;
            try_load(&bad, true);
        }
        // A section the destination has no device for.
        let err = try_load(&bytes, false);
        assert!(err.contains("unknown section `timer` instance 0"), "{err}");
        // A device the stream has no section for.
        let short = machine::save(None, &[(0, &u0), (0, &t)]).unwrap();
        let err = try_load(&short, true);
        assert!(
            err.contains("missing section for device `uart` instance 1"),
            "{err}"
        );
        // The second UART's `validate` refuses its state after the first one loaded: both
        // are put back.
        let bytes = save(
            &u0,
            &Uart {
                lcr: 0xff,
                fifo: vec![],
            },
            &t,
        );
        let err = try_load(&bytes, true);
        assert!(err.contains("lcr 0xff"), "{err}");
        // Its `post_load` fails after the first UART was loaded: that one is restored.
        let bytes = save(
            &u0,
            &Uart {
                lcr: 0xfe,
                fifo: vec![],
            },
            &t,
        );
        let err = try_load(&bytes, true);
        assert!(err.contains("cannot reopen"), "{err}");
        assert!(!err.contains("keeps the loaded state"), "{err}");
    }

    /// A device put back after another's `post_load` failed gets the very values its load
    /// replaced, even a state its own `validate` would refuse on a load (the load of a
    /// snapshot could not put that back).
    #[test]
    fn a_device_is_put_back_even_in_a_state_it_would_not_load() {
        let (u0, _, t) = source();
        let failing = Uart {
            lcr: 0xfe,
            fifo: vec![],
        };
        let bytes = save(&u0, &failing, &t);
        let before = Uart {
            lcr: 0xff,
            fifo: vec![5],
        };
        let mut d0 = before.clone();
        let (mut d1, mut dt) = (Uart::default(), Timer::default());
        let devices: &mut [(u32, &mut dyn Section)] =
            &mut [(0, &mut d0), (1, &mut d1), (0, &mut dt)];
        let err = machine::load(devices, &bytes).unwrap_err().to_string();
        assert!(err.starts_with("section `uart` instance 1"), "{err}");
        assert!(err.contains("cannot reopen"), "{err}");
        assert_eq!(d0, before);
        // The devices the load had not reached are untouched, and so is the one that failed.
        assert_eq!((d1, dt), (Uart::default(), Timer::default()));
    }

    /// A `Section` written by hand, around a UART: put back by loading its section from
    /// before, which its `validate` may refuse.
    struct HandWritten(Uart);

    impl Section for HandWritten {
        fn description(&self) -> &'static vmstate_core::Description {
            Uart::DESCRIPTION
        }
        fn save_native(&self, out: &mut Vec<u8>) -> Result<(), vmstate_core::Error> {
            vmstate_core::save_section(&self.0, out)
        }
        fn check_native(&self, bytes: &[u8], base: usize) -> Result<(), vmstate_core::Error> {
            vmstate_core::check_section(&self.0, bytes, base)
        }
        fn load_native(&mut self, bytes: &[u8], base: usize) -> Result<(), vmstate_core::Error> {
            vmstate_core::from_bytes_at(&mut self.0, bytes, base)
        }
    }

    #[test]
    fn a_hand_written_section_that_cannot_be_put_back_is_named() {
        let (u0, _, t) = source();
        let failing = Uart {
            lcr: 0xfe,
            fifo: vec![],
        };
        let bytes = save(&u0, &failing, &t);
        // In a state its own `validate` refuses: its section from before does not load.
        let mut hand = HandWritten(Uart {
            lcr: 0xff,
            fifo: vec![],
        });
        let (mut d1, mut dt) = (Uart::default(), Timer::default());
        let devices: &mut [(u32, &mut dyn Section)] =
            &mut [(0, &mut hand), (1, &mut d1), (0, &mut dt)];
        let err = machine::load(devices, &bytes).unwrap_err().to_string();
        assert!(err.starts_with("section `uart` instance 1"), "{err}");
        assert!(
            err.contains("`uart` instance 0 keeps the loaded state"),
            "{err}"
        );
        assert_eq!(hand.0, u0);
        // Put back when it can be.
        let mut hand = HandWritten(Uart {
            lcr: 0x03,
            fifo: vec![7],
        });
        let (mut d1, mut dt) = (Uart::default(), Timer::default());
        let devices: &mut [(u32, &mut dyn Section)] =
            &mut [(0, &mut hand), (1, &mut d1), (0, &mut dt)];
        let err = machine::load(devices, &bytes).unwrap_err().to_string();
        assert!(!err.contains("keeps the loaded state"), "{err}");
        assert_eq!(hand.0.fifo, [7]);
    }

    #[derive(VmState, Default, Debug, Clone, PartialEq)]
    #[vmstate(name = "dma/burst")]
    struct Burst {
        len: u8,
    }

    /// QEMU's usual subsection: sent only when it is not at its reset value.
    #[derive(VmState, Default, Debug, Clone, PartialEq)]
    #[vmstate(name = "dma")]
    struct Dma {
        addr: u32,
        #[vmstate(subsection, needed = "Self::burst_needed")]
        burst: Burst,
    }

    impl Dma {
        fn burst_needed(&self) -> bool {
            self.burst.len != 0
        }
    }

    /// A device whose subsection the stream carries and its state from before would not:
    /// put back exactly when a later device fails (a load of its saved state from before,
    /// which lacks the subsection, would have kept the loaded one).
    #[test]
    fn a_device_is_put_back_with_the_subsection_its_state_from_before_would_not_send() {
        let dma = Dma {
            addr: 0x1000,
            burst: Burst { len: 4 },
        };
        let failing = Uart {
            lcr: 0xfe,
            fifo: vec![],
        };
        let bytes = machine::save(None, &[(0, &dma), (0, &failing)]).unwrap();
        let before = Dma {
            addr: 0x2000,
            burst: Burst { len: 0 },
        };
        let (mut d, mut u) = (before.clone(), Uart::default());
        let err = machine::load(&mut [(0, &mut d), (0, &mut u)], &bytes).unwrap_err();
        assert!(err.to_string().contains("cannot reopen"), "{err}");
        assert_eq!((d, u), (before, Uart::default()));
    }

    /// A device listed twice, or two types giving one section name, are refused before
    /// anything is written or changed.
    #[test]
    fn a_device_list_that_names_a_section_twice_is_refused() {
        let (u0, u1, t) = source();
        let err = machine::save(None, &[(0, &u0), (0, &u1)]).unwrap_err();
        // The caller's mistake, told apart from a corrupted stream by its kind.
        assert!(
            matches!(err.kind(), vmstate_core::ErrorKind::Misuse(_)),
            "{err}"
        );
        let err = err.to_string();
        assert!(err.contains("`uart` instance 0 is listed twice"), "{err}");
        let bytes = save(&u0, &u1, &t);
        let (mut a, mut b) = (Uart::default(), Uart::default());
        let err = machine::load(&mut [(0, &mut a), (0, &mut b)], &bytes)
            .unwrap_err()
            .to_string();
        assert!(err.contains("listed twice"), "{err}");
        assert_eq!((a, b), (Uart::default(), Uart::default()));

        #[derive(VmState, Default)]
        #[vmstate(name = "uart")]
        struct OtherUart {
            divisor: u16,
        }
        let other = OtherUart::default();
        let err = machine::save(None, &[(0, &u0), (1, &other)])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("two device types give the section name `uart`"),
            "{err}"
        );

        // Two types of one Rust name: told apart by their descriptions (the trailer holds
        // one schema per section name, so `vmstate inspect` would misread one of them).
        mod a {
            #[derive(vmstate_core::VmState, Default)]
            #[vmstate(name = "fifo")]
            pub struct Fifo<const N: usize> {
                #[vmstate(max_len = N)]
                pub bytes: Vec<u8>,
            }
        }
        mod b {
            #[derive(vmstate_core::VmState, Default)]
            #[vmstate(name = "fifo")]
            pub struct Fifo {
                pub level: u32,
            }
        }
        let (four, eight) = (a::Fifo::<4>::default(), a::Fifo::<8>::default());
        let other = b::Fifo::default();
        let clashes: [&[(u32, &dyn Section)]; 2] =
            [&[(0, &four), (1, &eight)], &[(0, &four), (1, &other)]];
        for devices in clashes {
            let err = machine::save(None, devices).unwrap_err();
            assert!(
                matches!(err.kind(), vmstate_core::ErrorKind::Misuse(_)),
                "{err}"
            );
            let err = err.to_string();
            assert!(err.contains("(two `Fifo` described differently)"), "{err}");
            assert!(
                err.contains("wrap each in a struct of its own name"),
                "{err}"
            );
        }
        // A load is refused the same way, before any device changes.
        let stream = machine::save(None, &[(0, &four), (1, &a::Fifo::<4>::default())]).unwrap();
        let (mut x, mut y) = (a::Fifo::<4>::default(), a::Fifo::<8>::default());
        y.bytes.push(1);
        let err = machine::load(&mut [(0, &mut x), (1, &mut y)], &stream)
            .unwrap_err()
            .to_string();
        assert!(err.contains("(two `Fifo` described differently)"), "{err}");
        assert_eq!(y.bytes, [1]);
        // One type in several instances is one type.
        let (mut x, mut z) = (a::Fifo::<4>::default(), a::Fifo::<4>::default());
        machine::load(&mut [(0, &mut x), (1, &mut z)], &stream).unwrap();
    }
}

/// `load_present`: a device the stream does not carry keeps its state (QEMU's way, for a
/// device on the destination only), the others load all or nothing as with `load`, and a
/// section the destination lacks is still refused.
#[test]
fn load_present_keeps_a_device_the_stream_does_not_carry() {
    use vmstate_core::machine as generic;
    use vmstate_core::VmState;
    #[derive(VmState, Debug, Default, Clone, PartialEq)]
    #[vmstate(name = "uart", validate = "Self::sane")]
    struct Uart {
        lcr: u8,
    }
    impl Uart {
        fn sane(&self) -> Result<(), std::io::Error> {
            match self.lcr {
                0xff => Err(std::io::Error::other("lcr 0xff")),
                _ => Ok(()),
            }
        }
    }
    #[derive(VmState, Debug, Default, Clone, PartialEq)]
    #[vmstate(name = "nic")]
    struct Nic {
        mac: [u8; 6],
    }
    let bytes = generic::save(None, &[(0, &Uart { lcr: 3 }), (1, &Uart { lcr: 7 })]).unwrap();
    let (mut u0, mut u1) = (Uart::default(), Uart::default());
    let mut nic = Nic {
        mac: [2, 0, 0, 0, 0, 9],
    };
    let loaded =
        generic::load_present(&mut [(0, &mut u0), (0, &mut nic), (1, &mut u1)], &bytes).unwrap();
    assert_eq!(loaded, [true, false, true]);
    assert_eq!((u0.lcr, u1.lcr, nic.mac), (3, 7, [2, 0, 0, 0, 0, 9]));
    // `load` refuses the same, naming the device, and changes nothing.
    let (mut v0, mut v1) = (Uart::default(), Uart::default());
    let err = generic::load(&mut [(0, &mut v0), (0, &mut nic), (1, &mut v1)], &bytes).unwrap_err();
    assert!(
        err.to_string()
            .contains("missing section for device `nic` instance 0"),
        "{err}"
    );
    assert_eq!((v0.lcr, v1.lcr), (0, 0));
    // A section the destination lacks is still refused.
    let mut only = Uart::default();
    let err = generic::load_present(&mut [(0, &mut only)], &bytes).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown section `uart` instance 1"),
        "{err}"
    );
    assert_eq!(only.lcr, 0);
    // All or nothing among the carried devices: the second fails its check, the first is
    // put back.
    let bad = generic::save(None, &[(0, &Uart { lcr: 3 }), (1, &Uart { lcr: 0xff })]).unwrap();
    let (mut w0, mut w1) = (Uart { lcr: 1 }, Uart { lcr: 2 });
    let err =
        generic::load_present(&mut [(0, &mut w0), (0, &mut nic), (1, &mut w1)], &bad).unwrap_err();
    assert!(err.to_string().contains("lcr 0xff"), "{err}");
    assert_eq!((w0.lcr, w1.lcr), (1, 2));
}

/// Two types of one section name whose padding has other Rust names describe the same
/// stream: a machine stream takes both (padding's name, `replaces`, is on no wire).
#[test]
fn types_that_differ_in_padding_names_only_share_a_section_name() {
    use vmstate_core::machine as generic;
    mod one {
        use vmstate_core::{Unused, VmState};
        #[derive(VmState, Default)]
        #[vmstate(name = "uart")]
        pub struct Uart {
            pub pad: Unused<2>,
            pub lcr: u8,
        }
    }
    mod two {
        use vmstate_core::{Unused, VmState};
        #[derive(VmState, Default)]
        #[vmstate(name = "uart")]
        pub struct Uart {
            pub reserved: Unused<2>,
            pub lcr: u8,
        }
    }
    let (a, b) = (
        one::Uart {
            lcr: 3,
            ..Default::default()
        },
        two::Uart {
            lcr: 7,
            ..Default::default()
        },
    );
    let bytes = generic::save(None, &[(0, &a), (1, &b)]).unwrap();
    let (mut c, mut d) = (two::Uart::default(), one::Uart::default());
    generic::load(&mut [(0, &mut c), (1, &mut d)], &bytes).unwrap();
    assert_eq!((c.lcr, d.lcr), (3, 7));
}

/// Format version 3 (this build's) has the trailer's checksum cover the instance ids;
/// streams of version 2, whose trailer's covers the JSON only, still load; others are
/// refused by their version.
#[test]
fn streams_of_format_version_2_still_load() {
    use vmstate_core::machine as core_machine;
    #[derive(vmstate_core::VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "uart")]
    struct Uart {
        lcr: u8,
    }
    let (uart0, uart1) = (Uart { lcr: 3 }, Uart { lcr: 7 });
    let v3 = core_machine::save(None, &[(0, &uart0), (1, &uart1)]).unwrap();
    assert_eq!(v3[8..12], core_machine::FORMAT_VERSION.to_le_bytes());
    assert_eq!(core_machine::FORMAT_VERSION, 3);
    // Version 2: the same bytes, the trailer's checksum of its JSON only.
    let mut v2 = v3.clone();
    v2[8..12].copy_from_slice(&2u32.to_le_bytes());
    let n = v2.len();
    // After the last section: the end marker, the JSON's length, the JSON, the checksum.
    let parsed = core_machine::parse(&v3).unwrap();
    let json = parsed.sections.last().unwrap().range.end + 1 + 4..n - 4;
    let crc = crc32fast::hash(&v2[json]);
    v2[n - 4..].copy_from_slice(&crc.to_le_bytes());
    let (mut a, mut b) = (Uart::default(), Uart::default());
    core_machine::load(&mut [(0, &mut a), (1, &mut b)], &v2).unwrap();
    assert_eq!((a.lcr, b.lcr), (3, 7));
    // The version 3 stream's checksum is another: a version 3 header on it is refused.
    let mut mislabeled = v2.clone();
    mislabeled[8..12].copy_from_slice(&3u32.to_le_bytes());
    let err = core_machine::parse(&mislabeled).unwrap_err().to_string();
    assert!(err.contains("bad checksum"), "{err}");
    for version in [1u32, 4] {
        let mut other = v3.clone();
        other[8..12].copy_from_slice(&version.to_le_bytes());
        let err = core_machine::parse(&other).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "format version {version} is not supported (this build reads 2 to 3)"
            )),
            "{err}"
        );
    }
}
