//! What an MMIO access can report besides its value.

use std::fmt;

/// An access that the model does not implement. QEMU logs these (or, for a few registers,
/// aborts the emulator); the models return them so the caller decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unimplemented {
    /// The device's name.
    pub device: &'static str,
    /// The offset within the device's window.
    pub offset: u64,
    /// What is not implemented.
    pub what: &'static str,
}

impl fmt::Display for Unimplemented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: offset {:#x}: {}",
            self.device, self.offset, self.what
        )
    }
}

impl std::error::Error for Unimplemented {}

/// What a write did besides changing registers.
///
/// ```
/// let fx = devices::WriteEffects::default();
/// assert!(!fx.reset_requested && fx.unimplemented.is_none() && fx.dropped.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteEffects {
    /// The guest asked for a board reset (core module CTRL bit 3). Not performed by the model.
    pub reset_requested: bool,
    /// The write hit no implemented register and was ignored.
    pub unimplemented: Option<Unimplemented>,
    /// The write hit a register that changes nothing whatever the value (QEMU implements it
    /// as ignored, or it is locked): why.
    pub dropped: Option<&'static str>,
}

impl WriteEffects {
    /// The effects of a write that a register drops, for the reason `why`.
    ///
    /// ```
    /// let fx = devices::WriteEffects::dropped("CR: the RTC is always enabled");
    /// assert_eq!(fx.dropped, Some("CR: the RTC is always enabled"));
    /// ```
    pub fn dropped(why: &'static str) -> Self {
        WriteEffects {
            dropped: Some(why),
            ..Self::default()
        }
    }

    /// The effects of an ignored write at `offset`.
    pub fn ignored(device: &'static str, offset: u64) -> Self {
        WriteEffects {
            unimplemented: Some(Unimplemented {
                device,
                offset,
                what: "write to an unimplemented register ignored",
            }),
            ..Self::default()
        }
    }
}
