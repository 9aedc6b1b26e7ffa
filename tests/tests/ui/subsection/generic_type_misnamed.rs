// A subsection whose type is a parameter is checked per instantiation, when the device is
// saved or loaded: `Dev<Misnamed>` would save a stream it cannot load back, and
// `Dev<Timer>` one with two subsections of one name.
use vmstate_core::VmState;

#[derive(VmState, Default)]
#[vmstate(name = "other")]
struct Misnamed {
    a: u8,
}

#[derive(VmState, Default)]
#[vmstate(name = "dev/timer")]
struct Timer {
    a: u8,
}

#[derive(VmState, Default)]
#[vmstate(name = "dev/irq")]
struct Irq {
    level: u8,
}

#[derive(VmState, Default)]
#[vmstate(name = "dev")]
struct Dev<S: Default> {
    x: u8,
    #[vmstate(subsection, needed = "Self::yes")]
    sub: S,
    #[vmstate(subsection, needed = "Self::yes")]
    timer: Timer,
}

impl<S: Default> Dev<S> {
    fn yes(&self) -> bool {
        true
    }
}

fn main() {
    // Fine: a name of its own under `dev/`.
    let _ = vmstate_core::to_bytes(&Dev::<Irq>::default());
    // Not under `dev/`; the same name as the other subsection. One error each, however
    // many codecs use the type.
    let _ = vmstate_core::to_bytes(&Dev::<Misnamed>::default());
    let _ = vmstate_core::qemu::to_bytes(&Dev::<Misnamed>::default());
    let _ = vmstate_core::from_bytes(&mut Dev::<Misnamed>::default(), &[]);
    let _ = vmstate_core::to_bytes(&Dev::<Timer>::default());
}
