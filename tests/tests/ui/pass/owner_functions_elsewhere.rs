// `derives` on a subsection and on a `Vec` of elements with owner-derived fields; a user's
// own types named like std's (`fixed::Vec`, a struct named `Option`) migrate as themselves.
use vmstate_core::{Decoder, Encoder, Error, Field, Shape, VmState};

#[derive(VmState, Default, PartialEq, Debug)]
#[vmstate(name = "board/window")]
struct Window {
    base: u32,
    #[vmstate(derived_by_owner)]
    mapped: bool,
}

#[derive(VmState, Debug)]
#[vmstate(name = "board")]
struct Board {
    flags: u32,
    #[vmstate(subsection, needed = "Self::has_window", derives = "Self::map")]
    window: Window,
    #[vmstate(max_len = 4, derives = "Self::map")]
    more: Vec<Window>,
    ring: fixed::Vec,
    option: Option,
}

impl Board {
    fn has_window(&self) -> bool {
        self.window.base != 0
    }
    fn map(&mut self) {
        self.window.mapped = self.flags & 1 != 0;
        for w in &mut self.more {
            w.mapped = w.base != 0;
        }
    }
}

mod fixed {
    /// Four bytes, whatever the name.
    #[derive(Debug, Default, PartialEq)]
    pub struct Vec(pub [u8; 4]);
}

impl Field for fixed::Vec {
    const SHAPE: Shape = Shape::Custom { name: "fixed::Vec", qemu_size: Some(4) };
    type Staged = [u8; 4];
    fn placeholder() -> [u8; 4] {
        [0; 4]
    }
    fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        self.0.save(e)
    }
    fn load<D: Decoder>(&self, d: &mut D) -> Result<[u8; 4], Error> {
        self.0.load(d)
    }
    fn matches(&self, staged: &[u8; 4]) -> bool {
        self.0 == *staged
    }
    fn commit(&mut self, staged: &mut [u8; 4]) {
        core::mem::swap(&mut self.0, staged)
    }
}

#[derive(VmState, Debug, Default, PartialEq)]
struct Option {
    some: bool,
}

fn main() {
    let src = Board {
        flags: 1,
        window: Window { base: 0x1000, mapped: false },
        more: vec![Window { base: 0, mapped: true }, Window { base: 4, mapped: false }],
        ring: fixed::Vec([1, 2, 3, 4]),
        option: Option { some: true },
    };
    let mut dst = Board {
        flags: 0,
        window: Window::default(),
        more: Vec::new(),
        ring: fixed::Vec::default(),
        option: Option::default(),
    };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert!(dst.window.mapped);
    assert_eq!(dst.more.iter().map(|w| w.mapped).collect::<Vec<_>>(), [false, true]);
    assert_eq!(dst.ring, fixed::Vec([1, 2, 3, 4]));
    assert_eq!(dst.option, Option { some: true });
}
