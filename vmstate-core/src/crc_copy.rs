//! Copying a large block and taking its CRC-32 in one pass over it.
//!
//! A native section's large blocks are hashed and copied. Done as two passes (`crc32fast`,
//! then the copy, 4 KiB at a time so the copy reads from L1) a 1 MiB block took 0.5-0.6x of
//! memcpy on an AMD EPYC (Zen 5), whose 128-bit PCLMULQDQ CRC runs at about memcpy speed.
//! With AVX-512 VPCLMULQDQ one loop loads each 64 bytes once, stores them and folds them
//! into the CRC: 0.97x of memcpy in place (`vmstate-core/benches/bulk.rs` has the codecs'
//! figures). CPUs without those features take the two passes.
//!
//! The vector path is `unsafe` for three reasons, each checked where it happens: calling a
//! `#[target_feature]` function (the CPU's features are detected just before), the vector
//! loads and stores through pointers (within the slices' bounds), and a `Vec`'s length set
//! after its spare capacity was written (every byte of it, and the element type is
//! [`bytemuck::Pod`], valid for any bytes). A byte-by-byte copy into spare capacity would
//! need the same `set_len`; zero-filling the new buffer first cost a quarter of the speed
//! (0.73x of memcpy against 0.97x).
#![allow(unsafe_code)]

use crate::checksum::CHUNK;

/// Bytes folded per round of the vector loop: four 512-bit accumulators, so four
/// carry-less multiplications are in flight and the loop is not bound by their latency.
const ROUND: usize = 256;

/// Blocks shorter than this are taken in two passes: the vector path's set-up and final
/// reduction would cost more than it saves.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const WIDE_MIN: usize = 4 * ROUND;

/// Copies `src` into `dst` (of the same length) and returns the CRC-32 (IEEE) continued
/// over it from `crc`, the CRC of what came before (0 for nothing).
pub(crate) fn copy_hashed(crc: u32, src: &[u8], dst: &mut [u8]) -> u32 {
    assert_eq!(src.len(), dst.len(), "copy_hashed: lengths differ");
    #[cfg(target_arch = "x86_64")]
    if src.len() >= WIDE_MIN && avx512::detected() {
        let wide = src.len() / ROUND * ROUND;
        // SAFETY: the CPU has the features (just checked); `src` and `dst` hold at least
        // `wide` bytes each and, one shared and one exclusive borrow, do not overlap.
        let crc = unsafe { avx512::copy_hashed(crc, src.as_ptr(), dst.as_mut_ptr(), wide) };
        return two_passes(crc, &src[wide..], &mut dst[wide..]);
    }
    two_passes(crc, src, dst)
}

/// Appends the elements whose little-endian bytes are `src` (a whole number of them) to
/// `out`, and returns the CRC-32 continued over `src` from `crc`. Meant for the types whose
/// bytes in memory are their native wire form (the integers and floats on a little-endian
/// host).
pub(crate) fn extend_hashed<T: bytemuck::Pod>(crc: u32, src: &[u8], out: &mut Vec<T>) -> u32 {
    let size = std::mem::size_of::<T>();
    assert!(
        size != 0 && ROUND.is_multiple_of(size) && src.len().is_multiple_of(size),
        "extend_hashed: {} bytes are not whole elements of {size} bytes",
        src.len()
    );
    out.reserve(src.len() / size);
    #[cfg(target_arch = "x86_64")]
    if src.len() >= WIDE_MIN && avx512::detected() {
        let wide = src.len() / ROUND * ROUND;
        let spare = out.spare_capacity_mut();
        debug_assert!(std::mem::size_of_val(spare) >= wide);
        // SAFETY: the CPU has the features (just checked); `src` holds `wide` bytes and the
        // spare capacity, reserved above for all of `src`, at least as many; they do not
        // overlap (`out` is borrowed exclusively).
        let crc =
            unsafe { avx512::copy_hashed(crc, src.as_ptr(), spare.as_mut_ptr().cast(), wide) };
        // SAFETY: the copy initialised the first `wide / size` spare elements (`wide` is a
        // multiple of `size`, asserted above), within the capacity, and any bytes are a
        // valid `T` (`Pod`).
        unsafe { out.set_len(out.len() + wide / size) };
        return extend_two_passes(crc, &src[wide..], out);
    }
    extend_two_passes(crc, src, out)
}

/// [`copy_hashed`] in two passes, a [`CHUNK`] at a time: each piece hashed, then copied
/// while it is still in L1.
fn two_passes(crc: u32, src: &[u8], dst: &mut [u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(crc);
    for (from, to) in src.chunks(CHUNK).zip(dst.chunks_mut(CHUNK)) {
        hasher.update(from);
        to.copy_from_slice(from);
    }
    hasher.finalize()
}

/// [`extend_hashed`] in two passes, a [`CHUNK`] at a time.
fn extend_two_passes<T: bytemuck::Pod>(crc: u32, src: &[u8], out: &mut Vec<T>) -> u32 {
    let size = std::mem::size_of::<T>();
    let mut hasher = crc32fast::Hasher::new_with_initial(crc);
    for piece in src.chunks(CHUNK) {
        hasher.update(piece);
        match bytemuck::try_cast_slice::<u8, T>(piece) {
            // Bytes, or elements that happen to be aligned in the input: one copy.
            Ok(items) => out.extend_from_slice(items),
            Err(_) => crate::simd::wide_for(piece.len() / size, || {
                out.extend(
                    piece
                        .chunks_exact(size)
                        .map(bytemuck::pod_read_unaligned::<T>),
                )
            }),
        }
    }
    hasher.finalize()
}

/// The one-pass loop: CRC-32 by folding with carry-less multiplication (Intel's "Fast CRC
/// Computation for Generic Polynomials Using PCLMULQDQ", bit-reflected for the IEEE
/// polynomial), 512 bits per instruction.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// The multipliers that move a 128-bit lane `d` bits further along the message: the
    /// low half is multiplied by x^(d+32) mod P, the high half by x^(d-32) mod P (each
    /// bit-reflected and shifted left once). Checked against a bitwise computation in the
    /// tests.
    pub(super) const FOLD_2048: (i64, i64) = (0x1_1542_778a, 0x1_322d_1430);
    pub(super) const FOLD_512: (i64, i64) = (0x1_5444_2bd4, 0x1_c6e4_1596);
    pub(super) const FOLD_128: (i64, i64) = (0x1_7519_97d0, 0x0_ccaa_009e);

    /// Whether the CPU can run [`copy_hashed`].
    #[inline]
    pub(super) fn detected() -> bool {
        is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("vpclmulqdq")
            && is_x86_feature_detected!("pclmulqdq")
            && is_x86_feature_detected!("sse4.1")
    }

    /// Copies `len` bytes from `src` to `dst` and returns the CRC-32 continued over them
    /// from `crc`.
    ///
    /// # Safety
    /// The CPU has the features [`detected`] checks; `len` is a non-zero multiple of
    /// [`super::ROUND`]; `src` is valid for reading and `dst` for writing `len` bytes, and
    /// they do not overlap.
    #[target_feature(enable = "avx512f,avx512vl,vpclmulqdq,pclmulqdq,sse4.1")]
    pub(super) unsafe fn copy_hashed(crc: u32, src: *const u8, dst: *mut u8, len: usize) -> u32 {
        debug_assert!(len >= super::ROUND && len.is_multiple_of(super::ROUND));
        // SAFETY (every call below): `at + 64 <= len`, so the 64 bytes read and written
        // lie within the `len` bytes the caller vouches for.
        let copy = |at: usize| unsafe { copy64(src, dst, at) };
        let mut acc = [copy(0), copy(64), copy(128), copy(192)];
        // The running CRC enters as the complement of the first four bytes' prefix.
        acc[0] = _mm512_xor_si512(
            acc[0],
            _mm512_castsi128_si512(_mm_cvtsi32_si128(!crc as i32)),
        );
        let far = multipliers(FOLD_2048);
        let mut at = super::ROUND;
        while at < len {
            for (lane, a) in acc.iter_mut().enumerate() {
                *a = fold(*a, copy(at + 64 * lane), far);
            }
            at += super::ROUND;
        }
        let near = multipliers(FOLD_512);
        let one = fold(fold(fold(acc[0], acc[1], near), acc[2], near), acc[3], near);
        let k128 = _mm_set_epi64x(FOLD_128.1, FOLD_128.0);
        let mut x = _mm512_castsi512_si128(one);
        for lane in [
            _mm512_extracti32x4_epi32::<1>(one),
            _mm512_extracti32x4_epi32::<2>(one),
            _mm512_extracti32x4_epi32::<3>(one),
        ] {
            x = fold128(x, lane, k128);
        }
        // What is left is 128 bits whose CRC with a zero register is the block's CRC: the
        // last reduction is crc32fast's on those 16 bytes (a register of 0 is "continued
        // from !0").
        let mut rest = [0u8; 16];
        rest[..8].copy_from_slice(&_mm_cvtsi128_si64(x).to_le_bytes());
        rest[8..].copy_from_slice(&_mm_extract_epi64::<1>(x).to_le_bytes());
        let mut hasher = crc32fast::Hasher::new_with_initial(!0);
        hasher.update(&rest);
        hasher.finalize()
    }

    /// Copies the 64 bytes at `at` and returns them.
    ///
    /// # Safety
    /// `src` is valid for reading and `dst` for writing 64 bytes from `at`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn copy64(src: *const u8, dst: *mut u8, at: usize) -> __m512i {
        // SAFETY: the caller's.
        unsafe {
            let v = _mm512_loadu_si512(src.add(at).cast());
            _mm512_storeu_si512(dst.add(at).cast(), v);
            v
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn multipliers((low, high): (i64, i64)) -> __m512i {
        _mm512_broadcast_i32x4(_mm_set_epi64x(high, low))
    }

    /// Moves the four lanes of `acc` forward by the multipliers' distance onto `next`.
    #[inline]
    #[target_feature(enable = "avx512f,vpclmulqdq")]
    fn fold(acc: __m512i, next: __m512i, k: __m512i) -> __m512i {
        let low = _mm512_clmulepi64_epi128::<0x00>(acc, k);
        let high = _mm512_clmulepi64_epi128::<0x11>(acc, k);
        _mm512_ternarylogic_epi64::<0x96>(low, high, next)
    }

    /// [`fold`] for one 128-bit lane.
    #[inline]
    #[target_feature(enable = "pclmulqdq,sse2")]
    fn fold128(acc: __m128i, next: __m128i, k: __m128i) -> __m128i {
        let low = _mm_clmulepi64_si128::<0x00>(acc, k);
        let high = _mm_clmulepi64_si128::<0x11>(acc, k);
        _mm_xor_si128(_mm_xor_si128(low, high), next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc_of(crc: u32, bytes: &[u8]) -> u32 {
        let mut hasher = crc32fast::Hasher::new_with_initial(crc);
        hasher.update(bytes);
        hasher.finalize()
    }

    fn sample(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect()
    }

    /// The lengths around every boundary of both paths, from unaligned starts.
    #[test]
    fn copies_and_hashes_like_two_passes() {
        let input = sample(70_000);
        for len in [
            0,
            1,
            255,
            256,
            1023,
            WIDE_MIN,
            WIDE_MIN + 1,
            WIDE_MIN + 255,
            4096,
            65_537,
        ] {
            for start in [0, 1, 7, 64] {
                for crc in [0, 0x1234_5678, !0] {
                    let src = &input[start..start + len];
                    let mut dst = vec![0xaa; len];
                    assert_eq!(
                        copy_hashed(crc, src, &mut dst),
                        crc_of(crc, src),
                        "{len} at {start}"
                    );
                    assert_eq!(dst, src);
                    // The two passes alone, as CPUs without the vector path take them.
                    let mut dst = vec![0x55; len];
                    assert_eq!(two_passes(crc, src, &mut dst), crc_of(crc, src));
                    assert_eq!(dst, src);
                    let mut out = vec![3u16];
                    let even = &src[..len / 2 * 2];
                    assert_eq!(extend_two_passes(crc, even, &mut out), crc_of(crc, even));
                    assert_eq!(bytemuck::cast_slice::<u16, u8>(&out[1..]), even);

                    let mut out = vec![9u8];
                    assert_eq!(extend_hashed(crc, src, &mut out), crc_of(crc, src));
                    assert_eq!(out[0], 9);
                    assert_eq!(&out[1..], src);

                    let whole = len / 16 * 16;
                    let mut words: Vec<u32> = vec![7];
                    assert_eq!(
                        extend_hashed(crc, &src[..whole / 4 * 4], &mut words),
                        crc_of(crc, &src[..whole / 4 * 4])
                    );
                    let expected: Vec<u32> = src[..whole / 4 * 4]
                        .chunks_exact(4)
                        .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
                        .collect();
                    assert_eq!(words[0], 7);
                    assert_eq!(words[1..], expected);

                    let mut wide: Vec<u128> = Vec::new();
                    assert_eq!(
                        extend_hashed(crc, &src[..whole], &mut wide),
                        crc_of(crc, &src[..whole])
                    );
                    assert_eq!(bytemuck::cast_slice::<u128, u8>(&wide), &src[..whole]);
                }
            }
        }
    }

    /// Every single-bit difference in a block changes the CRC the one-pass loop returns.
    #[test]
    fn a_flipped_bit_anywhere_changes_the_crc() {
        let src = sample(WIDE_MIN * 2 + 17);
        let mut dst = vec![0; src.len()];
        let clean = copy_hashed(0, &src, &mut dst);
        for at in (0..src.len()).step_by(61) {
            let mut flipped = src.clone();
            flipped[at] ^= 1 << (at % 8);
            assert_ne!(
                copy_hashed(0, &flipped, &mut dst),
                clean,
                "bit at byte {at}"
            );
        }
    }

    /// The folding multipliers are x^(d±32) mod P, computed here a bit at a time.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_multipliers_are_powers_of_x_modulo_the_polynomial() {
        fn x_power_mod_p(n: u32) -> u64 {
            let mut r: u64 = 1;
            for _ in 0..n {
                r <<= 1;
                if r & (1 << 32) != 0 {
                    r ^= 0x1_04c1_1db7;
                }
            }
            u64::from((r as u32).reverse_bits()) << 1
        }
        for (distance, (low, high)) in [
            (2048, avx512::FOLD_2048),
            (512, avx512::FOLD_512),
            (128, avx512::FOLD_128),
        ] {
            assert_eq!(
                x_power_mod_p(distance + 32),
                low as u64,
                "x^({distance}+32)"
            );
            assert_eq!(
                x_power_mod_p(distance - 32),
                high as u64,
                "x^({distance}-32)"
            );
        }
    }
}
