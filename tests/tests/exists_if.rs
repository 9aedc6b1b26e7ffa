//! `exists_if`: a field on the wire when an expression over the fields before it holds,
//! evaluated on load with the values read so far, as QEMU's `field_exists` sees the fields it
//! has loaded (virtio-net's `curr_guest_offloads`, sent when the guest features read just
//! before have `VIRTIO_NET_F_CTRL_GUEST_OFFLOADS`).

use vmstate_core::schema::{decode, Desc, Format};
use vmstate_core::{qemu, VmState};

const CTRL_GUEST_OFFLOADS: u32 = 1 << 2;

#[derive(VmState, Debug, Default, PartialEq, Clone)]
#[vmstate(name = "net", version = 2, minimum_version = 1)]
struct Net {
    guest_features: u32,
    #[vmstate(exists_if = "guest_features & CTRL_GUEST_OFFLOADS != 0")]
    curr_guest_offloads: u64,
    // A field the input may lack, read through what the load has so far: its default.
    #[vmstate(since = 2, default = "Net::two_queues")]
    queue_pairs: u16,
    #[vmstate(exists_if = "*queue_pairs > 1 && *max_queue_pairs > 1")]
    #[vmstate(range = "0..64")]
    curr_queue_pairs: u16,
    // A closure's parameter named like a later field is the parameter, not that field.
    #[vmstate(exists_if = "(1..4).step_by(2).any(|tail| tail == *queue_pairs)")]
    few_queues: u8,
    // Configuration both sides share: the destination's.
    #[vmstate(skip)]
    max_queue_pairs: u16,
    tail: u8,
}

impl Net {
    fn two_queues() -> u16 {
        2
    }
    fn fresh() -> Net {
        Net {
            max_queue_pairs: 8,
            ..Net::default()
        }
    }
}

fn source(guest_features: u32, queue_pairs: u16) -> Net {
    Net {
        guest_features,
        curr_guest_offloads: if guest_features & CTRL_GUEST_OFFLOADS != 0 {
            0x1234
        } else {
            0
        },
        queue_pairs,
        curr_queue_pairs: if queue_pairs > 1 { queue_pairs } else { 0 },
        max_queue_pairs: 8,
        few_queues: 5,
        tail: 0xee,
    }
}

/// Whatever the destination had negotiated, the fields the source sent are read: the test
/// sees the features read from the stream, not the destination's (a test function would).
#[test]
fn a_field_is_read_when_the_fields_read_before_it_say_so_in_both_formats() {
    for (sent, had) in [
        (CTRL_GUEST_OFFLOADS, 0),
        (0, CTRL_GUEST_OFFLOADS),
        (CTRL_GUEST_OFFLOADS | 1, CTRL_GUEST_OFFLOADS),
    ] {
        for queue_pairs in [1, 4] {
            let src = source(sent, queue_pairs);
            let destination = || Net {
                guest_features: had,
                few_queues: 5,
                curr_guest_offloads: 9,
                queue_pairs: 3,
                ..Net::fresh()
            };
            let wire = qemu::to_bytes(&src).unwrap();
            let fields = 4 + 2 + 1;
            let offloads = if sent & CTRL_GUEST_OFFLOADS != 0 {
                8
            } else {
                0
            };
            let queues = if queue_pairs > 1 { 2 } else { 0 };
            let few = if queue_pairs == 1 { 1 } else { 0 };
            assert_eq!(wire.len(), fields + offloads + queues + few);
            let mut dst = destination();
            qemu::from_bytes(&mut dst, &wire, 2, 0).unwrap();
            let expected = Net {
                curr_guest_offloads: if offloads == 0 { 9 } else { 0x1234 },
                ..src.clone()
            };
            assert_eq!(dst, expected);
            let mut dst = destination();
            vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
            assert_eq!(dst, expected);
        }
    }
}

/// A version 1 stream lacks `queue_pairs`: the test reads its default (2), as the load
/// would keep it, so `curr_queue_pairs` is read.
#[test]
fn a_field_the_input_lacked_is_read_as_the_load_has_it() {
    #[derive(VmState)]
    #[vmstate(name = "net")]
    struct V1 {
        guest_features: u32,
        curr_queue_pairs: u16,
        tail: u8,
    }
    let v1 = V1 {
        guest_features: 0,
        curr_queue_pairs: 5,
        tail: 1,
    };
    let mut dst = Net {
        queue_pairs: 1,
        ..Net::fresh()
    };
    qemu::from_bytes(&mut dst, &qemu::to_bytes(&v1).unwrap(), 1, 0).unwrap();
    assert_eq!((dst.queue_pairs, dst.curr_queue_pairs, dst.tail), (2, 5, 1));
}

/// A load that fails after a test read the fields so far leaves the destination as it was.
#[test]
fn a_refused_load_changes_nothing() {
    let mut src = source(CTRL_GUEST_OFFLOADS, 4);
    src.curr_queue_pairs = 64; // out of its range
    let before = Net {
        guest_features: 0,
        ..Net::fresh()
    };
    let mut dst = before.clone();
    let err = qemu::from_bytes(&mut dst, &qemu::to_bytes(&src).unwrap(), 2, 0).unwrap_err();
    assert!(err.to_string().contains("net.curr_queue_pairs"), "{err}");
    assert_eq!(dst, before);
    let err =
        vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap_err();
    assert!(err.to_string().contains("net.curr_queue_pairs"), "{err}");
    assert_eq!(dst, before);
}

/// The description names the test by its expression; the schema alone cannot run it, and
/// says so for that field.
#[test]
fn the_schema_shows_the_test_and_cannot_decode_past_it() {
    let field = &Net::DESCRIPTION.fields[1];
    assert_eq!(
        field.exists,
        Some("guest_features & CTRL_GUEST_OFFLOADS != 0")
    );
    let desc = Desc::from_description(Net::DESCRIPTION);
    let entry = &desc.fields[1];
    assert!(entry.field_exists);
    let wire = qemu::to_bytes(&source(0, 1)).unwrap();
    let err = decode(&desc, Format::Qemu, &wire, 2, 0).unwrap_err();
    assert!(err.to_string().contains("curr_guest_offloads"), "{err}");
}

/// A glob import of lowercase statics named like fields (bindgen's FFI declarations): a `let`
/// of those names would be refused (E0530); the derive binds the fields under its own names.
mod glob_imported_statics {
    #[allow(non_upper_case_globals, dead_code)]
    mod ffi {
        pub static queue_pairs: u16 = 99;
    }
    #[allow(unused_imports)]
    use ffi::*;
    use vmstate_core::VmState;

    #[derive(VmState, Default, Debug, PartialEq)]
    struct Mq {
        queue_pairs: u16,
        #[vmstate(exists_if = "*queue_pairs > 1")]
        curr: u16,
    }

    #[test]
    fn a_field_named_like_a_static_in_scope_is_read() {
        let src = Mq {
            queue_pairs: 2,
            curr: 7,
        };
        let mut dst = Mq::default();
        vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
        assert_eq!(dst, src);
    }
}
