//! Hostile input: every truncation, every bit flip, byte overwrites and seeded random
//! corruptions of every device's encodings, in both codecs. Never a panic; on `Err` the device
//! is exactly as before; on `Ok` its invariants hold.

use devices::pl022::{reg as ssp, Pl022, CR1_LBM, CR1_SSE};
use devices::{FakeClock, IcpControl, IcpPic, IntegratorCm, Pl031};
use std::sync::Arc;
use vmstate_core::{ErrorKind, VmState};
use vmstate_tests::Rng;

/// Every corruption of `good` the suite tries: truncations, 8 bit flips and 0x00/0xff per
/// byte, and `random` seeded multi-byte corruptions.
fn corruptions(good: &[u8], random: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = (0..good.len()).map(|n| good[..n].to_vec()).collect();
    for i in 0..good.len() {
        for bit in 0..8 {
            let mut b = good.to_vec();
            b[i] ^= 1 << bit;
            out.push(b);
        }
        for v in [0x00, 0xff] {
            let mut b = good.to_vec();
            b[i] = v;
            out.push(b);
        }
    }
    let mut rng = Rng(seed);
    for _ in 0..random {
        let mut b = good.to_vec();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(b.len());
            b[i] = rng.next() as u8;
        }
        if rng.below(8) == 0 {
            let cut = rng.below(b.len());
            b.truncate(cut);
        }
        out.push(b);
    }
    out
}

/// A native section's CRC recomputed after corrupting it, so the decoder itself (not only the
/// checksum) faces the hostile bytes.
fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() > 4 {
        let end = bytes.len() - 4;
        let crc = crc32fast::hash(&bytes[..end]);
        bytes[end..].copy_from_slice(&crc.to_le_bytes());
    }
    bytes
}

/// Loads every corruption of `src`'s encodings into a copy of `dst`; checks atomicity on
/// `Err` and `invariant` on `Ok`. Returns (loads accepted, loads refused).
fn torture<T, F, I>(src: &T, fresh: F, invariant: I, seed: u64) -> (usize, usize)
where
    T: VmState + PartialEq + std::fmt::Debug,
    F: Fn() -> T,
    I: Fn(&T) -> bool,
{
    let (mut ok, mut err) = (0, 0);
    let mut check =
        |result: Result<(), vmstate_core::Error>, dst: &T, before: &T, what: &str| match result {
            Ok(()) => {
                ok += 1;
                assert!(
                    invariant(dst),
                    "{what}: loaded a state that breaks the invariant: {dst:?}"
                );
            }
            Err(e) => {
                err += 1;
                assert_eq!(
                    dst, before,
                    "{what}: a refused load ({e}) changed the device"
                );
                assert!(!e.to_string().is_empty());
            }
        };
    let native = vmstate_core::to_bytes(src).unwrap();
    for (n, bad) in corruptions(&native, 3000, seed).into_iter().enumerate() {
        for bytes in [bad.clone(), reseal(bad)] {
            let mut dst = fresh();
            let before = fresh();
            let r = vmstate_core::from_bytes(&mut dst, &bytes);
            check(r, &dst, &before, &format!("native #{n}"));
        }
    }
    let qemu = vmstate_core::qemu::to_bytes(src).unwrap();
    for (n, bad) in corruptions(&qemu, 3000, seed ^ 0xfeed)
        .into_iter()
        .enumerate()
    {
        let mut dst = fresh();
        let before = fresh();
        let r = vmstate_core::qemu::from_bytes(&mut dst, &bad, T::DESCRIPTION.version, 0);
        check(r, &dst, &before, &format!("qemu #{n}"));
    }
    (ok, err)
}

fn busy_core() -> IntegratorCm {
    let mut cm = IntegratorCm::with_clock(32, Arc::new(FakeClock::new(0)));
    for (o, v) in [
        (0x14, 0xa05f),
        (0x08, 0x777),
        (0x0c, 0x4),
        (0x30, 0x101),
        (0x48, 0x10),
    ] {
        cm.write(o, v);
    }
    cm
}

#[test]
fn integratorcm_survives_every_corruption() {
    let (ok, err) = torture(
        &busy_core(),
        || IntegratorCm::with_clock(32, Arc::new(FakeClock::new(0))),
        |cm| cm.flash_mapped == (cm.cm_ctrl & 4 == 0) && cm.flash.enabled == cm.flash_mapped,
        1,
    );
    assert!(ok > 0 && err > 0, "ok {ok} err {err}");
}

#[test]
fn icp_pic_and_control_survive_every_corruption() {
    torture(
        &IcpPic {
            level: 1,
            irq_enabled: 0x300,
            fiq_enabled: 0x40,
        },
        IcpPic::default,
        |_| true,
        2,
    );
    torture(
        &IcpControl { intreg_state: 9 },
        IcpControl::default,
        |_| true,
        3,
    );
}

fn rtc() -> Pl031 {
    Pl031::with_clocks(
        Arc::new(FakeClock::new(1_700_000_000_000_000_000)),
        Arc::new(FakeClock::new(0)),
    )
}

#[test]
fn pl031_survives_every_corruption() {
    let mut src = rtc();
    src.write(devices::pl031::reg::MR, 0x1234);
    src.write(devices::pl031::reg::IMSC, 1);
    // post_load re-arms the alarm from the loaded match register, as QEMU does: armed
    // exactly when the match value is not the current count (else the interrupt is raised).
    torture(
        &src,
        rtc,
        |r| r.alarm_at_ns.is_some() == (r.mr != r.count()) && (r.mr != r.count() || r.is == 1),
        4,
    );
}

fn busy_ssp() -> Pl022 {
    let mut s = Pl022::new();
    s.write(ssp::CR0, 7);
    s.write(ssp::CR1, CR1_LBM | CR1_SSE);
    for v in [1, 2, 3] {
        s.write(ssp::DR, v);
    }
    s
}

fn ssp_invariant(s: &Pl022) -> bool {
    (0..8).contains(&s.tx_fifo_head)
        && (0..8).contains(&s.rx_fifo_head)
        && (0..=8).contains(&s.tx_fifo_len)
        && (0..=8).contains(&s.rx_fifo_len)
}

#[test]
fn pl022_survives_every_corruption_and_keeps_its_indices_in_bounds() {
    let (ok, err) = torture(&busy_ssp(), Pl022::new, ssp_invariant, 5);
    assert!(ok > 0 && err > 0, "ok {ok} err {err}");
}

/// QEMU's bytes for `s` with one i32 field (by index among the 11 words) replaced.
fn with_word(s: &Pl022, word: usize, value: i32) -> Vec<u8> {
    let mut b = vmstate_core::qemu::to_bytes(s).unwrap();
    b[word * 4..word * 4 + 4].copy_from_slice(&value.to_be_bytes());
    b
}

#[test]
fn cve_2013_4530_a_hostile_fifo_head_is_refused_at_load_time() {
    let src = busy_ssp();
    let mut dst = busy_ssp();
    dst.write(ssp::DR, 9);
    let before = dst.clone();
    // tx_fifo_head is the 8th word.
    let err = vmstate_core::qemu::from_bytes(&mut dst, &with_word(&src, 7, 9), 1, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::OutOfRange { .. }), "{err}");
    assert_eq!(err.path(), "pl022_ssp.tx_fifo_head");
    assert_eq!(err.offset(), Some(28));
    assert_eq!(
        err.to_string(),
        "pl022_ssp.tx_fifo_head: value 9 is outside the valid range 0..8 (at byte 28)"
    );
    assert_eq!(dst, before, "the device is unchanged");
    // ... and keeps working: a later transfer through the FIFO behaves.
    dst.write(ssp::DR, 0x42);
    let mut got = Vec::new();
    while dst.read(ssp::SR) & devices::pl022::SR_RNE != 0 {
        got.push(dst.read(ssp::DR));
    }
    assert_eq!(got.last(), Some(&0x42));
    // Negative indices and lengths are refused too, in both codecs.
    for (word, value) in [(8, -1), (8, i32::MIN), (9, 9), (10, -3)] {
        let mut d = busy_ssp();
        assert!(
            vmstate_core::qemu::from_bytes(&mut d, &with_word(&src, word, value), 1, 0).is_err()
        );
        assert_eq!(d, busy_ssp());
    }
    let mut evil = busy_ssp();
    evil.rx_fifo_head = 1000;
    let native = vmstate_core::to_bytes(&evil).unwrap();
    let mut d = busy_ssp();
    let err = vmstate_core::from_bytes(&mut d, &native).unwrap_err();
    assert_eq!(err.path(), "pl022_ssp.rx_fifo_head");
}

#[test]
fn qemu_stream_reader_survives_corruption() {
    let fixture: &[u8] = include_bytes!("../fixtures/qemu-7.2-integratorcp/integratorcp.stream");
    let stream = vmstate_core::qemu::Stream::parse(fixture.to_vec()).unwrap();
    // Corrupt the device sections and their headers (the RAM pages are only walked).
    let start = stream.device("integratorcm", 0).unwrap().range.start - 200;
    let end = stream.device("icp_control", 0).unwrap().range.end + 50;
    let mut rng = Rng(7);
    for _ in 0..400 {
        let mut b = fixture.to_vec();
        for _ in 0..1 + rng.below(3) {
            let i = start + rng.below(end - start);
            b[i] = rng.next() as u8;
        }
        if let Ok(s) = vmstate_core::qemu::Stream::parse(b.clone()) {
            // Whatever parses must load or be refused cleanly, and rewrite or be refused.
            let _ = devices::qemu_image::load_board(&s);
            let _ = devices::qemu_image::inspect(&s);
            let _ = devices::qemu_image::rewrite(b, &[]);
        }
    }
}

#[test]
fn machine_stream_survives_corruption() {
    let mut board = devices::IntegratorCp::new(32);
    board.write(0x1000_000c, 4).unwrap();
    let good = devices::machine::save(&board).unwrap();
    let json_start = good.windows(2).position(|w| w == b"{\"").unwrap();
    let mut rng = Rng(9);
    for n in 0..json_start {
        for v in [0x00, 0xff, good[n] ^ 0x80] {
            let mut bad = good.clone();
            bad[n] = v;
            let mut dst = devices::IntegratorCp::new(32);
            let before = dst.register_dump(true);
            if devices::machine::load(&mut dst, &bad).is_err() {
                assert_eq!(dst.register_dump(true), before, "byte {n}");
            }
        }
    }
    for _ in 0..500 {
        let mut bad = good.clone();
        let i = rng.below(bad.len());
        bad[i] = rng.next() as u8;
        let _ = devices::machine::parse(&bad);
        let mut dst = devices::IntegratorCp::new(32);
        let _ = devices::machine::load(&mut dst, &bad);
    }
}
