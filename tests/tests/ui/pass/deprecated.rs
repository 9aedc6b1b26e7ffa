// Deprecated state kept for old streams: a deprecated enum, variant, struct, and fields of
// deprecated types whose struct allows them. The generated code names them all, and allows
// that where the input marks or allows it (as serde's derive does), so nothing warns.
#![deny(warnings)]
use vmstate_core::VmState;

#[deprecated(note = "kept for old streams")]
#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[repr(u8)]
pub enum OldPower {
    Off,
    On,
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[repr(u8)]
pub enum Power {
    Off,
    On,
    #[deprecated(note = "use On")]
    Boost,
}

#[deprecated(note = "kept for old streams")]
#[derive(VmState, Debug, PartialEq)]
pub struct OldTimer {
    pub ticks: u32,
}

#[allow(deprecated)]
#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "dev")]
pub struct Dev {
    pub old: OldPower,
    pub timer: OldTimer,
    pub power: Power,
}

#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "dev")]
pub struct FieldAllows {
    #[allow(deprecated, reason = "kept for old streams")]
    pub old: OldPower,
    #[cfg_attr(all(), expect(deprecated))]
    pub timer: OldTimer,
    pub power: Power,
}

// A lifetime named against the conventions, allowed on the struct.
#[allow(non_snake_case)]
#[derive(VmState)]
#[vmstate(name = "borrowed")]
pub struct Borrowed<'Buf> {
    pub level: u8,
    #[vmstate(skip)]
    pub buf: &'Buf [u8],
}

#[allow(deprecated)]
fn main() {
    let src = Dev {
        old: OldPower::On,
        timer: OldTimer { ticks: 9 },
        power: Power::On,
    };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = FieldAllows {
        old: OldPower::Off,
        timer: OldTimer { ticks: 0 },
        power: Power::Off,
    };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!((dst.old, dst.timer.ticks, dst.power), (OldPower::On, 9, Power::On));
}
