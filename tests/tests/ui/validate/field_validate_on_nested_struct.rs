// A field's `validate` sees the value as loaded, which only a plain value (a number, an
// array of them) is; a nested struct is staged in parts. Validate it with a container
// `validate` on the nested struct instead.
use vmstate_core::VmState;

#[derive(VmState)]
struct Window {
    lo: u32,
    hi: u32,
}

#[derive(VmState)]
struct Dma {
    #[vmstate(validate = "check_window")]
    window: Window,
}

fn check_window(_: &Window) -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
