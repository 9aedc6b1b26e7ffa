// A misspelt container key; the message lists every key, `pre_load` and `validate` included.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(validator = "Self::check")]
struct Window {
    lo: u32,
    hi: u32,
}

fn main() {}
