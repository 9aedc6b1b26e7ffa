use vmstate_core::VmState;

// The conversions are the user's: a missing `From`/`Into`/`Clone` is reported on the
// string that needs it.
#[derive(VmState)]
#[vmstate(from = "u32", into = "u32")]
struct NoImpls {
    bits: u32,
}

// `try_from` needs `Default` (the value a load overwrites) and an error that prints.
#[derive(VmState, Clone)]
#[vmstate(try_from = "u8", into = "u8")]
struct NoDefault(u8);

impl TryFrom<u8> for NoDefault {
    type Error = NoDisplay;
    fn try_from(v: u8) -> Result<Self, NoDisplay> {
        Ok(NoDefault(v))
    }
}

impl From<NoDefault> for u8 {
    fn from(v: NoDefault) -> u8 {
        v.0
    }
}

#[derive(Debug)]
struct NoDisplay;

fn main() {}
