// With `Field` in scope (a glob import) and no function of that name, these paths would
// resolve to the trait's own methods, which run the hooks: `validate` would call itself until
// the stack overflows. The names are refused on the strings.
use vmstate_core::*;

#[derive(VmState, Default)]
#[vmstate(validate = "Self::check_committed", post_load = "Self::post_commit")]
struct Dev {
    #[vmstate(derived = "Self::pre_commit")]
    level: u8,
    a: u8,
}

fn main() {}
