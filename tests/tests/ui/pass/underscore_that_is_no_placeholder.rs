// `_` that is not rustc's placeholder in a type: a fn pointer's parameter name and a macro's
// input. The struct derives as usual (it used to get the stand-in impls, which panic).
use vmstate_core::VmState;

fn callback(_: u32) {}

macro_rules! word {
    (_) => {
        u32
    };
}

#[derive(VmState)]
#[vmstate(name = "dev")]
struct Dev {
    a: u8,
    #[vmstate(skip)]
    cb: fn(_: u32),
    b: word!(_),
}

fn main() {
    let dev = Dev { a: 3, cb: callback, b: 7 };
    let bytes = vmstate_core::to_bytes(&dev).unwrap();
    let mut back = Dev { a: 0, cb: callback, b: 0 };
    vmstate_core::from_bytes(&mut back, &bytes).unwrap();
    assert_eq!((back.a, back.b), (3, 7));
    (back.cb)(1);
}
