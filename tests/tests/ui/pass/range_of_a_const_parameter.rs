// A range bounded by a const parameter converted to the field's type; an out-of-range value
// is reported with the range's value and the range as written.
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq)]
struct Ring<const N: usize> {
    #[vmstate(range = "0..(N as u16)")]
    head: u16,
}

fn main() {
    let bytes = vmstate_core::qemu::to_bytes(&Ring::<8> { head: 9 }).unwrap();
    let mut dst = Ring::<8> { head: 1 };
    let err = vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ring.head: value 9 is outside the valid range 0..8 (`0..(N as u16)`) (at byte 0)"
    );
    assert_eq!(dst, Ring { head: 1 });
    let mut wide = Ring::<16> { head: 1 };
    vmstate_core::qemu::from_bytes(&mut wide, &bytes, 1, 0).unwrap();
    assert_eq!(wide.head, 9);
}
