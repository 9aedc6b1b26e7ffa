//! The native section's CRC-32, computed while the section is encoded or decoded.
//!
//! Large blocks whose wire form is their bytes in memory are copied and hashed in one pass
//! ([`crate::crc_copy`]). Other large blocks are hashed a chunk at a time just before the
//! chunk is converted, so the conversion reads what the hash brought into L1 (on save, right
//! after the chunk is written instead). A separate pass over a 1 MiB block cost a sixth of a
//! load: the block had to be read back from L2. The bytes between large blocks are hashed, in
//! order, at the next large block or at the end. The header's name and version, fixed by the
//! type, are hashed at compile time ([`header_crc`]).

/// Bytes hashed and then copied per round: small enough to stay in L1 between the two, large
/// enough for the CRC's vector path (measured best of 1-64 KiB, `benches/bulk.rs`).
pub(crate) const CHUNK: usize = 4096;

/// Blocks at least this long are hashed as they are copied (in one pass, or chunk by chunk
/// when the elements are converted); shorter ones are hashed together with the bytes around
/// them.
pub(crate) const FUSE_MIN: usize = 4 * CHUNK;

/// CRC-32 (IEEE) of `bytes` continued from `crc` (the CRC of what came before, 0 for
/// nothing), a bit at a time: for values known at compile time.
const fn crc32_continue(crc: u32, bytes: &[u8]) -> u32 {
    let mut crc = !crc;
    let mut i = 0;
    while i < bytes.len() {
        crc ^= bytes[i] as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
            bit += 1;
        }
        i += 1;
    }
    !crc
}

/// [`crc32_continue`] over `v` as a LEB128 varint (postcard's unsigned integers).
const fn crc32_varint(mut crc: u32, mut v: u64) -> u32 {
    while v >= 0x80 {
        crc = crc32_continue(crc, &[v as u8 | 0x80]);
        v >>= 7;
    }
    crc32_continue(crc, &[v as u8])
}

/// The CRC-32 of the part of a native section's header that `d` fixes: the name (varint
/// length and bytes) and the version. Computed at compile time for each type, so a save
/// hashes only the length and the fields, and never reads back the header it just wrote.
pub(crate) const fn header_crc(d: &crate::Description) -> u32 {
    let crc = crc32_varint(0, d.name.len() as u64);
    let crc = crc32_continue(crc, d.name.as_bytes());
    crc32_varint(crc, d.version as u64)
}

/// A CRC-32 over an input, advanced in order as the encoder or decoder moves through it.
pub(crate) struct RunningCrc {
    /// Created at the first large block: a section without one is hashed in one call at the
    /// end, which for a small section costs less than setting up a hasher.
    hasher: Option<crc32fast::Hasher>,
    /// Where hashing started.
    from: usize,
    /// Every byte of the input before this position is hashed, none after it.
    upto: usize,
}

impl RunningCrc {
    /// Nothing hashed yet; hashing will start at `input[start]`.
    #[inline]
    pub(crate) fn starting_at(start: usize) -> Self {
        RunningCrc {
            hasher: None,
            from: start,
            upto: start,
        }
    }

    /// Hashes `input[self.upto..to]`; returns the hasher.
    pub(crate) fn catch_up(&mut self, input: &[u8], to: usize) -> &mut crc32fast::Hasher {
        let hasher = self.hasher.get_or_insert_with(crc32fast::Hasher::new);
        if to > self.upto {
            hasher.update(&input[self.upto..to]);
            self.upto = to;
        }
        hasher
    }

    /// The CRC of the input from where hashing started up to `at`, which must not be behind
    /// what is hashed already: for a caller that hashes the next bytes itself and then says
    /// so with [`Self::hashed_by_caller`].
    pub(crate) fn crc_at(&mut self, input: &[u8], at: usize) -> u32 {
        debug_assert!(at >= self.upto);
        self.catch_up(input, at).clone().finalize()
    }

    /// The caller hashed the next `len` bytes itself, continuing from [`Self::crc_at`]; `crc`
    /// is the CRC up to their end.
    pub(crate) fn hashed_by_caller(&mut self, crc: u32, len: usize) {
        self.upto += len;
        // The byte count too: a save combines this CRC behind the header's, which needs it.
        let hashed = (self.upto - self.from) as u64;
        self.hasher = Some(crc32fast::Hasher::new_with_initial_len(crc, hashed));
    }

    /// Whether the byte at `at` of the input is hashed already (the decoder went back to
    /// re-read it).
    #[inline]
    pub(crate) fn hashed(&self, at: usize) -> bool {
        at < self.upto
    }

    /// Passes `input[start..start + len]` to `read` in [`CHUNK`]-sized pieces (with the
    /// piece's index), hashing each piece just before. Bytes hashed before (the decoder went
    /// back to re-read them) are read without hashing.
    pub(crate) fn read_hashed<E>(
        &mut self,
        input: &[u8],
        start: usize,
        len: usize,
        mut read: impl FnMut(usize, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let block = &input[start..start + len];
        if self.hashed(start) {
            return read(0, block);
        }
        for (i, chunk) in block.chunks(CHUNK).enumerate() {
            self.catch_up(input, start + i * CHUNK).update(chunk);
            self.upto += chunk.len();
            read(i, chunk)?;
        }
        Ok(())
    }

    /// The hasher over `input` from where hashing started, or `None` if no large block was met:
    /// then one `crc32fast::hash` call is the cheaper way to finish.
    #[inline]
    pub(crate) fn finish(self, input: &[u8]) -> Option<crc32fast::Hasher> {
        let mut hasher = self.hasher?;
        hasher.update(&input[self.upto..]);
        Some(hasher)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_crc_is_the_crc_of_the_written_header() {
        for (name, version) in [("uart", 1), ("", 300), ("integratorcm", 1 << 20)] {
            let name: &'static str = Box::leak(name.repeat(20).into_boxed_str());
            let d = crate::Description {
                name,
                version,
                minimum_version: 1,
                fields: &[],
                hooks: crate::Hooks {
                    pre_save: None,
                    pre_load: None,
                    post_load: None,
                    validate: None,
                },
                subsections: &[],
                rust_type: "T",
            };
            let mut header = Vec::new();
            crate::wire::Scalar::put_native(name.len() as u64, &mut header);
            header.extend_from_slice(name.as_bytes());
            crate::wire::Scalar::put_native(version, &mut header);
            assert_eq!(
                header_crc(&d),
                crc32fast::hash(&header),
                "{name:?} v{version}"
            );
            let continued = crc32fast::Hasher::new_with_initial(header_crc(&d));
            let mut whole = crc32fast::Hasher::new();
            whole.update(&header);
            assert_eq!(continued.finalize(), whole.finalize());
        }
    }

    #[test]
    fn hashes_every_byte_once_in_order() {
        let input: Vec<u8> = (0..100_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let mut crc = RunningCrc::starting_at(0);
        let mut copied = Vec::new();
        let r: Result<(), ()> = crc.read_hashed(&input, 10, FUSE_MIN + 5, |_, c| {
            copied.extend_from_slice(c);
            Ok(())
        });
        r.unwrap();
        // A second read of the same bytes (after a reset) must not hash them again.
        let r: Result<(), ()> = crc.read_hashed(&input, 10, 100, |_, _| Ok(()));
        r.unwrap();
        assert_eq!(copied, &input[10..10 + FUSE_MIN + 5]);
        assert_eq!(
            crc.finish(&input).unwrap().finalize(),
            crc32fast::hash(&input)
        );
    }

    /// Bytes the caller hashed count in the hasher's length, which a save needs to combine the
    /// fields' CRC behind the header's.
    #[test]
    fn bytes_hashed_by_the_caller_combine_behind_what_came_before() {
        let input: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 253) as u8).collect();
        let (header, fields) = input.split_at(100);
        let mut crc = RunningCrc::starting_at(0);
        let so_far = crc.crc_at(fields, 10);
        let mut copy = vec![0; 30_000];
        let after = crate::crc_copy::copy_hashed(so_far, &fields[10..30_010], &mut copy);
        crc.hashed_by_caller(after, 30_000);
        let mut whole = crc32fast::Hasher::new();
        whole.update(header);
        whole.combine(&crc.finish(fields).unwrap());
        assert_eq!(whole.finalize(), crc32fast::hash(&input));
    }
}
