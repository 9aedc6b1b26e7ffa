//! What an MMIO access can report besides its value.
//!
//! ```
//! use devices::{icp_pic::reg, IcpPic};
//! let mut pic = IcpPic::default();
//!
//! // Reading a write-only register: QEMU logs it; the model says so.
//! let err = pic.read_checked(reg::IRQ_ENABLECLR).unwrap_err();
//! assert_eq!(err.to_string(), "icp_pic: offset 0xc: read of a write-only or unmapped register");
//! // A write to no register is ignored, and reported.
//! assert!(pic.write(0x40, 1).unimplemented.is_some());
//! ```

use std::fmt;

/// An access that the model does not implement. QEMU logs these (or, for a few registers,
/// aborts the emulator); the models return them so the caller decides.
///
/// ```
/// use devices::integratorcm::{reg, IntegratorCm};
/// let err = IntegratorCm::new(32).read_checked(reg::LMBUSCNT).unwrap_err();
/// assert_eq!((err.device, err.offset), ("integratorcm", reg::LMBUSCNT));
/// assert!(err.what.contains("QEMU aborts"));
/// ```
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
    /// The write changed nothing, for a reason of the register's: QEMU implements it as
    /// ignored, it is locked or read-only, or it acts on bits this value leaves clear.
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
    ///
    /// ```
    /// let fx = devices::WriteEffects::ignored("pl031", 0x40);
    /// assert_eq!(fx.unimplemented.unwrap().offset, 0x40);
    /// assert!(fx.dropped.is_none() && !fx.reset_requested);
    /// ```
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
