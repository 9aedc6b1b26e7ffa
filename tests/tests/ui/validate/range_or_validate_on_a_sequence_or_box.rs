// `range` and a field's `validate` check plain values (and the elements of an array, a `Vec`
// or a `Box<[T]>`, for `range`); a `Vec`, a `Box` or a `String` is checked in the
// container's `validate`. One error on each key, and none at the struct's uses.
use vmstate_core::VmState;

#[derive(VmState, Default)]
struct Fifo {
    #[vmstate(max_len = 16, validate = "check_fifo")]
    data: Vec<u8>,
    #[vmstate(max_len = 8, range = "0..8")]
    label: String,
    #[vmstate(range = "0..8")]
    mode: Box<u8>,
    #[vmstate(range = "0..4")]
    banks: Box<[u8; 4]>,
    #[vmstate(max_len = 8, validate = "check_name")]
    name: String,
}

fn check_fifo(_: &Vec<u8>) -> Result<(), std::fmt::Error> {
    Ok(())
}

fn check_name(_: &String) -> Result<(), std::fmt::Error> {
    Ok(())
}

fn main() {
    let fifo = Fifo::default();
    let _ = vmstate_core::to_bytes(&fifo);
    let mut back = Fifo::default();
    let _ = vmstate_core::from_bytes(&mut back, &[]);
}
