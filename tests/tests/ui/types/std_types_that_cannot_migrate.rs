// The std types a device struct is likely to hold that cannot migrate are refused by name,
// one error each on the type with what to store instead, also where the type names a
// parameter of the struct (rustc would report those only when the struct is used) and with
// no error again where the struct is used. A function pointer is refused too.
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use vmstate_core::VmState;

#[derive(VmState)]
struct Virtio<'a, T> {
    features: u64,
    irq: Arc<u32>,
    queue: Mutex<[u8; 4]>,
    cache: std::cell::RefCell<u32>,
    table: HashMap<u32, T>,
    name: Cow<'a, str>,
    #[vmstate(max_len = 8)]
    pending: Vec<Arc<u8>>,
    // A queue migrates with `max_len` (as a `Vec`); without it, its bound is what is missing.
    fifo: VecDeque<u8>,
    period: std::time::Duration,
    count: std::num::NonZeroU32,
    notify: for<'x> fn(&'x u8),
}

fn main() {
    let dev: Option<Virtio<'static, u8>> = None;
    if let Some(dev) = dev {
        let _ = vmstate_core::to_bytes(&dev);
    }
}
