//! Finding a device section's size: from the vmdesc trailer QEMU appends, or, without one,
//! from the section's footer.

use super::tag;
use std::collections::HashMap;
use std::ops::Range;

/// Why a device section's size is unknown, and, when that is because the stream was cut
/// short, the bytes its end needs: (needed, available, where).
pub(super) struct SizeUnknown {
    pub(super) why: String,
    pub(super) cut: Option<(usize, usize, usize)>,
}

impl From<String> for SizeUnknown {
    fn from(why: String) -> Self {
        SizeUnknown { why, cut: None }
    }
}

/// The size of a device section's data in a stream without a vmdesc: up to the first footer
/// with its id after which the stream goes on as a stream does (another section, or the EOF
/// marker at the end). A guess that guest data can mislead (see the module docs); QEMU's own
/// `analyze-migration.py` needs the vmdesc here.
pub(super) fn size_by_footer(
    bytes: &[u8],
    start: usize,
    section_id: u32,
    starts: &HashMap<u32, (String, u32, u32)>,
) -> Result<usize, SizeUnknown> {
    let footer = footer_bytes(section_id);
    let mut from = start;
    // A footer followed by the EOF marker and bytes that are not a vmdesc: where the
    // trailer was damaged or cut.
    let mut damaged_trailer = None;
    while let Some(i) = bytes[from..].windows(5).position(|w| w == footer) {
        let at = from + i;
        if goes_on(bytes, at + 5, starts) {
            return Ok(at - start);
        }
        if bytes.get(at + 5) == Some(&tag::EOF) {
            damaged_trailer = Some(at + 6);
        }
        from = at + 1;
    }
    Err(match damaged_trailer {
        Some(trailer) => SizeUnknown {
            why: format!(
                "the footer of this section is followed by the EOF marker and {} bytes at byte \
                 {trailer} that are not a vmdesc trailer (0x06, a be32 length, that many bytes \
                 of JSON): the trailer is damaged or cut short",
                bytes.len() - trailer
            ),
            cut: vmdesc_cut_short(bytes, trailer),
        },
        // A whole stream without a vmdesc ends with its last section's footer and the EOF
        // marker.
        None if !ends_as_a_stream_does(bytes) => SizeUnknown {
            why: "the stream has no vmdesc trailer and no footer of this section is followed by \
                  more of a stream, and it does not end as a stream does (a section footer and \
                  the EOF marker): it was cut short"
                .into(),
            cut: Some((1, 0, bytes.len())),
        },
        None => "the stream has no vmdesc trailer (written with `-machine suppress-vmdesc=on`) \
                 and no footer of this section is followed by more of a stream"
            .to_owned()
            .into(),
    })
}

/// Whether `bytes` end as a stream without a vmdesc does: a section footer (0x7e, its id),
/// then the EOF marker.
fn ends_as_a_stream_does(bytes: &[u8]) -> bool {
    matches!(bytes, [.., tag::SECTION_FOOTER, _, _, _, _, tag::EOF])
}

/// The bytes a vmdesc trailer at `at` (0x06, a be32 length, the JSON) lacks, when the stream
/// ends before that trailer does: (needed, available, `at`).
fn vmdesc_cut_short(bytes: &[u8], at: usize) -> Option<(usize, usize, usize)> {
    let rest = bytes.get(at..)?;
    if rest.first() != Some(&tag::VMDESCRIPTION) {
        return None;
    }
    let needed = match rest.get(1..5) {
        Some(len) => 5usize.saturating_add(u32::from_be_bytes(len.try_into().ok()?) as usize),
        None => 5,
    };
    (needed > rest.len()).then_some((needed, rest.len(), at))
}

/// The footer of section `section_id`: 0x7e, then the id big-endian.
pub(super) fn footer_bytes(section_id: u32) -> [u8; 5] {
    let mut footer = [tag::SECTION_FOOTER; 5];
    footer[1..].copy_from_slice(&section_id.to_be_bytes());
    footer
}

/// Whether `bytes[at..]` starts like what follows a section: the EOF marker ending the
/// stream, a section header with a printable idstr, or a part of a started section.
pub(super) fn goes_on(bytes: &[u8], at: usize, starts: &HashMap<u32, (String, u32, u32)>) -> bool {
    let be32 = |p: usize| {
        bytes
            .get(p..p + 4)
            .map(|b| u32::from_be_bytes(b.try_into().expect("4")))
    };
    match bytes.get(at) {
        Some(&tag::EOF) => at + 1 == bytes.len(),
        Some(&(tag::SECTION_START | tag::SECTION_FULL)) => {
            let Some(&len) = bytes.get(at + 5) else {
                return false;
            };
            let name = bytes.get(at + 6..at + 6 + usize::from(len));
            len > 0
                && name.is_some_and(|n| n.iter().all(|b| b.is_ascii_graphic()))
                && bytes.len() >= at + 6 + usize::from(len) + 8
        }
        Some(&(tag::SECTION_PART | tag::SECTION_END)) => {
            be32(at + 1).is_some_and(|id| starts.contains_key(&id))
        }
        _ => false,
    }
}

/// Candidates parsed in each search for the vmdesc (bounded: each is parsed as JSON).
const MAX_VMDESC_CANDIDATES: usize = 4;

/// Whether `json` is an object whose `devices` is an array, as QEMU's vmdesc is: read without
/// building it (a candidate may be forged and large; [`Stream::parse`](super::Stream::parse)
/// bounds the one taken).
fn looks_like_vmdesc(json: &[u8]) -> bool {
    use serde::de::{Deserialize, Deserializer, IgnoredAny, SeqAccess, Visitor};
    struct AnArray;
    impl<'de> Deserialize<'de> for AnArray {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_seq(AnArray)
        }
    }
    impl<'de> Visitor<'de> for AnArray {
        type Value = AnArray;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnArray, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(AnArray)
        }
    }
    #[derive(serde::Deserialize)]
    struct Vmdesc {
        #[serde(rename = "devices")]
        _devices: AnArray,
    }
    serde_json::from_slice::<Vmdesc>(json).is_ok()
}

/// The most values a vmdesc may hold, as [`json_values`] counts them. QEMU 7.2's for the
/// Integrator/CP holds about 1,600; for an x86 q35 guest, 3,200 with one vCPU and 557 more
/// for each further vCPU (measured with 64), so the limit admits some 1,800 vCPUs, beyond
/// QEMU's maximum. Parsed, a value takes about 250 bytes: the limit keeps a vmdesc under
/// some 250 MB.
pub(super) const MAX_VMDESC_VALUES: usize = 1_000_000;

/// About how many values a JSON text holds: its `,`, `[` and `{` outside strings (at least
/// one per value but the first of each array or object, and one per array or object).
pub(super) fn json_values(text: &[u8]) -> usize {
    let (mut count, mut in_string, mut escaped) = (0, false, false);
    for &b in text {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b',' | b'[' | b'{') => count += 1,
            (false, _, _) => {}
        }
    }
    count
}

/// Finds the vmdesc trailer: `0x00 0x06 be32(len)`, then a JSON object with a `devices`
/// list, normally ending the stream. QEMU reads nothing after it, so a stream may go on (a
/// file with bytes appended): then the last such trailer that fits is taken. When none is
/// valid, a trailer that ends the stream is returned anyway, so its JSON is reported as
/// malformed.
pub(super) fn find_vmdesc(b: &[u8]) -> Option<Range<usize>> {
    let n = b.len();
    let candidates = (1..n.saturating_sub(5)).rev().filter_map(|p| {
        let len = u32::from_be_bytes(b[p + 1..p + 5].try_into().ok()?) as usize;
        let json = p + 5..(p + 5).checked_add(len)?;
        let header = b[p] == tag::VMDESCRIPTION && b[p - 1] == tag::EOF;
        (header && json.end <= n && b.get(json.start) == Some(&b'{')).then_some(json)
    });
    let is_vmdesc = |json: &Range<usize>| looks_like_vmdesc(&b[json.clone()]);
    let mut ending = candidates.clone().filter(|json| json.end == n);
    let last = ending.next();
    last.clone()
        .filter(is_vmdesc)
        .or_else(|| ending.take(MAX_VMDESC_CANDIDATES - 1).find(is_vmdesc))
        .or_else(|| candidates.take(MAX_VMDESC_CANDIDATES).find(is_vmdesc))
        .or(last)
}

/// The size of a device section from its vmdesc entry (the next one with its name and
/// instance: they come in stream order); why not, when it cannot be known. QEMU writes the
/// entry's version and the section header's from one description, so an entry of another
/// version than the header's is not this section's.
pub(super) fn device_size(
    devices: &[&serde_json::Value],
    next: &mut usize,
    idstr: &str,
    instance_id: u32,
    version_id: u32,
) -> Result<usize, String> {
    if devices.is_empty() {
        return Err("the vmdesc trailer has no `devices` list".into());
    }
    let pos = devices[*next..]
        .iter()
        .position(|d| {
            d["name"].as_str() == Some(idstr)
                && d["instance_id"].as_u64() == Some(u64::from(instance_id))
        })
        .ok_or("no vmdesc entry matches it")?;
    *next += pos + 1;
    let entry = devices[*next - 1];
    if let Some(described) = entry["version"].as_u64() {
        if described != u64::from(version_id) {
            return Err(format!(
                "its header says version {version_id} and its vmdesc entry version {described}"
            ));
        }
    }
    vmdesc_size(entry).ok_or_else(|| {
        "its vmdesc entry has a field without a valid size (or sizes that overflow)".into()
    })
}

/// The `fields` of a vmdesc entry that describes a section's `len` bytes as one buffer (what
/// its own fields do not give: a size that varies, a layout QEMU's code writes).
pub(crate) fn one_buffer(len: usize) -> serde_json::Value {
    serde_json::json!([{ "name": "data", "type": "buffer", "size": len }])
}

/// Bytes a vmdesc entry describes: its fields (size × array_len) and subsections (with
/// their 0x05 + name + version headers).
pub(crate) fn vmdesc_size(d: &serde_json::Value) -> Option<usize> {
    let mut total = 0usize;
    for f in d["fields"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let size = f["size"].as_u64()? as usize;
        let count = f["array_len"].as_u64().unwrap_or(1) as usize;
        total = total.checked_add(size.checked_mul(count)?)?;
    }
    for s in d["subsections"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = s["vmsd_name"].as_str()?;
        total = total.checked_add(1 + 1 + name.len() + 4 + vmdesc_size(s)?)?;
    }
    Some(total)
}
