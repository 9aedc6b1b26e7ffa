use vmstate_core::VmState;

#[derive(VmState, Default)]
struct Fifo {
    head: u8,
}

// The wrapped type must be a plain value: the error lands on it.
#[derive(VmState)]
#[vmstate(transparent)]
struct Wrapped(Fifo);

// A use of one: rustc's errors, as for any type that cannot migrate.
#[derive(VmState)]
struct Dev {
    wrapped: Wrapped,
}

fn main() {}
