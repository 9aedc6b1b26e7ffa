//! QEMU section data of each device: `vmstate_core::qemu::from_bytes` on arbitrary bytes.
//!
//! Input: selector byte, version byte, then the data. `selector % 5` picks the device
//! (integratorcm, icp_pic, icp_control, pl031, pl022_ssp); the version byte gives the
//! section version: 0 -> 0 (too old), 1 -> 2 (too new), 2 -> u32::MAX, anything else -> 1
//! (every device's current version).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vmstate_fuzz::*;

fuzz_target!(|data: &[u8]| {
    let [selector, version, section @ ..] = data else {
        return;
    };
    let version = match version {
        0 => 0,
        1 => 2,
        2 => u32::MAX,
        _ => 1,
    };
    match selector % DEVICE_COUNT {
        0 => check_qemu(integratorcm, section, version),
        1 => check_qemu(icp_pic, section, version),
        2 => check_qemu(icp_control, section, version),
        3 => check_qemu(pl031, section, version),
        _ => check_qemu(pl022, section, version),
    }
});
