// An immutable field travels too (in the formats that carry configuration), so it must migrate.
use vmstate_core::VmState;

struct Config {
    size: u32,
}

#[derive(VmState)]
struct Ram {
    #[vmstate(immutable)]
    config: Config,
    latch: u32,
}

fn main() {}
