//! The state-only ports of QEMU's other Integrator/CP sections (`devices::qemu_sections`) on
//! arbitrary bytes, in both codecs: nested structs (ptimer, clock, PS/2 common state, PL041
//! channels), subsections with `needed` and `default`, a `validate` on globalstate's run
//! state, `range`s on the PL011's FIFO position, a bitmap as a counted sequence.
//!
//! Input: selector byte (picks the port: `PORT_SECTIONS`' order), codec byte, then the
//! section. Codec bit 0 set: QEMU section data, at the port's minimum version plus `codec >> 1` (modulo its range
//! of versions); else a native section, whose last 4 bytes the harness first rewrites as the
//! CRC-32 of the rest when bit 7 is set.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vmstate_fuzz::*;

/// QEMU section data at the port's minimum version plus `codec >> 1` (codec bit 0 set), or
/// a native section (its checksum fixed first when bit 7 is set).
fn run<T: Dut + Default>(codec: u8, section: &[u8]) {
    let d = T::DESCRIPTION;
    let versions = d.version - d.minimum_version + 1;
    let version = d.minimum_version + u32::from(codec >> 1) % versions;
    by_codec(
        codec,
        section,
        |qemu| check_qemu(T::default, qemu, version),
        |native| check_native(T::default, native),
    );
}

fuzz_target!(|data: &[u8]| {
    let [selector, codec, section @ ..] = data else {
        return;
    };
    let codec = *codec;
    with_port!(*selector, run(codec, section))
});
