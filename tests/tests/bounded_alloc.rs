//! A stream that claims 2^32 elements fails fast, before allocating: the process's peak
//! memory stays within a few MiB. (Its own test binary, so no other test inflates the peak.)

use vmstate_core::{ErrorKind, VmState};

#[derive(VmState, Debug, Default)]
#[vmstate(name = "ring")]
struct Ring {
    head: u32,
    // A generous bound: 256 Mi entries (1 GiB) would be accepted if the input held them.
    #[vmstate(max_len = 268_435_456)]
    entries: Vec<u32>,
    #[vmstate(max_len = 1_073_741_824)]
    label: String,
}

#[derive(VmState, Debug, Default)]
#[vmstate(name = "frames")]
struct Frames {
    #[vmstate(max_len = 100_000)]
    frames: Vec<[u64; 512]>,
}

#[test]
fn huge_length_claims_fail_fast_without_allocating() {
    let mut ring = Ring::default();
    // QEMU codec: head, then a be32 length of 0xffffffff (2^32 - 1) and no elements.
    let claim_2_32 = [0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff];
    let err = vmstate_core::qemu::from_bytes(&mut ring, &claim_2_32, 1, 0).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::TooLong {
                len: 0xffff_ffff,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.path(), "ring.entries");
    // Within max_len (2^28 elements = 1 GiB), but the input does not hold them.
    let claim_2_28 = [0, 0, 0, 1, 0x10, 0, 0, 0, 1, 2, 3, 4];
    let err = vmstate_core::qemu::from_bytes(&mut ring, &claim_2_28, 1, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Truncated { .. }), "{err}");
    // The native codec: a varint length of 2^32 for the string, 2^28 for the vector.
    let mut native_fields = vec![1u8, 0x80, 0x80, 0x80, 0x80, 0x01];
    native_fields.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x10]);
    let mut section = vec![4, b'r', b'i', b'n', b'g', 1];
    section.extend_from_slice(&(native_fields.len() as u32).to_le_bytes());
    section.extend_from_slice(&native_fields);
    let crc = crc32fast::hash(&section);
    section.extend_from_slice(&crc.to_le_bytes());
    let err = vmstate_core::from_bytes(&mut ring, &section).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Truncated { .. } | ErrorKind::TooLong { .. }
        ),
        "{err}"
    );
    // Elements of 512 words: 100,000 of them claimed in 100 KB of input. Refused by their
    // size (each takes at least 512 bytes), before 400 MB of placeholders are allocated.
    let mut frames = Frames::default();
    let mut claim = 100_000u32.to_be_bytes().to_vec();
    claim.resize(100_000, 7);
    let err = vmstate_core::qemu::from_bytes(&mut frames, &claim, 1, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Truncated { .. }), "{err}");
    assert_eq!(err.path(), "frames.frames");
    for _ in 0..100 {
        let _ = vmstate_core::qemu::from_bytes(&mut ring, &claim_2_28, 1, 0);
        let _ = vmstate_core::qemu::from_bytes(&mut ring, &claim_2_32, 1, 0);
    }
    assert!(ring.entries.is_empty() && ring.head == 0);
    if let Some(peak) = vmstate_tests::peak_kib() {
        assert!(
            peak < 16 * 1024,
            "peak memory {peak} KiB: something allocated the claimed length"
        );
    }
}
