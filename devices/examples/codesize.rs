//! Code size of the generated save/load for `IntegratorCm` against hand-written code: each
//! path sits behind an `#[inline(never)]` function so `benches/code-size.sh` can measure the
//! symbols of a release build with `nm`.

use devices::{FakeClock, IntegratorCm};
use std::hint::black_box;
use std::sync::Arc;

#[inline(never)]
pub fn generated_qemu_save(cm: &IntegratorCm, out: &mut Vec<u8>) {
    vmstate_core::qemu::save(cm, out).unwrap();
}

#[inline(never)]
pub fn generated_qemu_load(cm: &mut IntegratorCm, bytes: &[u8]) -> bool {
    vmstate_core::qemu::from_bytes(cm, bytes, 1, 0).is_ok()
}

#[inline(never)]
pub fn generated_native_save(cm: &IntegratorCm, out: &mut Vec<u8>) {
    vmstate_core::save_section(cm, out).unwrap();
}

#[inline(never)]
pub fn generated_native_load(cm: &mut IntegratorCm, bytes: &[u8]) -> bool {
    vmstate_core::from_bytes(cm, bytes).is_ok()
}

#[inline(never)]
pub fn hand_save(cm: &IntegratorCm, out: &mut Vec<u8>) {
    for r in cm.registers() {
        out.extend_from_slice(&r.to_be_bytes());
    }
}

#[inline(never)]
pub fn hand_load(cm: &mut IntegratorCm, b: &[u8]) -> bool {
    if b.len() != 44 {
        return false;
    }
    let w = |i: usize| u32::from_be_bytes(b[i * 4..i * 4 + 4].try_into().unwrap());
    [
        cm.cm_osc,
        cm.cm_ctrl,
        cm.cm_lock,
        cm.cm_auxosc,
        cm.cm_sdram,
        cm.cm_init,
        cm.cm_flags,
        cm.cm_nvflags,
        cm.int_level,
        cm.irq_enabled,
        cm.fiq_enabled,
    ] = [
        w(0),
        w(1),
        w(2),
        w(3),
        w(4),
        w(5),
        w(6),
        w(7),
        w(8),
        w(9),
        w(10),
    ];
    cm.update_mappings();
    true
}

fn main() {
    let mut cm = IntegratorCm::with_clock(32, Arc::new(FakeClock::new(0)));
    let mut out = Vec::new();
    generated_qemu_save(black_box(&cm), &mut out);
    let ok = generated_qemu_load(black_box(&mut cm), &out);
    out.clear();
    generated_native_save(black_box(&cm), &mut out);
    let ok2 = generated_native_load(black_box(&mut cm), &out);
    out.clear();
    hand_save(black_box(&cm), &mut out);
    let ok3 = hand_load(black_box(&mut cm), &out);
    println!("{ok} {ok2} {ok3}");
}
