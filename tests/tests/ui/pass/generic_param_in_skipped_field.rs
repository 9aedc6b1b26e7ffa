// A type parameter used only by a skipped field (a host backend) need not migrate.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "uart")]
struct Uart<B> {
    lcr: u8,
    #[vmstate(skip)]
    backend: B,
}

fn main() {
    let src = Uart { lcr: 3, backend: std::io::sink() };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = Uart { lcr: 0, backend: Vec::<u8>::new() };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst.lcr, 3);
    assert!(dst.backend.is_empty());
    let _ = &src.backend;
}
