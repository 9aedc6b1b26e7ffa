//! Whole QEMU migration streams: `Stream::parse`, then the board loader, the generic
//! `qemu::load_present_devices` (a failed load must leave the board as it was; with the
//! vmdesc checked it may only refuse more, loading the same where it loads) and the
//! inspector (also with QEMU's dump as the schema) on what parsed, and the writer must give
//! back the input byte for byte, and a device's section replaced by data of another size
//! must read back (its vmdesc entry rewritten).
//!
//! `VMSTATE_FUZZ_SKIP_KNOWN=1` lets through the inputs that hit an already reported bug (see
//! README.md, regressions/qemu_stream-*.bin), so a run can go on looking for others.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vmstate_core::qemu::{Item, Stream};
use vmstate_fuzz::{run_tolerating, skip_known, KnownPanic};

/// regressions/qemu_stream-2.bin: `parse_items` computes `v.start - 5 - r.pos` for its
/// message when the sections end past the vmdesc trailer's start.
const KNOWN_PANICS: &[KnownPanic] = &[("qemu/stream/mod.rs", "attempt to subtract with overflow")];

/// regressions/qemu_stream-1.bin: a configuration section's machine name that is not UTF-8
/// is read lossily (U+FFFD), so `encode` cannot write the original bytes back.
fn hits_known_bug(stream: &Stream) -> bool {
    stream
        .items()
        .iter()
        .any(|i| matches!(i, Item::Configuration { machine, .. } if machine.contains('\u{fffd}')))
}

/// QEMU 7.2's `-dump-vmstate` (1.8 MB of JSON), read once.
fn qemu_dump() -> &'static vmstate_core::schema::Schema {
    static DUMP: std::sync::OnceLock<vmstate_core::schema::Schema> = std::sync::OnceLock::new();
    DUMP.get_or_init(|| {
        let json = include_str!("../../tests/fixtures/qemu-7.2-integratorcp/dump-vmstate.json");
        vmstate_core::schema::Schema::from_json(json).expect("QEMU's dump reads")
    })
}

/// QEMU 7.2's x86 `pc` dump of four devices (the fixture's: `isa-fdc`, `PIIX4_PM`,
/// `isa-serial`, `serial-mm`), whose arrays the vmdesc lists element by element.
fn pc_dump() -> &'static vmstate_core::schema::Schema {
    static DUMP: std::sync::OnceLock<vmstate_core::schema::Schema> = std::sync::OnceLock::new();
    DUMP.get_or_init(|| {
        let json = include_str!("../../tests/fixtures/qemu-7.2-pc/dump.json");
        vmstate_core::schema::Schema::from_json(json).expect("QEMU's dump reads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(Ok(stream)) = run_tolerating(KNOWN_PANICS, || Stream::parse(data.to_vec())) else {
        return;
    };
    let _ = devices::qemu_image::load_board(&stream);
    // The board's devices through the generic loader: all or nothing.
    let mut board = devices::IntegratorCp::new(32);
    let before = board.register_dump(true);
    let mut list: Vec<(&str, u32, &mut dyn vmstate_core::qemu::Device)> = (board.devices_mut())
        .into_iter()
        .map(|(idstr, instance, dev)| (idstr, instance, dev as &mut dyn vmstate_core::qemu::Device))
        .collect();
    let unchecked = vmstate_core::qemu::load_present_devices(&stream, &mut list).is_ok();
    drop(list);
    if !unchecked {
        assert!(
            board.register_dump(true) == before,
            "a failed load_present_devices changed the board"
        );
    }
    // The same load with the vmdesc compared first: only refusals may be added, with the
    // same registers where it loads.
    let mut checked = devices::IntegratorCp::new(32);
    let mut list: Vec<(&str, u32, &mut dyn vmstate_core::qemu::Device)> = (checked.devices_mut())
        .into_iter()
        .map(|(idstr, instance, dev)| (idstr, instance, dev as &mut dyn vmstate_core::qemu::Device))
        .collect();
    let options = vmstate_core::qemu::LoadOptions::new()
        .present_only()
        .check_vmdesc();
    let loaded = vmstate_core::qemu::load_devices_with(&stream, &mut list, options).is_ok();
    drop(list);
    // Every difference, as a list: none where the checked load took the stream.
    let described: Vec<(&str, u32, &vmstate_core::Description)> = (checked.devices())
        .into_iter()
        .map(|(idstr, instance, dev)| (idstr, instance, dev.description()))
        .collect();
    let differences = vmstate_core::qemu::compare_vmdesc(&stream, &described);
    assert!(
        !loaded || differences.is_ok_and(|d| d.is_empty()),
        "compare_vmdesc found a difference in a stream the checked load took"
    );
    match loaded {
        true => assert!(
            unchecked && checked.register_dump(true) == board.register_dump(true),
            "a checked load took what the unchecked one did not, or loaded otherwise"
        ),
        false => assert!(
            checked.register_dump(true) == before,
            "a failed checked load changed the board"
        ),
    }
    let _ = devices::qemu_image::inspect(&stream);
    // With QEMU's dump as the schema (`qemu inspect --schema`): the sections no port
    // describes are decoded by it, fitted to the stream's vmdesc (input too).
    let _ = devices::qemu_image::inspect_with(&stream, Some(qemu_dump()));
    let _ = devices::qemu_image::inspect_with(&stream, Some(pc_dump()));
    let _ = stream.vmdesc();
    if skip_known() && hits_known_bug(&stream) {
        return;
    }
    let encoded = stream.encode(&[]);
    assert!(
        encoded == data,
        "Stream::encode(&[]) differs from the parsed input ({} bytes in, {} out; first \
         difference at byte {:?})",
        data.len(),
        encoded.len(),
        data.iter().zip(&encoded).position(|(a, b)| a != b)
    );
    // A device's section replaced by its own data, checked: the input again, or refused.
    let first = stream
        .sections()
        .find(|s| s.kind == vmstate_core::qemu::SectionKind::Full);
    if let Some(s) = first {
        let same = [(s.idstr.as_str(), s.instance_id, stream.data(s).to_vec())];
        if let Ok(out) = stream.replace_devices(&same) {
            assert!(
                out == data,
                "replace_devices with a section's own data changed the stream"
            );
        }
        // Data of another size rewrites the section's vmdesc entry: what is written reads
        // back with the new data (replace_devices checks it), and `encode` never panics.
        let mut longer = stream.data(s).to_vec();
        longer.push(0x7e);
        let shorter = stream.data(s).split_last().map(|(_, rest)| rest.to_vec());
        for resized in std::iter::once(longer).chain(shorter) {
            let index = stream
                .sections()
                .position(|x| std::ptr::eq(x, s))
                .expect("listed");
            let _ = stream.encode(&[(index, resized.clone())]);
            if let Ok(out) =
                stream.replace_devices(&[(s.idstr.as_str(), s.instance_id, resized.clone())])
            {
                let again = Stream::parse(out).expect("replace_devices checked the result");
                let found = again.device(&s.idstr, s.instance_id).expect("the section");
                assert_eq!(again.data(found), &resized[..]);
            }
        }
    }
});
