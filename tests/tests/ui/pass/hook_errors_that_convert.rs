// A hook's error converts as `?` converts, into `Box<dyn Error + Send + Sync>`: an error
// type, that box itself, a `String` or a `&str` (and `anyhow::Error`); each fails the load
// with its message, kept in the error's kind (`ErrorKind::Hook`/`Validation`'s `source`).
use vmstate_core::{ErrorKind, VmState};

#[derive(VmState, Default)]
#[vmstate(
    pre_load = "Self::before",
    validate = "Self::check",
    post_load = "Self::after"
)]
struct Window {
    #[vmstate(validate = "Self::lo_fits")]
    lo: u32,
    hi: u32,
}

impl Window {
    fn before(&mut self) -> Result<(), &'static str> {
        Ok(())
    }
    fn lo_fits(lo: u32) -> Result<(), std::io::Error> {
        match lo {
            7 => Err(std::io::Error::other("lo 7 is reserved")),
            _ => Ok(()),
        }
    }
    fn check(&self) -> Result<(), String> {
        match self.lo > self.hi {
            true => Err(format!("window {}..{} is upside down", self.lo, self.hi)),
            false => Ok(()),
        }
    }
    fn after(&mut self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        match self.hi {
            0xdead => Err("hi 0xdead cannot be mapped".into()),
            _ => Ok(()),
        }
    }
}

fn main() {
    for (lo, hi, says) in [
        (9, 1, "window 9..1 is upside down"),
        (1, 0xdead, "hi 0xdead cannot be mapped"),
        (7, 8, "lo 7 is reserved"),
    ] {
        let bytes = vmstate_core::to_bytes(&Window { lo, hi }).unwrap();
        let mut dst = Window::default();
        let err = vmstate_core::from_bytes(&mut dst, &bytes).unwrap_err();
        assert!(err.to_string().contains(says), "{err}");
        let source = match err.kind() {
            ErrorKind::Hook { source, .. } | ErrorKind::Validation { source, .. } => source,
            other => panic!("{other:?}"),
        };
        assert_eq!(source.to_string(), says);
        assert_eq!((dst.lo, dst.hi), (0, 0));
    }
    let bytes = vmstate_core::to_bytes(&Window { lo: 1, hi: 2 }).unwrap();
    vmstate_core::from_bytes(&mut Window::default(), &bytes).unwrap();
}
