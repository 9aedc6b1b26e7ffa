#![allow(unused_parens)]
#![allow(clippy::all)]
use vmstate_core::schema::{check, Schema, Severity};
use vmstate_core::VmState;

pub trait R { fn r(&self) -> String; }
macro_rules! ints { ($($t:ty),*) => { $(impl R for $t { fn r(&self) -> String { format!("{}", self) } })* } }
ints!(u8, u16, u32, u64, i32, i8, i16, i64);
// As the byte it travels as: a bool turned into a byte-wide integer keeps its value.
impl R for bool { fn r(&self) -> String { u8::from(*self).to_string() } }
impl R for f32 { fn r(&self) -> String { format!("f{:#x}", self.to_bits()) } }
impl<T: R, const N: usize> R for [T; N] {
    fn r(&self) -> String { format!("[{}]", self.iter().map(|x| x.r()).collect::<Vec<_>>().join(",")) }
}
impl<T: R> R for Vec<T> {
    fn r(&self) -> String { format!("v[{}]", self.iter().map(|x| x.r()).collect::<Vec<_>>().join(",")) }
}
impl R for String { fn r(&self) -> String { self.as_bytes().to_vec().r() } }
/// Scalars, one-element arrays, arrays and vectors of the same values compare equal.
pub fn norm(s: &str) -> String { s.chars().filter(|c| !matches!(c, '[' | ']' | 'v')).collect() }

pub fn js(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn res(r: &Result<(), vmstate_core::Error>) -> String {
    match r { Ok(()) => "null".into(), Err(e) => js(&e.to_string()) }
}

pub fn run<S: VmState, D: VmState>(pair: &str, dir: &str, src: &S, mk: fn() -> D, cmp: fn(&S, &D) -> Vec<String>) {
    let mut old = Schema::new(None);
    old.add("dev", S::DESCRIPTION);
    let mut new = Schema::new(None);
    new.add("dev", D::DESCRIPTION);
    let report = check(&old, &new);
    let findings: Vec<String> = report.findings.iter().map(|f| format!(
        "{{\"sev\":{},\"rule\":{},\"path\":{},\"msg\":{}}}",
        js(&format!("{:?}", f.severity)), js(&format!("{:?}", f.rule)), js(&f.path), js(&f.message))).collect();
    let errors = report.findings.iter().filter(|f| f.severity == Severity::Error).count();

    let nb = vmstate_core::to_bytes(src);
    let (n_res, n_mis) = match &nb {
        Ok(b) => { let mut d = mk(); let r = vmstate_core::from_bytes(&mut d, b); let m = if r.is_ok() { cmp(src, &d) } else { vec![] }; (res(&r), m) }
        Err(e) => (js(&format!("SAVE: {}", e)), vec![]),
    };
    let qb = vmstate_core::qemu::to_bytes(src);
    let (q_res, q_mis) = match &qb {
        Ok(b) => { let mut d = mk(); let r = vmstate_core::qemu::from_bytes(&mut d, b, S::DESCRIPTION.version, 0); let m = if r.is_ok() { cmp(src, &d) } else { vec![] }; (res(&r), m) }
        Err(e) => (js(&format!("SAVE: {}", e)), vec![]),
    };
    let line = format!(
        "{{\"pair\":{},\"dir\":{},\"errors\":{},\"findings\":[{}],\"native\":{},\"native_mis\":[{}],\"qemu\":{},\"qemu_mis\":[{}]}}\n",
        js(pair), js(dir), errors, findings.join(","), n_res,
        n_mis.iter().map(|s| js(s)).collect::<Vec<_>>().join(","), q_res,
        q_mis.iter().map(|s| js(s)).collect::<Vec<_>>().join(","));
    let dirname = std::env::var("RESULTS").expect("RESULTS: the directory for the results");
    std::fs::create_dir_all(&dirname).unwrap();
    std::fs::write(format!("{}/{}_{}.json", dirname, pair, dir.replace("->", "2")), line).unwrap();
}
