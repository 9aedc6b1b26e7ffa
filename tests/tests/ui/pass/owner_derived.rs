// A nested struct with `derived_by_owner` fields, recomputed by the owner: through
// `derives = "..."` on the field, or through the owner's `post_load`.
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq)]
struct Window {
    base: u32,
    #[vmstate(derived_by_owner)]
    mapped: bool,
}

#[derive(VmState, Debug, PartialEq)]
struct Board {
    enable: bool,
    #[vmstate(derives = "Self::map_windows")]
    window: Window,
    #[vmstate(derives = "Self::map_windows")]
    more: [Window; 2],
}

impl Board {
    fn map_windows(&mut self) {
        let enable = self.enable;
        self.window.mapped = enable && self.window.base != 0;
        for w in &mut self.more {
            w.mapped = enable && w.base != 0;
        }
    }
}

#[derive(VmState, Debug, PartialEq)]
#[vmstate(post_load = "Self::after_load")]
struct OtherBoard {
    window: Window,
}

impl OtherBoard {
    fn after_load(&mut self) {
        self.window.mapped = self.window.base != 0;
    }
}

fn window(base: u32) -> Window {
    Window { base, mapped: false }
}

fn main() {
    let src = Board { enable: true, window: window(0x1000), more: [window(0), window(0x2000)] };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = Board { enable: false, window: window(0), more: [window(1), window(1)] };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert!(dst.enable);
    assert_eq!(dst.window, Window { base: 0x1000, mapped: true });
    assert_eq!(dst.more, [Window { base: 0, mapped: false }, Window { base: 0x2000, mapped: true }]);

    let bytes = vmstate_core::to_bytes(&OtherBoard { window: window(4) }).unwrap();
    let mut dst = OtherBoard { window: window(0) };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst.window, Window { base: 4, mapped: true });
}
