// With `Field` in scope (a glob import) and no function of that name, these paths would
// resolve to the trait's own methods, which run the hooks: `validate` would call itself until
// the stack overflows. The names are refused on the strings.
use vmstate_core::*;

#[derive(VmState, Default)]
#[vmstate(validate = "Self::check_committed", post_load = "Dev::post_commit")]
struct Dev {
    #[vmstate(derived = "Self::pre_commit")]
    level: u8,
    // A free function or another type's of such a name cannot be taken for the trait's.
    #[vmstate(derived = "hooks::post_commit")]
    other: u8,
    a: u8,
}

mod hooks {
    pub fn post_commit(dev: &mut super::Dev) {
        dev.other = dev.a;
    }
}

fn main() {}
