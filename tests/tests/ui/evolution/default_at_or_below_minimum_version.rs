// `default` on a field whose `since` is not above the minimum version: every stream the struct
// loads has the field, so the default would never run (the older streams it was written for are
// refused as too old). `minimum_version` defaults to `version`.
use vmstate_core::VmState;

#[derive(VmState, Default)]
#[vmstate(name = "pl031", version = 2)]
struct Pl031 {
    lr: u32,
    #[vmstate(since = 2, default = "Self::no_offset")]
    tick_offset: u32,
}

impl Pl031 {
    fn no_offset() -> u32 {
        0
    }
}

#[derive(VmState, Default)]
#[vmstate(name = "uart", version = 4, minimum_version = 3)]
struct Uart {
    lcr: u8,
    // Below the minimum: as dead.
    #[vmstate(since = 2, default)]
    fcr: u8,
    // Above it: streams of version 3 lack it, so this default runs.
    #[vmstate(since = 4, default)]
    mcr: u8,
    // With `exists` the default runs whenever the function says the field was not sent.
    #[vmstate(since = 3, exists = "Self::has_scr", default)]
    scr: u8,
}

impl Uart {
    fn has_scr(&self, _version: u32) -> bool {
        self.lcr != 0
    }
}

fn main() {}
