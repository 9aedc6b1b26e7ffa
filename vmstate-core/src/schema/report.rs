//! What the checker reports: findings with a severity, a rule, a path and a sentence.
//!
//! ```
//! use vmstate_core::schema::{check, Rule, Schema, Severity};
//!
//! let report = check(&Schema::new(Some("integratorcp")), &Schema::new(Some("versatilepb")));
//! assert!(report.is_compatible()); // a warning only
//! let f = &report.findings[0];
//! assert_eq!((f.severity, f.rule), (Severity::Warning, Rule::MachineChanged));
//! assert!(report.to_string().starts_with("warning[machine-changed] vmschkmachine: "));
//! ```

use std::fmt;

/// How bad a finding is.
///
/// ```
/// use vmstate_core::schema::Severity;
/// assert!(Severity::Warning < Severity::Error); // the worst of several is their `max`
/// assert_eq!(Severity::Error.to_string(), "error");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth a look; migration may still work (QEMU's checker does not count it either).
    Warning,
    /// Migration from the older release to the newer one breaks.
    Error,
}

impl Severity {
    /// `warning` or `error`.
    ///
    /// ```
    /// assert_eq!(vmstate_core::schema::Severity::Error.as_str(), "error");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which rule found a problem. See [the checker's docs](mod@crate::schema::check) for what each one means.
///
/// ```
/// use vmstate_core::schema::Rule;
/// // A rule named on a command line.
/// let rule = Rule::ALL.into_iter().find(|r| r.as_str() == "field-removed");
/// assert_eq!(rule, Some(Rule::FieldRemoved));
/// assert_eq!(Rule::FieldRemoved.to_string(), "field-removed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A device (section) of the older release is missing in the newer one (QEMU: `Section
    /// "S" does not exist in dest`).
    SectionRemoved,
    /// The older release's version is above the newer one's, for a section, a description, a
    /// subsection or a nested struct (QEMU: `version error`; a warning for a nested struct,
    /// whose version is not on the wire).
    VersionTooHigh,
    /// The older release's version is below the newer one's minimum version (QEMU: `minimum
    /// version error`; a warning for a nested struct).
    BelowMinimumVersion,
    /// A description has another name (QEMU: `Description "N" missing, got "M" instead`; a
    /// warning for a nested struct, whose name is on no wire).
    DescriptionRenamed,
    /// A field has another name, or the fields were reordered (QEMU: `expected field "F", got
    /// "G"`).
    FieldRenamed,
    /// A field of the older release is missing in the newer one, with no padding in its place
    /// (QEMU: `expected field "F", while dest has no further fields`).
    FieldRemoved,
    /// `unused` padding does not line up with the fields it replaces (QEMU: `unused size
    /// mismatch`).
    PaddingMismatch,
    /// A field's size or array length changed (QEMU: `size mismatch`).
    FieldSizeChanged,
    /// A field's `version_id` (`since`) changed so that the newer release reads the field
    /// under other stream versions than the older one sends it (QEMU: a field's `version
    /// error`).
    FieldVersionChanged,
    /// A nested struct's description is missing in the newer release (QEMU: `missing
    /// description`).
    NestedDescriptionMissing,
    /// A subsection of the older release is missing in the newer one (QEMU: `Subsection "N"
    /// not found`).
    SubsectionRemoved,
    /// The machine types differ (QEMU: `checking incompatible machine types`; a warning).
    MachineChanged,
    /// A field the newer release reads is missing in the older release's stream: added without
    /// `since` above the older version (QEMU's checker does not see this).
    FieldAdded,
    /// A field changed between migrated and derived/immutable/skipped so that a wire changes.
    FieldKindChanged,
    /// A field changed type but not size (`uint32` → `float32`; signedness only: a warning for
    /// a byte or an array, an error for a wider scalar, a native varint).
    FieldTypeChanged,
    /// A `Vec`/`String` field's `max_len` was lowered.
    MaxLenLowered,
    /// A derived field is no longer recomputed after a load: its hook (or the description's
    /// `post_load`) was removed.
    HookRemoved,
    /// Fields were regrouped (scalars into an array of structs, or back) so that QEMU's wire
    /// carries the same values of the same sizes in the same order, under names with the same
    /// words: `tx_fifo[0]`, `rx_fifo[0]`, ... and `fifo[i].tx`, `fifo[i].rx`. A warning when
    /// the streams line up (QEMU's checker still reports a rename); an error between two of
    /// this project's schemas when the native format does not line up, as for fields moved
    /// into or out of a nested struct.
    FieldsRestructured,
    /// A check of loaded values is new or different: a field's `validate`/`range`, a
    /// struct's `validate`, or an integer field turned into an enum (which refuses values
    /// that name no variant). A stream of the old release may hold values it refuses; the
    /// checker cannot run checks, so this is a warning.
    CheckAdded,
    /// A variant of an enum field (or of its elements) is gone: no variant of the newer
    /// release has its discriminant, so a stream of the older release holding it is refused.
    VariantRemoved,
    /// A variant of an enum field kept its name under another discriminant, and its old
    /// discriminant now names another variant: a stream of the older release holding it
    /// loads, as that other variant.
    VariantRenumbered,
    /// A variant of an enum field is gone by name while its discriminant names a variant of
    /// the newer release that the older one lacked: a rename, or another state that a
    /// stream of the older release holding that value loads as. A warning: only the
    /// meaning can tell.
    VariantRenamed,
    /// A description has several subsections of one name: a load looks a subsection up by
    /// its name and takes the first, so a stream carrying another fails to load, or loads its
    /// bytes as the first's fields (QEMU 11.1's `sd-card`, whose RPMB state is named
    /// `sd-card/ext_csd_modes-state` like its EXT_CSD state). In the newer release; or in the
    /// older one only, whose streams carry the others under the name the newer one loads.
    SubsectionNameShared,
    /// A field of the newer release is read from the older release's padding (`unused`,
    /// `Removed<T>`): streams of the older release carry zeros there, so it loads as zero (a
    /// warning: fine for state that may start from zero). Typically migration back to a
    /// release that still has a field this one replaced with padding.
    FieldFromPadding,
    /// A field of the older release moved into a subsection of the newer one, with padding
    /// where it was: a stream of the older release carries it among the fields, which the
    /// newer release skips, and lacks the subsection, so the value is lost (a warning: the
    /// checker cannot tell a move from a removal and an addition).
    MovedIntoSubsection,
}

impl Rule {
    /// Every rule, in the order of the module docs.
    pub const ALL: [Rule; 25] = [
        Rule::SectionRemoved,
        Rule::VersionTooHigh,
        Rule::BelowMinimumVersion,
        Rule::DescriptionRenamed,
        Rule::FieldRenamed,
        Rule::FieldRemoved,
        Rule::PaddingMismatch,
        Rule::FieldSizeChanged,
        Rule::FieldVersionChanged,
        Rule::NestedDescriptionMissing,
        Rule::SubsectionRemoved,
        Rule::MachineChanged,
        Rule::FieldsRestructured,
        Rule::FieldAdded,
        Rule::FieldKindChanged,
        Rule::FieldTypeChanged,
        Rule::MaxLenLowered,
        Rule::HookRemoved,
        Rule::CheckAdded,
        Rule::VariantRemoved,
        Rule::VariantRenumbered,
        Rule::VariantRenamed,
        Rule::SubsectionNameShared,
        Rule::FieldFromPadding,
        Rule::MovedIntoSubsection,
    ];

    /// A short kebab-case name, e.g. `field-renamed`.
    ///
    /// ```
    /// use vmstate_core::schema::Rule;
    /// assert_eq!(Rule::MaxLenLowered.as_str(), "max-len-lowered");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Rule::SectionRemoved => "section-removed",
            Rule::VersionTooHigh => "version-too-high",
            Rule::BelowMinimumVersion => "below-minimum-version",
            Rule::DescriptionRenamed => "description-renamed",
            Rule::FieldRenamed => "field-renamed",
            Rule::FieldRemoved => "field-removed",
            Rule::PaddingMismatch => "padding-mismatch",
            Rule::FieldSizeChanged => "field-size-changed",
            Rule::FieldVersionChanged => "field-version-changed",
            Rule::NestedDescriptionMissing => "nested-description-missing",
            Rule::SubsectionRemoved => "subsection-removed",
            Rule::MachineChanged => "machine-changed",
            Rule::FieldAdded => "field-added",
            Rule::FieldKindChanged => "field-kind-changed",
            Rule::FieldTypeChanged => "field-type-changed",
            Rule::MaxLenLowered => "max-len-lowered",
            Rule::HookRemoved => "hook-removed",
            Rule::FieldsRestructured => "fields-restructured",
            Rule::CheckAdded => "check-added",
            Rule::VariantRemoved => "variant-removed",
            Rule::VariantRenumbered => "variant-renumbered",
            Rule::VariantRenamed => "variant-renamed",
            Rule::SubsectionNameShared => "subsection-name-shared",
            Rule::FieldFromPadding => "field-from-padding",
            Rule::MovedIntoSubsection => "moved-into-subsection",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found by [`check`](crate::schema::check()).
///
/// ```
/// use vmstate_core::schema::{Finding, Rule, Severity};
/// let f = Finding {
///     severity: Severity::Error,
///     rule: Rule::FieldRenamed,
///     path: "dev/Fields/a".into(),
///     message: "field `a` was renamed to `b`".into(),
/// };
/// assert_eq!(f.to_string(), "error[field-renamed] dev/Fields/a: field `a` was renamed to `b`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// The rule that found it.
    pub rule: Rule,
    /// Where: the device key, then `Fields`, `NotOnWire` or `Subsections` and names, e.g.
    /// `integrator_core/Fields/cm_osc` or `dev/Fields/flash/Fields/size`.
    pub path: String,
    /// One sentence: what breaks and how to fix it.
    pub message: String,
}

impl fmt::Display for Finding {
    /// `error[field-renamed] dev/Fields/a: message`, on one line: names from the schemas
    /// are shown by [`one_line`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}] {}: {}",
            self.severity,
            self.rule,
            one_line(&self.path),
            one_line(&self.message)
        )
    }
}

/// `text` (a name read from input, or a message holding one) shown on one line and as
/// written: line breaks, tabs, other control characters and the characters that reorder,
/// join or hide text (bidirectional overrides and marks, zero-width characters, the soft
/// hyphen) are escaped as JSON escapes them (`\u000a`), so a crafted name cannot add lines
/// to a report or pass for another.
///
/// ```
/// use vmstate_core::schema::report::one_line;
/// assert_eq!(one_line("pl031"), "pl031");
/// assert_eq!(one_line("a\nerror[x] b\u{202e}"), "a\\u000aerror[x] b\\u202e");
/// assert_eq!(one_line("pl031\u{200b}"), "pl031\\u200b");
/// ```
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    escape_chars(text, |c| {
        c.is_control()
            || matches!(
                c,
                '\u{00ad}' | '\u{061c}' | '\u{2028}' | '\u{2029}' | '\u{2060}' | '\u{feff}'
            )
            || ('\u{200b}'..='\u{200f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

/// `text` with each character for which `escaped` holds written as a JSON escape
/// (`\u001b`); borrowed when there is none.
///
/// ```
/// use vmstate_core::schema::report::escape_chars;
/// assert_eq!(escape_chars("a\x1bb\n", |c| c == '\x1b'), "a\\u001bb\n");
/// ```
pub fn escape_chars(text: &str, escaped: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(&escaped) {
        return text.into();
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            shown.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            shown.push(c);
        }
    }
    shown.into()
}

/// Everything [`check`](crate::schema::check()) found, in the order of the schemas (devices
/// by key, then fields in order).
///
/// ```
/// use vmstate_core::schema::{Finding, Report, Rule, Severity};
/// let finding = |severity, rule| Finding {
///     severity,
///     rule,
///     path: "dev".into(),
///     message: String::new(),
/// };
/// let report = Report {
///     findings: vec![
///         finding(Severity::Warning, Rule::MachineChanged),
///         finding(Severity::Error, Rule::SectionRemoved),
///     ],
/// };
/// assert_eq!((report.errors(), report.warnings()), (1, 1));
/// assert!(!report.is_compatible());
/// assert_eq!(report.by_rule(Rule::SectionRemoved).count(), 1);
/// assert_eq!(report.to_string().lines().count(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The number of errors: ways in which migration breaks.
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    /// The number of warnings.
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    /// Whether there is no error (warnings allowed).
    pub fn is_compatible(&self) -> bool {
        self.errors() == 0
    }

    /// The findings of `rule`.
    pub fn by_rule(&self, rule: Rule) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.rule == rule)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

impl fmt::Display for Report {
    /// One finding per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_line_breaks_keeps_its_finding_on_one_line() {
        let crafted = "a\nerror[field-removed] dev/Fields/fake: injected\r\u{2028}\u{202e}";
        let report = Report {
            findings: vec![Finding {
                severity: Severity::Error,
                rule: Rule::FieldRenamed,
                path: format!("dev/Fields/{crafted}"),
                message: format!("field `x` was renamed to `{crafted}`"),
            }],
        };
        let shown = report.to_string();
        assert_eq!(shown.lines().count(), 1, "{shown}");
        assert!(shown.contains("a\\u000aerror[field-removed]"), "{shown}");
        assert!(shown.contains("\\u000d\\u2028\\u202e`"), "{shown}");
    }
}
