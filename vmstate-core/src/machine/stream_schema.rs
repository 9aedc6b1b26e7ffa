//! A machine stream's schema trailer compared with the destination's descriptions:
//! [`LoadOptions::check_schema`](super::LoadOptions::check_schema) before a load, and
//! [`compare_schemas`](super::compare_schemas) on its own.

use super::{format_error, MachineSection};
use crate::schema::check::check_native;
use crate::schema::{Report, Rule, Schema, Severity, MAX_SCHEMA_BYTES};
use crate::{Description, Error, ErrorKind};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// Errors of the checker that the load itself refuses exactly when a stream holds them,
/// which [`LoadOptions::check_schema`](super::LoadOptions::check_schema) leaves to it: a
/// version out of range, a subsection the destination lacks (a release's optional
/// subsection, which a stream often does not carry), a length above `max_len`, an enum
/// value that names no variant.
const LEFT_TO_THE_LOAD: [Rule; 5] = [
    Rule::VersionTooHigh,
    Rule::BelowMinimumVersion,
    Rule::SubsectionRemoved,
    Rule::MaxLenLowered,
    Rule::VariantRemoved,
];

/// One device type's comparison: its section name, where its first section starts, and
/// the checker's report (empty when the stream describes it as the destination does).
pub(super) struct Compared<'d> {
    pub name: &'d str,
    pub start: usize,
    pub report: Report,
}

/// Compares the trailer's entry of each section name that one of `descriptions` takes with
/// that description, each name once, in name order. The caller has refused descriptions a
/// trailer cannot hold apart (`device_index`, `refuse_machine_key`).
///
/// A stream of the same build describes each device in the very text the destination's
/// description serializes to, so the trailer is only split into its entries, and those
/// compared as text; an entry is parsed (and the checker run) only where it differs, and
/// entries that no description takes are not read.
pub(super) fn compare<'d>(
    descriptions: impl IntoIterator<Item = &'d Description>,
    sections: &[MachineSection],
    bytes: &[u8],
    json: Range<usize>,
) -> Result<Vec<Compared<'d>>, Error> {
    let at = json.start;
    let trailer_error = |why: String| format_error(format!("schema trailer: {why}"), at);
    let text = std::str::from_utf8(&bytes[json])
        .map_err(|_| format_error("schema trailer is not UTF-8".into(), at))?;
    if text.len() > MAX_SCHEMA_BYTES {
        return Err(trailer_error(crate::schema::too_large(text.len())));
    }
    let sent = raw_entries(text).map_err(trailer_error)?;
    let taken: BTreeMap<&str, &'d Description> =
        descriptions.into_iter().map(|d| (d.name, d)).collect();
    let mut first_section: BTreeMap<&'d str, (usize, &'d Description)> = BTreeMap::new();
    for s in sections {
        if let Some((&name, &d)) = taken.get_key_value(s.name.as_str()) {
            first_section.entry(name).or_insert((s.range.start, d));
        }
    }
    let mut compared = Vec::with_capacity(first_section.len());
    for (name, (start, d)) in first_section {
        let Some(entry) = sent.get(name) else {
            return Err(format_error(
                format!("the schema trailer does not describe section `{name}`"),
                at,
            ));
        };
        let mut ours = Schema::new(None);
        ours.add(name, d);
        let ours_text = serde_json::to_string(&ours.devices[name]).expect("schema serializes");
        let report = if entry.get() == ours_text {
            Report::default()
        } else {
            let theirs = Schema::entry_from_json(name, entry.get())
                .map_err(|e| trailer_error(e.to_string()))?;
            let mut old = Schema::new(None);
            old.devices.insert(name.to_owned(), theirs);
            if old == ours {
                Report::default()
            } else {
                check_native(&old, &ours)
            }
        };
        compared.push(Compared {
            name,
            start,
            report,
        });
    }
    Ok(compared)
}

/// Refuses the load ([`ErrorKind::SchemaMismatch`]) at the first device type whose
/// comparison has an error that the load would not refuse itself.
pub(super) fn refuse_mismatches(compared: Vec<Compared<'_>>) -> Result<(), Error> {
    for Compared {
        name,
        start,
        report,
    } in compared
    {
        // A section or subsection of a version the destination does not load is refused by
        // the load whenever a stream carries it, whatever else the checker finds in it.
        let version_refused: Vec<String> = (report.findings.iter())
            .filter(|f| f.severity == Severity::Error)
            .filter(|f| matches!(f.rule, Rule::VersionTooHigh | Rule::BelowMinimumVersion))
            .map(|f| f.path.clone())
            .collect();
        let inside_refused = |path: &str| {
            (version_refused.iter()).any(|r| {
                path.strip_prefix(r.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        };
        let findings: Vec<_> = (report.findings.into_iter())
            .filter(|f| f.severity == Severity::Error && !LEFT_TO_THE_LOAD.contains(&f.rule))
            .filter(|f| !inside_refused(&f.path))
            .collect();
        if !findings.is_empty() {
            let name = name.to_owned();
            return Err(Error::at(
                ErrorKind::SchemaMismatch { name, findings },
                start,
            ));
        }
    }
    Ok(())
}

/// The trailer's top-level entries as raw JSON text by key (a key given twice, also
/// through escapes, refused as a schema file's is).
fn raw_entries(text: &str) -> Result<BTreeMap<Cow<'_, str>, &RawValue>, String> {
    struct Entries;
    impl<'de> Visitor<'de> for Entries {
        type Value = Result<BTreeMap<Cow<'de, str>, &'de RawValue>, String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object of devices")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries = BTreeMap::new();
            while let Some((key, value)) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                if entries.contains_key(&key) {
                    return Ok(Err(format!("key `{key}` appears twice")));
                }
                entries.insert(key, value);
            }
            Ok(Ok(entries))
        }
    }
    // Editors on some hosts save UTF-8 with a byte-order mark, as `Schema::from_json` allows.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut de = serde_json::Deserializer::from_str(text);
    let entries = de
        .deserialize_map(Entries)
        .and_then(|entries| de.end().map(|()| entries))
        .map_err(|e| format!("not JSON: {e}"))?;
    entries
}
