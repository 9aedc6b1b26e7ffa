// A hook whose lifetime parameter appears in a where clause is not general enough to be a
// `post_load` hook: the error says so.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 1, post_load = "Self::after_load")]
struct Uart {
    lcr: u8,
}

impl Uart {
    fn after_load<'a>(&'a mut self, version: u32)
    where
        'a: 'a,
    {
        let _ = version;
    }
}

fn main() {}
