//! The native section's CRC-32, computed while the section is encoded or decoded.
//!
//! Large blocks are hashed a chunk at a time just before the chunk is copied, so the copy
//! reads what the hash brought into L1 (on save, a block whose wire form is not its bytes in
//! memory is hashed right after it is written instead). A separate pass over a 1 MiB block
//! cost a sixth of a load: the CRC runs at about twice memory-copy speed and had to read the
//! block back from L2. The bytes between large blocks are hashed, in order, at the next large
//! block or at the end. The header's name and version, fixed by the type, are hashed at
//! compile time ([`header_crc`]).

/// Bytes hashed and then copied per round: small enough to stay in L1 between the two, large
/// enough for the CRC's vector path (measured best of 1-64 KiB, `benches/bulk.rs`).
pub(crate) const CHUNK: usize = 4096;

/// Blocks at least this long are hashed chunk by chunk as they are read; shorter ones are
/// hashed together with the bytes around them.
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
    /// Every byte of the input before this position is hashed, none after it.
    upto: usize,
}

impl RunningCrc {
    /// Nothing hashed yet; hashing will start at `input[start]`.
    #[inline]
    pub(crate) fn starting_at(start: usize) -> Self {
        RunningCrc {
            hasher: None,
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

    /// Hashes `bytes`, which will be appended to `input` next: first whatever of `input` is
    /// not hashed yet.
    pub(crate) fn hash_next(&mut self, input: &[u8], bytes: &[u8]) {
        self.catch_up(input, input.len()).update(bytes);
        self.upto += bytes.len();
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
        if start < self.upto {
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
}
