//! A native section with large blocks of every element width (`vmstate_fuzz::Blocks`):
//! `vmstate_core::from_bytes` on arbitrary bytes, for the codec's one-pass copy and checksum;
//! and the same section into the same struct with its elements in `transparent` newtypes,
//! in types that travel through `from`/`into`/`try_from` conversions, and in `VecDeque`s,
//! which must load (or refuse) it alike.
//!
//! Input: flag byte, then the section. With bit 7 of the flag set the harness first rewrites
//! the section's last 4 bytes as the CRC-32 of the rest, so mutations reach the decoders.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vmstate_fuzz::*;

fuzz_target!(|data: &[u8]| {
    let Some((&flag, rest)) = data.split_first() else {
        return;
    };
    with_crc_flag(flag, rest, |section| {
        check_native(blocks, section);
        check_newtypes_alike(section);
        check_conversions_alike(section);
        check_queues_alike(section);
    });
});
