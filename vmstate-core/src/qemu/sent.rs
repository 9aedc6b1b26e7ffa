//! What a QEMU stream's vmdesc (its JSON trailer) says a section sent, compared with the
//! description of the device that is to load it. QEMU's own loader never reads the vmdesc, so
//! a source whose device has another layout at the same version (a downstream build that
//! added a field without a version bump, two fields swapped) loads garbage there; here, with
//! [`LoadOptions::check_vmdesc`](super::LoadOptions::check_vmdesc), such a section is refused
//! before any device changes. The vmdesc is input too: every value in it is checked as read.

use crate::schema::{Desc, FieldEntry};
use crate::{Error, ErrorKind};
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// The entry of section (`idstr`, `instance`) in a stream's vmdesc
/// ([`Stream::vmdesc`](super::Stream::vmdesc)): what QEMU says it sent, its `fields` and
/// `subsections`.
///
/// ```
/// let vmdesc = serde_json::json!({"devices": [
///     {"name": "pl011", "instance_id": 0, "vmsd_name": "pl011", "fields": []},
///     {"name": "pl011", "instance_id": 1, "vmsd_name": "pl011", "fields": []},
/// ]});
/// let second = vmstate_core::qemu::sent_description(&vmdesc, "pl011", 1).unwrap();
/// assert_eq!(second["instance_id"], 1);
/// assert!(vmstate_core::qemu::sent_description(&vmdesc, "pl011", 2).is_none());
/// ```
pub fn sent_description<'v>(vmdesc: &'v Value, idstr: &str, instance: u32) -> Option<&'v Value> {
    (vmdesc["devices"].as_array()?.iter())
        .find(|d| sent_key(d) == Some((idstr, u64::from(instance))))
}

/// The section a vmdesc entry describes: its idstr and instance (`None` for an entry that
/// gives neither as it should, which describes no section).
///
/// ```
/// let entry = serde_json::json!({"name": "pl011", "instance_id": 1, "fields": []});
/// assert_eq!(vmstate_core::qemu::sent_key(&entry), Some(("pl011", 1)));
/// assert_eq!(vmstate_core::qemu::sent_key(&serde_json::json!({"name": "pl011"})), None);
/// ```
pub fn sent_key(entry: &Value) -> Option<(&str, u64)> {
    Some((entry["name"].as_str()?, entry["instance_id"].as_u64()?))
}

/// The vmdesc entries of `sections` (each an idstr and instance), parsed; the other entries
/// are only scanned, as a whole vmdesc (a machine's devices) is large and a load wants a
/// few. `Err` where the JSON does not read as a vmdesc (an object whose `devices`, if there,
/// is a list), or lists one of `sections` twice (the stream's reader sized the section by
/// one of them, this would compare the other).
pub(crate) fn sent_entries(
    json: &[u8],
    sections: &[(&str, u32)],
) -> Result<Vec<Option<Value>>, String> {
    #[derive(serde::Deserialize)]
    struct Vmdesc<'a> {
        #[serde(borrow, default)]
        devices: Vec<&'a RawValue>,
    }
    let vmdesc: Vmdesc = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    let wanted: HashMap<(&str, u64), usize> = (sections.iter().enumerate())
        .map(|(at, &(idstr, instance))| ((idstr, u64::from(instance)), at))
        .collect();
    let mut found: Vec<Option<Value>> = vec![None; sections.len()];
    for entry in vmdesc.devices {
        // An entry without a name or instance is no section's, as `sent_description` has it.
        let Some((name, instance)) = entry_key(entry.get()) else {
            continue;
        };
        let Some(&at) = wanted.get(&(name.as_ref(), instance)) else {
            continue;
        };
        if found[at].is_some() {
            return Err(format!(
                "it lists `{}` instance {instance} twice",
                name.escape_debug()
            ));
        }
        found[at] = Some(serde_json::from_str(entry.get()).map_err(|e| e.to_string())?);
    }
    Ok(found)
}

/// A vmdesc entry's `name` and `instance_id`, read from the front of its text no further than
/// both: QEMU writes them first, before the entry's long `fields`, so the entries no device
/// wants are lexed once (by the split into entries), not twice. `None` for an entry that is
/// not an object with both, of a string and an unsigned integer, or that gives either twice
/// before it gives both.
fn entry_key(entry: &str) -> Option<(Cow<'_, str>, u64)> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    use std::fmt;

    /// A string, borrowed from the text where it has no escapes.
    struct Text<'de>(Cow<'de, str>);
    impl<'de> serde::Deserialize<'de> for Text<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Text<'de>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                    Ok(Text(Cow::Borrowed(v)))
                }
                fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                    Ok(Text(Cow::Owned(v.to_owned())))
                }
            }
            d.deserialize_str(V)
        }
    }

    /// Fills its slot once both are read, and stops there (the map's end is not reached,
    /// which the caller's error then says: the slot is what counts).
    struct KeyOf<'s, 'de>(&'s mut Option<(Cow<'de, str>, u64)>);
    impl<'de> Visitor<'de> for KeyOf<'_, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a vmdesc entry")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let (mut name, mut instance) = (None, None);
            while let Some(Text(key)) = map.next_key::<Text>()? {
                match key.as_ref() {
                    "name" if name.is_none() => name = Some(map.next_value::<Text>()?.0),
                    "instance_id" if instance.is_none() => instance = Some(map.next_value()?),
                    "name" | "instance_id" => return Ok(()),
                    _ => map.next_value::<IgnoredAny>().map(drop)?,
                }
                if let (Some(_), Some(_)) = (&name, &instance) {
                    *self.0 = name.zip(instance);
                    return Ok(());
                }
            }
            Ok(())
        }
    }

    let mut key = None;
    let mut d = serde_json::Deserializer::from_str(entry);
    let _ = d.deserialize_map(KeyOf(&mut key));
    key
}

/// The names QEMU's vmdesc gives `fields` (all of a description's fields on QEMU's wire, in
/// order, sent or not): a name that several fields share gets the field's place among them,
/// `unused[0]`, `unused[1]` (QEMU's `vmfield_name_num`).
///
/// ```
/// use vmstate_core::{schema::Desc, Unused, VmState};
/// #[derive(VmState)]
/// struct Dev { a: u8, pad: Unused<2>, b: u8, #[vmstate(name = "unused")] pad2: Unused<4> }
/// let desc = Desc::from_description(Dev::DESCRIPTION);
/// let names = vmstate_core::qemu::vmdesc_names(&desc.fields);
/// assert_eq!(names, ["a", "unused[0]", "b", "unused[1]"]);
/// ```
pub fn vmdesc_names(fields: &[FieldEntry]) -> Vec<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for f in fields {
        *count.entry(&f.field).or_default() += 1;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    (fields.iter())
        .map(|f| match count[f.field.as_str()] {
            1 => f.field.clone(),
            _ => {
                let nth = seen.entry(&f.field).or_default();
                *nth += 1;
                format!("{}[{}]", f.field, *nth - 1)
            }
        })
        .collect()
}

/// Whether a vmdesc entry `sent` (a section's, from [`sent_description`]) says that the
/// section sent at `version` what `ours` loads at that version: the same field names in
/// the same order (a field behind a version above `version` is not sent; one behind a test
/// is, where the vmdesc lists it; a sequence counted by another field is not listed when
/// empty), the same wire types, element sizes and array lengths (a buffer's or padding's
/// bytes as a whole), nested structs alike (each element of an array QEMU lists element by
/// element), and only subsections `ours` has, at a version it loads, alike in turn. A
/// renamed field is a difference: a rename cannot be told from a replacement. QEMU's own
/// names for what a port encodes alike are taken (see [`same_wire_type`]); a hand-written
/// field's type name is not compared, its size is. What the entry leaves out (a type, a
/// description's name or version) is not compared, nor a nested struct's version (QEMU
/// loads it at the destination's); what it gives of the wrong JSON type is a difference.
/// The entry says what was sent, not the data: which subsections the data holds is left to
/// the load, as is whether `ours` loads `version` at all
/// ([`check_version`](crate::check_version)).
///
/// ```
/// use vmstate_core::{qemu, schema::Desc, VmState};
/// #[derive(VmState)]
/// #[vmstate(name = "timer")]
/// struct Timer { load: u32, control: u8 }
///
/// let ours = Desc::from_description(Timer::DESCRIPTION);
/// let sent = serde_json::json!({"vmsd_name": "timer", "version": 1, "fields": [
///     {"name": "load", "type": "uint32", "size": 4},
///     {"name": "control", "type": "uint8", "size": 1}]});
/// qemu::check_sent(&ours, &sent, 1).unwrap();
///
/// // A build that sends the fields the other way round, at the same version.
/// let swapped = serde_json::json!({"vmsd_name": "timer", "version": 1, "fields": [
///     {"name": "control", "type": "uint8", "size": 1},
///     {"name": "load", "type": "uint32", "size": 4}]});
/// let err = qemu::check_sent(&ours, &swapped, 1).unwrap_err();
/// assert_eq!(err.path(), "timer");
/// assert!(err.to_string().contains("QEMU's vmdesc lists `control` as field 0 (counting from 0), where the destination reads `load`"), "{err}");
/// ```
///
/// # Errors
///
/// [`ErrorKind::VmdescMismatch`], its path where the first difference is.
pub fn check_sent(ours: &Desc, sent: &Value, version: u32) -> Result<(), Error> {
    // `write_stream`'s entry for state whose size varies: one buffer, where the description
    // has fields of its own.
    let one_buffer = match list(sent, "fields") {
        Ok([only]) => only["name"] == "data" && only["type"] == "buffer",
        _ => false,
    };
    let opaque = one_buffer && !matches!(ours.fields.as_slice(), [only] if only.field == "data");
    compare(ours, sent, Some(version))
        .map_err(|e| match (opaque, e.kind()) {
            (true, ErrorKind::VmdescMismatch(why)) => {
                let size = shown_number(sent["fields"][0]["size"].as_u64());
                mismatch(format!(
                    "the vmdesc gives the section as one buffer of {size} bytes, not its \
                     fields (as `write_stream` does for state whose size varies), so they \
                     cannot be compared: {why}"
                ))
            }
            _ => e,
        })
        .map_err(|e| e.in_named(ours.name.clone()))
}

/// A difference between a vmdesc and a description (or no vmdesc to compare with).
pub(crate) fn mismatch(why: String) -> Error {
    Error::new(ErrorKind::VmdescMismatch(why))
}

/// A member of a vmdesc entry that must be a list, if there.
fn list<'v>(entry: &'v Value, key: &str) -> Result<&'v [Value], Error> {
    match entry.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(v) => Err(mismatch(format!(
            "QEMU's vmdesc gives `{key}` {}, not a list",
            shown_json(v)
        ))),
    }
}

/// A member of a vmdesc entry that must be a number, if there.
fn number(entry: &Value, key: &str) -> Result<Option<u64>, Error> {
    match entry.get(key) {
        None => Ok(None),
        Some(v) => (v.as_u64().map(Some)).ok_or_else(|| {
            mismatch(format!(
                "QEMU's vmdesc gives `{key}` {}, not a count",
                shown_json(v)
            ))
        }),
    }
}

/// A member of a vmdesc entry that must be a string, if there.
fn string<'v>(entry: &'v Value, key: &str) -> Result<Option<&'v str>, Error> {
    match entry.get(key) {
        None => Ok(None),
        Some(v) => (v.as_str().map(Some)).ok_or_else(|| {
            mismatch(format!(
                "QEMU's vmdesc gives `{key}` {}, not a string",
                shown_json(v)
            ))
        }),
    }
}

/// A JSON value of the vmdesc as a message quotes it: its first 60 characters (the vmdesc
/// is input, and may hold anything).
fn shown_json(v: &Value) -> String {
    shown_text(&v.to_string())
}

/// A name from the vmdesc as a message quotes it: escaped, its first 60 characters.
fn shown_text(text: &str) -> String {
    let text = text.escape_debug().to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// A field's name from the vmdesc as a message shows it: in backticks, or that it has none.
fn shown_name(name: Option<&str>) -> String {
    name.map_or_else(
        || "a field with no name".to_owned(),
        |n| format!("`{}`", shown_text(n)),
    )
}

/// [`check_sent`] of a description (the section's, a nested struct's or a subsection's);
/// `version` is the one its fields load at: the section's, a subsection's as sent, or, for
/// a nested struct, `None`: QEMU loads it at the destination's own version, so its version
/// in the vmdesc is not compared (a difference there shows in its fields).
fn compare(ours: &Desc, sent: &Value, version: Option<u32>) -> Result<(), Error> {
    if let Some(name) = string(sent, "vmsd_name")? {
        if name != ours.name {
            return Err(mismatch(format!(
                "QEMU's vmdesc describes `{}` here, the destination `{}`",
                shown_text(name),
                ours.name
            )));
        }
    }
    let sent_version = number(sent, "version")?;
    if let (Some(theirs), Some(version)) = (sent_version, version) {
        if theirs != u64::from(version) {
            return Err(mismatch(format!(
                "QEMU's vmdesc gives version {theirs}, the stream's data {version}"
            )));
        }
    }
    let version = version.unwrap_or(ours.version_id);
    let fields = list(sent, "fields")?;
    let names: HashSet<&str> = fields.iter().filter_map(|f| f["name"].as_str()).collect();
    let ours_sent =
        (ours.fields.iter())
            .zip(vmdesc_names(&ours.fields))
            .filter(|(f, name)| match f.field_exists {
                // QEMU asks the test, not the version: the vmdesc says what it answered.
                true => names.contains(name.as_str()),
                false => f.version_id <= version,
            });
    let mut theirs = fields.iter().enumerate().peekable();
    // A counted sequence just passed over as sent empty, which a difference may be about.
    let mut passed_over: Option<String> = None;
    for (field, name) in ours_sent {
        // QEMU lists a sequence counted by another field once per element sent, or once for
        // them all: not at all when the count was 0.
        let listed_next = theirs.peek().is_some_and(|(_, f)| f["name"] == *name);
        if field.len.is_some() && !listed_next {
            passed_over = Some(name);
            continue;
        }
        // What the destination reads here: this field, or the counted one before it.
        let reads = match passed_over.take() {
            Some(counted) => format!("`{counted}`, or `{name}` if `{counted}` was sent empty"),
            None => format!("`{name}`"),
        };
        let Some((at, first)) = theirs.next() else {
            return Err(mismatch(format!(
                "QEMU's vmdesc ends after {} fields, where the destination reads {reads}",
                fields.len()
            )));
        };
        let their_name = first["name"].as_str();
        if their_name != Some(name.as_str()) {
            return Err(mismatch(format!(
                "QEMU's vmdesc lists {} as field {at} (counting from 0), where the \
                 destination reads {reads}",
                shown_name(their_name)
            )));
        }
        // An array QEMU lists element by element, each under the array's name: one whose
        // elements may differ (behind a test, or structs with such fields or subsections).
        let mut elements = vec![first];
        while let Some((_, next)) = theirs.next_if(|(_, f)| f["name"] == *name) {
            elements.push(next);
        }
        compare_field(field, &elements).map_err(|e| e.in_named(field.field.clone()))?;
    }
    if let Some((at, extra)) = theirs.next() {
        return Err(mismatch(format!(
            "QEMU's vmdesc lists {} as field {at} (counting from 0), after the \
             destination's last",
            shown_name(extra["name"].as_str())
        )));
    }
    for sub in list(sent, "subsections")? {
        let Some(name) = string(sub, "vmsd_name")? else {
            return Err(mismatch(
                "QEMU's vmdesc lists a subsection with no name".into(),
            ));
        };
        let Some(ours) = ours.subsections.iter().find(|s| s.name == name) else {
            return Err(mismatch(format!(
                "QEMU sent subsection `{}`, which the destination does not have",
                shown_text(name)
            )));
        };
        let sub_version = number(sub, "version")?.unwrap_or(u64::from(ours.version_id));
        let loads = u64::from(ours.minimum_version_id)..=u64::from(ours.version_id);
        let Some(sub_version) = (loads.contains(&sub_version))
            .then(|| u32::try_from(sub_version).ok())
            .flatten()
        else {
            return Err(mismatch(format!(
                "QEMU sent subsection `{name}` at version {sub_version}, the destination \
                 loads versions {} to {}",
                ours.minimum_version_id, ours.version_id
            )));
        };
        compare(ours, sub, Some(sub_version)).map_err(|e| e.in_named(name.to_owned()))?;
    }
    Ok(())
}

/// Whether a field is bytes whose vmdesc entry QEMU sizes as a whole (a buffer, padding):
/// its elements' size and count are not QEMU's.
fn sized_as_a_whole(ours: Option<&str>, theirs: Option<&str>) -> bool {
    let ours = ours.unwrap_or("");
    matches!(ours, "buffer" | "unused")
        || ours.starts_with("removed:")
        || matches!(
            theirs,
            Some("buffer" | "unused_buffer" | "pci config" | "pci irq state" | "bitmap")
        )
}

/// Compares one field with its vmdesc entry, or with the entries of its elements where
/// QEMU lists them one by one (each with its `index`, where given).
fn compare_field(field: &FieldEntry, elements: &[&Value]) -> Result<(), Error> {
    let counted = field.len.is_some();
    if let [_, _, ..] = elements {
        let ours = field.array_len.unwrap_or(1);
        if !counted && ours != elements.len() as u64 {
            return Err(mismatch(format!(
                "the destination's field has {}, QEMU's vmdesc lists {}",
                elements_of(ours),
                elements.len()
            )));
        }
        // Each element is compared in turn: no more than the destination takes.
        check_max_len(field, elements.len() as u64)?;
        for (i, element) in elements.iter().enumerate() {
            if let Some(index) = number(element, "index")? {
                if index != i as u64 {
                    return Err(mismatch(format!(
                        "QEMU's vmdesc lists element {index} where element {i} belongs"
                    )));
                }
            }
            compare_element(field, element).map_err(|e| e.in_index(i))?;
        }
        return Ok(());
    }
    let theirs = elements[0];
    compare_element(field, theirs)?;
    // An array listed once: its length (none for one element, and what this stream held
    // for a counted sequence, which the destination takes up to its `max_len`).
    let their_len = number(theirs, "array_len")?.unwrap_or(1);
    let whole = sized_as_a_whole(field.wire_type.as_deref(), string(theirs, "type")?);
    if counted {
        // A counted byte buffer (QEMU's `VMSTATE_VBUFFER`) is listed as one buffer of the
        // bytes sent.
        let listed = match (field.size, string(theirs, "type")?) {
            (0, Some("buffer")) => number(theirs, "size")?.unwrap_or(0),
            _ => their_len,
        };
        return check_max_len(field, listed);
    }
    let ours = field.array_len.unwrap_or(1);
    match whole || ours == their_len {
        true => Ok(()),
        false => Err(mismatch(format!(
            "the destination's field has {}, QEMU's vmdesc gives {their_len}",
            elements_of(ours)
        ))),
    }
}

/// Refuses more elements than a counted sequence takes.
fn check_max_len(field: &FieldEntry, listed: u64) -> Result<(), Error> {
    match field.max_len.filter(|&max| listed > max) {
        Some(max) => Err(mismatch(format!(
            "the destination takes at most {}, QEMU's vmdesc lists {listed}",
            elements_of(max)
        ))),
        None => Ok(()),
    }
}

/// Compares one element's vmdesc entry (or the whole array's, listed once) with the
/// field's: its type, its nested struct, its size.
fn compare_element(field: &FieldEntry, theirs: &Value) -> Result<(), Error> {
    let their_type = string(theirs, "type")?;
    let ours_type = field.wire_type.as_deref();
    if let (Some(ours), Some(theirs)) = (ours_type, their_type) {
        if !same_wire_type(ours, theirs) {
            // A counted sequence by its element type, as QEMU names it.
            let ours = ours.strip_prefix("varray:").unwrap_or(ours);
            return Err(mismatch(format!(
                "the destination's type is `{ours}`, QEMU's vmdesc gives `{}`",
                shown_text(theirs)
            )));
        }
    }
    let their_size = number(theirs, "size")?;
    match (&field.description, theirs.get("struct")) {
        (Some(nested), Some(s)) => compare(nested, s, None),
        // A counted byte buffer's size is 0 as in QEMU's dumps, a bitmap's is its bytes in
        // this stream.
        (None, None)
            if field.len.is_some() && (field.size == 0 || their_type == Some("bitmap")) =>
        {
            Ok(())
        }
        (None, None) if sized_as_a_whole(ours_type, their_type) => {
            let their_len = number(theirs, "array_len")?.unwrap_or(1);
            let their_bytes = their_size.and_then(|s| s.checked_mul(their_len));
            match Some(field.total_size()) == their_bytes {
                true => Ok(()),
                false => Err(mismatch(format!(
                    "the destination's field has {} bytes, QEMU's vmdesc gives {}",
                    field.total_size(),
                    shown_number(their_bytes)
                ))),
            }
        }
        (None, None) => match Some(field.size) == their_size {
            true => Ok(()),
            false => Err(mismatch(format!(
                "the destination's elements have {} bytes, QEMU's vmdesc gives {}",
                field.size,
                shown_number(their_size)
            ))),
        },
        (Some(_), None) => Err(mismatch(
            "the destination's field is a nested struct, QEMU's vmdesc gives a plain field"
                .to_owned(),
        )),
        (None, Some(_)) => Err(mismatch(
            "the destination's field is a plain field, QEMU's vmdesc gives a nested struct"
                .to_owned(),
        )),
    }
}

/// "1 element" or "n elements".
fn elements_of(n: u64) -> String {
    match n {
        1 => "1 element".to_owned(),
        n => format!("{n} elements"),
    }
}

fn shown_number(n: Option<u64>) -> String {
    n.map_or_else(|| "no size".to_owned(), |n| n.to_string())
}

/// Whether a schema's wire type is what QEMU's vmdesc calls it: a counted sequence by its
/// element, padding as `unused_buffer` (or a `buffer`: QEMU 10's `globalstate` has a buffer
/// field named `unused` that it ignores), a `VMSTATE_TIMER_PTR` (an expiry time) as an
/// `int64`, a `VMSTATE_BITMAP` (big-endian 64-bit words) as `uint64`s, the ARM CPU's `cpsr`,
/// `fpscr` and `powered_off` (accessors of a plain value) as what they put, an `int32 le` as
/// an `int32`, an `... equal` as its type, a `vstruct` as a `struct`, PCI's `pci config` as a `buffer`
/// and `pci irq state` as `int32`s, and a counted `u8` sequence as a `VMSTATE_VBUFFER`'s
/// `buffer`. A QEMU `buffer` must be a `#[vmstate(buffer)]` one, not a `uint8` array. A
/// hand-written field's own type name is not compared.
///
/// ```
/// use vmstate_core::qemu::same_wire_type;
/// assert!(same_wire_type("removed:uint32", "unused_buffer"));
/// assert!(same_wire_type("int64", "timer"));
/// assert!(!same_wire_type("uint32", "uint16"));
/// assert!(same_wire_type("fifo8", "uint8")); // a hand-written field's own name
/// ```
pub fn same_wire_type(ours: &str, theirs: &str) -> bool {
    // A byte sequence counted by another field is QEMU's `VMSTATE_VBUFFER*` (a Fifo8's data).
    if (ours, theirs) == ("varray:uint8", "buffer") {
        return true;
    }
    let ours = ours.strip_prefix("varray:").unwrap_or(ours);
    // `Removed<T>` padding is QEMU's unused bytes.
    let ours = if ours.starts_with("removed:") {
        "unused"
    } else {
        ours
    };
    match (ours, theirs) {
        ("unused", "unused_buffer" | "buffer") | ("int64", "timer") | ("uint64", "bitmap") => true,
        // The ARM CPU's accessors, which put a plain big-endian value (or a byte), and
        // `VMSTATE_INT32_POSITIVE_LE`'s, an int32 checked against the destination's.
        ("uint32", "cpsr" | "fpscr") | ("uint8", "powered_off") | ("int32", "int32 le") => true,
        // `VMSTATE_*_EQUAL` (an `equal` field; QEMU names the 64-bit one `int64 equal`), a
        // `VMSTATE_VSTRUCT` (a struct of the version its field gives), and PCI's own infos:
        // the config space as a buffer, `irq_state` as four be32s.
        ("int32", "int32 equal") | ("uint8", "uint8 equal") | ("uint16", "uint16 equal") => true,
        ("uint32", "uint32 equal") | ("uint64", "int64 equal") | ("struct", "vstruct") => true,
        ("buffer", "pci config") | ("int32", "pci irq state") => true,
        (ours, theirs) if ours == theirs => true,
        (ours, _) => ![
            "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
            "unused", "struct", "buffer", "float32", "float64", "string",
        ]
        .contains(&ours),
    }
}

#[cfg(test)]
mod tests {
    use super::{entry_key, sent_entries};

    #[test]
    fn an_entry_key_is_read_from_the_front_as_the_full_parse_reads_it() {
        let key = |text: &str| entry_key(text).map(|(name, n)| (name.into_owned(), n));
        let pl011 = Some(("pl011".to_owned(), 1));
        assert_eq!(
            key(r#"{"name": "pl011", "instance_id": 1, "fields": []}"#),
            pl011
        );
        // In any order, with what comes before them skipped whole.
        let after =
            r#"{"fields": [{"name": "x", "instance_id": 9}], "instance_id": 1, "name": "pl011"}"#;
        assert_eq!(key(after), pl011);
        // An escaped name is unescaped.
        assert_eq!(
            key(r#"{"name": "a\"b", "instance_id": 0}"#),
            Some(("a\"b".to_owned(), 0))
        );
        // No section's: not an object, a key missing or of another type, one given twice
        // before both are.
        for text in [
            r#"[1, 2]"#,
            r#""pl011""#,
            r#"{"name": "pl011"}"#,
            r#"{"name": "pl011", "instance_id": -1}"#,
            r#"{"name": "pl011", "instance_id": 1.5}"#,
            r#"{"name": 3, "instance_id": 1}"#,
            r#"{"name": "a", "name": "b", "instance_id": 1}"#,
            r#"{"instance_id": 1, "instance_id": 2, "name": "a"}"#,
        ] {
            assert_eq!(key(text), None, "{text}");
        }
    }

    #[test]
    fn wanted_entries_are_parsed_whole_and_a_section_listed_twice_is_refused() {
        let json = br#"{"devices": [
            {"vmsd_name": "timer", "name": "timer", "instance_id": 0, "fields": [{"field": "a"}]},
            {"name": "uart", "instance_id": 0, "fields": []}
        ]}"#;
        let found = sent_entries(json, &[("timer", 0), ("rtc", 0)]).unwrap();
        assert_eq!(found[0].as_ref().unwrap()["fields"][0]["field"], "a");
        assert!(found[1].is_none());
        let twice = br#"{"devices": [{"name": "uart", "instance_id": 0}, {"instance_id": 0, "name": "uart"}]}"#;
        let err = sent_entries(twice, &[("uart", 0)]).unwrap_err();
        assert!(err.contains("lists `uart` instance 0 twice"), "{err}");
    }
}
