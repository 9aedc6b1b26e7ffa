//! `LoadOptions::check_schema`: a machine stream's schema trailer compared with the
//! destination's descriptions before anything loads.

use devices::IntegratorCp;
use vmstate_core::machine::{self, LoadOptions, Section};
use vmstate_core::schema::{self, Rule, Schema, Severity};
use vmstate_core::{ErrorKind, VmState};

#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "uart")]
struct Uart {
    lcr: u8,
}

/// Release A's timer.
#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "timer")]
struct TimerA {
    count: u64,
    limit: u64,
}

/// Another build's timer at the same version, its fields reordered.
#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "timer")]
struct TimerSwapped {
    limit: u64,
    count: u64,
}

/// Another build's timer at the same version, `limit` a float.
#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "timer")]
struct TimerFloat {
    count: u64,
    limit: f64,
}

/// Another build's timer at the same version: a check added and the Rust type and a hook
/// renamed, which the checker warns about or passes.
#[derive(VmState, Default, Debug, PartialEq)]
#[vmstate(name = "timer", post_load = "Self::settle")]
struct TimerChecked {
    count: u64,
    #[vmstate(range = "..=1000")]
    limit: u64,
}

impl TimerChecked {
    fn settle(&mut self) {}
}

fn checked() -> LoadOptions<'static> {
    LoadOptions::new().check_schema()
}

fn stream(timer: &TimerA) -> Vec<u8> {
    machine::save(Some("vm"), &[(0, &Uart { lcr: 3 }), (0, timer)]).unwrap()
}

#[test]
fn fields_reordered_at_one_version_are_refused_and_nothing_loads() {
    let bytes = stream(&TimerA {
        count: 5,
        limit: 100,
    });
    let (mut uart, mut timer) = (Uart::default(), TimerSwapped::default());
    let err =
        machine::load_with(&mut [(0, &mut uart), (0, &mut timer)], &bytes, checked()).unwrap_err();
    let ErrorKind::SchemaMismatch { name, findings } = err.kind() else {
        panic!("{err}");
    };
    assert_eq!(name, "timer");
    assert!(!findings.is_empty());
    for f in findings {
        assert_eq!(f.severity, Severity::Error, "{f}");
    }
    assert_eq!(findings[0].rule, Rule::FieldRenamed, "{}", findings[0]);
    assert_eq!(findings[0].path, "timer/Fields/count");
    let text = err.to_string();
    assert!(
        text.contains(
            "the stream's schema of section `timer` does not match the destination's \
                 (the checker's findings, the stream's build as the old release): "
        ) && text.contains("error[field-renamed] timer/Fields/count"),
        "{text}"
    );
    // The offset is the timer's section, after the uart's.
    let sections = machine::parse(&bytes).unwrap().sections;
    assert_eq!(err.offset(), Some(sections[1].range.start));
    // Nothing loaded, not even the uart, whose schema matches.
    assert_eq!((uart, timer), Default::default());

    // Without the check the sections' bytes load, swapped: what the check is for.
    let (mut uart, mut timer) = (Uart::default(), TimerSwapped::default());
    machine::load(&mut [(0, &mut uart), (0, &mut timer)], &bytes).unwrap();
    assert_eq!((timer.count, timer.limit), (100, 5));
}

#[test]
fn a_field_retyped_at_one_version_is_refused() {
    let bytes = stream(&TimerA { count: 1, limit: 2 });
    let (mut uart, mut timer) = (Uart::default(), TimerFloat::default());
    let err =
        machine::load_with(&mut [(0, &mut uart), (0, &mut timer)], &bytes, checked()).unwrap_err();
    let ErrorKind::SchemaMismatch { findings, .. } = err.kind() else {
        panic!("{err}");
    };
    assert!(
        findings
            .iter()
            .any(|f| f.rule == Rule::FieldTypeChanged && f.path == "timer/Fields/limit"),
        "{err}"
    );
    assert_eq!((uart, timer), Default::default());
}

#[test]
fn changes_the_checker_passes_or_warns_about_load() {
    let bytes = stream(&TimerA { count: 7, limit: 9 });
    let (mut uart, mut timer) = (Uart::default(), TimerChecked::default());
    let loaded =
        machine::load_with(&mut [(0, &mut uart), (0, &mut timer)], &bytes, checked()).unwrap();
    assert_eq!(loaded, [true, true]);
    assert_eq!((uart.lcr, timer.count, timer.limit), (3, 7, 9));
    // The field's check still runs on the value.
    let bytes = stream(&TimerA {
        count: 7,
        limit: 1001,
    });
    let err =
        machine::load_with(&mut [(0, &mut uart), (0, &mut timer)], &bytes, checked()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::OutOfRange { .. }), "{err}");
}

#[test]
fn a_version_bump_with_a_gated_field_loads() {
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "timer", version = 2, minimum_version = 1)]
    struct TimerV2 {
        count: u64,
        limit: u64,
        #[vmstate(since = 2)]
        prescale: u8,
    }
    let bytes = stream(&TimerA { count: 7, limit: 9 });
    let (mut uart, mut timer) = (Uart::default(), TimerV2::default());
    machine::load_with(&mut [(0, &mut uart), (0, &mut timer)], &bytes, checked()).unwrap();
    assert_eq!((timer.count, timer.limit, timer.prescale), (7, 9, 0));

    // Back: version 2 is above what release A loads, which the checker finds and the
    // load refuses itself, as without the check.
    let bytes = machine::save(None, &[(0, &timer)]).unwrap();
    let report = machine::compare_schemas(&bytes, &[TimerA::DESCRIPTION]).unwrap();
    assert_eq!(report.by_rule(Rule::VersionTooHigh).count(), 1, "{report}");
    let mut old = TimerA::default();
    let err = machine::load_with(&mut [(0, &mut old)], &bytes, checked()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::TooNew { .. }), "{err}");
}

#[test]
fn a_whole_board_of_the_same_build_loads_checked() {
    let mut src = IntegratorCp::new(32);
    src.write(0x1000_0014, 0xa05f).unwrap();
    src.write(0x1400_0008, 0x300).unwrap();
    let bytes = devices::machine::save(&src).unwrap();
    let mut dst = IntegratorCp::new(32);
    let loaded = devices::machine::load_with(&mut dst, &bytes, checked()).unwrap();
    assert!(loaded.iter().all(|&l| l), "{loaded:?}");
    assert_eq!(devices::machine::save(&dst).unwrap(), bytes);
}

#[test]
fn a_trailer_is_read_only_when_checked() {
    let timer = TimerA { count: 1, limit: 2 };
    let devices: [(u32, &dyn Section); 1] = [(0, &timer)];
    // A trailer that is not JSON, and one that does not describe the timer.
    let other = machine::schema_json(None, &[(0, &Uart::default())]);
    for (json, says) in [
        ("not json", "schema trailer"),
        (
            other.as_str(),
            "the schema trailer does not describe section `timer`",
        ),
    ] {
        let bytes = machine::save_with_schema(&devices, json).unwrap();
        let mut dst = TimerA::default();
        machine::load(&mut [(0, &mut dst)], &bytes).unwrap();
        assert_eq!(dst, timer);

        let mut dst = TimerA::default();
        let err = machine::load_with(&mut [(0, &mut dst)], &bytes, checked()).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Format(_)), "{err}");
        assert!(err.to_string().contains(says), "{err}");
        assert_eq!(dst, TimerA::default());
    }
}

#[test]
fn dropped_sections_and_absent_devices_are_not_compared() {
    // The stream's `uart` is dropped, and its schema (another build's) is not compared.
    #[derive(VmState, Default)]
    #[vmstate(name = "uart")]
    struct OtherUart {
        scr: u16,
    }
    let timer = TimerA { count: 4, limit: 8 };
    let bytes = machine::save(None, &[(0, &Uart { lcr: 1 }), (0, &timer)]).unwrap();
    let mut dst = TimerA::default();
    let options = checked().dropping(&["uart"]);
    machine::load_with(&mut [(0, &mut dst)], &bytes, options).unwrap();
    assert_eq!(dst, timer);

    // A destination device the stream lacks keeps its state with `present_only`, whatever
    // its description.
    let bytes = machine::save(None, &[(0, &timer)]).unwrap();
    let (mut dst, mut uart) = (TimerA::default(), OtherUart { scr: 9 });
    let options = checked().present_only();
    let loaded = machine::load_with(&mut [(0, &mut dst), (0, &mut uart)], &bytes, options);
    assert_eq!(loaded.unwrap(), [true, false]);
    assert_eq!((dst.count, uart.scr), (4, 9));
}

#[test]
fn many_findings_are_shown_by_the_first_three() {
    #[derive(VmState, Default)]
    #[vmstate(name = "timer")]
    struct Wide {
        a: u8,
        b: u8,
        c: u8,
        d: u8,
        e: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "timer")]
    struct WideFloats {
        a: f32,
        b: f32,
        c: f32,
        d: f32,
        e: f32,
    }
    let bytes = machine::save(None, &[(0, &WideFloats::default())]).unwrap();
    let err = machine::load_with(&mut [(0, &mut Wide::default())], &bytes, checked()).unwrap_err();
    let ErrorKind::SchemaMismatch { findings, .. } = err.kind() else {
        panic!("{err}");
    };
    assert!(findings.len() > 3, "{findings:?}");
    let text = err.to_string();
    assert_eq!(text.matches("error[").count(), 3, "{text}");
    assert!(
        text.contains(&format!("; and {} more (at byte", findings.len() - 3)),
        "{text}"
    );
}

/// Each device's trailer entry reads back as its own description, so a stream of the same
/// build is accepted without running the checker.
#[test]
fn the_trailer_gives_each_device_its_own_description_back() {
    let src = IntegratorCp::new(32);
    let bytes = devices::machine::save(&src).unwrap();
    let parsed = machine::parse(&bytes).unwrap();
    for (_, _, d) in src.devices() {
        let desc = d.description();
        let mut s = Schema::new(None);
        s.add(desc.name, desc);
        assert_eq!(
            parsed.schema.devices[desc.name], s.devices[desc.name],
            "{}",
            desc.name
        );
    }
}

/// A device of many kinds of fields, for the comparison of its trailer text.
mod rich {
    use vmstate_core::VmState;

    #[derive(VmState, Default, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Mode {
        #[default]
        Off = 0,
        On = 1,
    }

    #[derive(VmState, Default, Debug, Clone, PartialEq)]
    pub struct Channel {
        pub src: u32,
        pub dst: u32,
    }

    #[derive(VmState, Default, Debug, Clone, PartialEq)]
    #[vmstate(name = "dma/burst")]
    pub struct Burst {
        pub len: u8,
    }

    #[derive(VmState, Default, Debug, Clone, PartialEq)]
    #[vmstate(
        name = "dma",
        version = 3,
        minimum_version = 2,
        post_load = "Self::settle"
    )]
    pub struct Dma {
        #[vmstate(immutable)]
        pub channels_count: u16,
        pub mode: Mode,
        #[vmstate(range = "0..=15")]
        pub prio: u8,
        pub channels: [Channel; 2],
        #[vmstate(max_len = 64)]
        pub queue: Vec<u32>,
        #[vmstate(since = 3)]
        pub tag: i64,
        #[vmstate(skip)]
        pub host_fd: i32,
        #[vmstate(subsection, needed = "Self::burst_needed")]
        pub burst: Burst,
    }

    impl Dma {
        fn settle(&mut self) {}
        fn burst_needed(&self) -> bool {
            self.burst.len != 0
        }
    }
}

/// A stream of the same build describes the device in the very text the destination's
/// description serializes to, so the trailer is not parsed: an entry for no section, which
/// a parse refuses, is not read.
#[test]
fn a_device_of_the_same_build_is_compared_as_text() {
    let src = rich::Dma {
        channels_count: 2,
        mode: rich::Mode::On,
        prio: 7,
        queue: vec![1, 2, 3],
        tag: -4,
        burst: rich::Burst { len: 9 },
        ..Default::default()
    };
    let json = machine::schema_json(None, &[(0, &src)]);
    let with_ghost = format!("{{\"ghost\":5,{}", &json[1..]);
    let bytes = machine::save_with_schema(&[(0, &src)], &with_ghost).unwrap();
    assert!(machine::parse(&bytes).is_err());

    let mut dst = rich::Dma {
        channels_count: 2,
        ..Default::default()
    };
    machine::load_with(&mut [(0, &mut dst)], &bytes, checked()).unwrap();
    assert_eq!(dst, src);

    // Where the text differs (here only in its layout), the device's entry is parsed and
    // found alike; the ghost is still not read.
    let bytes = machine::save_with_schema(&[(0, &src)], &with_ghost_pretty(&json)).unwrap();
    let mut dst = rich::Dma {
        channels_count: 2,
        ..Default::default()
    };
    machine::load_with(&mut [(0, &mut dst)], &bytes, checked()).unwrap();
    assert_eq!(dst, src);
}

/// The schema JSON `json` laid out pretty, after an entry `ghost` that is no device's: the
/// same schema in other text, which a load with the check parses.
fn with_ghost_pretty(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    format!("{{\"ghost\":5,{}", &pretty[1..])
}

/// The checked load of `src`'s stream into a default `D`, once with the trailer as saved
/// (compared as text) and once laid out pretty (each entry parsed): both give one verdict,
/// which is returned.
fn checked_both_ways<D>(src: &dyn Section) -> Result<D, String>
where
    D: Section + Default + PartialEq + std::fmt::Debug,
{
    let json = machine::schema_json(None, &[(0, src)]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    assert_ne!(json, pretty);
    let [as_text, parsed] = [json, pretty].map(|trailer| {
        let bytes = machine::save_with_schema(&[(0, src)], &trailer).unwrap();
        let mut dst = D::default();
        let loaded = machine::load_with(&mut [(0, &mut dst)], &bytes, checked());
        loaded.map(|_| dst).map_err(|e| e.to_string())
    });
    assert_eq!(as_text, parsed, "the two ways differ");
    parsed
}

#[test]
fn the_trailer_as_text_and_parsed_give_one_verdict() {
    let a = TimerA { count: 5, limit: 9 };
    let swapped = checked_both_ways::<TimerSwapped>(&a).unwrap_err();
    assert!(swapped.contains("field-renamed"), "{swapped}");
    let float = checked_both_ways::<TimerFloat>(&a).unwrap_err();
    assert!(float.contains("field-type-changed"), "{float}");
    let ranged = checked_both_ways::<TimerChecked>(&a).unwrap();
    assert_eq!((ranged.count, ranged.limit), (5, 9));
    assert_eq!(checked_both_ways::<TimerA>(&a).unwrap(), a);
}

/// Counters whose integers were widened: natively both are varints, so the check passes
/// them both ways; a value beyond the narrower type is refused by the load itself.
#[test]
fn integers_widened_or_narrowed_load_as_natively_they_do() {
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "ctr")]
    struct Ctr32 {
        ticks: u32,
        delta: i32,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "ctr")]
    struct Ctr64 {
        ticks: u64,
        delta: i64,
    }
    let wide = checked_both_ways::<Ctr64>(&Ctr32 {
        ticks: 7,
        delta: -3,
    })
    .unwrap();
    assert_eq!((wide.ticks, wide.delta), (7, -3));
    let narrow = checked_both_ways::<Ctr32>(&Ctr64 {
        ticks: 8,
        delta: -4,
    })
    .unwrap();
    assert_eq!((narrow.ticks, narrow.delta), (8, -4));
    let err = checked_both_ways::<Ctr32>(&Ctr64 {
        ticks: 1 << 40,
        delta: 0,
    })
    .unwrap_err();
    assert!(err.contains("varint"), "{err}");
    // QEMU's wire would read them misaligned: the release-time checker says so.
    let bytes = machine::save(None, &[(0, &Ctr32::default())]).unwrap();
    assert!(machine::compare_schemas(&bytes, &[Ctr64::DESCRIPTION])
        .unwrap()
        .findings
        .is_empty());
    let (mut old, mut new) = (Schema::new(None), Schema::new(None));
    old.add("ctr", Ctr32::DESCRIPTION);
    new.add("ctr", Ctr64::DESCRIPTION);
    assert_eq!(schema::check(&old, &new).errors(), 2);
}

/// QEMU's way of adding state: a subsection sent only when needed, so that migration back
/// to the release without it works while the state is at its default.
mod optional_subsection {
    use vmstate_core::VmState;

    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "nic")]
    pub struct Before {
        pub mac_lo: u32,
    }

    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "nic/offload")]
    pub struct Offload {
        pub features: u32,
    }

    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "nic")]
    pub struct After {
        pub mac_lo: u32,
        #[vmstate(subsection, needed = "Self::offload_used")]
        pub offload: Offload,
    }

    impl After {
        fn offload_used(&self) -> bool {
            self.offload.features != 0
        }
    }
}

#[test]
fn migration_back_without_an_optional_subsection_loads_checked() {
    use optional_subsection::{After, Before, Offload};
    let unused = After {
        mac_lo: 0x1234,
        offload: Offload { features: 0 },
    };
    let back = checked_both_ways::<Before>(&unused).unwrap();
    assert_eq!(back.mac_lo, 0x1234);
    // Once the subsection is sent, the load refuses it as without the check.
    let used = After {
        mac_lo: 0x1234,
        offload: Offload { features: 3 },
    };
    let err = checked_both_ways::<Before>(&used).unwrap_err();
    assert!(err.contains("unknown subsection `nic/offload`"), "{err}");
    // The checker's error stays visible.
    let bytes = machine::save(None, &[(0, &unused)]).unwrap();
    let report = machine::compare_schemas(&bytes, &[Before::DESCRIPTION]).unwrap();
    assert_eq!(
        report.by_rule(Rule::SubsectionRemoved).count(),
        1,
        "{report}"
    );
}

/// A field moved into a subsection, with padding named after it where it was: the older
/// release's streams carry the value where the newer release skips it. A warning, so the
/// load passes and the value is not carried; `compare_schemas` shows it.
#[test]
fn a_field_moved_into_a_subsection_loads_with_a_warning_to_see() {
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    struct Old {
        a: u32,
        lvl: u8,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "dev/lvl")]
    struct Lvl {
        lvl: u8,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "dev", version = 2, minimum_version = 1)]
    struct New {
        a: u32,
        #[vmstate(name = "lvl")]
        gone: vmstate_core::Removed<u8>,
        #[vmstate(subsection, needed = "Self::lvl_set")]
        sub: Lvl,
    }
    impl New {
        fn lvl_set(&self) -> bool {
            self.sub.lvl != 0
        }
    }
    let new = checked_both_ways::<New>(&Old { a: 1, lvl: 4 }).unwrap();
    assert_eq!((new.a, new.sub.lvl), (1, 0));
    let bytes = machine::save(None, &[(0, &Old { a: 1, lvl: 4 })]).unwrap();
    let report = machine::compare_schemas(&bytes, &[New::DESCRIPTION]).unwrap();
    assert_eq!(report.errors(), 0, "{report}");
    assert_eq!(
        report.by_rule(Rule::MovedIntoSubsection).count(),
        1,
        "{report}"
    );
}

#[test]
fn a_device_named_as_the_machine_key_or_two_of_one_name_cannot_be_compared() {
    #[derive(VmState, Default)]
    #[vmstate(name = "vmschkmachine")]
    struct Odd {
        x: u8,
    }
    // Its entry would be the machine's: no stream is saved with it.
    let err = machine::save(Some("vm"), &[(0, &Odd::default())]).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Misuse(_)), "{err}");
    assert!(
        err.to_string().contains("keeps for the machine type"),
        "{err}"
    );
    // A plain load does not read the trailer, and takes it as before; a comparison cannot.
    let bytes = machine::save(Some("vm"), &[(0, &Uart::default())]).unwrap();
    let (mut uart, mut odd) = (Uart::default(), Odd::default());
    let present = LoadOptions::new().present_only();
    machine::load_with(&mut [(0, &mut uart), (0, &mut odd)], &bytes, present).unwrap();
    let err = machine::load_with(
        &mut [(0, &mut uart), (0, &mut odd)],
        &bytes,
        present.check_schema(),
    )
    .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Misuse(_)), "{err}");
    let err = machine::compare_schemas(&bytes, &[Odd::DESCRIPTION]).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Misuse(_)), "{err}");

    // Two descriptions of one name that differ: which is the destination's?
    let bytes = stream(&TimerA::default());
    for pair in [
        [TimerA::DESCRIPTION, TimerSwapped::DESCRIPTION],
        [TimerSwapped::DESCRIPTION, TimerA::DESCRIPTION],
    ] {
        let err = machine::compare_schemas(&bytes, &pair).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Misuse(_)), "{err}");
    }
    let same = [TimerA::DESCRIPTION, TimerA::DESCRIPTION];
    assert!(machine::compare_schemas(&bytes, &same)
        .unwrap()
        .findings
        .is_empty());
    // Two of one Rust name that differ only in what their padding is named (on no wire) are
    // one, as for a load (`a::Dev` and `b::Dev`).
    mod a {
        #[derive(vmstate_core::VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            x: u8,
            #[vmstate(name = "old_mode")]
            gone: vmstate_core::Removed<u8>,
        }
    }
    mod b {
        #[derive(vmstate_core::VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            x: u8,
            #[vmstate(name = "mode")]
            gone: vmstate_core::Removed<u8>,
        }
    }
    let bytes = machine::save(None, &[(0, &a::Dev::default())]).unwrap();
    let both = [a::Dev::DESCRIPTION, b::Dev::DESCRIPTION];
    assert!(machine::compare_schemas(&bytes, &both)
        .unwrap()
        .findings
        .is_empty());
    let (mut dev_a, mut dev_b) = (a::Dev::default(), b::Dev::default());
    // (Not `Misuse`: only instance 1 is missing.)
    let mut both: [(u32, &mut dyn Section); 2] = [(0, &mut dev_a), (1, &mut dev_b)];
    let err = machine::load_with(&mut both, &bytes, checked()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::MissingSection { .. }),
        "{err}"
    );
}

/// An optional subsection whose version went up (a field added to it with `since`): the
/// older release refuses it whenever a stream carries it, which the load does by itself,
/// and loads a stream without it.
#[test]
fn migration_back_over_an_optional_subsection_of_a_newer_version_loads_checked() {
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "nic/offload")]
    struct OffloadV1 {
        features: u32,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "nic")]
    struct NicV1 {
        mac_lo: u32,
        #[vmstate(subsection, needed = "Self::offload_used")]
        offload: OffloadV1,
    }
    impl NicV1 {
        fn offload_used(&self) -> bool {
            self.offload.features != 0
        }
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "nic/offload", version = 2, minimum_version = 1)]
    struct OffloadV2 {
        features: u32,
        #[vmstate(since = 2)]
        mtu: u16,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "nic")]
    struct NicV2 {
        mac_lo: u32,
        #[vmstate(subsection, needed = "Self::offload_used")]
        offload: OffloadV2,
    }
    impl NicV2 {
        fn offload_used(&self) -> bool {
            self.offload.features != 0
        }
    }
    let unused = NicV2 {
        mac_lo: 7,
        offload: OffloadV2::default(),
    };
    assert_eq!(checked_both_ways::<NicV1>(&unused).unwrap().mac_lo, 7);
    let used = NicV2 {
        mac_lo: 7,
        offload: OffloadV2 {
            features: 1,
            mtu: 1500,
        },
    };
    let err = checked_both_ways::<NicV1>(&used).unwrap_err();
    assert!(!err.contains("does not match"), "{err}");
    assert!(err.contains("version 2 is too new"), "{err}");
    // Forward, the newer release reads the older one's subsection.
    let old = NicV1 {
        mac_lo: 7,
        offload: OffloadV1 { features: 3 },
    };
    let new = checked_both_ways::<NicV2>(&old).unwrap();
    assert_eq!((new.offload.features, new.offload.mtu), (3, 0));
}

#[test]
fn entries_no_device_takes_are_not_read_and_keys_are_unique() {
    let timer = TimerA { count: 1, limit: 2 };
    let devices: [(u32, &dyn Section); 1] = [(0, &timer)];
    let json = machine::schema_json(None, &devices);
    // A malformed entry of a section that is dropped.
    let bytes = machine::save(None, &[(0, &Uart::default()), (0, &timer)]).unwrap();
    let parsed = machine::parse(&bytes).unwrap();
    let mut out = bytes[..parsed.sections[1].range.end].to_vec();
    out.push(0);
    let trailer = format!("{{\"uart\":{{\"Name\":7}},{}", &json[1..]);
    out.extend_from_slice(&(trailer.len() as u32).to_le_bytes());
    out.extend_from_slice(trailer.as_bytes());
    out.extend_from_slice(&[0; 4]);
    let out = vmstate_tests::resealed_machine_stream(&out);
    assert!(machine::parse(&out).is_err());
    let mut dst = TimerA::default();
    machine::load_with(&mut [(0, &mut dst)], &out, checked().dropping(&["uart"])).unwrap();
    assert_eq!(dst, timer);

    // A key given twice, here through an escape, is refused as a schema file's is.
    let twice = format!("{{\"ti\\u006der\":{{}},{}", &json[1..]);
    let bytes = machine::save_with_schema(&devices, &twice).unwrap();
    let err = machine::load_with(&mut [(0, &mut dst)], &bytes, checked()).unwrap_err();
    assert!(
        err.to_string().contains("key `timer` appears twice"),
        "{err}"
    );
}

/// A field that stops or starts being `immutable`: the native format carries it in its place
/// either way, so the check passes it (a migrated value that differs from the destination's
/// immutable one is refused by the load); QEMU's wire lacks an immutable field, which the
/// release-time checker still reports.
#[test]
fn a_field_turned_immutable_or_back_loads_checked() {
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "uart")]
    struct Fixed {
        lcr: u8,
        #[vmstate(immutable)]
        base: u32,
        dll: u8,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "uart")]
    struct Migrated {
        lcr: u8,
        base: u32,
        dll: u8,
    }
    let fixed = Fixed {
        lcr: 3,
        base: 0x1234,
        dll: 9,
    };
    let migrated = checked_both_ways::<Migrated>(&fixed).unwrap();
    assert_eq!((migrated.lcr, migrated.base, migrated.dll), (3, 0x1234, 9));
    // Back, the destination's immutable `base` (0 by default) differs: the load refuses.
    let err = checked_both_ways::<Fixed>(&migrated).unwrap_err();
    assert!(err.contains("immutable field differs"), "{err}");
    let bytes = machine::save(None, &[(0, &fixed)]).unwrap();
    assert!(machine::compare_schemas(&bytes, &[Migrated::DESCRIPTION])
        .unwrap()
        .findings
        .is_empty());
    let (mut old, mut new) = (Schema::new(None), Schema::new(None));
    old.add("uart", Fixed::DESCRIPTION);
    new.add("uart", Migrated::DESCRIPTION);
    let report = schema::check(&old, &new);
    assert_eq!(
        report.by_rule(Rule::FieldKindChanged).count(),
        1,
        "{report}"
    );

    // Its type is still compared: an immutable `u32` read as an `f32` is refused.
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "uart")]
    struct Float {
        lcr: u8,
        base: f32,
        dll: u8,
    }
    let err = checked_both_ways::<Float>(&fixed).unwrap_err();
    assert!(err.contains("does not match"), "{err}");
}

#[test]
fn a_sequence_whose_elements_changed_size_is_not_said_to_keep_it() {
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "uart")]
    struct Bytes {
        #[vmstate(max_len = 16)]
        fifo: Vec<u8>,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "uart")]
    struct Words {
        #[vmstate(max_len = 16)]
        fifo: Vec<u16>,
    }
    let err = checked_both_ways::<Words>(&Bytes { fifo: vec![1, 2] }).unwrap_err();
    assert!(
        err.contains("changed type from `varray:uint8` to `varray:uint16`:"),
        "{err}"
    );
}

/// Padding for a removed integer whose width differs from the field's (`u32` and
/// `Removed<u64>`): natively one varint is skipped for another, so the check passes it, where
/// QEMU's wire would misalign (the release-time checker says so). A byte's padding for a
/// `u32` does not line up natively either, and stays refused.
#[test]
fn padding_of_another_integer_width_lines_up_natively() {
    use vmstate_core::Removed;
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    struct Live {
        a: u8,
        b: u32,
        c: u32,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    struct Wide {
        a: u8,
        b: Removed<u64>,
        c: u32,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    struct Narrow {
        a: u8,
        b: Removed<u32>,
        c: u32,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    struct Back {
        a: u8,
        b: u64,
        c: u32,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    struct Byte {
        a: u8,
        b: Removed<u8>,
        c: u32,
    }
    let live = Live { a: 1, b: 300, c: 7 };
    assert_eq!(checked_both_ways::<Wide>(&live).unwrap().c, 7);
    assert_eq!(
        checked_both_ways::<Live>(&Wide {
            a: 1,
            c: 7,
            ..Default::default()
        })
        .unwrap()
        .c,
        7
    );
    assert_eq!(
        checked_both_ways::<Wide>(&Narrow {
            a: 1,
            c: 7,
            ..Default::default()
        })
        .unwrap()
        .c,
        7
    );
    // A field back in the padding's place loads as zero: a warning to see.
    let back = checked_both_ways::<Back>(&Narrow {
        a: 1,
        c: 7,
        ..Default::default()
    })
    .unwrap();
    assert_eq!((back.b, back.c), (0, 7));
    let bytes = machine::save(None, &[(0, &Narrow::default())]).unwrap();
    let report = machine::compare_schemas(&bytes, &[Back::DESCRIPTION]).unwrap();
    assert_eq!(report.errors(), 0, "{report}");
    assert_eq!(
        report.by_rule(Rule::FieldFromPadding).count(),
        1,
        "{report}"
    );
    // QEMU's wire: 4 bytes against 8.
    let (mut old, mut new) = (Schema::new(None), Schema::new(None));
    old.add("dev", Live::DESCRIPTION);
    new.add("dev", Wide::DESCRIPTION);
    assert!(schema::check(&old, &new).errors() > 0);
    // A raw byte against a varint.
    let err = checked_both_ways::<Byte>(&live).unwrap_err();
    assert!(err.contains("padding-mismatch"), "{err}");
}
