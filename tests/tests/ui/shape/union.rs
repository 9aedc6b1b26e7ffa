use vmstate_core::VmState;

#[derive(VmState)]
union Reg {
    word: u32,
    bytes: [u8; 4],
}

// The refused union as a field and in calls: the derive's error alone, no error per use.
#[derive(VmState)]
struct Dma {
    ctrl: Reg,
}

fn main() {
    let dma = Dma { ctrl: Reg { word: 3 } };
    let _ = vmstate_core::to_bytes(&dma);
    let _ = vmstate_core::qemu::to_bytes(&Reg { word: 1 });
}
