//! The one error type of saving and loading.

use crate::schema::report::one_line;
use std::fmt;

/// The error from a save or a load: what went wrong ([`ErrorKind`]), where in the state
/// (`integratorcm.flash.size`) and, for a load, at which byte of the input.
///
/// ```
/// use vmstate_core::{ErrorKind, VmState};
///
/// #[derive(VmState, Debug)]
/// #[vmstate(name = "board")]
/// struct Board { #[vmstate(immutable)] memsz: u32, osc: u32 }
///
/// let bytes = vmstate_core::to_bytes(&Board { memsz: 64, osc: 1 }).unwrap();
/// let mut dst = Board { memsz: 128, osc: 0 };
/// let err = vmstate_core::from_bytes(&mut dst, &bytes).unwrap_err();
/// assert_eq!(err.path(), "board.memsz");
/// assert!(matches!(err.kind(), ErrorKind::ImmutableMismatch { .. }));
/// assert!(err.to_string().contains("stream has 64, destination has 128"));
/// assert_eq!(dst.osc, 0); // nothing was loaded
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    /// Innermost segment first; `Display` reverses it.
    path: Vec<Segment>,
    offset: Option<usize>,
    /// What else went wrong on the way out (a device of a load of several that could not be
    /// put back), each shown after the error as "; and ...".
    also: Vec<String>,
}

enum Segment {
    Name(&'static str),
    Owned(String),
    Index(usize),
    /// Where the value is rather than a field (a machine stream's section), followed by `: `.
    Context(String),
}

/// What went wrong.
///
/// ```
/// use vmstate_core::{ErrorKind, VmState};
/// #[derive(VmState, Default)]
/// #[vmstate(name = "uart", version = 2)]
/// struct Uart { lcr: u8 }
///
/// let err = vmstate_core::qemu::from_bytes(&mut Uart::default(), &[3], 3, 0).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::TooNew { version: 3, max: 2 }));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The section is another description's.
    WrongSection {
        /// The name the destination expects.
        expected: String,
        /// The name found in the input.
        found: String,
    },
    /// The input's version is newer than this build writes.
    TooNew {
        /// The input's version.
        version: u32,
        /// The newest this build loads.
        max: u32,
    },
    /// The input's version is older than this build still loads.
    TooOld {
        /// The input's version.
        version: u32,
        /// The oldest this build loads.
        min: u32,
    },
    /// The input ends before the data does.
    Truncated {
        /// Bytes needed at the offset.
        needed: usize,
        /// Bytes left at the offset.
        available: usize,
    },
    /// Bytes follow the end of the data.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The stored checksum does not match the data.
    BadChecksum {
        /// The checksum in the input.
        stored: u32,
        /// The checksum of the bytes read.
        computed: u32,
    },
    /// An immutable field's value in the input differs from the destination's. The error's
    /// path names the part that differs where the field's type can tell (`cfg.base`,
    /// `ids[2]`); the values are that part's, or the lengths of sequences of different
    /// lengths (`3 elements`), or else the whole field's.
    ImmutableMismatch {
        /// The input's value, as described above.
        stream: String,
        /// The destination's value, as described above.
        destination: String,
    },
    /// An `equal` field's value in the input (QEMU's `VMSTATE_*_EQUAL`) differs from the
    /// destination's; named down to the part that differs, as [`ErrorKind::ImmutableMismatch`].
    EqualMismatch {
        /// The input's value.
        stream: String,
        /// The destination's value.
        destination: String,
    },
    /// A length is above the field's `max_len`.
    TooLong {
        /// The length in the input (or of the value being saved).
        len: u64,
        /// The field's bound.
        max_len: usize,
    },
    /// A sequence whose length travels in another field (`#[vmstate(len = "...")]`, QEMU's
    /// `VMSTATE_VARRAY_*`) has a length other than that field's value: on save, or from its
    /// `default` on load.
    LengthMismatch {
        /// The sequence's length.
        len: usize,
        /// The field holding the length, by its described name.
        field: String,
        /// That field's value.
        count: i128,
    },
    /// The field holding a sequence's length (`#[vmstate(len = "...")]`) has a value that is
    /// no length the sequence may have: negative, or above its `max_len`.
    LengthOutOfRange {
        /// The field holding the length, by its described name.
        field: String,
        /// That field's value.
        count: i128,
        /// The sequence's bound.
        max_len: usize,
    },
    /// A bool byte other than 0 or 1.
    InvalidBool(u8),
    /// A string that is not UTF-8.
    InvalidUtf8,
    /// A malformed variable-length integer (or one out of range for its type).
    InvalidVarint,
    /// A value that the type does not accept (for hand-written encodings).
    InvalidValue(String),
    /// A hook returned an error.
    Hook {
        /// The hook's path as written in the attribute.
        hook: &'static str,
        /// The hook's error.
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The input is not in the expected format (bad magic, unknown section type, ...).
    Format(String),
    /// A subsection that the destination does not know.
    UnknownSubsection(String),
    /// A loaded value outside its field's `range`.
    OutOfRange {
        /// The value.
        value: String,
        /// The range, as written.
        range: &'static str,
        /// The range's value (`0..8` for `0..(N as u16)`).
        bounds: String,
    },
    /// A `validate` function refused the loaded state.
    Validation {
        /// The function's path, as written.
        check: &'static str,
        /// Its error.
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// Reading or writing a stream failed ([`to_writer`](crate::to_writer),
    /// [`from_reader`](crate::from_reader)).
    Io(std::io::Error),
    /// A device of the destination that the stream has no section for
    /// ([`machine::load`](crate::machine::load), [`qemu::load_devices`](crate::qemu::load_devices);
    /// their `load_present` forms leave such a device as it is). The offset is the stream's end.
    ///
    /// ```
    /// use vmstate_core::{machine, ErrorKind, VmState};
    ///
    /// #[derive(VmState, Default)]
    /// #[vmstate(name = "uart")]
    /// struct Uart { lcr: u8 }
    ///
    /// let bytes = machine::save(None, &[(0, &Uart::default())]).unwrap();
    /// let (mut uart0, mut uart1) = (Uart::default(), Uart::default());
    /// let err = machine::load(&mut [(0, &mut uart0), (1, &mut uart1)], &bytes).unwrap_err();
    /// match err.kind() {
    ///     ErrorKind::MissingSection { name, instance } => assert_eq!((name.as_str(), *instance), ("uart", 1)),
    ///     other => panic!("{other:?}"),
    /// }
    /// // The devices the stream carries load, the others stay as they are.
    /// assert_eq!(machine::load_present(&mut [(0, &mut uart0), (1, &mut uart1)], &bytes).unwrap(), [true, false]);
    /// ```
    MissingSection {
        /// The device's section name (in a QEMU stream, its idstr).
        name: String,
        /// The device's instance id.
        instance: u32,
    },
    /// A section of a machine stream that no device of the destination takes.
    UnknownSection {
        /// The section's name.
        name: String,
        /// Its instance id.
        instance: u32,
    },
    /// A second section for one device in a stream (QEMU's loader would load each in turn).
    DuplicateSection {
        /// The sections' name (in a QEMU stream, their idstr).
        name: String,
        /// Their instance id.
        instance: u32,
        /// Where the first of them starts (the error's offset is the second's).
        first: usize,
    },
    /// The call itself is wrong, whatever a stream holds: a device listed twice, two device
    /// types that give one section name, an argument out of range. The caller's mistake,
    /// where [`ErrorKind::Format`] is the input's.
    ///
    /// ```
    /// use vmstate_core::{machine, ErrorKind, VmState};
    /// #[derive(VmState, Default)]
    /// struct Uart { lcr: u8 }
    ///
    /// let uart = Uart::default();
    /// let err = machine::save(None, &[(0, &uart), (0, &uart)]).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::Misuse(_)), "{err}");
    /// assert!(err.to_string().contains("listed twice"), "{err}");
    /// ```
    Misuse(String),
    /// The schema a machine stream carries for a section is not the destination's, and the
    /// compatibility checker finds an error in it that the load would not refuse by itself:
    /// fields reordered, retyped or renamed without a version bump. Only
    /// [`LoadOptions::check_schema`](crate::machine::LoadOptions::check_schema) looks; see
    /// there for what it refuses and an example. The offset is the section's.
    SchemaMismatch {
        /// The section's name.
        name: String,
        /// The checker's errors, the stream's schema as the older release.
        findings: Vec<crate::schema::Finding>,
    },
    /// A QEMU stream's vmdesc (what QEMU says it sent) differs from the description of the
    /// device that is to load the section: another field, type, size or subsection where the
    /// path says; or the stream has no vmdesc to compare with. Only
    /// [`qemu::LoadOptions::check_vmdesc`](crate::qemu::LoadOptions::check_vmdesc) looks; see
    /// there for an example. No offset: the difference is between the stream's JSON trailer
    /// and the destination's description, not in the section's bytes.
    VmdescMismatch(String),
}

impl Error {
    /// An error of `kind` with no path and no offset yet.
    ///
    /// ```
    /// let e = vmstate_core::Error::new(vmstate_core::ErrorKind::InvalidUtf8);
    /// assert_eq!(e.path(), "");
    /// ```
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                path: Vec::new(),
                offset: None,
                also: Vec::new(),
            }),
        }
    }

    /// An error of `kind` at byte `offset` of the input.
    ///
    /// ```
    /// let e = vmstate_core::Error::at(vmstate_core::ErrorKind::InvalidBool(7), 12);
    /// assert_eq!(e.offset(), Some(12));
    /// ```
    pub fn at(kind: ErrorKind, offset: usize) -> Self {
        let mut e = Error::new(kind);
        e.inner.offset = Some(offset);
        e
    }

    /// Invalid UTF-8 in a string whose bytes start at `start`: the offset is the first
    /// byte that is not valid.
    pub(crate) fn invalid_utf8(start: usize, e: core::str::Utf8Error) -> Self {
        Error::at(ErrorKind::InvalidUtf8, start + e.valid_up_to())
    }

    /// What went wrong.
    ///
    /// ```
    /// use vmstate_core::{ErrorKind, VmState};
    /// #[derive(VmState, Default)]
    /// struct Uart { lcr: u8 }
    /// let e = vmstate_core::from_bytes(&mut Uart::default(), b"\x04uart").unwrap_err();
    /// assert!(matches!(e.kind(), ErrorKind::Truncated { .. }), "{e}");
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The error a hook or a `validate` function returned ([`ErrorKind::Hook`],
    /// [`ErrorKind::Validation`]), to downcast to the type it was: `source()` goes on with
    /// that error's own source instead (see the `Error` impl).
    ///
    /// ```
    /// use vmstate_core::VmState;
    ///
    /// #[derive(Debug)]
    /// struct BadSize(u16);
    /// impl std::fmt::Display for BadSize {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         write!(f, "queue size {} is not a power of two", self.0)
    ///     }
    /// }
    /// impl std::error::Error for BadSize {}
    ///
    /// #[derive(VmState, Default)]
    /// #[vmstate(name = "queue", validate = "Self::check")]
    /// struct Queue { size: u16 }
    /// impl Queue {
    ///     fn check(&self) -> Result<(), BadSize> {
    ///         if self.size.is_power_of_two() { Ok(()) } else { Err(BadSize(self.size)) }
    ///     }
    /// }
    ///
    /// let bytes = vmstate_core::to_bytes(&Queue { size: 3 }).unwrap();
    /// let err = vmstate_core::from_bytes(&mut Queue::default(), &bytes).unwrap_err();
    /// let bad = err.hook_error().and_then(|e| e.downcast_ref::<BadSize>());
    /// assert_eq!(bad.map(|b| b.0), Some(3));
    /// ```
    pub fn hook_error(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match &self.inner.kind {
            ErrorKind::Hook { source, .. } | ErrorKind::Validation { source, .. } => {
                Some(source.as_ref())
            }
            _ => None,
        }
    }

    /// What went wrong, owned (a hook's error to downcast, an I/O error to hand on); the path
    /// and offset are dropped.
    ///
    /// ```
    /// use vmstate_core::{ErrorKind, VmState};
    /// #[derive(VmState, Default)]
    /// struct Uart { lcr: u8 }
    /// struct Unplugged;
    /// impl std::io::Read for Unplugged {
    ///     fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
    ///         Err(std::io::ErrorKind::BrokenPipe.into())
    ///     }
    /// }
    /// let e = vmstate_core::from_reader(&mut Uart::default(), Unplugged).unwrap_err();
    /// let ErrorKind::Io(io) = e.into_kind() else { unreachable!() };
    /// assert_eq!(io.kind(), std::io::ErrorKind::BrokenPipe);
    /// ```
    pub fn into_kind(self) -> ErrorKind {
        self.inner.kind
    }

    /// The byte offset in the input where it went wrong (loads only).
    ///
    /// ```
    /// use vmstate_core::VmState;
    /// #[derive(VmState, Default)]
    /// struct Uart { lcr: u8, enabled: bool }
    /// // QEMU's wire: `lcr`, then a bool byte that is neither 0 nor 1.
    /// let e = vmstate_core::qemu::from_bytes(&mut Uart::default(), &[3, 7], 1, 0).unwrap_err();
    /// assert_eq!((e.path(), e.offset()), ("uart.enabled".to_owned(), Some(1)));
    /// ```
    pub fn offset(&self) -> Option<usize> {
        self.inner.offset
    }

    /// The field path, outermost first: `integratorcm.flash.size`, `fifo.data[3]`.
    ///
    /// ```
    /// let e = vmstate_core::Error::new(vmstate_core::ErrorKind::InvalidUtf8)
    ///     .in_index(3)
    ///     .in_field("data")
    ///     .in_field("fifo");
    /// assert_eq!(e.path(), "fifo.data[3]");
    /// ```
    pub fn path(&self) -> String {
        let mut out = String::new();
        // After a context, the next segment follows a colon (none at the end).
        let mut after_context = false;
        for seg in self.inner.path.iter().rev() {
            if std::mem::take(&mut after_context) {
                out.push_str(": ");
            } else if !out.is_empty() && !matches!(seg, Segment::Index(_)) {
                out.push('.');
            }
            match seg {
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
                Segment::Name(n) => out.push_str(n),
                Segment::Owned(n) => out.push_str(n),
                Segment::Context(c) => {
                    out.push_str(c);
                    after_context = true;
                }
            }
        }
        out
    }

    /// Prefixes the path with a field (or struct) name; used while the error unwinds (the
    /// other `in_*` methods and [`Error::or_offset`] likewise, for a hand-written
    /// [`Field`](crate::Field)).
    ///
    /// ```
    /// use vmstate_core::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::InvalidBool(7))
    ///     .or_offset(12)
    ///     .or_offset(3) // the first offset stays
    ///     .in_index(2)
    ///     .in_named("slot".to_owned())
    ///     .in_field("dma");
    /// assert_eq!(e.to_string(), "dma.slot[2]: invalid bool byte 0x07 (at byte 12)");
    /// ```
    pub fn in_field(mut self, name: &'static str) -> Self {
        self.inner.path.push(Segment::Name(name));
        self
    }

    /// Prefixes the path with a name built at run time (a section's idstr, say).
    pub fn in_named(mut self, name: String) -> Self {
        self.inner.path.push(Segment::Owned(name));
        self
    }

    /// Prefixes the path with where the value is rather than a field, printed before the
    /// field path with a colon: a machine stream's section.
    ///
    /// ```
    /// use vmstate_core::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::InvalidBool(7)).in_field("enabled").in_field("uart");
    /// let e = e.in_context("section `uart` instance 1".to_owned());
    /// assert_eq!(e.to_string(), "section `uart` instance 1: uart.enabled: invalid bool byte 0x07");
    /// ```
    pub fn in_context(mut self, context: String) -> Self {
        self.inner.path.push(Segment::Context(context));
        self
    }

    /// Prefixes the path with an element index.
    pub fn in_index(mut self, index: usize) -> Self {
        self.inner.path.push(Segment::Index(index));
        self
    }

    /// Adds `by` to the outermost index of the path, if it ends with one: the error was found
    /// in a part of a sequence that starts at element `by` (a `VecDeque`'s second part).
    pub(crate) fn shift_index(mut self, by: usize) -> Self {
        if let Some(Segment::Index(i)) = self.inner.path.last_mut() {
            *i += by;
        }
        self
    }

    /// Adds what else went wrong after this error, shown after it as "; and {note}" (a
    /// device of a load of several that could not be put back); the error keeps its kind,
    /// path and offset.
    pub(crate) fn also(mut self, note: String) -> Self {
        self.inner.also.push(note);
        self
    }

    /// The error of element `index` of a sequence, from a save or load of that element
    /// alone as a one-element slice: the slice's `[0]`, if it gave one, becomes `[index]`.
    pub(crate) fn of_element(mut self, index: usize) -> Self {
        if matches!(self.inner.path.last(), Some(Segment::Index(0))) {
            self.inner.path.pop();
        }
        self.in_index(index)
    }

    /// The error of a sequence saved or loaded in pieces, from the piece that starts at
    /// element `start`: the piece's `[k]`, if it gave one, becomes `[start + k]`.
    pub(crate) fn of_piece(mut self, start: usize) -> Self {
        if let Some(Segment::Index(k)) = self.inner.path.last_mut() {
            *k = k.saturating_add(start);
        }
        self
    }

    /// Sets the offset if none is known yet.
    pub fn or_offset(mut self, offset: usize) -> Self {
        self.inner.offset.get_or_insert(offset);
        self
    }

    /// This error as the source of a failed `hook`: the path (an element's index, say)
    /// moves to the new error; the offset is dropped (for a value no byte was read for).
    pub(crate) fn into_hook_source(mut self, hook: &'static str) -> Self {
        self.inner.offset = None;
        let path = std::mem::take(&mut self.inner.path);
        let mut e = Error::hook(hook, Box::new(self));
        e.inner.path = path;
        e
    }

    /// The error a failing hook becomes.
    ///
    /// ```
    /// let e = vmstate_core::Error::hook("Self::after_load", "clock not running".into());
    /// assert_eq!(e.to_string(), "hook `Self::after_load` failed: clock not running");
    /// ```
    pub fn hook(
        hook: &'static str,
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    ) -> Self {
        Error::new(ErrorKind::Hook { hook, source })
    }
}

/// `items` joined by commas, the first sixteen only: a longer list would bury the message.
pub(crate) fn first_few(items: impl ExactSizeIterator<Item = String>) -> String {
    const SHOWN: usize = 16;
    let more = items.len().saturating_sub(SHOWN);
    let mut shown: Vec<String> = items.take(SHOWN).collect();
    if more > 0 {
        shown.push(format!("and {more} more"));
    }
    shown.join(", ")
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::WrongSection { expected, found } => {
                write!(f, "wrong section: expected `{expected}`, found `{found}`")
            }
            ErrorKind::TooNew { version, max } => write!(
                f,
                "version {version} is too new: this build loads versions up to {max}"
            ),
            ErrorKind::TooOld { version, min } => write!(
                f,
                "version {version} is too old: this build loads versions from {min}"
            ),
            ErrorKind::Truncated { needed, available } => write!(
                f,
                "input truncated: {needed} {} needed here, {available} left",
                plural(*needed, "byte", "bytes")
            ),
            ErrorKind::TrailingBytes { count } => {
                write!(
                    f,
                    "{count} unexpected trailing {}",
                    plural(*count, "byte", "bytes")
                )
            }
            ErrorKind::BadChecksum { stored, computed } => write!(
                f,
                "bad checksum: stored {stored:#010x}, computed {computed:#010x}"
            ),
            ErrorKind::ImmutableMismatch {
                stream,
                destination,
            } => write!(
                f,
                "immutable field differs: stream has {stream}, destination has {destination}"
            ),
            ErrorKind::EqualMismatch {
                stream,
                destination,
            } => write!(
                f,
                "differs from the destination's value (`equal`): stream has {stream}, \
                 destination has {destination}"
            ),
            ErrorKind::TooLong { len, max_len } => {
                write!(f, "length {len} exceeds max_len {max_len}")
            }
            ErrorKind::LengthMismatch { len, field, count } => write!(
                f,
                // "length", not "elements": a string's length counts bytes.
                "length {len}, but its length field `{field}` holds {count}"
            ),
            ErrorKind::LengthOutOfRange {
                field,
                count,
                max_len,
            } => write!(
                f,
                "its length field `{field}` holds {count}, not a length from 0 to max_len {max_len}"
            ),
            ErrorKind::InvalidBool(b) => write!(f, "invalid bool byte {b:#04x}"),
            ErrorKind::InvalidUtf8 => f.write_str("string is not valid UTF-8"),
            ErrorKind::InvalidVarint => f.write_str("malformed or out-of-range varint"),
            ErrorKind::InvalidValue(why) => write!(f, "invalid value: {why}"),
            ErrorKind::Hook { hook, source } => write!(f, "hook `{hook}` failed: {source}"),
            ErrorKind::Format(why) => f.write_str(why),
            ErrorKind::Io(e) => write!(f, "I/O error: {e}"),
            ErrorKind::MissingSection { name, instance } => write!(
                f,
                "missing section for device `{}` instance {instance}: the stream does not \
                 carry it",
                one_line(name)
            ),
            ErrorKind::UnknownSection { name, instance } => write!(
                f,
                "unknown section `{}` instance {instance}: the destination has no such device",
                one_line(name)
            ),
            ErrorKind::DuplicateSection {
                name,
                instance,
                first,
            } => write!(
                f,
                "duplicate section `{}` instance {instance} (the first is at byte {first})",
                one_line(name)
            ),
            ErrorKind::UnknownSubsection(name) => {
                write!(
                    f,
                    "unknown subsection `{name}`: this build does not know it"
                )
            }
            ErrorKind::Misuse(why) => f.write_str(why),
            ErrorKind::VmdescMismatch(why) => write!(f, "vmdesc check failed: {}", one_line(why)),
            ErrorKind::SchemaMismatch { name, findings } => {
                write!(
                    f,
                    "the stream's schema of section `{}` does not match the destination's \
                     (the checker's findings, the stream's build as the old release)",
                    one_line(name)
                )?;
                // A crafted trailer may give many: the first few say what is wrong.
                const SHOWN: usize = 3;
                for (i, finding) in findings.iter().take(SHOWN).enumerate() {
                    let lead = if i == 0 { ": " } else { "; " };
                    write!(f, "{lead}{finding}")?;
                }
                if findings.len() > SHOWN {
                    write!(f, "; and {} more", findings.len() - SHOWN)?;
                }
                Ok(())
            }
            ErrorKind::OutOfRange {
                value,
                range,
                bounds,
            } => {
                write!(f, "value {value} is outside the valid range {bounds}")?;
                // The text too where it is not the value (`0..N`, `..=LIMIT`).
                let spaced = |text: &str| {
                    text.chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>()
                };
                if spaced(range) != spaced(bounds) {
                    write!(f, " (`{range}`)")?;
                }
                Ok(())
            }
            ErrorKind::Validation { check, source } => {
                write!(f, "refused by `{check}`: {source}")
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        write!(f, "{}", self.inner.kind)?;
        if let Some(offset) = self.inner.offset {
            write!(f, " (at byte {offset})")?;
        }
        for note in &self.inner.also {
            write!(f, "; and {note}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("path", &self.path())
            .field("offset", &self.inner.offset)
            .field("also", &self.inner.also)
            .finish()
    }
}

/// The message of a hook's (or a `validate` function's, or an I/O) error is part of this
/// error's `Display`; `source()` goes on with that error's own source, as [`std::io::Error`]
/// does for an error it wraps, so that a printer of the chain (`anyhow`'s `{:#}`) shows each
/// message once. The hook's error itself is [`Error::hook_error`] (and in [`Error::kind`]),
/// for downcasting.
///
/// ```
/// use std::error::Error as _;
/// use vmstate_core::{ErrorKind, VmState};
///
/// #[derive(Debug)]
/// struct BackendGone(std::io::Error);
/// impl std::fmt::Display for BackendGone {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("backend unavailable")
///     }
/// }
/// impl std::error::Error for BackendGone {
///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> { Some(&self.0) }
/// }
///
/// #[derive(VmState)]
/// #[vmstate(name = "uart", post_load = "Self::reconnect")]
/// struct Uart { lcr: u8 }
/// impl Uart {
///     fn reconnect(&mut self) -> Result<(), BackendGone> {
///         Err(BackendGone(std::io::Error::other("pty closed")))
///     }
/// }
///
/// let bytes = vmstate_core::to_bytes(&Uart { lcr: 3 }).unwrap();
/// let err = vmstate_core::from_bytes(&mut Uart { lcr: 0 }, &bytes).unwrap_err();
/// assert_eq!(err.to_string(), "uart: hook `Self::reconnect` failed: backend unavailable");
/// assert_eq!(err.source().unwrap().to_string(), "pty closed");
/// let ErrorKind::Hook { source, .. } = err.kind() else { unreachable!() };
/// assert!(source.downcast_ref::<BackendGone>().is_some());
/// ```
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.kind {
            ErrorKind::Hook { source, .. } | ErrorKind::Validation { source, .. } => {
                source.source()
            }
            ErrorKind::Io(e) => e.source(),
            _ => None,
        }
    }
}

/// `one` for a count of 1, else `many`.
fn plural(count: usize, one: &'static str, many: &'static str) -> &'static str {
    match count {
        1 => one,
        _ => many,
    }
}
