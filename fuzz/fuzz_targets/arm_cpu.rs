//! The ARM926's `cpu` section (`devices::ArmCpuState`) on arbitrary bytes, in both codecs: its
//! two coprocessor register lists share one count (`#[vmstate(len = "...")]`), a padding
//! field and a subsection follow.
//!
//! Input: codec byte, then the section. Bit 0 set: QEMU section data of version 22; else a
//! native section, whose last 4 bytes the harness first rewrites as the CRC-32 of the rest
//! when bit 7 is set (so mutations of the fields are not all stopped by the checksum).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vmstate_fuzz::*;

fuzz_target!(|data: &[u8]| {
    let Some((&codec, rest)) = data.split_first() else {
        return;
    };
    by_codec(
        codec,
        rest,
        |qemu| check_qemu(arm_cpu, qemu, 22),
        |native| check_native(arm_cpu, native),
    );
});
