// `exists_if` reads the fields before it, as a load has read them: not a later field, itself,
// a derived field, a subsection (read after the fields) or a field sent only when its own
// test passes, nor `self` (the destination before the load); and not with `exists`.
use vmstate_core::VmState;

#[derive(VmState, Default)]
#[vmstate(name = "net/rss")]
struct Rss {
    key: u32,
}

#[derive(VmState, Default)]
#[vmstate(name = "net")]
struct Net {
    features: u32,
    #[vmstate(exists_if = "queues > 1")]
    offloads: u64,
    queues: u32,
    #[vmstate(exists_if = "*mtu != 0")]
    mtu: u16,
    #[vmstate(derived = "Self::recompute")]
    mask: u32,
    #[vmstate(exists_if = "*mask != 0")]
    masked: u8,
    #[vmstate(exists_if = "self.features & 4 != 0")]
    flags: u8,
    #[vmstate(exists_if = "rss.key != 0")]
    hash: u32,
    #[vmstate(exists = "Self::tested", exists_if = "features != 0")]
    both: u8,
    #[vmstate(exists_if = "*offloads != 0")]
    after_a_tested_one: u8,
    // A name the expression binds itself is no field read: `queues` here is the parameter.
    #[vmstate(exists_if = "[1u32, 2].iter().any(|queues| *queues == *features)")]
    by_closure: u8,
    #[vmstate(subsection, needed = "Self::tested_now")]
    rss: Rss,
}

impl Net {
    fn recompute(&mut self) {
        self.mask = self.features;
    }
    fn tested(&self, _version: u32) -> bool {
        true
    }
    fn tested_now(&self) -> bool {
        true
    }
}

fn main() {}
