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

/// The native section of `IntegratorCm` written by hand: the same bytes as
/// `vmstate_core::save_section` (name, version, length, the immutable configuration and the
/// registers as postcard varints, end-of-subsections markers, CRC-32), so the ratio against it
/// separates what the format costs from what the generated code costs.
mod hand_native {
    use devices::memory::RegionKind;
    use devices::IntegratorCm;

    const HEADER: &[u8] = b"\x0cintegratorcm\x01";

    fn put_varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push(v as u8 | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// Reads a varint of at most `max` bytes from `input[*pos..]`.
    fn get_varint(input: &[u8], pos: &mut usize, max: usize) -> Result<u64, ()> {
        let mut v = 0u64;
        for i in 0..max {
            let byte = *input.get(*pos).ok_or(())?;
            *pos += 1;
            v |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(())
    }

    fn kind_code(kind: RegionKind) -> u8 {
        match kind {
            RegionKind::Ram => 0,
            RegionKind::Rom => 1,
            RegionKind::Io => 2,
        }
    }

    pub fn save(cm: &IntegratorCm, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(HEADER);
        out.extend_from_slice(&[0; 4]);
        put_varint(cm.memsz.into(), out);
        put_varint(cm.flash.name.len() as u64, out);
        out.extend_from_slice(cm.flash.name.as_bytes());
        put_varint(cm.flash.size, out);
        put_varint(cm.flash.address, out);
        out.push(kind_code(cm.flash.kind));
        out.push(0);
        for r in cm.registers() {
            put_varint(r.into(), out);
        }
        out.push(0);
        let len = (out.len() - HEADER.len() - 4) as u32;
        out[HEADER.len()..HEADER.len() + 4].copy_from_slice(&len.to_le_bytes());
        let crc = crc32fast::hash(out);
        out.extend_from_slice(&crc.to_le_bytes());
    }

    /// Checks everything the generated load checks, then assigns the registers.
    pub fn load(cm: &mut IntegratorCm, input: &[u8]) -> Result<(), ()> {
        let fields_at = HEADER.len() + 4;
        if input.len() < fields_at + 4 || &input[..HEADER.len()] != HEADER {
            return Err(());
        }
        let len = u32::from_le_bytes(input[HEADER.len()..fields_at].try_into().unwrap());
        let end = fields_at + len as usize;
        if input.len() != end + 4 {
            return Err(());
        }
        let stored = u32::from_le_bytes(input[end..].try_into().unwrap());
        if crc32fast::hash(&input[..end]) != stored {
            return Err(());
        }
        let fields = &input[..end];
        let mut pos = fields_at;
        let memsz = get_varint(fields, &mut pos, 5)?;
        let name_len = get_varint(fields, &mut pos, 10)? as usize;
        let name = fields.get(pos..pos + name_len).ok_or(())?;
        pos += name_len;
        let size = get_varint(fields, &mut pos, 10)?;
        let address = get_varint(fields, &mut pos, 10)?;
        let kind = *fields.get(pos).ok_or(())?;
        let flash_end = *fields.get(pos + 1).ok_or(())?;
        pos += 2;
        let flash = &cm.flash;
        if memsz != u64::from(cm.memsz)
            || name != flash.name.as_bytes()
            || size != flash.size
            || address != flash.address
            || kind != kind_code(flash.kind)
            || flash_end != 0
        {
            return Err(());
        }
        let mut regs = [0u32; 11];
        for r in &mut regs {
            *r = u32::try_from(get_varint(fields, &mut pos, 5)?).map_err(|_| ())?;
        }
        if fields.get(pos) != Some(&0) || pos + 1 != end {
            return Err(());
        }
        let [osc, ctrl, lock, auxosc, sdram, init, flags, nvflags, level, irq, fiq] = regs;
        cm.cm_osc = osc;
        cm.cm_ctrl = ctrl;
        cm.cm_lock = lock;
        cm.cm_auxosc = auxosc;
        cm.cm_sdram = sdram;
        cm.cm_init = init;
        cm.cm_flags = flags;
        cm.cm_nvflags = nvflags;
        cm.int_level = level;
        cm.irq_enabled = irq;
        cm.fiq_enabled = fiq;
        cm.update_mappings();
        Ok(())
    }
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
    // The hand-written native section must be the generated one, byte for byte.
    let mut hand = Vec::new();
    hand_native::save(&src, &mut hand);
    assert_eq!(hand, vmstate_core::to_bytes(&src).unwrap());
    g.bench_function("hand-written native format/save+load", |b| {
        b.iter(|| {
            hand_native::save(black_box(&src), &mut buf);
            hand_native::load(black_box(&mut dst), black_box(&buf)).unwrap();
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
    if let (Some(native), Some(hand_native)) = (
        m("native/save+load"),
        m("hand-written native format/save+load"),
    ) {
        println!(
            "  native format by hand {hand_native:7.1} ns  {:.2}x hand-written BE; the generated native codec is {:.2}x of it",
            hand_native / hand,
            native / hand_native
        );
    }
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
