use vmstate_core::VmState;

// The type converted to must be a plain value: a sequence, a type that cannot migrate,
// and a struct are refused, each on its string.
#[derive(VmState, Clone)]
#[vmstate(from = "Vec<u8>", into = "Vec<u8>")]
struct Bytes(Vec<u8>);

#[derive(VmState, Clone)]
#[vmstate(from = "usize", into = "usize")]
struct Index(usize);

#[derive(VmState, Default)]
struct Fifo {
    head: u8,
}

#[derive(VmState, Clone)]
#[vmstate(from = "Fifo", into = "Fifo")]
struct Queue(u8);

impl From<Fifo> for Queue {
    fn from(f: Fifo) -> Self {
        Queue(f.head)
    }
}

impl From<Queue> for Fifo {
    fn from(q: Queue) -> Self {
        Fifo { head: q.0 }
    }
}

fn main() {}
