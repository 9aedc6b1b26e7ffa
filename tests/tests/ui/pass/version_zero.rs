// Version 0, as QEMU's descriptions that never set one (`vmstate_clock`,
// `ps2kbd/command_reply_queue`): a nested struct and a subsection at version 0, whose
// subsection header carries it; a later version is refused. Both codecs.
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq, Clone, Copy, Default)]
#[vmstate(name = "clock", version = 0)]
struct Clock {
    period: u64,
}

#[derive(VmState, Debug, PartialEq, Clone, Copy, Default)]
#[vmstate(name = "uart/clock", version = 0, minimum_version = 0)]
struct UartClock {
    clk: Clock,
}

#[derive(VmState, Debug, PartialEq, Clone, Copy, Default)]
#[vmstate(name = "uart", version = 2)]
struct Uart {
    lcr: u32,
    #[vmstate(subsection, needed = "Self::clock_needed")]
    clock: UartClock,
}

impl Uart {
    fn clock_needed(&self) -> bool {
        true
    }
}

fn main() {
    assert_eq!(Clock::DESCRIPTION.version, 0);
    assert_eq!(Clock::DESCRIPTION.minimum_version, 0);
    let uart = Uart {
        lcr: 0x70,
        clock: UartClock { clk: Clock { period: 0x1_0000_0000 } },
    };
    let bytes = vmstate_core::qemu::to_bytes(&uart).unwrap();
    // lcr, then the subsection: tag 0x05, name length and name, version 0 (be32), the clock.
    let mut expected = 0x70u32.to_be_bytes().to_vec();
    expected.push(0x05);
    expected.push(10);
    expected.extend_from_slice(b"uart/clock");
    expected.extend_from_slice(&0u32.to_be_bytes());
    expected.extend_from_slice(&0x1_0000_0000u64.to_be_bytes());
    assert_eq!(bytes, expected);
    let mut back = Uart::default();
    vmstate_core::qemu::from_bytes(&mut back, &bytes, 2, 0).unwrap();
    assert_eq!(back, uart);

    // A subsection at version 1 is newer than this build's version 0.
    let mut newer = bytes.clone();
    newer[4 + 2 + 10 + 3] = 1;
    let err = vmstate_core::qemu::from_bytes(&mut back, &newer, 2, 0).unwrap_err();
    assert!(err.to_string().contains("too new"), "{err}");

    let native = vmstate_core::to_bytes(&uart).unwrap();
    let mut back = Uart::default();
    vmstate_core::from_bytes(&mut back, &native).unwrap();
    assert_eq!(back, uart);
}
