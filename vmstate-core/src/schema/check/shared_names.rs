//! Subsections that share a name ([`Rule::SubsectionNameShared`]; QEMU 11.1's `sd-card` has
//! two): a load looks a subsection up by its name and takes the first of it (QEMU's
//! `vmstate_get_subsection`, and this project's loader), so the others' state never loads.
//! QEMU's checker is silent on them.

use super::Checker;
use crate::schema::report::Rule;
use crate::schema::Desc;

/// `d`'s subsections by name, in the order of each name's first: every subsection of it.
fn by_name(d: &Desc) -> Vec<(&str, Vec<&Desc>)> {
    let mut out: Vec<(&str, Vec<&Desc>)> = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for s in &d.subsections {
        match at.get(s.name.as_str()) {
            Some(&i) => out[i].1.push(s),
            None => {
                at.insert(s.name.as_str(), out.len());
                out.push((&s.name, vec![s]));
            }
        }
    }
    out
}

/// A subsection's fields for a message: "fields `a`, `b`", or "no fields".
fn field_list(d: &Desc) -> String {
    match d.fields.len() {
        0 => "no fields".to_owned(),
        _ => {
            let names = d.fields.iter().map(|f| format!("`{}`", f.field));
            format!("fields {}", crate::error::first_few(names))
        }
    }
}

/// The field lists of `others` for a message (the first few), and how to name them ("the
/// second", "the others").
fn others(others: &[&Desc]) -> (String, &'static str) {
    const SHOWN: usize = 4;
    let mut lists: Vec<String> = others.iter().take(SHOWN).map(|d| field_list(d)).collect();
    if others.len() > SHOWN {
        lists.push(format!("and {} more", others.len() - SHOWN));
    }
    let which = if others.len() == 1 {
        "the second"
    } else {
        "the others"
    };
    (lists.join("; "), which)
}

impl Checker {
    /// Every description of the newer release that travels, at any depth (nested structs,
    /// migrated or immutable, and the first subsection of each name, which is the one loaded):
    /// a name its subsections share is reported once, at `{path}/Subsections/{name}`. Whether
    /// or not the older release has the description: the newer release cannot load such a
    /// subsection of its own streams.
    pub(super) fn shared_names_in_new(&mut self, path: &str, new: &Desc) {
        for (name, all) in by_name(new) {
            let sub_path = format!("{path}/Subsections/{name}");
            if let [first, rest @ ..] = all.as_slice() {
                if !rest.is_empty() {
                    let (lists, which) = others(rest);
                    self.error(
                        Rule::SubsectionNameShared,
                        sub_path.clone(),
                        format!(
                            "description `{}` has {} subsections named `{name}`: a load looks a \
                             subsection up by its name and takes the first ({}), so a stream \
                             carrying {which} ({lists}) fails to load or loads its bytes as the \
                             first's fields; give each its own name",
                            new.name,
                            all.len(),
                            field_list(first),
                        ),
                    );
                }
                self.shared_names_in_new(&sub_path, first);
            }
        }
        for (list, fields) in [("Fields", &new.fields), ("NotOnWire", &new.not_on_wire)] {
            // (A skipped or derived struct is on no wire.)
            for f in fields
                .iter()
                .filter(|f| matches!(f.kind(), "migrated" | "immutable"))
            {
                if let Some(d) = f.description.as_deref() {
                    self.shared_names_in_new(&format!("{path}/{list}/{}", f.field), d);
                }
            }
        }
    }

    /// Subsections of one name in the older release's description `old`, paired with `new` by
    /// the checker's walk (sections, nested structs, subsections, immutable structs):
    /// the old release's streams carry the others under the first's name, and the new release
    /// loads them with its subsection of that name. Reported once per name, at
    /// `{path}/Subsections/{name}`, unless `new` lacks the name (the first is reported
    /// removed) or shares it too ([`Self::shared_names_in_new`] reports that).
    pub(super) fn shared_names_in_old(&mut self, path: &str, old: &Desc, new: &Desc) {
        for (name, all) in by_name(old) {
            let rest = &all[1..];
            if rest.is_empty() {
                continue;
            }
            let mut in_new = new.subsections.iter().filter(|s| s.name == name);
            let (Some(loaded_by), None) = (in_new.next(), in_new.next()) else {
                continue;
            };
            let (lists, which) = others(rest);
            self.error(
                Rule::SubsectionNameShared,
                format!("{path}/Subsections/{name}"),
                format!(
                    "the old release's description `{}` has {} subsections named `{name}`: its \
                     streams carry {which} ({lists}) under that name, and the new release loads \
                     {} as its subsection of the name ({}), which fails or reads the bytes as \
                     other fields",
                    old.name,
                    all.len(),
                    if rest.len() == 1 { "it" } else { "each" },
                    field_list(loaded_by)
                ),
            );
        }
    }
}
