//! The whole Integrator/CP board in one machine stream: load, and load with the stream's
//! schema compared with the board's descriptions first (`LoadOptions::check_schema`), to
//! show what that check costs against the load it guards; and the board's devices loaded
//! from QEMU 7.2's stream, with the stream's vmdesc compared first
//! (`qemu::LoadOptions::check_vmdesc`) and without.

mod common;

use criterion::{black_box, criterion_group, Criterion};
use devices::machine::{self, LoadOptions};
use devices::IntegratorCp;
use vmstate_core::qemu::{self, Stream};

/// QEMU 7.2's Integrator/CP stream (the test fixture).
const QEMU_STREAM: &[u8] =
    include_bytes!("../../tests/fixtures/qemu-7.2-integratorcp/integratorcp.stream");

fn load_qemu(board: &mut IntegratorCp, stream: &Stream, options: qemu::LoadOptions) {
    let mut devices: Vec<(&str, u32, &mut dyn qemu::Device)> = (board.devices_mut().into_iter())
        .map(|(idstr, instance, dev)| (idstr, instance, dev as &mut dyn qemu::Device))
        .collect();
    qemu::load_devices_with(stream, &mut devices, options).unwrap();
}

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
    let stream = Stream::parse(QEMU_STREAM.to_vec()).unwrap();
    g.bench_function("qemu load", |b| {
        b.iter(|| load_qemu(&mut dst, black_box(&stream), qemu::LoadOptions::new()))
    });
    g.bench_function("qemu load, vmdesc checked", |b| {
        let checked = qemu::LoadOptions::new().check_vmdesc();
        b.iter(|| load_qemu(&mut dst, black_box(&stream), checked))
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let m = |name: &str| common::median(&format!("board/{name}"));
    let pairs = [
        ("machine-stream load", "load", "load, schema checked"),
        (
            "QEMU 7.2 stream load",
            "qemu load",
            "qemu load, vmdesc checked",
        ),
    ];
    for (what, plain_name, checked_name) in pairs {
        if let (Some(plain), Some(checked)) = (m(plain_name), m(checked_name)) {
            println!("\nboard {what}, medians of this run:");
            println!("  {plain_name:<26} {:8.2} µs  1.00x", plain / 1e3);
            println!(
                "  {checked_name:<26} {:8.2} µs  {:.2}x",
                checked / 1e3,
                checked / plain
            );
        }
    }
}
