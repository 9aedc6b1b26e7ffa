//! The schema compatibility checker (`vmstate_core::schema::check`) and the golden-file helper
//! (`vmstate_core::schema::assert_compatible`): our schema against QEMU 7.2's own dump, one test
//! per rule, no false alarms, JSON round trips.

use vmstate_core::schema::{check, Desc, FieldEntry, Finding, Report, Rule, Schema, Severity};
use vmstate_core::VmState;

const QEMU_DUMP: &str = include_str!("../fixtures/qemu-7.2-integratorcp/dump-vmstate.json");

/// The four ported devices, under QEMU's QOM type names.
const PORTED: [&str; 4] = [
    "integrator_core",
    "integrator_pic",
    "icp-ctrl-regs",
    "pl031",
];

fn qemu() -> Schema {
    Schema::from_json(QEMU_DUMP).expect("QEMU's dump loads")
}

fn ours() -> Schema {
    let mut s = Schema::new(Some("integratorcp"));
    s.add("integrator_core", devices::IntegratorCm::DESCRIPTION)
        .add("integrator_pic", devices::IcpPic::DESCRIPTION)
        .add("icp-ctrl-regs", devices::IcpControl::DESCRIPTION)
        .add("pl031", devices::Pl031::DESCRIPTION);
    s
}

/// `s` restricted to the device `key` (machine kept).
fn only(s: &Schema, key: &str) -> Schema {
    let mut out = Schema::new(s.machine.as_deref());
    let entry = s
        .devices
        .get(key)
        .unwrap_or_else(|| panic!("no device `{key}`"));
    out.devices.insert(key.to_owned(), entry.clone());
    out
}

fn desc<'a>(s: &'a mut Schema, key: &str) -> &'a mut Desc {
    &mut s.devices.get_mut(key).expect("device").description
}

fn field<'a>(d: &'a mut Desc, name: &str) -> &'a mut FieldEntry {
    d.fields
        .iter_mut()
        .chain(d.not_on_wire.iter_mut())
        .find(|f| f.field == name)
        .unwrap_or_else(|| panic!("no field `{name}`"))
}

fn index(d: &Desc, name: &str) -> usize {
    d.fields
        .iter()
        .position(|f| f.field == name)
        .expect("field")
}

/// Sets the versions of a device, on the entry and its description.
fn set_version(s: &mut Schema, key: &str, version: u32, minimum: u32) {
    let e = s.devices.get_mut(key).expect("device");
    e.version_id = version;
    e.minimum_version_id = minimum;
    e.description.version_id = version;
    e.description.minimum_version_id = minimum;
}

/// `vmstate_core::Removed<T>` in place of `f`, as it exports: padding of `f`'s size, typed
/// `removed:<f's type>`, that this project's native format reads as a `T`.
fn removed(f: &FieldEntry) -> FieldEntry {
    let t = f.rust_type.clone().expect("one of our fields");
    let wire = f.wire_type.clone().expect("one of our fields");
    let mut p = padding(f, f.total_size());
    p.rust_type = Some(format!("Removed<{t}>"));
    p.wire_type = Some(match f.array_len {
        Some(n) => format!("removed:{wire}[{n}]"),
        None => format!("removed:{wire}"),
    });
    p
}

/// `unused` padding of `n` bytes, as `Unused<N>` exports it.
fn padding(like: &FieldEntry, n: u64) -> FieldEntry {
    let mut p = like.clone();
    p.field = "unused".into();
    p.size = n;
    p.array_len = None;
    p.description = None;
    p.hook = None;
    p.max_len = None;
    p.validate = None;
    p.variants = None;
    p.version_id = 0;
    if p.kind.is_some() {
        p.kind = Some("migrated".into());
        p.rust_type = Some(format!("Unused<{n}>"));
        p.wire_type = Some("unused".into());
    }
    p
}

/// Asserts that `report` holds exactly one finding (and so no other error or warning), of
/// `rule`, `severity` and `path`, whose message says how to fix it; returns it.
#[track_caller]
fn only_finding(report: &Report, rule: Rule, severity: Severity, path: &str) -> Finding {
    assert_eq!(
        report.findings.len(),
        1,
        "expected exactly one {rule} finding at {path}, got:\n{report}"
    );
    let f = &report.findings[0];
    assert_eq!(
        (f.rule, f.severity, f.path.as_str()),
        (rule, severity, path),
        "{report}"
    );
    let errors = usize::from(severity == Severity::Error);
    assert_eq!(report.errors(), errors, "{report}");
    assert_eq!(report.warnings(), 1 - errors, "{report}");
    assert!(!f.message.contains('\n'), "one line: {}", f.message);
    assert!(f.message.contains(": "), "what breaks: {}", f.message);
    assert!(
        [
            "; keep",
            "; restore",
            "; raise",
            "; lower",
            "; drop",
            "; use",
            "; make",
            "; compare",
            "; declare",
            "; a removed field must keep padding: replace",
        ]
        .iter()
        .any(|w| f.message.contains(w)),
        "a fix: {}",
        f.message
    );
    f.clone()
}

#[track_caller]
fn assert_clean(report: &Report) {
    assert!(report.findings.is_empty(), "expected no finding:\n{report}");
}

/// Asserts that `report` holds only `field-from-padding` warnings, at `paths`: fields of the
/// destination read from the source's padding, as on migration back over a removed field.
#[track_caller]
fn assert_reads_padding(report: &Report, paths: &[&str]) {
    let found: Vec<(Rule, Severity, &str)> = (report.findings.iter())
        .map(|f| (f.rule, f.severity, f.path.as_str()))
        .collect();
    let expected: Vec<(Rule, Severity, &str)> = (paths.iter())
        .map(|p| (Rule::FieldFromPadding, Severity::Warning, *p))
        .collect();
    assert_eq!(found, expected, "{report}");
}

/// The findings between two releases of one derived device: (rule, severity, path).
fn one_device_findings(
    old: &'static vmstate_core::Description,
    new: &'static vmstate_core::Description,
) -> Vec<(Rule, Severity, String)> {
    one_device_check(old, new)
        .findings
        .into_iter()
        .map(|f| (f.rule, f.severity, f.path))
        .collect()
}

/// The report between two releases of one derived device, `dev`.
fn one_device_check(
    old: &'static vmstate_core::Description,
    new: &'static vmstate_core::Description,
) -> Report {
    let schema = |d| vmstate_tests::one_device("dev", d);
    check(&schema(old), &schema(new))
}

/// The errors of [`one_device_findings`]: (rule, path).
fn errors(found: &[(Rule, Severity, String)]) -> Vec<(Rule, &str)> {
    found
        .iter()
        .filter(|f| f.1 == Severity::Error)
        .map(|f| (f.0, f.2.as_str()))
        .collect()
}

#[track_caller]
fn assert_no_errors(report: &Report) {
    assert_eq!(report.errors(), 0, "expected no error:\n{report}");
}

// ---------------------------------------------------------------------------------------------
// (a) our ports against QEMU 7.2's own dump, both ways

fn ours_vs_qemu(key: &str) {
    let (q, o) = (only(&qemu(), key), only(&ours(), key));
    assert_eq!(q.machine.as_deref(), Some("integratorcp"));
    let forward = check(&q, &o);
    assert_clean(&forward);
    let backward = check(&o, &q);
    assert_clean(&backward);
}

/// QEMU names a field after the C expression it migrates (`reg.ctrl_status`); a port gives
/// its Rust field that name with `name = "..."`, and its schema then lines up with QEMU's.
#[test]
fn field_names_from_qemus_c_expressions_line_up_with_its_dump() {
    #[derive(VmState)]
    #[vmstate(name = "bcm2835_sys_timer")]
    #[allow(dead_code)]
    struct SysTimer {
        #[vmstate(name = "reg.ctrl_status")]
        ctrl_status: u32,
        #[vmstate(name = "reg.compare")]
        compare: u32,
    }
    #[derive(VmState)]
    #[vmstate(name = "bcm2835_sys_timer")]
    #[allow(dead_code)]
    struct Unnamed {
        ctrl_status: u32,
        compare: u32,
    }
    let key = "bcm2835-sys-timer";
    let q = only(&qemu(), key);
    let with = |d| {
        let mut s = Schema::new(Some("integratorcp"));
        s.add(key, d);
        s
    };
    let named = with(SysTimer::DESCRIPTION);
    assert_clean(&check(&q, &named));
    assert_clean(&check(&named, &q));
    let report = check(&q, &with(Unnamed::DESCRIPTION));
    let renamed: Vec<&str> = report
        .by_rule(Rule::FieldRenamed)
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        renamed,
        [
            format!("{key}/Fields/reg.ctrl_status"),
            format!("{key}/Fields/reg.compare")
        ]
    );
    let hint = |report: &Report| report.findings[0].message.clone();
    assert!(
        hint(&report).contains(r#"`#[vmstate(name = "reg.ctrl_status")]`"#),
        "{report}"
    );
    // The suggested attribute is Rust: a name with quotes or backslashes is escaped.
    let mut odd = named.clone();
    field(desc(&mut odd, key), "reg.ctrl_status").field = r#"li"m\it"#.to_owned();
    let report = check(&odd, &named);
    assert!(
        hint(&report).contains(r#"`#[vmstate(name = "li\"m\\it")]`"#),
        "{report}"
    );
}

/// Padding that stands for a removed field must stand where the field stood relative to the
/// immutable fields too: QEMU's wire does not carry them, the native format does, in field
/// order (found by the differential test, seed 21000).
#[test]
fn padding_moved_across_an_immutable_field_is_a_native_break() {
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct V1 {
        #[vmstate(immutable)]
        cfg: f32,
        level: u8,
        val: u64,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct InFront {
        gone: vmstate_core::Removed<u8>,
        #[vmstate(immutable)]
        cfg: f32,
        val: u64,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct InPlace {
        #[vmstate(immutable)]
        cfg: f32,
        gone: vmstate_core::Removed<u8>,
        val: u64,
    }
    let moved = (
        Rule::FieldsRestructured,
        Severity::Error,
        "dev/NotOnWire/cfg".to_owned(),
    );
    // `Unused<2>` in front for two bytes that stood in front: lines up.
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct TwoBytes {
        a: u8,
        b: u8,
        #[vmstate(immutable)]
        cfg: f32,
        val: u64,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct OnePadding {
        gone: vmstate_core::Unused<2>,
        #[vmstate(immutable)]
        cfg: f32,
        val: u64,
    }
    assert_eq!(
        one_device_findings(TwoBytes::DESCRIPTION, OnePadding::DESCRIPTION),
        []
    );
    // One `Unused<2>` for two bytes between two immutable fields: lines up (QEMU's idiom).
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Between {
        #[vmstate(immutable)]
        c1: u8,
        a: u8,
        b: u8,
        #[vmstate(immutable)]
        c2: u8,
        v: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct BetweenPadded {
        #[vmstate(immutable)]
        c1: u8,
        g: vmstate_core::Unused<2>,
        #[vmstate(immutable)]
        c2: u8,
        v: u8,
    }
    assert_eq!(
        one_device_findings(Between::DESCRIPTION, BetweenPadded::DESCRIPTION),
        []
    );
    // As many padding entries on each side, of other sizes: the bytes shift.
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Sizes {
        a: [u8; 2],
        #[vmstate(immutable)]
        cfg: u8,
        b: u8,
        v: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Resized {
        g: vmstate_core::Unused<1>,
        #[vmstate(immutable)]
        cfg: u8,
        g2: vmstate_core::Unused<2>,
        v: u8,
    }
    let cfg_moved = (
        Rule::FieldsRestructured,
        Severity::Error,
        "dev/NotOnWire/cfg".to_owned(),
    );
    assert_eq!(
        one_device_findings(Sizes::DESCRIPTION, Resized::DESCRIPTION),
        [cfg_moved]
    );
    // What the kind rules recommend for a field turned derived, `Removed<T>` in its place,
    // lines up in front of an immutable field; so does a skipped field named `unused`.
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Word {
        a: u32,
        #[vmstate(immutable)]
        cfg: u8,
        v: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct WordDerived {
        gone: vmstate_core::Removed<u32>,
        #[vmstate(derived = "Self::recompute")]
        a: u32,
        #[vmstate(immutable)]
        cfg: u8,
        v: u8,
    }
    impl WordDerived {
        fn recompute(&mut self) {}
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct HostUnused {
        #[vmstate(skip, name = "unused")]
        host: u32,
        a: u32,
        #[vmstate(immutable)]
        cfg: u8,
        v: u8,
    }
    assert_eq!(
        one_device_findings(Word::DESCRIPTION, WordDerived::DESCRIPTION),
        []
    );
    // Back, the field loads the padding's zeros.
    assert_eq!(
        one_device_findings(WordDerived::DESCRIPTION, Word::DESCRIPTION),
        [(
            Rule::FieldFromPadding,
            Severity::Warning,
            "dev/Fields/a".to_owned()
        )]
    );
    assert_eq!(
        one_device_findings(HostUnused::DESCRIPTION, Word::DESCRIPTION),
        []
    );
    assert_eq!(
        one_device_findings(Word::DESCRIPTION, HostUnused::DESCRIPTION),
        []
    );
    let forward = one_device_findings(V1::DESCRIPTION, InFront::DESCRIPTION);
    assert_eq!(forward, [moved]);
    // Back, also `level` loads the padding's zeros.
    let backward = one_device_findings(InFront::DESCRIPTION, V1::DESCRIPTION);
    let from_padding = (
        Rule::FieldFromPadding,
        Severity::Warning,
        "dev/Fields/level".to_owned(),
    );
    assert_eq!(backward, [from_padding, forward[0].clone()]);
    assert_eq!(
        one_device_findings(V1::DESCRIPTION, InPlace::DESCRIPTION),
        []
    );
}

/// An immutable field is carried by the native format alone, without its name: renaming it
/// is one rename (not a removal and an addition that would misread streams), and keeping the
/// described name with `name = "..."` is clean.
#[test]
fn immutable_field_renamed_is_one_rename() {
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct V1 {
        #[vmstate(immutable)]
        base: u32,
        #[vmstate(immutable)]
        size: u32,
        a: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Renamed {
        #[vmstate(immutable)]
        addr: u32,
        #[vmstate(immutable)]
        size: u32,
        a: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Kept {
        #[vmstate(immutable, name = "base")]
        addr: u32,
        #[vmstate(immutable)]
        size: u32,
        a: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Retyped {
        #[vmstate(immutable)]
        addr: u64,
        #[vmstate(immutable)]
        size: u32,
        a: u8,
    }
    // Renamed and moved among the migrated fields: not a rename in place, a native break.
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Moved {
        a: u8,
        #[vmstate(immutable)]
        addr: u32,
        #[vmstate(immutable)]
        size: u32,
    }
    let rules: Vec<Rule> = one_device_findings(V1::DESCRIPTION, Moved::DESCRIPTION)
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect();
    assert_eq!(
        rules,
        [
            Rule::FieldRemoved,
            Rule::FieldAdded,
            Rule::FieldsRestructured
        ],
        "renamed and moved"
    );
    let renamed = one_device_findings(V1::DESCRIPTION, Renamed::DESCRIPTION);
    let rename = (
        Rule::FieldRenamed,
        Severity::Error,
        "dev/NotOnWire/base".to_owned(),
    );
    assert_eq!(renamed, [rename]);
    assert_eq!(one_device_findings(V1::DESCRIPTION, Kept::DESCRIPTION), []);
    assert_eq!(one_device_findings(Kept::DESCRIPTION, V1::DESCRIPTION), []);
    // Another type in its place is no rename.
    let rules: Vec<Rule> = one_device_findings(V1::DESCRIPTION, Retyped::DESCRIPTION)
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect();
    assert_eq!(rules, [Rule::FieldRemoved, Rule::FieldAdded]);
}

#[test]
fn integrator_core_is_compatible_with_qemu_both_ways() {
    ours_vs_qemu("integrator_core");
}

#[test]
fn integrator_pic_is_compatible_with_qemu_both_ways() {
    ours_vs_qemu("integrator_pic");
}

#[test]
fn icp_ctrl_regs_is_compatible_with_qemu_both_ways() {
    ours_vs_qemu("icp-ctrl-regs");
}

#[test]
fn pl031_is_compatible_with_qemu_both_ways() {
    ours_vs_qemu("pl031");
}

#[test]
fn whole_ported_schema_against_qemu_dump_only_misses_unported_devices() {
    // Forward from QEMU's 600-odd devices: every unported one is a missing section, nothing
    // else; backward: clean.
    let (q, o) = (qemu(), ours());
    let forward = check(&q, &o);
    assert_eq!(
        forward.errors(),
        q.devices.len() - PORTED.len(),
        "{forward}"
    );
    assert!(forward
        .findings
        .iter()
        .all(|f| f.rule == Rule::SectionRemoved));
    assert!(forward
        .findings
        .iter()
        .all(|f| !PORTED.contains(&f.path.as_str())));
    assert_clean(&check(&o, &q));
}

#[test]
fn pl022_is_compatible_with_qemu_both_ways_with_a_restructure_warning() {
    // QEMU names the interleaved FIFOs `tx_fifo[0]`, `rx_fifo[0]`, ... `rx_fifo[7]`; our port
    // has `fifo: [FifoSlot; 8]` with `tx` and `rx`: the same 16 values in the same order.
    let q = only(&qemu(), "pl022");
    let mut o = Schema::new(Some("integratorcp"));
    o.add("pl022", devices::Pl022::DESCRIPTION);
    for (report, path, old, new) in [
        (
            check(&q, &o),
            "pl022/Fields/tx_fifo[0]",
            "`tx_fifo[0]` to `rx_fifo[7]` (16 fields)",
            "`fifo` (8 × `pl022_fifo_slot`)",
        ),
        (
            check(&o, &q),
            "pl022/Fields/fifo",
            "`fifo` (8 × `pl022_fifo_slot`)",
            "`tx_fifo[0]` to `rx_fifo[7]` (16 fields)",
        ),
    ] {
        assert_eq!((report.errors(), report.warnings()), (0, 1), "{report}");
        let f = &report.findings[0];
        assert_eq!((f.rule, f.path.as_str()), (Rule::FieldsRestructured, path));
        assert!(
            f.message.starts_with(&format!(
                "{old} became {new}: the stream carries the same 16 values (32 bytes)"
            )),
            "{}",
            f.message
        );
    }
}

#[test]
fn restructure_with_other_names_order_or_sizes_is_an_error() {
    let q = only(&qemu(), "pl022");
    let ours = || {
        let mut s = Schema::new(Some("integratorcp"));
        s.add("pl022", devices::Pl022::DESCRIPTION);
        s
    };
    fn slot(s: &mut Schema) -> &mut Desc {
        field(desc(s, "pl022"), "fifo")
            .description
            .as_deref_mut()
            .expect("nested")
    }
    // `rx` before `tx`: every value would land in the other FIFO.
    let mut swapped = ours();
    slot(&mut swapped).fields.swap(0, 1);
    // Another word in a name: not provably the same value.
    let mut renamed = ours();
    slot(&mut renamed).fields[0].field = "out".to_owned();
    // One slot fewer.
    let mut shorter = ours();
    field(desc(&mut shorter, "pl022"), "fifo").array_len = Some(7);
    // Wider values.
    let mut wider = ours();
    for f in &mut slot(&mut wider).fields {
        f.size = 4;
    }
    for (what, new) in [
        ("swapped", swapped),
        ("renamed", renamed),
        ("shorter", shorter),
        ("wider", wider),
    ] {
        let report = check(&q, &new);
        assert!(report.errors() > 0, "{what}: {report}");
        // One slot fewer: the first seven line up, the eighth is missing.
        let lined_up = usize::from(what == "shorter");
        assert_eq!(
            report.by_rule(Rule::FieldsRestructured).count(),
            lined_up,
            "{what}: {report}"
        );
        assert!(check(&new, &q).errors() > 0, "{what} backward");
    }
}

mod regrouped {
    use vmstate_core::VmState;

    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    pub struct Flat {
        pub ctrl: u32,
        pub pair_0_x: u16,
        pub pair_0_y: u16,
        pub pair_1_x: u16,
        pub pair_1_y: u16,
    }

    #[derive(VmState, Debug, PartialEq, Default, Clone, Copy)]
    #[vmstate(name = "pair")]
    pub struct Pair {
        pub x: u16,
        pub y: u16,
    }

    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    pub struct Grouped {
        pub ctrl: u32,
        pub pair: [Pair; 2],
    }

    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "inner")]
    pub struct Inner {
        pub ctrl: u32,
        pub pair_0_x: u16,
    }

    /// `Flat`'s first two fields moved into a nested struct.
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    pub struct Moved {
        pub inner: Inner,
        pub pair_0_y: u16,
        pub pair_1_x: u16,
        pub pair_1_y: u16,
    }

    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    pub struct Words {
        pub ctrl: u32,
        pub word_0: u16,
        pub word_1: u16,
        pub word_2: u16,
        pub word_3: u16,
    }

    /// `Words` as one array: a block in the native format, not four varints.
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    pub struct Block {
        pub ctrl: u32,
        pub word: [u16; 4],
    }
}

#[test]
fn restructure_from_another_version_is_not_a_warning() {
    // QEMU's FIFO fields sent from version 2 on (minimum 1), ours always: a version-1 stream
    // lacks what ours reads.
    let mut q = only(&qemu(), "pl022");
    set_version(&mut q, "pl022", 2, 1);
    let d = desc(&mut q, "pl022");
    for f in d.fields.iter_mut().filter(|f| f.field.contains("_fifo[")) {
        f.version_id = 2;
    }
    let mut o = Schema::new(Some("integratorcp"));
    o.add("pl022", devices::Pl022::DESCRIPTION);
    set_version(&mut o, "pl022", 2, 1);
    let report = check(&q, &o);
    assert!(report.errors() > 0, "{report}");
    assert_eq!(
        report.by_rule(Rule::FieldsRestructured).count(),
        0,
        "{report}"
    );
}

#[test]
fn transposed_indexes_are_not_a_restructure() {
    // `ch[i].reg[j]` against `reg[i].ch[j]`: the same sizes and words, other data.
    let json = |names: [&str; 4]| {
        let fields: Vec<String> = names
            .iter()
            .map(|n| {
                format!(r#"{{"field": "{n}", "version_id": 0, "field_exists": false, "size": 4}}"#)
            })
            .collect();
        format!(
            r#"{{"dev": {{"Name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Description": {{"name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{}]}}}}}}"#,
            fields.join(",")
        )
    };
    let a = Schema::from_json(&json([
        "ch[0].reg[0]",
        "ch[0].reg[1]",
        "ch[1].reg[0]",
        "ch[1].reg[1]",
    ]))
    .unwrap();
    let b = Schema::from_json(&json([
        "reg[0].ch[0]",
        "reg[0].ch[1]",
        "reg[1].ch[0]",
        "reg[1].ch[1]",
    ]))
    .unwrap();
    let report = check(&a, &b);
    assert!(report.errors() > 0, "{report}");
    assert_eq!(
        report.by_rule(Rule::FieldsRestructured).count(),
        0,
        "{report}"
    );
}

#[test]
fn nested_arrays_of_empty_structs_are_checked_in_bounded_time() {
    // 4096 x 4096 x 4096 elements of an empty struct, where a field was renamed: the
    // regrouping search gives up instead of visiting them all.
    let json = r#"{"dev": {"Name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Description": {"name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Fields": [{"field": "a", "version_id": 0, "field_exists": false, "size": 0, "num": 4096,
          "Description": {"name": "b", "version_id": 1, "minimum_version_id": 1,
          "Fields": [{"field": "b", "version_id": 0, "field_exists": false, "size": 0, "num": 4096,
            "Description": {"name": "c", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{"field": "c", "version_id": 0, "field_exists": false, "size": 0, "num": 4096,
              "Description": {"name": "e", "version_id": 1, "minimum_version_id": 1, "Fields": []}}]}}]}},
          {"field": "z", "version_id": 0, "field_exists": false, "size": 4}]}}}"#;
    let old = Schema::from_json(json).unwrap();
    let new = Schema::from_json(&json.replacen(r#""field": "a""#, r#""field": "a2""#, 1)).unwrap();
    let report = check(&old, &new);
    assert!(report.errors() > 0, "{report}");
}

#[test]
fn unused_padding_cannot_stand_for_a_nested_struct_natively() {
    use padded::{V1, V2};
    let schema = |d: &'static vmstate_core::Description| {
        let mut s = Schema::new(None);
        s.add("dev", d);
        s
    };
    for (old, new) in [
        (schema(V1::DESCRIPTION), schema(V2::DESCRIPTION)),
        (schema(V2::DESCRIPTION), schema(V1::DESCRIPTION)),
    ] {
        let report = check(&old, &new);
        let f = &report.findings[0];
        assert_eq!(
            (f.rule, report.errors()),
            (Rule::PaddingMismatch, 1),
            "{report}"
        );
        assert!(f.message.contains("ends a nested struct"), "{}", f.message);
    }
    // Right: QEMU's wire lines up, the native one is a byte longer.
    let v1 = V1 {
        a: 1,
        inner: padded::Inner { x: 2 },
        b: 3,
    };
    let mut v2 = V2 {
        a: 0,
        gap: Default::default(),
        b: 0,
    };
    vmstate_core::qemu::from_bytes(&mut v2, &vmstate_core::qemu::to_bytes(&v1).unwrap(), 1, 0)
        .unwrap();
    assert_eq!((v2.a, v2.b), (1, 3));
    assert!(vmstate_core::from_bytes(&mut v2, &vmstate_core::to_bytes(&v1).unwrap()).is_err());
}

mod padded {
    use vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "inner")]
    pub struct Inner {
        pub x: u8,
    }

    #[derive(VmState)]
    #[vmstate(name = "dev")]
    pub struct V1 {
        pub a: u32,
        pub inner: Inner,
        pub b: u32,
    }

    #[derive(VmState)]
    #[vmstate(name = "dev")]
    pub struct V2 {
        pub a: u32,
        pub gap: vmstate_core::Unused<1>,
        pub b: u32,
    }
}

#[test]
fn regrouping_between_our_schemas_is_an_error_because_native_streams_differ() {
    use regrouped::{Block, Flat, Grouped, Inner, Moved, Pair, Words};
    let schema = |d: &'static vmstate_core::Description| {
        let mut s = Schema::new(None);
        s.add("dev", d);
        s
    };
    let flat = schema(Flat::DESCRIPTION);
    let src = Flat {
        ctrl: 7,
        pair_0_x: 1,
        pair_0_y: 300,
        pair_1_x: 60_000,
        pair_1_y: 4,
    };
    let native = vmstate_core::to_bytes(&src).unwrap();
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();

    // Into an array of structs: QEMU's wire lines up, the native one ends each struct with a
    // marker.
    let grouped = schema(Grouped::DESCRIPTION);
    for (report, path) in [
        (check(&flat, &grouped), "dev/Fields/pair_0_x"),
        (check(&grouped, &flat), "dev/Fields/pair"),
    ] {
        let f = only_finding(&report, Rule::FieldsRestructured, Severity::Error, path);
        assert!(
            f.message.contains("native format does not line up"),
            "{}",
            f.message
        );
    }
    let mut dst = Grouped {
        ctrl: 0,
        pair: [Pair::default(); 2],
    };
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    let want = [Pair { x: 1, y: 300 }, Pair { x: 60_000, y: 4 }];
    assert_eq!((dst.ctrl, dst.pair), (7, want));
    assert!(vmstate_core::from_bytes(&mut dst, &native).is_err());

    // Into a primitive array: one block in the native format.
    let words = schema(Words::DESCRIPTION);
    let block = schema(Block::DESCRIPTION);
    for (report, path) in [
        (check(&words, &block), "dev/Fields/word_0"),
        (check(&block, &words), "dev/Fields/word"),
    ] {
        only_finding(&report, Rule::FieldsRestructured, Severity::Error, path);
    }
    let src = Words {
        ctrl: 7,
        word_0: 1,
        word_1: 300,
        word_2: 60_000,
        word_3: 4,
    };
    let mut dst = Block {
        ctrl: 0,
        word: [0; 4],
    };
    let qemu_words = vmstate_core::qemu::to_bytes(&src).unwrap();
    vmstate_core::qemu::from_bytes(&mut dst, &qemu_words, 1, 0).unwrap();
    assert_eq!(dst.word, [1, 300, 60_000, 4]);
    assert!(vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).is_err());

    // Into a nested struct (QEMU's checker accepts it for QEMU's wire).
    let moved = schema(Moved::DESCRIPTION);
    for (report, path) in [
        (check(&flat, &moved), "dev/Fields/ctrl"),
        (check(&moved, &flat), "dev/Fields/inner"),
    ] {
        let f = only_finding(&report, Rule::FieldsRestructured, Severity::Error, path);
        assert!(
            f.message.contains("nested struct `inner` (`inner`)"),
            "{}",
            f.message
        );
    }
    let mut dst = Moved {
        inner: Inner {
            ctrl: 0,
            pair_0_x: 0,
        },
        pair_0_y: 0,
        pair_1_x: 0,
        pair_1_y: 0,
    };
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(
        (dst.inner.ctrl, dst.inner.pair_0_x, dst.pair_1_x),
        (7, 1, 60_000)
    );
    assert!(vmstate_core::from_bytes(&mut dst, &native).is_err());
}

/// A dump's field whose bytes in all it gives (a newer dump's count, `num`) against a port's
/// array of as many bytes in elements of another size: the same bytes on QEMU's wire, which
/// is all a dump describes, so a warning to compare the elements, not the error between two
/// of this crate's schemas (whose native formats differ). A QEMU 7.2 dump gives no counts: its
/// one 16-byte element (`pci irq state`) may be an array of them (PPC's `VMSTATE_AVR_ARRAY`
/// shows 16 and sends 512), so against `[i32; 4]` it stays an error.
#[test]
fn a_dumps_field_of_known_bytes_against_an_array_of_as_many_is_a_warning() {
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Words {
        irq_state: [i32; 4],
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Bytes {
        irq_state: [u8; 16],
    }
    let dump = |field: serde_json::Value| {
        let json = serde_json::json!({
            "dev": {
                "Name": "dev", "version_id": 1, "minimum_version_id": 1,
                "Description": {
                    "name": "dev", "version_id": 1, "minimum_version_id": 1,
                    "Fields": [field]
                }
            }
        });
        Schema::from_json(&json.to_string()).unwrap()
    };
    let schema = |d: &'static vmstate_core::Description| {
        let mut s = Schema::new(None);
        s.add("dev", d);
        s
    };
    let path = "dev/Fields/irq_state";
    let counted = dump(serde_json::json!({
        "field": "irq_state", "version_id": 0, "field_exists": false, "size": 4, "num": 4
    }));
    let bytes = schema(Bytes::DESCRIPTION);
    for report in [check(&counted, &bytes), check(&bytes, &counted)] {
        let f = only_finding(&report, Rule::FieldSizeChanged, Severity::Warning, path);
        assert!(f.message.contains("as many bytes"), "{}", f.message);
    }
    let uncounted = dump(serde_json::json!({
        "field": "irq_state", "version_id": 0, "field_exists": false, "size": 16
    }));
    let words = schema(Words::DESCRIPTION);
    for report in [check(&uncounted, &words), check(&words, &uncounted)] {
        only_finding(&report, Rule::FieldSizeChanged, Severity::Error, path);
    }
    // Between two typed schemas the native formats differ: an error.
    only_finding(
        &check(&words, &bytes),
        Rule::FieldSizeChanged,
        Severity::Error,
        path,
    );
}

// ---------------------------------------------------------------------------------------------
// (b) one test per rule

#[test]
fn rule_section_removed() {
    let old = ours();
    let mut new = ours();
    new.devices.remove("pl031");
    let f = only_finding(
        &check(&old, &new),
        Rule::SectionRemoved,
        Severity::Error,
        "pl031",
    );
    assert!(f.message.contains("`pl031`"), "{}", f.message);
    // A device only the new release has is fine.
    assert_clean(&check(&new, &old));
}

#[test]
fn rule_section_removed_on_qemu_dump() {
    let old = only(&qemu(), "sp804");
    let new = Schema::new(Some("integratorcp"));
    only_finding(
        &check(&old, &new),
        Rule::SectionRemoved,
        Severity::Error,
        "sp804",
    );
}

#[test]
fn rule_version_too_high() {
    let mut old = ours();
    set_version(&mut old, "pl031", 2, 1);
    let new = ours();
    let f = only_finding(
        &check(&old, &new),
        Rule::VersionTooHigh,
        Severity::Error,
        "pl031",
    );
    assert!(f.message.contains("version 2"), "{}", f.message);
}

#[test]
fn rule_version_too_high_in_subsection() {
    let mut old = ours();
    desc(&mut old, "pl031").subsections[0].version_id = 2;
    let report = check(&old, &ours());
    only_finding(
        &report,
        Rule::VersionTooHigh,
        Severity::Error,
        "pl031/Subsections/pl031/tick-offset",
    );
}

#[test]
fn rule_below_minimum_version() {
    let old = ours();
    let mut new = ours();
    set_version(&mut new, "integrator_pic", 2, 2);
    let f = only_finding(
        &check(&old, &new),
        Rule::BelowMinimumVersion,
        Severity::Error,
        "integrator_pic",
    );
    assert!(f.message.contains("minimum_version"), "{}", f.message);
}

#[test]
fn rule_description_renamed() {
    let old = ours();
    let mut new = ours();
    desc(&mut new, "integrator_core").name = "integrator_cm".into();
    let f = only_finding(
        &check(&old, &new),
        Rule::DescriptionRenamed,
        Severity::Error,
        "integrator_core",
    );
    assert!(f.message.contains("`integratorcm`"), "{}", f.message);
}

/// A nested struct's description renamed: no wire carries its name, so loads work (in both
/// codecs) and it is a warning, as its version is; its fields are still compared.
#[test]
fn rule_description_renamed_nested_is_a_warning() {
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "rtc_alarm")]
    struct AlarmV1 {
        at: u32,
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "alarm")]
    struct AlarmV2 {
        at: u32,
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "alarm")]
    struct AlarmWide {
        at: u64,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct V1 {
        alarm: AlarmV1,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct V2 {
        alarm: AlarmV2,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Wide {
        alarm: AlarmWide,
    }
    let src = V1 {
        alarm: AlarmV1 { at: 300 },
    };
    let mut dst = V2::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst.alarm.at, 300);
    let mut dst = V2::default();
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst.alarm.at, 300);
    let f = only_finding(
        &one_device_check(V1::DESCRIPTION, V2::DESCRIPTION),
        Rule::DescriptionRenamed,
        Severity::Warning,
        "dev/Fields/alarm",
    );
    assert!(f.message.contains("loads are unaffected"), "{}", f.message);
    // The renamed struct's fields are compared all the same.
    assert_eq!(
        one_device_findings(V1::DESCRIPTION, Wide::DESCRIPTION),
        [
            (
                Rule::DescriptionRenamed,
                Severity::Warning,
                "dev/Fields/alarm".to_owned()
            ),
            (
                Rule::FieldSizeChanged,
                Severity::Error,
                "dev/Fields/alarm/Fields/at".to_owned()
            ),
        ]
    );
}

#[test]
fn rule_field_renamed() {
    let old = ours();
    let mut new = ours();
    field(desc(&mut new, "integrator_core"), "cm_osc").field = "osc".into();
    let f = only_finding(
        &check(&old, &new),
        Rule::FieldRenamed,
        Severity::Error,
        "integrator_core/Fields/cm_osc",
    );
    assert!(
        f.message.contains("`cm_osc` was renamed to `osc`"),
        "{}",
        f.message
    );
}

#[test]
fn rule_field_renamed_on_qemu_dump() {
    let old = only(&qemu(), "pl031");
    let mut new = old.clone();
    field(desc(&mut new, "pl031"), "lr").field = "load".into();
    only_finding(
        &check(&old, &new),
        Rule::FieldRenamed,
        Severity::Error,
        "pl031/Fields/lr",
    );
}

#[test]
fn rule_field_renamed_reordered() {
    let old = ours();
    let mut new = ours();
    let d = desc(&mut new, "integrator_core");
    let (a, b) = (index(d, "cm_lock"), index(d, "cm_auxosc"));
    d.fields.swap(a, b);
    let f = only_finding(
        &check(&old, &new),
        Rule::FieldRenamed,
        Severity::Error,
        "integrator_core/Fields/cm_lock",
    );
    assert!(f.message.contains("reordered"), "{}", f.message);
}

#[test]
fn rule_field_removed() {
    let old = ours();
    let mut new = ours();
    let d = desc(&mut new, "integrator_core");
    d.fields.remove(index(d, "cm_ctrl"));
    let f = only_finding(
        &check(&old, &new),
        Rule::FieldRemoved,
        Severity::Error,
        "integrator_core/Fields/cm_ctrl",
    );
    assert!(
        f.message.contains(
            "a removed field must keep padding: replace it with `vmstate_core::Removed<u32>`"
        ),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("`vmstate_core::Unused<4>` is for bytes only QEMU's wire carried"),
        "{}",
        f.message
    );
    assert!(f.message.contains("every later field"), "{}", f.message);
}

#[test]
fn rule_field_removed_at_the_end() {
    let old = only(&qemu(), "integrator_pic");
    let mut new = old.clone();
    desc(&mut new, "integrator_pic").fields.pop();
    let f = only_finding(
        &check(&old, &new),
        Rule::FieldRemoved,
        Severity::Error,
        "integrator_pic/Fields/fiq_enabled",
    );
    // No later field to misread: the bytes left over fail the load.
    assert!(f.message.contains("refuse the stream"), "{}", f.message);
    assert!(!f.message.contains("every later field"), "{}", f.message);

    // At the end of a nested struct, the enclosing struct's next field follows.
    mod v1 {
        #[derive(vmstate_core::VmState)]
        #[vmstate(name = "inner")]
        pub struct Inner {
            pub a: u32,
            pub b: u32,
        }
        #[derive(vmstate_core::VmState)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            pub inner: Inner,
            pub z: u32,
        }
    }
    mod v2 {
        #[derive(vmstate_core::VmState)]
        #[vmstate(name = "inner")]
        pub struct Inner {
            pub a: u32,
        }
        #[derive(vmstate_core::VmState)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            pub inner: Inner,
            pub z: u32,
        }
    }
    let report = check(
        &vmstate_tests::one_device("dev", v1::Dev::DESCRIPTION),
        &vmstate_tests::one_device("dev", v2::Dev::DESCRIPTION),
    );
    let removed: Vec<_> = report.by_rule(Rule::FieldRemoved).collect();
    assert_eq!(removed.len(), 1, "{report}");
    assert!(removed[0].message.contains("every later field"), "{report}");
}

#[test]
fn rule_padding_mismatch() {
    let old = ours();
    let mut new = ours();
    let d = desc(&mut new, "integrator_core");
    let i = index(d, "cm_ctrl");
    d.fields[i] = padding(&d.fields[i], 2);
    let f = only_finding(
        &check(&old, &new),
        Rule::PaddingMismatch,
        Severity::Error,
        "integrator_core/Fields/cm_lock",
    );
    assert!(f.message.contains("Unused<4>"), "{}", f.message);
}

#[test]
fn rule_padding_mismatch_native_format() {
    // `Unused<4>` for a `u32`: QEMU's wire stays aligned, but native streams carry the `u32`
    // as a varint. QEMU's own dump has no types: the same change there is fine.
    let old = ours();
    let mut new = ours();
    let d = desc(&mut new, "integrator_core");
    let i = index(d, "cm_ctrl");
    d.fields[i] = padding(&d.fields[i], 4);
    let f = only_finding(
        &check(&old, &new),
        Rule::PaddingMismatch,
        Severity::Error,
        "integrator_core/Fields/cm_ctrl",
    );
    assert!(f.message.contains("Removed<u32>"), "{}", f.message);
    assert!(f.message.contains("varint"), "{}", f.message);
    only_finding(
        &check(&new, &old),
        Rule::PaddingMismatch,
        Severity::Error,
        "integrator_core/Fields/cm_ctrl",
    );
    let old = only(&qemu(), "integrator_core");
    let mut new = old.clone();
    let d = desc(&mut new, "integrator_core");
    let i = index(d, "cm_ctrl");
    d.fields[i] = padding(&d.fields[i], 4);
    assert_clean(&check(&old, &new));
    assert_reads_padding(&check(&new, &old), &["integrator_core/Fields/cm_ctrl"]);
}

/// A real field called `unused` (QEMU's pl041 has one) is not padding: in the place of
/// `Unused<4>` it is the same bytes on QEMU's wire, but a varint natively; and an immutable
/// one beside old padding of that name is new.
#[test]
fn a_real_field_named_unused_is_not_taken_for_padding() {
    #[derive(VmState)]
    #[vmstate(name = "aaci")]
    struct Padded {
        a: u32,
        unused: vmstate_core::Unused<4>,
        b: u32,
    }
    #[derive(VmState)]
    #[vmstate(name = "aaci")]
    struct Reserved {
        a: u32,
        unused: u32,
        b: u32,
    }
    #[derive(VmState)]
    #[vmstate(name = "aaci")]
    struct WithImmutable {
        a: u32,
        unused: vmstate_core::Unused<4>,
        b: u32,
        #[vmstate(name = "unused", immutable)]
        config: u32,
    }
    let path = "dev/Fields/unused";
    let found = one_device_findings(Padded::DESCRIPTION, Reserved::DESCRIPTION);
    assert_eq!(errors(&found), [(Rule::PaddingMismatch, path)]);
    let found = one_device_findings(Reserved::DESCRIPTION, Padded::DESCRIPTION);
    assert_eq!(errors(&found), [(Rule::PaddingMismatch, path)]);
    // QEMU's wire alone (`schema --qemu`): the same bytes, and QEMU's name for padding.
    let qemu = |d| vmstate_tests::one_device("dev", d).qemu_only();
    assert_clean(&check(
        &qemu(Padded::DESCRIPTION),
        &qemu(Reserved::DESCRIPTION),
    ));
    // The immutable `unused` is added (natively carried): an error, not taken for the padding.
    let found = one_device_findings(Padded::DESCRIPTION, WithImmutable::DESCRIPTION);
    assert_eq!(
        errors(&found),
        [(Rule::FieldAdded, "dev/NotOnWire/unused")],
        "{found:?}"
    );
}

#[test]
fn rule_padding_mismatch_inserted_padding() {
    // Padding in front of a field that is still there is an added field, not a replacement.
    let old = ours();
    let mut new = ours();
    let d = desc(&mut new, "integrator_core");
    let i = index(d, "cm_ctrl");
    let p = removed(&d.fields[i]);
    d.fields.insert(i, p);
    only_finding(
        &check(&old, &new),
        Rule::FieldAdded,
        Severity::Error,
        "integrator_core/Fields/unused",
    );
    only_finding(
        &check(&new, &old),
        Rule::FieldRemoved,
        Severity::Error,
        "integrator_core/Fields/unused",
    );
}

#[test]
fn rule_padding_mismatch_on_qemu_dump() {
    // stellaris-gptm keeps 8 bytes of `unused` padding; shrinking it to 4 misaligns `load`.
    let old = only(&qemu(), "stellaris-gptm");
    let mut new = old.clone();
    let d = desc(&mut new, "stellaris-gptm");
    let i = index(d, "unused");
    d.fields[i].size = 4;
    only_finding(
        &check(&old, &new),
        Rule::PaddingMismatch,
        Severity::Error,
        "stellaris-gptm/Fields/load",
    );
}

#[test]
fn padding_for_an_array_lines_up_with_a_dump_that_gives_no_array_lengths() {
    // QEMU 7.2's dumps give an array's element size but not its length: `periph_busy`, 32
    // bytes on the wire, shows as `size: 1`. Padding of its 32 bytes lines up if it is an
    // array of 32, which the dump cannot tell: a warning naming the count, not an error.
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Padded<const N: usize> {
        a: u32,
        periph_busy: vmstate_core::Unused<N>,
        x: u32,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct PaddedAtTheEnd {
        a: u32,
        periph_busy: vmstate_core::Unused<32>,
    }
    let dump = |fields: &[(&str, u64)]| {
        let fields: Vec<_> = (fields.iter())
            .map(|(name, size)| {
                serde_json::json!({
                    "field": name, "version_id": 0, "field_exists": false, "size": size
                })
            })
            .collect();
        let json = serde_json::json!({
            "dev": {
                "Name": "dev", "version_id": 1, "minimum_version_id": 1,
                "Description": {
                    "name": "dev", "version_id": 1, "minimum_version_id": 1,
                    "Fields": fields
                }
            }
        });
        Schema::from_json(&json.to_string()).unwrap()
    };
    let schema = |d: &'static vmstate_core::Description| {
        let mut s = Schema::new(None);
        s.add("dev", d);
        s
    };
    let path = "dev/Fields/periph_busy";
    let qemu = dump(&[("a", 4), ("periph_busy", 1), ("x", 4)]);
    for (ours, count) in [
        (
            schema(Padded::<32>::DESCRIPTION),
            "an array of 32 elements of 1 byte:",
        ),
        // The dump cannot tell 31 from 32 either: the count shown is QEMU's to check.
        (
            schema(Padded::<31>::DESCRIPTION),
            "an array of 31 elements of 1 byte:",
        ),
    ] {
        let f = only_finding(
            &check(&qemu, &ours),
            Rule::PaddingMismatch,
            Severity::Warning,
            path,
        );
        assert!(f.message.contains(count), "{}", f.message);
        // The other way the new release's `periph_busy` also reads the old one's zeros.
        let back = check(&ours, &qemu);
        assert_no_errors(&back);
        assert!(
            (back.findings.iter()).any(|f| f.path == path && f.message.contains(count)),
            "{back}"
        );
    }
    // Padding at the end of the fields.
    let qemu_at_the_end = dump(&[("a", 4), ("periph_busy", 1)]);
    let ours = schema(PaddedAtTheEnd::DESCRIPTION);
    let f = only_finding(
        &check(&qemu_at_the_end, &ours),
        Rule::PaddingMismatch,
        Severity::Warning,
        path,
    );
    assert!(
        f.message.contains("an array of 32 elements"),
        "{}",
        f.message
    );
    // An element size that does not divide the padding cannot line up: an error as before.
    let words = dump(&[("a", 4), ("periph_busy", 4), ("x", 4)]);
    only_finding(
        &check(&words, &schema(Padded::<30>::DESCRIPTION)),
        Rule::PaddingMismatch,
        Severity::Error,
        "dev/Fields/unused",
    );
    // Fields that line up as they are need no array: no finding.
    let scalars = dump(&[("a", 4), ("b", 1), ("c", 31), ("x", 4)]);
    assert_clean(&check(&scalars, &schema(Padded::<32>::DESCRIPTION)));

    // A dump that gives a fixed array's length (`num`, QEMU 8.2 and later) gives every one:
    // a field without one is no array, and the padding is an error as before.
    let mut with_lengths = dump(&[("a", 4), ("periph_busy", 1), ("x", 4)]);
    desc(&mut with_lengths, "dev").fields[0].array_len = Some(1);
    for report in [
        check(&with_lengths, &schema(Padded::<32>::DESCRIPTION)),
        check(&schema(Padded::<32>::DESCRIPTION), &with_lengths),
    ] {
        assert!(report.errors() > 0, "{report}");
        assert!(!report.to_string().contains("an array of"), "{report}");
    }

    // Only the last field before the padding may grow: growing an earlier one would move
    // the fields after it onto the other release's, unchecked. Here `s` as an array of 3
    // would put `r` where the new release reads `k`.
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Shifted {
        u: vmstate_core::Unused<3>,
        k: u8,
        u2: vmstate_core::Unused<3>,
        z: u32,
    }
    let qemu = dump(&[("s", 1), ("r", 1), ("unused", 3), ("z", 4)]);
    for report in [
        check(&qemu, &schema(Shifted::DESCRIPTION)),
        check(&schema(Shifted::DESCRIPTION), &qemu),
    ] {
        assert!(report.errors() > 0, "{report}");
    }
}

#[test]
fn rule_padding_mismatch_left_over_at_the_end() {
    let old = ours();
    let mut new = ours();
    let d = desc(&mut new, "integrator_core");
    let last = d.fields.len() - 1;
    d.fields[last] = padding(&d.fields[last], 8);
    only_finding(
        &check(&old, &new),
        Rule::PaddingMismatch,
        Severity::Error,
        "integrator_core/Fields/unused",
    );
}

#[test]
fn rule_field_size_changed() {
    let old = ours();
    let mut new = ours();
    let f = field(desc(&mut new, "icp-ctrl-regs"), "intreg_state");
    f.size = 8;
    f.wire_type = Some("uint64".into());
    f.rust_type = Some("u64".into());
    let f = only_finding(
        &check(&old, &new),
        Rule::FieldSizeChanged,
        Severity::Error,
        "icp-ctrl-regs/Fields/intreg_state",
    );
    assert!(f.message.contains("from 4 to 8 bytes"), "{}", f.message);
}

/// A schema without types (`schema --qemu`, QEMU's dumps) gives a sequence sized at run time
/// size 0: decoding with it says it cannot, rather than reading nothing there and the rest
/// misaligned.
#[test]
fn a_typeless_size_0_field_is_not_decoded_as_nothing() {
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Dev {
        a: u8,
        #[vmstate(max_len = 4)]
        v: Vec<u8>,
        z: u8,
    }
    let dev = Dev {
        a: 1,
        v: vec![9, 9, 9],
        z: 2,
    };
    let bytes = vmstate_core::qemu::to_bytes(&dev).unwrap();
    let typed = Desc::from_description(Dev::DESCRIPTION);
    let (value, used) =
        vmstate_core::schema::decode(&typed, vmstate_core::schema::Format::Qemu, &bytes, 1, 0)
            .unwrap();
    assert_eq!((value["z"].as_u64(), used), (Some(2), bytes.len()));
    let typeless = vmstate_tests::one_device("dev", Dev::DESCRIPTION).qemu_only();
    let desc = &typeless.devices["dev"].description;
    let err = vmstate_core::schema::decode(desc, vmstate_core::schema::Format::Qemu, &bytes, 1, 0)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("field `v` has size 0 in a schema without types"),
        "{err}"
    );
}

/// Our buffer against QEMU's `VMSTATE_UINT8_ARRAY` as a dump with `num` gives it, or as
/// `schema --qemu` of a plain `[u8; N]` gives it: the same bytes, both ways.
#[test]
fn a_buffer_matches_qemus_byte_array() {
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Buffer {
        #[vmstate(buffer)]
        data: [u8; 16],
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Array {
        data: [u8; 16],
    }
    let dump = Schema::from_json(
        r#"{"dev": {"Name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Description": {"name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{"field": "data", "version_id": 0, "field_exists": false, "size": 1,
            "num": 16}]}}}"#,
    )
    .unwrap();
    let ours = vmstate_tests::one_device("dev", Buffer::DESCRIPTION);
    let plain = vmstate_tests::one_device("dev", Array::DESCRIPTION).qemu_only();
    for other in [&dump, &plain] {
        assert_clean(&check(other, &ours));
        assert_clean(&check(&ours, other));
    }
}

/// Padding against a real field named `unused` that the new release reads only from a later
/// version: an old stream's padding bytes are then read by nothing, an error (the version
/// gate applies to them as to any field).
#[test]
fn a_real_unused_field_behind_since_does_not_stand_for_padding() {
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Old {
        a: u32,
        unused: vmstate_core::Unused<4>,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev", version = 2)]
    struct New {
        a: u32,
        #[vmstate(since = 2)]
        unused: u32,
    }
    let found = one_device_findings(Old::DESCRIPTION, New::DESCRIPTION);
    assert!(!errors(&found).is_empty(), "{found:?}");
    // What the loads do: a version 1 stream has 4 bytes the new release does not read.
    let bytes = vmstate_core::qemu::to_bytes(&Old {
        a: 1,
        unused: vmstate_core::Unused,
    })
    .unwrap();
    let mut new = New { a: 0, unused: 0 };
    assert!(vmstate_core::qemu::from_bytes(&mut new, &bytes, 1, 0).is_err());
}

/// A `#[vmstate(buffer)]` is the byte array it is on both wires: against this project's own
/// schemas it compares as `[u8; N]` does (with `[i8; N]` a signedness warning, with a `u8`
/// nothing, with a `bool` an error).
#[test]
fn a_buffer_compares_as_the_byte_array_it_is() {
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Buffer {
        #[vmstate(buffer)]
        x: [u8; 4],
        #[vmstate(buffer)]
        one: [u8; 1],
        z: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Signed {
        x: [i8; 4],
        one: u8,
        z: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Flag {
        x: [u8; 4],
        one: bool,
        z: u8,
    }
    for found in [
        one_device_findings(Buffer::DESCRIPTION, Signed::DESCRIPTION),
        one_device_findings(Signed::DESCRIPTION, Buffer::DESCRIPTION),
    ] {
        assert_eq!(errors(&found), [], "{found:?}");
        let warnings: Vec<_> = (found.iter())
            .filter(|f| f.1 == Severity::Warning)
            .map(|f| (f.0, f.2.as_str()))
            .collect();
        assert_eq!(warnings, [(Rule::FieldTypeChanged, "dev/Fields/x")]);
    }
    let found = one_device_findings(Buffer::DESCRIPTION, Flag::DESCRIPTION);
    assert_eq!(errors(&found), [(Rule::FieldTypeChanged, "dev/Fields/one")]);
}

/// QEMU's `VMSTATE_BUFFER` is one element of N bytes in its dumps, a `[u8; N]` N elements
/// of one byte: the same bytes, so not a size change; a buffer of other bytes is one.
#[test]
fn a_byte_array_matches_qemus_buffer_of_as_many_bytes() {
    /// QEMU's `PS2 Common State` with a queue of `N` bytes (QEMU's is 256).
    #[derive(VmState)]
    #[vmstate(name = "PS2 Common State", version = 3, minimum_version = 2)]
    struct Ps2Common<const N: usize> {
        write_cmd: i32,
        #[vmstate(name = "queue.rptr")]
        rptr: i32,
        #[vmstate(name = "queue.wptr")]
        wptr: i32,
        #[vmstate(name = "queue.count")]
        count: i32,
        #[vmstate(name = "queue.data")]
        data: [u8; N],
    }
    // QEMU 7.2's `ps2-mouse` holds its `PS2 Common State`, whose queue is a 256-byte buffer.
    let qemu_common = |schema: &Schema| {
        let mouse = &schema.devices["ps2-mouse"].description;
        let field = mouse
            .fields
            .iter()
            .find(|f| f.field == "parent_obj")
            .unwrap();
        let common = field.description.as_deref().unwrap().clone();
        let data = common
            .fields
            .iter()
            .find(|f| f.field == "queue.data")
            .unwrap();
        assert_eq!((data.size, data.array_len), (256, None));
        common
    };
    let dump = qemu_common(&qemu());
    let as_schema = |description: Desc| {
        let mut s = Schema::new(None);
        let entry = vmstate_core::schema::DeviceEntry {
            name: "ps2".into(),
            version_id: description.version_id,
            minimum_version_id: description.minimum_version_id,
            description,
        };
        s.devices.insert("ps2".into(), entry);
        s
    };
    let (qemu, ours) = (
        as_schema(dump),
        vmstate_tests::one_device("ps2", Ps2Common::<256>::DESCRIPTION),
    );
    assert_no_errors(&check(&qemu, &ours));
    assert_no_errors(&check(&ours, &qemu));
    let short = vmstate_tests::one_device("ps2", Ps2Common::<128>::DESCRIPTION);
    for report in [check(&qemu, &short), check(&short, &qemu)] {
        only_finding(
            &report,
            Rule::FieldSizeChanged,
            Severity::Error,
            "ps2/Fields/queue.data",
        );
    }

    // But a field of 2, 4 or 8 bytes in QEMU 7.2's dump, which gives no array lengths, may
    // be an array of such words: QEMU's pl181 sends `VMSTATE_UINT32_ARRAY(fifo, .., 16)`,
    // 64 bytes its dump shows as size 4, which a `[u8; 4]` is not.
    let dump_fifo = || {
        let pl181 = &self::qemu().devices["pl181"].description;
        let fifo = pl181.fields.iter().find(|f| f.field == "fifo").unwrap();
        assert_eq!((fifo.size, fifo.array_len), (4, None));
        let mut one = pl181.clone();
        one.fields.retain(|f| f.field == "fifo");
        one
    };
    #[derive(VmState)]
    #[vmstate(name = "pl181")]
    struct FifoBytes {
        fifo: [u8; 4],
    }
    let ours = vmstate_tests::one_device("ps2", FifoBytes::DESCRIPTION);
    for report in [
        check(&as_schema(dump_fifo()), &ours),
        check(&ours, &as_schema(dump_fifo())),
    ] {
        only_finding(
            &report,
            Rule::FieldSizeChanged,
            Severity::Error,
            "ps2/Fields/fifo",
        );
    }
}

#[test]
fn rule_field_size_changed_array_length() {
    let old = ours();
    let mut new = ours();
    field(desc(&mut new, "icp-ctrl-regs"), "intreg_state").array_len = Some(2);
    only_finding(
        &check(&old, &new),
        Rule::FieldSizeChanged,
        Severity::Error,
        "icp-ctrl-regs/Fields/intreg_state",
    );
}

#[test]
fn rule_field_size_changed_struct_array_length() {
    // PL022's FIFO is an array of 8 nested structs: a different count moves every later byte.
    let pl022 = || {
        let mut s = Schema::new(Some("integratorcp"));
        s.add("pl022", devices::Pl022::DESCRIPTION);
        s
    };
    for len in [4, 16] {
        let mut new = pl022();
        field(desc(&mut new, "pl022"), "fifo").array_len = Some(len);
        for (old, new) in [(pl022(), new.clone()), (new, pl022())] {
            let f = only_finding(
                &check(&old, &new),
                Rule::FieldSizeChanged,
                Severity::Error,
                "pl022/Fields/fifo",
            );
            assert!(
                f.message.contains("`pl022_fifo_slot` structs"),
                "{}",
                f.message
            );
        }
    }
}

#[test]
fn rule_field_version_changed() {
    // QEMU's rule: the old release sends `mr` from version 2, the new reads it from 0 and
    // loads version 1 streams, which lack it.
    let mut old = ours();
    set_version(&mut old, "pl031", 2, 1);
    field(desc(&mut old, "pl031"), "mr").version_id = 2;
    let mut new = ours();
    set_version(&mut new, "pl031", 2, 1);
    only_finding(
        &check(&old, &new),
        Rule::FieldVersionChanged,
        Severity::Error,
        "pl031/Fields/mr",
    );
    // Not where the versions in between are below the new release's minimum: no stream it
    // loads lacks the field (QEMU's dump marks `arm_gic`'s `irq_state` version 1, its
    // minimum is 12; a port without `since` reads the same streams).
    set_version(&mut new, "pl031", 2, 2);
    assert_clean(&check(&old, &new));
    let mut old = ours();
    field(desc(&mut old, "pl031"), "mr").version_id = 1;
    assert_eq!(desc(&mut old, "pl031").minimum_version_id, 1);
    assert_clean(&check(&old, &ours()));
    // Beyond QEMU's: the new release reads `mr` only from version 2, the old sends it in v1.
    let mut new = ours();
    set_version(&mut new, "pl031", 2, 1);
    field(desc(&mut new, "pl031"), "mr").version_id = 2;
    only_finding(
        &check(&ours(), &new),
        Rule::FieldVersionChanged,
        Severity::Error,
        "pl031/Fields/mr",
    );
}

#[test]
fn rule_nested_description_missing() {
    let old = only(&qemu(), "ps2-kbd");
    let mut new = old.clone();
    field(desc(&mut new, "ps2-kbd"), "parent_obj").description = None;
    only_finding(
        &check(&old, &new),
        Rule::NestedDescriptionMissing,
        Severity::Error,
        "ps2-kbd/Fields/parent_obj",
    );
}

#[test]
fn rules_apply_inside_nested_structs() {
    let old = only(&qemu(), "ps2-kbd");
    let mut new = old.clone();
    let nested = field(desc(&mut new, "ps2-kbd"), "parent_obj")
        .description
        .as_deref_mut()
        .expect("nested");
    field(nested, "queue.data").size = 128;
    only_finding(
        &check(&old, &new),
        Rule::FieldSizeChanged,
        Severity::Error,
        "ps2-kbd/Fields/parent_obj/Fields/queue.data",
    );
}

#[test]
fn rule_subsection_removed() {
    let old = ours();
    let mut new = ours();
    desc(&mut new, "pl031").subsections.clear();
    only_finding(
        &check(&old, &new),
        Rule::SubsectionRemoved,
        Severity::Error,
        "pl031/Subsections/pl031/tick-offset",
    );
    // The same on QEMU's own entry.
    let old = only(&qemu(), "pl031");
    let mut new = old.clone();
    desc(&mut new, "pl031").subsections.clear();
    only_finding(
        &check(&old, &new),
        Rule::SubsectionRemoved,
        Severity::Error,
        "pl031/Subsections/pl031/tick-offset",
    );
}

#[test]
fn rule_machine_changed() {
    let old = ours();
    let mut new = ours();
    new.machine = Some("versatilepb".into());
    let f = only_finding(
        &check(&old, &new),
        Rule::MachineChanged,
        Severity::Warning,
        "vmschkmachine",
    );
    assert!(f.message.contains("`versatilepb`"), "{}", f.message);
}

#[test]
fn rule_field_added_in_the_middle() {
    let old = ours();
    let mut new = ours();
    let d = desc(&mut new, "integrator_core");
    let i = index(d, "cm_lock");
    let mut added = d.fields[i].clone();
    added.field = "cm_refcnt".into();
    d.fields.insert(i, added);
    let f = only_finding(
        &check(&old, &new),
        Rule::FieldAdded,
        Severity::Error,
        "integrator_core/Fields/cm_refcnt",
    );
    assert!(f.message.contains("since = 2"), "{}", f.message);
    assert!(f.message.contains("subsection"), "{}", f.message);
}

#[test]
fn rule_field_added_at_the_end() {
    // QEMU's checker accepts extra trailing fields; the old stream lacks them all the same.
    let old = only(&qemu(), "icp-ctrl-regs");
    let mut new = old.clone();
    let d = desc(&mut new, "icp-ctrl-regs");
    let mut added = d.fields[0].clone();
    added.field = "latch".into();
    d.fields.push(added);
    only_finding(
        &check(&old, &new),
        Rule::FieldAdded,
        Severity::Error,
        "icp-ctrl-regs/Fields/latch",
    );
}

#[test]
fn rule_field_added_behind_an_exists_test_is_a_warning() {
    let old = ours();
    let mut new = ours();
    let d = desc(&mut new, "icp-ctrl-regs");
    let mut added = d.fields[0].clone();
    added.field = "latch".into();
    added.field_exists = true;
    d.fields.push(added);
    only_finding(
        &check(&old, &new),
        Rule::FieldAdded,
        Severity::Warning,
        "icp-ctrl-regs/Fields/latch",
    );
}

/// A field gated by an `exists` test on the version that becomes `since = 2` (or back), at
/// version 2 on both sides: the test decides what its release reads, so the checker warns
/// what the test must do and does not compare the versions (the field's `version_id` 0 beside
/// a test is no claim that version 1 streams carry it). Both directions load.
#[test]
fn an_exists_test_that_becomes_since_is_a_warning_both_ways() {
    mod tested {
        use vmstate_core::VmState;
        #[derive(VmState, Default, Debug, PartialEq)]
        #[vmstate(name = "dev", version = 2, minimum_version = 1)]
        pub struct Dev {
            pub a: u32,
            #[vmstate(exists = "Self::sent_from_two", default)]
            pub c: u32,
            pub z: u8,
        }
        impl Dev {
            fn sent_from_two(&self, version: u32) -> bool {
                version >= 2
            }
        }
    }
    mod since {
        use vmstate_core::VmState;
        #[derive(VmState, Default, Debug, PartialEq)]
        #[vmstate(name = "dev", version = 2, minimum_version = 1)]
        pub struct Dev {
            pub a: u32,
            #[vmstate(since = 2, default)]
            pub c: u32,
            pub z: u8,
        }
    }
    let schema = |d| {
        let mut s = vmstate_core::schema::Schema::default();
        s.add("dev", d);
        s
    };
    let (t, s) = (
        schema(tested::Dev::DESCRIPTION),
        schema(since::Dev::DESCRIPTION),
    );
    for (old, new, says) in [
        (&t, &s, "read in the new from version 2 on"),
        (&s, &t, "must return true for them"),
    ] {
        let report = check(old, new);
        assert_eq!((report.errors(), report.warnings()), (0, 1), "{report}");
        let f = only_finding(
            &report,
            Rule::FieldVersionChanged,
            Severity::Warning,
            "dev/Fields/c",
        );
        assert!(f.message.contains(says), "{}", f.message);
    }
    // What the loads do: the field travels both ways.
    let src = tested::Dev { a: 1, c: 2, z: 3 };
    let mut dst = since::Dev::default();
    vmstate_core::qemu::from_bytes(&mut dst, &vmstate_core::qemu::to_bytes(&src).unwrap(), 2, 0)
        .unwrap();
    assert_eq!((dst.a, dst.c, dst.z), (1, 2, 3));
    let mut back = tested::Dev::default();
    vmstate_core::qemu::from_bytes(
        &mut back,
        &vmstate_core::qemu::to_bytes(&dst).unwrap(),
        2,
        0,
    )
    .unwrap();
    assert_eq!(back, src);
}

#[test]
fn rule_field_kind_changed_migrated_to_derived() {
    let old = ours();
    let mut new = ours();
    let d = desc(&mut new, "integrator_core");
    let mut f = d.fields.remove(index(d, "cm_nvflags"));
    f.kind = Some("derived".into());
    f.hook = Some("Self::update_mappings".into());
    d.not_on_wire.push(f);
    let f = only_finding(
        &check(&old, &new),
        Rule::FieldKindChanged,
        Severity::Error,
        "integrator_core/Fields/cm_nvflags",
    );
    assert!(f.message.contains("Removed<u32>"), "{}", f.message);
}

#[test]
fn rule_field_kind_changed_derived_to_migrated() {
    let old = ours();
    let mut new = ours();
    let d = desc(&mut new, "integrator_core");
    let i = d
        .not_on_wire
        .iter()
        .position(|f| f.field == "flash_mapped")
        .expect("flash_mapped");
    let mut f = d.not_on_wire.remove(i);
    f.kind = Some("migrated".into());
    f.hook = None;
    d.fields.push(f);
    only_finding(
        &check(&old, &new),
        Rule::FieldKindChanged,
        Severity::Error,
        "integrator_core/Fields/flash_mapped",
    );
}

#[test]
fn rule_field_kind_changed_immutable_to_skipped() {
    // Not on QEMU's wire, but this project's native format carries immutable fields.
    let old = ours();
    let mut new = ours();
    field(desc(&mut new, "integrator_core"), "memsz").kind = Some("skipped".into());
    only_finding(
        &check(&old, &new),
        Rule::FieldKindChanged,
        Severity::Error,
        "integrator_core/NotOnWire/memsz",
    );
}

#[test]
fn rule_field_type_changed_int_to_float() {
    let old = ours();
    let mut new = ours();
    let f = field(desc(&mut new, "pl031"), "mr");
    f.wire_type = Some("float32".into());
    f.rust_type = Some("f32".into());
    let f = only_finding(
        &check(&old, &new),
        Rule::FieldTypeChanged,
        Severity::Error,
        "pl031/Fields/mr",
    );
    assert!(f.message.contains("`uint32` to `float32`"), "{}", f.message);
}

#[test]
fn rule_field_type_changed_signedness_of_a_native_varint_is_an_error() {
    let old = ours();
    let mut new = ours();
    let f = field(desc(&mut new, "pl031"), "lr");
    f.wire_type = Some("int32".into());
    f.rust_type = Some("i32".into());
    let f = only_finding(
        &check(&old, &new),
        Rule::FieldTypeChanged,
        Severity::Error,
        "pl031/Fields/lr",
    );
    assert!(f.message.contains("zigzag"), "{}", f.message);
}

#[test]
fn bytes_turned_into_one_word_of_their_size_are_not_called_misaligned() {
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Old {
        id: [u8; 4],
        tail: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct New {
        id: u32,
        tail: u8,
    }
    let report = one_device_check(Old::DESCRIPTION, New::DESCRIPTION);
    let f = only_finding(
        &report,
        Rule::FieldSizeChanged,
        Severity::Error,
        "dev/Fields/id",
    );
    assert!(
        f.message.starts_with(
            "field `id` changed from 4 × 1 = 4 to 1 × 4 = 4 bytes: QEMU's wire carries as many \
             bytes, as elements of another size, and the native format encodes the two \
             differently"
        ),
        "{}",
        f.message
    );
}

#[test]
fn an_exists_test_in_a_nested_struct_whose_version_changed_is_warned_about() {
    // A nested struct's version is not sent: the old release asked `mode`'s test with 1 when
    // it saved, the new release asks with 2 when it loads, and `v != 2` then answers
    // otherwise (found by the differential test: the load misread every later field).
    mod old {
        #[derive(vmstate_core::VmState, Default)]
        #[vmstate(name = "inner", version = 1)]
        pub struct Inner {
            #[vmstate(exists = "not_two", default = "Default::default")]
            pub mode: u32,
            pub flag: bool,
        }
        pub fn not_two(_: &Inner, v: u32) -> bool {
            v != 2
        }
    }
    mod new {
        #[derive(vmstate_core::VmState, Default)]
        #[vmstate(name = "inner", version = 2, minimum_version = 1)]
        pub struct Inner {
            #[vmstate(exists = "not_two", default = "Default::default")]
            pub mode: u32,
            pub flag: bool,
        }
        pub fn not_two(_: &Inner, v: u32) -> bool {
            v != 2
        }
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Old {
        inner: old::Inner,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct New {
        inner: new::Inner,
    }
    let report = one_device_check(Old::DESCRIPTION, New::DESCRIPTION);
    let f = only_finding(
        &report,
        Rule::FieldVersionChanged,
        Severity::Warning,
        "dev/Fields/inner/Fields/mode",
    );
    assert!(f.message.contains("changed from 1 to 2"), "{}", f.message);
    // What the warning is about: the load does misread.
    let old = Old {
        inner: old::Inner {
            mode: 7,
            flag: true,
        },
    };
    let mut new = New {
        inner: new::Inner::default(),
    };
    assert!(vmstate_core::qemu::from_bytes(
        &mut new,
        &vmstate_core::qemu::to_bytes(&old).unwrap(),
        1,
        0
    )
    .is_err());
}

/// A register wrapped in a struct of its own under the same name (`lcr: u8` into
/// `lcr: Lcr { bits: u8 }`): QEMU's checker compares the sizes only. The bytes line up on
/// QEMU's wire, and the native format writes a nested struct otherwise: the old release's
/// native streams fail to load, and the checker says so.
#[test]
fn a_value_that_became_a_nested_struct_of_as_many_bytes_is_a_native_break() {
    #[derive(VmState, Default)]
    #[vmstate(name = "lcr")]
    struct Lcr {
        bits: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "divisor")]
    struct Divisor {
        lo: u8,
        hi: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Old {
        lcr: u8,
        div: u16,
        ier: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct New {
        lcr: Lcr,
        div: Divisor,
        ier: u8,
    }
    let found = one_device_findings(Old::DESCRIPTION, New::DESCRIPTION);
    assert_eq!(
        errors(&found),
        [
            (Rule::FieldsRestructured, "dev/Fields/lcr"),
            (Rule::FieldsRestructured, "dev/Fields/div"),
        ],
        "{found:?}"
    );
    // One byte into a struct of one byte keeps its value on QEMU's wire; a `u16` split into
    // two bytes does not keep its meaning (big-endian there): a warning.
    let warnings: Vec<_> = found.iter().filter(|f| f.1 == Severity::Warning).collect();
    assert_eq!(warnings.len(), 1, "{found:?}");
    assert_eq!(
        (warnings[0].0, warnings[0].2.as_str()),
        (Rule::FieldTypeChanged, "dev/Fields/div")
    );
    let report = one_device_check(Old::DESCRIPTION, New::DESCRIPTION);
    let message = &report
        .findings
        .iter()
        .find(|f| f.severity == Severity::Warning)
        .unwrap()
        .message;
    assert!(
        message.contains("(`lo`: `uint8`, `hi`: `uint8`)"),
        "{message}"
    );
    // The verdicts are the loads': natively the old stream fails, on QEMU's wire it loads.
    let old = Old {
        lcr: 0x83,
        div: 0x0102,
        ier: 7,
    };
    let mut new = New::default();
    let native = vmstate_core::to_bytes(&old).unwrap();
    assert!(vmstate_core::from_bytes(&mut new, &native).is_err());
    let qemu = vmstate_core::qemu::to_bytes(&old).unwrap();
    vmstate_core::qemu::from_bytes(&mut new, &qemu, 1, 0).unwrap();
    assert_eq!(
        (new.lcr.bits, new.div.lo, new.div.hi, new.ier),
        (0x83, 0x01, 0x02, 7)
    );
    // The way back: QEMU's rule, a nested struct that lost its description.
    let back = one_device_findings(New::DESCRIPTION, Old::DESCRIPTION);
    assert_eq!(
        errors(&back),
        [
            (Rule::NestedDescriptionMissing, "dev/Fields/lcr"),
            (Rule::NestedDescriptionMissing, "dev/Fields/div"),
        ],
        "{back:?}"
    );
}

/// The rule above, at its edges: values kept through one-field structs at any depth or
/// array level (an error natively, no warning), a sequence of values into one of structs
/// (the type change alone), and structs with nothing on QEMU's wire, whose native end
/// markers change when they turn into a value or change their count.
#[test]
fn values_into_structs_at_the_edges() {
    #[derive(VmState, Default, PartialEq)]
    #[vmstate(name = "one")]
    struct One {
        x: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "deep")]
    struct Deep {
        i: One,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "empty")]
    struct Empty {}
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Old {
        regs: [u8; 4],
        level: u8,
        #[vmstate(max_len = 4)]
        fifo: Vec<u8>,
        gap: [u8; 0],
        marks: Empty,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct New {
        regs: [One; 4],
        level: Deep,
        #[vmstate(max_len = 4)]
        fifo: Vec<One>,
        gap: Empty,
        marks: [Empty; 2],
    }
    for (old, new) in [
        (Old::DESCRIPTION, New::DESCRIPTION),
        (New::DESCRIPTION, Old::DESCRIPTION),
    ] {
        let found = one_device_findings(old, new);
        let mut errors = errors(&found);
        errors.sort();
        let (regs, level) = if std::ptr::eq(old, Old::DESCRIPTION) {
            (Rule::FieldsRestructured, Rule::FieldsRestructured)
        } else {
            (
                Rule::NestedDescriptionMissing,
                Rule::NestedDescriptionMissing,
            )
        };
        let mut expected = vec![
            (regs, "dev/Fields/regs"),
            (level, "dev/Fields/level"),
            (Rule::FieldTypeChanged, "dev/Fields/fifo"),
            (Rule::FieldsRestructured, "dev/NotOnWire/gap"),
            (Rule::FieldsRestructured, "dev/NotOnWire/marks"),
        ];
        expected.sort();
        assert_eq!(errors, expected, "{found:?}");
        // The values keep their meaning on QEMU's wire: no warning says otherwise.
        assert!(found.iter().all(|f| f.1 != Severity::Warning), "{found:?}");
    }
    // The old stream does not load natively.
    let old = Old {
        regs: [1, 2, 3, 4],
        level: 5,
        fifo: vec![6],
        gap: [],
        marks: Empty {},
    };
    let mut new = New {
        regs: Default::default(),
        level: Deep::default(),
        fifo: vec![],
        gap: Empty {},
        marks: [Empty {}, Empty {}],
    };
    assert!(vmstate_core::from_bytes(&mut new, &vmstate_core::to_bytes(&old).unwrap()).is_err());
}

#[test]
fn a_removed_nested_struct_is_told_to_stay() {
    // No padding stands for a struct in the native format, and `Removed<T>` takes plain
    // values only: the advice is to keep the field.
    #[derive(VmState, Default)]
    #[vmstate(name = "timer")]
    struct Timer {
        count: u32,
        ctrl: u8,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Old {
        level: u8,
        timer: Timer,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct New {
        level: u8,
    }
    let report = one_device_check(Old::DESCRIPTION, New::DESCRIPTION);
    let f = only_finding(
        &report,
        Rule::FieldRemoved,
        Severity::Error,
        "dev/Fields/timer",
    );
    assert!(
        f.message.ends_with(
            "keep the field (a nested struct has no padding form in the native format; on \
             QEMU's wire alone `vmstate_core::Unused<5>` would keep the stream aligned)"
        ),
        "{}",
        f.message
    );
    // A struct whose size on QEMU's wire varies (a `Vec`) has no padding form there either.
    #[derive(VmState, Default)]
    #[vmstate(name = "fifo")]
    struct Fifo {
        #[vmstate(max_len = 4)]
        bytes: Vec<u8>,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct WithFifo {
        level: u8,
        fifo: Fifo,
    }
    let report = one_device_check(WithFifo::DESCRIPTION, New::DESCRIPTION);
    let f = only_finding(
        &report,
        Rule::FieldRemoved,
        Severity::Error,
        "dev/Fields/fifo",
    );
    assert!(
        f.message
            .ends_with("keep the field (a nested struct has no padding form in the native format)"),
        "{}",
        f.message
    );
}

/// A bool turned into a byte-wide integer: its 0 and 1 load as themselves in both formats,
/// so that is no break; the other way an integer's other values are refused.
mod bool_to_byte {
    use super::one_device_findings;
    use vmstate_core::schema::{Rule, Severity};
    use vmstate_core::VmState;

    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev")]
    struct Old {
        flag: bool,
        flags: [bool; 2],
        #[vmstate(max_len = 4)]
        queue: Vec<bool>,
    }

    #[derive(VmState, Debug, Default, PartialEq)]
    #[vmstate(name = "dev")]
    struct New {
        flag: u8,
        flags: [i8; 2],
        #[vmstate(max_len = 4)]
        queue: Vec<u8>,
    }

    #[test]
    fn is_no_break_one_way_as_loads_show() {
        assert_eq!(one_device_findings(Old::DESCRIPTION, New::DESCRIPTION), []);
        let old = Old {
            flag: true,
            flags: [false, true],
            queue: vec![true, false, true],
        };
        let want = New {
            flag: 1,
            flags: [0, 1],
            queue: vec![1, 0, 1],
        };
        let mut new = New::default();
        vmstate_core::from_bytes(&mut new, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
        assert_eq!(new, want);
        let mut new = New::default();
        let qemu = vmstate_core::qemu::to_bytes(&old).unwrap();
        vmstate_core::qemu::from_bytes(&mut new, &qemu, 1, 0).unwrap();
        assert_eq!(new, want);
        // Back, a 2 would be refused.
        let error = |f: &str| {
            (
                Rule::FieldTypeChanged,
                Severity::Error,
                format!("dev/Fields/{f}"),
            )
        };
        assert_eq!(
            one_device_findings(New::DESCRIPTION, Old::DESCRIPTION),
            [error("flag"), error("flags"), error("queue")]
        );
    }
}

/// Signedness changes, checked against what loads really do: a scalar wider than a byte is
/// a native varint (zigzag when signed), so its values change; bytes and arrays keep their
/// bits in both formats.
mod signedness {
    use super::one_device_findings;
    use vmstate_core::schema::{Rule, Severity};
    use vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Old {
        count: u32,
        regs: [u32; 2],
        #[vmstate(max_len = 4)]
        fifo: Vec<u16>,
        mode: u8,
    }

    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct New {
        count: i32,
        regs: [i32; 2],
        #[vmstate(max_len = 4)]
        fifo: Vec<i16>,
        mode: i8,
    }

    #[test]
    fn only_the_varint_is_an_error_as_loads_show() {
        let error = |f: &str| {
            (
                Rule::FieldTypeChanged,
                Severity::Error,
                format!("dev/Fields/{f}"),
            )
        };
        let warning = |f: &str| {
            (
                Rule::FieldTypeChanged,
                Severity::Warning,
                format!("dev/Fields/{f}"),
            )
        };
        assert_eq!(
            one_device_findings(Old::DESCRIPTION, New::DESCRIPTION),
            [
                error("count"),
                warning("regs"),
                warning("fifo"),
                warning("mode")
            ]
        );
        let old = Old {
            count: 5,
            regs: [5, 6],
            fifo: vec![7],
            mode: 8,
        };
        let mut new = New::default();
        vmstate_core::from_bytes(&mut new, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
        assert_eq!(new.count, -3, "the error's reason: a zigzag varint");
        assert_eq!((new.regs, &new.fifo[..], new.mode), ([5, 6], &[7][..], 8));
        let mut new = New::default();
        let qemu = vmstate_core::qemu::to_bytes(&old).unwrap();
        vmstate_core::qemu::from_bytes(&mut new, &qemu, 1, 0).unwrap();
        assert_eq!((new.count, new.regs, new.mode), (5, [5, 6], 8));
    }
}

#[test]
fn rule_max_len_lowered() {
    // The flash region's name: nested in a struct that is not on QEMU's wire.
    let old = ours();
    let mut new = ours();
    let flash = field(desc(&mut new, "integrator_core"), "flash")
        .description
        .as_deref_mut()
        .expect("MemoryRegion");
    field(flash, "name").max_len = Some(64);
    let f = only_finding(
        &check(&old, &new),
        Rule::MaxLenLowered,
        Severity::Error,
        "integrator_core/NotOnWire/flash/NotOnWire/name",
    );
    assert!(f.message.contains("from 256 to 64"), "{}", f.message);
    // Raising it is fine.
    let mut raised = ours();
    let flash = field(desc(&mut raised, "integrator_core"), "flash")
        .description
        .as_deref_mut()
        .expect("MemoryRegion");
    field(flash, "name").max_len = Some(4096);
    assert_clean(&check(&old, &raised));
}

#[test]
fn rule_hook_removed_from_a_derived_field() {
    let old = ours();
    let mut new = ours();
    field(desc(&mut new, "integrator_core"), "flash_mapped").hook = None;
    let f = only_finding(
        &check(&old, &new),
        Rule::HookRemoved,
        Severity::Error,
        "integrator_core/NotOnWire/flash_mapped",
    );
    assert!(f.message.contains("Self::update_mappings"), "{}", f.message);
}

#[test]
fn rule_hook_removed_from_an_owner() {
    let old = ours();
    let mut new = ours();
    field(desc(&mut new, "integrator_core"), "flash").hook = None;
    let f = only_finding(
        &check(&old, &new),
        Rule::HookRemoved,
        Severity::Error,
        "integrator_core/NotOnWire/flash",
    );
    assert!(f.message.contains("derives"), "{}", f.message);
    // A container `post_load` instead recomputes them too (the derive accepts either).
    let mut moved = new.clone();
    let hooks = &mut desc(&mut moved, "integrator_core").hooks;
    hooks
        .get_or_insert_with(Default::default)
        .insert("post_load".into(), "Self::update_mappings".into());
    assert_no_errors(&check(&old, &moved));
}

mod post_load_dev {
    use vmstate_core::VmState;

    /// A device whose derived field relies on the container's `post_load`.
    #[derive(VmState)]
    #[vmstate(name = "timer", post_load = "Self::recompute")]
    pub struct Timer {
        pub count: u32,
        #[vmstate(derived)]
        pub expired: bool,
    }

    impl Timer {
        fn recompute(&mut self) {
            self.expired = self.count == 0;
        }
    }
}

#[test]
fn rule_hook_removed_post_load() {
    let mut old = Schema::new(None);
    old.add("timer", post_load_dev::Timer::DESCRIPTION);
    let mut new = old.clone();
    desc(&mut new, "timer").hooks = None;
    let f = only_finding(
        &check(&old, &new),
        Rule::HookRemoved,
        Severity::Error,
        "timer/NotOnWire/expired",
    );
    assert!(f.message.contains("Self::recompute"), "{}", f.message);
}

#[test]
fn rule_check_added_to_a_field() {
    let mut new = Schema::new(None);
    new.add("pl022", devices::Pl022::DESCRIPTION);
    let path = "pl022/Fields/tx_fifo_head";
    assert_eq!(
        field(desc(&mut new, "pl022"), "tx_fifo_head")
            .validate
            .as_deref(),
        Some("0..8"),
        "the schema carries the range"
    );
    let mut old = new.clone();
    field(desc(&mut old, "pl022"), "tx_fifo_head").validate = None;
    let f = only_finding(
        &check(&old, &new),
        Rule::CheckAdded,
        Severity::Warning,
        path,
    );
    assert!(f.message.contains("`0..8`"), "{}", f.message);
    assert!(
        f.message.contains("the old release had none"),
        "{}",
        f.message
    );
    // A check that changes: the new one may refuse what the old accepted.
    field(desc(&mut old, "pl022"), "tx_fifo_head").validate = Some("0..16".into());
    let f = only_finding(
        &check(&old, &new),
        Rule::CheckAdded,
        Severity::Warning,
        path,
    );
    assert!(f.message.contains("was `0..16`"), "{}", f.message);
    // Spacing is not a change, nor is another spelling of the same values, nor a range that
    // holds every value of the old one.
    for same in [
        "0 .. 8",
        "0..=7",
        "0x0..0x8",
        "0u8..8_u8",
        "1..8",
        "2..=3",
        "0b10..0o7",
    ] {
        field(desc(&mut old, "pl022"), "tx_fifo_head").validate = Some(same.into());
        assert_clean(&check(&old, &new));
    }
    // Narrower somewhere, unbounded before, or not of literals: refuses what it did not.
    for other in ["0..9", "-1..8", "..8", "0..", "0..N", "Self::ok"] {
        field(desc(&mut old, "pl022"), "tx_fifo_head").validate = Some(other.into());
        let f = only_finding(
            &check(&old, &new),
            Rule::CheckAdded,
            Severity::Warning,
            path,
        );
        assert!(
            f.message.contains(&format!("was `{other}`")),
            "{}",
            f.message
        );
    }
    // Dropping a check refuses nothing.
    field(desc(&mut old, "pl022"), "tx_fifo_head").validate = None;
    assert_clean(&check(&new, &old));
    // QEMU's checker's view has no checks.
    assert_clean(&check(&old.qemu_only(), &new.qemu_only()));
}

mod validated_dev {
    use vmstate_core::VmState;

    /// A device whose loaded state is checked as a whole.
    #[derive(VmState)]
    #[vmstate(name = "timer", validate = "Self::consistent")]
    pub struct Timer {
        pub count: u32,
        pub limit: u32,
    }

    impl Timer {
        fn consistent(&self) -> Result<(), std::io::Error> {
            match self.count <= self.limit {
                true => Ok(()),
                false => Err(std::io::Error::other("count above limit")),
            }
        }
    }
}

#[test]
fn rule_check_added_to_a_struct() {
    let mut new = Schema::new(None);
    new.add("timer", validated_dev::Timer::DESCRIPTION);
    let mut old = new.clone();
    desc(&mut old, "timer").hooks = None;
    let f = only_finding(
        &check(&old, &new),
        Rule::CheckAdded,
        Severity::Warning,
        "timer",
    );
    assert!(f.message.contains("`Self::consistent`"), "{}", f.message);
    assert_clean(&check(&new, &old));
    assert_clean(&check(&new, &new));
}

mod enum_releases {
    use vmstate_core::VmState;

    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Mode {
        Off = 0,
        On = 1,
        Fast = 5,
    }

    /// The next release: `Fast` renamed, a variant added, none removed.
    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum ModeRenamed {
        Off = 0,
        On = 1,
        Turbo = 5,
        Eco = 6,
    }

    /// A release that dropped `Fast`.
    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum ModeWithoutFast {
        Off = 0,
        On = 1,
    }

    #[derive(VmState)]
    #[vmstate(name = "led")]
    pub struct Plain {
        pub mode: u8,
        pub modes: [u8; 2],
        #[vmstate(max_len = 4)]
        pub queue: Vec<u8>,
    }

    #[derive(VmState)]
    #[vmstate(name = "led")]
    pub struct WithEnum {
        pub mode: Mode,
        pub modes: [Mode; 2],
        #[vmstate(max_len = 4)]
        pub queue: Vec<Mode>,
    }

    #[derive(VmState)]
    #[vmstate(name = "led")]
    pub struct Renamed {
        pub mode: ModeRenamed,
        pub modes: [ModeRenamed; 2],
        #[vmstate(max_len = 4)]
        pub queue: Vec<ModeRenamed>,
    }

    #[derive(VmState)]
    #[vmstate(name = "led")]
    pub struct WithoutFast {
        pub mode: ModeWithoutFast,
        pub modes: [Mode; 2],
        #[vmstate(max_len = 4)]
        pub queue: Vec<Mode>,
    }

    /// A release that swapped the discriminants of `On` and `Fast`.
    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum ModeSwapped {
        Off = 0,
        Fast = 1,
        On = 5,
    }

    #[derive(VmState)]
    #[vmstate(name = "led")]
    pub struct Swapped {
        pub mode: ModeSwapped,
        pub modes: [ModeSwapped; 2],
        #[vmstate(max_len = 4)]
        pub queue: Vec<ModeSwapped>,
    }
}

/// The finding `rule` at `severity` on each enum field of [`enum_releases`]' devices.
fn on_enum_fields(rule: Rule, severity: Severity) -> Vec<(Rule, Severity, String)> {
    ["mode", "modes", "queue"]
        .map(|f| (rule, severity, format!("dev/Fields/{f}")))
        .into()
}

/// A schema of one device, `led`, described by `d`.
fn led(d: &'static vmstate_core::Description) -> Schema {
    let mut s = Schema::new(None);
    s.add("led", d);
    s
}

#[test]
fn enum_fields_carry_their_variants() {
    use enum_releases::*;
    let mut s = Schema::new(None);
    s.add("led", WithEnum::DESCRIPTION);
    for name in ["mode", "modes", "queue"] {
        let f = field(desc(&mut s, "led"), name);
        let variants: Vec<_> = (f.variants.iter().flatten())
            .map(|(n, v)| (n.as_str(), v.to_string()))
            .collect();
        let expected = [("Fast", "5"), ("Off", "0"), ("On", "1")].map(|(n, v)| (n, v.to_owned()));
        assert_eq!(variants, expected, "{name}");
        assert_eq!(
            f.rust_type.as_deref().map(|t| t.contains("Mode")),
            Some(true)
        );
    }
    assert_eq!(
        field(desc(&mut s, "led"), "mode").wire_type.as_deref(),
        Some("uint8")
    );
    let json = s.to_json();
    assert!(json.contains("\"variants\""), "{json}");
    assert_eq!(Schema::from_json(&json).unwrap(), s);
    assert!(!s.qemu_only().to_json().contains("variants"));
}

#[test]
fn rule_check_added_when_an_integer_becomes_an_enum() {
    use enum_releases::*;
    let findings = one_device_findings(Plain::DESCRIPTION, WithEnum::DESCRIPTION);
    let expected = on_enum_fields(Rule::CheckAdded, Severity::Warning);
    assert_eq!(findings, expected);
    // Back to the integers refuses nothing.
    assert_eq!(
        one_device_findings(WithEnum::DESCRIPTION, Plain::DESCRIPTION),
        []
    );
}

/// A field replaced by padding (`Removed<T>`, or kept derived with padding in its place) is
/// fine forward, but migrating back to a release that still reads it loads the padding's
/// zeros into it: real loads do, and the checker warns on that direction only.
#[test]
fn rule_field_from_padding() {
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "dev")]
    struct Old {
        level: u8,
        mask: u8,
        #[vmstate(derived = "Self::update")]
        irq: bool,
    }
    impl Old {
        fn update(&mut self) {
            self.irq = self.level & self.mask != 0;
        }
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct New {
        level: u8,
        #[vmstate(name = "mask")]
        gone: vmstate_core::Removed<u8>,
    }
    let new = New {
        level: 1,
        gone: vmstate_core::Removed::default(),
    };
    for qemu in [false, true] {
        let mut old = Old {
            level: 0,
            mask: 0xff,
            irq: false,
        };
        if qemu {
            let bytes = vmstate_core::qemu::to_bytes(&new).unwrap();
            vmstate_core::qemu::from_bytes(&mut old, &bytes, 1, 0).unwrap();
        } else {
            vmstate_core::from_bytes(&mut old, &vmstate_core::to_bytes(&new).unwrap()).unwrap();
        }
        // The load succeeds, with the mask the padding's zero and the interrupt lost.
        assert_eq!(
            (old.level, old.mask, old.irq),
            (1, 0, false),
            "qemu: {qemu}"
        );
    }
    let f = only_finding(
        &one_device_check(New::DESCRIPTION, Old::DESCRIPTION),
        Rule::FieldFromPadding,
        Severity::Warning,
        "dev/Fields/mask",
    );
    assert!(
        f.message.contains("padding (`vmstate_core::Removed<u8>`)"),
        "{}",
        f.message
    );
    assert!(f.message.contains("loads as zero"), "{}", f.message);
    assert_clean(&one_device_check(Old::DESCRIPTION, New::DESCRIPTION));
}

/// `check_back` finds what `check` finds for the same pair, worded for migration back: the
/// newer release sends, the older loads, and each fix is one for the newer release. A
/// subsection the older release lacks is a warning there (it breaks only when sent).
#[test]
fn check_back_words_the_findings_for_migration_back() {
    use vmstate_core::schema::check_back;
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Older {
        a: u8,
        b: u16,
        c: u32,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev", version = 2, minimum_version = 1)]
    #[allow(dead_code)]
    struct Raised {
        a: u8,
        b: u16,
        c: u32,
        #[vmstate(since = 2)]
        d: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Inserted {
        a: u8,
        x: u8,
        b: u16,
        c: u32,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Dropped {
        a: u8,
        b: u16,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Widened {
        a: u8,
        b: u32,
        c: u32,
    }
    #[derive(VmState, Default, Debug, PartialEq)]
    #[vmstate(name = "dev/extra")]
    struct Extra {
        e: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct WithSubsection {
        a: u8,
        b: u16,
        c: u32,
        #[vmstate(subsection, needed = "Self::extra_needed")]
        extra: Extra,
    }
    impl WithSubsection {
        fn extra_needed(&self) -> bool {
            self.extra.e != 0
        }
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev_inner")]
    #[allow(dead_code)]
    struct Inner {
        i: u8,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct WithNested {
        a: u8,
        inner: Inner,
        b: u16,
        c: u32,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    #[allow(dead_code)]
    struct Derived {
        a: u8,
        #[vmstate(derived = "Self::recompute")]
        b: u16,
        c: u32,
    }
    impl Derived {
        fn recompute(&mut self) {}
    }
    let schema = |d| vmstate_tests::one_device("dev", d);
    let cases = [
        (
            Derived::DESCRIPTION,
            "keep the field as the older release reads it",
        ),
        (WithNested::DESCRIPTION, "keep it out of the fields"),
        (
            Raised::DESCRIPTION,
            "keep `version` at what the older release loads",
        ),
        (
            Inserted::DESCRIPTION,
            "keep it out of the fields while migration back is supported",
        ),
        (
            Dropped::DESCRIPTION,
            "keep the field while migration back is supported",
        ),
        (
            Widened::DESCRIPTION,
            "keep the field as the older release reads it",
        ),
        (
            WithSubsection::DESCRIPTION,
            "keep its `needed` false unless the state is in use",
        ),
    ];
    for (newer, fix) in cases {
        let (newer, older) = (schema(newer), schema(Older::DESCRIPTION));
        let forward_words = check(&newer, &older);
        let back = check_back(&newer, &older);
        let rules = |r: &Report| -> Vec<(Rule, String)> {
            (r.findings.iter())
                .map(|f| (f.rule, f.path.clone()))
                .collect()
        };
        assert_eq!(rules(&back), rules(&forward_words), "{back}");
        assert!(!back.findings.is_empty());
        for f in &back.findings {
            assert!(
                !f.message.contains("old release") && !f.message.contains("new release"),
                "{f}"
            );
            assert!(f.message.contains("older release"), "{f}");
            // No forward role left: "in the new" (the loader), "the old `version`".
            for forward in ["in the new", "in the old", "the new `", "the old `"] {
                let whole = f.message.match_indices(forward).any(|(at, _)| {
                    !f.message[at + forward.len()..].starts_with(|c: char| c.is_alphanumeric())
                });
                assert!(!whole, "{forward:?} in {f}");
            }
            let depth = |c| f.message.matches(c).count();
            assert_eq!(depth('('), depth(')'), "{f}");
        }
        assert!(
            back.findings.iter().any(|f| f.message.contains(fix)),
            "{fix}:\n{back}"
        );
    }
    // The subsection: a warning back (loads work while `needed` is false), an error forward.
    let (newer, older) = (
        schema(WithSubsection::DESCRIPTION),
        schema(Older::DESCRIPTION),
    );
    only_finding(
        &check_back(&newer, &older),
        Rule::SubsectionRemoved,
        Severity::Warning,
        "dev/Subsections/dev/extra",
    );
    assert_eq!(check(&newer, &older).errors(), 1);
    let mut dst = Older::default();
    let quiet = WithSubsection {
        a: 1,
        ..WithSubsection::default()
    };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&quiet).unwrap()).unwrap();
    assert_eq!(dst.a, 1);
    let sent = WithSubsection {
        extra: Extra { e: 1 },
        ..WithSubsection::default()
    };
    assert!(vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&sent).unwrap()).is_err());
}

/// A field moved into a subsection, with padding named after it where it was: a stream of
/// the old release carries the value among the fields, where the new release skips it, and
/// lacks the subsection, so the load succeeds and the value is lost.
#[test]
fn rule_moved_into_subsection() {
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dev")]
    struct Old {
        level: u8,
        mask: u8,
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dev/irq")]
    struct Irq {
        level: u8,
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dev")]
    struct New {
        #[vmstate(name = "level")]
        gone: vmstate_core::Removed<u8>,
        mask: u8,
        #[vmstate(subsection, needed = "Self::always")]
        irq: Irq,
    }
    impl New {
        fn always(&self) -> bool {
            true
        }
    }
    let old = Old { level: 1, mask: 3 };
    let mut new = New::default();
    vmstate_core::from_bytes(&mut new, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
    assert_eq!((new.irq.level, new.mask), (0, 3), "the level is lost");
    let f = only_finding(
        &one_device_check(Old::DESCRIPTION, New::DESCRIPTION),
        Rule::MovedIntoSubsection,
        Severity::Warning,
        "dev/Subsections/dev/irq/Fields/level",
    );
    assert!(
        f.message.contains("`exists` test on the version"),
        "{}",
        f.message
    );
    // Padding named otherwise, or a field of that name and another size in the new
    // subsection (a removal and an unrelated addition): no finding.
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dev")]
    struct Removed {
        gone: vmstate_core::Removed<u8>,
        mask: u8,
        #[vmstate(subsection, needed = "Self::always")]
        irq: Irq,
    }
    impl Removed {
        fn always(&self) -> bool {
            true
        }
    }
    let found = one_device_findings(Old::DESCRIPTION, Removed::DESCRIPTION);
    assert!(
        found.iter().all(|f| f.0 != Rule::MovedIntoSubsection),
        "{found:?}"
    );
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dev/dma")]
    struct Dma {
        level: [u32; 4],
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dev")]
    struct Unrelated {
        level: vmstate_core::Removed<u8>,
        mask: u8,
        #[vmstate(subsection, needed = "Self::always")]
        dma: Dma,
    }
    impl Unrelated {
        fn always(&self) -> bool {
            true
        }
    }
    let found = one_device_findings(Old::DESCRIPTION, Unrelated::DESCRIPTION);
    assert!(
        found.iter().all(|f| f.0 != Rule::MovedIntoSubsection),
        "{found:?}"
    );
    // An integer widened as it moved is lost alike.
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dev/irq")]
    struct WideIrq {
        level: u16,
    }
    #[derive(VmState, Debug, PartialEq, Default)]
    #[vmstate(name = "dev")]
    struct Widened {
        #[vmstate(name = "level")]
        gone: vmstate_core::Removed<u8>,
        mask: u8,
        #[vmstate(subsection, needed = "Self::always")]
        irq: WideIrq,
    }
    impl Widened {
        fn always(&self) -> bool {
            true
        }
    }
    let mut new = Widened::default();
    vmstate_core::from_bytes(&mut new, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
    assert_eq!((new.irq.level, new.mask), (0, 3), "the level is lost");
    only_finding(
        &one_device_check(Old::DESCRIPTION, Widened::DESCRIPTION),
        Rule::MovedIntoSubsection,
        Severity::Warning,
        "dev/Subsections/dev/irq/Fields/level",
    );
}

#[test]
fn rule_variant_removed() {
    use enum_releases::*;
    // Renamed and added variants keep every old discriminant (the rename is a warning,
    // `rule_variant_renamed`).
    assert!(
        one_device_findings(WithEnum::DESCRIPTION, Renamed::DESCRIPTION)
            .iter()
            .all(|f| f.0 == Rule::VariantRenamed)
    );
    // Migrating back, the added one is unknown to the old release.
    let back = one_device_findings(Renamed::DESCRIPTION, WithEnum::DESCRIPTION);
    let expected = on_enum_fields(Rule::VariantRemoved, Severity::Error);
    let removed: Vec<_> = back
        .into_iter()
        .filter(|f| f.0 != Rule::VariantRenamed)
        .collect();
    assert_eq!(removed, expected);
    let (old, new) = (led(WithEnum::DESCRIPTION), led(WithoutFast::DESCRIPTION));
    let f = only_finding(
        &check(&old, &new),
        Rule::VariantRemoved,
        Severity::Error,
        "led/Fields/mode",
    );
    assert!(f.message.contains("Fast = 5"), "{}", f.message);
}

#[test]
fn rule_variant_renumbered() {
    use enum_releases::*;
    // Every old discriminant is still accepted, but `On` and `Fast` swapped theirs: an old
    // stream's `On` (1) loads as `Fast`.
    let findings = one_device_findings(WithEnum::DESCRIPTION, Swapped::DESCRIPTION);
    let expected = on_enum_fields(Rule::VariantRenumbered, Severity::Error);
    assert_eq!(findings, expected);
    let (old, new) = (led(WithEnum::DESCRIPTION), led(Swapped::DESCRIPTION));
    let report = check(&old, &new);
    let f = (report.findings.iter())
        .find(|f| f.path == "led/Fields/mode")
        .unwrap();
    assert!(
        f.message
            .contains("Fast = 5 (now 1; 5 is now On), On = 1 (now 5; 1 is now Fast)"),
        "{}",
        f.message
    );
}

/// A variant renamed in place (`Fast` to `Turbo`, still 5): the old release's 5 loads as
/// `Turbo`, right if only the name changed, wrong if `Turbo` is another state that took
/// `Fast`'s place. Only the meaning tells, so a warning; a variant added beside the old
/// ones (`Eco = 6`) is none.
#[test]
fn rule_variant_renamed() {
    use enum_releases::*;
    let findings = one_device_findings(WithEnum::DESCRIPTION, Renamed::DESCRIPTION);
    assert_eq!(
        findings,
        on_enum_fields(Rule::VariantRenamed, Severity::Warning)
    );
    let report = check(&led(WithEnum::DESCRIPTION), &led(Renamed::DESCRIPTION));
    let f = (report.findings.iter())
        .find(|f| f.path == "led/Fields/mode")
        .unwrap();
    assert!(f.message.contains("Fast = 5 (now Turbo)"), "{}", f.message);
    // Back, `Turbo` is gone by name and 5 is `Fast` again; `Eco` is refused.
    let back = one_device_findings(Renamed::DESCRIPTION, WithEnum::DESCRIPTION);
    assert!(back.iter().any(|f| f.0 == Rule::VariantRenamed), "{back:?}");
    assert!(back.iter().any(|f| f.0 == Rule::VariantRemoved), "{back:?}");
}

#[test]
fn a_native_only_field_above_the_stream_version_is_not_in_old_streams() {
    // Found by fuzzing (regressions/schema_check-3.bin): a struct with nothing on QEMU's wire
    // read only from a version the old release never writes was said to be carried by its
    // streams, so a schema was incompatible with itself.
    let mut s = ours();
    field(desc(&mut s, "integrator_core"), "flash").version_id = 13;
    assert_clean(&check(&s, &s));
    // Nor is its removal a break for those streams.
    let mut without = s.clone();
    desc(&mut without, "integrator_core")
        .not_on_wire
        .retain(|f| f.field != "flash");
    assert_no_errors(&check(&s, &without));
}

mod enum_signedness {
    use vmstate_core::VmState;

    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(i8)]
    pub enum Signed {
        Low = -1,
        Zero = 0,
    }

    /// The same bits read unsigned.
    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Unsigned {
        Low = 255,
        Zero = 0,
    }

    #[derive(VmState)]
    #[vmstate(name = "dev")]
    pub struct Before {
        pub level: Signed,
    }

    #[derive(VmState)]
    #[vmstate(name = "dev")]
    pub struct After {
        pub level: Unsigned,
    }
}

#[test]
fn an_enum_repr_that_changes_signedness_keeps_its_variants() {
    use enum_signedness::*;
    // -1 as an `i8` is 255 as a `u8`: the signedness warning, no removed variant.
    let found = one_device_findings(Before::DESCRIPTION, After::DESCRIPTION);
    assert_eq!(
        found,
        [(
            Rule::FieldTypeChanged,
            Severity::Warning,
            "dev/Fields/level".to_owned()
        )]
    );
}

mod wide_enums {
    use vmstate_core::VmState;

    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(u128)]
    pub enum Huge {
        Zero = 0,
        Top = u128::MAX,
        High = 1 << 127,
    }

    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(i128)]
    pub enum Deep {
        Bottom = i128::MIN,
        Minus = -1,
    }

    #[derive(VmState, Clone, Copy, PartialEq)]
    #[repr(u64)]
    pub enum Word {
        Max = u64::MAX,
    }

    #[derive(VmState)]
    #[vmstate(name = "wide")]
    pub struct Wide {
        pub huge: Huge,
        pub deep: Deep,
        pub word: Word,
    }
}

#[test]
fn enum_discriminants_of_every_width_survive_a_schema_file() {
    let mut s = Schema::new(None);
    s.add("wide", wide_enums::Wide::DESCRIPTION);
    let json = s.to_json();
    let back = Schema::from_json(&json).unwrap();
    assert_eq!(back, s);
    let value = |s: &mut Schema, f: &str, v: &str| {
        let variants = field(desc(s, "wide"), f).variants.clone().expect("an enum");
        variants[v].to_string()
    };
    let mut s = back;
    assert_eq!(value(&mut s, "huge", "Top"), u128::MAX.to_string());
    assert_eq!(value(&mut s, "huge", "High"), (1u128 << 127).to_string());
    assert_eq!(value(&mut s, "deep", "Bottom"), i128::MIN.to_string());
    assert_eq!(value(&mut s, "deep", "Minus"), "-1");
    assert_eq!(value(&mut s, "word", "Max"), u64::MAX.to_string());
    // Within 64 bits a number, beyond it a string.
    assert!(json.contains(&format!("\"Max\": {}", u64::MAX)), "{json}");
    assert!(
        json.contains(&format!("\"Top\": \"{}\"", u128::MAX)),
        "{json}"
    );
    assert_clean(&check(&s, &s));
}

mod nested_downgrade {
    use vmstate_core::VmState;

    #[derive(VmState, Default)]
    #[vmstate(name = "empty")]
    pub struct Empty {
        #[vmstate(immutable)]
        pub id: u8,
    }

    /// Release 2's nested struct: a field with nothing on QEMU's wire from its version 2.
    #[derive(VmState, Default)]
    #[vmstate(name = "cfg", version = 2)]
    pub struct CfgV2 {
        pub base: u32,
        #[vmstate(since = 2)]
        pub extra: Empty,
    }

    #[derive(VmState, Default)]
    #[vmstate(name = "cfg", version = 1)]
    pub struct CfgV1 {
        pub base: u32,
    }

    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    pub struct DevV2 {
        pub cfg: CfgV2,
    }

    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    pub struct DevV1 {
        pub cfg: CfgV1,
    }
}

#[test]
fn a_native_only_field_of_a_nested_struct_removed_in_a_downgrade_is_an_error() {
    use nested_downgrade::*;
    // Migrating back from release 2 to release 1: release 2's native streams carry `extra`.
    let found = one_device_findings(DevV2::DESCRIPTION, DevV1::DESCRIPTION);
    assert!(
        errors(&found).contains(&(Rule::FieldRemoved, "dev/Fields/cfg/NotOnWire/extra")),
        "{found:?}"
    );
    // And the native load agrees.
    let bytes = vmstate_core::to_bytes(&DevV2::default()).unwrap();
    assert!(vmstate_core::from_bytes(&mut DevV1::default(), &bytes).is_err());
}

#[test]
fn every_rule_has_a_name() {
    let names: std::collections::BTreeSet<_> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(names.len(), Rule::ALL.len());
    let finding = Finding {
        severity: Severity::Error,
        rule: Rule::FieldRenamed,
        path: "dev/Fields/a".into(),
        message: "m".into(),
    };
    let report = Report {
        findings: vec![finding.clone(), finding],
    };
    assert_eq!(
        report.to_string(),
        "error[field-renamed] dev/Fields/a: m\nerror[field-renamed] dev/Fields/a: m\n"
    );
}

// ---------------------------------------------------------------------------------------------
// (c) no false alarms

#[test]
fn unchanged_schema_has_no_finding() {
    assert_clean(&check(&ours(), &ours()));
}

#[test]
fn whole_qemu_dump_against_itself_has_no_finding() {
    let q = qemu();
    assert!(q.devices.len() > 600);
    assert_clean(&check(&q, &q));
}

#[test]
fn new_device_is_fine() {
    let old = ours();
    let mut new = ours();
    let sp804 = qemu().devices["sp804"].clone();
    new.devices.insert("sp804".into(), sp804);
    assert_clean(&check(&old, &new));
}

#[test]
fn new_subsection_is_fine() {
    let old = ours();
    let mut new = ours();
    let sub = desc(&mut new, "pl031").subsections[0].clone();
    let d = desc(&mut new, "integrator_core");
    let mut sub = sub;
    sub.name = "integratorcm/refcnt".into();
    d.subsections.push(sub);
    assert_clean(&check(&old, &new));
    // Backward, the old release does not know the subsection: QEMU's checker flags it too.
    only_finding(
        &check(&new, &old),
        Rule::SubsectionRemoved,
        Severity::Error,
        "integrator_core/Subsections/integratorcm/refcnt",
    );
}

#[test]
fn version_bumped_field_is_fine() {
    let old = ours();
    let mut new = ours();
    set_version(&mut new, "integrator_core", 2, 1);
    let d = desc(&mut new, "integrator_core");
    let mut at_end = d.fields[0].clone();
    at_end.field = "cm_refcnt".into();
    at_end.version_id = 2;
    d.fields.push(at_end);
    let mut in_middle = d.fields[0].clone();
    in_middle.field = "cm_lock2".into();
    in_middle.version_id = 2;
    let i = index(d, "cm_lock");
    d.fields.insert(i, in_middle);
    assert_clean(&check(&old, &new));
    // Backward the version bump breaks, as QEMU's checker says too.
    let back = check(&new, &old);
    assert!(back.by_rule(Rule::VersionTooHigh).count() == 1, "{back}");
}

#[test]
fn derived_field_becoming_migrated_with_since_is_fine() {
    let old = ours();
    let mut new = ours();
    set_version(&mut new, "integrator_core", 2, 1);
    let d = desc(&mut new, "integrator_core");
    let i = d
        .not_on_wire
        .iter()
        .position(|f| f.field == "flash_mapped")
        .expect("flash_mapped");
    let mut f = d.not_on_wire.remove(i);
    f.kind = Some("migrated".into());
    f.hook = None;
    f.version_id = 2;
    d.fields.push(f);
    // `update_mappings` still runs (the flash region's `derives`), so an old stream's load
    // still recomputes the field.
    assert_clean(&check(&old, &new));
}

#[test]
fn padding_replacing_a_removed_field_is_fine() {
    let old = ours();
    // `Removed<u32>` in place of a `u32`: the same size on QEMU's wire, a varint natively.
    let mut new = ours();
    let d = desc(&mut new, "integrator_core");
    let i = index(d, "cm_ctrl");
    d.fields[i] = removed(&d.fields[i]);
    assert_clean(&check(&old, &new));
    // Back, the old release loads the padding's zeros into the field.
    assert_reads_padding(&check(&new, &old), &["integrator_core/Fields/cm_ctrl"]);
    // A field that turned derived, with its bytes kept as padding.
    let mut derived = ours();
    let d = desc(&mut derived, "integrator_core");
    let i = index(d, "cm_nvflags");
    let mut f = d.fields[i].clone();
    d.fields[i] = removed(&f);
    f.kind = Some("derived".into());
    f.hook = Some("Self::update_mappings".into());
    d.not_on_wire.push(f);
    assert_clean(&check(&old, &derived));
    assert_reads_padding(
        &check(&derived, &old),
        &["integrator_core/Fields/cm_nvflags"],
    );
}

#[test]
fn padding_split_and_merged_is_fine() {
    // On QEMU's own entries, as QEMU's checker allows: `unused` of the size of the fields it
    // replaces, split in two or merged with the next field's.
    let old = only(&qemu(), "integrator_core");
    let mut split = old.clone();
    let d = desc(&mut split, "integrator_core");
    let i = index(d, "cm_ctrl");
    d.fields[i] = padding(&d.fields[i], 2);
    d.fields.insert(i, padding(&d.fields[i], 2));
    assert_clean(&check(&old, &split));
    assert_reads_padding(&check(&split, &old), &["integrator_core/Fields/cm_ctrl"]);
    let mut merged = old.clone();
    let d = desc(&mut merged, "integrator_core");
    let i = index(d, "cm_ctrl");
    d.fields.remove(i + 1);
    d.fields[i] = padding(&d.fields[i], 8);
    assert_clean(&check(&old, &merged));
    assert_reads_padding(
        &check(&merged, &old),
        &[
            "integrator_core/Fields/cm_ctrl",
            "integrator_core/Fields/cm_lock",
        ],
    );
    assert_clean(&check(&split, &merged));
    // stellaris-gptm's 8 bytes of padding, split.
    let old = only(&qemu(), "stellaris-gptm");
    let mut split = old.clone();
    let d = desc(&mut split, "stellaris-gptm");
    let i = index(d, "unused");
    d.fields[i].size = 4;
    let half = d.fields[i].clone();
    d.fields.insert(i, half);
    assert_clean(&check(&old, &split));
    assert_clean(&check(&split, &old));
}

#[test]
fn padding_at_the_end_standing_for_the_last_fields_is_fine() {
    // The last two registers removed, 8 bytes of padding in their place: the run of padding
    // ends with the fields, on one side before the other.
    let old = only(&qemu(), "integrator_core");
    let mut new = old.clone();
    let d = desc(&mut new, "integrator_core");
    let last = d.fields.len() - 2;
    assert_eq!(d.fields[last + 1].field, "fiq_enabled");
    d.fields.truncate(last + 1);
    d.fields[last] = padding(&d.fields[last], 8);
    assert_clean(&check(&old, &new));
    assert_reads_padding(
        &check(&new, &old),
        &[
            "integrator_core/Fields/irq_enabled",
            "integrator_core/Fields/fiq_enabled",
        ],
    );
    // One byte too many is still named, at the end, both ways.
    set_last_field_size(&mut new, 9);
    let forward = check(&old, &new);
    let f = only_finding(
        &forward,
        Rule::PaddingMismatch,
        Severity::Error,
        "integrator_core/Fields/unused",
    );
    assert!(f.message.contains("reads 1 bytes more"), "{}", f.message);
    let backward = check(&new, &old);
    let f = only_finding(
        &backward,
        Rule::PaddingMismatch,
        Severity::Error,
        "integrator_core/Fields/unused",
    );
    assert!(f.message.contains("sends 1 bytes that"), "{}", f.message);
}

/// Sets the size of integrator_core's last field.
fn set_last_field_size(s: &mut Schema, size: u64) {
    let d = desc(s, "integrator_core");
    d.fields.last_mut().unwrap().size = size;
}

#[test]
fn padding_on_qemu_dump_is_fine() {
    // stellaris-gptm: `mask` removed and its 4 bytes merged into the existing 8 of padding.
    let old = only(&qemu(), "stellaris-gptm");
    let mut new = old.clone();
    let d = desc(&mut new, "stellaris-gptm");
    let i = index(d, "mask");
    d.fields.remove(i);
    d.fields[i].size = 12;
    assert_clean(&check(&old, &new));
    assert_reads_padding(&check(&new, &old), &["stellaris-gptm/Fields/mask"]);
}

#[test]
fn fields_moved_into_a_nested_struct_are_fine() {
    // QEMU's `exists_in_substruct`: ps2-kbd's first five fields live in `parent_obj` now.
    let nested = only(&qemu(), "ps2-kbd");
    let mut flat = nested.clone();
    let d = desc(&mut flat, "ps2-kbd");
    let parent = d.fields.remove(0);
    let inner = parent.description.expect("nested").fields;
    for (i, f) in inner.into_iter().enumerate() {
        d.fields.insert(i, f);
    }
    assert_clean(&check(&flat, &nested));
    assert_clean(&check(&nested, &flat));
}

#[test]
fn rust_type_change_with_the_same_wire_type_is_fine() {
    let old = ours();
    let mut new = ours();
    field(desc(&mut new, "pl031"), "mr").rust_type = Some("Cell<u32>".into());
    assert_clean(&check(&old, &new));
}

#[test]
fn signedness_change_in_qemus_dump_has_no_error() {
    // Without this project's keys the native encoding is unknown: QEMU's wire keeps the bits.
    let old = only(&qemu(), "pl031");
    let mut new = old.clone();
    field(desc(&mut new, "pl031"), "im").wire_type = Some("int32".into());
    assert_no_errors(&check(&old, &new));
}

mod evolution {
    //! One device across two releases, written as users write them.
    use vmstate_core::{Removed, Unused, VmState};

    pub mod v1 {
        use super::*;
        #[derive(VmState)]
        #[vmstate(name = "uart", version = 1)]
        pub struct Uart {
            pub lcr: u8,
            pub prescale: u32,
            pub dll: u8,
            pub mode: u8,
        }
    }

    pub mod v2 {
        use super::*;

        #[derive(VmState, Default)]
        #[vmstate(name = "uart/fifo")]
        pub struct Fifo {
            pub level: u8,
        }

        #[derive(VmState)]
        #[vmstate(name = "uart", version = 2, minimum_version = 1)]
        pub struct Uart {
            pub lcr: u8,
            pub _prescale: Removed<u32>,
            pub dll: u8,
            pub _mode: Unused<1>,
            #[vmstate(since = 2)]
            pub scratch: u8,
            #[vmstate(subsection, needed = "Self::fifo_needed")]
            pub fifo: Fifo,
        }

        impl Uart {
            fn fifo_needed(&self) -> bool {
                self.fifo.level != 0
            }
        }
    }

    /// v2 with raw padding for the removed `u32`: fine on QEMU's wire only.
    pub mod v2_unused {
        use super::*;
        #[derive(VmState)]
        #[vmstate(name = "uart", version = 1)]
        pub struct Uart {
            pub lcr: u8,
            pub _prescale: Unused<4>,
            pub dll: u8,
            pub mode: u8,
        }
    }
}

#[test]
fn derived_schemas_of_a_safe_evolution_are_compatible() {
    let mut old = Schema::new(None);
    old.add("uart", evolution::v1::Uart::DESCRIPTION);
    let mut new = Schema::new(None);
    new.add("uart", evolution::v2::Uart::DESCRIPTION);
    assert_clean(&check(&old, &new));
    let mut raw = Schema::new(None);
    raw.add("uart", evolution::v2_unused::Uart::DESCRIPTION);
    let f = only_finding(
        &check(&old, &raw),
        Rule::PaddingMismatch,
        Severity::Error,
        "uart/Fields/prescale",
    );
    assert!(
        f.message.contains("`vmstate_core::Removed<u32>`"),
        "{}",
        f.message
    );
}

// ---------------------------------------------------------------------------------------------
// No panic, whatever the input

#[test]
fn hostile_schemas_do_not_panic() {
    let base = qemu();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let keys: Vec<String> = base.devices.keys().cloned().collect();
    for round in 0..400 {
        let key = &keys[(next() as usize) % keys.len()];
        let old = only(&base, key);
        let mut new = if round % 3 == 0 {
            only(&ours(), "integrator_core")
        } else {
            old.clone()
        };
        if let Some(e) = new.devices.values_mut().next() {
            let d = &mut e.description;
            for _ in 0..(next() % 4 + 1) {
                let n = d.fields.len().max(1);
                let i = (next() as usize) % n;
                match next() % 9 {
                    0 if !d.fields.is_empty() => {
                        d.fields.remove(i);
                    }
                    1 if !d.fields.is_empty() => {
                        let p = padding(&d.fields[i], next() % 20);
                        d.fields.insert(i, p);
                    }
                    2 if !d.fields.is_empty() => d.fields[i].size = next(),
                    3 if !d.fields.is_empty() => d.fields[i].array_len = Some(next()),
                    4 if !d.fields.is_empty() => d.fields[i].field = "unused".into(),
                    5 => d.version_id = next() as u32,
                    6 if !d.fields.is_empty() => d.fields[i].version_id = u32::MAX,
                    7 if !d.fields.is_empty() => d.fields[i].wire_type = Some("u".into()),
                    8 if d.fields.len() > 1 => d.fields.swap(0, i),
                    _ => {}
                }
            }
        }
        let _ = check(&old, &new).to_string();
        let _ = check(&new, &old).to_string();
    }
}

// ---------------------------------------------------------------------------------------------
// (d) JSON

#[test]
fn our_schema_round_trips() {
    let s = ours();
    assert_eq!(Schema::from_json(&s.to_json()).expect("loads"), s);
}

#[test]
fn a_two_dimensional_array_from_an_older_schema_compares_by_total_size() {
    // Before arrays of arrays were described flat: `[[u32; 4]; 3]` was type `array`, size 16
    // (the inner array), 3 of them. Now: `uint32`, size 4, 12 of them. Same bytes.
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Dev {
        grid: [[u32; 4]; 3],
    }
    let mut new = Schema::new(None);
    new.add("dev", Dev::DESCRIPTION);
    let f = &desc(&mut new, "dev").fields[0];
    assert_eq!(
        (f.wire_type.as_deref(), f.size, f.array_len),
        (Some("uint32"), 4, Some(12))
    );
    let mut old = new.clone();
    let g = field(desc(&mut old, "dev"), "grid");
    (g.wire_type, g.size, g.array_len) = (Some("array".into()), 16, Some(3));
    assert_clean(&check(&old, &new));
    assert_clean(&check(&new, &old));
    field(desc(&mut old, "dev"), "grid").array_len = Some(2);
    for report in [check(&old, &new), check(&new, &old)] {
        assert_eq!(
            report.by_rule(Rule::FieldSizeChanged).count(),
            1,
            "{report}"
        );
        assert_eq!(report.findings.len(), 1, "{report}");
    }
}

#[test]
fn descriptions_far_beyond_any_device_are_refused_when_read() {
    let sub = |i: usize| {
        format!(r#"{{"name": "dev/s{i}", "version_id": 1, "minimum_version_id": 1, "Fields": []}}"#)
    };
    let subs: Vec<String> = (0..=vmstate_core::schema::MAX_SUBSECTIONS)
        .map(sub)
        .collect();
    let json = format!(
        r#"{{"dev": {{"Name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Description": {{"name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Fields": [], "Subsections": [{}]}}}}}}"#,
        subs.join(",")
    );
    let e = Schema::from_json(&json).unwrap_err().to_string();
    assert!(
        e.contains("device `dev`: description `dev` has 257 subsections (at most 256)"),
        "{e}"
    );
    // Fields: the checker compares some of a description's fields with all the others.
    let schema = |fields: &str, not_on_wire: &str, key: &str| {
        format!(
            r#"{{"{key}": {{"Name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Description": {{"name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{fields}], "NotOnWire": [{not_on_wire}]}}}}}}"#
        )
    };
    let entry = |name: &str| {
        format!(r#"{{"field": "{name}", "version_id": 0, "field_exists": false, "size": 4}}"#)
    };
    let many = |n: usize| (0..n).map(|i| entry(&format!("f{i}"))).collect::<Vec<_>>();
    let max = vmstate_core::schema::MAX_FIELDS;
    assert!(Schema::from_json(&schema(&many(max).join(","), "", "dev")).is_ok());
    let e = Schema::from_json(&schema(&many(max + 1).join(","), "", "dev"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!(
            "description `dev` has {} fields (at most {max})",
            max + 1
        )),
        "{e}"
    );
    // Names: every finding and every value shown repeats them.
    let long = "n".repeat(vmstate_core::schema::MAX_NAME_BYTES + 1);
    let e = Schema::from_json(&schema("", "", &long))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("a device's name `nnnn"), "{e}");
    assert!(e.contains("is 1025 bytes long (at most 1024)"), "{e}");
    assert!(e.len() < 200, "the name is cut: {e}");
    let e = Schema::from_json(&schema(&entry(&long), "", "dev"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("device `dev`: description `dev`: a field's name `nnnn"),
        "{e}"
    );
    let fine = "n".repeat(vmstate_core::schema::MAX_NAME_BYTES);
    assert!(Schema::from_json(&schema(&entry(&fine), "", "dev")).is_ok());
    // Off QEMU's wire the derive gives each field its own name (but a migrated one of no
    // bytes there, which may share its name as fields on the wire may); QEMU's `Fields` may
    // repeat padding's.
    let immutable = |name: &str| entry(name).replacen('{', r#"{"kind": "immutable", "#, 1);
    let twice = [immutable("x"), immutable("x")].join(",");
    let e = Schema::from_json(&schema("", &twice, "dev"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("description `dev` lists field `x` twice in NotOnWire"),
        "{e}"
    );
    assert!(Schema::from_json(&schema("", &[entry("x"), entry("x")].join(","), "dev")).is_ok());
    assert!(Schema::from_json(&schema(
        &[entry("unused"), entry("unused")].join(","),
        "",
        "dev"
    ))
    .is_ok());
    // Padding may share `unused` off QEMU's wire too (padding of no bytes), as the derive
    // writes it.
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Padded {
        a: u8,
        unused: vmstate_core::Removed<[u8; 0]>,
        #[vmstate(name = "unused")]
        pad2: vmstate_core::Removed<[u16; 0]>,
    }
    let mut padded = Schema::new(None);
    padded.add("dev", Padded::DESCRIPTION);
    let read = Schema::from_json(&padded.to_json()).unwrap();
    assert_eq!(read.devices["dev"].description.not_on_wire.len(), 2);
    // QEMU's own dump is far inside the limits.
    qemu();
}

#[test]
fn malformed_schema_files_are_refused_naming_the_place() {
    let dev = r#""dev": {"Name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Description": {"name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Fields": [{"field": "a", "version_id": "1", "field_exists": false, "size": 4}]}}"#;
    let e = Schema::from_json(&format!("{{{dev}}}"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("device `dev` at `Description.Fields[0].version_id`: invalid type"),
        "{e}"
    );
    // A machine entry QEMU would not write is refused, not taken for no machine.
    for machine in ["5", "{}", r#"{"Name": null}"#, r#"{"name": "m"}"#] {
        let json = format!(r#"{{"vmschkmachine": {machine}}}"#);
        let e = Schema::from_json(&json).unwrap_err().to_string();
        assert!(
            e.contains("`vmschkmachine` must be {\"Name\""),
            "{machine}: {e}"
        );
    }
    // A device twice under one key (two dumps merged by hand) or a field's property given
    // twice: a JSON reader would keep the last one and the checker compare what is left.
    let twice = format!("{{{dev},\n{dev}}}");
    let e = Schema::from_json(&twice).unwrap_err().to_string();
    assert!(
        e.contains("key `dev` appears twice") && e.contains("line 4"),
        "{e}"
    );
    let e = Schema::from_json(&format!(
        "{{{}}}",
        dev.replace(r#""size": 4"#, r#""size": 4, "size": 2"#)
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("key `size` appears twice") && e.contains("line 3"),
        "{e}"
    );
    // A minimum version above the version, on the entry or any description in it: no
    // release writes that (and it would be incompatible with itself).
    let valid = dev.replace(r#""version_id": "1""#, r#""version_id": 0"#);
    Schema::from_json(&format!("{{{valid}}}")).expect("valid");
    let above = valid.replacen(
        r#""minimum_version_id": 1"#,
        r#""minimum_version_id": 2"#,
        1,
    );
    let e = Schema::from_json(&format!("{{{above}}}"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("device `dev`: the entry has minimum_version_id 2 above its version_id 1"),
        "{e}"
    );
    let differ = valid.replacen(r#""version_id": 1"#, r#""version_id": 2"#, 1);
    let e = Schema::from_json(&format!("{{{differ}}}"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the entry's version_id 2 and minimum_version_id 1 differ from its Description's 1 and 1"),
        "{e}"
    );
    let above = valid.replacen(
        r#""Fields": ["#,
        r#""Subsections": [{"name": "dev/s", "version_id": 1, "minimum_version_id": 2,
        "Fields": []}], "Fields": ["#,
        1,
    );
    let e = Schema::from_json(&format!("{{{above}}}"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("description `dev/s` has minimum_version_id 2 above its version_id 1"),
        "{e}"
    );
    let e = Schema::from_json("{\"dev\": ").unwrap_err().to_string();
    assert!(e.starts_with("not JSON: EOF"), "{e}");
    // Far larger than any dump: refused before it is parsed (a parse takes about 25 times
    // the file's size in memory).
    let huge = " ".repeat(vmstate_core::schema::MAX_SCHEMA_BYTES + 1);
    let e = Schema::from_json(&huge).unwrap_err().to_string();
    assert!(e.contains("more than a schema file may have"), "{e}");
}

#[test]
fn a_schema_file_may_start_with_a_byte_order_mark() {
    let with_bom = format!("\u{feff}{QEMU_DUMP}");
    assert_eq!(Schema::from_json(&with_bom).expect("loads"), qemu());
}

#[test]
fn qemu_dump_loads_and_round_trips() {
    let q = qemu();
    assert_eq!(q.machine.as_deref(), Some("integratorcp"));
    assert_eq!(q.devices.len(), 606);
    for key in PORTED {
        assert!(q.devices.contains_key(key), "{key}");
    }
    assert_eq!(
        q.devices["integrator_core"].description.name,
        "integratorcm"
    );
    assert_eq!(Schema::from_json(&q.to_json()).expect("loads"), q);
}

/// A one-device schema whose description has `fields` (JSON objects).
fn schema_with(fields: &str) -> Schema {
    Schema::from_json(&format!(
        r#"{{"dev": {{"Name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Description": {{"name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Fields": [{fields}]}}}}}}"#
    ))
    .expect("loads")
}

#[test]
fn decoding_with_a_hostile_schema_fails_cleanly_without_allocating() {
    use vmstate_core::schema::{decode, Format};
    let field = |extra: &str| {
        format!(r#"{{"field": "f", "version_id": 0, "field_exists": false, {extra}}}"#)
    };
    for (extra, format, why) in [
        // Sizes far beyond the input: a truncation, not an allocation.
        (r#""size": 1099511627776"#, Format::Qemu, "truncated"),
        (
            r#""size": 1099511627776, "type": "unused""#,
            Format::Native,
            "truncated",
        ),
        (
            r#""size": 1, "type": "buffer:1099511627776""#,
            Format::Native,
            "truncated",
        ),
        (
            r#""size": 9223372036854775808, "num": 2, "type": "unused""#,
            Format::Qemu,
            "truncated",
        ),
        (
            r#""size": 1, "type": "buffer:abc""#,
            Format::Native,
            "malformed type `buffer:abc`",
        ),
        (
            r#""size": 1, "type": "buffer:-1""#,
            Format::Native,
            "malformed type",
        ),
    ] {
        let s = schema_with(&field(extra));
        let desc = &s.devices["dev"].description;
        let e = decode(desc, format, &[1, 2, 3], 1, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains(why), "{extra}: {e}");
    }
    // An untyped field of 3 bytes, 5 times: 15 bytes, not 3.
    let s = schema_with(&field(r#""size": 3, "num": 5"#));
    let desc = &s.devices["dev"].description;
    let (v, used) = decode(desc, Format::Qemu, &[7; 15], 1, 0).unwrap();
    assert_eq!((v["f"].as_str().map(str::len), used), (Some(30), 15));
    // A version the description does not read.
    let e = decode(desc, Format::Qemu, &[7; 15], 5, 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("version 5 is too new"), "{e}");
    // JSON has no NaN: shown by name.
    let s = schema_with(&field(r#""size": 8, "type": "float64""#));
    let desc = &s.devices["dev"].description;
    let (v, _) = decode(desc, Format::Qemu, &f64::NAN.to_be_bytes(), 1, 0).unwrap();
    assert_eq!(v["f"], "NaN");
}

#[test]
fn decoded_bytes_are_hex_and_a_decode_is_bounded_in_values() {
    use vmstate_core::schema::{decode, Desc, Format};
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    struct Dev {
        id: [u8; 4],
        #[vmstate(max_len = 16)]
        data: Vec<u8>,
        regs: [u32; 2],
        #[vmstate(max_len = 4194304)]
        table: Vec<u16>,
    }
    let dev = Dev {
        id: [0xde, 0xad, 0xbe, 0xef],
        data: vec![1, 2, 3],
        regs: [5, 6],
        table: vec![7; 3],
    };
    let desc = Desc::from_description(Dev::DESCRIPTION);
    let native = vmstate_core::to_bytes(&dev).unwrap();
    let frame = vmstate_core::read_frame(&native, 0).unwrap();
    let qemu = vmstate_core::qemu::to_bytes(&dev).unwrap();
    for (format, bytes) in [(Format::Native, frame.fields), (Format::Qemu, &qemu[..])] {
        let (v, _) = decode(&desc, format, bytes, 1, 0).unwrap();
        assert_eq!(v["id"], "deadbeef");
        assert_eq!(v["data"], "010203");
        assert_eq!(v["regs"], serde_json::json!([5, 6]));
        assert_eq!(v["table"], serde_json::json!([7, 7, 7]));
    }
    // Two million u16 values: refused rather than built as JSON (tens of bytes each).
    let big = Dev {
        table: vec![7; 2 << 20],
        ..dev
    };
    let qemu = vmstate_core::qemu::to_bytes(&big).unwrap();
    let e = decode(&desc, Format::Qemu, &qemu, 1, 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("values: too many to show"), "{e}");
}

#[test]
fn what_a_decode_looks_through_and_repeats_counts_against_its_bound() {
    use vmstate_core::schema::{decode, Format, MAX_NAME_BYTES};
    // A `Vec` of structs whose schema lists `fields` and `skipped` entries off the wire, and
    // `len` elements of a byte per field and the end marker each, in the native format.
    let decoded = |fields: &[String], skipped: usize, len: usize| {
        let entry = |name: &str, kind: &str, size: u32| {
            format!(
                r#"{{"field": "{name}", "version_id": 0, "field_exists": false, "size": {size},
                "type": "uint8", "kind": "{kind}"}}"#
            )
        };
        let on_wire: Vec<String> = fields.iter().map(|f| entry(f, "migrated", 1)).collect();
        let off_wire: Vec<String> = (0..skipped)
            .map(|i| entry(&format!("host{i}"), "skipped", 0))
            .collect();
        let json = format!(
            r#"{{"dev": {{"Name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Description": {{"name": "dev", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{{"field": "v", "version_id": 0, "field_exists": false, "size": 0,
                "type": "varray:struct", "max_len": 1000000,
                "Description": {{"name": "e", "version_id": 1, "minimum_version_id": 1,
                    "Fields": [{}], "NotOnWire": [{}]}}}}]}}}}}}"#,
            on_wire.join(","),
            off_wire.join(",")
        );
        let schema = Schema::from_json(&json).unwrap();
        let mut bytes = Vec::new();
        let mut n = len;
        while n >= 0x80 {
            bytes.push(n as u8 | 0x80);
            n >>= 7;
        }
        bytes.push(n as u8);
        for _ in 0..len {
            bytes.extend(std::iter::repeat_n(7u8, fields.len()));
            bytes.push(0); // the element's end of subsections
        }
        bytes.push(0);
        decode(
            &schema.devices["dev"].description,
            Format::Native,
            &bytes,
            1,
            0,
        )
    };
    let short = ["a".to_owned()];
    let (v, _) = decoded(&short, 4, 3).unwrap();
    assert_eq!(v["v"], serde_json::json!([{"a": 7}, {"a": 7}, {"a": 7}]));
    // Each element looks through the 4,000 entries off the wire: 300 elements count as over
    // a million values.
    let e = decoded(&short, 4000, 300).unwrap_err().to_string();
    assert!(e.contains("values: too many to show"), "{e}");
    assert!(decoded(&short, 4000, 200).is_ok());
    // Each element repeats a long name: 40,000 elements with a 1 KiB name count as over a
    // million values (the output would take 40 MB of names), 20,000 do not.
    let long = ["n".repeat(MAX_NAME_BYTES)];
    let e = decoded(&long, 0, 40_000).unwrap_err().to_string();
    assert!(e.contains("values: too many to show"), "{e}");
    assert!(decoded(&long, 0, 20_000).is_ok());
}

#[test]
fn newer_qemu_dumps_num_is_the_array_length() {
    let json = r#"{"dev": {"Name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Description": {"name": "dev", "version_id": 1, "minimum_version_id": 1,
        "Fields": [{"field": "regs", "version_id": 0, "field_exists": false, "num": 4,
                    "size": 4}]}}}"#;
    let s = Schema::from_json(json).expect("loads");
    let f = &s.devices["dev"].description.fields[0];
    assert_eq!((f.array_len, f.total_size()), (Some(4), 16));
}

// ---------------------------------------------------------------------------------------------
// (e) the golden-file helpers. One test in this process sets VMSTATE_BLESS=1, which the other
// tests' threads would see: the others that call `assert_compatible` here only record
// devices missing from files of their own, which a blessed run records alike. They clear a
// `VMSTATE_BLESS` the run was started with (`=0` would refuse to record), and `=0` is tested
// in child processes.

mod golden_dev {
    use vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "golden_dev", version = 1)]
    pub struct V1 {
        pub ctrl: u32,
        pub status: u32,
    }

    #[derive(VmState)]
    #[vmstate(name = "golden_dev", version = 1)]
    pub struct Renamed {
        pub ctrl: u32,
        pub state: u32,
    }

    /// The next release: a field added from version 2. Version 1's streams load; version 1
    /// cannot load this one's.
    #[derive(VmState)]
    #[vmstate(name = "golden_dev", version = 2, minimum_version = 1)]
    pub struct V2 {
        pub ctrl: u32,
        pub status: u32,
        #[vmstate(since = 2)]
        pub mask: u32,
    }

    /// Another device recorded in the same file.
    #[derive(VmState)]
    #[vmstate(name = "golden_other")]
    pub struct Other {
        pub level: u8,
    }
}

#[test]
fn golden_file_helper() {
    use vmstate_core::schema::{assert_compatible, assert_compatible_both_ways, BLESS_VAR};
    let dir = std::env::temp_dir().join(format!("vmstate-golden-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("schemas").join("golden_dev.json");
    std::env::remove_var(BLESS_VAR);

    // Missing: written, and passes.
    assert_compatible(&path, "golden_dev", golden_dev::V1::DESCRIPTION);
    let written = std::fs::read_to_string(&path).expect("written");
    let mut expected = Schema::new(None);
    expected.add("golden_dev", golden_dev::V1::DESCRIPTION);
    assert_eq!(written, expected.to_json());

    // Unchanged: passes (both forms of the macros too).
    assert_compatible(&path, "golden_dev", golden_dev::V1::DESCRIPTION);
    assert_compatible_both_ways(&path, "golden_dev", golden_dev::V1::DESCRIPTION);
    vmstate_core::assert_compatible!(&path, golden_dev::V1);
    vmstate_core::assert_compatible!(&path, golden_dev::V1, "golden_dev");
    vmstate_core::assert_compatible_both_ways!(&path, golden_dev::V1);
    vmstate_core::assert_compatible_both_ways!(&path, golden_dev::V1, "golden_dev");

    // A field added from a new version: the recorded release's streams load, so the
    // default check passes; migration back would not, so the both-ways one panics.
    vmstate_core::assert_compatible!(&path, golden_dev::V2);
    let err = std::panic::catch_unwind(|| {
        vmstate_core::assert_compatible_both_ways!(&path, golden_dev::V2);
    })
    .expect_err("version 1 cannot load version 2's streams");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("current -> golden"), "{msg}");
    assert!(msg.contains("version-too-high"), "{msg}");
    assert!(!msg.contains("golden -> current"), "{msg}");

    // Breaking: panics with the finding and the way out, in the directions that break.
    let err = std::panic::catch_unwind(|| {
        vmstate_core::assert_compatible!(&path, golden_dev::Renamed);
    })
    .expect_err("a renamed field must fail");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("golden_dev/Fields/status"), "{msg}");
    assert!(msg.contains("field-renamed"), "{msg}");
    assert!(msg.contains("VMSTATE_BLESS=1"), "{msg}");
    assert!(msg.contains("golden -> current"), "{msg}");
    assert!(!msg.contains("current -> golden"), "{msg}");
    let err = std::panic::catch_unwind(|| {
        vmstate_core::assert_compatible_both_ways!(&path, golden_dev::Renamed);
    })
    .expect_err("a renamed field must fail both ways");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("golden -> current"), "{msg}");
    assert!(msg.contains("current -> golden"), "{msg}");
    // The file is left alone.
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), written);

    // A device the file lacks is added to it, the others kept, and checked from then on.
    assert_compatible(&path, "golden_other", golden_dev::Other::DESCRIPTION);
    let shared = Schema::from_json(&std::fs::read_to_string(&path).expect("shared")).unwrap();
    let keys: Vec<&str> = shared.devices.keys().map(String::as_str).collect();
    assert_eq!(keys, ["golden_dev", "golden_other"]);
    assert_compatible(&path, "golden_dev", golden_dev::V1::DESCRIPTION);
    assert!(std::panic::catch_unwind(|| {
        assert_compatible(&path, "golden_other", golden_dev::V1::DESCRIPTION)
    })
    .is_err());

    // Blessed: overwritten, passes, and the new schema is the golden one from then on.
    std::env::set_var(BLESS_VAR, "1");
    vmstate_core::assert_compatible!(&path, golden_dev::Renamed);
    std::env::remove_var(BLESS_VAR);
    let blessed = std::fs::read_to_string(&path).expect("blessed");
    assert!(blessed.contains("\"state\"") && !blessed.contains("\"status\""));
    // The file's other device is kept.
    assert_compatible(&path, "golden_other", golden_dev::Other::DESCRIPTION);
    let kept = Schema::from_json(&blessed).unwrap();
    assert!(kept.devices.contains_key("golden_other"), "{blessed}");
    vmstate_core::assert_compatible!(&path, golden_dev::Renamed);
    assert!(std::panic::catch_unwind(|| {
        assert_compatible(&path, "golden_dev", golden_dev::V1::DESCRIPTION)
    })
    .is_err());

    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// With `VMSTATE_BLESS=0` (for CI) nothing is recorded: a golden file never written, or a
/// device it lacks, fails the assertion and the file is left as it was; recorded devices are
/// checked as ever. In child processes, as the variable would reach this process's other
/// tests.
#[test]
fn with_bless_0_a_golden_file_or_device_never_recorded_fails() {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("vmstate-golden-bless0-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("schemas").join("golden.json");
    let exe = std::env::current_exe().expect("the test binary");
    let child = |keys: &str| {
        let out = Command::new(&exe)
            .args(["--exact", "golden_file_writer_child", "--nocapture"])
            .env(WRITER_FILE_VAR, &path)
            .env(WRITER_KEYS_VAR, keys)
            .env(vmstate_core::schema::BLESS_VAR, "0")
            .env("RUST_BACKTRACE", "0")
            .output()
            .expect("the child runs");
        let text = [out.stdout, out.stderr].concat();
        (
            out.status.success(),
            String::from_utf8_lossy(&text).into_owned(),
        )
    };
    let (passed, out) = child("golden_dev");
    assert!(!passed, "{out}");
    assert!(
        out.contains("does not exist") && out.contains("VMSTATE_BLESS=0"),
        "{out}"
    );
    assert!(!path.exists());

    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut recorded = Schema::new(None);
    recorded.add("golden_dev", golden_dev::V1::DESCRIPTION);
    std::fs::write(&path, recorded.to_json()).unwrap();
    let (passed, out) = child("golden_dev");
    assert!(passed, "{out}");
    let (passed, out) = child("golden_dev,golden_other");
    assert!(!passed, "{out}");
    assert!(out.contains("has no device `golden_other`"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), recorded.to_json());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// The variables that make [`golden_file_writer_child`] record devices: the golden file, and
/// the device keys (comma-separated).
const WRITER_FILE_VAR: &str = "VMSTATE_TEST_GOLDEN_WRITER_FILE";
const WRITER_KEYS_VAR: &str = "VMSTATE_TEST_GOLDEN_WRITER_KEYS";

/// Processes that add devices to one golden file at once (cargo-nextest runs each test in a
/// process of its own) take turns: no device is lost, and no process reads half a file, not
/// even one that reads without taking a turn (this test's, meanwhile).
#[test]
fn golden_file_writers_in_separate_processes_take_turns() {
    use std::process::{Command, Stdio};
    const WRITERS: usize = 8;
    const KEYS_EACH: usize = 16;
    let dir = std::env::temp_dir().join(format!("vmstate-golden-writers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("schemas").join("shared.json");
    let keys = |writer: usize| (0..KEYS_EACH).map(move |k| format!("dev_{writer}_{k}"));
    let exe = std::env::current_exe().expect("the test binary");
    let mut writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            Command::new(&exe)
                .args(["--exact", "golden_file_writer_child", "--nocapture"])
                .env(WRITER_FILE_VAR, &path)
                .env(WRITER_KEYS_VAR, keys(writer).collect::<Vec<_>>().join(","))
                // golden_file_helper sets it for a while: a blessed unreadable file is
                // rewritten, which would hide a half-written one.
                .env_remove(vmstate_core::schema::BLESS_VAR)
                .env("RUST_BACKTRACE", "0")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("a writer starts")
        })
        .collect();
    // A reader that takes no turn, as an editor or `git` would, sees whole files only.
    let mut half_read = None;
    while writers
        .iter_mut()
        .any(|w| w.try_wait().expect("a writer").is_none())
    {
        if let Ok(text) = std::fs::read_to_string(&path) {
            if let Err(e) = Schema::from_json(&text) {
                half_read.get_or_insert(format!("{} bytes: {e}", text.len()));
            }
        }
        // Reading on and on would keep a core from the writers.
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let failed: Vec<String> = writers
        .into_iter()
        .map(|writer| writer.wait_with_output().expect("a writer ends"))
        .filter(|out| !out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stderr).into_owned())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {WRITERS} writers failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    assert_eq!(half_read, None, "a reader saw half a golden file");
    let text = std::fs::read_to_string(&path).expect("the golden file is written");
    let recorded = Schema::from_json(&text).expect("the golden file is a schema");
    let lost: Vec<String> = (0..WRITERS)
        .flat_map(keys)
        .filter(|key| !recorded.devices.contains_key(key))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} devices lost: {lost:?}",
        lost.len(),
        WRITERS * KEYS_EACH
    );
    // Nothing is left beside the golden file: no lock file, no temporary file.
    let beside: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["shared.json"]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// A writer of [`golden_file_writers_in_separate_processes_take_turns`], run in a process of its
/// own: adds the devices named by `VMSTATE_TEST_GOLDEN_WRITER_KEYS` to the golden file
/// `VMSTATE_TEST_GOLDEN_WRITER_FILE`, one by one. Without those variables, as in an ordinary
/// run of the tests, it does nothing and passes.
#[test]
fn golden_file_writer_child() {
    let (Ok(path), Ok(keys)) = (
        std::env::var(WRITER_FILE_VAR),
        std::env::var(WRITER_KEYS_VAR),
    ) else {
        return;
    };
    for key in keys.split(',') {
        vmstate_core::schema::assert_compatible(&path, key, golden_dev::V1::DESCRIPTION);
    }
}

/// QEMU-shaped fields, each `name:size` (`name:size*num` for an array with `num`).
fn qemu_fields(spec: &str) -> Schema {
    let fields: Vec<String> = spec
        .split_whitespace()
        .map(|f| {
            let (name, size) = f.split_once(':').unwrap();
            let num = size
                .split_once('*')
                .map_or(String::new(), |(_, n)| format!(r#", "num": {n}"#));
            let size = size.split('*').next().unwrap();
            format!(r#"{{"field": "{name}", "version_id": 0, "field_exists": false, "size": {size}{num}}}"#)
        })
        .collect();
    schema_with(&fields.join(","))
}

#[test]
fn padding_stands_for_one_of_fields_that_share_a_name() {
    // QEMU's descriptions repeat names (PCI's `config`, pl080's `tc_int`): padding in place
    // of the first `x` is not taken for padding inserted before the second.
    let old = qemu_fields("a:4 x:4 x:4 b:4");
    for (new, back) in [
        ("a:4 unused:4 x:4 b:4", &["dev/Fields/x"][..]),
        ("a:4 x:4 unused:4 b:4", &["dev/Fields/x"]),
        (
            "a:4 unused:4 unused:4 b:4",
            &["dev/Fields/x", "dev/Fields/x"],
        ),
    ] {
        let new = qemu_fields(new);
        assert_clean(&check(&old, &new));
        assert_reads_padding(&check(&new, &old), back);
    }
    // Padding inserted before fields that all stay is still an insertion.
    let inserted = qemu_fields("a:4 unused:4 x:4 x:4 b:4");
    assert_eq!(check(&old, &inserted).errors(), 1);
}

#[test]
fn an_array_length_only_one_dump_states_is_not_compared() {
    // QEMU 7.2's dumps give no count (`num`, newer QEMUs'); a struct array is not taken for
    // one struct, as a scalar array is not taken for one value.
    let with_struct = |num: &str| {
        schema_with(&format!(
            r#"{{"field": "ch", "version_id": 0, "field_exists": false, "size": 8{num},
            "Description": {{"name": "ch_t", "version_id": 1, "minimum_version_id": 1,
            "Fields": [{{"field": "x", "version_id": 0, "field_exists": false, "size": 4}},
                       {{"field": "y", "version_id": 0, "field_exists": false, "size": 4}}]}}}}"#
        ))
    };
    let (without, with3) = (with_struct(""), with_struct(r#", "num": 3"#));
    assert_clean(&check(&without, &with3));
    assert_clean(&check(&with3, &without));
    // Both stating a count: a change is an error.
    let report = check(&with3, &with_struct(r#", "num": 4"#));
    only_finding(
        &report,
        Rule::FieldSizeChanged,
        Severity::Error,
        "dev/Fields/ch",
    );
}

#[test]
fn too_long_padding_is_told_its_right_size() {
    // Two 4-byte fields replaced by 10 bytes of padding: the padding should be 8.
    let (old, new) = (
        qemu_fields("a:4 b:4 c:4 d:4"),
        qemu_fields("unused:10 c:4 d:4"),
    );
    for (report, at) in [
        (check(&old, &new), "dev/Fields/unused"),
        (check(&new, &old), "dev/Fields/c"),
    ] {
        let f = only_finding(&report, Rule::PaddingMismatch, Severity::Error, at);
        assert!(
            f.message.contains("`vmstate_core::Unused<8>` here"),
            "{}",
            f.message
        );
    }
}

#[test]
fn padding_always_sent_cannot_stand_for_a_field_sent_on_a_test() {
    // `b` travels only when its `exists` test passes; padding in its place always does.
    let conditional = |pad_test: bool| {
        schema_with(&format!(
            r#"{{"field": "a", "version_id": 0, "field_exists": false, "size": 4}},
            {{"field": "unused", "version_id": 0, "field_exists": {pad_test}, "size": 4}},
            {{"field": "c", "version_id": 0, "field_exists": false, "size": 4}}"#
        ))
    };
    let old = schema_with(
        r#"{"field": "a", "version_id": 0, "field_exists": false, "size": 4},
        {"field": "b", "version_id": 0, "field_exists": true, "size": 4},
        {"field": "c", "version_id": 0, "field_exists": false, "size": 4}"#,
    );
    let always = conditional(false);
    only_finding(
        &check(&old, &always),
        Rule::PaddingMismatch,
        Severity::Error,
        "dev/Fields/b",
    );
    only_finding(
        &check(&always, &old),
        Rule::PaddingMismatch,
        Severity::Error,
        "dev/Fields/b",
    );
    // Padding sent on a test of its own (VMSTATE_UNUSED_TEST) is not judged.
    assert_no_errors(&check(&old, &conditional(true)));
}

/// Real releases: a few arm devices from the `-dump-vmstate` of QEMU 7.2, 8.2.2 and 10.0.2
/// (`fixtures/qemu-dumps-arm/`). Each break QEMU's `vmstate-static-checker.py` reports is
/// found (imx.epit's minimum version and removed fields, aspeed.rtc's wider offset), and two
/// it misses: a field appended without a version bump (allwinner-sdhost's `sample_delay`,
/// 8.2) and an array that grew from 12 to 32 registers (aspeed.wdt's `regs`, 10.0).
#[test]
fn breaks_between_qemu_releases_are_found() {
    let read = |text: &str| Schema::from_json(text).expect("a QEMU dump reads");
    let v7_2 = read(include_str!("../fixtures/qemu-dumps-arm/qemu-7.2.json"));
    let v8_2 = read(include_str!("../fixtures/qemu-dumps-arm/qemu-8.2.json"));
    let v10_0 = read(include_str!("../fixtures/qemu-dumps-arm/qemu-10.0.json"));
    let errors = |report: &Report| -> Vec<(Rule, String)> {
        report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| (f.rule, f.path.clone()))
            .collect()
    };
    let found = errors(&check(&v7_2, &v8_2));
    for expected in [
        (Rule::FieldAdded, "allwinner-sdhost/Fields/sample_delay"),
        (Rule::BelowMinimumVersion, "imx.epit"),
        (Rule::FieldRemoved, "imx.epit/Fields/cnt"),
        (Rule::FieldSizeChanged, "aspeed.rtc/Fields/offset"),
    ] {
        assert!(
            found.contains(&(expected.0, expected.1.to_owned())),
            "{expected:?} not in {found:?}"
        );
    }
    // The devices that did not change are not mentioned.
    assert!(
        found
            .iter()
            .all(|(_, path)| !path.starts_with("pl031") && !path.starts_with("integrator_core")),
        "{found:?}"
    );
    assert_eq!(
        errors(&check(&v8_2, &v10_0)),
        [(Rule::FieldSizeChanged, "aspeed.wdt/Fields/regs".to_owned())]
    );
    // Every release is compatible with itself.
    for s in [&v7_2, &v8_2, &v10_0] {
        assert!(check(s, s).is_compatible());
    }
}

/// Immutable fields and nested versions, each checked against what loads really do.
mod native_only_changes {
    use super::one_device_findings as findings;
    use vmstate_core::schema::{Rule, Severity};
    use vmstate_core::VmState;

    mod base {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            #[vmstate(immutable)]
            pub memsz: u32,
            pub ctrl: u32,
        }
    }
    mod added {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            #[vmstate(immutable)]
            pub memsz: u32,
            #[vmstate(immutable)]
            pub cores: u32,
            pub ctrl: u32,
        }
    }
    mod removed {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            pub ctrl: u32,
        }
    }
    mod retyped {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            #[vmstate(immutable)]
            pub memsz: f32,
            pub ctrl: u32,
        }
    }
    mod widened {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            #[vmstate(immutable)]
            pub memsz: u64,
            pub ctrl: u32,
        }
    }

    #[test]
    fn immutable_fields_added_removed_or_retyped_are_errors() {
        let path = |f: &str| format!("dev/NotOnWire/{f}");
        assert_eq!(
            findings(base::Dev::DESCRIPTION, added::Dev::DESCRIPTION),
            [(Rule::FieldAdded, Severity::Error, path("cores"))]
        );
        assert_eq!(
            findings(base::Dev::DESCRIPTION, removed::Dev::DESCRIPTION),
            [(Rule::FieldRemoved, Severity::Error, path("memsz"))]
        );
        assert_eq!(
            findings(base::Dev::DESCRIPTION, retyped::Dev::DESCRIPTION),
            [(Rule::FieldTypeChanged, Severity::Error, path("memsz"))]
        );
        assert_eq!(
            findings(base::Dev::DESCRIPTION, widened::Dev::DESCRIPTION),
            []
        );
        // Narrowed too: a value the narrower varint holds reads alike, and one beyond it is
        // refused, as it could not equal the loader's own value.
        assert_eq!(
            findings(widened::Dev::DESCRIPTION, base::Dev::DESCRIPTION),
            []
        );

        // What the native loads do: the errors fail, the widening and narrowing work.
        let old = vmstate_core::to_bytes(&base::Dev { memsz: 64, ctrl: 3 }).unwrap();
        assert!(vmstate_core::from_bytes(&mut added::Dev::default(), &old).is_err());
        assert!(vmstate_core::from_bytes(&mut removed::Dev::default(), &old).is_err());
        let mut retyped = retyped::Dev {
            memsz: 64.0,
            ctrl: 0,
        };
        assert!(vmstate_core::from_bytes(&mut retyped, &old).is_err());
        let mut widened = widened::Dev { memsz: 64, ctrl: 0 };
        vmstate_core::from_bytes(&mut widened, &old).unwrap();
        assert_eq!(widened.ctrl, 3);
        let wide = |memsz| vmstate_core::to_bytes(&widened::Dev { memsz, ctrl: 5 }).unwrap();
        let mut narrow = base::Dev { memsz: 64, ctrl: 0 };
        vmstate_core::from_bytes(&mut narrow, &wide(64)).unwrap();
        assert_eq!(narrow.ctrl, 5);
        for memsz in [65, 1 << 32] {
            let mut narrow = base::Dev { memsz: 64, ctrl: 0 };
            assert!(vmstate_core::from_bytes(&mut narrow, &wide(memsz)).is_err());
            assert_eq!(narrow.ctrl, 0);
        }

        // Back, the fix keeps the immutable field (or the configuration out of the struct):
        // no padding or subsection stands for a field on no QEMU wire.
        let back = |older: &'static vmstate_core::Description, newer| {
            let mut o = vmstate_core::schema::Schema::default();
            o.add("dev", older);
            let mut n = vmstate_core::schema::Schema::default();
            n.add("dev", newer);
            vmstate_core::schema::check_back(&n, &o).to_string()
        };
        let removed_back = back(base::Dev::DESCRIPTION, removed::Dev::DESCRIPTION);
        assert!(
            removed_back.contains("keep the immutable field, with the older release's type"),
            "{removed_back}"
        );
        assert!(!removed_back.contains("Removed<T>"), "{removed_back}");
        let added_back = back(base::Dev::DESCRIPTION, added::Dev::DESCRIPTION);
        assert!(
            added_back.contains("keep the configuration outside the migrated struct"),
            "{added_back}"
        );
        assert!(
            !added_back.contains("subsection whose `needed`"),
            "{added_back}"
        );
    }

    mod nested_v1 {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "el", version = 1)]
        pub struct El {
            pub x: u32,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            pub el: El,
        }
    }
    mod nested_v3 {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "el", version = 3, minimum_version = 2)]
        pub struct El {
            pub x: u32,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            pub el: El,
        }
    }

    #[test]
    fn nested_versions_are_warnings_since_streams_load() {
        assert_eq!(
            findings(nested_v1::Dev::DESCRIPTION, nested_v3::Dev::DESCRIPTION),
            [(
                Rule::BelowMinimumVersion,
                Severity::Warning,
                "dev/Fields/el".to_owned()
            )]
        );
        assert_eq!(
            findings(nested_v3::Dev::DESCRIPTION, nested_v1::Dev::DESCRIPTION),
            [(
                Rule::VersionTooHigh,
                Severity::Warning,
                "dev/Fields/el".to_owned()
            )]
        );
        let v1 = nested_v1::Dev {
            el: nested_v1::El { x: 5 },
        };
        let v3 = nested_v3::Dev {
            el: nested_v3::El { x: 7 },
        };
        let mut into_v3 = nested_v3::Dev::default();
        vmstate_core::from_bytes(&mut into_v3, &vmstate_core::to_bytes(&v1).unwrap()).unwrap();
        let qemu = vmstate_core::qemu::to_bytes(&v1).unwrap();
        vmstate_core::qemu::from_bytes(&mut into_v3, &qemu, 1, 0).unwrap();
        assert_eq!(into_v3.el.x, 5);
        let mut into_v1 = nested_v1::Dev::default();
        vmstate_core::from_bytes(&mut into_v1, &vmstate_core::to_bytes(&v3).unwrap()).unwrap();
        assert_eq!(into_v1.el.x, 7);
    }
}

/// A derived field that a new release sends with `since`: old streams lack it and nothing
/// recomputes it any more, which the checker points out (a warning: a `default` may set it).
mod derived_turned_migrated {
    use super::one_device_findings;
    use vmstate_core::schema::{Rule, Severity};
    use vmstate_core::VmState;

    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    struct Old {
        a: u32,
        #[vmstate(derived = "Self::recompute")]
        d: u32,
    }
    impl Old {
        fn recompute(&mut self) {
            self.d = 2 * self.a;
        }
    }

    #[derive(VmState, Default)]
    #[vmstate(name = "dev", version = 2, minimum_version = 1)]
    struct New {
        a: u32,
        #[vmstate(since = 2)]
        d: u32,
    }

    #[test]
    fn is_a_warning_and_the_value_is_stale() {
        assert_eq!(
            one_device_findings(Old::DESCRIPTION, New::DESCRIPTION),
            [(
                Rule::HookRemoved,
                Severity::Warning,
                "dev/Fields/d".to_owned()
            )]
        );
        let mut new = New { a: 0, d: 99 };
        let old = vmstate_core::to_bytes(&Old { a: 5, d: 10 }).unwrap();
        vmstate_core::from_bytes(&mut new, &old).unwrap();
        assert_eq!((new.a, new.d), (5, 99), "d is not recomputed");
    }
}

/// An immutable nested struct travels whole in the native format: its fields are compared.
mod immutable_nested {
    use super::one_device_findings;
    use vmstate_core::schema::{Rule, Severity};

    mod old {
        use vmstate_core::VmState;
        #[derive(VmState, Default, Debug, PartialEq)]
        #[vmstate(name = "cfg")]
        pub struct Cfg {
            pub a: u32,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            pub x: u32,
            #[vmstate(immutable)]
            pub cfg: Cfg,
        }
    }
    mod new {
        use vmstate_core::VmState;
        #[derive(VmState, Default, Debug, PartialEq)]
        #[vmstate(name = "cfg")]
        pub struct Cfg {
            pub a: u32,
            pub b: u32,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            pub x: u32,
            #[vmstate(immutable)]
            pub cfg: Cfg,
        }
    }

    #[test]
    fn a_field_added_inside_is_an_error_as_the_load_shows() {
        use vmstate_core::VmState;
        let found = one_device_findings(old::Dev::DESCRIPTION, new::Dev::DESCRIPTION);
        assert_eq!(
            found,
            [(
                Rule::FieldAdded,
                Severity::Error,
                "dev/NotOnWire/cfg/Fields/b".to_owned()
            )]
        );
        let bytes = vmstate_core::to_bytes(&old::Dev::default()).unwrap();
        assert!(vmstate_core::from_bytes(&mut new::Dev::default(), &bytes).is_err());
        assert_eq!(
            one_device_findings(old::Dev::DESCRIPTION, old::Dev::DESCRIPTION),
            []
        );
    }
}

/// A nested struct whose only content on QEMU's wire is a subsection is on the wire: the
/// schema lists it and decodes it.
mod nested_with_only_a_subsection {
    use vmstate_core::schema::{decode, Format, Schema};
    use vmstate_core::VmState;

    #[derive(VmState, Default)]
    #[vmstate(name = "win/extra")]
    struct Extra {
        e: u32,
    }

    #[derive(VmState, Default)]
    #[vmstate(name = "win")]
    struct Win {
        #[vmstate(immutable)]
        base: u32,
        #[vmstate(subsection, needed = "Self::sent")]
        extra: Extra,
    }

    impl Win {
        fn sent(&self) -> bool {
            self.extra.e != 0
        }
    }

    #[derive(VmState, Default)]
    #[vmstate(name = "top")]
    struct Top {
        a: u8,
        win: Win,
        b: u8,
    }

    #[test]
    fn is_listed_and_decoded() {
        assert_eq!(Win::DESCRIPTION.qemu_size(), None);
        let mut schema = Schema::new(None);
        schema.add("top", Top::DESCRIPTION);
        let entry = &schema.devices["top"].description;
        let wire: Vec<_> = entry.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(wire, ["a", "win", "b"]);
        let top = Top {
            a: 1,
            win: Win {
                base: 0,
                extra: Extra { e: 7 },
            },
            b: 5,
        };
        let bytes = vmstate_core::qemu::to_bytes(&top).unwrap();
        let (decoded, used) = decode(entry, Format::Qemu, &bytes, 1, 0).unwrap();
        assert_eq!(used, bytes.len());
        let text = decoded.to_string();
        assert!(
            text.contains("\"b\":5") && text.contains("\"e\":7"),
            "{text}"
        );
    }
}

/// Pairs of releases where the checker once disagreed with the loads (found by a
/// differential test of random release pairs): each finding is checked against what the
/// native and QEMU loads of an old stream really do.
mod checked_against_loads {
    use super::{errors, one_device_findings};
    use vmstate_core::schema::Rule;
    use vmstate_core::VmState;

    /// Whether an old stream loads into `new` in both codecs.
    fn loads<A: VmState, B: VmState>(old: &A, new: &mut B) -> [bool; 2] {
        let native = vmstate_core::to_bytes(old).unwrap();
        let qemu = vmstate_core::qemu::to_bytes(old).unwrap();
        [
            vmstate_core::from_bytes(new, &native).is_ok(),
            vmstate_core::qemu::from_bytes(new, &qemu, A::DESCRIPTION.version, 0).is_ok(),
        ]
    }

    mod reorder {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Old {
            #[vmstate(immutable)]
            pub cfg: u32,
            pub reg: u32,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct New {
            pub reg: u32,
            #[vmstate(immutable)]
            pub cfg: u32,
        }
    }

    #[test]
    fn an_immutable_field_moved_past_a_migrated_one() {
        let found = one_device_findings(reorder::Old::DESCRIPTION, reorder::New::DESCRIPTION);
        assert_eq!(
            errors(&found),
            [(Rule::FieldsRestructured, "dev/NotOnWire/cfg")]
        );
        let old = reorder::Old { cfg: 7, reg: 300 };
        assert_eq!(
            loads(&old, &mut reorder::New { reg: 0, cfg: 7 }),
            [false, true]
        );
    }

    mod scalar_array {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Old {
            pub reg: u32,
            pub x: u8,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct New {
            pub reg: [u32; 1],
            pub x: u8,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct OldImm {
            #[vmstate(immutable)]
            pub id: [u16; 3],
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct NewImm {
            #[vmstate(immutable)]
            pub id: [u16; 4],
        }
    }

    #[test]
    fn a_scalar_turned_array_and_an_immutable_array_resized() {
        let found = one_device_findings(
            scalar_array::Old::DESCRIPTION,
            scalar_array::New::DESCRIPTION,
        );
        assert_eq!(errors(&found), [(Rule::FieldTypeChanged, "dev/Fields/reg")]);
        let old = scalar_array::Old { reg: 300, x: 1 };
        assert_eq!(
            loads(&old, &mut scalar_array::New::default()),
            [false, true]
        );
        let found = one_device_findings(
            scalar_array::OldImm::DESCRIPTION,
            scalar_array::NewImm::DESCRIPTION,
        );
        assert_eq!(
            errors(&found),
            [(Rule::FieldSizeChanged, "dev/NotOnWire/id")]
        );
        let old = scalar_array::OldImm { id: [1, 2, 3] };
        let mut new = scalar_array::NewImm { id: [1, 2, 3, 0] };
        assert!(!loads(&old, &mut new)[0]);
    }

    mod off_wire_nested {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "grp")]
        pub struct Grp {
            #[vmstate(skip)]
            #[allow(dead_code)] // host-side state: the point is that nothing migrates
            pub host: u8,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Old {
            pub reg: u32,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct New {
            pub reg: u32,
            pub grp: Grp,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev", version = 2, minimum_version = 1)]
        pub struct NewSince {
            pub reg: u32,
            #[vmstate(since = 2)]
            pub grp: Grp,
        }
    }

    #[test]
    fn a_struct_with_nothing_on_qemus_wire_added() {
        let found = one_device_findings(
            off_wire_nested::Old::DESCRIPTION,
            off_wire_nested::New::DESCRIPTION,
        );
        assert_eq!(errors(&found), [(Rule::FieldAdded, "dev/NotOnWire/grp")]);
        let old = off_wire_nested::Old { reg: 3 };
        assert_eq!(
            loads(&old, &mut off_wire_nested::New::default()),
            [false, true]
        );
        // With `since` and a version bump an old stream loads: no error.
        let found = one_device_findings(
            off_wire_nested::Old::DESCRIPTION,
            off_wire_nested::NewSince::DESCRIPTION,
        );
        assert_eq!(errors(&found), []);
        assert_eq!(
            loads(&old, &mut off_wire_nested::NewSince::default()),
            [true, true]
        );
    }

    mod immutable_to_since {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Old {
            #[vmstate(immutable)]
            pub cfg: u32,
            pub reg: u32,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev", version = 2, minimum_version = 1)]
        pub struct New {
            #[vmstate(since = 2)]
            pub cfg: u32,
            pub reg: u32,
        }
    }

    #[test]
    fn an_immutable_field_read_only_from_a_later_version() {
        let found = one_device_findings(
            immutable_to_since::Old::DESCRIPTION,
            immutable_to_since::New::DESCRIPTION,
        );
        assert_eq!(
            errors(&found),
            [(Rule::FieldVersionChanged, "dev/NotOnWire/cfg")]
        );
        let old = immutable_to_since::Old { cfg: 180, reg: 3 };
        assert_eq!(
            loads(&old, &mut immutable_to_since::New::default()),
            [false, true]
        );
    }

    mod nested_since {
        /// Before `a` was added.
        pub mod v0 {
            use vmstate_core::VmState;
            #[derive(VmState, Default)]
            #[vmstate(name = "inner", version = 1)]
            pub struct Inner {
                pub b: u16,
            }
            #[derive(VmState, Default)]
            #[vmstate(name = "dev")]
            pub struct Dev {
                pub inner: Inner,
            }
        }
        pub mod v1 {
            use vmstate_core::VmState;
            #[derive(VmState, Default)]
            #[vmstate(name = "inner", version = 1)]
            pub struct Inner {
                pub a: u32,
                pub b: u16,
            }
            #[derive(VmState, Default)]
            #[vmstate(name = "dev")]
            pub struct Dev {
                pub inner: Inner,
            }
        }
        pub mod v2 {
            use vmstate_core::VmState;
            #[derive(VmState, Default)]
            #[vmstate(name = "inner", version = 2, minimum_version = 1)]
            pub struct Inner {
                #[vmstate(since = 2)]
                pub a: u32,
                pub b: u16,
            }
            #[derive(VmState, Default)]
            #[vmstate(name = "dev")]
            pub struct Dev {
                pub inner: Inner,
            }
        }
    }

    #[test]
    fn since_inside_a_nested_struct_going_back() {
        use nested_since::{v1, v2};
        // A nested struct is sent at its sender's version: no stream lacks `a`.
        let found = one_device_findings(v2::Dev::DESCRIPTION, v1::Dev::DESCRIPTION);
        assert_eq!(errors(&found), []);
        let old = v2::Dev {
            inner: v2::Inner { a: 5, b: 6 },
        };
        assert_eq!(loads(&old, &mut v1::Dev::default()), [true, true]);
    }

    #[test]
    fn since_on_a_field_added_to_a_nested_struct_is_named_as_no_gate() {
        use nested_since::{v0, v2};
        let report = crate::one_device_check(v0::Dev::DESCRIPTION, v2::Dev::DESCRIPTION);
        let added = (report.findings.iter())
            .find(|f| f.rule == Rule::FieldAdded && f.severity == crate::Severity::Error)
            .unwrap_or_else(|| panic!("{report}"));
        assert!(
            (added.message).contains("added before `b` with `since = 2`, which gates nothing"),
            "{report}"
        );
        // The stream of the old release is misread: `b`'s bytes and more go into `a`.
        let old = v0::Dev {
            inner: v0::Inner { b: 6 },
        };
        assert_eq!(loads(&old, &mut v2::Dev::default()), [false, false]);
    }

    mod string_bytes {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Old {
            #[vmstate(max_len = 8)]
            pub label: String,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct New {
            #[vmstate(max_len = 8)]
            pub label: Vec<u8>,
        }
    }

    #[test]
    fn a_string_read_as_bytes_but_not_back() {
        let found = one_device_findings(
            string_bytes::Old::DESCRIPTION,
            string_bytes::New::DESCRIPTION,
        );
        assert_eq!(errors(&found), []);
        let old = string_bytes::Old {
            label: "uart".into(),
        };
        assert_eq!(loads(&old, &mut string_bytes::New::default()), [true, true]);
        let found = one_device_findings(
            string_bytes::New::DESCRIPTION,
            string_bytes::Old::DESCRIPTION,
        );
        assert_eq!(
            errors(&found),
            [(Rule::FieldTypeChanged, "dev/Fields/label")]
        );
        let bytes = string_bytes::New { label: vec![0xff] };
        assert_eq!(
            loads(&bytes, &mut string_bytes::Old::default()),
            [false, false]
        );
    }
}

/// More pairs a review found, checked against the loads the same way.
mod checked_against_loads_too {
    use super::{errors, one_device_findings};
    use vmstate_core::schema::{Rule, Schema};
    use vmstate_core::VmState;

    mod slots {
        use vmstate_core::VmState;
        #[derive(VmState, Default, Debug, PartialEq, Clone, Copy)]
        #[vmstate(name = "slot")]
        pub struct Slot {
            pub id: u32,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Two {
            #[vmstate(immutable)]
            pub slots: [Slot; 2],
            pub zero: [u32; 0],
            pub r: u32,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Three {
            #[vmstate(immutable)]
            pub slots: [Slot; 3],
            pub r: u32,
        }
    }

    #[test]
    fn an_immutable_array_of_structs_resized_and_a_zero_length_array_removed() {
        let found = one_device_findings(slots::Two::DESCRIPTION, slots::Three::DESCRIPTION);
        assert_eq!(
            errors(&found),
            [(Rule::FieldSizeChanged, "dev/NotOnWire/slots")]
        );
        let old = slots::Two::default();
        let mut new = slots::Three::default();
        let native = vmstate_core::to_bytes(&old).unwrap();
        assert!(vmstate_core::from_bytes(&mut new, &native).is_err());
    }

    mod grp {
        use vmstate_core::VmState;
        #[derive(VmState, Default)]
        #[vmstate(name = "grp/extra")]
        pub struct Extra {
            pub e: u32,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "grp")]
        pub struct Plain {
            #[vmstate(skip)]
            #[allow(dead_code)] // host-side state
            pub host: u8,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "grp")]
        pub struct WithExtra {
            #[vmstate(skip)]
            #[allow(dead_code)] // host-side state
            pub host: u8,
            #[vmstate(subsection, needed = "Self::sent")]
            pub extra: Extra,
        }
        impl WithExtra {
            fn sent(&self) -> bool {
                self.extra.e != 0
            }
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct Old {
            pub r: u32,
            pub grp: Plain,
        }
        #[derive(VmState, Default)]
        #[vmstate(name = "dev")]
        pub struct New {
            pub r: u32,
            pub grp: WithExtra,
        }
    }

    #[test]
    fn a_struct_with_nothing_on_qemus_wire_gains_a_subsection() {
        // On QEMU's wire only in the new release (its subsection), off it in the old.
        let found = one_device_findings(grp::Old::DESCRIPTION, grp::New::DESCRIPTION);
        assert_eq!(errors(&found), []);
        let old = grp::Old {
            r: 3,
            ..Default::default()
        };
        let mut new = grp::New::default();
        vmstate_core::from_bytes(&mut new, &vmstate_core::to_bytes(&old).unwrap()).unwrap();
        let qemu = vmstate_core::qemu::to_bytes(&old).unwrap();
        vmstate_core::qemu::from_bytes(&mut new, &qemu, 1, 0).unwrap();
        assert_eq!(new.r, 3);
        // Back: the subsection is removed, which breaks while it is sent.
        let found = one_device_findings(grp::New::DESCRIPTION, grp::Old::DESCRIPTION);
        assert_eq!(
            errors(&found),
            [(
                Rule::SubsectionRemoved,
                "dev/Fields/grp/Subsections/grp/extra"
            )]
        );
        // A schema written before such a struct was listed on QEMU's wire (off it) against
        // today's: the same struct, no error.
        let mut before = Schema::new(None);
        before.add("dev", grp::New::DESCRIPTION);
        let now = before.clone();
        let desc = &mut before.devices.get_mut("dev").unwrap().description;
        let i = desc.fields.iter().position(|f| f.field == "grp").unwrap();
        let moved = desc.fields.remove(i);
        desc.not_on_wire.push(moved);
        assert_eq!(vmstate_core::schema::check(&before, &now).errors(), 0);
        assert_eq!(vmstate_core::schema::check(&now, &before).errors(), 0);
    }
}

/// A field that gains an `exists` test: old streams always carry it, so the test must pass
/// for them; one that loses its test: old streams may lack it. The checker cannot run the
/// tests, so it says so (a warning), as the loads show.
mod exists_added_to_a_field {
    use super::one_device_findings;
    use vmstate_core::schema::{Rule, Severity};
    use vmstate_core::VmState;

    #[derive(VmState, Default)]
    #[vmstate(name = "dev", version = 1)]
    pub struct Old {
        pub count: u32,
        pub mask: u8,
    }

    #[derive(VmState, Default)]
    #[vmstate(name = "dev", version = 2, minimum_version = 1)]
    pub struct New {
        pub count: u32,
        #[vmstate(exists = "Self::mask_sent")]
        pub mask: u8,
    }

    impl New {
        fn mask_sent(&self, version: u32) -> bool {
            version != 1
        }
    }

    #[test]
    fn is_a_warning_and_the_wrong_test_breaks_old_streams() {
        assert_eq!(
            one_device_findings(Old::DESCRIPTION, New::DESCRIPTION),
            [(
                Rule::FieldVersionChanged,
                Severity::Warning,
                "dev/Fields/mask".to_owned()
            )]
        );
        let old = vmstate_core::to_bytes(&Old {
            count: 1,
            mask: 0xc1,
        })
        .unwrap();
        assert!(vmstate_core::from_bytes(&mut New::default(), &old).is_err());
    }

    /// A release whose own streams lack `mask` (its test is false for its version).
    #[derive(VmState, Default)]
    #[vmstate(name = "dev", version = 2, minimum_version = 1)]
    pub struct Skipping {
        pub count: u32,
        #[vmstate(exists = "Self::mask_sent")]
        pub mask: u8,
    }

    impl Skipping {
        fn mask_sent(&self, version: u32) -> bool {
            version != 2
        }
    }

    /// The next release reads `mask` always.
    #[derive(VmState, Default)]
    #[vmstate(name = "dev", version = 2, minimum_version = 1)]
    pub struct Always {
        pub count: u32,
        pub mask: u8,
    }

    #[test]
    fn losing_the_test_is_a_warning_too() {
        // Found by the differential test: no finding, yet the load broke.
        assert_eq!(
            one_device_findings(Skipping::DESCRIPTION, Always::DESCRIPTION),
            [(
                Rule::FieldVersionChanged,
                Severity::Warning,
                "dev/Fields/mask".to_owned()
            )]
        );
        let old = vmstate_core::to_bytes(&Skipping::default()).unwrap();
        assert!(vmstate_core::from_bytes(&mut Always::default(), &old).is_err());
    }
}

/// A fixed array turned into a sequence that carries its own length, or back: one size
/// finding that says so (the count on the wire is what misreads), not a byte count that
/// makes the sequence look empty.
#[test]
fn an_array_that_became_a_sequence_says_so() {
    mod v1 {
        #[derive(vmstate_core::VmState)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            pub fifo: [u8; 16],
            pub words: [u32; 4],
        }
    }
    mod v2 {
        #[derive(vmstate_core::VmState)]
        #[vmstate(name = "dev")]
        pub struct Dev {
            #[vmstate(max_len = 16)]
            pub fifo: Vec<u8>,
            #[vmstate(max_len = 4)]
            pub words: Vec<u32>,
        }
    }
    for (old, new, from, to) in [
        (
            v1::Dev::DESCRIPTION,
            v2::Dev::DESCRIPTION,
            "a fixed array of 16",
            "a sequence",
        ),
        (
            v2::Dev::DESCRIPTION,
            v1::Dev::DESCRIPTION,
            "a sequence",
            "a fixed array of 16",
        ),
    ] {
        let report = one_device_check(old, new);
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.path == "dev/Fields/fifo")
            .collect();
        assert_eq!(found.len(), 1, "{report}");
        let f = found[0];
        assert_eq!(
            (f.rule, f.severity),
            (Rule::FieldSizeChanged, Severity::Error)
        );
        assert!(
            f.message.contains(from) && f.message.contains(to),
            "{}",
            f.message
        );
        assert!(f.message.contains("its own length"), "{}", f.message);
        assert!(!f.message.contains("= 0"), "{}", f.message);
        assert!(f.message.contains("; keep"), "{}", f.message);
        assert_eq!(report.errors(), 2, "fifo and words:\n{report}");
    }
}

mod shared_name_behind_since {
    use vmstate_core::VmState;

    #[derive(VmState)]
    #[vmstate(name = "dma", version = 1)]
    pub struct V1 {
        pub a: u32,
        pub tc_int: u32,
        pub b: u32,
    }

    /// Version 2 sends another `tc_int` in front of the first, as QEMU's pl080 repeats it.
    #[derive(VmState)]
    #[vmstate(name = "dma", version = 2, minimum_version = 1)]
    pub struct V2 {
        pub a: u32,
        #[vmstate(since = 2, name = "tc_int")]
        pub tc_int_2: u32,
        pub tc_int: u32,
        pub b: u32,
    }

    /// The same, but the one field of that name is now behind `since`: a break.
    #[derive(VmState)]
    #[vmstate(name = "dma", version = 2, minimum_version = 1)]
    pub struct Gated {
        pub a: u32,
        #[vmstate(since = 2)]
        pub tc_int: u32,
        pub b: u32,
    }
}

#[test]
fn a_field_added_behind_since_in_front_of_one_of_its_name_is_no_break() {
    use shared_name_behind_since::{Gated, V1, V2};
    // The version 1 streams the new release reads lack the new `tc_int`: the old one pairs
    // with the `tc_int` after it, not with the gated one.
    assert_clean(&one_device_check(V1::DESCRIPTION, V2::DESCRIPTION));
    // A field of that name behind `since` with no other to pair with is still the break.
    let findings = one_device_findings(V1::DESCRIPTION, Gated::DESCRIPTION);
    assert!(
        findings
            .iter()
            .any(|(rule, sev, _)| *rule == Rule::FieldVersionChanged && *sev == Severity::Error),
        "{findings:?}"
    );
}

mod fixed_fifo {
    use vmstate_core::VmState;

    /// A Fifo8 whose capacity is always 16, its data as a fixed buffer.
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    pub struct Buffer {
        #[vmstate(buffer)]
        pub data: [u8; 16],
        pub head: u32,
    }

    /// The same as sixteen `uint8`s.
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    pub struct Bytes {
        pub data: [u8; 16],
        pub head: u32,
    }
}

/// The one finding of each of `ours` (a device `dev`) against `qemu`, in both directions: a
/// `field-size-changed` warning at `path`.
fn one_size_warning_both_ways(
    qemu: &Schema,
    ours: &[&'static vmstate_core::Description],
    path: &str,
) -> Vec<Finding> {
    let mut found = Vec::new();
    for &ours in ours {
        let ours = vmstate_tests::one_device("dev", ours);
        for report in [check(qemu, &ours), check(&ours, qemu)] {
            found.push(only_finding(
                &report,
                Rule::FieldSizeChanged,
                Severity::Warning,
                path,
            ));
        }
    }
    found
}

#[test]
fn fixed_bytes_against_a_buffer_qemu_sizes_at_run_time_are_a_warning() {
    // QEMU's dump of a Fifo8's data (`VMSTATE_VBUFFER_UINT32`): size 0.
    one_size_warning_both_ways(
        &qemu_fields("data:0 head:4"),
        &[
            fixed_fifo::Buffer::DESCRIPTION,
            fixed_fifo::Bytes::DESCRIPTION,
        ],
        "dev/Fields/data",
    );
    // Fixed bytes against a QEMU field of another size are still an error.
    let report = check(
        &qemu_fields("data:8 head:4"),
        &vmstate_tests::one_device("dev", fixed_fifo::Buffer::DESCRIPTION),
    );
    assert_eq!(report.errors(), 1, "{report}");
}

mod virtio_port {
    use vmstate_core::VmState;
    #[derive(VmState)]
    #[vmstate(name = "virtio")]
    pub struct Virtio {
        pub status: u8,
        pub features: u32,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    pub struct Nested {
        pub virtio: Virtio,
        pub head: u32,
    }
    #[derive(VmState)]
    #[vmstate(name = "dev")]
    pub struct Word {
        pub virtio: u32,
        pub head: u32,
    }
}

/// QEMU's dump gives a field that QEMU writes by code of its own (virtio's `virtio`, a
/// `VMStateInfo`) size 0 and no fields: a port's nested struct or value there cannot be
/// compared, which is one warning either way (the struct was passed silently, the value was
/// a size error, and a struct against it the other way a missing description).
#[test]
fn a_field_qemu_writes_by_code_of_its_own_is_a_warning_whatever_stands_for_it() {
    let found = one_size_warning_both_ways(
        &qemu_fields("virtio:0 head:4"),
        &[
            virtio_port::Nested::DESCRIPTION,
            virtio_port::Word::DESCRIPTION,
        ],
        "dev/Fields/virtio",
    );
    for f in found {
        assert!(f.message.contains("code of its own"), "{}", f.message);
    }
}

#[cfg(unix)]
#[test]
fn a_golden_file_keeps_its_link_and_permissions_and_a_read_only_one_is_not_replaced() {
    use std::os::unix::fs::PermissionsExt;
    use vmstate_core::schema::assert_compatible;
    let dir = std::env::temp_dir().join(format!("vmstate-golden-kept-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::env::remove_var(vmstate_core::schema::BLESS_VAR);
    std::fs::create_dir_all(dir.join("real")).unwrap();
    let real = dir.join("real/g.json");
    let link = dir.join("g.json");
    assert_compatible(&real, "golden_dev", golden_dev::V1::DESCRIPTION);
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();

    // A device added through the link lands in the file it points to, which keeps its mode.
    assert_compatible(&link, "golden_other", golden_dev::Other::DESCRIPTION);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(text.contains("golden_other"), "{text}");
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);

    // A link to a file not written yet: the file is written where it points.
    let dangling = dir.join("new.json");
    std::os::unix::fs::symlink("real/new.json", &dangling).unwrap();
    assert_compatible(&dangling, "golden_dev", golden_dev::V1::DESCRIPTION);
    assert!(std::fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(dir.join("real/new.json"))
        .unwrap()
        .contains("golden_dev"));

    // A read-only golden file is not replaced, also where the directory is writable.
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o444)).unwrap();
    let refused = std::panic::catch_unwind(|| {
        assert_compatible(&real, "golden_third", golden_dev::V1::DESCRIPTION)
    });
    let message = *refused.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("read-only"), "{message}");
    assert!(!std::fs::read_to_string(&real)
        .unwrap()
        .contains("golden_third"));
    std::fs::remove_dir_all(&dir).unwrap();
}

mod bool_as_enum {
    use vmstate_core::VmState;
    #[derive(VmState, Default, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Power {
        #[default]
        Off = 0,
        On = 1,
    }
    #[derive(VmState, Default, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Speed {
        #[default]
        Slow = 1,
        Fast = 2,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    pub struct Bool {
        pub power: bool,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    pub struct TwoValues {
        pub power: Power,
    }
    #[derive(VmState, Default)]
    #[vmstate(name = "dev")]
    pub struct OtherValues {
        pub power: Speed,
    }
}

/// A bool that becomes an enum of 0 and 1, and back, takes every value either side sends:
/// no finding; an enum of other values is a check added one way and a type change the other.
#[test]
fn a_bool_and_an_enum_of_zero_and_one_migrate_both_ways() {
    use bool_as_enum::*;
    let schema = |d| vmstate_tests::one_device("dev", d);
    let (b, two, other) = (
        schema(Bool::DESCRIPTION),
        schema(TwoValues::DESCRIPTION),
        schema(OtherValues::DESCRIPTION),
    );
    assert_clean(&check(&b, &two));
    assert_clean(&check(&two, &b));
    let f = only_finding(
        &check(&b, &other),
        Rule::CheckAdded,
        Severity::Warning,
        "dev/Fields/power",
    );
    assert!(f.message.contains("took 0 and 1 (a bool)"), "{}", f.message);
    let report = check(&other, &b);
    assert_eq!(report.errors(), 1, "{report}");
    // What the loads do.
    for power in [false, true] {
        let bytes = vmstate_core::to_bytes(&Bool { power }).unwrap();
        let mut dst = TwoValues::default();
        vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
        assert_eq!(dst.power == Power::On, power);
        let back = vmstate_core::to_bytes(&dst).unwrap();
        let mut again = Bool::default();
        vmstate_core::from_bytes(&mut again, &back).unwrap();
        assert_eq!(again.power, power);
    }
}
