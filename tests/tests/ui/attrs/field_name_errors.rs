// A field's `name` must be a non-empty string that prints on one line and is not a word the
// schema tools read otherwise. Fields migrated on QEMU's wire may share a name, as QEMU's do
// (`a` and `b`, `e` and `f`, `k` and `unused` here), but not one that holds a sequence's
// length (`n`, `r#type`) nor one on no wire or on the native one only (`conf`).
use vmstate_core::{Unused, VmState};

#[derive(VmState)]
struct Dev {
    #[vmstate(name = "b")]
    a: u32,
    b: u32,
    #[vmstate(name = "")]
    c: u32,
    #[vmstate(name = 3)]
    d: u32,
    #[vmstate(name = "e.x")]
    e: u32,
    #[vmstate(name = "e.x")]
    f: u32,
    #[vmstate(name = "g", name = "h")]
    g: u32,
    #[vmstate(name = "line\nbreak")]
    h: u32,
    #[vmstate(name = " ")]
    i: u32,
    #[vmstate(name = "j ")]
    j: u32,
    #[vmstate(name = "unused")]
    k: u32,
    unused: u8,
    #[vmstate(name = "subsections")]
    l: u32,
    n: u8,
    #[vmstate(max_len = 4, len = "n")]
    items: Vec<u8>,
    #[vmstate(name = "n")]
    also_n: u8,
    r#type: u8,
    #[vmstate(max_len = 4, len = "r#type")]
    typed: Vec<u8>,
    #[vmstate(name = "type")]
    also_type: u8,
    #[vmstate(immutable)]
    conf: u32,
    #[vmstate(name = "conf")]
    conf_again: u32,
}

type Pad = Unused<4>;

// Padding may be called `unused`, as QEMU calls all of it, and so may one real field beside
// it (QEMU's pl041 has a register so named: see `Reserved`) and fields on no wire; a `name`
// that is not a string is not replaced by the identifier (no clash with `o`).
#[derive(VmState)]
struct Padded {
    #[vmstate(name = "unused")]
    pad: Unused<4>,
    unused: Unused<2>,
    #[vmstate(name = "unused")]
    aliased: Pad,
    m: u8,
    #[vmstate(name = 5)]
    n: u8,
    #[vmstate(name = "n")]
    o: u8,
}

// Real fields called `unused` beside padding, as in QEMU's pl041 and e1000.
#[derive(VmState)]
struct Reserved {
    #[vmstate(name = "unused")]
    pad: Unused<4>,
    unused: u32,
    #[vmstate(name = "unused")]
    second: u32,
}

// Fields on no wire are not taken for padding nor listed with a decoded state's fields.
#[derive(VmState)]
struct Host {
    #[vmstate(skip, name = "unused")]
    host: u32,
    #[vmstate(skip)]
    subsections: u8,
    m: u8,
}

fn main() {}
