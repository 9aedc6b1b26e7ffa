// `max_len` as a constant: a generic FIFO bounded by its const parameter, and bounds kept in
// a constant item or an associated constant. Each instantiation describes and enforces its
// own bound, in both codecs.
use vmstate_core::{ErrorKind, VmState};

const DEPTH: usize = 4;

#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "fifo")]
struct Fifo<T: vmstate_core::Element + Default + PartialEq, const N: usize> {
    #[vmstate(max_len = N)]
    items: Vec<T>,
}

#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "uart")]
struct Uart {
    #[vmstate(max_len = DEPTH)]
    rx: Vec<u8>,
    #[vmstate(max_len = Self::TX_DEPTH)]
    tx: Vec<u16>,
    fifo: Fifo<u32, 3>,
}

impl Uart {
    const TX_DEPTH: usize = 2;
}

fn main() {
    let bounds: Vec<Option<usize>> = Uart::DESCRIPTION.fields.iter().map(|f| f.max_len).collect();
    assert_eq!(bounds, [Some(4), Some(2), None]);
    assert_eq!(<Fifo<u8, 16> as VmState>::DESCRIPTION.fields[0].max_len, Some(16));

    let src = Uart { rx: vec![1, 2, 3, 4], tx: vec![5], fifo: Fifo { items: vec![6, 7, 8] } };
    let mut dst = Uart::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    let mut dst = Uart::default();
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst, src);

    // A save past the bound is refused, and so is a load of a longer sequence.
    let long = Fifo::<u32, 3> { items: vec![0; 4] };
    let err = vmstate_core::to_bytes(&long).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::TooLong { len: 4, max_len: 3 }), "{err}");
    let bytes = vmstate_core::qemu::to_bytes(&Fifo::<u32, 8> { items: vec![0; 4] }).unwrap();
    let err = vmstate_core::qemu::from_bytes(&mut Fifo::<u32, 3>::default(), &bytes, 1, 0)
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::TooLong { len: 4, max_len: 3 }), "{err}");
}
