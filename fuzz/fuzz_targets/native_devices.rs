//! Native sections of each device: `vmstate_core::from_bytes` on arbitrary bytes.
//!
//! Input: selector byte, then the section. `selector & 0x7f` % 5 picks the device
//! (integratorcm, icp_pic, icp_control, pl031, pl022_ssp); with bit 7 set the harness first
//! rewrites the section's last 4 bytes as the CRC-32 of the rest, so mutations of the fields
//! are not all stopped by the checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vmstate_fuzz::*;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    with_crc_flag(selector, rest, |section| {
        match (selector & 0x7f) % DEVICE_COUNT {
            0 => check_native(integratorcm, section),
            1 => check_native(icp_pic, section),
            2 => check_native(icp_control, section),
            3 => check_native(pl031, section),
            _ => check_native(pl022, section),
        }
    });
});
