// A device with no state of its own still has a section (QEMU has such descriptions, kept
// for their version and subsections): `struct A;`, `struct B {}` and `struct C();` all derive,
// save the same empty body and load back in both codecs.
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "empty", version = 2)]
struct Unit;

#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "empty", version = 2)]
struct Braced {}

#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "empty", version = 2)]
struct Parenthesized();

fn main() {
    let native = vmstate_core::to_bytes(&Unit).unwrap();
    assert_eq!(vmstate_core::to_bytes(&Braced {}).unwrap(), native);
    assert_eq!(vmstate_core::to_bytes(&Parenthesized()).unwrap(), native);
    let mut p = Parenthesized();
    vmstate_core::from_bytes(&mut p, &native).unwrap();
    let mut b = Braced {};
    vmstate_core::from_bytes(&mut b, &native).unwrap();

    let qemu = vmstate_core::qemu::to_bytes(&Parenthesized()).unwrap();
    assert!(qemu.is_empty());
    vmstate_core::qemu::from_bytes(&mut p, &qemu, 2, 0).unwrap();
    // Too new a version is still refused: the section is described, not merely empty.
    assert!(vmstate_core::qemu::from_bytes(&mut p, &qemu, 3, 0).is_err());
    assert_eq!(<Parenthesized as VmState>::DESCRIPTION.fields.len(), 0);
}
