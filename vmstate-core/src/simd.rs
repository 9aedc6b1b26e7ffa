//! Runs a block-conversion loop with the CPU's wide vector instructions when it has them.
//!
//! Converting a block of words to or from big-endian (QEMU's byte order) swaps the bytes of
//! every word. Built for the baseline x86-64 target the compiler has only SSE2, which has no
//! byte shuffle, and the loops ran at 0.86x (save) and 0.89x (load) of a plain hand-written
//! big-endian loop (`vmstate-core/benches/bulk.rs`). The same loops compiled for AVX2 run at
//! 1.2-1.5x of it.
//!
//! Its only `unsafe` is calling a `#[target_feature]` function, whose one requirement is that
//! the CPU has the feature, checked at run time just before. (The crate's other `unsafe` is
//! in `crc_copy`.)
#![allow(unsafe_code)]

/// Blocks with at least this many elements are converted with AVX2; below, the run-time
/// feature check would cost more than it saves.
const WIDE_MIN: usize = 64;

/// Runs `f`, a loop over `elements` elements, compiled for AVX2 when the block is large and
/// the CPU has AVX2 (x86-64), otherwise as built. `f` is inlined into the AVX2 function, so
/// its loops are vectorized with AVX2.
#[inline]
pub(crate) fn wide_for<R>(elements: usize, f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if elements >= WIDE_MIN && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `with_avx2` requires only that the CPU supports AVX2, checked just above.
        return unsafe { with_avx2(f) };
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs_the_closure_once_and_returns_its_value() {
        let mut calls = 0;
        let swapped: Vec<u32> = super::wide_for(100, || {
            calls += 1;
            (0..100u32).map(u32::swap_bytes).collect()
        });
        assert_eq!(calls, 1);
        assert_eq!(swapped[1], 0x0100_0000);
    }
}
