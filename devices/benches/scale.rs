//! Scale: boards of 10, 1,000 and 10,000 device instances saved into one native stream and
//! loaded back; the time per device must stay flat.

mod common;

use criterion::{black_box, criterion_group, BenchmarkId, Criterion};
use devices::IcpPic;

/// Saves `devices` as one stream of sections.
fn save_all(devices: &[IcpPic], out: &mut Vec<u8>) {
    out.clear();
    for d in devices {
        vmstate_core::save_section(d, out).unwrap();
    }
}

/// Loads every section in order.
fn load_all(devices: &mut [IcpPic], bytes: &[u8]) {
    let mut at = 0;
    for d in devices {
        at += vmstate_core::load_section(d, &bytes[at..], at).unwrap();
    }
}

const SIZES: [usize; 3] = [10, 1_000, 10_000];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("scale");
    for n in SIZES {
        let src: Vec<IcpPic> = (0..n as u32)
            .map(|i| IcpPic {
                level: i,
                irq_enabled: i * 3,
                fiq_enabled: !i,
            })
            .collect();
        let mut dst = vec![IcpPic::default(); n];
        let mut out = Vec::with_capacity(n * 32);
        g.bench_with_input(BenchmarkId::new("save+load", n), &n, |b, _| {
            b.iter(|| {
                save_all(black_box(&src), &mut out);
                load_all(black_box(&mut dst), black_box(&out));
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let per_device =
        |n: usize| common::median(&format!("scale/save+load/{n}")).map(|t| t / n as f64);
    if let Some(base) = per_device(SIZES[0]) {
        println!("\nscale: per-device save+load time, this run:");
        for n in SIZES {
            if let Some(t) = per_device(n) {
                println!(
                    "  {n:>6} devices: {t:7.1} ns/device  {:.2}x the 10-device figure",
                    t / base
                );
            }
        }
    }
}
