use vmstate_core::VmState;

// A save needs `into`, a load `from` or `try_from`: each missing key is reported on the
// one given.
#[derive(VmState, Clone)]
#[vmstate(into = "u32")]
struct OnlyInto(u32);

#[derive(VmState, Clone)]
#[vmstate(from = "u32")]
struct OnlyFrom(u32);

#[derive(VmState, Clone, Default)]
#[vmstate(try_from = "u8")]
enum OnlyTryFrom {
    #[default]
    Off,
}

// Both ways to load: one too many.
#[derive(VmState, Clone, Default)]
#[vmstate(from = "u8", try_from = "u8", into = "u8")]
struct BothLoads(u8);

// A misspelt `from` is one error, which names it.
#[derive(VmState, Clone)]
#[vmstate(form = "u8", into = "u8")]
struct Misspelt(u8);

fn main() {}
