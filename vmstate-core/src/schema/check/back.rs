//! Findings worded for migration back ([`check_back`](super::check_back)): from the newer
//! release, which sends, to the older one, which loads. The rules are the same; what differs
//! is who can still change: the older release is out, so every fix goes into the newer one.

use crate::schema::report::{Rule, Severity};

/// The roles of a forward finding's words ("the old release" sends, "the new release"
/// loads) given to the releases of migration back, and the fix replaced by one for the newer
/// release where the forward fix would change the older one.
pub(super) fn reword(rule: Rule, message: &str) -> String {
    // What forward is a removal is back an addition of the newer release, and the other way
    // round.
    let message = swap_names_of_rename(&swap_roles(message)).replacen(
        " was removed:",
        " is not in the older release:",
        1,
    );
    let message = match message.find(" was added").zip(message.find(": ")) {
        // "field `x` was added without a version gate: ..." (to the loader, forward).
        Some((added, colon)) if added < colon => format!(
            "{} is missing from the newer release{}",
            &message[..added],
            &message[colon..]
        ),
        _ => message,
    };
    // A change is named as the migration meets it, from the sender's value to the loader's
    // ("changed size from 4 to 2 bytes" where the newer release widened the field).
    let message = if CHANGES.iter().any(|c| message.contains(c)) {
        format!("going back from the newer release to the older, {message}")
    } else {
        message
    };
    // Padding that only the newer release has: nothing to keep. An immutable field travels
    // natively only, and is compared there: no subsection or padding stands for it.
    let immutable = message.starts_with("immutable field ");
    let fix = match rule {
        Rule::FieldRemoved if message.starts_with("padding ") => {
            Some("drop the padding: the older release has no field there")
        }
        Rule::FieldRemoved if immutable => Some(
            "keep the configuration outside the migrated struct while migration back is \
             supported, or in a new struct with its own name (an immutable field is on no \
             QEMU wire, so no subsection carries it)",
        ),
        Rule::FieldAdded if immutable => Some(
            "keep the immutable field, with the older release's type, while migration back is \
             supported: padding in its place would add bytes to QEMU's wire, where the field \
             never travels, and the older release compares the value it reads with its own",
        ),
        _ => fix_in_newer_release(rule),
    };
    match (fix, fix_start(&message)) {
        (Some(fix), Some(at)) => format!("{}; {fix}", &message[..at]),
        _ => message,
    }
}

/// Words of a forward finding that name a change from the sender's side to the loader's.
const CHANGES: [&str; 7] = [
    " changed ",
    " was lowered",
    " went down",
    " became ",
    " no longer ",
    " is now ",
    " (was ",
];

/// Where a finding's fix starts: it reads "what breaks; how to fix it", with the first "; "
/// outside parentheses and code (a fix may hold more in parentheses).
fn fix_start(message: &str) -> Option<usize> {
    let (mut depth, mut code) = (0i32, false);
    for (at, c) in message.char_indices() {
        match c {
            '`' => code = !code,
            '(' if !code => depth += 1,
            ')' if !code => depth -= 1,
            ';' if !code && depth == 0 && message[at..].starts_with("; ") => return Some(at),
            _ => {}
        }
    }
    None
}

/// A subsection the older release lacks breaks migration back only when the newer release
/// sends it (its `needed` says so): the way QEMU adds state, so a warning.
pub(super) fn severity(rule: Rule, severity: Severity) -> Severity {
    match rule {
        Rule::SubsectionRemoved => Severity::Warning,
        _ => severity,
    }
}

/// "`a` was renamed to `b`", with `a` the sender's name: the newer release renamed `b`.
fn swap_names_of_rename(message: &str) -> String {
    const RENAMED: &str = "` was renamed to `";
    let Some(at) = message.find(RENAMED) else {
        return message.to_owned();
    };
    let (before, after) = (&message[..at], &message[at + RENAMED.len()..]);
    match (before.rfind('`'), after.find('`')) {
        (Some(start), Some(end)) => format!(
            "{}`{}{RENAMED}{}`{}",
            &before[..start],
            &after[..end],
            &before[start + 1..],
            &after[end + 1..]
        ),
        _ => message.to_owned(),
    }
}

/// "old release" (the sender) becomes "newer release", "new release" (the loader) "older
/// release", and so their "one"s.
fn swap_roles(message: &str) -> String {
    const ROLES: [(&str, &str, &str); 8] = [
        ("old release", "\u{1}", "newer release"),
        ("new release", "\u{2}", "older release"),
        ("the old one", "\u{3}", "the newer one"),
        ("the new one", "\u{4}", "the older one"),
        ("the old `", "\u{5}", "the newer release's `"),
        ("the new `", "\u{6}", "the older release's `"),
        ("in the old", "\u{7}", "in the newer release"),
        ("in the new", "\u{8}", "in the older release"),
    ];
    let mut out = message
        .replace("the old stream", "the newer release's stream")
        .replace("an old stream", "a stream of the newer release");
    for (forward, placeholder, _) in ROLES {
        out = replace_words(&out, forward, placeholder);
    }
    for (_, placeholder, back) in ROLES {
        out = out.replace(placeholder, back);
    }
    out
}

/// The fix for the newer release, for the rules whose forward fix changes the loader.
fn fix_in_newer_release(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::SectionRemoved => {
            "keep the device out of machines that migrate back to the older release"
        }
        Rule::VersionTooHigh => {
            "keep `version` at what the older release loads while migration back is supported, \
             and send new state in a subsection whose `needed` is false unless the state is in \
             use"
        }
        Rule::BelowMinimumVersion => {
            "raise `version` to what the older release loads (at least its `minimum_version`)"
        }
        Rule::DescriptionRenamed => "keep the older release's name (`#[vmstate(name = \"...\")]`)",
        Rule::FieldRenamed => {
            "keep the older release's names and order (`#[vmstate(name = \"...\")]` keeps a \
             name)"
        }
        Rule::FieldRemoved => {
            "keep it out of the fields while migration back is supported: send it in a \
             subsection whose `needed` is false unless it is in use"
        }
        Rule::FieldAdded => {
            "keep the field while migration back is supported (for a plain value, \
             `vmstate_core::Removed<T>` in its place keeps the stream aligned, and the older \
             release loads zero)"
        }
        Rule::FieldSizeChanged
        | Rule::FieldTypeChanged
        | Rule::FieldKindChanged
        | Rule::FieldVersionChanged
        | Rule::FieldsRestructured
        | Rule::NestedDescriptionMissing => {
            "keep the field as the older release reads it (type, size, kind, place and \
             version) while migration back is supported; new state goes in a subsection"
        }
        Rule::SubsectionRemoved => {
            "keep its `needed` false unless the state is in use: migration back fails whenever \
             the newer release sends it (a subsection without `needed` is always sent)"
        }
        Rule::PaddingMismatch => {
            "make the newer release's padding stand for exactly the older release's fields, \
             with their types (`vmstate_core::Removed<T>` for each)"
        }
        Rule::FieldFromPadding => {
            "keep sending its value while migration back is supported (a migrated field that \
             `pre_save` fills in), unless zero is a state the older release may start from"
        }
        Rule::MaxLenLowered => {
            "keep the sequence within the older release's bound while migration back is \
             supported"
        }
        Rule::VariantRemoved => {
            "keep the value to variants the older release has while migration back is \
             supported"
        }
        Rule::VariantRenumbered => "keep the older release's discriminants",
        Rule::VariantRenamed => {
            "keep the older release's names, unless the variant is the same state renamed"
        }
        Rule::HookRemoved => {
            "keep sending the field while migration back is supported: the older release \
             does not recompute it"
        }
        Rule::CheckAdded => "keep values within the older release's checks",
        Rule::MovedIntoSubsection => {
            "send the value in the subsection the older release reads it from, while migration \
             back is supported"
        }
        Rule::MachineChanged | Rule::SubsectionNameShared => return None,
    })
}

/// `text` with `from` replaced where it does not run on into a longer word ("in the new"
/// but not "in the newer").
fn replace_words(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let after = &rest[at + from.len()..];
        let whole = !after.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        out.push_str(if whole { to } else { from });
        rest = after;
    }
    out.push_str(rest);
    out
}
