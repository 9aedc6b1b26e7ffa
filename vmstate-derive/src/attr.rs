//! `#[vmstate(...)]` attributes, parsed into typed values that remember their spans.

use crate::ctxt::Ctxt;
use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, Lit, LitStr, Token};

/// The keys a container attribute accepts.
pub const CONTAINER_KEYS: &[&str] = &[
    "name",
    "version",
    "minimum_version",
    "pre_save",
    "pre_load",
    "post_load",
    "validate",
    "crate",
    "transparent",
    "from",
    "try_from",
    "into",
];
/// The container keys a `transparent` struct accepts (it travels as its one field).
pub const TRANSPARENT_KEYS: &[&str] = &["transparent", "crate"];
/// The container keys an enum accepts (it is a field's type, not a section).
pub const ENUM_KEYS: &[&str] = &["crate", "from", "try_from", "into"];
/// The container keys of a type that travels as another through conversions (serde's
/// `from`/`try_from`/`into`).
pub const CONVERSION_KEYS: &[&str] = &["from", "try_from", "into", "crate"];
/// The keys a field attribute accepts besides [`WIRE_KEYS`]: its described name, its role and
/// its bound.
pub const FIELD_KEYS: &[&str] = &[
    "name",
    "derived",
    "derived_by_owner",
    "derives",
    "immutable",
    "skip",
    "max_len",
    "buffer",
];
/// The field keys that only make sense on a field that travels.
pub const WIRE_KEYS: &[&str] = &[
    "since",
    "default",
    "subsection",
    "needed",
    "exists",
    "exists_if",
    "validate",
    "range",
    "len",
    "equal",
];

/// A value with the span of its key (for "duplicate"/"conflicting key" errors) and of itself.
pub struct Spanned<T> {
    pub value: T,
    pub key: Span,
    pub span: Span,
}

/// A sequence's bound: `max_len = 16`, or a constant's path (`max_len = N` for a const
/// parameter, `max_len = FIFO_DEPTH`), a `usize` known when the struct is instantiated.
pub enum MaxLen {
    Literal(usize),
    Const(syn::ExprPath),
}

impl MaxLen {
    /// The value, when written as a number.
    pub fn literal(&self) -> Option<usize> {
        match self {
            MaxLen::Literal(n) => Some(*n),
            MaxLen::Const(_) => None,
        }
    }
}

/// A type named in an attribute string: `from = "u32"`.
pub struct TypeName {
    /// The type, parsed from the literal; its tokens carry the literal's span.
    pub ty: syn::Type,
    /// The literal's text, as written (for error messages).
    pub text: String,
}

/// A function named in an attribute string: `post_load = "Self::after_load"`.
/// The text of a bare `default`'s function (and of `default = "Default::default"`, which
/// means the same): the field type's `Default::default`.
pub const TYPE_DEFAULT: &str = "Default::default";

pub struct Hook {
    /// The path, parsed from the literal; its tokens carry the literal's span.
    pub path: syn::ExprPath,
    /// The literal's text, as written (for descriptions and error messages).
    pub text: String,
    /// The literal's span: errors about the hook land on it.
    pub span: Span,
}

/// The span for the generated names (`self`, locals) in code about a literal or a field's
/// type: located there, but resolved like the rest of the generated code. With the token's
/// own span they would resolve where the token was written, which for a token passed through
/// a `macro_rules!` is another hygiene context than the derive's.
pub fn code_span(token: Span) -> Span {
    Span::call_site().located_at(token)
}

/// A key that may be given once; a second occurrence is an error on the second key.
pub struct Slot<T> {
    name: &'static str,
    value: Option<Spanned<T>>,
    /// The key was given with a value that was rejected (and reported).
    invalid: bool,
}

impl<T> Slot<T> {
    pub fn new(name: &'static str) -> Self {
        Slot {
            name,
            value: None,
            invalid: false,
        }
    }

    /// Records that the key was given with a bad value, so checks that the key is missing
    /// do not report it a second time.
    fn set_invalid(&mut self) {
        self.invalid = true;
    }

    /// Whether the key was given at all, valid or not.
    pub fn given(&self) -> bool {
        self.value.is_some() || self.invalid
    }

    /// Whether the key was given, but with a bad value or misspelt (and so has none).
    pub fn in_error(&self) -> bool {
        self.invalid && self.value.is_none()
    }

    fn set(&mut self, cx: &Ctxt, key: Span, span: Span, value: T) {
        if let Some(first) = &self.value {
            let mut err =
                syn::Error::new(key, format!("duplicate vmstate attribute `{}`", self.name));
            err.combine(syn::Error::new(
                first.key,
                format!("`{}` first given here", self.name),
            ));
            cx.syn_error(err);
        } else {
            self.value = Some(Spanned { value, key, span });
        }
    }

    pub fn get(&self) -> Option<&Spanned<T>> {
        self.value.as_ref()
    }
}

/// Container attributes.
pub struct Container {
    pub name: Slot<String>,
    pub version: Slot<u32>,
    pub minimum_version: Slot<u32>,
    pub pre_save: Slot<Hook>,
    pub pre_load: Slot<Hook>,
    pub post_load: Slot<Hook>,
    pub validate: Slot<Hook>,
    pub krate: Slot<syn::Path>,
    /// `transparent`: a struct of one field that travels as that field (serde's
    /// `transparent`).
    pub transparent: Slot<()>,
    /// `from = "T"`: loaded as a `T`, then converted with `From<T>` (serde's `from`).
    pub from: Slot<TypeName>,
    /// `try_from = "T"`: loaded as a `T`, then converted with `TryFrom<T>`, whose error
    /// fails the load.
    pub try_from: Slot<TypeName>,
    /// `into = "T"`: saved as a `T`, converted with `Into<T>` from a clone.
    pub into: Slot<TypeName>,
}

/// Field attributes.
pub struct FieldAttrs {
    /// `name = "..."`: the field's name in descriptions, schemas and error paths.
    pub name: Slot<String>,
    /// `derived` (no function: `None`) or `derived = "path"`.
    pub derived: Slot<Option<Hook>>,
    pub derived_by_owner: Slot<()>,
    pub derives: Slot<Hook>,
    pub immutable: Slot<()>,
    pub skip: Slot<()>,
    pub max_len: Slot<MaxLen>,
    /// `since = N`: on the wire from section version N.
    pub since: Slot<u32>,
    /// `default = "path"`: `fn() -> T` for when the input lacks the field.
    pub default: Slot<Hook>,
    /// `subsection`: sent as a QEMU subsection.
    pub subsection: Slot<()>,
    /// `needed = "path"`: `fn(&Self) -> bool`, whether the subsection is sent.
    pub needed: Slot<Hook>,
    /// `exists = "path"`: `fn(&Self, u32) -> bool`, QEMU's `field_exists`.
    pub exists: Slot<Hook>,
    /// `exists_if = "expr"`: a `bool` over the fields before this one, as they were read
    /// (QEMU's `field_exists` on the fields loaded so far).
    pub exists_if: Slot<Expression>,
    /// `validate = "path"`: `fn(&T) -> Result<(), E>` on the loaded value.
    pub validate: Slot<Hook>,
    /// `range = "a..=b"`: the loaded value must lie in it.
    pub range: Slot<Expression>,
    /// `len = "field"`: the field of the same struct that holds this one's length.
    pub len: Slot<LitStr>,
    /// `equal`: a loaded value must equal the destination's (QEMU's `VMSTATE_*_EQUAL`).
    pub equal: Slot<()>,
    /// `buffer`: a `[u8; N]` described as QEMU's `VMSTATE_BUFFER` (one N-byte element).
    pub buffer: Slot<()>,
}

/// An expression given as a string (`range = "0..8"`, `exists_if = "..."`): the expression
/// parsed from it (its tokens located on the string), and the text.
pub struct Expression {
    pub expr: syn::Expr,
    pub text: String,
    pub span: Span,
}

impl Expression {
    /// `expr`, parsed from the string `lit`.
    fn of(lit: &LitStr, expr: syn::Expr) -> Self {
        Expression {
            expr,
            text: lit.value(),
            span: lit.span(),
        }
    }
}

impl Container {
    /// The keys given that only a struct takes (all but `crate`), with their spans.
    pub fn struct_only_keys(&self) -> Vec<(&'static str, Span)> {
        let mut keys = Vec::new();
        let mut push = |name, key: Option<Span>| keys.extend(key.map(|k| (name, k)));
        push("name", self.name.get().map(|s| s.key));
        push("version", self.version.get().map(|s| s.key));
        push("minimum_version", self.minimum_version.get().map(|s| s.key));
        for hook in [
            &self.pre_save,
            &self.pre_load,
            &self.post_load,
            &self.validate,
        ] {
            push(hook.name, hook.get().map(|s| s.key));
        }
        keys
    }

    /// A struct's attributes.
    pub fn parse(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        Self::parse_for(cx, attrs, "container", CONTAINER_KEYS)
    }

    /// A `transparent` struct's attributes: the other struct keys are read too (for a
    /// message that says why they do not apply), but an unknown key is listed against
    /// `TRANSPARENT_KEYS`.
    pub fn parse_transparent(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        Self::parse_for(cx, attrs, "container", TRANSPARENT_KEYS)
    }

    /// Whether the attributes ask for `transparent`: the word as a key of its own in a
    /// `#[vmstate(...)]`, read from the tokens, so that a syntax error elsewhere in the
    /// attribute does not hide it, and a misspelt key or `transparent = ...` does not take
    /// a section struct for a newtype (the derive then parses the attributes for good, and
    /// reports those, on the path this chooses).
    pub fn asks_transparent(attrs: &[syn::Attribute]) -> bool {
        written_keys(attrs).any(|(key, next)| key == "transparent" && next == After::End)
    }

    /// Whether the attributes ask for conversions: `from = `, `try_from = ` or `into = `
    /// written as keys, read from the tokens as for [`Container::asks_transparent`]. Such a
    /// type (struct or enum, of any shape) travels as the type named, whatever it holds.
    pub fn asks_conversion(attrs: &[syn::Attribute]) -> bool {
        written_keys(attrs).any(|(key, next)| {
            matches!(key.as_str(), "from" | "try_from" | "into") && next == After::Equals
        })
    }

    /// The attributes of a type that travels as another through conversions: the other keys
    /// are read too (for a message that says why they do not apply), but an unknown key is
    /// listed against `CONVERSION_KEYS`.
    pub fn parse_conversion(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        Self::parse_for(cx, attrs, "container", CONVERSION_KEYS)
    }

    /// The conversion keys given (`from`, `try_from`, `into`), with their spans.
    pub fn conversion_keys(&self) -> Vec<(&'static str, Span)> {
        [&self.from, &self.try_from, &self.into]
            .into_iter()
            .filter_map(|slot| slot.get().map(|s| (slot.name, s.key)))
            .collect()
    }

    /// Reports conversion keys that reached a path other than the conversions' (the derive
    /// takes a type with any of them down that path, `Container::asks_conversion`): they
    /// must not be lost silently.
    pub fn reject_conversion_keys(&self, cx: &Ctxt) {
        for (key, span) in self.conversion_keys() {
            cx.error_at(
                span,
                format!(
                    "`{key}` was not recognized as this type's key: write it as \
                     `#[vmstate({key} = \"Type\")]`"
                ),
            );
        }
    }

    /// An enum's attributes: the struct keys are read too (for a message that says where
    /// they belong), but an unknown key is listed against `ENUM_KEYS`.
    pub fn parse_enum(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        Self::parse_for(cx, attrs, "enum", ENUM_KEYS)
    }

    fn parse_for(cx: &Ctxt, attrs: &[syn::Attribute], what: &str, valid: &[&'static str]) -> Self {
        let mut c = Container {
            name: Slot::new("name"),
            version: Slot::new("version"),
            minimum_version: Slot::new("minimum_version"),
            pre_save: Slot::new("pre_save"),
            pre_load: Slot::new("pre_load"),
            post_load: Slot::new("post_load"),
            validate: Slot::new("validate"),
            krate: Slot::new("crate"),
            transparent: Slot::new("transparent"),
            from: Slot::new("from"),
            try_from: Slot::new("try_from"),
            into: Slot::new("into"),
        };
        for_each_key(cx, attrs, |key, meta| {
            let span = meta
                .path
                .get_ident()
                .map_or_else(Span::call_site, |i| i.span());
            match key.as_str() {
                "name" => {
                    if let Some(s) = string_value(cx, meta, &key)? {
                        c.name.set(cx, span, s.span(), s.value());
                    }
                }
                "version" => {
                    if let Some((v, s)) = int_value(cx, meta, &key)? {
                        c.version.set(cx, span, s, v);
                    }
                }
                "minimum_version" => {
                    if let Some((v, s)) = int_value(cx, meta, &key)? {
                        c.minimum_version.set(cx, span, s, v);
                    }
                }
                "pre_save" => {
                    if let Some(h) = hook_value(cx, meta, &key)? {
                        c.pre_save.set(cx, span, h.span, h);
                    }
                }
                "post_load" => {
                    if let Some(h) = hook_value(cx, meta, &key)? {
                        c.post_load.set(cx, span, h.span, h);
                    }
                }
                "pre_load" => {
                    if let Some(h) = hook_value(cx, meta, &key)? {
                        c.pre_load.set(cx, span, h.span, h);
                    }
                }
                "validate" => {
                    if let Some(h) = hook_value(cx, meta, &key)? {
                        c.validate.set(cx, span, h.span, h);
                    }
                }
                "transparent" => flag(cx, meta, &key, span, &mut c.transparent)?,
                "from" | "try_from" | "into" => {
                    let slot = match key.as_str() {
                        "from" => &mut c.from,
                        "try_from" => &mut c.try_from,
                        _ => &mut c.into,
                    };
                    match type_value(cx, meta, &key)? {
                        Some((t, s)) => slot.set(cx, span, s, t),
                        None => slot.set_invalid(),
                    }
                }
                "crate" => {
                    if let Some(s) = string_value(cx, meta, &key)? {
                        // A module path: generic arguments would make no item path.
                        let plain =
                            |p: &syn::Path| (p.segments.iter()).all(|s| s.arguments.is_none());
                        match s.parse::<syn::Path>() {
                            Ok(p) if plain(&p) => c.krate.set(cx, span, s.span(), p),
                            _ => cx.error_spanned_by(
                                &s,
                                "`crate` must be a path, e.g. \"::my_vmstate\"",
                            ),
                        }
                    }
                }
                _ => {
                    if let Some(meant) = unknown_key(cx, meta, &key, what, valid)? {
                        c.mark_given(meant);
                    }
                }
            }
            Ok(())
        });
        c
    }

    /// Marks the key `meant` (the valid one closest to a misspelt key) as given, so that
    /// checks that it is missing do not report the one mistake a second time.
    fn mark_given(&mut self, meant: &str) {
        match meant {
            "name" => self.name.set_invalid(),
            "version" => self.version.set_invalid(),
            "minimum_version" => self.minimum_version.set_invalid(),
            "pre_save" => self.pre_save.set_invalid(),
            "pre_load" => self.pre_load.set_invalid(),
            "post_load" => self.post_load.set_invalid(),
            "validate" => self.validate.set_invalid(),
            "crate" => self.krate.set_invalid(),
            "transparent" => self.transparent.set_invalid(),
            "from" => self.from.set_invalid(),
            "try_from" => self.try_from.set_invalid(),
            "into" => self.into.set_invalid(),
            _ => {}
        }
    }
}

impl FieldAttrs {
    pub fn parse(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut f = FieldAttrs {
            name: Slot::new("name"),
            derived: Slot::new("derived"),
            derived_by_owner: Slot::new("derived_by_owner"),
            derives: Slot::new("derives"),
            immutable: Slot::new("immutable"),
            skip: Slot::new("skip"),
            max_len: Slot::new("max_len"),
            since: Slot::new("since"),
            default: Slot::new("default"),
            subsection: Slot::new("subsection"),
            needed: Slot::new("needed"),
            exists: Slot::new("exists"),
            exists_if: Slot::new("exists_if"),
            validate: Slot::new("validate"),
            range: Slot::new("range"),
            len: Slot::new("len"),
            equal: Slot::new("equal"),
            buffer: Slot::new("buffer"),
        };
        for_each_key(cx, attrs, |key, meta| {
            let span = meta
                .path
                .get_ident()
                .map_or_else(Span::call_site, |i| i.span());
            match key.as_str() {
                "name" => match string_value(cx, meta, &key)? {
                    Some(s) => f.name.set(cx, span, s.span(), s.value()),
                    None => f.name.set_invalid(),
                },
                "derived" => {
                    if meta.input.peek(Token![=]) {
                        if let Some(h) = hook_value(cx, meta, &key)? {
                            f.derived.set(cx, span, h.span, Some(h));
                        }
                    } else {
                        f.derived.set(cx, span, span, None);
                    }
                }
                "derives" => {
                    if let Some(h) = hook_value(cx, meta, &key)? {
                        f.derives.set(cx, span, h.span, h);
                    }
                }
                "derived_by_owner" => flag(cx, meta, &key, span, &mut f.derived_by_owner)?,
                "immutable" => flag(cx, meta, &key, span, &mut f.immutable)?,
                "skip" => flag(cx, meta, &key, span, &mut f.skip)?,
                "max_len" => match max_len_value(cx, meta, &key)? {
                    Some((v, s)) => f.max_len.set(cx, span, s, v),
                    None => f.max_len.set_invalid(),
                },
                "since" => match int_value(cx, meta, &key)? {
                    Some((v, s)) => f.since.set(cx, span, s, v),
                    None => f.since.set_invalid(),
                },
                "subsection" => flag(cx, meta, &key, span, &mut f.subsection)?,
                "equal" => flag(cx, meta, &key, span, &mut f.equal)?,
                "buffer" => flag(cx, meta, &key, span, &mut f.buffer)?,
                // A bare `default`, as serde's: the type's `Default::default`.
                "default" if !meta.input.peek(Token![=]) => {
                    // Located on the key, resolved as the derive's code (clippy would take a
                    // path spanned on the user's token for the user's: `absolute_paths`).
                    let at = code_span(span);
                    let path = syn::parse_quote_spanned!(at=> ::core::default::Default::default);
                    let text = TYPE_DEFAULT.to_owned();
                    f.default.set(cx, span, span, Hook { path, text, span });
                }
                "default" | "needed" | "exists" | "validate" => {
                    let slot = match key.as_str() {
                        "default" => &mut f.default,
                        "needed" => &mut f.needed,
                        "exists" => &mut f.exists,
                        _ => &mut f.validate,
                    };
                    match hook_value(cx, meta, &key)? {
                        Some(h) => slot.set(cx, span, h.span, h),
                        None => slot.set_invalid(),
                    }
                }
                "len" => match string_value(cx, meta, &key)? {
                    Some(s) => f.len.set(cx, span, s.span(), s),
                    None => f.len.set_invalid(),
                },
                "exists_if" => match string_value(cx, meta, &key)? {
                    Some(s) => match s.parse::<syn::Expr>() {
                        Ok(expr) => f
                            .exists_if
                            .set(cx, span, s.span(), Expression::of(&s, expr)),
                        Err(e) => {
                            cx.error_spanned_by(
                                &s,
                                format!(
                                    "`exists_if` must be a Rust expression, e.g. \
                                     \"features & FEATURE_X != 0\": {e}"
                                ),
                            );
                            f.exists_if.set_invalid();
                        }
                    },
                    None => f.exists_if.set_invalid(),
                },
                "range" => {
                    if let Some(s) = string_value(cx, meta, &key)? {
                        match s.parse::<syn::Expr>() {
                            Ok(expr @ syn::Expr::Range(_)) => {
                                f.range.set(cx, span, s.span(), Expression::of(&s, expr))
                            }
                            _ => {
                                cx.error_spanned_by(
                                    &s,
                                    "`range` must be a Rust range, e.g. \"0..=7\" or \"..16\"",
                                );
                                f.range.set_invalid();
                            }
                        }
                    } else {
                        f.range.set_invalid();
                    }
                }
                _ => {
                    let valid = [FIELD_KEYS, WIRE_KEYS].concat();
                    if let Some(meant) = unknown_key(cx, meta, &key, "field", &valid)? {
                        f.mark_given(meant);
                    }
                }
            }
            Ok(())
        });
        f
    }

    /// Marks the key `meant` (the valid one closest to a misspelt key) as given, so that
    /// checks that it is missing do not report the one mistake a second time.
    fn mark_given(&mut self, meant: &str) {
        match meant {
            "name" => self.name.set_invalid(),
            "derived" => self.derived.set_invalid(),
            "derived_by_owner" => self.derived_by_owner.set_invalid(),
            "derives" => self.derives.set_invalid(),
            "immutable" => self.immutable.set_invalid(),
            "skip" => self.skip.set_invalid(),
            "max_len" => self.max_len.set_invalid(),
            "buffer" => self.buffer.set_invalid(),
            "since" => self.since.set_invalid(),
            "default" => self.default.set_invalid(),
            "subsection" => self.subsection.set_invalid(),
            "needed" => self.needed.set_invalid(),
            "exists" => self.exists.set_invalid(),
            "exists_if" => self.exists_if.set_invalid(),
            "validate" => self.validate.set_invalid(),
            "range" => self.range.set_invalid(),
            "len" => self.len.set_invalid(),
            "equal" => self.equal.set_invalid(),
            _ => {}
        }
    }

    /// Whether a test decides the field's presence (`exists` or `exists_if`, given even with
    /// a bad value).
    pub fn has_test(&self) -> bool {
        self.exists.given() || self.exists_if.given()
    }

    /// The keys given, with their spans, in a fixed order (for conflict messages). Not `name`,
    /// which goes with every role.
    pub fn given(&self) -> Vec<(&'static str, Span)> {
        let mut out = Vec::new();
        let mut push = |name, span: Option<Span>| {
            if let Some(s) = span {
                out.push((name, s));
            }
        };
        push("derived", self.derived.get().map(|s| s.key));
        push(
            "derived_by_owner",
            self.derived_by_owner.get().map(|s| s.key),
        );
        push("derives", self.derives.get().map(|s| s.key));
        push("immutable", self.immutable.get().map(|s| s.key));
        push("skip", self.skip.get().map(|s| s.key));
        push("max_len", self.max_len.get().map(|s| s.key));
        push("since", self.since.get().map(|s| s.key));
        push("default", self.default.get().map(|s| s.key));
        push("subsection", self.subsection.get().map(|s| s.key));
        push("needed", self.needed.get().map(|s| s.key));
        push("exists", self.exists.get().map(|s| s.key));
        push("exists_if", self.exists_if.get().map(|s| s.key));
        push("validate", self.validate.get().map(|s| s.key));
        push("range", self.range.get().map(|s| s.key));
        push("len", self.len.get().map(|s| s.key));
        push("equal", self.equal.get().map(|s| s.key));
        push("buffer", self.buffer.get().map(|s| s.key));
        out
    }
}

/// What follows a key written in an attribute.
#[derive(PartialEq)]
enum After {
    /// Nothing, or the `,` before the next key.
    End,
    /// `=`: a value.
    Equals,
    Other,
}

/// The words written as keys in the `#[vmstate(...)]` attributes (at the start of the
/// attribute or after a `,`), with what follows each, read from the tokens alone.
fn written_keys(attrs: &[syn::Attribute]) -> impl Iterator<Item = (String, After)> + '_ {
    let lists = attrs.iter().filter_map(|attr| match &attr.meta {
        syn::Meta::List(list) if attr.path().is_ident("vmstate") => Some(list),
        _ => None,
    });
    lists.flat_map(|list| {
        let tokens = ungrouped(list.tokens.clone());
        let is_comma =
            |t: &proc_macro2::TokenTree| matches!(t, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',');
        let mut keys = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            let proc_macro2::TokenTree::Ident(word) = token else {
                continue;
            };
            if i > 0 && !is_comma(&tokens[i - 1]) {
                continue;
            }
            let after = match tokens.get(i + 1) {
                None => After::End,
                Some(t) if is_comma(t) => After::End,
                Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '=' => After::Equals,
                Some(_) => After::Other,
            };
            keys.push((word.to_string(), after));
        }
        keys
    })
}

/// The tokens of a stream with the invisible groups a `macro_rules!` fragment arrives in
/// (`#[vmstate($m)]` with `$m:meta`) opened, as syn's attribute parser looks through them.
fn ungrouped(tokens: proc_macro2::TokenStream) -> Vec<proc_macro2::TokenTree> {
    let mut out = Vec::new();
    for token in tokens {
        match token {
            proc_macro2::TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::None => {
                out.extend(ungrouped(g.stream()))
            }
            token => out.push(token),
        }
    }
    out
}

/// Calls `f` with each key of each `#[vmstate(...)]` attribute; syntax errors are recorded
/// and parsing moves on to the next attribute.
fn for_each_key(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    mut f: impl FnMut(String, &ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("vmstate")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = match meta.path.get_ident() {
                Some(ident) => ident.to_string(),
                None => {
                    cx.error_spanned_by(&meta.path, "expected a vmstate attribute key");
                    skip_value(&meta)?;
                    return Ok(());
                }
            };
            f(key, &meta)
        });
        if let Err(e) = result {
            cx.syn_error(doc_comment_inside(attr).unwrap_or(e));
        }
    }
}

/// The error for a doc comment written inside `#[vmstate(...)]`, where it arrives as
/// `#[doc = "..."]` and syn's own error says only that a token was unexpected.
fn doc_comment_inside(attr: &syn::Attribute) -> Option<syn::Error> {
    let syn::Meta::List(list) = &attr.meta else {
        return None;
    };
    let hash = list.tokens.clone().into_iter().find_map(|tt| match tt {
        proc_macro2::TokenTree::Punct(p) if p.as_char() == '#' => Some(p.span()),
        _ => None,
    })?;
    Some(syn::Error::new(
        hash,
        "a doc comment cannot go inside `#[vmstate(...)]`: write it with `//` there, or as `///` \
         above the attribute",
    ))
}

fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

/// Reports an unknown key, with the valid key it is closest to when it looks misspelt; returns
/// that key.
fn unknown_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    what: &str,
    valid: &[&'static str],
) -> syn::Result<Option<&'static str>> {
    let list = valid
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let meant = closest(key, valid);
    let hint = meant.map_or_else(String::new, |k| format!(" (did you mean `{k}`?)"));
    cx.error_spanned_by(
        &meta.path,
        format!("unknown vmstate {what} attribute `{key}`{hint}; expected one of: {list}"),
    );
    skip_value(meta).map(|()| meant)
}

/// The valid key a misspelt one most likely meant: within a third of its length in edits
/// (at least 1), or one that starts the other (`max_length`, `sub`); none when two are as
/// close. Case is not a misspelling: `VERSION`, `postLoad` and `MaxLen` are compared as
/// `version`, `post_load` and `max_len`.
fn closest(key: &str, valid: &[&'static str]) -> Option<&'static str> {
    let mut snake = String::with_capacity(key.len() + 2);
    let mut after_lower = false;
    for c in key.chars() {
        if c.is_uppercase() && after_lower {
            snake.push('_');
        }
        after_lower = c.is_lowercase() || c.is_ascii_digit();
        snake.extend(c.to_lowercase());
    }
    let key = snake.as_str();
    // Edits between two keys, a swap of two neighbours counting as one (`form`, `from`).
    let distance = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = best;
            }
        }
        d[a.len()][b.len()]
    };
    let near = |k: &&&'static str| {
        let k: &str = k;
        let limit = (key.len().max(k.len()) / 3).max(1);
        distance(key, k) <= limit || (key.len() >= 3 && (k.starts_with(key) || key.starts_with(k)))
    };
    let mut candidates: Vec<(usize, &'static str)> = valid
        .iter()
        .filter(near)
        .map(|k| (distance(key, k), *k))
        .collect();
    candidates.sort();
    match candidates.as_slice() {
        [(d, k), (e, _), ..] if d < e => Some(k),
        [(_, k)] => Some(k),
        _ => None,
    }
}

fn flag(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    span: Span,
    slot: &mut Slot<()>,
) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` takes no value: write `#[vmstate({key})]`"),
        );
        slot.set_invalid();
        return skip_value(meta);
    }
    slot.set(cx, span, span, ());
    Ok(())
}

/// Parses `= <expr>`; a missing `=` is an error on the key.
fn value_expr(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    example: &str,
) -> syn::Result<Option<Expr>> {
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` needs a value: `{key} = {example}`"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let mut expr = meta.value()?.parse::<Expr>()?;
    // A `$value:literal` (or `:expr`) of a `macro_rules!` arrives in an invisible group.
    while let Expr::Group(group) = expr {
        expr = *group.expr;
    }
    Ok(Some(expr))
}

fn string_value(cx: &Ctxt, meta: &ParseNestedMeta, key: &str) -> syn::Result<Option<LitStr>> {
    Ok(
        value_expr(cx, meta, key, "\"...\"")?.and_then(|expr| match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s),
            other => {
                cx.error_spanned_by(
                    &other,
                    format!("`{key}` expects a string literal, e.g. `{key} = \"...\"`"),
                );
                None
            }
        }),
    )
}

/// A type in a string, `from = "u32"`, parsed with the literal's span.
fn type_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
) -> syn::Result<Option<(TypeName, Span)>> {
    let Some(s) = string_value(cx, meta, key)? else {
        return Ok(None);
    };
    Ok(match s.parse::<syn::Type>() {
        Ok(ty) => Some((
            TypeName {
                ty,
                text: s.value(),
            },
            s.span(),
        )),
        Err(_) => {
            cx.error_spanned_by(
                &s,
                format!("`{key}` names a type in a string, e.g. `{key} = \"u32\"`"),
            );
            None
        }
    })
}

/// `max_len`'s value: an integer literal or a constant's path.
fn max_len_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
) -> syn::Result<Option<(MaxLen, Span)>> {
    let other_forms = |cx: &Ctxt, expr: &Expr, fix: String| {
        let message = format!("`{key}` expects an integer literal or a constant's path{fix}");
        cx.error_spanned_by(expr, message);
        None
    };
    Ok(
        value_expr(cx, meta, key, "16")?.and_then(|expr| match expr {
            Expr::Path(path) if path.attrs.is_empty() => {
                let span = syn::spanned::Spanned::span(&path);
                Some((MaxLen::Const(path), span))
            }
            Expr::Lit(ExprLit {
                lit: Lit::Str(ref text),
                ..
            }) => {
                let unquoted = format!(", not a string: write `{key} = {}`", text.value());
                other_forms(cx, &expr, unquoted)
            }
            Expr::Lit(ExprLit {
                lit: Lit::Int(_), ..
            })
            | Expr::Unary(_) => int_from_expr(cx, &expr, key).map(|(n, s)| (MaxLen::Literal(n), s)),
            other => other_forms(
                cx,
                &other,
                format!(", e.g. `{key} = 16` or `{key} = N` (a `usize` const parameter or item)"),
            ),
        }),
    )
}

fn int_value<T: std::str::FromStr>(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
) -> syn::Result<Option<(T, Span)>>
where
    T::Err: std::fmt::Display,
{
    Ok(value_expr(cx, meta, key, "1")?.and_then(|expr| int_from_expr(cx, &expr, key)))
}

/// What a `max_len` above QEMU's 32-bit count is told.
pub const MAX_LEN_TOO_LARGE: &str =
    "`max_len` must be at most 4294967295: QEMU's wire counts a sequence in 32 bits";

/// An integer attribute value from its expression; every other form reported.
fn int_from_expr<T: std::str::FromStr>(cx: &Ctxt, expr: &Expr, key: &str) -> Option<(T, Span)>
where
    T::Err: std::fmt::Display,
{
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) if !i.suffix().is_empty() => {
            // `300u8`, `16f32`: the suffix would be ignored, or contradict the value.
            cx.error_spanned_by(
                i,
                format!(
                    "`{key} = {i}`: write the number without a type suffix (`{key} = {}`)",
                    i.base10_digits()
                ),
            );
            None
        }
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => match i.base10_parse::<T>() {
            Ok(v) => Some((v, i.span())),
            // The digits are a number (the lexer saw to that), so it is too large.
            Err(_) if key == "max_len" => {
                cx.error_spanned_by(i, MAX_LEN_TOO_LARGE);
                None
            }
            Err(e) => {
                let ty = std::any::type_name::<T>();
                let largest = match ty {
                    "u32" => u32::MAX.to_string(),
                    "u64" => u64::MAX.to_string(),
                    _ => e.to_string(),
                };
                cx.error_spanned_by(
                    i,
                    format!("`{key} = {i}` is too large: `{key}` is a `{ty}`, at most {largest}"),
                );
                None
            }
        },
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr: inner,
            ..
        }) if matches!(
            &**inner,
            Expr::Lit(ExprLit {
                lit: Lit::Int(_),
                ..
            })
        ) =>
        {
            cx.error_spanned_by(expr, format!("`{key}` cannot be negative"));
            None
        }
        other => {
            cx.error_spanned_by(
                other,
                format!("`{key}` expects an integer literal, e.g. `{key} = 1`"),
            );
            None
        }
    }
}

fn hook_value(cx: &Ctxt, meta: &ParseNestedMeta, key: &str) -> syn::Result<Option<Hook>> {
    Ok(value_expr(cx, meta, key, "\"Self::function\"")?.and_then(|expr| match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => match s.parse::<syn::ExprPath>() {
            Ok(path) => Some(Hook { path, text: s.value(), span: s.span() }),
            Err(_) => {
                // A value written in the string (`default = "0"`) is the likely slip.
                let what = match key {
                    "default" => "a function `fn() -> T` giving the value, e.g. \"Self::reset_value\", or be a bare `default` for the type's `Default::default`",
                    _ => "a function, e.g. \"Self::update\"",
                };
                cx.error_spanned_by(&s, format!("`{key}` must name {what}"));
                None
            }
        },
        other => {
            // (A bare `default`, without a value, is the type's `Default::default`.)
            let bare = if key == "default" { ", or a bare `default` for the type's `Default::default`" } else { "" };
            cx.error_spanned_by(
                &other,
                format!("`{key}` expects a function path in a string, e.g. `{key} = \"Self::update\"`{bare}"),
            );
            None
        }
    }))
}

/// The key under which derived functions are run once: a method of the struct spelt through
/// `Self` or the struct's bare name (`Self::f`, `<Self>::f`, `Dev::f`, `self::Dev::f`,
/// `Gen::<T>::f`, `<Gen<T>>::f`) is `Self::f`; any other path is its tokens, without a
/// leading `self::` (a free `f` is another function than `Self::f`, `legacy::Dev::f` may be
/// another type's, `<H as Tr>::f` a trait's, and `Self::g::<u8>` one instance of a generic
/// function). Two paths to one function that look different run it twice, never not at all.
pub fn function_key(path: &syn::ExprPath, own: &str) -> String {
    let names_own = |ident: &syn::Ident| ident == "Self" || ident.unraw() == own;
    let segments: Vec<&syn::PathSegment> = path.path.segments.iter().collect();
    let method = segments.last().filter(|s| s.arguments.is_none());
    let owner = match &path.qself {
        // `<Ty>::f`, without `as Trait`.
        Some(q) if q.position == 0 && segments.len() == 1 => match &*q.ty {
            syn::Type::Path(ty) if ty.qself.is_none() => {
                own_type(&ty.path.segments.iter().collect::<Vec<_>>(), &names_own)
            }
            _ => false,
        },
        Some(_) => false,
        // `Dev::f`, `self::Dev::f`: the segments before the method's.
        None => own_type(&segments[..segments.len() - 1], &names_own),
    };
    match method {
        Some(method) if owner => format!("Self::{}", method.ident.unraw()),
        _ => {
            let tokens = path.to_token_stream().to_string();
            match tokens.strip_prefix("self :: ") {
                Some(rest) => rest.to_owned(),
                None => tokens,
            }
        }
    }
}

/// Whether a path's segments (`Ty` of `<Ty>::f` or of `Ty::f`) name the struct: `Self`,
/// `Dev`, `Gen<T>`, `self::Dev`.
fn own_type(segments: &[&syn::PathSegment], names_own: &dyn Fn(&syn::Ident) -> bool) -> bool {
    match segments {
        [first, ty] if first.ident == "self" => names_own(&ty.ident),
        [ty] => names_own(&ty.ident),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{closest, function_key, CONTAINER_KEYS, FIELD_KEYS, WIRE_KEYS};

    #[test]
    fn a_misspelt_key_is_matched_to_the_key_it_meant() {
        let field = [FIELD_KEYS, WIRE_KEYS].concat();
        for (typo, meant) in [
            ("max_length", "max_len"),
            ("maxlen", "max_len"),
            ("sinse", "since"),
            ("defualt", "default"),
            ("immutible", "immutable"),
            ("sub", "subsection"),
            ("lenght", "len"),
            // serde's key for it
            ("rename", "name"),
            ("Skip", "skip"),
            ("maxLen", "max_len"),
            ("MAX_LEN", "max_len"),
        ] {
            assert_eq!(closest(typo, &field), Some(meant), "{typo}");
        }
        for (typo, meant) in [
            ("post_laod", "post_load"),
            ("postload", "post_load"),
            ("versoin", "version"),
            ("min_version", "minimum_version"),
            ("VERSION", "version"),
            ("Name", "name"),
            ("postLoad", "post_load"),
            ("MinimumVersion", "minimum_version"),
            // two neighbours swapped: one edit
            ("form", "from"),
            ("try_form", "try_from"),
            ("itno", "into"),
            ("vesrion", "version"),
        ] {
            assert_eq!(closest(typo, CONTAINER_KEYS), Some(meant), "{typo}");
        }
        for unrelated in ["colour", "x", "serde", "flatten"] {
            assert_eq!(closest(unrelated, &field), None, "{unrelated}");
            assert_eq!(closest(unrelated, CONTAINER_KEYS), None, "{unrelated}");
        }
    }

    #[test]
    fn spellings_of_one_method_share_a_key_and_free_functions_keep_theirs() {
        let key = |text: &str, own: &str| function_key(&syn::parse_str(text).unwrap(), own);
        for spelling in [
            "Self::f",
            "<Self>::f",
            "Dev::f",
            "<Dev>::f",
            "self::Dev::f",
            "<self::Dev>::f",
            "Self :: f",
            "Self::r#f",
            "r#Dev::f",
        ] {
            assert_eq!(key(spelling, "Dev"), "Self::f", "{spelling}");
        }
        assert_eq!(key("Gen::<T>::f", "Gen"), "Self::f");
        assert_eq!(key("<Gen<T>>::f", "Gen"), "Self::f");
        assert_eq!(key("f", "Dev"), "f");
        assert_eq!(key("self::f", "Dev"), "f");
        assert_eq!(key("crate::m::f", "Dev"), key("crate :: m ::f", "Dev"));
        // Other functions, perhaps of another type of the same name.
        for other in [
            "crate::m::f",
            "Other::f",
            "legacy::Dev::f",
            "crate::m::Dev::f",
            "Self::g::<u8>",
            "<Self as Tr>::f",
            "<Dev as Tr>::f",
            "<D as Tr>::f",
            "<Vec<Dev>>::f",
        ] {
            assert!(!key(other, "Dev").starts_with("Self::f"), "{other}");
        }
        // `as` is a word of the path: `<H as Irq>::f` is not `<HasIrq>::f`.
        assert_ne!(key("<H as Irq>::f", "HasIrq"), key("Self::f", "HasIrq"));
        assert_ne!(key("Self::g::<u8>", "Dev"), key("Self::g::<u16>", "Dev"));
    }
}
