//! `VecDeque<T>` with `max_len`: a FIFO (a UART's receive buffer, a ring of descriptors)
//! migrates as the `Vec` of its elements from front to back, in both codecs, wherever its
//! ring buffer wraps; a field may switch between the two without a break.

use std::collections::VecDeque;
use vmstate_core::schema::check;
use vmstate_core::{qemu, ErrorKind, VmState};

#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "desc")]
struct Descriptor {
    addr: u64,
    #[vmstate(max_len = 4)]
    data: Vec<u8>,
}

/// A 16550-style UART as vm-superio keeps it (its receive FIFO a `VecDeque<u8>`), with a
/// ring of descriptors, a FIFO of words and one counted by another field.
#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "uart")]
struct Uart {
    lcr: u8,
    #[vmstate(max_len = 64, range = "..0x80")]
    in_buffer: VecDeque<u8>,
    #[vmstate(max_len = 8)]
    ring: VecDeque<Descriptor>,
    #[vmstate(max_len = 8)]
    words: std::collections::VecDeque<u32>,
    level: i32,
    #[vmstate(len = "level", max_len = 8)]
    counted: VecDeque<u16>,
    #[vmstate(immutable, max_len = 4)]
    irqs: VecDeque<u32>,
}

/// The same state in `Vec`s.
#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "uart")]
struct UartVec {
    lcr: u8,
    #[vmstate(max_len = 64, range = "..0x80")]
    in_buffer: Vec<u8>,
    #[vmstate(max_len = 8)]
    ring: Vec<Descriptor>,
    #[vmstate(max_len = 8)]
    words: Vec<u32>,
    level: i32,
    #[vmstate(len = "level", max_len = 8)]
    counted: Vec<u16>,
    #[vmstate(immutable, max_len = 4)]
    irqs: Vec<u32>,
}

/// A queue holding `items` whose ring buffer wraps: the front at the buffer's last slot.
fn wrapped<T: Clone>(items: &[T]) -> VecDeque<T> {
    let mut q = VecDeque::with_capacity(items.len());
    if let Some(first) = items.first() {
        for _ in 0..q.capacity() - 1 {
            q.push_back(first.clone());
            q.pop_front();
        }
    }
    q.extend(items.iter().cloned());
    if items.len() > 1 {
        assert!(!q.as_slices().1.is_empty(), "the test's queue must wrap");
    }
    q
}

fn descriptor(n: u8) -> Descriptor {
    Descriptor {
        addr: 0x1000 * u64::from(n),
        data: vec![n; usize::from(n % 4)],
    }
}

fn state(seed: u8) -> UartVec {
    UartVec {
        lcr: 0x03 ^ seed,
        in_buffer: (0..seed * 5)
            .map(|i| i.wrapping_mul(7).wrapping_add(seed) % 0x80)
            .collect(),
        ring: (0..seed % 8).map(|n| descriptor(n + seed)).collect(),
        words: (0..u32::from(seed % 7))
            .map(|i| 0x8000_0000 | i << seed)
            .collect(),
        level: i32::from(seed % 5),
        counted: (0..u16::from(seed % 5)).map(|i| i * 300).collect(),
        irqs: vec![5, 6, 7],
    }
}

fn as_queues(v: &UartVec) -> Uart {
    Uart {
        lcr: v.lcr,
        in_buffer: wrapped(&v.in_buffer),
        ring: wrapped(&v.ring),
        words: wrapped(&v.words),
        level: v.level,
        counted: wrapped(&v.counted),
        irqs: wrapped(&v.irqs),
    }
}

fn as_vecs(q: &Uart) -> UartVec {
    UartVec {
        lcr: q.lcr,
        in_buffer: q.in_buffer.iter().copied().collect(),
        ring: q.ring.iter().cloned().collect(),
        words: q.words.iter().copied().collect(),
        level: q.level,
        counted: q.counted.iter().copied().collect(),
        irqs: q.irqs.iter().copied().collect(),
    }
}

/// A destination with other contents, its queues contiguous (their front at slot 0).
fn destination() -> Uart {
    let other = state(2);
    Uart {
        in_buffer: other.in_buffer.iter().copied().collect(),
        ring: other.ring.iter().cloned().collect(),
        words: other.words.iter().copied().collect(),
        counted: other.counted.iter().copied().collect(),
        irqs: [5, 6, 7].into(),
        ..as_queues(&other)
    }
}

#[test]
fn a_queue_travels_as_the_vec_of_its_elements_front_to_back() {
    for seed in [1, 3, 6, 12] {
        let values = state(seed);
        let device = as_queues(&values);
        let native = vmstate_core::to_bytes(&device).unwrap();
        assert_eq!(native, vmstate_core::to_bytes(&values).unwrap());
        let qemu_bytes = qemu::to_bytes(&device).unwrap();
        assert_eq!(qemu_bytes, qemu::to_bytes(&values).unwrap());

        let mut back = destination();
        vmstate_core::from_bytes(&mut back, &native).unwrap();
        assert_eq!(as_vecs(&back), values);
        let mut back = destination();
        qemu::from_bytes(&mut back, &qemu_bytes, 1, 0).unwrap();
        assert_eq!(as_vecs(&back), values);
        // And a destination that keeps `Vec`s takes the queue's stream.
        let mut back = state(2);
        vmstate_core::from_bytes(&mut back, &native).unwrap();
        assert_eq!(back, values);
    }
}

#[test]
fn a_field_may_switch_between_a_vec_and_a_queue_without_a_break() {
    let schema = |d| vmstate_tests::one_device("uart", d);
    let (vecs, queues) = (schema(UartVec::DESCRIPTION), schema(Uart::DESCRIPTION));
    for report in [check(&vecs, &queues), check(&queues, &vecs)] {
        assert!(report.findings.is_empty(), "{report}");
    }
    let field = &Uart::DESCRIPTION.fields[1];
    assert_eq!((field.name, field.max_len), ("in_buffer", Some(64)));
    assert_eq!(field.shape, UartVec::DESCRIPTION.fields[1].shape);
}

#[test]
fn a_queue_longer_than_max_len_is_refused_on_save_and_on_load() {
    let mut long = as_queues(&state(3));
    long.in_buffer = wrapped(&[1; 65]);
    let err = vmstate_core::to_bytes(&long).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::TooLong {
                len: 65,
                max_len: 64
            }
        ),
        "{err}"
    );
    assert!(qemu::to_bytes(&long).is_err());

    // On QEMU's wire the length follows `lcr`'s byte: 65 is refused before anything is
    // allocated, and the device is left as it was.
    let mut bytes = qemu::to_bytes(&as_queues(&state(3))).unwrap();
    bytes[1..5].copy_from_slice(&65u32.to_be_bytes());
    let mut device = destination();
    let err = qemu::from_bytes(&mut device, &bytes, 1, 0).unwrap_err();
    assert!(err.to_string().contains("in_buffer"), "{err}");
    assert!(err.to_string().contains("65"), "{err}");
    assert_eq!(device, destination());
}

#[test]
fn a_range_bounds_every_element_of_a_queue() {
    let mut bad = state(6);
    bad.in_buffer[20] = 0x80;
    let bytes = qemu::to_bytes(&bad).unwrap();
    let mut device = destination();
    let err = qemu::from_bytes(&mut device, &bytes, 1, 0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::OutOfRange { .. }), "{err}");
    assert!(err.to_string().contains("in_buffer[20]"), "{err}");
    assert_eq!(device, destination());
    // A range judges what a load reads, not what a save writes: a wrapped source sends it,
    // and the destination refuses it by its logical index.
    let source = as_queues(&bad);
    let native = vmstate_core::to_bytes(&source).unwrap();
    let err = vmstate_core::from_bytes(&mut device, &native).unwrap_err();
    assert!(err.to_string().contains("in_buffer[20]"), "{err}");
    assert_eq!(device, destination());
}

#[test]
fn an_immutable_queue_is_compared_by_its_elements_not_by_where_they_lie() {
    // The destination's queue wraps; the source's is contiguous with the same elements.
    let mut device = destination();
    device.irqs = wrapped(&[5, 6, 7]);
    let source = Uart {
        irqs: [5, 6, 7].into(),
        ..as_queues(&state(4))
    };
    vmstate_core::from_bytes(&mut device, &vmstate_core::to_bytes(&source).unwrap()).unwrap();
    assert_eq!(as_vecs(&device), state(4));

    // Elements 1 and 2 lie in the destination's second part: the error names element 2.
    let mut device = destination();
    device.irqs = wrapped(&[5, 6, 7]);
    assert_eq!(device.irqs.as_slices(), (&[5][..], &[6, 7][..]));
    let source = Uart {
        irqs: [5, 6, 8].into(),
        ..as_queues(&state(4))
    };
    let before = as_vecs(&device);
    let err = vmstate_core::from_bytes(&mut device, &vmstate_core::to_bytes(&source).unwrap())
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ImmutableMismatch { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("irqs[2]"), "{err}");
    assert!(err.to_string().contains('8'), "{err}");
    assert_eq!(as_vecs(&device), before);

    // Of another length: both lengths are named.
    let source = Uart {
        irqs: [5, 6].into(),
        ..as_queues(&state(4))
    };
    let err = vmstate_core::from_bytes(&mut device, &vmstate_core::to_bytes(&source).unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("2 elements"), "{err}");
    assert!(err.to_string().contains("3 elements"), "{err}");
}

#[test]
fn an_equal_queue_is_compared_by_its_elements_on_qemus_wire_too() {
    #[derive(VmState, Debug, PartialEq)]
    #[vmstate(name = "cfg")]
    struct Cfg {
        #[vmstate(equal, max_len = 4)]
        lines: VecDeque<u8>,
        level: u8,
    }
    let dest = || Cfg {
        lines: wrapped(&[1, 2, 3]),
        level: 0,
    };
    let same = qemu::to_bytes(&Cfg {
        lines: [1, 2, 3].into(),
        level: 9,
    })
    .unwrap();
    let mut device = dest();
    qemu::from_bytes(&mut device, &same, 1, 0).unwrap();
    assert_eq!(device.level, 9);

    let other = qemu::to_bytes(&Cfg {
        lines: [1, 2, 4].into(),
        level: 9,
    })
    .unwrap();
    let mut device = dest();
    let err = qemu::from_bytes(&mut device, &other, 1, 0).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::EqualMismatch { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("lines[2]"), "{err}");
    assert_eq!(device, dest());
}

#[test]
fn an_elements_save_error_names_its_place_in_the_queue() {
    // Element 3 lies in the ring buffer's second part and holds too many bytes.
    let mut ring: Vec<Descriptor> = (0..5).map(descriptor).collect();
    ring[3].data = vec![0; 5];
    let device = Uart {
        ring: wrapped(&ring),
        ..as_queues(&state(1))
    };
    assert_eq!(device.ring.as_slices().0.len(), 1);
    for err in [
        vmstate_core::to_bytes(&device).unwrap_err(),
        qemu::to_bytes(&device).unwrap_err(),
    ] {
        assert!(
            matches!(err.kind(), ErrorKind::TooLong { len: 5, max_len: 4 }),
            "{err}"
        );
        assert!(err.to_string().contains("ring[3].data"), "{err}");
    }
}

#[test]
fn a_counted_queue_travels_without_a_length_of_its_own() {
    let values = state(4);
    assert_eq!(values.counted.len(), 4);
    let device = as_queues(&values);
    let bytes = qemu::to_bytes(&device).unwrap();
    // `level`'s four bytes, then the four elements with no length before them (and no
    // `irqs`: QEMU's wire does not carry immutable configuration).
    let counted: Vec<u8> = [0u16, 300, 600, 900]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let tail = [&[0, 0, 0, 4][..], &counted].concat();
    assert!(bytes.ends_with(&tail), "{bytes:?}");

    // A count that is not the queue's length is refused on save.
    let mut wrong = as_queues(&values);
    wrong.level = 3;
    assert!(qemu::to_bytes(&wrong).is_err());
    assert!(vmstate_core::to_bytes(&wrong).is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any contents, with the front at any slot of the ring buffer: the bytes are the
    /// `Vec`'s in both codecs, and a load gives the same queue back.
    #[test]
    fn any_queue_wherever_it_wraps_is_its_vec_on_the_wire(
        words in proptest::collection::vec(proptest::prelude::any::<u32>(), 0..=8),
        ring in proptest::collection::vec((proptest::prelude::any::<u64>(), proptest::collection::vec(proptest::prelude::any::<u8>(), 0..=4)), 0..=8),
        skew in 0usize..16,
    ) {
        #[derive(VmState, Debug, PartialEq)]
        #[vmstate(name = "q")]
        struct Queues {
            #[vmstate(max_len = 8)]
            words: VecDeque<u32>,
            #[vmstate(max_len = 8)]
            ring: VecDeque<Descriptor>,
        }
        #[derive(VmState, Debug, PartialEq)]
        #[vmstate(name = "q")]
        struct Vecs {
            #[vmstate(max_len = 8)]
            words: Vec<u32>,
            #[vmstate(max_len = 8)]
            ring: Vec<Descriptor>,
        }
        fn skewed<T: Clone + Default>(items: &[T], skew: usize) -> VecDeque<T> {
            let mut q = VecDeque::with_capacity(8);
            for _ in 0..skew {
                q.push_back(T::default());
                q.pop_front();
            }
            q.extend(items.iter().cloned());
            q
        }
        let ring: Vec<Descriptor> = ring.into_iter().map(|(addr, data)| Descriptor { addr, data }).collect();
        let vecs = Vecs { words: words.clone(), ring: ring.clone() };
        let queues = Queues { words: skewed(&words, skew), ring: skewed(&ring, skew) };
        let native = vmstate_core::to_bytes(&queues).unwrap();
        proptest::prop_assert_eq!(&native, &vmstate_core::to_bytes(&vecs).unwrap());
        let qemu_bytes = qemu::to_bytes(&queues).unwrap();
        proptest::prop_assert_eq!(&qemu_bytes, &qemu::to_bytes(&vecs).unwrap());
        let mut back = Queues { words: skewed(&[7, 7], 5), ring: VecDeque::new() };
        vmstate_core::from_bytes(&mut back, &native).unwrap();
        proptest::prop_assert_eq!(&back, &queues);
        let mut back = Queues { words: VecDeque::new(), ring: skewed(&[Descriptor::default()], 3) };
        qemu::from_bytes(&mut back, &qemu_bytes, 1, 0).unwrap();
        proptest::prop_assert_eq!(&back, &queues);
    }
}
