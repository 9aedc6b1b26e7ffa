//! Field types: what can travel on a wire, sequences' elements, and a struct that holds itself.

use super::limits::is_std_wrapper;
use crate::ast::Input;
use crate::ctxt::Ctxt;

/// std's atomics that migrate (`AtomicUsize`/`AtomicIsize` cannot: `check_wire_type`).
const STD_ATOMICS: &[&str] = &[
    "AtomicBool",
    "AtomicU8",
    "AtomicI8",
    "AtomicU16",
    "AtomicI16",
    "AtomicU32",
    "AtomicI32",
    "AtomicU64",
    "AtomicI64",
];

/// Whether `ty` holds what rustc refuses in any struct's field type: the placeholder `_`
/// where a type or an array length goes (`_`, `Vec<_>`, `[u8; _]`), or `impl Trait`; not a
/// parameter's name in a fn pointer (`fn(_: u32)`), nor anything inside a macro (its
/// expansion is not known here).
pub(super) fn rustc_refuses(ty: &syn::Type) -> bool {
    use syn::Type as T;
    match ty {
        T::Infer(_) | T::ImplTrait(_) => true,
        T::Array(a) => rustc_refuses(&a.elem) || matches!(a.len, syn::Expr::Infer(_)),
        T::Group(g) => rustc_refuses(&g.elem),
        T::Paren(p) => rustc_refuses(&p.elem),
        T::Ptr(p) => rustc_refuses(&p.elem),
        T::Reference(r) => rustc_refuses(&r.elem),
        T::Slice(s) => rustc_refuses(&s.elem),
        T::Tuple(t) => t.elems.iter().any(rustc_refuses),
        T::FnPtr(f) => {
            f.inputs.iter().any(|arg| rustc_refuses(&arg.ty)) || returns_refused(&f.output)
        }
        T::Path(p) => {
            p.qself.as_ref().is_some_and(|q| rustc_refuses(&q.ty))
                || (p.path.segments.iter()).any(|s| arguments_refused(&s.arguments))
        }
        _ => false,
    }
}

fn arguments_refused(arguments: &syn::PathArguments) -> bool {
    match arguments {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().any(|arg| match arg {
            syn::GenericArgument::Type(t) => rustc_refuses(t),
            syn::GenericArgument::Const(c) => matches!(c, syn::Expr::Infer(_)),
            syn::GenericArgument::AssocType(a) => rustc_refuses(&a.ty),
            _ => false,
        }),
        syn::PathArguments::Parenthesized(p) => {
            p.inputs.iter().any(|arg| rustc_refuses(&arg.ty)) || returns_refused(&p.output)
        }
        syn::PathArguments::None => false,
    }
}

fn returns_refused(output: &syn::ReturnType) -> bool {
    matches!(output, syn::ReturnType::Type(_, t) if rustc_refuses(t))
}

/// The last segment of `ty`'s path where it names a type of std by name (a bare name, or a
/// path through `std`, `core` or `alloc`), for the checks that know std's types.
pub(crate) fn std_type(ty: &syn::Type) -> Option<&syn::PathSegment> {
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return None;
    };
    (p.qself.is_none() && names_std(&p.path))
        .then(|| p.path.segments.last())
        .flatten()
}

/// Whether `segment` names one of std's atomics that migrate.
pub(super) fn is_std_atomic(segment: &syn::PathSegment) -> bool {
    segment.arguments.is_empty() && STD_ATOMICS.iter().any(|a| segment.ident == a)
}

/// A migrated type that holds the struct itself (`Vec<Self>`, `Box<[Bus]>` in `Bus`) has a
/// description without end; rustc would report it as an overflow in generated items.
pub(super) fn check_not_recursive(cx: &Ctxt, input: &Input, ty: &syn::Type) {
    // Only through the containers that hold their argument's state (a user's `Id<Bus>`
    // may be a number that names a `Bus`).
    fn holds(ty: &syn::Type, name: &syn::Ident) -> bool {
        match crate::ast::ungroup(ty) {
            syn::Type::Path(p) if p.qself.is_none() => {
                let Some(last) = p.path.segments.last() else {
                    return false;
                };
                if p.path.segments.len() == 1 && (last.ident == "Self" || last.ident == *name) {
                    return true;
                }
                let container = ["Vec", "VecDeque", "Box", "Cell", "Removed"]
                    .iter()
                    .any(|c| last.ident == c);
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return false;
                };
                container
                    && args
                        .args
                        .iter()
                        .any(|a| matches!(a, syn::GenericArgument::Type(t) if holds(t, name)))
            }
            syn::Type::Array(a) => holds(&a.elem, name),
            syn::Type::Slice(s) => holds(&s.elem, name),
            syn::Type::Paren(p) => holds(&p.elem, name),
            _ => false,
        }
    }
    if holds(ty, input.ident) {
        cx.error_spanned_by(
            ty,
            format!(
                "`{}` cannot hold itself: a migrated field's type must not contain the struct \
                 (its description would have no end); keep the nested state in another struct, \
                 or mark the field `#[vmstate(skip)]`",
                input.ident
            ),
        );
    }
}

/// The element of a `Vec<T>`, `VecDeque<T>` or `Box<[T]>` field (std's, by name): what a
/// `range` on the sequence bounds.
pub(crate) fn sequence_elem(ty: &syn::Type) -> Option<&syn::Type> {
    let last = std_type(ty)?;
    sequence_element(&last.ident.to_string(), &last.arguments)
}

/// The element of `Vec<T>`, `VecDeque<T>` or `Box<[T]>` (`name` and `args`: the path's last
/// segment).
fn sequence_element<'a>(name: &str, args: &'a syn::PathArguments) -> Option<&'a syn::Type> {
    let syn::PathArguments::AngleBracketed(args) = args else {
        return None;
    };
    let Some(syn::GenericArgument::Type(arg)) = args.args.first() else {
        return None;
    };
    match (name, crate::ast::ungroup(arg)) {
        ("Vec" | "VecDeque", _) => Some(arg),
        ("Box", syn::Type::Slice(s)) => Some(&s.elem),
        _ => None,
    }
}

/// A sequence's elements are plain values or structs built fresh from `Default`: not atomics
/// (compared as values before the commit) nor boxes (the sequence holds them on the heap).
/// Whether it reported the element (then nothing more is said of it).
fn check_sequence_element(cx: &Ctxt, elem: &syn::Type) -> bool {
    let Some(last) = std_type(elem) else {
        return false;
    };
    let name = last.ident.to_string();
    if is_std_atomic(last) {
        let plain = name.trim_start_matches("Atomic").to_lowercase();
        cx.error_spanned_by(
            elem,
            format!(
                "an `{name}` cannot be a sequence's element (of a `Vec`, `VecDeque` or \
                 `Box<[T]>`): elements are plain values or structs, loaded fresh and compared \
                 before the commit; store `{plain}`s and set the atomics from them in \
                 `post_load` (a type of your own so named is named by its path)"
            ),
        );
        true
    } else if name == "Box" && !last.arguments.is_empty() {
        cx.error_spanned_by(
            elem,
            "a sequence's element (of a `Vec`, `VecDeque` or `Box<[T]>`) is the value itself: \
             write `Vec<T>`, not `Vec<Box<T>>` (the sequence holds its elements on the heap \
             already; a type of your own named `Box` is named by its path)",
        );
        true
    } else {
        false
    }
}

/// The derive's own errors for a type that must be a plain value (what a `transparent`
/// struct wraps, what a type travels as through `from`/`into`), with what to store instead,
/// on the type: std's types that cannot migrate at all (as in any struct), and the sequences
/// (`Vec`, `VecDeque`, `Box`, `String`), which migrate in a struct but are not plain values,
/// `sequence_message` saying why for the sequence named. (Another type that is not `Plain`
/// fails the impls' bound, on the type.)
pub(crate) fn check_plain_type(
    cx: &Ctxt,
    generics: &syn::Generics,
    ty: &syn::Type,
    sequence_message: impl Fn(&str) -> String,
) {
    let errors = cx.len();
    check_wire_type(cx, generics, ty);
    if cx.len() > errors {
        return;
    }
    let sequence = std_type(ty).map(|last| last.ident.to_string());
    if let Some(name @ ("Vec" | "VecDeque" | "Box" | "String")) = sequence.as_deref() {
        cx.error_spanned_by(ty, sequence_message(name));
    }
}

/// Why a field's type has no size known at compile time (a slice, `str`, a trait object),
/// with what to write instead; `None` for a sized one. Such a field ends a struct that no
/// generated code can stage, copy or implement a trait for, skipped or not.
pub(crate) fn unsized_problem(ty: &syn::Type) -> Option<String> {
    let what = match crate::ast::ungroup(ty) {
        syn::Type::Slice(s) => {
            let elem = crate::expand::type_string(&s.elem);
            format!(
                "a slice; for a sequence, use `Vec<{elem}>` or `Box<[{elem}]>` with `max_len` \
                 (and `len` for a count held by another field)"
            )
        }
        syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => {
            "`str`; for text, use `String` with `max_len`".to_owned()
        }
        syn::Type::TraitObject(_) => {
            "a trait object; migrate a concrete type, or keep host state as a \
             `Box<dyn ...>` field marked `#[vmstate(skip)]`"
                .to_owned()
        }
        _ => return None,
    };
    Some(format!(
        "this type has no size known at compile time, so a struct that ends with it cannot \
         migrate (its load stages and copies whole values): it is {what}"
    ))
}

/// Types that can never implement `Field` (std's, with no fixed wire form) get a message that
/// says what to store instead, on the type itself, rather than the trait error's generic
/// "cannot migrate". Array lengths are not types and are not looked into.
pub(crate) fn check_wire_type(cx: &Ctxt, generics: &syn::Generics, ty: &syn::Type) {
    match crate::ast::ungroup(ty) {
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return;
            };
            let std_path = names_std(&p.path);
            let name = last.ident.to_string();
            let problem = match name.as_str() {
                "usize" | "isize" if last.arguments.is_empty() && std_path => {
                    let fixed = if name == "usize" { "u64" } else { "i64" };
                    Some(format!(
                        "`{name}` cannot migrate: its width depends on the host, and both wire \
                         formats have fixed-width integers only; store the value as `{fixed}` \
                         (or a narrower fixed-width integer)"
                    ))
                }
                "AtomicUsize" | "AtomicIsize" if last.arguments.is_empty() && std_path => {
                    let fixed = if name == "AtomicUsize" {
                        "AtomicU64"
                    } else {
                        "AtomicI64"
                    };
                    Some(format!(
                        "`{name}` cannot migrate: its width depends on the host, and both wire \
                         formats have fixed-width integers only; store the value in an \
                         `{fixed}` (or a narrower fixed-width atomic)"
                    ))
                }
                "char" if last.arguments.is_empty() && std_path => Some(
                    "`char` cannot migrate: neither wire format has characters; store it as \
                     a `u32` and convert it with `char::from_u32` after the load"
                        .to_owned(),
                ),
                "PhantomData" if std_path => Some(
                    "`PhantomData` carries no state: mark it `#[vmstate(skip)]` (it is \
                     described as skipped, and nothing is sent; a type of your own so named is \
                     named by its path)"
                        .to_owned(),
                ),
                "Box" if std_path => boxed_sequence(ty).map(|inner| {
                    format!(
                        "`Box<{inner}>` cannot migrate: a sequence migrates unboxed (it holds its \
                         elements on the heap already); write `{inner}` with `max_len` (a \
                         type of your own named `Box` is named by its path)"
                    )
                }),
                // Without its argument, the name of another type.
                "Option" if std_path && !last.arguments.is_empty() => Some(
                    "`Option` cannot migrate: QEMU's wire has no optional values; send a flag \
                     field and the value, or put the value in a nested struct sent as a \
                     `subsection` whose `needed` function says whether it is there (a type of \
                     your own so named is named by its path)"
                        .to_owned(),
                ),
                // A type parameter so named is the parameter (the std type is not in scope).
                _ if std_path && !is_type_param(generics, &p.path) => std_type_problem(&name),
                _ => None,
            };
            match problem {
                Some(message) => cx.error_spanned_by(ty, message),
                // Into the containers this crate implements `Field` for (and its
                // `Removed`); a user's own generic type may implement it for any argument.
                None if matches!(name.as_str(), "Vec" | "VecDeque" | "Box" | "Cell")
                    || is_std_wrapper(&p.path)
                    || names_own_removed(&p.path) =>
                {
                    if std_path {
                        if let Some(elem) = sequence_element(&name, &last.arguments) {
                            if check_sequence_element(cx, elem) {
                                // Said of the element: only what a box holds is looked into
                                // (`Vec<Box<usize>>`), not the box again (`Box<Vec<u8>>`).
                                if let Some(inner) = type_argument(elem) {
                                    check_wire_type(cx, generics, inner);
                                }
                                return;
                            }
                        }
                    }
                    if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                        for arg in &args.args {
                            if let syn::GenericArgument::Type(inner) = arg {
                                check_wire_type(cx, generics, inner);
                            }
                        }
                    }
                }
                None => {}
            }
        }
        syn::Type::Array(a) => check_wire_type(cx, generics, &a.elem),
        syn::Type::Slice(s) => check_wire_type(cx, generics, &s.elem),
        syn::Type::Paren(p) => check_wire_type(cx, generics, &p.elem),
        syn::Type::Group(g) => check_wire_type(cx, generics, &g.elem),
        syn::Type::Tuple(t) => cx.error_spanned_by(
            ty,
            if t.elems.is_empty() {
                "`()` cannot migrate: it carries nothing; remove the field or mark it \
                 `#[vmstate(skip)]`"
            } else {
                "a tuple cannot migrate: QEMU's descriptions name every value; use a struct \
                 that derives `VmState`"
            },
        ),
        syn::Type::FnPtr(_) => cx.error_spanned_by(
            ty,
            "a function pointer cannot migrate: it is an address in this process; mark the \
             field `#[vmstate(skip)]` (the destination keeps its own)",
        ),
        syn::Type::Reference(_) | syn::Type::Ptr(_) => cx.error_spanned_by(
            ty,
            "a reference or pointer cannot migrate: a load must write the value; own it, or \
             mark the field `#[vmstate(skip)]`",
        ),
        _ => {}
    }
}

/// Whether `path` names the runtime crate's `Removed`: bare, or as `vmstate_core::Removed`
/// (a type of one's own so named is named by another path).
fn names_own_removed(path: &syn::Path) -> bool {
    let idents: Vec<&syn::Ident> = path.segments.iter().map(|s| &s.ident).collect();
    match idents.as_slice() {
        [last] => *last == "Removed",
        [krate, last] => *krate == "vmstate_core" && *last == "Removed",
        _ => false,
    }
}

/// The one type argument of a path type (`T` of `Box<T>`).
fn type_argument(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(args) = &std_type(ty)?.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>()[..] {
        [syn::GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// The sequence a `Box` holds (`Vec<u8>` of `Box<Vec<u8>>`), written out: std's `Vec`,
/// `VecDeque` or `String`, which migrate with `max_len` unboxed.
fn boxed_sequence(boxed: &syn::Type) -> Option<String> {
    let inner = type_argument(boxed)?;
    let last = std_type(inner)?;
    let sequence = match last.ident.to_string().as_str() {
        "Vec" | "VecDeque" => !last.arguments.is_empty(),
        "String" => last.arguments.is_empty(),
        _ => false,
    };
    sequence.then(|| crate::expand::type_string(inner))
}

/// Why a type of std named `name` cannot migrate, with what to store instead, for the std
/// types a device struct is likely to hold. Another crate cannot implement `Field` for them,
/// so rustc would report the missing impl at the struct and again at every use of it, and
/// not at all where the type names a parameter of the struct (`HashMap<u32, T>`) until one
/// is used.
fn std_type_problem(name: &str) -> Option<String> {
    let own = "a type of your own so named is named by its path";
    let why = match name {
        "Rc" | "Arc" | "Weak" | "RefCell" | "Mutex" | "RwLock" | "OnceCell" | "OnceLock"
        | "LazyCell" | "LazyLock" => format!(
            "a load stages the new state and swaps it in, which shared or locked state cannot \
             take; migrate what it holds where that is owned, and mark this field \
             `#[vmstate(skip)]` (a `Cell` of a plain value migrates; {own})"
        ),
        "HashMap" | "HashSet" | "BTreeMap" | "BTreeSet" | "LinkedList" | "BinaryHeap" => {
            format!(
                "neither wire format has maps, sets, heaps or linked lists; send a `Vec` with \
                 `max_len` (of a struct that derives `VmState`, for a key and its value), or \
                 for a queue a `VecDeque` with `max_len` or an array with a head and a count \
                 as QEMU's FIFOs do ({own})"
            )
        }
        "Cow" => format!(
            "a load must own what it writes; use a `Vec` or `String` with `max_len` ({own})"
        ),
        "Instant" | "SystemTime" => format!(
            "a point in this host's time means nothing on another; migrate the time left as \
             an integer (QEMU migrates its timers as `i64` nanoseconds), mark this field \
             `#[vmstate(skip)]` and rebuild it in `post_load` ({own})"
        ),
        "Duration" => {
            format!("neither wire format has one; store its nanoseconds in a `u64` ({own})")
        }
        "NonZero" | "NonZeroU8" | "NonZeroU16" | "NonZeroU32" | "NonZeroU64" | "NonZeroU128"
        | "NonZeroUsize" | "NonZeroI8" | "NonZeroI16" | "NonZeroI32" | "NonZeroI64"
        | "NonZeroI128" | "NonZeroIsize" => format!(
            "a load stages every value before it checks any, and a `{name}` has no value to \
             stage; store the integer and refuse zero with `range = \"1..\"` ({own})"
        ),
        _ => return None,
    };
    Some(format!("`{name}` cannot migrate: {why}"))
}

/// Whether `path` is one of the struct's type parameters.
pub(super) fn is_type_param(generics: &syn::Generics, path: &syn::Path) -> bool {
    (path.get_ident()).is_some_and(|i| generics.type_params().any(|t| t.ident == *i))
}

/// Whether `path` may name a std type: a bare name (`usize`, `Option`), or a path through
/// `core` or `std` (a user's own `foo::Option` is another type).
pub(super) fn names_std(path: &syn::Path) -> bool {
    path.segments.len() == 1
        || path
            .segments
            .first()
            .is_some_and(|f| f.ident == "core" || f.ident == "std" || f.ident == "alloc")
}

/// Whether `ty` is std's `Option<T>`.
pub(super) fn is_option(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return false;
    };
    p.qself.is_none()
        && names_std(&p.path)
        && p.path
            .segments
            .last()
            .is_some_and(|l| l.ident == "Option" && !l.arguments.is_empty())
}
