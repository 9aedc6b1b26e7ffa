//! Machine streams (a whole board, native sections): `devices::machine::parse`, each
//! section decoded by its embedded schema (`vmstate inspect`), and `devices::machine::load`. A failed load must leave the board as it was (every register a
//! guest can read, time registers aside); a successful one must save again and load into
//! another fresh board with the same registers. A load with the schema check
//! (`LoadOptions::check_schema`) only adds refusals: where it succeeds the plain load did
//! too, with the same registers, and where it fails the board is as it was.
//! `machine::compare_schemas` against the board's descriptions is run on every input.
//!
//! Each input is tried as is and, when that changes it, with every checksum recomputed
//! (`fix_machine_crcs`), so mutations inside sections get past the CRC-32s.
#![no_main]

use devices::machine::{self, LoadOptions};
use devices::IntegratorCp;
use libfuzzer_sys::fuzz_target;

fn check(data: &[u8]) {
    // Read from a reader, a stream is taken up to where it ends or stops making sense: a
    // prefix of the input, the whole of a stream that parses.
    let read = vmstate_core::machine::read_stream(data).expect("a slice never fails to read");
    assert!(
        data.starts_with(&read),
        "read_stream took bytes the input lacks"
    );
    if machine::parse(data).is_ok() {
        assert_eq!(
            read, data,
            "read_stream stopped inside a stream that parses"
        );
    }
    // What `vmstate inspect` does: every section decoded with the stream's own schema
    // (input too): an error is fine, a panic or an unbounded allocation is not.
    if let Ok(stream) = machine::parse(data) {
        for s in &stream.sections {
            let (Some(entry), Ok(frame)) = (
                stream.schema.devices.get(&s.name),
                vmstate_core::read_frame(&data[s.range.clone()], s.range.start),
            ) else {
                continue;
            };
            let _ = vmstate_core::schema::decode(
                &entry.description,
                vmstate_core::schema::Format::Native,
                frame.fields,
                s.version,
                0,
            );
        }
    }
    let mut board = IntegratorCp::new(32);
    // The trailer against the board's descriptions, as a VMM's preflight: any verdict.
    let descriptions: Vec<_> = board
        .devices()
        .iter()
        .map(|(_, _, d)| d.description())
        .collect();
    let _ = vmstate_core::machine::compare_schemas(data, &descriptions);
    let plain = machine::load(&mut board, data);
    let mut checked_board = IntegratorCp::new(32);
    let checked = machine::load_with(&mut checked_board, data, LoadOptions::new().check_schema());
    match &checked {
        Ok(_) => {
            assert!(
                plain.is_ok(),
                "the checked load passed what the plain one refused"
            );
            assert_eq!(
                checked_board.register_dump(true),
                board.register_dump(true),
                "the checked load loaded other registers"
            );
        }
        Err(e) => {
            let _ = e.to_string();
            assert_eq!(
                checked_board.register_dump(true),
                IntegratorCp::new(32).register_dump(true),
                "a failed checked load changed the board: {e}"
            );
        }
    }
    match plain {
        Err(e) => {
            let _ = e.to_string();
            assert_eq!(
                board.register_dump(true),
                IntegratorCp::new(32).register_dump(true),
                "a failed machine load changed the board: {e}"
            );
        }
        Ok(()) => {
            let saved = machine::save(&board).expect("saving a loaded board");
            let mut again = IntegratorCp::new(32);
            if let Err(e) = machine::load(&mut again, &saved) {
                panic!("reloading a re-saved board failed: {e}");
            }
            assert_eq!(
                board.register_dump(true),
                again.register_dump(true),
                "machine round trip changed the registers"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if let Some(fixed) = vmstate_fuzz::fix_machine_crcs(data) {
        if fixed != data {
            check(&fixed);
        }
    }
});
