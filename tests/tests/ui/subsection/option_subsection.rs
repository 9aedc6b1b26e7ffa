// A subsection is the struct itself; an `Option` around it is refused with what decides
// whether it is sent (the generic "not a VmState struct" said nothing of that).
use vmstate_core::VmState;

#[derive(VmState, Default)]
#[vmstate(name = "rtc/tick")]
struct Tick {
    offset: u32,
}

#[derive(VmState)]
#[vmstate(name = "rtc")]
struct Rtc {
    count: u32,
    #[vmstate(subsection, needed = "Self::has_tick")]
    tick: Option<Tick>,
}

impl Rtc {
    fn has_tick(&self) -> bool {
        self.tick.is_some()
    }
}

fn main() {}
