//! The interrupt controllers, the control registers and the RTC, register by register, and
//! the board's interrupt wiring.

use devices::icp_control::{reg as ctl, IcpControl};
use devices::icp_pic::{reg as pic, IcpPic};
use devices::pl031::{reg as rtc, Pl031};
use devices::{FakeClock, IntegratorCp};
use std::sync::Arc;

#[test]
fn pic_enable_set_and_clear() {
    let mut p = IcpPic::default();
    p.write(pic::IRQ_ENABLESET, 0x300);
    p.write(pic::IRQ_ENABLESET, 0x4);
    p.write(pic::IRQ_ENABLECLR, 0x100);
    assert_eq!(p.read(pic::IRQ_ENABLESET), 0x204);
    p.write(pic::FRQ_ENABLESET, 0x41);
    p.write(pic::FRQ_ENABLECLR, 0x1);
    assert_eq!(p.read(pic::FRQ_ENABLESET), 0x40);
}

#[test]
fn pic_status_and_raw_status() {
    let mut p = IcpPic::default();
    p.set_input(2, true);
    p.set_input(6, true);
    p.write(pic::IRQ_ENABLESET, 1 << 2);
    p.write(pic::FRQ_ENABLESET, 1 << 6);
    assert_eq!(p.read(pic::IRQ_RAWSTAT), 0x44);
    assert_eq!(p.read(pic::FRQ_RAWSTAT), 0x44);
    assert_eq!(p.read(pic::IRQ_STATUS), 0x4);
    assert_eq!(p.read(pic::FRQ_STATUS), 0x40);
    assert!(p.irq_output() && p.fiq_output());
}

#[test]
fn pic_soft_interrupt_set_and_clear() {
    let mut p = IcpPic::default();
    p.write(pic::INT_SOFTSET, 0x2); // only bit 0 counts
    assert_eq!(p.read(pic::INT_SOFTSET), 0);
    p.write(pic::INT_SOFTSET, 0x1);
    assert_eq!(p.read(pic::INT_SOFTSET), 1);
    assert_eq!(p.read(pic::IRQ_RAWSTAT), 1);
    p.write(pic::INT_SOFTCLR, 0x1);
    assert_eq!(p.read(pic::IRQ_RAWSTAT), 0);
}

#[test]
fn pic_write_only_registers_read_as_unimplemented() {
    let p = IcpPic::default();
    for off in [
        pic::IRQ_ENABLECLR,
        pic::INT_SOFTCLR,
        pic::FRQ_ENABLECLR,
        0x30,
    ] {
        assert!(p.read_checked(off).is_err(), "{off:#x}");
    }
    let mut p = p;
    assert!(p.write(0x30, 1).unimplemented.is_some());
}

#[test]
fn control_registers() {
    let mut c = IcpControl::default();
    assert_eq!(c.read(ctl::IDFIELD), 0x4103_4003);
    assert_eq!(c.read(ctl::FLASHPROG), 0);
    assert_eq!(c.read(ctl::DECODE), 0x11);
    c.set_card_readonly(true);
    c.set_card_inserted(true);
    assert_eq!(c.read(ctl::INTREG), 0x9);
    c.write(ctl::INTREG, 0x1); // write-protect is not writable
    assert_eq!(c.read(ctl::INTREG), 0x9);
    c.set_card_inserted(false); // a low level does not clear the latch
    assert!(c.mmc_irq());
    c.write(ctl::INTREG, 0x8);
    assert_eq!(c.read(ctl::INTREG), 0x1);
    assert!(!c.mmc_irq());
    assert!(c.read_checked(0x10).is_err());
}

fn clocked_rtc(secs: u64) -> (FakeClock, Pl031) {
    let clock = FakeClock::new(secs * 1_000_000_000);
    let r = Pl031::with_clocks(Arc::new(clock.clone()), Arc::new(FakeClock::new(0)));
    (clock, r)
}

#[test]
fn rtc_counts_seconds_and_loads() {
    let (clock, mut r) = clocked_rtc(1_000);
    assert_eq!(r.read(rtc::DR), 1_000);
    clock.advance(3_000_000_000);
    assert_eq!(r.read(rtc::DR), 1_003);
    r.write(rtc::LR, 42);
    assert_eq!(r.read(rtc::DR), 42);
    assert_eq!(r.read(rtc::LR), 42);
    assert_eq!(r.read(rtc::CR), 1, "always enabled");
    r.write(rtc::CR, 0);
    assert_eq!(r.read(rtc::CR), 1);
    assert_eq!(r.read(0xfe0), 0x31);
    assert_eq!(r.read(0xffc), 0xb1);
    assert!(r.read_checked(rtc::ICR).is_err(), "write-only");
}

#[test]
fn rtc_alarm_raises_the_masked_interrupt() {
    let (clock, mut r) = clocked_rtc(100);
    r.write(rtc::IMSC, 0x3);
    assert_eq!(r.read(rtc::IMSC), 1, "only bit 0 kept");
    r.write(rtc::MR, 105);
    r.poll();
    assert_eq!(r.read(rtc::RIS), 0);
    clock.advance(5_000_000_000);
    r.poll();
    assert_eq!(r.read(rtc::RIS), 1);
    assert_eq!(r.read(rtc::MIS), 1);
    assert!(r.irq_output());
    r.write(rtc::ICR, 1);
    assert_eq!(r.read(rtc::RIS), 0);
    // Matching the current count fires at once.
    r.write(rtc::MR, r.count());
    assert_eq!(r.read(rtc::RIS), 1);
}

#[test]
fn board_routes_interrupts_like_qemu() {
    let mut b =
        IntegratorCp::with_clocks(32, Arc::new(FakeClock::new(0)), Arc::new(FakeClock::new(0)));
    // MMC card-in -> secondary input 3 -> primary input 26 -> CPU IRQ.
    b.control.set_card_inserted(true);
    b.write(0xca00_0008, 1 << 3).unwrap();
    b.write(0x1400_0008, 1 << 26).unwrap();
    assert!(b.cpu_irq());
    assert_eq!(b.read(0x1400_0004).unwrap() & (1 << 26), 1 << 26);
    b.write(0xcb00_0008, 0x8).unwrap(); // clear the latch
    assert!(!b.cpu_irq());
    // RTC alarm -> primary input 8 -> CPU FIQ when routed there.
    b.write(0x1400_0028, 1 << 8).unwrap();
    b.write(0x1500_0010, 1).unwrap();
    b.write(0x1500_0004, b.rtc.count()).unwrap();
    assert!(b.cpu_fiq());
    // Unmapped addresses are errors, not panics.
    assert!(b.read(0x2000_0000).is_err());
    assert!(b.write(0xffff_fffc, 0).is_err());
}
