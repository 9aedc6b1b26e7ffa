// A misspelt field key; the message lists every key, the new ones included.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2)]
struct Timer {
    count: u32,
    #[vmstate(since_version = 2)]
    reload: u32,
}

fn main() {}
