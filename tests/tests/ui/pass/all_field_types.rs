// Every supported field type, saved and loaded back.
use vmstate_core::{Decoder, Encoder, Error, ErrorKind, Field, Shape, VmState};

#[derive(VmState, Debug, PartialEq, Clone)]
struct Inner {
    a: u8,
    b: [i16; 2],
    #[vmstate(skip)]
    host: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Off = 0,
    On = 1,
}

// A type with a hand-written `Field` implementation.
impl Field for Mode {
    const SHAPE: Shape = Shape::Custom { name: "Mode", qemu_size: Some(1) };
    type Staged = Mode;
    fn placeholder() -> Mode {
        Mode::Off
    }
    fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        e.scalar(*self as u8);
        Ok(())
    }
    fn load<D: Decoder>(&self, d: &mut D) -> Result<Mode, Error> {
        let at = d.offset();
        match d.scalar::<u8>()? {
            0 => Ok(Mode::Off),
            1 => Ok(Mode::On),
            v => Err(Error::at(ErrorKind::InvalidValue(format!("unknown Mode {v}")), at)),
        }
    }
    fn matches(&self, staged: &Mode) -> bool {
        self == staged
    }
    fn commit(&mut self, staged: &mut Mode) {
        std::mem::swap(self, staged)
    }
}

#[derive(VmState, Debug, PartialEq, Clone)]
#[vmstate(name = "everything", version = 3, minimum_version = 2)]
struct Everything {
    b: bool,
    u8_: u8,
    u16_: u16,
    u32_: u32,
    u64_: u64,
    u128_: u128,
    i8_: i8,
    i16_: i16,
    i32_: i32,
    i64_: i64,
    i128_: i128,
    f32_: f32,
    f64_: f64,
    bytes: [u8; 5],
    bools: [bool; 3],
    matrix: [[u32; 2]; 3],
    floats: [f64; 2],
    empty: [u8; 0],
    inner: Inner,
    inners: [Inner; 2],
    mode: Mode,
    modes: [Mode; 2],
    #[vmstate(max_len = 8)]
    vec_u8: Vec<u8>,
    #[vmstate(max_len = 4)]
    vec_u32: Vec<u32>,
    #[vmstate(max_len = 4)]
    vec_arrays: Vec<[u16; 2]>,
    #[vmstate(max_len = 3)]
    boxed: Box<[i64]>,
    #[vmstate(max_len = 16)]
    string: String,
    #[vmstate(immutable)]
    size: u32,
    #[vmstate(immutable, max_len = 8)]
    model: String,
    #[vmstate(skip)]
    host_only: std::time::Instant,
}

fn sample(seed: u8) -> Everything {
    let s = seed;
    Everything {
        b: s % 2 == 1,
        u8_: s,
        u16_: u16::from(s) * 300,
        u32_: u32::from(s) * 70_000,
        u64_: u64::from(s) << 40,
        u128_: u128::from(s) << 100,
        i8_: -(s as i8),
        i16_: -300 * i16::from(s),
        i32_: -70_000 * i32::from(s),
        i64_: -(i64::from(s) << 40),
        i128_: -(i128::from(s) << 100),
        f32_: f32::from(s) + 0.5,
        f64_: f64::from(s) / 3.0,
        bytes: [s; 5],
        bools: [true, s > 1, false],
        matrix: [[1, 2], [3, 4], [5, u32::from(s)]],
        floats: [f64::from(s), -0.25],
        empty: [],
        inner: Inner { a: s, b: [-1, 1], host: u64::from(s) },
        inners: [Inner { a: 1, b: [2, 3], host: 0 }, Inner { a: s, b: [4, 5], host: 0 }],
        mode: if s > 1 { Mode::On } else { Mode::Off },
        modes: [Mode::On, Mode::Off],
        vec_u8: vec![s; usize::from(s % 8)],
        vec_u32: vec![u32::from(s); 3],
        vec_arrays: vec![[1, 2]; usize::from(s % 4)],
        boxed: vec![-1, i64::from(s)].into_boxed_slice(),
        string: format!("dev{s}"),
        size: 64,
        model: "icp".to_string(),
        host_only: std::time::Instant::now(),
    }
}

fn main() {
    let src = sample(7);
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = sample(0);
    let host_only = dst.host_only;
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();

    // Skipped fields keep the destination's values.
    assert_eq!(dst.host_only, host_only);
    assert_eq!(dst.inner.host, 0);
    dst.inner.host = src.inner.host;
    dst.host_only = src.host_only;
    assert_eq!(dst, src);

    // An immutable field that differs fails the load, and nothing changes.
    let mut other = sample(1);
    other.size = 128;
    let before = other.clone();
    let err = vmstate_core::from_bytes(&mut other, &bytes).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ImmutableMismatch { .. }), "{err}");
    assert_eq!(other, before);

    // The description has every field, in order.
    let d = <Everything as VmState>::DESCRIPTION;
    assert_eq!(d.name, "everything");
    assert_eq!((d.version, d.minimum_version), (3, 2));
    assert_eq!(d.fields.len(), 30);
    assert_eq!(d.fields[0].name, "b");
    assert_eq!(d.fields[29].name, "host_only");
}
