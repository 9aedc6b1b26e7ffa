//! The whole Integrator/CP board in one machine stream: load, and load with the stream's
//! schema compared with the board's descriptions first (`LoadOptions::check_schema`), to
//! show what that check costs against the load it guards.

mod common;

use criterion::{black_box, criterion_group, Criterion};
use devices::machine::{self, LoadOptions};
use devices::IntegratorCp;

fn load(board: &mut IntegratorCp, bytes: &[u8], options: LoadOptions<'_>) {
    machine::load_with(board, bytes, options).unwrap();
}

fn bench(c: &mut Criterion) {
    let mut src = IntegratorCp::new(32);
    src.write(0x1000_0014, 0xa05f).unwrap();
    src.write(0x1400_0008, 0x300).unwrap();
    let bytes = machine::save(&src).unwrap();
    let mut dst = IntegratorCp::new(32);
    let mut g = c.benchmark_group("board");
    g.bench_function("load", |b| {
        b.iter(|| load(&mut dst, black_box(&bytes), LoadOptions::new()))
    });
    g.bench_function("load, schema checked", |b| {
        let checked = LoadOptions::new().check_schema();
        b.iter(|| load(&mut dst, black_box(&bytes), checked))
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let m = |name: &str| common::median(&format!("board/{name}"));
    if let (Some(plain), Some(checked)) = (m("load"), m("load, schema checked")) {
        println!("\nboard machine-stream load, medians of this run:");
        println!("  load                  {:8.2} µs  1.00x", plain / 1e3);
        println!(
            "  load, schema checked  {:8.2} µs  {:.2}x",
            checked / 1e3,
            checked / plain
        );
    }
}
