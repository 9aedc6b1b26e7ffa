//! What the checker reads off a schema entry: whether it has this project's keys, its size,
//! its class of type, and how the native format encodes it.

use crate::schema::{Desc, FieldEntry};
use std::borrow::Cow;

/// Whether a description carries this project's extra keys (QEMU's dumps do not).
pub(super) fn extended(d: &Desc) -> bool {
    d.rust_type.is_some()
}

/// Whether the native format carries this `NotOnWire` entry: an immutable field, or a
/// nested struct with nothing on QEMU's wire (its end marker), unless it has no elements.
pub(super) fn native_only(f: &FieldEntry) -> bool {
    let carried = match f.kind() {
        "immutable" => true,
        "migrated" => f.description.is_some(),
        _ => false,
    };
    field_extended(f) && carried && !f.is_padding() && f.array_len != Some(0)
}

/// A field's wire type with its array length: `uint16`, `uint16[4]`.
pub(super) fn shown_type(f: &FieldEntry) -> String {
    let t = f.wire_type.as_deref().unwrap_or("?");
    match f.array_len {
        Some(n) => format!("{t}[{n}]"),
        None => t.to_owned(),
    }
}

/// A description's real (not padding) field of that name, on QEMU's wire or not.
pub(super) fn find_field<'a>(d: &'a Desc, name: &str) -> Option<&'a FieldEntry> {
    d.fields
        .iter()
        .chain(&d.not_on_wire)
        .find(|f| f.field == name && !f.is_padding())
}

/// Entries by name, the first of each name: [`find_field`] (`entries` a description's
/// `Fields` and `NotOnWire`, padding left out) or a search of one list, for a rule that
/// looks up every entry of a description (schemas are input: a description may have
/// thousands).
pub(super) fn by_name<'a>(
    entries: impl Iterator<Item = &'a FieldEntry>,
) -> std::collections::HashMap<&'a str, &'a FieldEntry> {
    let mut index = std::collections::HashMap::new();
    for f in entries {
        index.entry(f.field.as_str()).or_insert(f);
    }
    index
}

/// [`by_name`] of what [`find_field`] searches.
pub(super) fn fields_by_name(d: &Desc) -> std::collections::HashMap<&str, &FieldEntry> {
    by_name(
        d.fields
            .iter()
            .chain(&d.not_on_wire)
            .filter(|f| !f.is_padding()),
    )
}

/// Two entries to compare, a `#[vmstate(buffer)]` one seen as the byte array it is on both
/// wires (N `uint8` elements) when the other is this project's too, so that it compares with
/// `[u8; N]`, `[i8; N]` or a `u8` as a byte array does. (Against QEMU's dump, whose
/// `VMSTATE_BUFFER` it mirrors, it stays one element of N bytes.)
pub(super) fn bytes_alike<'a>(
    s: &'a FieldEntry,
    d: &'a FieldEntry,
) -> (Cow<'a, FieldEntry>, Cow<'a, FieldEntry>) {
    let as_array = |f: &'a FieldEntry, other: &FieldEntry| {
        let buffer = f.wire_type.as_deref() == Some("buffer") && f.array_len.is_none();
        if !(buffer && field_extended(other)) {
            return Cow::Borrowed(f);
        }
        let mut bytes = f.clone();
        bytes.wire_type = Some("uint8".to_owned());
        bytes.array_len = Some(f.size);
        bytes.size = 1;
        Cow::Owned(bytes)
    };
    (as_array(s, d), as_array(d, s))
}

/// Whether a field carries this project's extra keys.
pub(super) fn field_extended(f: &FieldEntry) -> bool {
    f.kind.is_some()
}

/// Whether the length of a field varies (`Vec`, `String`): padding cannot stand for it.
pub(super) fn variable(f: &FieldEntry) -> bool {
    f.wire_type
        .as_deref()
        .is_some_and(|t| t == "string" || t.starts_with("varray"))
}

/// Whether this project's native format carries a field of `kind` (QEMU's wire carries
/// `migrated` fields only).
pub(super) fn native_carries(kind: &str) -> bool {
    kind == "migrated" || kind == "immutable"
}

/// Whether a nested description has fields that its owner must recompute.
pub(super) fn needs_owner(d: &Desc) -> bool {
    d.fields
        .iter()
        .chain(&d.not_on_wire)
        .any(|f| f.kind() == "derived_by_owner")
}

/// A field's type, as far as the checker tells types apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TypeClass<'a> {
    Bool,
    Unsigned(&'a str),
    Signed(&'a str),
    Float,
    Other,
}

pub(super) fn classify(t: &str) -> TypeClass<'_> {
    if t == "bool" {
        TypeClass::Bool
    } else if let Some(bits) = t.strip_prefix("uint") {
        TypeClass::Unsigned(bits)
    } else if let Some(bits) = t.strip_prefix("int") {
        TypeClass::Signed(bits)
    } else if t.starts_with("float") {
        TypeClass::Float
    } else {
        TypeClass::Other
    }
}

/// The Rust type to name in a fix: the primitive behind QEMU's wire type (`uint32`: `u32`,
/// arrays too), else the type as written.
pub(super) fn rust_name(f: &FieldEntry) -> String {
    let prim = match f.wire_type.as_deref().map(classify) {
        Some(TypeClass::Unsigned(bits)) => Some(format!("u{bits}")),
        Some(TypeClass::Signed(bits)) => Some(format!("i{bits}")),
        Some(TypeClass::Float) => f.wire_type.as_deref().map(|t| t.replace("float", "f")),
        Some(TypeClass::Bool) => Some("bool".to_owned()),
        _ => None,
    };
    match (prim, f.array_len) {
        (Some(p), Some(n)) => format!("[{p}; {n}]"),
        (Some(p), None) => p,
        (None, _) => f.rust_type.clone().unwrap_or_else(|| "T".to_owned()),
    }
}

/// How this project's native format encodes a field, as far as padding is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Native {
    /// Fixed-width bytes: `u8`, `i8`, `bool`, floats, arrays of scalars (blocks), `Unused<N>`.
    Raw,
    /// Varints: other integers, lengths of `Vec`/`String`.
    Var,
    /// A nested struct: its fields, then the end marker of its subsections (which QEMU's
    /// wire does not have), so no padding stands for it.
    Struct,
    /// A custom encoding or a type the checker cannot read: not checked.
    Unknown,
}

/// The native encoding of a Rust primitive (or array) type as written, e.g. `u32`, `[u8; 4]`.
fn native_of_rust(t: &str) -> Native {
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.rsplit("::").next().unwrap_or(&t);
    match t {
        "u8" | "i8" | "bool" | "f32" | "f64" => Native::Raw,
        "u16" | "u32" | "u64" | "u128" | "usize" | "i16" | "i32" | "i64" | "i128" | "isize" => {
            Native::Var
        }
        _ if t.starts_with('[') => Native::Raw,
        _ => Native::Unknown,
    }
}

/// The native encoding of a field.
pub(super) fn native(f: &FieldEntry) -> Native {
    if f.is_padding() {
        if let Some(inner) = f
            .wire_type
            .as_deref()
            .and_then(|t| t.strip_prefix("removed:"))
        {
            // An array of removed integers is a block, as the array it replaces.
            return match classify(inner) {
                _ if inner.ends_with(']') || f.array_len.is_some() => Native::Raw,
                TypeClass::Bool | TypeClass::Float => Native::Raw,
                TypeClass::Unsigned("8") | TypeClass::Signed("8") => Native::Raw,
                TypeClass::Unsigned(_) | TypeClass::Signed(_) => Native::Var,
                TypeClass::Other => Native::Unknown,
            };
        }
        return match f.rust_type.as_deref() {
            // `Removed<T>` writes and skips a `T`; `Unused<N>` raw bytes.
            Some(t) => match t.find("Removed<") {
                Some(i) => {
                    let inner = &t[i + "Removed<".len()..];
                    native_of_rust(inner.strip_suffix('>').unwrap_or(inner))
                }
                None => Native::Raw,
            },
            None => Native::Raw,
        };
    }
    if f.description.is_some() {
        return Native::Struct;
    }
    let Some(t) = f.wire_type.as_deref() else {
        return Native::Unknown;
    };
    let fixed = matches!(t, "uint8" | "int8" | "bool" | "float32" | "float64");
    match classify(t) {
        TypeClass::Bool | TypeClass::Float => Native::Raw,
        TypeClass::Unsigned(_) | TypeClass::Signed(_) if fixed || f.array_len.is_some() => {
            Native::Raw
        }
        TypeClass::Unsigned(_) | TypeClass::Signed(_) => Native::Var,
        TypeClass::Other if t == "string" || t.starts_with("varray") => Native::Var,
        TypeClass::Other if t == "buffer" => Native::Raw,
        TypeClass::Other => Native::Unknown,
    }
}

/// Of two fields compared, this project's sequence that carries its own length, when the
/// other is a QEMU description's field (no extra keys, not a struct): QEMU has no such field,
/// its buffers and arrays are sized by another field.
pub(super) fn own_length_against_qemu<'a>(
    s: &'a FieldEntry,
    d: &'a FieldEntry,
) -> Option<&'a FieldEntry> {
    ours_against_qemu(s, d, carries_own_length, |_| true)
}

/// Whether a field of this project's is a sequence that carries its own length (a count
/// before its elements on both wires): bounded, and not sized by another field.
pub(super) fn carries_own_length(f: &FieldEntry) -> bool {
    f.max_len.is_some() && f.len.is_none()
}

/// Of two fields compared, the one of this project's that `ours` accepts, when the other is
/// a QEMU description's field (no extra keys, not a struct) that `theirs` accepts.
pub(super) fn ours_against_qemu<'a>(
    s: &'a FieldEntry,
    d: &'a FieldEntry,
    ours: impl Fn(&FieldEntry) -> bool,
    theirs: impl Fn(&FieldEntry) -> bool,
) -> Option<&'a FieldEntry> {
    let ours = |f: &FieldEntry| field_extended(f) && ours(f);
    let qemus = |f: &FieldEntry| !field_extended(f) && f.description.is_none() && theirs(f);
    match (ours(s) && qemus(d), ours(d) && qemus(s)) {
        (true, _) => Some(s),
        (_, true) => Some(d),
        _ => None,
    }
}

/// Whether a field is a sequence of bytes (`Vec<u8>`, `Box<[u8]>`, `String`).
pub(super) fn byte_sequence(f: &FieldEntry) -> bool {
    matches!(f.wire_type.as_deref(), Some("varray:uint8" | "string"))
}
