//! [`LoadOptions::check_schema`](super::LoadOptions::check_schema): the schema a machine
//! stream carries, compared with the destination's descriptions before anything loads.

use super::{format_error, trailer_schema, MachineSection, Section};
use crate::schema::{check, DeviceEntry, Schema, Severity};
use crate::{Description, Error, ErrorKind};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// Refuses the load when the trailer's description of a section that a destination device
/// takes differs from that device's so that the checker finds an error: a stream of another
/// build whose fields moved at the same version, which the sections' own bytes cannot show
/// (two reordered `u64`s load swapped). The checker's warnings do not refuse.
///
/// A stream of the same build describes each device in the very text the destination's
/// description serializes to, so the trailer is first only split into its devices' JSON
/// and compared as text; it is parsed (and the checker run) only when some device's text
/// differs, which costs several times more.
pub(super) fn check_sections(
    devices: &[(u32, &mut dyn Section)],
    sections: &[MachineSection],
    bytes: &[u8],
    json: Range<usize>,
) -> Result<(), Error> {
    let at = json.start;
    let text = std::str::from_utf8(&bytes[json.clone()])
        .map_err(|_| format_error("schema trailer is not UTF-8".into(), at))?;
    // Each section name once, with where its first section starts (for the error's offset).
    let taken: BTreeMap<&str, &'static Description> = (devices.iter())
        .map(|(_, d)| (d.description().name, d.description()))
        .collect();
    let mut names: BTreeMap<&str, (usize, &'static Description)> = BTreeMap::new();
    for s in sections {
        if let Some((&name, &d)) = taken.get_key_value(s.name.as_str()) {
            names.entry(name).or_insert((s.range.start, d));
        }
    }
    let mine = |name: &str, d: &Description| {
        let mut schema = Schema::new(None);
        schema.add(name, d);
        schema.devices.remove(name).expect("just added")
    };
    if let Some(raw) = raw_entries(text) {
        let same_text = |(name, (_, d)): (&&str, &(usize, &Description))| {
            let entry = raw.get(*name);
            entry
                .is_some_and(|e| serde_json::to_string(&mine(name, d)).ok() == Some(e.get().into()))
        };
        if names.iter().all(same_text) {
            return Ok(());
        }
    }
    let sent = trailer_schema(bytes, json)?;
    for (name, (start, d)) in names {
        let Some(entry) = sent.devices.get(name) else {
            let why = format!("the schema trailer does not describe section `{name}`");
            return Err(format_error(why, at));
        };
        let mine: DeviceEntry = mine(name, d);
        if *entry == mine {
            continue;
        }
        let mut old = Schema::new(None);
        old.devices.insert(name.to_owned(), entry.clone());
        let mut new = Schema::new(None);
        new.devices.insert(name.to_owned(), mine);
        let findings: Vec<_> = (check(&old, &new).findings.into_iter())
            .filter(|f| f.severity == Severity::Error)
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

/// The trailer's top-level entries as raw JSON text by key, or `None` when it is no JSON
/// object of unique keys (then the full parse says what is wrong).
fn raw_entries(text: &str) -> Option<BTreeMap<Cow<'_, str>, &RawValue>> {
    struct Entries;
    impl<'de> Visitor<'de> for Entries {
        type Value = Option<BTreeMap<Cow<'de, str>, &'de RawValue>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries = BTreeMap::new();
            while let Some((key, value)) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                if entries.insert(key, value).is_some() {
                    return Ok(None);
                }
            }
            Ok(Some(entries))
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let entries = de.deserialize_map(Entries).ok()??;
    de.end().ok()?;
    Some(entries)
}
