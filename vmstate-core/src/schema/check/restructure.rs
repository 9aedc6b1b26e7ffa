//! Fields regrouped without changing QEMU's wire (`tx_fifo[0]`, ... against `fifo[0].tx`),
//! lined up value by value on both wires.

use super::fields::{native_carries, variable};
use super::walk::{Level, Side, WalkCx};
use super::Checker;
use crate::schema::report::{Rule, Severity};
use crate::schema::FieldEntry;

/// Fields of both releases that carry the same values: see [`restructured`].
pub(super) struct Span {
    /// Fields taken on each side.
    pub(super) old: usize,
    pub(super) new: usize,
    /// Values and bytes they carry on QEMU's wire.
    leaves: usize,
    bytes: u64,
    /// Whether they line up in the native format too (`None`: a QEMU dump, which tells
    /// QEMU's wire only).
    pub(super) native: Option<bool>,
}

/// The most values a restructured span is lined up over (schemas are input: an array length
/// may be absurd).
const MAX_LEAVES: usize = 4096;

/// One value on a wire, for lining up restructured fields.
#[derive(Debug, PartialEq, Eq)]
struct Leaf {
    /// The words of its name, sorted: `tx_fifo[0]` and `fifo[0].tx` both give `0 fifo tx`.
    words: Vec<String>,
    /// Bytes on QEMU's wire.
    size: u64,
    /// The wire type, when the schema has it.
    wire_type: Option<String>,
}

/// Which wire [`leaves`] lists values for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wire {
    /// QEMU's: arrays element by element, nothing between structs; types compared when both
    /// schemas have them.
    Qemu { typed: bool },
    /// This project's native format: an array of primitives is one block and every struct
    /// ends with its subsections' end marker.
    Native,
}

/// The words of a name, each index bound to the word before it, sorted: `tx_fifo[0]`,
/// `fifo[0].tx` and `tx_fifo_0` all give `fifo#0 tx`, while `ch[1].reg[2]` and
/// `reg[1].ch[2]` stay apart.
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        match words.last_mut() {
            Some(last) if w.bytes().all(|b| b.is_ascii_digit()) => {
                last.push('#');
                last.push_str(w);
            }
            _ => words.push(w.to_ascii_lowercase()),
        }
    }
    words.sort();
    words
}

/// Field entries and struct elements [`restructured`] visits at most in one check (schemas
/// are input: nested arrays of empty structs would otherwise multiply, and a search that
/// finds nothing would run again at every mismatched field). Real schemas spend a few
/// thousand; once spent, fields are no longer lined up, and are reported as renamed or
/// missing instead.
pub(super) const TOTAL_VISITS: usize = 256 * MAX_LEAVES;

/// Appends the values `f` puts on `wire`, named under `prefix`; false when the schema does
/// not tell them (padding, a variable length, a test function, a nested struct with
/// subsections or, in the native format, immutable fields), or when there are too many or
/// `budget` (visits left) runs out.
fn leaves(
    f: &FieldEntry,
    prefix: &str,
    wire: Wire,
    budget: &mut usize,
    out: &mut Vec<Leaf>,
) -> bool {
    let Some(left) = budget.checked_sub(1) else {
        return false;
    };
    *budget = left;
    if f.field_exists || f.is_padding() || variable(f) {
        return false;
    }
    let name = format!("{prefix}{}", f.field);
    let count = f.array_len.unwrap_or(1);
    if count > MAX_LEAVES as u64 {
        return false;
    }
    let leaf = |name: &str, size: u64, wire_type: Option<String>| Leaf {
        words: words(name),
        size,
        wire_type: wire_type.filter(|_| wire != Wire::Qemu { typed: false }),
    };
    match &f.description {
        Some(nested) => {
            let Some(left) = budget.checked_sub(nested.not_on_wire.len()) else {
                return false;
            };
            *budget = left;
            let native_extra = nested.not_on_wire.iter().any(|n| native_carries(n.kind()));
            if !nested.subsections.is_empty() || (wire == Wire::Native && native_extra) {
                return false;
            }
            for i in 0..count {
                let Some(left) = budget.checked_sub(1) else {
                    return false;
                };
                *budget = left;
                let prefix = match f.array_len {
                    Some(_) => format!("{name}[{i}]."),
                    None => format!("{name}."),
                };
                for inner in &nested.fields {
                    let gated = inner.version_id > nested.version_id;
                    if gated || !leaves(inner, &prefix, wire, budget, out) || out.len() > MAX_LEAVES
                    {
                        return false;
                    }
                }
                if wire == Wire::Native {
                    out.push(leaf("", 1, Some("end of subsections".to_owned())));
                }
            }
        }
        None => match (wire, f.array_len) {
            (Wire::Native, Some(n)) => {
                let block = f.wire_type.as_ref().map(|t| format!("{t}[{n}]"));
                out.push(leaf(&name, f.total_size(), block));
            }
            (Wire::Qemu { .. }, Some(n)) => out
                .extend((0..n).map(|i| leaf(&format!("{name}[{i}]"), f.size, f.wire_type.clone()))),
            (_, None) => out.push(leaf(&name, f.size, f.wire_type.clone())),
        },
    }
    out.len() <= MAX_LEAVES
}

/// Fields from the current ones on that were regrouped without changing QEMU's wire: the
/// same values, of the same sizes (and types, when both schemas have them), in the same order
/// and with the same words in their names (indexes bound to their words), e.g. QEMU's 16
/// `uint16` fields `tx_fifo[0]`, `rx_fifo[0]`, ... `rx_fifo[7]` and a `fifo: [Slot; 8]` whose
/// `Slot` has `tx` and `rx`; all of them sent from the same version on. A single field on
/// each side is a rename, not a regrouping. Between two of this project's schemas, also
/// whether the native format lines up.
pub(super) fn restructured(
    cx: &WalkCx<'_>,
    s: &Side<'_>,
    d: &Side<'_>,
    budget: &mut usize,
) -> Option<Span> {
    let (old, new) = (s.levels.last()?, d.levels.last()?);
    let (mut i, mut j) = (old.next, new.next);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let wire = Wire::Qemu { typed: cx.extended };
    let since = old.fields.get(i)?.version_id;
    let budget_before = *budget;
    let mut compared = 0;
    loop {
        let (f, limit, out, next) = if a.len() <= b.len() {
            (old.fields.get(i)?, cx.sent_limit, &mut a, &mut i)
        } else {
            (new.fields.get(j)?, cx.read_limit, &mut b, &mut j)
        };
        let same_version = f.version_id == since && f.version_id <= limit;
        if !same_version || !leaves(f, "", wire, budget, out) {
            return None;
        }
        *next += 1;
        let common = a.len().min(b.len());
        if a[compared..common] != b[compared..common] {
            return None;
        }
        compared = common;
        if a.len() == b.len() && !a.is_empty() {
            break;
        }
    }
    let (old_n, new_n) = (i - old.next, j - new.next);
    if old_n == 1 && new_n == 1 {
        return None;
    }
    // The native format's values of the same fields: as many visits as QEMU's took at most,
    // so the budget cannot run out there (and pass for a native misread).
    let mut native_budget = budget_before - *budget;
    let native = cx.extended.then(|| {
        let mut native_leaves = |level: &Level<'_>, n: usize| {
            let mut out = Vec::new();
            let fields = &level.fields[level.next..level.next + n];
            let all = fields
                .iter()
                .all(|f| leaves(f, "", Wire::Native, &mut native_budget, &mut out));
            all.then_some(out)
        };
        let (na, nb) = (native_leaves(old, old_n), native_leaves(new, new_n));
        na.is_some() && na == nb && !immutable_inside(old, old_n) && !immutable_inside(new, new_n)
    });
    Some(Span {
        old: old_n,
        new: new_n,
        leaves: a.len(),
        bytes: a.iter().fold(0u64, |sum, l| sum.saturating_add(l.size)),
        native,
    })
}

/// Whether the native format carries an immutable field between the `n` fields from
/// `level`'s current one (it interleaves them in declaration order).
fn immutable_inside(level: &Level<'_>, n: usize) -> bool {
    let fields = &level.fields[level.next..level.next + n];
    let (Some(lo), Some(hi)) = (fields[0].pos, fields[n - 1].pos) else {
        // Without positions the order of immutable fields is unknown: assume the worst.
        return level
            .desc
            .not_on_wire
            .iter()
            .any(|f| native_carries(f.kind()));
    };
    level
        .desc
        .not_on_wire
        .iter()
        .any(|f| native_carries(f.kind()) && f.pos.is_some_and(|p| p > lo && p < hi))
}

/// The fields of a span, for a message: `a`, `a`, `b`, or `a` to `z` (26 fields); a nested
/// struct with its description's name, `fifo` (8 × `slot`).
fn span_names(fields: &[FieldEntry]) -> String {
    let name = |f: &FieldEntry| match (&f.description, f.array_len) {
        (Some(d), Some(n)) => format!("`{}` ({n} × `{}`)", f.field, d.name),
        (Some(d), None) => format!("`{}` (`{}`)", f.field, d.name),
        (None, _) => format!("`{}`", f.field),
    };
    match fields {
        [first, .., last] if fields.len() > 3 => {
            format!(
                "{} to {} ({} fields)",
                name(first),
                name(last),
                fields.len()
            )
        }
        _ => fields.iter().map(name).collect::<Vec<_>>().join(", "),
    }
}

impl Checker {
    /// Fields that hold the same values on QEMU's wire under another grouping: a warning,
    /// or an error when the native format does not line up.
    pub(super) fn restructured(&mut self, s: &Side<'_>, d: &Side<'_>, span: &Span) {
        let (Some(old), Some(new)) = (s.levels.last(), d.levels.last()) else {
            return;
        };
        let old_fields = &old.fields[old.next..old.next + span.old];
        let new_fields = &new.fields[new.next..new.next + span.new];
        let what = format!(
            "{} became {}",
            span_names(old_fields),
            span_names(new_fields)
        );
        let values = format!(
            "the same {} values ({} bytes) in the same order, and their names have the same words",
            span.leaves, span.bytes
        );
        let path = s.path(&old_fields[0]);
        if span.native == Some(false) {
            self.error(
                Rule::FieldsRestructured,
                path,
                format!(
                    "{what}: QEMU's wire carries {values}, but this project's native format \
                     does not line up (an array of primitives is one block there, and every \
                     struct ends with a marker), so native streams would be misread; keep the \
                     old grouping"
                ),
            );
            return;
        }
        self.push(
            Severity::Warning,
            Rule::FieldsRestructured,
            path,
            format!(
                "{what}: the stream carries {values}, so the streams line up; QEMU's checker \
                 reports a rename here (add the names to its `changed_names` to run it)"
            ),
        );
    }
}
