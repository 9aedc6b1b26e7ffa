// A crate that forbids the lints a derive might `allow`: the generated code allows none of
// them (an `allow` under `forbid` is error E0453), and trips none of them (`unused_qualifications`
// included: the runtime crate's path in hook and bound code is located at the user's tokens
// but resolved as the generated code).
#![forbid(
    dead_code,
    missing_docs,
    non_camel_case_types,
    non_snake_case,
    private_bounds,
    private_interfaces,
    unreachable_pub,
    unused,
    unused_qualifications
)]
//! Crate docs.

use vmstate_core::VmState;

/// A device with every kind of field.
#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(
    name = "dev",
    version = 2,
    minimum_version = 1,
    pre_save = "Self::before_save",
    pre_load = "Self::before_load",
    post_load = "Self::after_load",
    validate = "Self::check"
)]
pub struct Dev {
    #[vmstate(validate = "Self::small", range = "..8")]
    regs: [u32; 2],
    #[vmstate(immutable)]
    id: u8,
    #[vmstate(since = 2, max_len = 4, default = "Self::no_fifo")]
    fifo: Vec<u8>,
    #[vmstate(exists = "Self::has_mask")]
    mask: u8,
    #[vmstate(derived = "Self::recompute")]
    level: bool,
    #[vmstate(skip)]
    host: u64,
    inner: _Inner<u16>,
    power: Power,
    #[vmstate(subsection, needed = "Self::has_extra")]
    extra: Extra,
}

/// A subsection.
#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "dev/extra")]
struct Extra {
    count: u8,
}

/// A fieldless enum, deprecated variant included.
#[derive(VmState, Debug, Default, PartialEq)]
#[repr(u16)]
pub enum Power {
    /// Off.
    #[default]
    Off,
    /// On.
    On,
    /// Half on.
    #[deprecated]
    Dim,
}

impl Dev {
    fn recompute(&mut self) {
        self.level = self.regs[0] != 0;
    }
    fn after_load(&mut self) {
        self.host += 1;
    }
    fn before_load(&mut self) {}
    fn before_save(&self) {}
    fn no_fifo() -> Vec<u8> {
        Vec::new()
    }
    fn has_mask(&self, version: u32) -> bool {
        version >= 2
    }
    fn check(&self) -> Result<(), std::fmt::Error> {
        Ok(())
    }
    fn small(regs: &[u32; 2]) -> Result<(), std::fmt::Error> {
        if regs[1] < 8 {
            Ok(())
        } else {
            Err(std::fmt::Error)
        }
    }
    fn has_extra(&self) -> bool {
        self.extra.count != 0
    }
}

/// A generic nested struct whose name starts with an underscore.
#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "dev/inner")]
struct _Inner<T: Default> {
    value: T,
}

fn main() {
    let src = Dev {
        regs: [1, 2],
        fifo: vec![3],
        inner: _Inner { value: 4 },
        extra: Extra { count: 5 },
        ..Dev::default()
    };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = Dev::default();
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(
        (dst.regs, &dst.fifo, dst.level, dst.host, dst.inner.value, dst.extra.count),
        ([1, 2], &src.fifo, true, 1, 4, 5)
    );
}
