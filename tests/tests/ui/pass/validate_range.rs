// Field `validate` and `range`: a value they refuse fails the load, names the field's path
// (and the check), and leaves the destination as it was. Both codecs.
use std::fmt;
use vmstate_core::VmState;

#[derive(Debug)]
struct ZeroDivisor;

impl fmt::Display for ZeroDivisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the divisor is zero")
    }
}

impl std::error::Error for ZeroDivisor {}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "ctrl")]
struct Ctrl {
    #[vmstate(range = "0..=7")]
    mode: u8,
    #[vmstate(range = "-8..8")]
    trim: i8,
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[vmstate(name = "rtc")]
struct Rtc {
    // A nested struct, to check the path.
    ctrl: Ctrl,
    #[vmstate(validate = "Self::check_divisor")]
    divisor: u16,
    // Both, and a unit-returning function; an array.
    #[vmstate(validate = "log_alarm", range = "..[0x80, 0, 0, 0]")]
    alarm: [u8; 4],
    #[vmstate(range = "1..")]
    step: u32,
    // A range of elements on an array bounds each element, at any depth.
    #[vmstate(range = "0..8")]
    prio: [[u8; 2]; 2],
}

impl Rtc {
    fn check_divisor(divisor: &u16) -> Result<(), ZeroDivisor> {
        if *divisor == 0 {
            return Err(ZeroDivisor);
        }
        Ok(())
    }
}

fn log_alarm(_alarm: &[u8; 4]) {}

const GOOD: Rtc = Rtc {
    ctrl: Ctrl { mode: 7, trim: -8 },
    divisor: 3,
    alarm: [0x7f, 1, 2, 3],
    step: 1,
    prio: [[0, 7], [7, 0]],
};

const STALE: Rtc = Rtc {
    ctrl: Ctrl { mode: 1, trim: 1 },
    divisor: 1,
    alarm: [0; 4],
    step: 9,
    prio: [[1, 1], [1, 1]],
};

/// Loads `src` into a copy of `STALE` with both codecs; the errors' messages, or `None`.
fn load(src: &Rtc) -> [Option<String>; 2] {
    let mut dst = STALE;
    let native = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(src).unwrap());
    let native = match native {
        Ok(()) => {
            assert_eq!(dst, *src);
            None
        }
        Err(e) => {
            assert_eq!(dst, STALE, "a refused load changes nothing");
            Some(e.to_string())
        }
    };
    let mut dst = STALE;
    let qemu = vmstate_core::qemu::to_bytes(src).unwrap();
    let qemu = match vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0) {
        Ok(()) => {
            assert_eq!(dst, *src);
            None
        }
        Err(e) => {
            assert_eq!(dst, STALE, "a refused load changes nothing");
            Some(e.to_string())
        }
    };
    [native, qemu]
}

fn refused(src: Rtc, wants: &[&str]) {
    for msg in load(&src) {
        let msg = msg.expect("the load must be refused");
        for want in wants {
            assert!(msg.contains(want), "{msg:?} lacks {want:?}");
        }
    }
}

fn main() {
    assert_eq!(load(&GOOD), [None, None]);

    refused(
        Rtc {
            ctrl: Ctrl {
                mode: 8,
                ..GOOD.ctrl
            },
            ..GOOD
        },
        &[
            "rtc.ctrl.mode: ",
            "value 8 is outside the valid range 0..=7",
        ],
    );
    refused(
        Rtc {
            ctrl: Ctrl {
                trim: 8,
                ..GOOD.ctrl
            },
            ..GOOD
        },
        &[
            "rtc.ctrl.trim: ",
            "value 8 is outside the valid range -8..8",
        ],
    );
    refused(
        Rtc { divisor: 0, ..GOOD },
        &[
            "rtc.divisor: ",
            "refused by `Self::check_divisor`: the divisor is zero",
        ],
    );
    refused(
        Rtc {
            alarm: [0x80, 0, 0, 0],
            ..GOOD
        },
        &["rtc.alarm: ", "outside the valid range ..[128, 0, 0, 0] (`..[0x80, 0, 0, 0]`)"],
    );
    refused(
        Rtc { step: 0, ..GOOD },
        &["rtc.step: ", "value 0 is outside the valid range 1.."],
    );

    refused(
        Rtc {
            prio: [[0, 8], [0, 7]],
            ..GOOD
        },
        &["rtc.prio[0][1]: ", "value 8 is outside the valid range 0..8"],
    );

    // The QEMU codec gives the byte offset of the refused value: `step` is at 1 + 1 + 2 + 4.
    let qemu = vmstate_core::qemu::to_bytes(&Rtc { step: 0, ..GOOD }).unwrap();
    let err = vmstate_core::qemu::from_bytes(&mut STALE.clone(), &qemu, 1, 0).unwrap_err();
    assert!(err.to_string().ends_with("(at byte 8)"), "{err}");

    let d = <Rtc as VmState>::DESCRIPTION;
    assert_eq!(d.fields[1].validate, Some("Self::check_divisor"));
    assert_eq!(d.fields[3].validate, Some("1.."));
}
