//! The vmdesc of a stream whose device sections changed size: readers (this crate's,
//! QEMU's `analyze-migration.py`) take each section's size from its vmdesc entry, so an entry
//! that still gave the old size would make the stream unreadable to them, while QEMU, which
//! never reads the vmdesc, loads it.

use super::{SectionKind, Stream};
use std::collections::HashMap;

impl Stream {
    /// The vmdesc JSON with the entries of the FULL sections that `replace` gives data of
    /// another size (by index into [`Stream::sections`]) rewritten: to `entries`' entry for
    /// that index where it has one, else by [`resized_entry`]. `None` when no section changes
    /// size, or the stream has no vmdesc with a `devices` list: the vmdesc is then kept, byte
    /// for byte.
    pub(super) fn resized_vmdesc(
        &self,
        replace: &HashMap<usize, &[u8]>,
        entries: &HashMap<usize, serde_json::Value>,
    ) -> Option<String> {
        let resized: Vec<(usize, usize)> = (self.sections().enumerate())
            .filter_map(|(index, s)| {
                let data = replace.get(&index).filter(|d| d.len() != s.data.len())?;
                Some((index, data.len()))
            })
            .collect();
        if resized.is_empty() {
            return None;
        }
        let mut json = self.vmdesc()?;
        let devices = json.get_mut("devices")?.as_array_mut()?;
        let entry_of = self.entries(devices);
        for (index, len) in resized {
            let Some(entry) = entry_of.get(&index).and_then(|&at| devices.get_mut(at)) else {
                continue;
            };
            match entries.get(&index) {
                Some(described) => {
                    let (name, instance) = (entry["name"].clone(), entry["instance_id"].clone());
                    *entry = described.clone();
                    entry["name"] = name;
                    entry["instance_id"] = instance;
                }
                None => resized_entry(entry, len),
            }
        }
        Some(json.to_string())
    }

    /// Each FULL device section's vmdesc entry (by section index), found as the parser finds
    /// it: the next entry of its idstr and instance after the previous section's.
    fn entries(&self, devices: &[serde_json::Value]) -> HashMap<usize, usize> {
        let mut next = 0;
        let mut found = HashMap::new();
        for (index, s) in self.sections().enumerate() {
            if s.kind != SectionKind::Full || s.idstr == "ram" {
                continue;
            }
            let at = devices.get(next..).and_then(|rest| {
                rest.iter().position(|d| {
                    d["name"].as_str() == Some(s.idstr.as_str())
                        && d["instance_id"].as_u64() == Some(u64::from(s.instance_id))
                })
            });
            if let Some(at) = at {
                found.insert(index, next + at);
                next += at + 1;
            }
        }
        found
    }
}

/// A vmdesc entry made to describe `len` bytes: an entry of one field (a device whose data
/// QEMU writes by its own code, virtio's `virtio`; not a value, whose type has its size)
/// keeps it at the new size; any other becomes one buffer of the data, as
/// [`write_stream`](crate::qemu::write_stream) describes a device whose fields do not give
/// its size.
pub(super) fn resized_entry(entry: &mut serde_json::Value, len: usize) {
    // A value's type has its own size: one of another size is described as bytes.
    let scalar = |t: &str| {
        t == "bool"
            || ["uint", "int", "float"].iter().any(|p| {
                t.strip_prefix(p)
                    .is_some_and(|bits| bits.parse::<u8>().is_ok())
            })
    };
    let opaque = entry.get("subsections").is_none()
        && matches!(entry["fields"].as_array(), Some(fields) if fields.len() == 1
            && fields[0].get("array_len").is_none()
            && fields[0].get("struct").is_none()
            && !fields[0]["type"].as_str().is_some_and(scalar));
    if opaque {
        entry["fields"][0]["size"] = len.into();
        return;
    }
    entry["fields"] = super::vmdesc::one_buffer(len);
    if let Some(fields) = entry.as_object_mut() {
        fields.remove("subsections");
    }
}
