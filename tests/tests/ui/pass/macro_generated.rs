// A device written by a `macro_rules!` whose attribute values are the macro's arguments:
// hook strings passed as `tt` (their calls are resolved like the rest of the generated code,
// not where the string was written) and `literal` fragments for the name, version and bound.
use vmstate_core::VmState;

macro_rules! device {
    ($ty:ident, $name:literal, $version:literal, $max:literal,
     $pre_save:tt, $pre_load:tt, $post_load:tt, $validate:tt, $derived:tt,
     $field_check:tt, $range:tt) => {
        #[derive(VmState, Debug, Default, PartialEq)]
        #[vmstate(name = $name, version = $version, pre_save = $pre_save,
                  pre_load = $pre_load, post_load = $post_load, validate = $validate)]
        pub struct $ty {
            #[vmstate(validate = $field_check)]
            ctrl: u8,
            #[vmstate(range = $range)]
            mode: u8,
            #[vmstate(max_len = $max)]
            fifo: Vec<u8>,
            #[vmstate(derived = $derived)]
            level: u8,
            #[vmstate(skip)]
            hooks_run: u8,
        }
    };
}

device!(Uart, "uart", 2, 4,
        "Self::before_save", "Self::before_load", "Self::after_load", "Self::consistent",
        "Self::recompute", "Self::ctrl_ok", "0..4");

impl Uart {
    fn before_save(&self) {}
    fn before_load(&mut self) {
        self.hooks_run += 1;
    }
    fn after_load(&mut self) {
        self.hooks_run += 10;
    }
    fn consistent(&self) -> Result<(), std::io::Error> {
        Ok(())
    }
    fn recompute(&mut self) {
        self.level = self.ctrl & 1;
    }
    fn ctrl_ok(v: &u8) -> Result<(), std::io::Error> {
        match *v {
            0xff => Err(std::io::Error::other("reserved")),
            _ => Ok(()),
        }
    }
}

fn main() {
    let d = <Uart as VmState>::DESCRIPTION;
    assert_eq!((d.name, d.version), ("uart", 2));
    let src = Uart { ctrl: 3, mode: 2, fifo: vec![1, 2], ..Uart::default() };
    for bytes in [vmstate_core::to_bytes(&src).unwrap()] {
        let mut dst = Uart::default();
        vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
        assert_eq!((dst.ctrl, dst.mode, &dst.fifo[..], dst.level), (3, 2, &[1, 2][..], 1));
        assert_eq!(dst.hooks_run, 11);
    }
    let mut qemu = Vec::new();
    vmstate_core::qemu::save(&src, &mut qemu).unwrap();
    let mut dst = Uart::default();
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 2, 0).unwrap();
    assert_eq!(dst.level, 1);
    // The field checks are the macro's arguments too.
    let bad = Uart { ctrl: 0xff, ..Uart::default() };
    let mut dst = Uart::default();
    assert!(vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&bad).unwrap()).is_err());
    let bad = Uart { mode: 9, ..Uart::default() };
    assert!(vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&bad).unwrap()).is_err());
    assert_eq!(dst, Uart::default());
}
