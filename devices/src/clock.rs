//! Injectable clocks: devices that read time take one, so tests can control it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// A source of time in nanoseconds (QEMU's virtual clock for the core module's REFCNT).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Nanoseconds since an arbitrary, fixed origin.
    fn now_ns(&self) -> u64;
}

/// The host's monotonic clock, counted from the clock's creation.
#[derive(Debug)]
pub struct HostClock {
    origin: Instant,
}

impl HostClock {
    /// A clock that reads 0 now.
    ///
    /// ```
    /// use devices::{Clock, HostClock};
    /// let c = HostClock::new();
    /// assert!(c.now_ns() < 60_000_000_000);
    /// ```
    pub fn new() -> Self {
        HostClock {
            origin: Instant::now(),
        }
    }
}

impl Default for HostClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for HostClock {
    fn now_ns(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A clock that moves only when told to; clones share the same time.
///
/// ```
/// use devices::{Clock, FakeClock};
/// let c = FakeClock::new(1_000);
/// let view = c.clone();
/// c.advance(500);
/// assert_eq!(view.now_ns(), 1_500);
/// ```
#[derive(Debug, Clone, Default)]
pub struct FakeClock {
    ns: Arc<AtomicU64>,
}

impl FakeClock {
    /// A clock reading `ns`.
    pub fn new(ns: u64) -> Self {
        FakeClock {
            ns: Arc::new(AtomicU64::new(ns)),
        }
    }
    /// Sets the time.
    pub fn set(&self, ns: u64) {
        self.ns.store(ns, Ordering::SeqCst)
    }
    /// Moves the time forward.
    pub fn advance(&self, ns: u64) {
        self.ns.fetch_add(ns, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_ns(&self) -> u64 {
        self.ns.load(Ordering::SeqCst)
    }
}

/// The host's wall clock: nanoseconds since the Unix epoch (QEMU's default RTC clock).
///
/// ```
/// use devices::{Clock, WallClock};
/// assert!(WallClock.now_ns() > 1_600_000_000 * 1_000_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct WallClock;

impl Clock for WallClock {
    fn now_ns(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}
