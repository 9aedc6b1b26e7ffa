// Hooks returning `()` and `Result<(), std::io::Error>`, as methods and free functions; a
// failing hook fails the load and leaves the destination as it was.
use std::io;
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq)]
#[vmstate(pre_save = "check_before_save", post_load = "Self::after_load")]
struct Uart {
    lcr: u8,
    dll: u8,
    #[vmstate(derived = "Self::update_divisor")]
    divisor: u16,
    #[vmstate(derived = "update_enabled")]
    enabled: bool,
    #[vmstate(skip)]
    post_loads: u32,
}

impl Uart {
    fn new(lcr: u8, dll: u8) -> Self {
        Uart { lcr, dll, divisor: 0, enabled: false, post_loads: 0 }
    }
    // Returns `()`.
    fn update_divisor(&mut self) {
        self.divisor = u16::from(self.dll) << 4;
    }
    // Returns `Result<(), std::io::Error>`.
    fn after_load(&mut self) -> Result<(), io::Error> {
        self.post_loads += 1;
        if self.lcr == 0xff {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "lcr 0xff is reserved"));
        }
        Ok(())
    }
}

// Free functions work too.
fn update_enabled(uart: &mut Uart) -> Result<(), io::Error> {
    uart.enabled = uart.lcr & 0x80 == 0;
    Ok(())
}

fn check_before_save(uart: &Uart) -> Result<(), io::Error> {
    if uart.dll == 0 {
        return Err(io::Error::new(io::ErrorKind::Other, "divisor latch is zero"));
    }
    Ok(())
}

fn main() {
    let bytes = vmstate_core::to_bytes(&Uart::new(3, 12)).unwrap();
    let mut dst = Uart::new(0, 1);
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst.lcr, 3);
    assert_eq!(dst.dll, 12);
    assert_eq!(dst.divisor, 12 << 4);
    assert!(dst.enabled);
    assert_eq!(dst.post_loads, 1);

    // pre_save's error stops the save and names the hook.
    let err = vmstate_core::to_bytes(&Uart::new(3, 0)).unwrap_err();
    let msg = format!("{err}");
    assert!(msg.contains("check_before_save"), "{msg}");
    assert!(msg.contains("divisor latch is zero"), "{msg}");

    // post_load's error fails the load; the old registers are restored.
    let bad = vmstate_core::to_bytes(&Uart::new(0xff, 5)).unwrap();
    let mut dst = Uart::new(3, 12);
    dst.update_divisor();
    let err = vmstate_core::from_bytes(&mut dst, &bad).unwrap_err();
    let msg = format!("{err}");
    assert!(msg.contains("Self::after_load"), "{msg}");
    assert!(msg.contains("lcr 0xff is reserved"), "{msg}");
    assert_eq!((dst.lcr, dst.dll, dst.divisor), (3, 12, 12 << 4));
    assert!(dst.enabled);
}
