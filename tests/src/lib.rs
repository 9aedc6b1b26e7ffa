//! Integration tests of the vmstate workspace live in `tests/`; the UI tests in
//! `tests/ui/<topic>/`. This library only compiles the README's example as a doctest.
#![doc = include_str!("../../README.md")]

use vmstate_core::qemu::Stream;
use vmstate_core::{schema::Schema, Description};

/// A schema of one device under `key`, no machine: what the checker tests compare between
/// two releases.
///
/// ```
/// use vmstate_core::VmState;
/// #[derive(VmState)]
/// struct Dev { a: u8 }
/// let s = vmstate_tests::one_device("dev", Dev::DESCRIPTION);
/// assert_eq!(s.devices.len(), 1);
/// ```
pub fn one_device(key: &str, description: &Description) -> Schema {
    let mut s = Schema::new(None);
    s.add(key, description);
    s
}

/// Proves a state-only port of a QEMU section against a real stream: section (`idstr`,
/// `instance`) loads into a default `T` at the stream's version and saves back byte for
/// byte, and `T`'s description says what the stream's own vmdesc says it sent (field names,
/// wire types, sizes, array lengths, nested structs and the subsections present,
/// recursively). Returns the loaded state.
///
/// Panics (a test failure) naming the first difference.
pub fn port_matches_qemu_section<T>(
    stream: &vmstate_core::qemu::Stream,
    idstr: &str,
    instance: u32,
) -> T
where
    T: vmstate_core::VmState + Default,
{
    port_loads_qemu_section(stream, idstr, instance, T::default())
}

/// [`port_matches_qemu_section`] into `destination`: a port whose configuration (skipped,
/// immutable or `equal` fields) must be set as the source's was.
pub fn port_loads_qemu_section<T: vmstate_core::VmState>(
    stream: &vmstate_core::qemu::Stream,
    idstr: &str,
    instance: u32,
    mut destination: T,
) -> T {
    let section = stream
        .device(idstr, instance)
        .unwrap_or_else(|| panic!("the stream has no section {idstr} {instance}"));
    let data = stream.data(section);
    vmstate_core::qemu::from_bytes(&mut destination, data, section.version_id, 0)
        .unwrap_or_else(|e| panic!("{idstr} {instance} does not load: {e}"));
    let saved = vmstate_core::qemu::to_bytes(&destination).expect("a loaded state saves");
    if let Some(at) = (0..data.len().max(saved.len())).find(|&i| data.get(i) != saved.get(i)) {
        panic!(
            "{idstr} {instance} saves other bytes than it loaded, first at byte {at} \
             ({} bytes loaded, {} saved)",
            data.len(),
            saved.len()
        );
    }
    let sent = vmdesc_entry(stream, idstr, instance);
    let ours = vmstate_core::schema::Desc::from_description(T::DESCRIPTION);
    same_as_vmdesc(&ours, &sent, idstr);
    destination
}

/// What a stream's vmdesc says it sent for section (`idstr`, `instance`): its `fields` and
/// `subsections`. Panics (a test failure) when the stream has no vmdesc or no such entry.
pub fn vmdesc_entry(
    stream: &vmstate_core::qemu::Stream,
    idstr: &str,
    instance: u32,
) -> serde_json::Value {
    let vmdesc = stream.vmdesc().expect("the stream has a vmdesc");
    vmstate_core::qemu::sent_description(&vmdesc, idstr, instance)
        .unwrap_or_else(|| panic!("the vmdesc lists no {idstr} {instance}"))
        .clone()
}

/// Compares a section's description with its vmdesc entry
/// ([`vmstate_core::qemu::check_sent`]), and their versions: a port is of QEMU's version.
fn same_as_vmdesc(ours: &vmstate_core::schema::Desc, sent: &serde_json::Value, path: &str) {
    let version = sent["version"]
        .as_u64()
        .expect("the vmdesc gives the section's version");
    assert_eq!(u64::from(ours.version_id), version, "{path}: version");
    if let Err(e) = vmstate_core::qemu::check_sent(ours, sent, ours.version_id) {
        panic!("{path}: {e}");
    }
}

/// Every proper prefix of a QEMU section's `data` is refused at `version` and leaves `before`
/// as it was, but the lengths in `complete_at`, where a whole section ends (before an
/// optional subsection): those load.
///
/// Panics (a test failure) naming the first cut that does otherwise.
pub fn every_truncation_is_refused<T>(data: &[u8], version: u32, before: &T, complete_at: &[usize])
where
    T: vmstate_core::VmState + Clone + PartialEq + core::fmt::Debug,
{
    for len in 0..data.len() {
        let mut state = before.clone();
        let result = vmstate_core::qemu::from_bytes(&mut state, &data[..len], version, 0);
        if complete_at.contains(&len) {
            assert!(result.is_ok(), "{len} of {} bytes: {result:?}", data.len());
        } else {
            assert!(result.is_err(), "{len} of {} bytes loaded", data.len());
            assert_eq!(
                &state,
                before,
                "{len} of {} bytes changed the state",
                data.len()
            );
        }
    }
}

/// `stream` with its vmdesc (QEMU's JSON trailer) changed by `patch`: where a port cannot say
/// what QEMU's vmdesc says although the bytes are the same, or to give the tools a hostile
/// vmdesc.
pub fn with_vmdesc_patched(
    stream: &vmstate_core::qemu::Stream,
    patch: impl FnOnce(&mut serde_json::Value),
) -> vmstate_core::qemu::Stream {
    vmstate_core::qemu::Stream::parse(vmdesc_patched_bytes(stream, patch))
        .expect("the patched stream parses")
}

/// The entry of device `idstr` in a vmdesc.
pub fn device_entry<'v>(
    vmdesc: &'v mut serde_json::Value,
    idstr: &str,
) -> &'v mut serde_json::Value {
    (vmdesc["devices"].as_array_mut().into_iter().flatten())
        .find(|d| d["name"] == idstr)
        .unwrap_or_else(|| panic!("the vmdesc lists no {idstr}"))
}

/// Sets field `index` of a vmdesc entry's `fields` to the name and type `now`, after
/// checking that they were `was`: a field QEMU renamed, or padding it names otherwise.
pub fn patch_field(
    entry: &mut serde_json::Value,
    index: usize,
    was: (&str, &str),
    now: (&str, &str),
) {
    let field = &mut entry["fields"][index];
    assert_eq!(
        (field["name"].as_str(), field["type"].as_str()),
        (Some(was.0), Some(was.1))
    );
    field["name"] = serde_json::Value::from(now.0);
    field["type"] = serde_json::Value::from(now.1);
}

/// The bytes of [`with_vmdesc_patched`], for a patch the stream reader may refuse (it sizes
/// sections by the vmdesc).
pub fn vmdesc_patched_bytes(
    stream: &vmstate_core::qemu::Stream,
    patch: impl FnOnce(&mut serde_json::Value),
) -> Vec<u8> {
    let mut vmdesc = stream.vmdesc().expect("the vmdesc is JSON");
    patch(&mut vmdesc);
    with_vmdesc_json(stream, &serde_json::to_vec(&vmdesc).unwrap())
}

/// Where `stream`'s vmdesc JSON lies in its bytes.
pub fn vmdesc_range(stream: &vmstate_core::qemu::Stream) -> std::ops::Range<usize> {
    (stream.items().iter())
        .find_map(|item| match item {
            vmstate_core::qemu::Item::Vmdesc(range) => Some(range.clone()),
            _ => None,
        })
        .expect("the stream has a vmdesc")
}

/// `stream`'s bytes with `json` for its vmdesc's JSON (whatever it holds, valid or not).
pub fn with_vmdesc_json(stream: &vmstate_core::qemu::Stream, json: &[u8]) -> Vec<u8> {
    let range = vmdesc_range(stream);
    let bytes = stream.bytes();
    // The vmdesc is its tag, a be32 length and the JSON.
    let mut out = bytes[..range.start - 4].to_vec();
    out.extend_from_slice(&u32::try_from(json.len()).unwrap().to_be_bytes());
    out.extend_from_slice(json);
    out.extend_from_slice(&bytes[range.end..]);
    out
}

/// The Integrator/CP streams of one guest (the 17 register writes of
/// `tests/fixtures/qemu-7.2-integratorcp/README.md`) from four QEMU releases, oldest first:
/// the release and the stream's bytes (7.2's with 32 MiB of RAM, the others' with 1 MiB).
pub const INTEGRATORCP_FIXTURES: [(&str, &[u8]); 4] = [
    (
        "5.2",
        include_bytes!("../fixtures/qemu-5.2-integratorcp/integratorcp-1m.stream"),
    ),
    (
        "7.2",
        include_bytes!("../fixtures/qemu-7.2-integratorcp/integratorcp.stream"),
    ),
    (
        "10.0",
        include_bytes!("../fixtures/qemu-10.0-integratorcp/integratorcp-1m.stream"),
    ),
    (
        "11.1",
        include_bytes!("../fixtures/qemu-11.1-integratorcp/integratorcp-1m.stream"),
    ),
];

/// What the fixture guest's writes leave in the board's registers, as `IntegratorCp::read`
/// reads them back after a load: (address, value).
pub const GUEST_REGISTERS: [(u64, u32); 15] = [
    (0x1000_0008, 0x777),
    (0x1000_000c, 0x4),
    (0x1000_0014, 0x0001_a05f),
    (0x1000_001c, 0x55555),
    (0x1000_0020, 0x11132),
    (0x1000_0030, 0x101),
    (0x1000_0038, 0x2),
    (0x1000_0048, 0x10),
    (0x1000_0068, 0x20),
    (0x1400_0008, 0x300),
    (0x1400_0028, 0x40),
    (0xca00_0008, 0x3),
    (0x1500_0004, 0x1234),
    (0x1500_0010, 0x0),
    (0xcb00_0008, 0x0),
];

/// The stream of `release` among [`INTEGRATORCP_FIXTURES`].
fn integratorcp_stream(release: &str) -> Stream {
    let (_, bytes) = (INTEGRATORCP_FIXTURES.iter())
        .find(|(r, _)| *r == release)
        .expect("a fixture release");
    Stream::parse(bytes.to_vec())
        .unwrap_or_else(|e| panic!("the QEMU {release} fixture does not parse: {e}"))
}

/// QEMU 7.2's Integrator/CP stream, the test fixture of `tests/fixtures/qemu-7.2-integratorcp/`.
pub fn qemu_7_2_stream() -> Stream {
    integratorcp_stream("7.2")
}

/// QEMU 10.0's Integrator/CP stream (1 MiB of RAM), the test fixture of
/// `tests/fixtures/qemu-10.0-integratorcp/`.
pub fn qemu_10_0_stream() -> Stream {
    integratorcp_stream("10.0")
}

/// [`INTEGRATORCP_FIXTURES`] parsed, named by their release for messages.
pub fn integratorcp_streams() -> [(&'static str, Stream); 4] {
    INTEGRATORCP_FIXTURES.map(|(release, _)| (release, integratorcp_stream(release)))
}

/// The data and version of section (`idstr`, `instance`) in `stream`.
pub fn section_data<'s>(stream: &'s Stream, idstr: &str, instance: u32) -> (&'s [u8], u32) {
    let section = stream
        .device(idstr, instance)
        .unwrap_or_else(|| panic!("the stream has no section {idstr} {instance}"));
    (stream.data(section), section.version_id)
}

/// QEMU 7.2's `-dump-vmstate` (`tests/fixtures/qemu-7.2-integratorcp/dump-vmstate.json`),
/// all of it.
pub fn qemu_7_2_dump() -> Schema {
    Schema::from_json(include_str!(
        "../fixtures/qemu-7.2-integratorcp/dump-vmstate.json"
    ))
    .expect("QEMU 7.2's dump reads")
}

/// QEMU 7.2's dump of device type `key` alone. Panics (a test failure) when it has none.
pub fn qemu_7_2_dump_of(key: &str) -> Schema {
    let mut qemu = qemu_7_2_dump();
    qemu.devices.retain(|k, _| k == key);
    assert_eq!(qemu.devices.len(), 1, "QEMU 7.2's dump has no {key}");
    qemu
}

/// A QEMU stream of device sections, each (`idstr`, instance, version, data), and a vmdesc
/// trailer listing `vmdesc_entries` (a JSON list's items; none: no vmdesc): what QEMU writes,
/// without the configuration and RAM sections.
///
/// ```
/// let bytes = vmstate_tests::qemu_stream_of(&[("pl031", 0, 1, &[0; 24])], None);
/// let stream = vmstate_core::qemu::Stream::parse(bytes).unwrap();
/// assert_eq!(stream.device("pl031", 0).unwrap().version_id, 1);
/// ```
pub fn qemu_stream_of(
    sections: &[(&str, u32, u32, &[u8])],
    vmdesc_entries: Option<&str>,
) -> Vec<u8> {
    qemu_stream_framed(sections, vmdesc_entries, true)
}

/// [`qemu_stream_of`] with section footers or without (QEMU's `send-section-footer=off`).
///
/// ```
/// let bytes = vmstate_tests::qemu_stream_framed(&[("pl031", 0, 1, &[0; 24])], Some(
///     r#"{"name": "pl031", "instance_id": 0, "vmsd_name": "pl031", "version": 1,
///         "fields": [{"name": "regs", "type": "buffer", "size": 24}]}"#), false);
/// let stream = vmstate_core::qemu::Stream::parse(bytes).unwrap();
/// assert!(!stream.device("pl031", 0).unwrap().footer);
/// ```
pub fn qemu_stream_framed(
    sections: &[(&str, u32, u32, &[u8])],
    vmdesc_entries: Option<&str>,
    footers: bool,
) -> Vec<u8> {
    use vmstate_core::qemu::{self, Section, SectionKind};
    let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    for (id, &(idstr, instance_id, version_id, data)) in (1..).zip(sections) {
        let section = Section {
            kind: SectionKind::Full,
            section_id: id,
            idstr: idstr.into(),
            instance_id,
            version_id,
            range: 0..0,
            data: 0..0,
            footer: footers,
        };
        qemu::write_section(&mut bytes, &section, data);
    }
    bytes.push(qemu::tag::EOF);
    if let Some(entries) = vmdesc_entries {
        let vmdesc = format!(r#"{{"page_size": 4096, "devices": [{entries}]}}"#);
        bytes.push(qemu::tag::VMDESCRIPTION);
        bytes.extend_from_slice(&(vmdesc.len() as u32).to_be_bytes());
        bytes.extend_from_slice(vmdesc.as_bytes());
    }
    bytes
}

/// This process's peak resident memory in KiB (`VmHWM`, Linux; `None` elsewhere), for the
/// tests that prove a load or a listing does not allocate what its input claims. Each such
/// test has a binary of its own, so that no other test inflates the peak.
///
/// ```
/// if let Some(peak) = vmstate_tests::peak_kib() {
///     assert!(peak > 0);
/// }
/// ```
pub fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Whether every one of `tools` is on the PATH, for a test named `test` that runs real
/// programs (QEMU, an assembler). When one is missing the test is skipped, saying why,
/// unless `VMSTATE_REQUIRE_QEMU=1` (as `.ci/run` sets), where a missing tool is a failure.
///
/// ```
/// assert!(vmstate_tests::have_tools(&["sh"], "doctest"));
/// ```
pub fn have_tools(tools: &[&str], test: &str) -> bool {
    let missing: Vec<_> = tools
        .iter()
        .filter(|t| {
            !std::process::Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!("{test}: skipped: {missing:?} not on the PATH (apt-get install qemu-system-arm binutils-arm-none-eabi)");
    assert!(
        std::env::var("VMSTATE_REQUIRE_QEMU").as_deref() != Ok("1"),
        "{msg}"
    );
    println!("{msg}");
    false
}

/// A command that runs `program` (QEMU, a script of `tools/qemu/`) and that the kernel kills
/// with SIGKILL when the test dies: a test process killed outright (a CI timeout's SIGKILL)
/// runs no `Drop` and would leave its QEMUs running. On Linux `program` runs under
/// util-linux's `setpriv --pdeathsig KILL` (PR_SET_PDEATHSIG; the project has no `unsafe`
/// for a `prctl` of its own), which then execs it: the child's pid is `program`'s, for
/// `kill` and `wait`. Elsewhere it is a plain command.
///
/// Where `setpriv` is missing or too old for `--pdeathsig` (util-linux before 2.33), a plain
/// command, as elsewhere.
///
/// The signal follows the *thread* that spawns the child, not the process: spawn from the
/// test's own thread (or one that outlives the child), never from a short-lived helper
/// thread, whose exit would kill the child early.
///
/// ```
/// let out = vmstate_tests::killed_with_test("true").output().unwrap();
/// assert!(out.status.success());
/// ```
pub fn killed_with_test(program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    static HAS_PDEATHSIG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let has_pdeathsig = *HAS_PDEATHSIG.get_or_init(|| {
        cfg!(target_os = "linux")
            && std::process::Command::new("setpriv")
                .args(["--pdeathsig", "KILL", "--", "true"])
                .status()
                .is_ok_and(|s| s.success())
    });
    if has_pdeathsig {
        let mut command = std::process::Command::new("setpriv");
        command.args(["--pdeathsig", "KILL", "--"]).arg(program);
        command
    } else {
        std::process::Command::new(program)
    }
}

/// A fresh directory `name` under `base` (leftovers of an earlier run with that name removed),
/// for a test's files.
///
/// ```
/// let dir = vmstate_tests::fresh_dir(&std::env::temp_dir(), "vmstate-fresh-dir-doctest");
/// assert!(dir.is_dir() && dir.read_dir().unwrap().next().is_none());
/// std::fs::remove_dir_all(dir).unwrap();
/// ```
pub fn fresh_dir(base: &std::path::Path, name: &str) -> std::path::PathBuf {
    let dir = base.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small deterministic generator (xorshift64*), so that a failure reproduces from its seed
/// (which must not be 0: the generator would stay there).
///
/// ```
/// let mut rng = vmstate_tests::Rng(7);
/// let (a, b) = (rng.next(), rng.next());
/// assert_ne!(a, b);
/// assert!(rng.below(10) < 10);
/// ```
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    #[allow(clippy::should_implement_trait)] // not an iterator: it never ends
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Machine stream `bytes` (format version 3) with its trailer's checksum computed again, as
/// a writer would after the hand edits a test makes to its sections or instance ids: the
/// checksum covers every section's instance id, in order, and then the schema JSON.
///
/// ```
/// use vmstate_core::{machine, VmState};
/// #[derive(VmState, Default)]
/// #[vmstate(name = "uart")]
/// struct Uart { lcr: u8 }
///
/// let mut bytes = machine::save(None, &[(0, &Uart::default())]).unwrap();
/// bytes[13] = 5; // uart 0 renumbered 5
/// assert!(machine::load(&mut [(5, &mut Uart::default())], &bytes).is_err());
/// let bytes = vmstate_tests::resealed_machine_stream(&bytes);
/// machine::load(&mut [(5, &mut Uart::default())], &bytes).unwrap();
/// ```
pub fn resealed_machine_stream(bytes: &[u8]) -> Vec<u8> {
    use vmstate_core::Scalar;
    let mut out = bytes.to_vec();
    let mut crc = crc32fast::Hasher::new();
    let mut pos = 12;
    while out[pos] == 0x01 {
        let (_, used) = u32::get_native(&out[pos + 1..]).expect("an instance id");
        crc.update(&out[pos + 1..pos + 1 + used]);
        pos += 1 + used;
        pos += vmstate_core::read_frame(&out[pos..], pos)
            .expect("a section")
            .len;
    }
    let json = pos + 5..out.len() - 4;
    crc.update(&out[json.clone()]);
    out[json.end..].copy_from_slice(&crc.finalize().to_le_bytes());
    out
}
