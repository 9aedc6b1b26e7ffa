use vmstate_core::VmState;

#[derive(VmState)]
struct Reg(u32, u32);

// The refused struct as a field and in calls: the derive's error alone, no error per use.
#[derive(VmState)]
struct Uart {
    lcr: Reg,
}

fn main() {
    let uart = Uart { lcr: Reg(3, 0) };
    let _ = vmstate_core::to_bytes(&uart);
    let _ = vmstate_core::qemu::to_bytes(&Reg(1, 2));
}
