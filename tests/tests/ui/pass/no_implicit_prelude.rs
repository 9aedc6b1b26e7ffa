// The generated code names everything by absolute paths, so a module without the prelude
// compiles: hooks, ranges on scalars and on arrays (an element-wise loop), subsections,
// vectors, immutable and derived fields, enums.
#[no_implicit_prelude]
mod dev {
    #[derive(::vmstate_core::VmState, ::core::default::Default)]
    #[vmstate(name = "dev/irq")]
    pub struct Irq {
        pub level: u8,
        pub trigger: Trigger,
    }

    #[derive(::vmstate_core::VmState, ::core::default::Default)]
    #[repr(u8)]
    pub enum Trigger {
        #[default]
        Level,
        Edge,
    }

    #[derive(::vmstate_core::VmState, ::core::default::Default)]
    #[vmstate(name = "dev", post_load = "Self::after_load", validate = "Self::check")]
    pub struct Regs {
        #[vmstate(immutable)]
        pub id: u32,
        #[vmstate(range = "0..8")]
        pub prio: [u8; 4],
        #[vmstate(range = "0..=3")]
        pub mode: u8,
        #[vmstate(max_len = 4)]
        pub fifo: ::std::vec::Vec<u16>,
        #[vmstate(derived)]
        pub total: u32,
        #[vmstate(subsection, needed = "Self::irq_needed")]
        pub irq: Irq,
    }

    impl Regs {
        fn after_load(&mut self) {
            self.total = ::core::convert::From::from(self.prio[0]);
        }
        fn check(&self) -> ::core::result::Result<(), ::std::io::Error> {
            ::core::result::Result::Ok(())
        }
        fn irq_needed(&self) -> bool {
            self.irq.level != 0
        }
    }
}

fn main() {
    let src = dev::Regs {
        prio: [7, 1, 2, 3],
        mode: 2,
        fifo: vec![5],
        irq: dev::Irq { level: 1, trigger: dev::Trigger::Edge },
        ..Default::default()
    };
    let mut dst = dev::Regs::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!((dst.prio, dst.total, dst.irq.level), ([7, 1, 2, 3], 7, 1));
    assert!(matches!(dst.irq.trigger, dev::Trigger::Edge));
    let bad = dev::Regs { prio: [0, 8, 0, 0], ..Default::default() };
    let err = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&bad).unwrap()).unwrap_err();
    assert!(err.to_string().starts_with("dev.prio[1]: value 8"), "{err}");
}
