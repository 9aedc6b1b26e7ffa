//! Injectable clocks: devices that read time take one, so tests can control it.
//!
//! ```
//! use devices::{Clock, FakeClock, HostClock, WallClock};
//!
//! let host = HostClock::new(); // monotonic, 0 at its creation: a running VM's virtual clock
//! let wall = WallClock; // since the Unix epoch: the RTC's default
//! assert!(host.now_ns() < wall.now_ns());
//!
//! let fake = FakeClock::new(5); // moved by hand: tests
//! fake.advance(10);
//! assert_eq!(fake.now_ns(), 15);
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// A source of time in nanoseconds (QEMU's virtual clock for the core module's REFCNT).
///
/// ```
/// use devices::{integratorcm::reg, Clock, IntegratorCm};
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
///
/// // A virtual clock that a CPU loop advances by 1 ns per instruction.
/// #[derive(Debug, Default)]
/// struct InsnClock(AtomicU64);
/// impl Clock for InsnClock {
///     fn now_ns(&self) -> u64 { self.0.load(Ordering::Relaxed) }
/// }
///
/// let clock = Arc::new(InsnClock::default());
/// let cm = IntegratorCm::with_clock(32, clock.clone());
/// clock.0.store(1_000, Ordering::Relaxed);
/// assert_eq!(cm.read(reg::REFCNT), 24); // 1 µs at 24 MHz
/// ```
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Nanoseconds since an arbitrary, fixed origin.
    fn now_ns(&self) -> u64;
}

/// The host's monotonic clock, counted from the clock's creation.
///
/// ```
/// use devices::{Clock, HostClock};
/// let clock = HostClock::default();
/// let earlier = clock.now_ns();
/// assert!(clock.now_ns() >= earlier); // never goes back
/// ```
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
    ///
    /// ```
    /// use devices::{Clock, FakeClock};
    /// let clock = FakeClock::new(1_000);
    /// clock.set(0); // any time, also an earlier one
    /// assert_eq!(clock.now_ns(), 0);
    /// ```
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
