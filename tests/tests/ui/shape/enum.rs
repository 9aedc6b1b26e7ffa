use vmstate_core::VmState;

#[derive(VmState)]
enum Mode {
    Off,
    On,
}

fn main() {}
