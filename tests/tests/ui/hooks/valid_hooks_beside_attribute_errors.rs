// Beside an attribute error (a misspelt key), hooks that are right add no error of their own
// in whatever form they take: a trait's method, a generic function typed by its use, a
// turbofish, a version-only `exists`, a free `needed`, a `validate` taking a `Copy` value, a
// bare `default`, a `post_load` with the version, a deprecated function the struct allows.
#![deny(deprecated)]
use vmstate_core::VmState;

trait Recalc {
    fn recalc(&mut self);
}

#[derive(VmState, Default)]
#[allow(deprecated)]
#[vmstate(
    name = "dev",
    version = 3,
    minimum_version = 1,
    post_load = "<Self as Recalc>::recalc",
    pre_save = "Self::generic_check::<u8>",
    validate = "sane"
)]
struct Dev {
    #[vmstate(derived = "mirror")]
    mirror_of_a: u8,
    a: u8,
    #[vmstate(exists = "from_v2", default = "zero", since = 2)]
    b: u16,
    #[vmstate(validate = "by_value")]
    c: u32,
    #[vmstate(since = 3, default)]
    d: u8,
    #[vmstate(subsection, needed = "wanted")]
    sub: Sub,
    #[vmstate(colour = 1)]
    e: u8,
}

#[derive(VmState, Default)]
#[vmstate(name = "dev/sub", post_load = "Self::after")]
struct Sub {
    x: u8,
}

impl Sub {
    fn after(&mut self, _version: u32) {}
}

impl Recalc for Dev {
    fn recalc(&mut self) {}
}

impl Dev {
    fn generic_check<T>(&self) {}
}

fn mirror<T: AsMut<Dev>>(dev: &mut T) {
    let dev = dev.as_mut();
    dev.mirror_of_a = dev.a;
}

impl AsMut<Dev> for Dev {
    fn as_mut(&mut self) -> &mut Dev {
        self
    }
}

#[deprecated]
fn sane(_: &Dev) -> Result<(), String> {
    Ok(())
}

fn from_v2(version: u32) -> bool {
    version >= 2
}

fn zero<T: Default>() -> T {
    T::default()
}

fn by_value<T: Copy>(_: T) {}

fn wanted(dev: &Dev) -> bool {
    dev.sub.x != 0
}

fn main() {}
