use vmstate_core::VmState;

// The derive's own errors on a wrapped type that cannot be a plain value, with what to store
// instead; the uses of these structs report nothing more.
#[derive(VmState)]
#[vmstate(transparent)]
struct Count(usize);

#[derive(VmState)]
#[vmstate(transparent)]
struct Letter(char);

#[derive(VmState)]
#[vmstate(transparent)]
struct Borrowed<'a>(&'a u8);

#[derive(VmState)]
#[vmstate(transparent)]
struct Name {
    text: String,
}

#[derive(VmState)]
#[vmstate(transparent)]
struct Fifo(Vec<u8>);

#[derive(VmState)]
#[vmstate(transparent)]
struct Maybe(Option<u8>);

#[derive(VmState)]
struct Dev<'a> {
    count: Count,
    letter: Letter,
    borrowed: Borrowed<'a>,
    name: Name,
    fifo: Fifo,
    maybe: Maybe,
}

fn main() {}
