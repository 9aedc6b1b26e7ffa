//! Schema files, the input of `vmstate check`: a real schema (this project's board, or
//! devices from QEMU 7.2's own `-dump-vmstate`) is mutated at the JSON level, one edit per
//! few input bytes (a value replaced, a key or element removed, an element duplicated or
//! moved, a subtree grafted elsewhere, a number nudged), then read with
//! `Schema::from_json`, checked against the original both ways and against itself, its
//! report rendered, and every description used to decode the input's bytes in both formats.
//! Nothing may panic; a schema that reads must be compatible with itself (but for subsections
//! sharing a name, which are reported as such). Our schema includes
//! a device with enum fields and a `range`, so that `variants` and `validate` are edited too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::OnceLock;
use vmstate_core::schema::{check, check_back, decode_with_budget, Format, Rule, Schema, Severity};
use vmstate_core::VmState;

/// A device with enum fields and checks, so that the schema holds `variants` and `validate`.
#[derive(VmState, Clone, Copy, PartialEq)]
#[repr(u16)]
enum Mode {
    Off,
    On = 7,
    Wide = 0x1234,
}

#[derive(VmState)]
#[vmstate(name = "mode_dev")]
struct ModeDev {
    #[vmstate(range = "0..8")]
    level: u8,
    mode: Mode,
    modes: [Mode; 2],
    #[vmstate(max_len = 4)]
    queue: Vec<Mode>,
}

/// QEMU devices with subsections, `unused` padding, nested structs and `field_exists`.
const QEMU_DEVICES: [&str; 8] = [
    "integrator_core",
    "pl031",
    "pl022",
    "rtl8139",
    "pxa2xx-dma",
    "stellaris-gptm",
    "sysbus-esp",
    "xlnx.ps7-spi",
];

/// Strings an edit may put in place of a value: types, kinds and names the reader and the
/// checker give meaning to.
const STRINGS: [&str; 20] = [
    "uint32",
    "int32",
    "uint8",
    "bool",
    "unused",
    "struct",
    "u32",
    "removed:u32",
    "removed:u8[3]",
    "migrated",
    "derived",
    "immutable",
    "skipped",
    "varray:u8",
    "",
    "pl031",
    "varray:uint16[2]",
    "varray:int8[x]",
    // Field names a `len` key may be pointed at: an integer count, and a list.
    "cpreg_vmstate_array_len",
    "cpreg_vmstate_indexes",
];

/// The two base schemas, as JSON to edit and as read.
fn bases() -> &'static [(Value, Schema); 2] {
    static BASES: OnceLock<[(Value, Schema); 2]> = OnceLock::new();
    BASES.get_or_init(|| {
        let mut ours = Schema::new(Some("integratorcp"));
        for (key, description) in devices::qemu_device_keys() {
            ours.add(key, description);
        }
        ours.add("mode_dev", ModeDev::DESCRIPTION);
        // Register lists sized by a count field (`len`).
        ours.add("arm926-cpu", devices::ArmCpuState::DESCRIPTION);
        let ours: Value = serde_json::from_str(&ours.to_json()).expect("our schema is JSON");
        let dump: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/qemu-7.2-integratorcp/dump-vmstate.json"
        ))
        .expect("QEMU's dump is JSON");
        let mut qemu = serde_json::Map::new();
        for key in QEMU_DEVICES.into_iter().chain(["vmschkmachine"]) {
            qemu.insert(key.to_owned(), dump[key].clone());
        }
        [ours, Value::Object(qemu)].map(|v| {
            let read = Schema::from_json(&v.to_string()).expect("the base schema reads");
            (v, read)
        })
    })
}

/// Reads input bytes one at a time, 0 once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        b
    }
    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |v, _| v << 8 | u64::from(self.byte()))
    }
}

/// A path from the root: the child index taken at each container.
fn pick_path(root: &Value, input: &mut Bytes) -> Vec<usize> {
    let mut path = Vec::new();
    let mut node = root;
    let depth = input.byte() % 8;
    for _ in 0..depth {
        let children = match node {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if children == 0 {
            break;
        }
        let i = usize::from(input.byte()) % children;
        node = child(node, i).expect("index in range");
        path.push(i);
    }
    path
}

fn child(v: &Value, i: usize) -> Option<&Value> {
    match v {
        Value::Object(m) => m.values().nth(i),
        Value::Array(a) => a.get(i),
        _ => None,
    }
}

fn child_mut(v: &mut Value, i: usize) -> Option<&mut Value> {
    match v {
        Value::Object(m) => m.values_mut().nth(i),
        Value::Array(a) => a.get_mut(i),
        _ => None,
    }
}

fn at_mut<'v>(root: &'v mut Value, path: &[usize]) -> &'v mut Value {
    path.iter()
        .fold(root, |v, &i| child_mut(v, i).expect("path exists"))
}

fn at<'v>(root: &'v Value, path: &[usize]) -> &'v Value {
    path.iter()
        .fold(root, |v, &i| child(v, i).expect("path exists"))
}

/// A value to put somewhere: a number at an edge, a meaningful string, or an empty shape.
fn new_value(input: &mut Bytes) -> Value {
    match input.byte() % 10 {
        0 => json!(input.byte()),
        1 => json!(input.u64()),
        2 => json!(-(i64::from(input.byte()))),
        3 => json!(
            [0u32, 1, 255, 256, 65535, 65536, u32::MAX, 1 << 20][usize::from(input.byte() % 8)]
        ),
        4 => json!(f64::from(input.byte()) / 3.0),
        5 => json!(STRINGS[usize::from(input.byte()) % STRINGS.len()]),
        6 => json!(input.byte() & 1 == 1),
        7 => Value::Null,
        8 => json!([]),
        _ => json!({}),
    }
}

fn mutate(root: &mut Value, input: &mut Bytes) {
    let path = pick_path(root, input);
    match input.byte() % 6 {
        0 => *at_mut(root, &path) = new_value(input),
        // Remove the node from its parent.
        1 => {
            if let Some((&last, parent)) = path.split_last() {
                match at_mut(root, parent) {
                    Value::Object(m) => {
                        let key = m.keys().nth(last).cloned().expect("key exists");
                        m.remove(&key);
                    }
                    Value::Array(a) => {
                        a.remove(last);
                    }
                    _ => {}
                }
            }
        }
        // Duplicate an array's element, or move it to another place in the array.
        op @ (2 | 3) => {
            if let Value::Array(a) = at_mut(root, &path) {
                if !a.is_empty() {
                    let from = usize::from(input.byte()) % a.len();
                    let to = usize::from(input.byte()) % (a.len() + 1);
                    let item = if op == 2 {
                        a[from].clone()
                    } else {
                        a.remove(from)
                    };
                    a.insert(to.min(a.len()), item);
                }
            }
        }
        // Graft a copy of another subtree here.
        4 => {
            let from = pick_path(root, input);
            let subtree = at(root, &from).clone();
            *at_mut(root, &path) = subtree;
        }
        // Nudge a number.
        _ => {
            let node = at_mut(root, &path);
            if let Some(n) = node.as_i64() {
                let delta = i64::from(input.byte() as i8);
                *node = json!(n.saturating_add(delta));
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let (base, old) = &bases()[usize::from(input.byte() & 1)];
    let mut edited = base.clone();
    let edits = 1 + input.byte() % 8;
    for _ in 0..edits {
        mutate(&mut edited, &mut input);
    }
    // What is left of the input is section bytes for the decoders.
    let section = input.0;
    let Ok(new) = Schema::from_json(&edited.to_string()) else {
        return;
    };
    for (a, b) in [(old, &new), (&new, old)] {
        let report = check(a, b);
        let _ = report.to_string();
        let _ = (report.errors(), report.warnings());
        // Migration back: the same findings, worded for it (names are input too).
        let back = check_back(a, b);
        let paths = |r: &vmstate_core::schema::Report| -> Vec<(Rule, String)> {
            (r.findings.iter())
                .map(|f| (f.rule, f.path.clone()))
                .collect()
        };
        assert_eq!(
            paths(&back),
            paths(&report),
            "check_back differs from check"
        );
        let _ = back.to_string();
    }
    // But for two subsections of one name, which no release can load (QEMU 11.1's
    // `sd-card` has them; a duplicated element makes them here).
    let itself = check(&new, &new);
    let broken = (itself.findings.iter())
        .filter(|f| f.severity == Severity::Error && f.rule != Rule::SubsectionNameShared);
    assert!(
        broken.count() == 0,
        "a schema is not compatible with itself:\n{itself}\n{edited}"
    );
    let _ = new.to_json();
    let _ = new.qemu_only().to_json();
    let mut budget = 100_000;
    for entry in new.devices.values() {
        let desc = &entry.description;
        for format in [Format::Native, Format::Qemu] {
            for version in [desc.version_id, desc.minimum_version_id] {
                let _ = decode_with_budget(desc, format, section, version, 0, &mut budget);
            }
        }
    }
});
