//! Bulk state: a 1 MiB `Vec<u8>` field and a 256 Ki-element `Vec<u32>` field, saved and
//! loaded in both codecs, in bytes per second, against `copy_from_slice` of the same bytes
//! (the memory-bandwidth limit), a plain big-endian u32 conversion loop, and serde + postcard.
//! `to_vec` (allocate and copy) is shown as well: an atomic load builds the new value beside
//! the old one, so it can do no better than that; the in-place copy keeps a smaller working
//! set in cache. A 64 MiB `Vec<u8>` shows the same out of the caches.

use criterion::{black_box, criterion_group, Criterion, Throughput};
use vmstate_core::VmState;

const BYTES: usize = 1 << 20;
const WORDS: usize = 256 * 1024;

#[derive(VmState, Default)]
#[vmstate(name = "framebuffer")]
struct Bytes {
    #[vmstate(max_len = 1048576)]
    data: Vec<u8>,
}

#[derive(VmState, Default)]
#[vmstate(name = "table")]
struct Words {
    #[vmstate(max_len = 262144)]
    data: Vec<u32>,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct SerdeBytes {
    data: Vec<u8>,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct SerdeWords {
    data: Vec<u32>,
}

/// A field far beyond the caches (a 64 MiB framebuffer): the copies run at memory speed,
/// and a staged load's new buffer is fresh memory the kernel maps page by page.
const BIG: usize = 64 << 20;

#[derive(VmState, Default)]
#[vmstate(name = "big")]
struct Big {
    #[vmstate(max_len = 67108864)]
    data: Vec<u8>,
}

fn bench_big(c: &mut Criterion) {
    let big = Big {
        data: (0..BIG).map(|i| (i * 7) as u8).collect(),
    };
    let mut g = c.benchmark_group("bulk_u8_64MiB");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(BIG as u64));
    let mut copy = vec![0u8; BIG];
    g.bench_function("copy_from_slice", |b| {
        b.iter(|| copy.copy_from_slice(black_box(&big.data)))
    });
    let mut staged = Vec::new();
    g.bench_function("to_vec", |b| {
        b.iter(|| staged = black_box(&big.data).to_vec())
    });
    let native = vmstate_core::to_bytes(&big).unwrap();
    let mut dst = Big::default();
    g.bench_function("native/load", |b| {
        b.iter(|| vmstate_core::from_bytes(&mut dst, black_box(&native)).unwrap())
    });
    let qemu = vmstate_core::qemu::to_bytes(&big).unwrap();
    g.bench_function("qemu/load", |b| {
        b.iter(|| vmstate_core::qemu::from_bytes(&mut dst, black_box(&qemu), 1, 0).unwrap())
    });
    let mut out = Vec::with_capacity(BIG + 64);
    g.bench_function("native/save", |b| {
        b.iter(|| {
            out.clear();
            vmstate_core::save_section(black_box(&big), &mut out).unwrap();
        })
    });
    g.bench_function("qemu/save", |b| {
        b.iter(|| {
            out.clear();
            vmstate_core::qemu::save(black_box(&big), &mut out).unwrap();
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let bytes = Bytes {
        data: (0..BYTES).map(|i| (i * 7) as u8).collect(),
    };
    let words = Words {
        data: (0..WORDS as u32)
            .map(|i| i.wrapping_mul(2_654_435_761))
            .collect(),
    };
    let mut out = Vec::with_capacity(BYTES + 64);

    let mut g = c.benchmark_group("bulk_u8");
    g.throughput(Throughput::Bytes(BYTES as u64));
    let mut copy = vec![0u8; BYTES];
    g.bench_function("copy_from_slice", |b| {
        b.iter(|| copy.copy_from_slice(black_box(&bytes.data)))
    });
    let mut staged = Vec::new();
    g.bench_function("to_vec", |b| {
        b.iter(|| staged = black_box(&bytes.data).to_vec())
    });
    g.bench_function("native/save", |b| {
        b.iter(|| {
            out.clear();
            vmstate_core::save_section(black_box(&bytes), &mut out).unwrap();
        })
    });
    let native = vmstate_core::to_bytes(&bytes).unwrap();
    let mut dst = Bytes::default();
    g.bench_function("native/load", |b| {
        b.iter(|| vmstate_core::from_bytes(&mut dst, black_box(&native)).unwrap())
    });
    g.bench_function("qemu/save", |b| {
        b.iter(|| {
            out.clear();
            vmstate_core::qemu::save(black_box(&bytes), &mut out).unwrap();
        })
    });
    let qemu = vmstate_core::qemu::to_bytes(&bytes).unwrap();
    g.bench_function("qemu/load", |b| {
        b.iter(|| vmstate_core::qemu::from_bytes(&mut dst, black_box(&qemu), 1, 0).unwrap())
    });
    let sb = SerdeBytes {
        data: bytes.data.clone(),
    };
    g.bench_function("serde+postcard/save", |b| {
        b.iter(|| postcard::to_allocvec(black_box(&sb)).unwrap())
    });
    let sbytes = postcard::to_allocvec(&sb).unwrap();
    g.bench_function("serde+postcard/load", |b| {
        b.iter(|| postcard::from_bytes::<SerdeBytes>(black_box(&sbytes)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("bulk_u32");
    g.throughput(Throughput::Bytes((WORDS * 4) as u64));
    let mut copy = vec![0u32; WORDS];
    g.bench_function("copy_from_slice", |b| {
        b.iter(|| copy.copy_from_slice(black_box(&words.data)))
    });
    let mut staged = Vec::new();
    g.bench_function("to_vec", |b| {
        b.iter(|| staged = black_box(&words.data).to_vec())
    });
    let mut be = vec![0u8; WORDS * 4];
    g.bench_function("hand-written BE loop", |b| {
        b.iter(|| {
            for (dst, w) in be.chunks_exact_mut(4).zip(black_box(&words.data)) {
                dst.copy_from_slice(&w.to_be_bytes());
            }
        })
    });
    g.bench_function("native/save", |b| {
        b.iter(|| {
            out.clear();
            vmstate_core::save_section(black_box(&words), &mut out).unwrap();
        })
    });
    let native = vmstate_core::to_bytes(&words).unwrap();
    let mut dst = Words::default();
    g.bench_function("native/load", |b| {
        b.iter(|| vmstate_core::from_bytes(&mut dst, black_box(&native)).unwrap())
    });
    g.bench_function("qemu/save", |b| {
        b.iter(|| {
            out.clear();
            vmstate_core::qemu::save(black_box(&words), &mut out).unwrap();
        })
    });
    let qemu = vmstate_core::qemu::to_bytes(&words).unwrap();
    g.bench_function("qemu/load", |b| {
        b.iter(|| vmstate_core::qemu::from_bytes(&mut dst, black_box(&qemu), 1, 0).unwrap())
    });
    let sw = SerdeWords {
        data: words.data.clone(),
    };
    g.bench_function("serde+postcard/save", |b| {
        b.iter(|| postcard::to_allocvec(black_box(&sw)).unwrap())
    });
    let swords = postcard::to_allocvec(&sw).unwrap();
    g.bench_function("serde+postcard/load", |b| {
        b.iter(|| postcard::from_bytes::<SerdeWords>(black_box(&swords)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench, bench_big);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    for (group, bytes) in [
        ("bulk_u8", BYTES),
        ("bulk_u32", WORDS * 4),
        ("bulk_u8_64MiB", BIG),
    ] {
        let Some(copy) = median(group, "copy_from_slice") else {
            continue;
        };
        // GiB/s, the unit criterion reports throughput in.
        let gib = |ns: f64| bytes as f64 / ns * 1e9 / (1u64 << 30) as f64;
        println!("\n{group}: GiB/s and ratio to copy_from_slice, this run:");
        for name in [
            "copy_from_slice",
            "to_vec",
            "hand-written BE loop",
            "native/save",
            "native/load",
            "qemu/save",
            "qemu/load",
            "serde+postcard/save",
            "serde+postcard/load",
        ] {
            if let Some(t) = median(group, name) {
                println!("  {name:<22} {:7.2} GiB/s  {:.2}x memcpy", gib(t), copy / t);
            }
        }
    }
}

/// Criterion's median estimate (ns) of `group/name` from this run.
fn median(group: &str, name: &str) -> Option<f64> {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("../criterion")
        .join(group)
        .join(name.replace('/', "_"))
        .join("new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["median"]["point_estimate"].as_f64()
}
