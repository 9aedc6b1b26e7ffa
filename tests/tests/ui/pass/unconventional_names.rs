// Field and struct names that break Rust's naming conventions (a port keeping a datasheet's
// register names), allowed on the struct: the generated code adds no warning of its own.
#![deny(warnings)]

use vmstate_core::VmState;

#[allow(non_snake_case)]
#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "integrator_core")]
struct CmRegs {
    CM_OSC: u32,
    #[vmstate(validate = "Self::lock_ok")]
    CM_LOCK: u32,
    #[vmstate(immutable)]
    CM_ID: u32,
}

impl CmRegs {
    fn lock_ok(lock: &u32) -> Result<(), std::io::Error> {
        match *lock {
            0 | 0x1_0000 => Ok(()),
            _ => Err(std::io::Error::other("CM_LOCK is 0 or 0x10000")),
        }
    }
}

#[allow(non_camel_case_types)]
#[derive(VmState, Debug, Default, PartialEq)]
struct pl031_state {
    regs: CmRegs,
}

// Generic parameters named against the conventions, allowed on the struct.
#[allow(non_camel_case_types, non_upper_case_globals)]
#[derive(VmState, Debug, PartialEq)]
struct fifo<elem, const depth: usize> {
    slots: [elem; depth],
}

fn main() {
    let src = fifo::<u8, 2> { slots: [1, 2] };
    let mut dst = fifo::<u8, 2> { slots: [0; 2] };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);

    let src = pl031_state {
        regs: CmRegs {
            CM_OSC: 7,
            CM_LOCK: 0x1_0000,
            CM_ID: 0,
        },
    };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = pl031_state::default();
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);
}
