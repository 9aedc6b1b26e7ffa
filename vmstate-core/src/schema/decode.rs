//! Decoding a section with nothing but its schema: how `vmstate inspect` reads a stream
//! whose device types it does not have (like QEMU's `analyze-migration.py` with the vmdesc).

use super::{Desc, Discriminant, FieldEntry};
use crate::error::{Error, ErrorKind};
use crate::wire::{Decoder, NativeDecoder, QemuDecoder, Scalar};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Which wire format the bytes are in.
///
/// ```
/// use vmstate_core::schema::{decode, Desc, Format};
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "uart")]
/// struct Uart { #[vmstate(immutable)] base: u32, lcr: u8 }
///
/// let uart = Uart { base: 0x1000, lcr: 3 };
/// let desc = Desc::from_description(Uart::DESCRIPTION);
/// let native = vmstate_core::to_bytes(&uart).unwrap();
/// let fields = vmstate_core::read_frame(&native, 0).unwrap().fields;
/// let (value, _) = decode(&desc, Format::Native, fields, 1, 0).unwrap();
/// assert_eq!(value["base"], 0x1000);
/// assert_eq!(value["lcr"], 3);
///
/// let (value, _) = decode(&desc, Format::Qemu, &[3], 1, 0).unwrap();
/// assert!(value.get("base").is_none()); // not on QEMU's wire
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// This crate's native format (immutable fields travel).
    Native,
    /// QEMU's VMState format.
    Qemu,
}

/// Decodes section data written with `version` into a JSON object of fields by name (nested
/// structs as objects; arrays as lists, arrays of arrays flat as QEMU describes them; bytes,
/// `[u8; N]` and `Vec<u8>` as hex strings; a fieldless enum's values as the names of their
/// variants; 128-bit integers, NaN and infinities as strings; padding left out), with the subsections that arrived under `"subsections"`. `base` is the
/// data's offset, for error messages. Returns the object and the number of bytes used.
///
/// The schema is input too: a version outside the description's range is refused, sizes are
/// checked against the data before anything is taken, and a decode visits at most 2^20
/// values and fields (see [`decode_with_budget`] to share that bound between several; a
/// field counts once more for each 32 bytes of its name, which the output repeats, and a
/// native struct once more for each field it has off the wire, which the decode looks
/// through).
///
/// ```
/// use vmstate_core::schema::{decode, Desc, Format};
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "icp_pic")]
/// struct IcpPic { level: u32, irq_enabled: u32, fiq_enabled: u32 }
///
/// let desc = Desc::from_description(IcpPic::DESCRIPTION);
/// let bytes = vmstate_core::qemu::to_bytes(&IcpPic { level: 0, irq_enabled: 0x300, fiq_enabled: 0x40 }).unwrap();
/// let (value, used) = decode(&desc, Format::Qemu, &bytes, 1, 0).unwrap();
/// assert_eq!(value["irq_enabled"], 0x300);
/// assert_eq!(used, 12);
/// ```
pub fn decode(
    desc: &Desc,
    format: Format,
    bytes: &[u8],
    version: u32,
    base: usize,
) -> Result<(Value, usize), Error> {
    decode_with_budget(desc, format, bytes, version, base, &mut MAX_VALUES.clone())
}

/// [`decode`] that counts the values and fields it visits against `budget` (what is left of
/// it stays there), for a caller that decodes many sections and keeps their values.
///
/// ```
/// use vmstate_core::schema::{decode_with_budget, Desc, Format};
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// struct Regs { a: u32, b: u32 }
///
/// let desc = Desc::from_description(Regs::DESCRIPTION);
/// let bytes = vmstate_core::qemu::to_bytes(&Regs { a: 1, b: 2 }).unwrap();
/// let mut budget = 3;
/// assert!(decode_with_budget(&desc, Format::Qemu, &bytes, 1, 0, &mut budget).is_ok());
/// assert!(decode_with_budget(&desc, Format::Qemu, &bytes, 1, 0, &mut budget).is_err());
/// ```
pub fn decode_with_budget(
    desc: &Desc,
    format: Format,
    bytes: &[u8],
    version: u32,
    base: usize,
    budget: &mut usize,
) -> Result<(Value, usize), Error> {
    let base = crate::wire::clamp_base(base, bytes);
    crate::check_version_range(version, desc.minimum_version_id, desc.version_id)
        .map_err(|e| e.or_offset(base).in_named(desc.name.clone()))?;
    match format {
        Format::Native => {
            let mut d = NativeDecoder::new(bytes, base);
            let v = walk(desc, &mut d, version, true, budget)?;
            Ok((v, d.offset() - base))
        }
        Format::Qemu => {
            let mut d = QemuDecoder::new(bytes, base);
            let v = walk(desc, &mut d, version, false, budget)?;
            Ok((v, d.offset() - base))
        }
    }
}

/// The fields on the wire of `format`, in wire order.
fn wire_fields(desc: &Desc, native: bool) -> Vec<&FieldEntry> {
    let mut fields: Vec<&FieldEntry> = desc.fields.iter().collect();
    if native {
        fields.extend(
            desc.not_on_wire
                .iter()
                .filter(|f| matches!(f.kind(), "immutable" | "migrated")),
        );
        if fields.iter().all(|f| f.pos.is_some()) {
            fields.sort_by_key(|f| f.pos);
        }
    }
    fields
}

fn unsupported(what: String, at: usize) -> Error {
    Error::at(ErrorKind::Format(what), at)
}

/// The error for a type whose encoding only its own `Field` impl knows.
fn hand_written(ty: &str, at: usize) -> Error {
    unsupported(
        format!(
            "type `{ty}` has a hand-written encoding; it cannot be decoded from the schema alone"
        ),
        at,
    )
}

fn walk<D: Decoder>(
    desc: &Desc,
    d: &mut D,
    version: u32,
    native: bool,
    budget: &mut usize,
) -> Result<Value, Error> {
    let mut out = Map::new();
    if native {
        // `wire_fields` looks through them all, at each element of an array of structs.
        spend_n(budget, desc.not_on_wire.len(), d)?;
    }
    let fields = wire_fields(desc, native);
    let mut shared = shared_names(&fields);
    for f in fields {
        // Every field visited counts, sent or not: the schema sets how many there are. A long
        // name counts for more: the output repeats it at each element of an array of structs.
        spend_n(budget, 1 + f.field.len() / NAME_BYTES_PER_VALUE, d)?;
        let key = match shared.get_mut(f.field.as_str()).filter(|_| !f.is_padding()) {
            Some(nth) => {
                *nth += 1;
                format!("{}[{}]", f.field, *nth - 1)
            }
            None => f.field.clone(),
        };
        if f.version_id > version {
            continue;
        }
        if f.field_exists {
            return Err(unsupported(
                format!("field `{}` depends on a test function; it cannot be decoded from the schema alone", f.field),
                d.offset(),
            )
            .in_named(f.field.clone()));
        }
        let value = counted_len(f, &out, d)
            .and_then(|count| field(f, d, native, count, budget))
            .map_err(|e| e.in_named(f.field.clone()))?;
        let value = match &f.variants {
            Some(variants) => variant_names(value, variants),
            None => value,
        };
        if !f.is_padding() {
            out.insert(key, value);
        }
    }
    let mut subs = Map::new();
    let known = |name: &str| desc.subsections.iter().any(|s| s.name == name);
    while let Some((name, sub_version, at)) =
        crate::__private::subsection_header(d, &desc.name, known)?
    {
        spend(budget, d)?;
        let Some(sub) = desc.subsections.iter().find(|s| s.name == name) else {
            return Err(Error::at(ErrorKind::UnknownSubsection(name), at));
        };
        // As a load would: a native section holds each subsection once (QEMU's lets the
        // later copy win, and so does this map).
        if native && subs.contains_key(&name) {
            return Err(crate::__private::subsection_twice(&name, at));
        }
        // As a load would: a subsection's version must be one its description reads.
        crate::check_version_range(sub_version, sub.minimum_version_id, sub.version_id)
            .map_err(|e| e.or_offset(at).in_named(name.clone()))?;
        let v = walk(sub, d, sub_version, native, budget).map_err(|e| e.in_named(name.clone()))?;
        subs.insert(name, v);
    }
    if !subs.is_empty() {
        out.insert("subsections".to_owned(), Value::Object(subs));
    }
    Ok(Value::Object(out))
}

/// An enum's values (and its arrays' and vectors') by the names of the variants they are,
/// as the schema lists them; a value that names no variant stays a number.
fn variant_names(value: Value, variants: &BTreeMap<String, Discriminant>) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            (items.into_iter())
                .map(|item| variant_names(item, variants))
                .collect(),
        ),
        // 128-bit values are decimal strings.
        Value::Number(_) | Value::String(_) => {
            let text = match &value {
                Value::String(s) => s.clone(),
                _ => value.to_string(),
            };
            match variants.iter().find(|(_, d)| d.to_string() == text) {
                Some((name, _)) => Value::String(name.clone()),
                None => value,
            }
        }
        other => other,
    }
}

/// The names that several fields with values share (QEMU repeats some: PCI's two `config`,
/// e1000's three `mac_reg` parts), each with a count of 0: the decoded state lists those
/// fields as QEMU's vmdesc does, `mac_reg[0]`, `mac_reg[1]`, ... Padding has no value, and
/// is not counted.
fn shared_names<'a>(fields: &[&'a FieldEntry]) -> HashMap<&'a str, usize> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for f in fields.iter().filter(|f| !f.is_padding()) {
        *seen.entry(f.field.as_str()).or_default() += 1;
    }
    seen.retain(|_, n| *n > 1);
    seen.values_mut().for_each(|n| *n = 0);
    seen
}

/// The length of a sequence that another field holds (`len`), from that field's decoded
/// value, checked as a load checks it; `None` for a sequence with a length of its own.
fn counted_len<D: Decoder>(
    f: &FieldEntry,
    decoded: &Map<String, Value>,
    d: &D,
) -> Result<Option<usize>, Error> {
    let Some(name) = &f.len else {
        return Ok(None);
    };
    let at = d.offset();
    let Some(value) = decoded.get(name) else {
        let why =
            format!("its length is in field `{name}`, which the stream does not carry before it");
        return Err(unsupported(why, at));
    };
    let Some(count) = (value.as_i64().map(i128::from)).or(value.as_u64().map(i128::from)) else {
        let why = format!("its length field `{name}` holds {value}, not an integer");
        return Err(unsupported(why, at));
    };
    crate::count::count_to_len(count, name, max_len(f), at).map(Some)
}

/// A sequence's bound from the schema (which is input): none, or one beyond the address
/// space, is no bound.
fn max_len(f: &FieldEntry) -> usize {
    f.max_len
        .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX))
}

/// A sequence's length: `count` when another field holds it, else read from the input.
/// Either is refused when `min_elem_size` bytes per element cannot follow.
fn seq_len<D: Decoder>(
    f: &FieldEntry,
    count: Option<usize>,
    min_elem_size: usize,
    d: &mut D,
) -> Result<usize, Error> {
    match count {
        Some(len) => {
            crate::count::check_room(len, min_elem_size, d)?;
            Ok(len)
        }
        None => d.len(max_len(f), min_elem_size),
    }
}

fn field<D: Decoder>(
    f: &FieldEntry,
    d: &mut D,
    native: bool,
    count: Option<usize>,
    budget: &mut usize,
) -> Result<Value, Error> {
    if let (Some(nested), Some("varray:struct")) = (&f.description, f.wire_type.as_deref()) {
        // A `Vec` of structs: a length, then each element's fields.
        let len = seq_len(f, count, 0, d)?;
        let mut items = Vec::new();
        for i in 0..len {
            spend(budget, d)?;
            let item =
                walk(nested, d, nested.version_id, native, budget).map_err(|e| e.in_index(i))?;
            items.push(item);
        }
        return Ok(Value::Array(items));
    }
    if let Some(nested) = &f.description {
        let Some(count) = f.array_len else {
            spend(budget, d)?;
            return walk(nested, d, nested.version_id, native, budget);
        };
        let mut items = Vec::new();
        for i in 0..count {
            spend(budget, d)?;
            // An error names the element (`timers[3].reload`), as in a `Vec` of structs.
            let item = walk(nested, d, nested.version_id, native, budget)
                .map_err(|e| e.in_index(usize::try_from(i).unwrap_or(usize::MAX)))?;
            items.push(item);
        }
        return Ok(Value::Array(items));
    }
    // A schema without types (QEMU's dumps, `schema --qemu`) gives size 0 to what is sized
    // at run time (QEMU's `VMSTATE_VBUFFER` and `VMSTATE_BITMAP`, a `Vec` or `String`) and
    // says no more of it. (Padding of size 0 is nothing.)
    if f.wire_type.is_none() && f.size == 0 && !f.is_padding() {
        return Err(unsupported(
            format!(
                "field `{}` has size 0 in a schema without types (its length is known at run \
                 time only): it cannot be decoded from the schema alone",
                f.field
            ),
            d.offset(),
        ));
    }
    let ty = f.wire_type.clone().unwrap_or_else(|| match f.size {
        1 => "uint8".into(),
        2 => "uint16".into(),
        4 => "uint32".into(),
        8 => "uint64".into(),
        n => format!("buffer:{n}"),
    });
    // Sizes come from the schema, which is input: bytes are taken in place, so a size
    // beyond the input is a truncation, never an allocation.
    if ty == "unused" {
        d.bytes(input_size(f.total_size(), d)?)?;
        return Ok(Value::Null);
    }
    if let Some(inner) = ty.strip_prefix("removed:") {
        // Padding for a removed field, skipped as the type it had: a native integer is a
        // varint, an array a block (also an array of removed integers, as the array of
        // integers it replaces).
        let (prim, count) = array_type(inner, &ty, d.offset())?;
        let Some(size) = primitive_size(prim) else {
            // A removed value of a hand-written type: QEMU's wire gives its size.
            if native {
                return Err(hand_written(&ty, d.offset()));
            }
            d.bytes(input_size(f.total_size(), d)?)?;
            return Ok(Value::Null);
        };
        // `[Removed<T>; n]` repeats the removed value.
        let repeat = f.array_len.unwrap_or(1);
        match (native, count, f.array_len) {
            (true, None, None) => {
                spend(budget, d)?;
                // A varint, or one byte (a removed bool's: any byte, as a load takes it).
                scalar(if prim == "bool" { "uint8" } else { prim }, d, true)?;
            }
            _ => {
                let each = (size as u64).saturating_mul(count.unwrap_or(1));
                skip_removed(each.saturating_mul(repeat), d)?;
            }
        }
        return Ok(Value::Null);
    }
    // Bytes are shown as hex, like buffers: one value, not one per byte (an enum's by their
    // variants' names).
    let bytes_as_hex = f.variants.is_none();
    if ty == "varray:uint8" && bytes_as_hex {
        let len = seq_len(f, count, 1, d)?;
        return Ok(Value::String(hex(d.bytes(len)?)));
    }
    if let (Some(n), "uint8", true) = (f.array_len, ty.as_str(), bytes_as_hex) {
        return Ok(Value::String(hex(d.bytes(input_size(n, d)?)?)));
    }
    // `#[vmstate(buffer)]`: `size` bytes, a block in both formats.
    if ty == "buffer" {
        return Ok(Value::String(hex(d.bytes(input_size(f.total_size(), d)?)?)));
    }
    if let Some(elem) = ty.strip_prefix("varray:") {
        let len = seq_len(f, count, 1, d)?;
        if let Some(inner) = elem.strip_prefix("removed:") {
            // A vector of removed values: skipped as the vector it replaces (a block
            // natively, as on QEMU's wire).
            let (prim, n) = array_type(inner, &ty, d.offset())?;
            let Some(size) = primitive_size(prim) else {
                return Err(hand_written(&ty, d.offset()));
            };
            let each = (size as u64).saturating_mul(n.unwrap_or(1));
            skip_removed(each.saturating_mul(len as u64), d)?;
            return Ok(Value::Null);
        }
        let mut items = Vec::with_capacity(len.min(*budget));
        // An element that is an array (`uint16[2]`) is a block of its own.
        let (elem, per_item) = array_type(elem, &ty, d.offset())?;
        // Elements of a vector travel like those of an array: a block in the native format.
        let size = primitive_size(elem).unwrap_or(0) as u64;
        for i in 0..len {
            spend(budget, d)?;
            let item = match per_item {
                // Bytes as hex, as a `[u8; N]` field is.
                Some(n) if elem == "uint8" => Value::String(hex(d.bytes(input_size(n, d)?)?)),
                Some(n) => (0..n)
                    .map(|_| spend(budget, d).and_then(|()| element(elem, size, d, native)))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
                    .map_err(|e| e.in_index(i))?,
                None => element(elem, size, d, native)?,
            };
            items.push(item);
        }
        return Ok(Value::Array(items));
    }
    if ty == "string" {
        let len = seq_len(f, count, 1, d)?;
        let at = d.offset();
        let mut bytes = vec![0u8; len];
        d.raw(&mut bytes)?;
        return String::from_utf8(bytes)
            .map(Value::String)
            .map_err(|e| Error::invalid_utf8(at, e.utf8_error()));
    }
    if let Some(n) = ty.strip_prefix("buffer:") {
        let Ok(n) = n.parse::<u64>() else {
            return Err(unsupported(format!("malformed type `{ty}`"), d.offset()));
        };
        let total = n.saturating_mul(f.array_len.unwrap_or(1));
        let bytes = d.bytes(input_size(total, d)?)?;
        return Ok(Value::String(hex(bytes)));
    }
    match f.array_len {
        Some(n) => (0..n)
            .map(|_| spend(budget, d).and_then(|()| element(&ty, f.size, d, native)))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        // A lone primitive is a scalar (native: a postcard varint), not a block element.
        None if primitive_size(&ty).is_some() => scalar(&ty, d, native),
        None => element(&ty, f.size, d, native),
    }
}

/// One element of an array (native arrays of primitives are fixed-width little-endian).
fn element<D: Decoder>(ty: &str, size: u64, d: &mut D, native: bool) -> Result<Value, Error> {
    if native && primitive_size(ty).is_some() {
        let mut one = [0u8; 16];
        let n = primitive_size(ty).unwrap_or(1);
        d.raw(&mut one[..n])?;
        let at = d.offset() - n;
        let mut le = one;
        le[..n].reverse();
        return from_be(ty, &le[..n], at);
    }
    match primitive_size(ty) {
        Some(_) => scalar(ty, d, native),
        None if size > 0 && !native => {
            let bytes = d.bytes(input_size(size, d)?)?;
            Ok(Value::String(hex(bytes)))
        }
        None if size == 1 => Ok(json!(d.scalar::<u8>()?)),
        None => Err(hand_written(ty, d.offset())),
    }
}

/// The most values and fields one [`decode`] visits: each value takes tens of bytes as JSON,
/// many times its bytes on the wire, and the schema that sizes them is input.
pub const MAX_VALUES: usize = 1 << 20;

/// The bytes of a field's name that count as one value more against the budget.
const NAME_BYTES_PER_VALUE: usize = 32;

/// Counts one value against `budget`.
fn spend<D: Decoder>(budget: &mut usize, d: &D) -> Result<(), Error> {
    spend_n(budget, 1, d)
}

/// Counts `n` values against `budget`.
fn spend_n<D: Decoder>(budget: &mut usize, n: usize, d: &D) -> Result<(), Error> {
    match budget.checked_sub(n) {
        Some(left) => {
            *budget = left;
            Ok(())
        }
        None => Err(unsupported(
            format!("more than {MAX_VALUES} values: too many to show"),
            d.offset(),
        )),
    }
}

/// `size` as a byte count to take from `d`: one that cannot fit in memory is a truncation.
fn input_size<D: Decoder>(size: u64, d: &D) -> Result<usize, Error> {
    usize::try_from(size).map_err(|_| {
        Error::at(
            ErrorKind::Truncated {
                needed: usize::MAX,
                available: d.remaining(),
            },
            d.offset(),
        )
    })
}

/// A float for JSON, which has no NaN or infinities: those as their names.
fn float<F: Into<f64> + Copy + serde::Serialize + ToString>(v: F) -> Value {
    if v.into().is_finite() {
        json!(v)
    } else {
        json!(v.to_string())
    }
}

fn primitive_size(ty: &str) -> Option<usize> {
    Some(match ty {
        "bool" | "uint8" | "int8" => 1,
        "uint16" | "int16" => 2,
        "uint32" | "int32" | "float32" => 4,
        "uint64" | "int64" | "float64" => 8,
        "uint128" | "int128" => 16,
        _ => return None,
    })
}

/// A scalar in the format's scalar encoding (native: postcard; QEMU: big-endian).
fn scalar<D: Decoder>(ty: &str, d: &mut D, native: bool) -> Result<Value, Error> {
    fn get<S: Scalar, D: Decoder>(d: &mut D) -> Result<S, Error> {
        d.scalar::<S>()
    }
    let _ = native;
    Ok(match ty {
        "bool" => json!(get::<bool, D>(d)?),
        "uint8" => json!(get::<u8, D>(d)?),
        "uint16" => json!(get::<u16, D>(d)?),
        "uint32" => json!(get::<u32, D>(d)?),
        "uint64" => json!(get::<u64, D>(d)?),
        "uint128" => json!(get::<u128, D>(d)?.to_string()),
        "int8" => json!(get::<i8, D>(d)?),
        "int16" => json!(get::<i16, D>(d)?),
        "int32" => json!(get::<i32, D>(d)?),
        "int64" => json!(get::<i64, D>(d)?),
        "int128" => json!(get::<i128, D>(d)?.to_string()),
        "float32" => float(get::<f32, D>(d)?),
        "float64" => float(get::<f64, D>(d)?),
        other => {
            return Err(unsupported(
                format!("unknown element type `{other}`"),
                d.offset(),
            ))
        }
    })
}

/// An element type and its array length, if it is one (`uint16[2]`: `uint16`, 2); `ty`, the
/// field's whole type, names a malformed one in the error.
fn array_type<'t>(t: &'t str, ty: &str, at: usize) -> Result<(&'t str, Option<u64>), Error> {
    match t.strip_suffix(']').and_then(|t| t.split_once('[')) {
        Some((prim, n)) => match n.parse::<u64>() {
            Ok(n) => Ok((prim, Some(n))),
            Err(_) => Err(unsupported(format!("malformed type `{ty}`"), at)),
        },
        None => Ok((t, None)),
    }
}

/// Skips `total` bytes of removed values, as a load does: any bytes (a removed bool's byte
/// other than 0 or 1, an integer that names no variant of an enum).
fn skip_removed<D: Decoder>(total: u64, d: &mut D) -> Result<(), Error> {
    d.bytes(input_size(total, d)?)?;
    Ok(())
}

/// A big-endian value that was at absolute offset `at`.
fn from_be(ty: &str, b: &[u8], at: usize) -> Result<Value, Error> {
    let mut d = QemuDecoder::new(b, at);
    scalar(ty, &mut d, false)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}
