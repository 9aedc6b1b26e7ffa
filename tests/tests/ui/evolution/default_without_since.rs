// `default` gives the value when the input lacks the field; an always-sent field never lacks it.
use vmstate_core::VmState;

#[derive(VmState)]
struct Timer {
    count: u32,
    #[vmstate(default = "Self::default_reload")]
    reload: u32,
}

impl Timer {
    fn default_reload() -> u32 {
        0xffff
    }
}

fn main() {}
