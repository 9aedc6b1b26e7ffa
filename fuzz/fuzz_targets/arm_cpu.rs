//! The ARM926's `cpu` section (`devices::ArmCpuState`) on arbitrary bytes, in both codecs: its
//! two coprocessor register lists share one count (`#[vmstate(len = "...")]`), a padding
//! field and a subsection follow.
//!
//! Input: codec byte, then the section. Bit 0 set: QEMU section data of version 22; else a
//! native section, whose last 4 bytes the harness first rewrites as the CRC-32 of the rest
//! when bit 7 is set (so mutations of the fields are not all stopped by the checksum).
//! Bits 1 and 2 choose the CPU model loaded into (`ARM_CPU_MODELS`: ARM926, Cortex-A9,
//! Cortex-R5, PXA270), whose configuration says which subsections it sends and how many MPU
//! regions it reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vmstate_fuzz::*;

fuzz_target!(|data: &[u8]| {
    let Some((&codec, rest)) = data.split_first() else {
        return;
    };
    let model = ARM_CPU_MODELS[usize::from(codec >> 1 & 3)];
    by_codec(
        codec,
        rest,
        |qemu| check_qemu(model, qemu, 22),
        |native| check_native(model, native),
    );
});
