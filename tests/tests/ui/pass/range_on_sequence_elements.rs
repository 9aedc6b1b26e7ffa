// `range` on a `Vec<T>` or `Box<[T]>` bounds each element, as on an array (and each
// element's elements, unless the bounds are arrays): a load naming the element is refused,
// in both formats, and the destination is unchanged.
use vmstate_core::VmState;

#[derive(VmState, Clone, Copy, PartialEq, PartialOrd, Debug)]
#[repr(u8)]
enum Mode {
    Off = 0,
    On = 1,
    Test = 2,
}

#[derive(VmState, Debug, PartialEq, Default)]
struct Ring<const N: usize> {
    #[vmstate(max_len = 8, range = "0..(N as u16)")]
    heads: Vec<u16>,
    #[vmstate(max_len = 4, range = "..Mode::Test")]
    modes: Box<[Mode]>,
    #[vmstate(max_len = 4, range = "[0, 0]..[4, 0]")]
    pairs: Vec<[u8; 2]>,
    #[vmstate(max_len = 4, range = "0..4")]
    grid: Vec<[u8; 2]>,
}

fn refused(bad: &Ring<8>, expected: &str) {
    let saved = [vmstate_core::to_bytes(bad).unwrap(), vmstate_core::qemu::to_bytes(bad).unwrap()];
    for (qemu, bytes) in [false, true].into_iter().zip(saved) {
        let mut dst = Ring::<8> { heads: vec![5], ..Ring::default() };
        let err = if qemu {
            vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap_err()
        } else {
            vmstate_core::from_bytes(&mut dst, &bytes).unwrap_err()
        };
        assert!(err.to_string().starts_with(expected), "{err}");
        assert_eq!(dst, Ring { heads: vec![5], ..Ring::default() });
    }
}

fn main() {
    let good = Ring::<8> {
        heads: vec![0, 7],
        modes: vec![Mode::Off, Mode::On].into(),
        pairs: vec![[3, 255]],
        grid: vec![[0, 3]],
    };
    let mut dst = Ring::<8>::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&good).unwrap()).unwrap();
    assert_eq!(dst, good);

    let bad = Ring::<8> { heads: vec![1, 8], ..Ring::default() };
    refused(&bad, "ring.heads[1]: value 8 is outside the valid range 0..8 (`0..(N as u16)`)");
    let bad = Ring::<8> { modes: vec![Mode::Test].into(), ..Ring::default() };
    refused(&bad, "ring.modes[0]: value Test is outside the valid range ..Test (`..Mode::Test`)");
    let bad = Ring::<8> { pairs: vec![[4, 0]], ..Ring::default() };
    refused(&bad, "ring.pairs[0]: value [4, 0] is outside the valid range [0, 0]..[4, 0]");
    let bad = Ring::<8> { grid: vec![[0, 0], [3, 4]], ..Ring::default() };
    refused(&bad, "ring.grid[1][1]: value 4 is outside the valid range 0..4");
}
