//! The compatibility checker (work in progress: being written now).
use super::Schema;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Informational.
    Warning,
    /// Migration breaks.
    Error,
}

/// Which rule found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A section is missing.
    SectionRemoved,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Rule.
    pub rule: Rule,
    /// Path.
    pub path: String,
    /// Message.
    pub message: String,
}

/// All findings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Findings.
    pub findings: Vec<Finding>,
}

/// Compares two schemas.
pub fn check(old: &Schema, new: &Schema) -> Report {
    let _ = (old, new);
    Report::default()
}
