// Names starting with `__vmstate` belong to the generated code.
use vmstate_core::VmState;

#[derive(VmState)]
struct Dev {
    __vmstate_marker: u32,
    ok: u32,
}

fn main() {}
