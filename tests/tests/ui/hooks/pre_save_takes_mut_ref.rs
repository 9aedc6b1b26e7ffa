// `pre_save` must be `fn(&Self)`: saving must not change the device.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(pre_save = "Self::before_save")]
struct Uart {
    lcr: u8,
}

impl Uart {
    fn before_save(&mut self) {
        self.lcr = 0;
    }
}

fn main() {}
