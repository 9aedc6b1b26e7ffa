//! The static, reflectable description of a migratable type.
//!
//! Every `#[derive(VmState)]` struct carries a [`Description`] in
//! [`VmState::DESCRIPTION`](crate::VmState::DESCRIPTION): its section name, versions, hooks and
//! one [`FieldDesc`] per field — including the fields that never travel (derived, immutable on
//! QEMU's wire, skipped). Tools (schema dumps, the compatibility checker, stream inspectors) read
//! it without running any device code.

/// The description of one migratable struct: QEMU's `VMStateDescription`, with every field.
///
/// ```
/// use vmstate_core::{FieldKind, VmState};
///
/// #[derive(VmState)]
/// #[vmstate(name = "timer", version = 2, minimum_version = 1)]
/// struct Timer {
///     count: u32,
///     #[vmstate(skip)]
///     host_cookie: u64,
/// }
///
/// let d = Timer::DESCRIPTION;
/// assert_eq!((d.name, d.version, d.minimum_version), ("timer", 2, 1));
/// assert_eq!(d.fields[1].kind, FieldKind::Skipped);
/// assert_eq!(d.field("count").unwrap().shape.qemu_size(), Some(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Description {
    /// Section name (QEMU's `vmsd->name`), e.g. `integratorcm`.
    pub name: &'static str,
    /// The version this build writes.
    pub version: u32,
    /// The oldest version this build can load.
    pub minimum_version: u32,
    /// Every field in declaration order, migrated or not.
    pub fields: &'static [FieldDesc],
    /// The container's hooks, as written in the attributes.
    pub hooks: Hooks,
    /// The subsections: fields of kind [`FieldKind::Subsection`], in order (also in `fields`).
    pub subsections: &'static [&'static Description],
    /// The Rust type the description was derived from.
    pub rust_type: &'static str,
}

impl Description {
    /// Whether the struct's loaded fields depend on the destination's configuration: an
    /// `immutable` or `equal` field, or a sequence whose length a skipped field holds; in a
    /// nested struct that loads (a migrated field or a subsection) and, with `own`, among its
    /// own fields.
    ///
    /// ```
    /// use vmstate_core::VmState;
    /// #[derive(VmState)]
    /// struct Id { #[vmstate(immutable)] id: u32 }
    /// #[derive(VmState)]
    /// struct Queue { head: u16, id: Id }
    /// assert!(Id::DESCRIPTION.holds_configuration(true) && !Id::DESCRIPTION.holds_configuration(false));
    /// assert!(Queue::DESCRIPTION.holds_configuration(false));
    /// ```
    pub const fn holds_configuration(&self, own: bool) -> bool {
        let mut i = 0;
        while i < self.fields.len() {
            let f = &self.fields[i];
            let loads = matches!(f.kind, FieldKind::Migrated | FieldKind::Subsection { .. });
            let compared = matches!(f.kind, FieldKind::Immutable) || f.equal;
            let configured = match f.len {
                Some(count) => self.is_skipped(count),
                None => false,
            };
            if own && (compared || configured) || loads && f.shape.holds_configuration() {
                return true;
            }
            i += 1;
        }
        false
    }

    /// Whether the field called `name` is skipped (const: compares the bytes).
    const fn is_skipped(&self, name: &str) -> bool {
        let mut i = 0;
        while i < self.fields.len() {
            let f = &self.fields[i];
            if matches!(f.kind, FieldKind::Skipped) && same_str(f.name, name) {
                return true;
            }
            i += 1;
        }
        false
    }

    /// The field called `name`, if any.
    ///
    /// ```
    /// # use vmstate_core::VmState;
    /// #[derive(VmState)]
    /// struct Uart { lcr: u8 }
    /// assert!(Uart::DESCRIPTION.field("lcr").is_some());
    /// assert!(Uart::DESCRIPTION.field("nope").is_none());
    /// ```
    pub fn field(&self, name: &str) -> Option<&'static FieldDesc> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The fields that QEMU's wire carries, in order: the migrated ones, less nested structs
    /// that put no byte on it (a struct of immutable and derived fields only, like a memory
    /// region's identity). These are the fields of QEMU's own description.
    ///
    /// ```
    /// # use vmstate_core::VmState;
    /// #[derive(VmState)]
    /// #[vmstate(post_load = "Self::fix")]
    /// struct Dev { a: u32, #[vmstate(derived)] b: bool, #[vmstate(immutable)] c: u32 }
    /// impl Dev { fn fix(&mut self) { self.b = self.a != 0 } }
    /// let names: Vec<_> = Dev::DESCRIPTION.qemu_fields().map(|f| f.name).collect();
    /// assert_eq!(names, ["a"]);
    /// ```
    pub fn qemu_fields(&self) -> impl Iterator<Item = &'static FieldDesc> {
        self.fields
            .iter()
            .filter(|f| f.kind == FieldKind::Migrated && f.shape.qemu_size() != Some(0))
    }

    /// The number of bytes this struct takes on QEMU's wire, when it is fixed (not with
    /// subsections, which are sent or not).
    ///
    /// ```
    /// # use vmstate_core::VmState;
    /// #[derive(VmState)]
    /// struct Regs { a: u32, b: [u16; 3], #[vmstate(skip)] c: u64 }
    /// assert_eq!(Regs::DESCRIPTION.qemu_size(), Some(10));
    /// ```
    pub const fn qemu_size(&self) -> Option<usize> {
        if !self.subsections.is_empty() {
            return None;
        }
        let mut total = 0;
        let mut i = 0;
        while i < self.fields.len() {
            let f = &self.fields[i];
            if matches!(f.kind, FieldKind::Migrated) {
                match f.shape.qemu_size() {
                    Some(n) => total += n,
                    None => return None,
                }
            }
            i += 1;
        }
        Some(total)
    }
}

/// Hook functions named by a description's container attributes (their path as written).
///
/// ```
/// use vmstate_core::VmState;
/// #[derive(VmState)]
/// #[vmstate(name = "uart", post_load = "Self::after_load")]
/// struct Uart { lcr: u8 }
/// impl Uart { fn after_load(&mut self) {} }
///
/// let hooks = Uart::DESCRIPTION.hooks;
/// assert_eq!(hooks.post_load, Some("Self::after_load"));
/// assert_eq!(hooks.pre_save, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hooks {
    /// `pre_save = "..."`: runs before the fields are written.
    pub pre_save: Option<&'static str>,
    /// `pre_load = "..."`: runs once the whole input is decoded, before it is committed.
    pub pre_load: Option<&'static str>,
    /// `post_load = "..."`: runs after a load, after every derived function.
    pub post_load: Option<&'static str>,
    /// `validate = "..."`: checks the loaded state before the load succeeds.
    pub validate: Option<&'static str>,
}

/// One field of a [`Description`].
///
/// ```
/// use vmstate_core::VmState;
/// #[derive(VmState)]
/// #[vmstate(name = "fifo", version = 2, minimum_version = 1)]
/// struct Fifo {
///     #[vmstate(max_len = 16)]
///     data: Vec<u8>,
///     #[vmstate(since = 2)]
///     threshold: u8,
/// }
///
/// let f = Fifo::DESCRIPTION.field("threshold").unwrap();
/// assert_eq!((f.rust_type, f.since), ("u8", 2));
/// assert_eq!(Fifo::DESCRIPTION.fields[0].max_len, Some(16));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDesc {
    /// The field's name.
    pub name: &'static str,
    /// The field's Rust type, as written in the struct.
    pub rust_type: &'static str,
    /// Whether and how the field migrates.
    pub kind: FieldKind,
    /// How the field's type looks on the wire.
    pub shape: &'static Shape,
    /// For a nested struct field: the parent's function that recomputes the nested struct's
    /// owner-derived fields (`#[vmstate(derives = "...")]`).
    pub derives: Option<&'static str>,
    /// The section version the field appeared in (`since = N`); 0 when it was always there
    /// (QEMU's `version_id` of a field).
    pub since: u32,
    /// `default = "..."`: the function giving the value when the input lacks the field.
    pub default: Option<&'static str>,
    /// `exists = "..."`: the test deciding whether the field is on the wire (QEMU's
    /// `field_exists`).
    pub exists: Option<&'static str>,
    /// Checks of the loaded value: `validate = "..."` and `range = "..."` as written, and
    /// `equal to the destination's` for `equal` (several: joined by `; `).
    pub validate: Option<&'static str>,
    /// For a bounded `Vec`/`String`: the largest length accepted.
    pub max_len: Option<usize>,
    /// `equal`: a migrated field whose loaded value must equal the destination's (QEMU's
    /// `VMSTATE_*_EQUAL`).
    pub equal: bool,
    /// For a bounded `Vec`/`String` whose length travels in another field of the struct
    /// (`len = "..."`, QEMU's `VMSTATE_VARRAY_*`): that field's name. The sequence then has no
    /// length of its own on either wire.
    pub len: Option<&'static str>,
    /// `buffer`: a `[u8; N]` described as QEMU's `VMSTATE_BUFFER`, one element of `N` bytes
    /// (in schemas: `size` N, no `array_len`, type `buffer`); the same bytes on both wires.
    pub buffer: bool,
}

impl FieldDesc {
    /// A migrated field of `rust_type` on the wire as `shape` (`<T as Field>::SHAPE`), with
    /// every other entry at its default: for a description written by hand, with struct
    /// update syntax for the rest.
    ///
    /// ```
    /// use vmstate_core::{Field, FieldDesc, FieldKind};
    /// static FIELDS: [FieldDesc; 2] = [
    ///     FieldDesc::migrated("ctrl", "u32", &<u32 as Field>::SHAPE),
    ///     FieldDesc { since: 2, ..FieldDesc::migrated("mask", "u32", &<u32 as Field>::SHAPE) },
    /// ];
    /// assert_eq!(FIELDS[1].kind, FieldKind::Migrated);
    /// assert_eq!((FIELDS[1].name, FIELDS[1].since, FIELDS[0].max_len), ("mask", 2, None));
    /// ```
    pub const fn migrated(
        name: &'static str,
        rust_type: &'static str,
        shape: &'static Shape,
    ) -> Self {
        FieldDesc {
            name,
            rust_type,
            kind: FieldKind::Migrated,
            shape,
            derives: None,
            since: 0,
            default: None,
            exists: None,
            validate: None,
            max_len: None,
            equal: false,
            len: None,
            buffer: false,
        }
    }
}

/// Whether and how a field migrates.
///
/// ```
/// use vmstate_core::{FieldKind, VmState};
/// #[derive(VmState)]
/// #[vmstate(name = "cm")]
/// struct Cm {
///     #[vmstate(immutable)]
///     memsz: u32,
///     ctrl: u32,
///     #[vmstate(derived = "Self::remap")]
///     remapped: bool,
/// }
/// impl Cm { fn remap(&mut self) { self.remapped = self.ctrl & 4 != 0 } }
///
/// let kind = |name| Cm::DESCRIPTION.field(name).unwrap().kind;
/// assert_eq!(kind("memsz"), FieldKind::Immutable);
/// assert_eq!(kind("ctrl"), FieldKind::Migrated);
/// assert_eq!(kind("remapped"), FieldKind::Derived { hook: Some("Self::remap") });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Sent and loaded (the default).
    Migrated,
    /// Not sent; recomputed after a load by `hook`, or by the container's `post_load` when
    /// `hook` is `None`.
    Derived {
        /// The function that recomputes the field.
        hook: Option<&'static str>,
    },
    /// Not sent; recomputed by the function that the owning struct names with
    /// `#[vmstate(derives = "...")]` on the field holding this struct.
    DerivedByOwner,
    /// Configuration fixed at creation: never overwritten by a load. The native codec carries
    /// it and refuses a stream whose value differs; QEMU's wire does not carry it.
    Immutable,
    /// Not migrated at all (host-side bookkeeping), but still described.
    Skipped,
    /// A nested struct sent as a QEMU subsection, only while `needed` says so.
    Subsection {
        /// The `fn(&Self) -> bool` deciding whether it is sent.
        needed: &'static str,
    },
}

impl FieldKind {
    /// A short lowercase name: `migrated`, `derived`, `derived_by_owner`, `immutable`,
    /// `skipped`, `subsection`.
    ///
    /// ```
    /// assert_eq!(vmstate_core::FieldKind::Skipped.as_str(), "skipped");
    /// ```
    pub const fn as_str(&self) -> &'static str {
        match self {
            FieldKind::Migrated => "migrated",
            FieldKind::Derived { .. } => "derived",
            FieldKind::DerivedByOwner => "derived_by_owner",
            FieldKind::Immutable => "immutable",
            FieldKind::Skipped => "skipped",
            FieldKind::Subsection { .. } => "subsection",
        }
    }
}

/// A primitive wire type: the Rust primitive of the same name.
///
/// ```
/// use vmstate_core::{Field, Primitive, Shape};
/// assert_eq!(<u16 as Field>::SHAPE, Shape::Primitive(Primitive::U16));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    /// `bool`: one byte, 0 or 1.
    Bool,
    /// `u8`.
    U8,
    /// `u16`.
    U16,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `u128`.
    U128,
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `i128`.
    I128,
    /// `f32`, by its bits.
    F32,
    /// `f64`, by its bits.
    F64,
}

impl Primitive {
    /// Size in bytes of the fixed-width (QEMU) encoding.
    ///
    /// ```
    /// assert_eq!(vmstate_core::Primitive::U32.size(), 4);
    /// ```
    pub const fn size(self) -> usize {
        match self {
            Primitive::Bool | Primitive::U8 | Primitive::I8 => 1,
            Primitive::U16 | Primitive::I16 => 2,
            Primitive::U32 | Primitive::I32 | Primitive::F32 => 4,
            Primitive::U64 | Primitive::I64 | Primitive::F64 => 8,
            Primitive::U128 | Primitive::I128 => 16,
        }
    }

    /// The name QEMU's vmdesc JSON uses for this type (`uint32`, `bool`, ...).
    ///
    /// ```
    /// assert_eq!(vmstate_core::Primitive::I16.qemu_name(), "int16");
    /// ```
    pub const fn qemu_name(self) -> &'static str {
        match self {
            Primitive::Bool => "bool",
            Primitive::U8 => "uint8",
            Primitive::U16 => "uint16",
            Primitive::U32 => "uint32",
            Primitive::U64 => "uint64",
            Primitive::U128 => "uint128",
            Primitive::I8 => "int8",
            Primitive::I16 => "int16",
            Primitive::I32 => "int32",
            Primitive::I64 => "int64",
            Primitive::I128 => "int128",
            Primitive::F32 => "float32",
            Primitive::F64 => "float64",
        }
    }
}

/// How a type looks on the wire.
///
/// ```
/// use vmstate_core::{Field, Primitive, Shape, VmState};
/// #[derive(VmState)]
/// struct Fifo { regs: [u16; 4], #[vmstate(max_len = 16)] data: Vec<u8> }
///
/// let fields = Fifo::DESCRIPTION.fields;
/// assert_eq!(*fields[0].shape, Shape::Array { elem: &Shape::Primitive(Primitive::U16), len: 4 });
/// assert!(matches!(fields[1].shape, Shape::Seq { max_len: 16, .. }));
/// assert_eq!(<Fifo as Field>::SHAPE, Shape::Struct(Fifo::DESCRIPTION));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A single primitive value.
    Primitive(Primitive),
    /// `[T; N]`.
    Array {
        /// The element's shape.
        elem: &'static Shape,
        /// N.
        len: usize,
    },
    /// A variable-length sequence (`Vec<T>`, `Box<[T]>`) of at most `max_len` elements.
    Seq {
        /// The element's shape.
        elem: &'static Shape,
        /// The largest length a load accepts.
        max_len: usize,
    },
    /// A UTF-8 string of at most `max_len` bytes.
    Str {
        /// The largest length a load accepts.
        max_len: usize,
    },
    /// A nested struct with its own description.
    Struct(&'static Description),
    /// Padding kept for a removed field ([`Unused`](crate::Unused)): `len` zero bytes.
    Unused {
        /// Bytes of padding.
        len: usize,
    },
    /// Padding kept for a removed field of a known type ([`Removed`](crate::Removed)): a
    /// value of that shape, written as its default and skipped on load.
    Removed {
        /// The removed field's shape.
        of: &'static Shape,
    },
    /// A fieldless enum that derives `VmState`: on the wire, its `repr`; on load, only the
    /// values of its variants.
    Enum {
        /// The integer it travels as.
        repr: Primitive,
        /// Each variant's name and discriminant (an unsigned `repr`'s values above
        /// `i128::MAX` wrap, as `as i128` does).
        variants: &'static [(&'static str, i128)],
    },
    /// A hand-written encoding (see the crate docs on implementing [`Field`](crate::Field)).
    Custom {
        /// A name for tools.
        name: &'static str,
        /// Its fixed size on QEMU's wire, when it has one.
        qemu_size: Option<usize>,
    },
}

impl Shape {
    /// The number of bytes QEMU's wire uses for this shape, when it is fixed.
    ///
    /// ```
    /// use vmstate_core::{Field, Shape};
    /// assert_eq!(<[u32; 4] as Field>::SHAPE.qemu_size(), Some(16));
    /// ```
    pub const fn qemu_size(&self) -> Option<usize> {
        match self {
            Shape::Primitive(p) | Shape::Enum { repr: p, .. } => Some(p.size()),
            Shape::Array { elem, len } => match elem.qemu_size() {
                Some(n) => Some(n * *len),
                None => None,
            },
            Shape::Seq { .. } | Shape::Str { .. } => None,
            Shape::Struct(d) => d.qemu_size(),
            Shape::Custom { qemu_size, .. } => *qemu_size,
            Shape::Unused { len } => Some(*len),
            Shape::Removed { of } => of.qemu_size(),
        }
    }

    /// Whether the shape (or anything nested in it) has fields that the owner must recompute.
    ///
    /// ```
    /// use vmstate_core::{Field, VmState};
    /// #[derive(VmState)]
    /// struct Window { base: u32, #[vmstate(derived_by_owner)] enabled: bool }
    /// assert!(<Window as Field>::SHAPE.needs_owner());
    /// assert!(!<u32 as Field>::SHAPE.needs_owner());
    /// ```
    pub const fn needs_owner(&self) -> bool {
        match self {
            Shape::Array { elem, .. } | Shape::Seq { elem, .. } => elem.needs_owner(),
            Shape::Struct(d) => {
                let mut i = 0;
                while i < d.fields.len() {
                    if matches!(d.fields[i].kind, FieldKind::DerivedByOwner) {
                        return true;
                    }
                    i += 1;
                }
                false
            }
            _ => false,
        }
    }

    /// Whether a loaded value of this shape holds configuration of the destination's (see
    /// [`Description::holds_configuration`]), in it or in a nested struct that loads (a
    /// migrated field or a subsection). Such a value cannot be built fresh, as a `Vec` element
    /// is, nor replaced by a `default`: there is no configured value to check the stream's
    /// against.
    ///
    /// ```
    /// use vmstate_core::{Field, VmState};
    /// #[derive(VmState)]
    /// struct Id { #[vmstate(immutable)] id: u32 }
    /// #[derive(VmState)]
    /// struct Queue { head: u16, id: Id }
    /// assert!(<Queue as Field>::SHAPE.holds_configuration());
    /// assert!(!<u32 as Field>::SHAPE.holds_configuration());
    /// ```
    pub const fn holds_configuration(&self) -> bool {
        match self {
            Shape::Array { elem, .. } | Shape::Seq { elem, .. } => elem.holds_configuration(),
            Shape::Struct(d) => d.holds_configuration(true),
            _ => false,
        }
    }
}

/// `a == b`, usable in a `const fn`.
pub(crate) const fn same_str(a: &str, b: &str) -> bool {
    a.len() == b.len() && starts_with(a.as_bytes(), b.as_bytes())
}

/// Whether `s` starts with `prefix` (in a const context, where `starts_with` is not).
pub(crate) const fn starts_with(s: &[u8], prefix: &[u8]) -> bool {
    if s.len() < prefix.len() {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if s[i] != prefix[i] {
            return false;
        }
        i += 1;
    }
    true
}
