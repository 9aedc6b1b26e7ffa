// A generic struct (type and const parameters) used with two element types.
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq)]
struct Fifo<T, const N: usize> {
    data: [T; N],
    head: u32,
}

// Generic immutable and bounded fields: their bounds (`T: Debug`, `Vec<T>: PartialEq`) are
// required where the struct is used, not assumed.
#[derive(VmState, Debug, PartialEq)]
struct Tagged<T> {
    #[vmstate(immutable)]
    id: T,
    #[vmstate(max_len = 4)]
    items: Vec<T>,
    #[vmstate(immutable, max_len = 8)]
    tags: Vec<T>,
}

fn main() {
    let src = Tagged { id: 7u16, items: vec![1, 2, 3], tags: vec![9] };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = Tagged { id: 7u16, items: vec![], tags: vec![9] };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);
    let mut other = Tagged { id: 8u16, items: vec![], tags: vec![9] };
    assert!(vmstate_core::from_bytes(&mut other, &bytes).is_err());
    assert_eq!(other.items, Vec::<u16>::new());

    let src = Fifo { data: [1u8, 2, 3, 4], head: 2 };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = Fifo { data: [0u8; 4], head: 0 };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);

    let src = Fifo { data: [0xdead_beef_u32, 7, 0], head: 1 };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = Fifo { data: [0u32; 3], head: 0 };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);

    // The description follows the parameters.
    let d = <Fifo<u32, 3> as VmState>::DESCRIPTION;
    assert_eq!(d.name, "fifo");
    assert_eq!(d.fields.len(), 2);
    assert_eq!(d.fields[0].name, "data");

    // A stream of the other instantiation does not load.
    let mut small = Fifo { data: [0u8; 4], head: 0 };
    assert!(vmstate_core::from_bytes(&mut small, &bytes).is_err());
    assert_eq!(small, Fifo { data: [0u8; 4], head: 0 });
}
