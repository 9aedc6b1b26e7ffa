// A range bounded by a const parameter is checked where the struct is used with it: with
// `N = 0`, `0..N` holds no value and every load would be refused.
use vmstate_core::VmState;

#[derive(VmState)]
struct Ring<const N: usize> {
    #[vmstate(range = "0..(N as u16)")]
    head: u16,
}

fn main() {
    let mut fine = Ring::<4> { head: 0 };
    let _ = vmstate_core::from_bytes(&mut fine, &[]);
    let mut empty = Ring::<0> { head: 0 };
    let _ = vmstate_core::from_bytes(&mut empty, &[]);
}
