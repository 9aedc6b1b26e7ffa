//! `IntegratorCm` save, load and save+load in both codecs, against (a) hand-written code
//! that writes/reads the 11 big-endian u32 registers into a reused buffer and (b) serde +
//! postcard on a plain struct with the same fields. Ratios are printed at the end.

mod common;

use criterion::{black_box, criterion_group, Criterion};
use devices::{FakeClock, IntegratorCm};
use std::sync::Arc;

#[derive(serde::Serialize, serde::Deserialize, Default, Clone, Copy)]
struct PlainRegs {
    cm_osc: u32,
    cm_ctrl: u32,
    cm_lock: u32,
    cm_auxosc: u32,
    cm_sdram: u32,
    cm_init: u32,
    cm_flags: u32,
    cm_nvflags: u32,
    int_level: u32,
    irq_enabled: u32,
    fiq_enabled: u32,
}

fn device() -> IntegratorCm {
    let mut cm = IntegratorCm::with_clock(32, Arc::new(FakeClock::new(0)));
    for (o, v) in [
        (0x14, 0xa05f),
        (0x08, 0x777),
        (0x1c, 0x55555),
        (0x0c, 0x4),
        (0x30, 0x101),
        (0x48, 0x10),
        (0x68, 0x20),
    ] {
        cm.write(o, v);
    }
    cm
}

/// The hand-written baseline: 11 big-endian words into a reused buffer and back.
fn hand_save(cm: &IntegratorCm, buf: &mut Vec<u8>) {
    buf.clear();
    for r in cm.registers() {
        buf.extend_from_slice(&r.to_be_bytes());
    }
}

fn hand_load(cm: &mut IntegratorCm, buf: &[u8]) -> Result<(), ()> {
    if buf.len() != 44 {
        return Err(());
    }
    let w = |i: usize| u32::from_be_bytes(buf[i * 4..i * 4 + 4].try_into().unwrap());
    cm.cm_osc = w(0);
    cm.cm_ctrl = w(1);
    cm.cm_lock = w(2);
    cm.cm_auxosc = w(3);
    cm.cm_sdram = w(4);
    cm.cm_init = w(5);
    cm.cm_flags = w(6);
    cm.cm_nvflags = w(7);
    cm.int_level = w(8);
    cm.irq_enabled = w(9);
    cm.fiq_enabled = w(10);
    cm.update_mappings();
    Ok(())
}

fn plain(cm: &IntegratorCm) -> PlainRegs {
    let r = cm.registers();
    PlainRegs {
        cm_osc: r[0],
        cm_ctrl: r[1],
        cm_lock: r[2],
        cm_auxosc: r[3],
        cm_sdram: r[4],
        cm_init: r[5],
        cm_flags: r[6],
        cm_nvflags: r[7],
        int_level: r[8],
        irq_enabled: r[9],
        fiq_enabled: r[10],
    }
}

fn bench(c: &mut Criterion) {
    let src = device();
    let mut dst = device();
    let mut g = c.benchmark_group("integratorcm");
    let mut buf = Vec::with_capacity(64);
    g.bench_function("hand-written BE/save+load", |b| {
        b.iter(|| {
            hand_save(black_box(&src), &mut buf);
            hand_load(black_box(&mut dst), black_box(&buf)).unwrap();
        })
    });
    let regs = plain(&src);
    let mut regs_dst = PlainRegs::default();
    g.bench_function("serde+postcard/save+load", |b| {
        b.iter(|| {
            let bytes = postcard::to_allocvec(black_box(&regs)).unwrap();
            regs_dst = postcard::from_bytes(black_box(&bytes)).unwrap();
        })
    });
    let mut out = Vec::with_capacity(256);
    g.bench_function("qemu/save", |b| {
        b.iter(|| {
            out.clear();
            vmstate_core::qemu::save(black_box(&src), &mut out).unwrap();
        })
    });
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    g.bench_function("qemu/load", |b| {
        b.iter(|| {
            vmstate_core::qemu::from_bytes(black_box(&mut dst), black_box(&qemu), 1, 0).unwrap()
        })
    });
    g.bench_function("qemu/save+load", |b| {
        b.iter(|| {
            out.clear();
            vmstate_core::qemu::save(black_box(&src), &mut out).unwrap();
            vmstate_core::qemu::from_bytes(black_box(&mut dst), black_box(&out), 1, 0).unwrap();
        })
    });
    g.bench_function("native/save", |b| {
        b.iter(|| {
            out.clear();
            vmstate_core::save_section(black_box(&src), &mut out).unwrap();
        })
    });
    let native = vmstate_core::to_bytes(&src).unwrap();
    g.bench_function("native/load", |b| {
        b.iter(|| vmstate_core::from_bytes(black_box(&mut dst), black_box(&native)).unwrap())
    });
    g.bench_function("native/save+load", |b| {
        b.iter(|| {
            out.clear();
            vmstate_core::save_section(black_box(&src), &mut out).unwrap();
            vmstate_core::from_bytes(black_box(&mut dst), black_box(&out)).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}

/// Prints each result against the baselines measured in the same run.
fn print_ratios() {
    let m = |name: &str| common::median(&format!("integratorcm/{}", name.replace('/', "_")));
    let Some(hand) = m("hand-written BE/save+load") else {
        return;
    };
    let serde = m("serde+postcard/save+load").unwrap_or(f64::NAN);
    println!("\nintegratorcm save+load, medians of this run:");
    println!("  hand-written BE      {hand:8.1} ns  1.00x");
    println!(
        "  serde + postcard     {serde:8.1} ns  {:.2}x",
        serde / hand
    );
    for name in ["qemu/save+load", "native/save+load"] {
        if let Some(t) = m(name) {
            println!(
                "  {name:<20} {t:8.1} ns  {:.2}x hand-written; {:.2}x faster than serde+postcard",
                t / hand,
                serde / t
            );
        }
    }
}
