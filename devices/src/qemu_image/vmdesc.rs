//! What a QEMU stream's vmdesc (its JSON trailer) tells about a section that a description
//! alone cannot: how long the arrays sent were (QEMU 7.2's dumps give no counts, and a
//! length held by the destination's configuration is in no description), and which fields
//! behind a test function were sent. A description is fitted to one section's vmdesc entry
//! before that section is decoded; the vmdesc is input too, so the decoder still checks
//! every length against the data.

use std::collections::{HashMap, HashSet};
use vmstate_core::qemu::vmdesc_names;
use vmstate_core::schema::{Desc, FieldEntry};

/// The vmdesc's fields of one description, by their vmdesc names: one entry per field, or
/// `None` where the vmdesc lists a field several times. QEMU lists each element of an array
/// it cannot describe as one (`index`: elements whose structs hold subsections or fields
/// behind tests, which may differ from element to element): one description cannot be
/// fitted to them all, but each element can be ([`sent_elements`]).
fn sent_fields(sent: &serde_json::Value) -> HashMap<&str, Option<&serde_json::Value>> {
    let fields = sent["fields"].as_array().map_or(&[][..], Vec::as_slice);
    let mut by_name: HashMap<&str, Option<&serde_json::Value>> = HashMap::new();
    for f in fields {
        if let Some(name) = f["name"].as_str() {
            by_name
                .entry(name)
                .and_modify(|e| *e = None)
                .or_insert(Some(f));
        }
    }
    by_name
}

/// The arrays of structs the vmdesc lists element by element (QEMU does so where it cannot
/// describe the elements as one: structs with subsections or fields behind tests), by name:
/// each element's entry, where the entries of the name are exactly those of its elements in
/// order: QEMU 7.2 gives each its `index` (0, 1, ...), QEMU 11.1 none, and the release between
/// them that changed its JSON writer for arrays of pointers all but the last (a struct entry
/// of the name without an `index` is the next element).
fn sent_elements(sent: &serde_json::Value) -> HashMap<&str, Vec<&serde_json::Value>> {
    let fields = sent["fields"].as_array().map_or(&[][..], Vec::as_slice);
    let mut by_name: HashMap<&str, Option<Vec<&serde_json::Value>>> = HashMap::new();
    for f in fields {
        let Some(name) = f["name"].as_str() else {
            continue;
        };
        let elements = by_name.entry(name).or_insert_with(|| Some(Vec::new()));
        let Some(list) = elements.as_mut() else {
            continue;
        };
        let in_order = f.get("index").is_none() || f["index"].as_u64() == Some(list.len() as u64);
        if in_order && f.get("struct").is_some() {
            list.push(f);
        } else {
            *elements = None;
        }
    }
    (by_name.into_iter())
        .filter_map(|(name, e)| Some((name, e.filter(|e| e.len() > 1)?)))
        .collect()
}

/// The vmdesc's subsections of a description, by name (the first of a name, as QEMU's loader
/// takes it), looked up once for all of the description's.
fn sent_subsections(sent: &serde_json::Value) -> HashMap<&str, &serde_json::Value> {
    let subsections = sent["subsections"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let mut by_name = HashMap::new();
    for s in subsections {
        if let Some(name) = s["vmsd_name"].as_str() {
            by_name.entry(name).or_insert(s);
        }
    }
    by_name
}

/// An array of fixed length whose length the description does not give (a QEMU dump's
/// field), and the vmdesc entry `theirs` does: `array_len`.
fn sent_array_len(f: &FieldEntry, theirs: Option<&&serde_json::Value>) -> Option<u64> {
    let fixed = f.array_len.is_none() && f.max_len.is_none() && f.len.is_none();
    fixed.then(|| theirs?["array_len"].as_u64()).flatten()
}

/// Whether `f`, a dump's field (no type), an array of a length the dump does not give, was
/// sent with no element: QEMU's vmdesc lists every field it saves, one entry per element or one
/// for them all, and none for an empty one (a `VMSTATE_STRUCT_VARRAY_*` counted by a
/// property of 0: the PIIX4 PM's memory hotplug `devs` without hotpluggable memory). A field
/// behind a version above the stream's, or behind a test, was not sent at all.
fn sent_empty(f: &FieldEntry, listed: bool, sent: &serde_json::Value) -> bool {
    let lists_fields = sent["fields"].is_array();
    let of_this_version = sent["version"]
        .as_u64()
        .is_some_and(|v| u64::from(f.version_id) <= v);
    // A dump's field (no type): a typed scalar, struct or array of one's own is never empty.
    let of_unknown_length =
        f.wire_type.is_none() && f.array_len.is_none() && f.len.is_none() && f.max_len.is_none();
    !listed
        && lists_fields
        && of_this_version
        && of_unknown_length
        && !f.field_exists
        && !f.is_padding()
}

/// The size the vmdesc entry `theirs` gives a field of a schema without types where that
/// differs from the schema's, so that its bytes can be read: QEMU writes the field its own
/// way. Either QEMU sizes it at run time (size 0 in a dump: `VMSTATE_VIRTIO_DEVICE`), or
/// the dump gives the C field's size and QEMU writes fewer bytes (an inline
/// `VMSTATE_TIMER`, a 48-byte `QEMUTimer` of which its 8-byte expiry time is written;
/// `VMSTATE_UINT16_HACK`, an `int32_t` written as 2 bytes); the vmdesc gives what was
/// written, an array's per element. Trusted as the vmdesc is: only the section's total is
/// checked against it.
fn sent_size(f: &FieldEntry, theirs: Option<&&serde_json::Value>) -> Option<u64> {
    let untyped = f.wire_type.is_none() && f.description.is_none() && !f.is_padding();
    let sent = theirs.and_then(|t| t["size"].as_u64()).filter(|&n| n > 0);
    let sent = sent.filter(|&n| untyped && n != f.size)?;
    // A run-time sized field's vmdesc size is its whole (one element is written).
    (f.size != 0 || f.array_len.is_none()).then_some(sent)
}

/// Whether `f` is a sequence whose length a field on no wire holds (the destination's
/// configuration: the SD card's bitmap, sized by the card; a `num-cpu` property).
fn counted_by_configuration(f: &FieldEntry, configured: &HashSet<&str>) -> bool {
    f.len.as_deref().is_some_and(|c| configured.contains(c))
}

/// The names of `desc`'s fields on no wire.
fn configured(desc: &Desc) -> HashSet<&str> {
    desc.not_on_wire.iter().map(|f| f.field.as_str()).collect()
}

/// Takes `n` from `budget`; false (and the budget spent) when it holds fewer.
pub(super) fn spend(budget: &mut usize, n: usize) -> bool {
    let left = budget.checked_sub(n);
    *budget = left.unwrap_or(0);
    left.is_some()
}

/// Whether the vmdesc entry `sent` tells `desc` something ([`fit`]): a length it lacks, or
/// whether a field behind a test was sent. Each field looked at costs one of `budget` (a
/// schema and a vmdesc are input); false when the budget runs out.
pub(super) fn needs_fitting(desc: &Desc, sent: &serde_json::Value, budget: &mut usize) -> bool {
    if !spend(
        budget,
        desc.fields.len() + desc.not_on_wire.len() + desc.subsections.len(),
    ) {
        return false;
    }
    let configured = configured(desc);
    let by_name = sent_fields(sent);
    let elements = sent_elements(sent);
    let names = vmdesc_names(&desc.fields);
    for (f, name) in desc.fields.iter().zip(&names) {
        let theirs = by_name.get(name.as_str()).copied().flatten();
        let theirs = theirs.as_ref();
        if (elements.get(name.as_str())).is_some_and(|e| expands_element_by_element(f, e.len()))
            || sent_empty(f, by_name.contains_key(name.as_str()), sent)
            || f.field_exists
            || sent_array_len(f, theirs).is_some()
            || sent_size(f, theirs).is_some()
            || counted_by_configuration(f, &configured)
        {
            return true;
        }
        let nested = f.description.as_deref().zip(theirs.map(|t| &t["struct"]));
        if nested.is_some_and(|(d, t)| needs_fitting(d, t, budget)) {
            return true;
        }
    }
    let subsections = sent_subsections(sent);
    let mut seen = HashSet::new();
    (desc.subsections.iter())
        .filter(|s| seen.insert(s.name.as_str()))
        .any(|s| (subsections.get(s.name.as_str())).is_some_and(|t| needs_fitting(s, t, budget)))
}

/// Charges `budget` the cost of copying `desc`: one per field entry, nested ones and
/// subsections included. False when the budget runs out first (then it is spent).
pub(super) fn charge_copy(desc: &Desc, budget: &mut usize) -> bool {
    let entries = 1 + desc.fields.len() + desc.not_on_wire.len() + desc.subsections.len();
    let nested =
        (desc.fields.iter().chain(&desc.not_on_wire)).filter_map(|f| f.description.as_deref());
    spend(budget, entries)
        && nested
            .chain(&desc.subsections)
            .all(|d| charge_copy(d, budget))
}

/// Fits `desc` to what the vmdesc entry `sent` says was sent, in nested structs and
/// subsections too:
/// - a field behind a test function is kept, as always sent, when the vmdesc lists it, and
///   dropped when it does not (QEMU's PCI devices send one of two `config` fields);
/// - a fixed array without a length (a dump's) takes the vmdesc's `array_len`;
/// - a field of a dump that QEMU writes its own way takes the vmdesc's size ([`sent_size`]:
///   a dump's size 0, sized at run time, as a virtio device's state; an inline timer, of which
///   8 of the dump's 48 bytes travel), and shows as its bytes (as an integer when they are 1,
///   2, 4 or 8, as a dump's other fields of those sizes);
/// - a sequence whose length the destination's configuration holds becomes an array of the
///   sent length ([`lengths_from_vmdesc`]);
/// - an array of structs listed element by element takes the listed length, or, where its
///   elements have fields behind tests, becomes that many structs, each fitted to its
///   element ([`element_by_element`]; copies charged to `budget`);
/// - an array of unknown length that the vmdesc does not list was sent empty ([`sent_empty`]).
pub(super) fn fit(desc: &mut Desc, sent: &serde_json::Value, budget: &mut usize) {
    let by_name = sent_fields(sent);
    let names = vmdesc_names(&desc.fields);
    lengths_here(desc, sent, &by_name, &names);
    let elements = sent_elements(sent);
    let fields = std::mem::take(&mut desc.fields);
    for (mut f, name) in fields.into_iter().zip(&names) {
        if let Some(listed) = elements.get(name.as_str()) {
            if let Some(each) = element_by_element(&f, listed, budget) {
                desc.fields.extend(each);
                continue;
            }
        }
        let listed = by_name.get(name.as_str());
        if f.field_exists {
            if listed.is_none() {
                continue;
            }
            // Sent whatever the stream's version: QEMU asks the test, not the version.
            f.field_exists = false;
            f.version_id = 0;
        }
        let theirs = listed.copied().flatten();
        let theirs = theirs.as_ref();
        if let Some(len) = sent_array_len(&f, theirs) {
            f.array_len = Some(len);
        }
        if sent_empty(&f, listed.is_some(), sent) {
            f.array_len = Some(0);
        }
        if let Some(size) = sent_size(&f, theirs) {
            f.size = size;
        }
        if let (Some(d), Some(t)) = (f.description.as_deref_mut(), theirs) {
            fit(d, &t["struct"], budget);
        }
        desc.fields.push(f);
    }
    let subsections = sent_subsections(sent);
    for s in loadable_subsections(desc) {
        if let Some(t) = subsections.get(s.name.as_str()) {
            fit(s, t, budget);
        }
    }
}

/// The subsections a load can take: the first of each name (a load looks a subsection up by
/// its name, as QEMU's does). A schema may give several one name (QEMU 11.1's `sd-card`);
/// fitting each to the same vmdesc entry would only repeat the work.
fn loadable_subsections(desc: &mut Desc) -> impl Iterator<Item = &mut Desc> {
    let mut seen = HashSet::new();
    (desc.subsections.iter_mut()).filter(move |s| seen.insert(s.name.clone()))
}

/// The most field entries the element-by-element copies of one array (of elements with fields
/// behind tests) may hold: each entry is some hundred bytes, and a vmdesc listing many
/// elements of a large struct must not make them hundreds of megabytes before the decoder's
/// bound is reached.
const MAX_ELEMENT_COPY_ENTRIES: usize = 1 << 16;

/// Whether `f`, an array of structs listed element by element `n` times, is fitted to those
/// entries ([`element_by_element`]): a dump's array, whose length the dump does not give
/// (untyped, no `array_len`), or one of `n` elements with fields behind tests at any depth,
/// which may differ from element to element. An array of known length and of elements alike
/// is read as it is: their subsections are read element by element from the wire.
fn expands_element_by_element(f: &FieldEntry, n: usize) -> bool {
    let Some(d) = f.description.as_deref() else {
        return false;
    };
    let fixed = f.len.is_none() && f.max_len.is_none();
    let dumps = f.wire_type.is_none() && f.array_len.is_none();
    fixed && (dumps || (has_tests(d) && f.array_len == Some(n as u64)))
}

/// Whether `desc` has a field behind a test, in a nested struct or a subsection too (QEMU's
/// `vmsd_can_compress` looks as deep).
fn has_tests(desc: &Desc) -> bool {
    desc.fields
        .iter()
        .any(|f| f.field_exists || f.description.as_deref().is_some_and(has_tests))
        || desc.subsections.iter().any(has_tests)
}

/// The field entries of `desc`, nested ones and subsections included (saturating).
fn entries(desc: &Desc) -> usize {
    let nested = (desc.fields.iter().chain(&desc.not_on_wire))
        .filter_map(|f| f.description.as_deref())
        .chain(&desc.subsections)
        .fold(0_usize, |n, d| n.saturating_add(entries(d)));
    (1 + desc.fields.len() + desc.not_on_wire.len()).saturating_add(nested)
}

/// An array of structs `f` that the vmdesc lists element by element (`listed`), fitted to
/// what it lists. Elements with fields behind tests (at any depth) may differ: that many
/// structs of one name, each fitted to its own element's entry, decoded as `name[0]`,
/// `name[1]`, ... (copies bounded by [`MAX_ELEMENT_COPY_ENTRIES`] and charged to `budget`).
/// Elements alike: one array of that length, fitted to the first element's entry (their
/// subsections are read element by element). `None` where `f` is not such an array, or the
/// copies would exceed a bound.
fn element_by_element(
    f: &FieldEntry,
    listed: &[&serde_json::Value],
    budget: &mut usize,
) -> Option<Vec<FieldEntry>> {
    let d = f.description.as_deref()?;
    if !expands_element_by_element(f, listed.len()) {
        return None;
    }
    // Listed, so sent whatever the stream's version: QEMU asks the test, not the version.
    let sent = |mut one: FieldEntry| {
        one.field_exists = false;
        one.version_id = 0;
        one
    };
    if !has_tests(d) {
        if !charge_copy(d, budget) {
            return None;
        }
        let mut all = sent(f.clone());
        all.array_len = Some(listed.len() as u64);
        if let (Some(d), Some(first)) = (all.description.as_deref_mut(), listed.first()) {
            fit(d, &first["struct"], budget);
        }
        return Some(vec![all]);
    }
    if entries(d).saturating_mul(listed.len()) > MAX_ELEMENT_COPY_ENTRIES {
        return None;
    }
    let mut each = Vec::with_capacity(listed.len());
    for element in listed {
        if !charge_copy(d, budget) {
            return None;
        }
        let mut one = sent(f.clone());
        one.array_len = None;
        if let Some(d) = one.description.as_deref_mut() {
            fit(d, &element["struct"], budget);
        }
        each.push(one);
    }
    Some(each)
}

/// How well `desc` matches what a vmdesc entry lists: one for each of its fields the entry
/// lists, less one for each it does not that the stream would carry (of the stream's version,
/// not behind a test). Tells which of several descriptions of one name (QEMU's `isa-serial`
/// and `serial-mm` both describe `serial`) the source sent.
pub(super) fn sent_score(desc: &Desc, sent: &serde_json::Value) -> i64 {
    let listed = sent_fields(sent);
    let version = sent["version"].as_u64();
    let names = vmdesc_names(&desc.fields);
    let mut score = 0_i64;
    for (f, name) in desc.fields.iter().zip(&names) {
        if listed.contains_key(name.as_str()) {
            score += 1;
        } else if !f.field_exists && version.is_none_or(|v| u64::from(f.version_id) <= v) {
            score -= 1;
        }
    }
    score
}

/// How many fields a vmdesc entry lists, in its nested structs and subsections too (what
/// looking through it costs).
pub(super) fn listed_fields(sent: &serde_json::Value) -> usize {
    let fields = sent["fields"].as_array().map_or(&[][..], Vec::as_slice);
    let subsections = sent["subsections"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let nested = (fields.iter().map(|f| &f["struct"]))
        .chain(subsections)
        .filter(|d| d.is_object())
        .fold(0_usize, |n, d| n.saturating_add(listed_fields(d)));
    fields.len().saturating_add(nested)
}

/// A sequence whose length is the destination's configuration cannot be decoded from its
/// description alone; QEMU's vmdesc says how long the source's was (`array_len`, or for a
/// bitmap or a byte buffer its bytes). Such a field of `desc` (of values or structs), of
/// its nested structs or of its subsections (the ARM Cortex-R5's MPU regions), becomes an
/// array of that many elements, if no more than its `max_len`.
pub(super) fn lengths_from_vmdesc(desc: &mut Desc, sent: &serde_json::Value) {
    let by_name = sent_fields(sent);
    let names = vmdesc_names(&desc.fields);
    lengths_here(desc, sent, &by_name, &names);
    for (f, name) in desc.fields.iter_mut().zip(&names) {
        if let (Some(d), Some(theirs)) = (
            f.description.as_deref_mut(),
            by_name.get(name.as_str()).copied().flatten(),
        ) {
            lengths_from_vmdesc(d, &theirs["struct"]);
        }
    }
    let subsections = sent_subsections(sent);
    for s in loadable_subsections(desc) {
        if let Some(t) = subsections.get(s.name.as_str()) {
            lengths_from_vmdesc(s, t);
        }
    }
}

/// Where a vmdesc entry lists its fields, by name (the first of each), for
/// [`renamed_entry`]; built once per entry, and only when a field needs it.
struct Positions<'a> {
    listed: &'a [serde_json::Value],
    first_at: HashMap<&'a str, usize>,
}

impl<'a> Positions<'a> {
    fn of(sent: &'a serde_json::Value) -> Self {
        let listed = sent["fields"].as_array().map_or(&[][..], Vec::as_slice);
        let mut first_at = HashMap::new();
        for (i, f) in listed.iter().enumerate() {
            if let Some(name) = f["name"].as_str() {
                first_at.entry(name).or_insert(i);
            }
        }
        Positions { listed, first_at }
    }
}

/// The vmdesc entry of the field at `at` of a description whose fields' vmdesc names are
/// `names` (`ours`, as a set), where the vmdesc does not list that name: QEMU renames fields
/// without changing the wire (the SD card's write-protect bitmap was `wp_groups` before QEMU
/// 7.0, `wp_group_bmap` since). It is the one entry between those of the fields on either
/// side (or between the list's start or end and the first or last field's neighbour), if no
/// field of the description bears its name and it is not padding.
fn renamed_entry<'a>(
    positions: &Positions<'a>,
    names: &[String],
    ours: &HashSet<&str>,
    at: usize,
) -> Option<&'a serde_json::Value> {
    let index_of = |name: &String| positions.first_at.get(name.as_str()).copied();
    let start = match at.checked_sub(1) {
        None => 0,
        Some(previous) => index_of(&names[previous])? + 1,
    };
    let end = match names.get(at + 1) {
        None => positions.listed.len(),
        Some(next) => index_of(next)?,
    };
    if end != start + 1 {
        return None;
    }
    let entry = positions.listed.get(start)?;
    let name = entry["name"].as_str()?;
    let padding = entry["type"] == "unused_buffer";
    (!padding && !ours.contains(name)).then_some(entry)
}

/// [`lengths_from_vmdesc`] for the fields of `desc` itself, with the entry `sent`'s fields by
/// their vmdesc names (`by_name`) and those of `desc`'s fields (`names`).
fn lengths_here(
    desc: &mut Desc,
    sent: &serde_json::Value,
    by_name: &HashMap<&str, Option<&serde_json::Value>>,
    names: &[String],
) {
    // (Borrowed apart from the fields, which change.)
    let configured: HashSet<&str> = desc.not_on_wire.iter().map(|f| f.field.as_str()).collect();
    let mut positions = None;
    let ours: HashSet<&str> = names.iter().map(String::as_str).collect();
    for (at, (f, name)) in desc.fields.iter_mut().zip(names).enumerate() {
        if !counted_by_configuration(f, &configured) {
            continue;
        }
        let elem = f
            .wire_type
            .as_deref()
            .and_then(|t| t.strip_prefix("varray:"));
        let theirs = match by_name.get(name.as_str()) {
            Some(listed) => *listed,
            None => {
                let positions = positions.get_or_insert_with(|| Positions::of(sent));
                renamed_entry(positions, names, &ours, at)
            }
        };
        let (Some(elem), Some(theirs)) = (elem, theirs) else {
            continue;
        };
        // A byte buffer's size is 0 in the description (QEMU's VBUFFER): its elements are bytes.
        let elem_size = if elem == "uint8" { 1 } else { f.size };
        let len = match theirs.get("array_len") {
            Some(n) => n.as_u64(),
            None => (theirs["size"].as_u64())
                .filter(|bytes| elem_size > 0 && bytes % elem_size == 0)
                .map(|bytes| bytes / elem_size),
        };
        let Some(len) = len.filter(|&n| f.max_len.is_none_or(|max| n <= max)) else {
            continue;
        };
        f.wire_type = Some(elem.to_owned());
        f.size = elem_size;
        f.array_len = Some(len);
        f.len = None;
        f.max_len = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The name of the entry `renamed_entry` finds for field `at` of fields `ours` in the
    /// vmdesc entry `sent`.
    fn renamed<'a>(sent: &'a serde_json::Value, ours: &[&str], at: usize) -> Option<&'a str> {
        let names: Vec<String> = ours.iter().map(|n| (*n).to_owned()).collect();
        let set: HashSet<&str> = ours.iter().copied().collect();
        let positions = Positions::of(sent);
        renamed_entry(&positions, &names, &set, at).map(|e| e["name"].as_str().unwrap())
    }

    fn vmdesc(listed: &[(&str, &str)]) -> serde_json::Value {
        let fields: Vec<_> = (listed.iter())
            .map(|(name, ty)| json!({"name": name, "type": ty, "size": 8}))
            .collect();
        json!({ "fields": fields })
    }

    #[test]
    fn a_renamed_field_is_the_one_entry_between_its_neighbours() {
        let ours = ["vhs", "wp_group_bmap", "blk_len"];
        let qemu_5_2 = vmdesc(&[
            ("vhs", "uint32"),
            ("wp_groups", "bitmap"),
            ("blk_len", "uint32"),
        ]);
        assert_eq!(renamed(&qemu_5_2, &ours, 1), Some("wp_groups"));
        // First and last fields: between the list's start or end and their one neighbour.
        let first = vmdesc(&[("bitmap", "bitmap"), ("blk_len", "uint32")]);
        assert_eq!(renamed(&first, &["wp", "blk_len"], 0), Some("bitmap"));
        let last = vmdesc(&[("vhs", "uint32"), ("bitmap", "bitmap")]);
        assert_eq!(renamed(&last, &["vhs", "wp"], 1), Some("bitmap"));
    }

    #[test]
    fn anything_else_between_the_neighbours_is_not_taken() {
        let ours = ["vhs", "wp_group_bmap", "blk_len"];
        // Not sent: nothing between.
        let none = vmdesc(&[("vhs", "uint32"), ("blk_len", "uint32")]);
        assert_eq!(renamed(&none, &ours, 1), None);
        // Two entries between: which one is not known.
        let two = vmdesc(&[
            ("vhs", "uint32"),
            ("a", "bitmap"),
            ("b", "bitmap"),
            ("blk_len", "uint32"),
        ]);
        assert_eq!(renamed(&two, &ours, 1), None);
        // A neighbour the vmdesc does not list.
        let no_neighbour = vmdesc(&[("wp_groups", "bitmap"), ("blk_len", "uint32")]);
        assert_eq!(renamed(&no_neighbour, &ours, 1), None);
        // An entry bearing one of the description's own names is that field's (here the
        // position alone would take it: the neighbours' first entries are 0 and 2).
        let own = vmdesc(&[("vhs", "uint32"), ("vhs", "bitmap"), ("blk_len", "uint32")]);
        assert_eq!(renamed(&own, &ours, 1), None);
        // Padding (QEMU names it by position: `unused[1]`) is no renamed field.
        let padding = vmdesc(&[
            ("vhs", "uint32"),
            ("unused[1]", "unused_buffer"),
            ("blk_len", "uint32"),
        ]);
        assert_eq!(renamed(&padding, &ours, 1), None);
    }

    #[test]
    fn elements_are_listed_in_order_with_an_index_or_without_one() {
        let element = |index: Option<u64>| match index {
            Some(i) => json!({"name": "e", "index": i, "type": "struct", "struct": {}}),
            None => json!({"name": "e", "type": "struct", "struct": {}}),
        };
        let lengths = |listed: &[Option<u64>]| {
            let fields: Vec<_> = listed.iter().map(|&i| element(i)).collect();
            let sent = json!({ "fields": fields });
            sent_elements(&sent).get("e").map(Vec::len)
        };
        assert_eq!(lengths(&[Some(0), Some(1), Some(2)]), Some(3));
        // All but the last (a QEMU between 7.2 and 11.1), or none (11.1): in order.
        assert_eq!(lengths(&[Some(0), Some(1), None]), Some(3));
        assert_eq!(lengths(&[None, None, None]), Some(3));
        // One entry is no element-by-element listing; an index out of order is not taken.
        assert_eq!(lengths(&[None]), None);
        assert_eq!(lengths(&[Some(1), Some(0)]), None);
        assert_eq!(lengths(&[None, Some(0)]), None);
    }
}
