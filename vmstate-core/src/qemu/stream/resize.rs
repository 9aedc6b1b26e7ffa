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
        // Each resized section as its vmdesc entry is found: the how-manieth FULL section of
        // its idstr and instance it is (QEMU lists one entry per FULL section, in order).
        let mut seen: HashMap<(&str, u32), usize> = HashMap::new();
        let mut resized = Vec::new();
        for (index, s) in self.sections().enumerate() {
            if s.kind != SectionKind::Full {
                continue;
            }
            let nth = seen.entry((s.idstr.as_str(), s.instance_id)).or_default();
            let this = *nth;
            *nth += 1;
            if let Some(data) = replace.get(&index).filter(|d| d.len() != s.data.len()) {
                resized.push((index, s, this, data.len()));
            }
        }
        if resized.is_empty() {
            return None;
        }
        let mut json = self.vmdesc()?;
        let devices = json.get_mut("devices")?.as_array_mut()?;
        for (index, s, nth, len) in resized {
            let of_device = |d: &&mut serde_json::Value| {
                d["name"].as_str() == Some(s.idstr.as_str())
                    && d["instance_id"].as_u64() == Some(u64::from(s.instance_id))
            };
            let Some(entry) = devices.iter_mut().filter(of_device).nth(nth) else {
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
}

/// A vmdesc entry made to describe `len` bytes: an entry of one field (a device whose data
/// QEMU writes by its own code, virtio's `virtio`) keeps it at the new size; any other
/// becomes one buffer of the data, as [`write_stream`](crate::qemu::write_stream) describes a
/// device whose fields do not give its size.
pub(super) fn resized_entry(entry: &mut serde_json::Value, len: usize) {
    let opaque = entry.get("subsections").is_none()
        && matches!(entry["fields"].as_array(), Some(fields) if fields.len() == 1
            && fields[0].get("array_len").is_none()
            && fields[0].get("struct").is_none());
    if opaque {
        entry["fields"][0]["size"] = len.into();
        return;
    }
    entry["fields"] = serde_json::json!([{ "name": "data", "type": "buffer", "size": len }]);
    if let Some(fields) = entry.as_object_mut() {
        fields.remove("subsections");
    }
}
