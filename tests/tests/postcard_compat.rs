//! The native format's scalars are postcard's encoding: written and read by vmstate-core
//! directly (for speed), checked here against the `postcard` crate itself.

use proptest::prelude::*;
use vmstate_core::{Encoder, NativeEncoder, Scalar};

fn ours<S: Scalar>(v: S) -> Vec<u8> {
    let mut out = Vec::new();
    NativeEncoder::new(&mut out).scalar(v);
    out
}

/// Both decoders agree on `bytes`: the same value and length, or both refuse.
fn same_decode<S>(bytes: &[u8]) -> Result<(), TestCaseError>
where
    S: Scalar + serde::de::DeserializeOwned,
{
    let theirs =
        postcard::take_from_bytes::<S>(bytes).map(|(v, rest)| (v, bytes.len() - rest.len()));
    let mine = S::get_native(bytes);
    match (theirs, mine) {
        (Ok((a, n)), Ok((b, m))) => {
            prop_assert!(
                format!("{a:?}") == format!("{b:?}"),
                "{:?} vs {:?} for {:02x?}",
                a,
                b,
                bytes
            );
            prop_assert_eq!(n, m);
        }
        (Err(_), Err(_)) => {}
        (t, m) => prop_assert!(
            false,
            "postcard {:?} vs ours {:?} for {:02x?}",
            t.map(|x| x.1),
            m.map(|x| x.1),
            bytes
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn encodings_match_postcard(
        a in any::<u16>(), b in any::<u32>(), c in any::<u64>(), d in any::<u128>(),
        e in any::<i16>(), f in any::<i32>(), g in any::<i64>(), h in any::<i128>(),
        i in any::<u8>(), j in any::<i8>(), k in any::<f32>(), l in any::<f64>(), m in any::<bool>(),
    ) {
        prop_assert_eq!(ours(a), postcard::to_allocvec(&a).unwrap());
        prop_assert_eq!(ours(b), postcard::to_allocvec(&b).unwrap());
        prop_assert_eq!(ours(c), postcard::to_allocvec(&c).unwrap());
        prop_assert_eq!(ours(d), postcard::to_allocvec(&d).unwrap());
        prop_assert_eq!(ours(e), postcard::to_allocvec(&e).unwrap());
        prop_assert_eq!(ours(f), postcard::to_allocvec(&f).unwrap());
        prop_assert_eq!(ours(g), postcard::to_allocvec(&g).unwrap());
        prop_assert_eq!(ours(h), postcard::to_allocvec(&h).unwrap());
        prop_assert_eq!(ours(i), postcard::to_allocvec(&i).unwrap());
        prop_assert_eq!(ours(j), postcard::to_allocvec(&j).unwrap());
        prop_assert_eq!(ours(k), postcard::to_allocvec(&k).unwrap());
        prop_assert_eq!(ours(l), postcard::to_allocvec(&l).unwrap());
        prop_assert_eq!(ours(m), postcard::to_allocvec(&m).unwrap());
    }

    #[test]
    fn decoders_agree_with_postcard_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
        same_decode::<u16>(&bytes)?;
        same_decode::<u32>(&bytes)?;
        same_decode::<u64>(&bytes)?;
        same_decode::<u128>(&bytes)?;
        same_decode::<i16>(&bytes)?;
        same_decode::<i32>(&bytes)?;
        same_decode::<i64>(&bytes)?;
        same_decode::<i128>(&bytes)?;
        same_decode::<u8>(&bytes)?;
        same_decode::<bool>(&bytes)?;
        same_decode::<f64>(&bytes)?;
    }

    #[test]
    fn varint_edge_cases_agree(hi in 0u8..=255, n in 1usize..20) {
        // Runs of continuation bytes ending in every possible last byte.
        let mut bytes = vec![0xffu8; n - 1];
        bytes.push(hi);
        same_decode::<u16>(&bytes)?;
        same_decode::<u32>(&bytes)?;
        same_decode::<u64>(&bytes)?;
        same_decode::<u128>(&bytes)?;
        same_decode::<i32>(&bytes)?;
    }
}
