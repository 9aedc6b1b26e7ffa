// Container `pre_load` and `validate`: `validate` judges the decoded state before anything
// changes (a nested struct's too); `pre_load` then runs on the old state, before the commit.
// Both codecs.
use std::io;
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "dma/window", validate = "Self::check")]
struct Window {
    lo: u32,
    hi: u32,
}

impl Window {
    fn check(&self) -> Result<(), io::Error> {
        if self.lo > self.hi {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "lo above hi"));
        }
        Ok(())
    }
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "dma", pre_load = "Self::before_load", validate = "check_dma")]
struct Dma {
    window: Window,
    count: u32,
    // Host-side: what `pre_load` saw, and how often it ran.
    #[vmstate(skip)]
    count_before: u32,
    #[vmstate(skip)]
    pre_loads: u32,
}

impl Dma {
    fn before_load(&mut self) {
        self.count_before = self.count;
        self.pre_loads += 1;
    }
}

fn check_dma(dma: &Dma) -> Result<(), io::Error> {
    if dma.count > dma.window.hi - dma.window.lo {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "count beyond the window",
        ));
    }
    Ok(())
}

const STALE: Dma = Dma {
    window: Window { lo: 0, hi: 100 },
    count: 5,
    count_before: 0,
    pre_loads: 0,
};

fn load(src: &Dma) -> [Result<Dma, String>; 2] {
    let mut dst = STALE;
    let native = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(src).unwrap())
        .map(|()| dst)
        .map_err(|e| {
            assert_eq!(dst, STALE, "a refused load changes nothing");
            e.to_string()
        });
    let mut dst = STALE;
    let qemu = vmstate_core::qemu::to_bytes(src).unwrap();
    let qemu = vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0)
        .map(|()| dst)
        .map_err(|e| {
            assert_eq!(dst, STALE, "a refused load changes nothing");
            e.to_string()
        });
    [native, qemu]
}

fn main() {
    let src = Dma {
        window: Window { lo: 10, hi: 20 },
        count: 10,
        count_before: 0,
        pre_loads: 0,
    };
    for got in load(&src) {
        // `pre_load` ran once, on the state before the commit.
        assert_eq!(
            got.unwrap(),
            Dma {
                count_before: 5,
                pre_loads: 1,
                ..src
            }
        );
    }

    // The container check refuses; `pre_load` did not run.
    let bad = Dma { count: 11, ..src };
    for got in load(&bad) {
        let msg = got.unwrap_err();
        assert!(
            msg.starts_with("dma: refused by `check_dma`: count beyond the window"),
            "{msg}"
        );
    }

    // The nested struct's check refuses, with its path.
    let bad = Dma {
        window: Window { lo: 30, hi: 20 },
        count: 0,
        ..src
    };
    for got in load(&bad) {
        let msg = got.unwrap_err();
        assert!(
            msg.starts_with("dma.window: refused by `Self::check`: lo above hi"),
            "{msg}"
        );
    }

    let d = <Dma as VmState>::DESCRIPTION;
    assert_eq!(d.hooks.pre_load, Some("Self::before_load"));
    assert_eq!(d.hooks.validate, Some("check_dma"));
}
