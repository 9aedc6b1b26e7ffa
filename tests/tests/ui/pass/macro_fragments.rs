// Field types and an enum's `repr` forwarded by a `macro_rules!` as `ty` fragments, which
// arrive in invisible groups: described as written, and round-tripped.
use vmstate_core::VmState;

macro_rules! mode {
    ($name:ident, $repr:ty) => {
        #[derive(VmState, Debug, Clone, Copy, PartialEq)]
        #[repr($repr)]
        enum $name {
            Off = 1,
            On = 300,
        }
    };
}

macro_rules! device {
    ($name:ident { $( $(#[$meta:meta])* $field:ident : $ty:ty ),* $(,)? }) => {
        #[derive(VmState, Debug, PartialEq)]
        pub struct $name { $( $(#[$meta])* $field: $ty ),* }
    };
}

mode!(Mode, u16);

device!(Dev {
    ctrl: u32,
    regs: [u16; 2],
    #[vmstate(max_len = 4)]
    fifo: Vec<u8>,
    mode: Mode,
});

fn main() {
    let types: Vec<&str> = Dev::DESCRIPTION.fields.iter().map(|f| f.rust_type).collect();
    assert_eq!(types, ["u32", "[u16; 2]", "Vec<u8>", "Mode"]);
    let src = Dev { ctrl: 7, regs: [1, 2], fifo: vec![3], mode: Mode::On };
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    // The enum travels at its `repr`'s width: 300 as a big-endian u16.
    assert_eq!(&qemu[qemu.len() - 2..], [1, 44]);
    let mut dst = Dev { ctrl: 0, regs: [0; 2], fifo: Vec::new(), mode: Mode::Off };
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst, src);
    let mut dst = Dev { ctrl: 0, regs: [0; 2], fifo: Vec::new(), mode: Mode::Off };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
}
