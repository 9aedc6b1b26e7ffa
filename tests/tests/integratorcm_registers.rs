//! One test per row of the core module's register tables (reference: integratorcm.md).

use devices::integratorcm::{reg, IntegratorCm};
use devices::FakeClock;
use std::sync::Arc;

fn cm() -> IntegratorCm {
    IntegratorCm::new(32)
}

fn unlocked() -> IntegratorCm {
    let mut c = cm();
    c.write(reg::LOCK, 0xa05f);
    c
}

// ---- reads ----

#[test]
fn read_id() {
    assert_eq!(cm().read(reg::ID), 0x411a_3001);
}

#[test]
fn read_proc() {
    assert_eq!(cm().read(reg::PROC), 0);
}

#[test]
fn read_osc() {
    assert_eq!(cm().read(reg::OSC), 0x0100_0048);
}

#[test]
fn read_ctrl() {
    let mut c = cm();
    c.write(reg::CTRL, 0x5);
    assert_eq!(c.read(reg::CTRL), 0x5);
}

#[test]
fn read_stat() {
    assert_eq!(cm().read(reg::STAT), 0x0010_0000);
}

#[test]
fn read_lock_unlocked_and_locked() {
    let mut c = cm();
    assert_eq!(c.read(reg::LOCK), 0);
    c.write(reg::LOCK, 0xa05f);
    assert_eq!(c.read(reg::LOCK), 0x0001_a05f);
    c.write(reg::LOCK, 0x1234);
    assert_eq!(c.read(reg::LOCK), 0x1234);
}

#[test]
fn read_lmbuscnt_is_reported_not_fatal() {
    let c = cm();
    let err = c.read_checked(reg::LMBUSCNT).unwrap_err();
    assert_eq!(err.offset, reg::LMBUSCNT);
    assert!(err.to_string().contains("LMBUSCNT"));
    assert_eq!(c.read(reg::LMBUSCNT), 0);
}

#[test]
fn read_auxosc() {
    assert_eq!(cm().read(reg::AUXOSC), 0x0007_feff);
}

#[test]
fn read_sdram() {
    assert_eq!(cm().read(reg::SDRAM), 0x0001_1126);
}

#[test]
fn read_init() {
    assert_eq!(cm().read(reg::INIT), 0x112);
}

#[test]
fn read_refcnt_counts_24mhz_from_creation() {
    let clock = FakeClock::new(5_000_000); // the board was created 5 ms into the clock
    let c = IntegratorCm::with_clock(32, Arc::new(clock.clone()));
    assert_eq!(c.read(reg::REFCNT), 0);
    clock.advance(1_000_000); // 1 ms
    assert_eq!(c.read(reg::REFCNT), 24_000);
    clock.advance(1_000_000_000_000); // wraps like QEMU's u32 arithmetic
    let ticks = ((6_000_000u128 + 1_000_000_000_000) * 24 / 1000) as u32;
    assert_eq!(c.read(reg::REFCNT), ticks.wrapping_sub(120_000));
}

#[test]
fn read_flags() {
    let mut c = cm();
    c.write(reg::FLAGS, 0x101);
    assert_eq!(c.read(reg::FLAGS), 0x101);
}

#[test]
fn read_nvflags() {
    let mut c = cm();
    c.write(reg::NVFLAGS, 0x2);
    assert_eq!(c.read(reg::NVFLAGS), 0x2);
}

#[test]
fn read_irq_stat_rstat_enset() {
    let mut c = cm();
    c.int_level = 1; // as a migrated-in state would set it
    assert_eq!(c.read(reg::IRQ_STAT), 0);
    assert_eq!(c.read(reg::IRQ_RSTAT), 1);
    c.irq_enabled = 0x11;
    assert_eq!(c.read(reg::IRQ_STAT), 1);
    assert_eq!(c.read(reg::IRQ_ENSET), 0x11);
}

#[test]
fn read_soft_intset() {
    let mut c = cm();
    assert_eq!(c.read(reg::SOFT_INTSET), 0);
    c.write(reg::SOFT_INTSET, 1);
    assert_eq!(c.read(reg::SOFT_INTSET), 1);
}

#[test]
fn read_fiq_stat_rstat_enset() {
    let mut c = cm();
    c.int_level = 1;
    c.fiq_enabled = 0x21;
    assert_eq!(c.read(reg::FIQ_STAT), 1);
    assert_eq!(c.read(reg::FIQ_RSTAT), 1);
    assert_eq!(c.read(reg::FIQ_ENSET), 0x21);
}

#[test]
fn read_voltage_ctl_is_zero() {
    let mut c = cm();
    for off in (reg::VOLTAGE_CTL0..=reg::VOLTAGE_CTL3).step_by(4) {
        c.write(off, 0xffff_ffff);
        assert_eq!(c.read_checked(off), Ok(0));
    }
}

#[test]
fn read_spd_window_has_qemus_offset_quirk() {
    let c = IntegratorCm::new(32);
    // 0x100 reads spd[64], 0x17c reads spd[95]: the text "QEMU-MEMORY" sits at spd[73..84].
    assert_eq!(c.read(0x100), u32::from(c.spd[64]));
    assert_eq!(c.read(0x100 + 73 * 4 - 256), u32::from(b'Q'));
    assert_eq!(c.read(0x124), u32::from(b'Q'));
    assert_eq!(c.read(0x14c), u32::from(b'Y'));
    assert_eq!(c.read(0x17c), u32::from(c.spd[95]));
    // Bytes 0..63 (the JEDEC header) are unreachable through the window.
    assert!((0x100..=0x17c).step_by(4).all(|o| c.read(o) != 128));
}

#[test]
fn read_after_spd_window_is_zero() {
    let c = cm();
    assert_eq!(c.read_checked(0x180), Ok(0));
    assert_eq!(c.read_checked(0x1fc), Ok(0));
}

#[test]
fn read_unknown_offset_is_reported() {
    let c = cm();
    assert!(c.read_checked(0x2c).is_err());
    assert!(c.read_checked(0x200).is_err());
    assert_eq!(c.read(0x200), 0);
}

// ---- writes ----

#[test]
fn write_osc_only_while_unlocked() {
    let mut c = cm();
    c.write(reg::OSC, 0x777);
    assert_eq!(
        c.read(reg::OSC),
        0x0100_0048,
        "locked write must be ignored"
    );
    let mut c = unlocked();
    c.write(reg::OSC, 0x777);
    assert_eq!(c.read(reg::OSC), 0x777);
}

#[test]
fn write_ctrl_masks_and_reports_reset() {
    let mut c = cm();
    let fx = c.write(reg::CTRL, 0xffff_ffff);
    assert!(fx.reset_requested);
    assert_eq!(
        c.read(reg::CTRL),
        0x5,
        "only bits 0 and 2 are stored; bit 3 reads as 0"
    );
    let fx = c.write(reg::CTRL, 0x0);
    assert!(!fx.reset_requested);
    assert_eq!(c.read(reg::CTRL), 0);
}

#[test]
fn write_ctrl_remap_disables_flash() {
    let mut c = cm();
    assert!(c.flash.enabled && c.flash_mapped);
    c.write(reg::CTRL, 0x4);
    assert!(!c.flash.enabled && !c.flash_mapped);
    c.write(reg::CTRL, 0x1);
    assert!(c.flash.enabled && c.flash_mapped);
}

#[test]
fn write_lock_keeps_16_bits() {
    let mut c = cm();
    c.write(reg::LOCK, 0xdead_a05f);
    assert_eq!(c.cm_lock, 0xa05f);
    assert_eq!(
        c.read(reg::LOCK),
        0x0001_a05f,
        "0xdeada05f & 0xffff is the key: unlocked"
    );
}

#[test]
fn write_auxosc_only_while_unlocked() {
    let mut c = cm();
    c.write(reg::AUXOSC, 0x55555);
    assert_eq!(c.read(reg::AUXOSC), 0x0007_feff);
    let mut c = unlocked();
    c.write(reg::AUXOSC, 0x55555);
    assert_eq!(c.read(reg::AUXOSC), 0x55555);
}

#[test]
fn write_sdram() {
    let mut c = cm();
    c.write(reg::SDRAM, 0x11132);
    assert_eq!(c.read(reg::SDRAM), 0x11132);
}

#[test]
fn write_init() {
    let mut c = cm();
    c.write(reg::INIT, 0x3);
    assert_eq!(c.read(reg::INIT), 0x3);
}

#[test]
fn write_flags_set_and_clear() {
    let mut c = cm();
    c.write(reg::FLAGS, 0x101);
    c.write(reg::FLAGS, 0x010);
    assert_eq!(c.read(reg::FLAGS), 0x111);
    c.write(reg::FLAGS_CLEAR, 0x100);
    assert_eq!(c.read(reg::FLAGS), 0x011);
}

#[test]
fn write_nvflags_set_and_clear() {
    let mut c = cm();
    c.write(reg::NVFLAGS, 0x6);
    c.write(reg::NVFLAGS_CLEAR, 0x2);
    assert_eq!(c.read(reg::NVFLAGS), 0x4);
}

#[test]
fn write_irq_enable_set_and_clear() {
    let mut c = cm();
    c.write(reg::IRQ_ENSET, 0x30);
    c.write(reg::IRQ_ENCLR, 0x10);
    assert_eq!(c.read(reg::IRQ_ENSET), 0x20);
}

#[test]
fn write_soft_int_set_and_clear_only_bit0() {
    let mut c = cm();
    c.write(reg::SOFT_INTSET, 0xffff_fffe);
    assert_eq!(c.int_level, 0, "only bit 0 can be set");
    c.write(reg::SOFT_INTSET, 0x3);
    assert_eq!(c.int_level, 1);
    c.write(reg::SOFT_INTCLR, 0x2);
    assert_eq!(c.int_level, 1);
    c.write(reg::SOFT_INTCLR, 0x1);
    assert_eq!(c.int_level, 0);
}

#[test]
fn enabled_soft_interrupt_is_reported_not_fatal() {
    let mut c = cm();
    c.write(reg::IRQ_ENSET, 0x1);
    assert!(!c.interrupt_pending());
    c.write(reg::SOFT_INTSET, 0x1); // QEMU aborts with "Core module interrupt" here
    assert!(c.interrupt_pending());
    assert_eq!(c.read(reg::IRQ_STAT), 1);
}

#[test]
fn write_fiq_enable_set_and_clear() {
    let mut c = cm();
    c.write(reg::FIQ_ENSET, 0x21);
    c.write(reg::FIQ_ENCLR, 0x1);
    assert_eq!(c.read(reg::FIQ_ENSET), 0x20);
}

#[test]
fn write_voltage_ctl_ignored() {
    let mut c = cm();
    let before = c.registers();
    let fx = c.write(reg::VOLTAGE_CTL0, 0x1234);
    assert!(fx.unimplemented.is_none());
    assert_eq!(c.registers(), before);
}

#[test]
fn write_unknown_offset_is_reported_and_ignored() {
    let mut c = cm();
    let before = c.registers();
    let fx = c.write(0x2c, 0x1234);
    assert_eq!(fx.unimplemented.map(|u| u.offset), Some(0x2c));
    let fx = c.write(reg::ID, 0x1234);
    assert!(fx.unimplemented.is_some());
    assert_eq!(c.registers(), before);
}

// ---- creation ----

#[test]
fn creation_values_follow_memsz() {
    // (memsz MiB, CM_SDRAM, SPD byte 31)
    for (memsz, sdram, spd31) in [
        (16, 0x0001_1122, 2),
        (32, 0x0001_1126, 4),
        (64, 0x0001_112a, 16),
        (128, 0x0001_112e, 32),
        (256, 0x0001_1132, 64),
    ] {
        let c = IntegratorCm::new(memsz);
        assert_eq!(c.read(reg::SDRAM), sdram, "memsz {memsz}");
        assert_eq!(c.spd[31], spd31, "memsz {memsz}");
        assert_eq!(c.memsz, memsz);
        assert_eq!(c.read(reg::OSC), 0x0100_0048);
        assert_eq!(c.read(reg::AUXOSC), 0x0007_feff);
        assert_eq!(c.read(reg::INIT), 0x112);
        assert_eq!(c.read(reg::CTRL), 0);
        assert_eq!(&c.spd[..4], &[128, 8, 4, 11]);
        assert_eq!(&c.spd[73..84], b"QEMU-MEMORY");
        assert!(
            c.flash_mapped && c.flash.enabled,
            "remap rule applied at creation"
        );
        assert_eq!(c.flash.size, 0x10_0000);
    }
}
