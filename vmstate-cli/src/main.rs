//! `vmstate`: migrate an Integrator/CP board between two processes, inspect native and QEMU
//! migration streams, rewrite QEMU streams through the device models, dump schemas and
//! check two schemas for migration breaks.
// Doc comments here are clap's --help texts, with brackets meant literally.
#![allow(rustdoc::broken_intra_doc_links)]

mod demo;
mod output;

use output::{emit, outln};

use clap::{Parser, Subcommand};
use devices::qemu_image::{self, MmioWrite};
use devices::IntegratorCp;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vmstate_core::qemu::Stream;
use vmstate_core::schema::report::one_line;
use vmstate_core::schema::{self, Schema};

#[derive(Parser)]
#[command(
    name = "vmstate",
    version,
    about = "Migratable device state: demo, inspect, rewrite, schema, check"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate a running Integrator/CP board to a destination process over loopback TCP
    /// and check that every register reads the same there.
    Demo(demo::DemoArgs),
    /// Decode a native machine stream (written by `demo --save`, or by
    /// `vmstate_core::machine::save` for any devices) with its embedded schema.
    Inspect {
        /// The stream file.
        file: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Work with QEMU migration streams.
    #[command(subcommand)]
    Qemu(QemuCommand),
    /// Print the schema of every device (JSON in the shape of QEMU's -dump-vmstate).
    Schema {
        /// Only this device (QEMU type name, e.g. integrator_core).
        #[arg(long)]
        device: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Only what QEMU's own dumps hold (no immutable, derived or skipped fields, Rust
        /// types, hooks or bounds): for QEMU's vmstate-static-checker.py as its source (-s),
        /// which reports keys the other file lacks as missing entries.
        #[arg(long)]
        qemu: bool,
    },
    /// Compare two schemas (this project's or QEMU's -dump-vmstate output, or the schema a
    /// native machine stream carries); the exit status is the number of errors.
    Check {
        /// The schema of the source (older) release.
        old: PathBuf,
        /// The schema of the destination (newer) release.
        new: PathBuf,
        /// Check migration from NEW back to OLD instead, with each fix one for NEW (OLD is
        /// out: keep `version`, send new state in a subsection, keep OLD's names and types).
        #[arg(long)]
        reverse: bool,
        /// Only this device (its key, e.g. `pl061`): from QEMU's whole dump against a schema
        /// of one port, the other devices are not reported as removed.
        #[arg(long)]
        device: Option<String>,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum QemuCommand {
    /// List every section of a QEMU stream, with the decoded fields of ported devices.
    Inspect {
        /// The stream file.
        file: PathBuf,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
        /// Also decode the sections this schema describes (by section name): a schema of
        /// your own devices, or QEMU's -dump-vmstate.
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
    },
    /// Load the ported sections into the Rust devices, apply MMIO writes, save again the
    /// sections they changed and copy every other byte (with no --mmio, the input). Only
    /// Integrator/CP streams with a vmdesc trailer are rewritten; writes whose effect the
    /// stream cannot tell (the RTC's count under -icount, or within a second) are refused.
    Rewrite {
        /// The input stream.
        input: PathBuf,
        /// The output stream (written only if everything succeeds).
        output: PathBuf,
        /// A 32-bit register write, IDSTR[:INSTANCE]@OFFSET=VALUE (0x-hex or decimal),
        /// e.g. integratorcm@0x14=0xa05f; applied in order.
        #[arg(long = "mmio", value_name = "IDSTR[:INSTANCE]@OFFSET=VALUE")]
        mmio: Vec<MmioWrite>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            output::warn(&format!("vmstate: error: {e}"));
            ExitCode::FAILURE
        }
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Demo(args) => demo::run(args),
        Command::Inspect { file, json } => inspect_native(&file, json),
        Command::Qemu(QemuCommand::Inspect { file, json, schema }) => {
            qemu_inspect(&file, json, schema.as_deref())
        }
        Command::Qemu(QemuCommand::Rewrite {
            input,
            output,
            mmio,
        }) => {
            let in_error = |e: &dyn std::fmt::Display| format!("{}: {e}", input.display());
            let stream = Stream::parse(read_qemu_stream(&input)?).map_err(|e| in_error(&e))?;
            let out = qemu_image::rewrite_stream(&stream, &mmio).map_err(|e| in_error(&e))?;
            write_atomically(&output, &out)?;
            output::warn(&format!(
                "wrote {} ({} bytes, {} MMIO writes applied)",
                output.display(),
                out.len(),
                mmio.len()
            ));
            if let Some(n) = stream.trailing_bytes() {
                output::warn(&format!(
                    "note: {n} bytes after the vmdesc trailer were copied unread (QEMU does not \
                     read them either)"
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema {
            device,
            output,
            qemu,
        } => {
            let text = schema_json(device.as_deref(), qemu)?;
            match output {
                Some(path) => write_atomically(&path, text.as_bytes())?,
                None => emit(&text)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            old,
            new,
            reverse,
            device,
            json,
        } => check(&old, &new, reverse, device.as_deref(), json),
    }
}

/// What a QEMU migration stream starts with (`QEVM`, format 3).
pub(crate) const QEMU_MAGIC: &[u8] = b"QEVM\0\0\0\x03";

/// The most bytes read from one input stream: streams hold the guest's RAM, so this is a
/// bound on memory (a pipe or device with no end, `/dev/zero` after a valid header), not a
/// judgement on the stream.
const MAX_STREAM_BYTES: u64 = 16 << 30;

/// Reads a stream that starts with `magic`. Input that does not start with it is read no
/// further than its first few bytes (enough for the parser to say what is wrong, at byte 0),
/// so a wrong file, however large, or an endless device is refused at once.
fn read_stream(path: &Path, magic: &[u8]) -> Result<Vec<u8>> {
    use std::io::Read;
    let fail = |e: &dyn std::fmt::Display| format!("cannot read {}: {e}", path.display());
    let mut file = std::fs::File::open(path).map_err(|e| fail(&e))?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(magic.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(&e))?;
    if bytes != magic {
        return Ok(bytes);
    }
    read_rest_of_stream(file, bytes, path)
}

/// The rest of a stream whose start is `bytes`, up to the most a stream may have.
fn read_rest_of_stream(file: std::fs::File, mut bytes: Vec<u8>, path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let fail = |e: &dyn std::fmt::Display| format!("cannot read {}: {e}", path.display());
    file.take((MAX_STREAM_BYTES + 1).saturating_sub(bytes.len() as u64))
        .read_to_end(&mut bytes)
        .map_err(|e| fail(&e))?;
    if bytes.len() as u64 > MAX_STREAM_BYTES {
        return Err(fail(&format!(
            "it is longer than {MAX_STREAM_BYTES} bytes, the most a stream may have here"
        ))
        .into());
    }
    Ok(bytes)
}

/// [`read_stream`] of a QEMU stream; this project's own native stream is refused with the
/// command that reads it.
fn read_qemu_stream(path: &Path) -> Result<Vec<u8>> {
    let bytes = read_stream(path, QEMU_MAGIC)?;
    if bytes.starts_with(devices::machine::MAGIC) {
        return Err(format!(
            "{} is this project's native stream, not QEMU's: use `vmstate inspect`",
            path.display()
        )
        .into());
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` so that a failure leaves no partial output: into a temporary
/// file beside it (created new, synced), renamed over it. An existing file keeps its
/// permissions (less set-user-ID and set-group-ID), also while it is written, and one this
/// user may not write is refused (as it would be without the rename). A symbolic link is
/// followed (its target is replaced, or created); a device or FIFO (`/dev/stdout`, a pipe)
/// is written directly, since renaming over it would replace it with a regular file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let mut target = path.to_path_buf();
    let mut permissions = None;
    // A symbolic link to a file not there yet: the file is created where it points, as
    // writing through the link would.
    let dangling = std::fs::metadata(path).is_err()
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if dangling {
        target = link_target(path).map_err(|e| fail(&e))?;
    }
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_dir() {
            return Err(fail(&"it is a directory").into());
        }
        if !meta.is_file() {
            return std::fs::write(path, bytes).map_err(|e| fail(&e).into());
        }
        if meta.permissions().readonly() {
            return Err(fail(&"it is read-only").into());
        }
        // What the rename would not ask: whether this user may write the file itself (its
        // mode may let the owner only, and the directory let anyone replace it).
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| fail(&e))?;
        target = std::fs::canonicalize(path).map_err(|e| fail(&e))?;
        permissions = Some(without_special_bits(meta.permissions()));
    }
    let (tmp, mut file) = create_temporary(&target, permissions.as_ref()).map_err(|e| fail(&e))?;
    let result = file
        .write_all(bytes)
        .and_then(|()| match &permissions {
            // Exactly the old file's: the creation's mode was narrowed by the umask.
            Some(p) => file.set_permissions(p.clone()),
            None => Ok(()),
        })
        // On disk before the rename, so a crash leaves the old file or the new one.
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, &target));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(&e).into());
    }
    Ok(())
}

/// Where a chain of symbolic links ends (each relative one read from its own directory).
fn link_target(link: &Path) -> std::result::Result<PathBuf, String> {
    let mut at = link.to_path_buf();
    // Linux's limit on links followed in one path lookup.
    for _ in 0..40 {
        let is_link = std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            return Ok(at);
        }
        let next = std::fs::read_link(&at).map_err(|e| e.to_string())?;
        at = match at.parent() {
            Some(dir) => dir.join(next),
            None => next,
        };
    }
    Err("too many levels of symbolic links".into())
}

/// A new file beside `target` that did not exist before (never one already there, such as
/// a symbolic link someone placed at the expected name), and its path. It is created with
/// the `permissions` of the file it will replace, if any, so that what it holds is never
/// readable by more users than could read the old file.
fn create_temporary(
    target: &Path,
    permissions: Option<&std::fs::Permissions>,
) -> std::result::Result<(PathBuf, std::fs::File), String> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map_or_else(Default::default, |n| n.to_os_string());
    for attempt in 0..100 {
        let mut tmp_name = name.clone();
        tmp_name.push(format!(".tmp{}.{attempt}", std::process::id()));
        let tmp = dir.join(tmp_name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if let Some(p) = permissions {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            options.mode(p.mode());
        }
        #[cfg(not(unix))]
        let _ = permissions; // the file's ACLs are the directory's
        match options.open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(format!(
                    "cannot create a temporary file in {}: {e}",
                    dir.display()
                ))
            }
        }
    }
    Err(format!(
        "cannot create a temporary file in {}: 100 names taken",
        dir.display()
    ))
}

/// `p` without the set-user-ID, set-group-ID and sticky bits: the new file belongs to whoever
/// runs this, so keeping set-user-ID would hand that user's rights to the file's users.
fn without_special_bits(p: std::fs::Permissions) -> std::fs::Permissions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(p.mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        p
    }
}

fn schema_json(device: Option<&str>, qemu_only: bool) -> Result<String> {
    let mut s = Schema::new(Some("integratorcp"));
    for (key, desc) in devices::qemu_device_keys() {
        if device.is_none_or(|d| d == key) {
            s.add(key, desc);
        }
    }
    if s.devices.is_empty() {
        let known: Vec<_> = devices::qemu_device_keys()
            .iter()
            .map(|(k, _)| *k)
            .collect();
        return Err(format!(
            "unknown device `{}` (known: {})",
            device.unwrap_or(""),
            known.join(", ")
        )
        .into());
    }
    if qemu_only {
        s = s.qemu_only();
    }
    Ok(s.to_json())
}

fn load_schema(path: &Path) -> Result<Schema> {
    load_schema_or_trailer(path).map(|(schema, _)| schema)
}

/// [`load_schema`], and whether the file was a machine stream, whose trailer keys its
/// devices by section name where a schema file keys them by device (QEMU type) name.
fn load_schema_or_trailer(path: &Path) -> Result<(Schema, bool)> {
    use std::io::Read;
    let fail = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let mut file = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    let magic = devices::machine::MAGIC;
    (&mut file)
        .take(magic.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    // A machine stream carries the schema of its devices.
    if bytes == magic {
        let bytes = read_rest_of_stream(file, bytes, path)?;
        return devices::machine::parse(&bytes)
            .map(|stream| (stream.schema, true))
            .map_err(|e| format!("{}: {e}", path.display()).into());
    }
    if bytes == QEMU_MAGIC {
        return Err(format!(
            "{} is a QEMU migration stream, not a schema: compare the QEMU release's \
             `-dump-vmstate` output",
            path.display()
        )
        .into());
    }
    // Read no more than the limit (and a byte to tell), so a huge file is not loaded whole.
    file.take(vmstate_core::schema::MAX_SCHEMA_BYTES as u64 + 1 - bytes.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() > vmstate_core::schema::MAX_SCHEMA_BYTES {
        // A pipe or device has no length of its own: what was read is a lower bound.
        let why = match std::fs::metadata(path).ok().filter(|m| m.is_file()) {
            Some(m) => vmstate_core::schema::too_large(m.len() as usize),
            None => format!(
                "over {} bytes read, {}",
                vmstate_core::schema::MAX_SCHEMA_BYTES,
                vmstate_core::schema::too_large_reason()
            ),
        };
        return Err(format!("{}: {why}", path.display()).into());
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8", path.display()))?;
    (Schema::from_json(&text).map(|schema| (schema, false)))
        .map_err(|e| format!("{}: {e}", path.display()).into())
}

/// `schema` keyed by section name (its descriptions' names), as a machine stream's trailer
/// keys it; a key stays where another device gives the same section name. Returns the keys
/// changed, old to new.
fn keyed_by_section(schema: &mut Schema) -> Vec<(String, String)> {
    let mut by_section: std::collections::HashMap<String, usize> = Default::default();
    for entry in schema.devices.values() {
        *by_section
            .entry(entry.description.name.clone())
            .or_default() += 1;
    }
    let mut changed = Vec::new();
    let devices = std::mem::take(&mut schema.devices);
    for (key, mut entry) in devices {
        let section = entry.description.name.clone();
        let new_key = if by_section[&section] == 1 && section != key {
            changed.push((key, section.clone()));
            entry.name = section.clone();
            section
        } else {
            key
        };
        schema.devices.insert(new_key, entry);
    }
    changed
}

fn check(
    old_path: &Path,
    new_path: &Path,
    reverse: bool,
    device: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    let ((mut old, old_stream), (mut new, new_stream)) = (
        load_schema_or_trailer(old_path)?,
        load_schema_or_trailer(new_path)?,
    );
    // A machine stream against a schema file: the file is keyed as the stream is.
    let mut device = device.map(str::to_owned);
    if old_stream != new_stream {
        let file = if old_stream { &mut new } else { &mut old };
        for (key, section) in keyed_by_section(file) {
            if device.as_deref() == Some(key.as_str()) {
                device = Some(section);
            }
        }
    }
    if let Some(key) = device.as_deref() {
        for (schema, path) in [(&mut old, old_path), (&mut new, new_path)] {
            if !schema.devices.contains_key(key) {
                return Err(format!("{}: no device `{}`", path.display(), one_line(key)).into());
            }
            schema.devices.retain(|k, _| k == key);
        }
    }
    let report = if reverse {
        schema::check_back(&new, &old)
    } else {
        schema::check(&old, &new)
    };
    let mut out = String::new();
    if json {
        let findings: Vec<_> = report
            .findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "severity": format!("{:?}", f.severity).to_lowercase(),
                    "rule": f.rule.as_str(),
                    "path": f.path,
                    "message": f.message,
                })
            })
            .collect();
        outln!(
            out,
            "{}",
            serde_json::json!({ "errors": report.errors(), "warnings": report.warnings(), "findings": findings })
        );
    } else {
        out.push_str(&report.to_string());
        outln!(
            out,
            "{} error(s), {} warning(s)",
            report.errors(),
            report.warnings()
        );
    }
    emit(&out)?;
    Ok(ExitCode::from(report.errors().min(255) as u8))
}

/// Why `qemu inspect` lists a device section without fields when no port or schema failed
/// on it: nothing here describes it (QEMU's dump lacks the state QEMU registers itself:
/// `slirp`, `apic`, `PCIBUS`, ...). Said, not left blank.
fn undescribed(section: &serde_json::Value, schema_given: bool) -> Option<String> {
    let described = section["kind"] != "full" || !section["fields"].is_null();
    if described || section["error"].is_string() {
        return None;
    }
    let idstr = one_line(section["idstr"].as_str().unwrap_or(""));
    Some(match schema_given {
        true => format!("neither this build nor the schema describes `{idstr}`"),
        false => format!(
            "this build does not describe `{idstr}` (`--schema` with a schema that does may: \
             QEMU's `-dump-vmstate` output, or one written with `vmstate_core::schema`)"
        ),
    })
}

fn qemu_inspect(path: &Path, json: bool, schema: Option<&Path>) -> Result<ExitCode> {
    let schema = schema.map(load_schema).transpose()?;
    let stream =
        Stream::parse(read_qemu_stream(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut value = qemu_image::inspect_with(&stream, schema.as_ref())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if json {
        // Why a device section has no fields, as the text view says it.
        for s in value["sections"].as_array_mut().into_iter().flatten() {
            if let Some(why) = undescribed(s, schema.is_some()) {
                s["not_decoded"] = why.into();
            }
        }
        emit(&format!("{value}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    let sections = value["sections"].as_array().map_or(&[][..], Vec::as_slice);
    let width = sections
        .iter()
        .filter_map(|s| s["idstr"].as_str())
        .map(|idstr| one_line(idstr).len())
        .max()
        .unwrap_or(0)
        .max(22);
    outln!(
        out,
        "{:>4}  {:<width$} {:>4} {:>4}  {:>9} {:>8}  kind",
        "id",
        "idstr",
        "inst",
        "ver",
        "offset",
        "bytes"
    );
    for s in sections {
        // A JSON value's `Display` ignores the width: format numbers as strings first.
        let n = |key: &str| s[key].to_string();
        outln!(
            out,
            "{:>4}  {:<width$} {:>4} {:>4}  {:>9} {:>8}  {}",
            n("section_id"),
            one_line(s["idstr"].as_str().unwrap_or("")),
            n("instance_id"),
            n("version_id"),
            n("offset"),
            n("length"),
            s["kind"].as_str().unwrap_or("")
        );
        match (s["error"].as_str(), s["port"].as_str()) {
            (Some(error), Some(port)) => {
                let schema = match (s["schema_device"].as_str(), s["schema_error"].as_str()) {
                    (Some(device), Some(e)) => format!(
                        "; nor can the schema's `{}`: {}",
                        one_line(device),
                        one_line(e)
                    ),
                    _ if schema.is_some() => "; nor does the schema describe it".to_owned(),
                    _ => String::new(),
                };
                outln!(
                    out,
                    "        (not decoded: the state-only port `{}` cannot read it: {}{schema})",
                    one_line(port),
                    one_line(error)
                )
            }
            (Some(error), None) => outln!(out, "        (not decoded: {})", one_line(error)),
            (None, _) => {
                if let Some(why) = undescribed(s, schema.is_some()) {
                    outln!(out, "        (not decoded: {why})");
                }
            }
        }
        if let Some(by) = s["decoded_by"].as_str() {
            let device = s["schema_device"].as_str().unwrap_or_default();
            let why = (s["port_error"].as_str())
                .map(|e| format!("; the port cannot read it: {}", one_line(e)))
                .unwrap_or_default();
            outln!(
                out,
                "        (decoded by the {by}'s `{}`{why})",
                one_line(device)
            );
        }
        if let Some(why) = s["vmdesc_differs"].as_str() {
            outln!(
                out,
                "        (the stream's vmdesc says another layout was sent, so these values may \
                 be misread: {})",
                one_line(why)
            );
        }
        print_fields(&mut out, &s["fields"], "        ");
        if let Some(subs) = s["subsections"].as_object() {
            for (name, v) in subs {
                outln!(out, "        subsection {}", one_line(name));
                print_fields(&mut out, v, "          ");
            }
        }
    }
    for c in value["commands"].as_array().into_iter().flatten() {
        outln!(
            out,
            "command {} ({}) at offset {}, {} bytes",
            c["name"].as_str().unwrap_or(""),
            c["command"],
            c["offset"],
            c["length"]
        );
    }
    let limit = qemu_image::MAX_LISTED;
    for (what, listed) in [
        (
            "sections",
            format!("{limit} device sections and {limit} parts"),
        ),
        ("commands", format!("{limit} commands")),
    ] {
        if let Some(n) = value[format!("unlisted_{what}")].as_u64() {
            outln!(out, "{n} more {what} not listed (at most {listed} are)");
        }
    }
    if value["vmdesc"] == false {
        outln!(out, "no vmdesc trailer: the sections were told apart by their footers, which guest data can imitate");
    }
    if let Some(n) = value["trailing_bytes"].as_u64() {
        outln!(
            out,
            "{n} bytes after the vmdesc trailer (QEMU does not read them; kept by rewrite)"
        );
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Lists decoded fields, integers in hex (registers).
fn print_fields(out: &mut String, fields: &serde_json::Value, indent: &str) {
    let Some(obj) = fields.as_object() else {
        return;
    };
    for (name, v) in obj {
        if name == "subsections" {
            continue;
        }
        outln!(out, "{indent}{:<22} {}", one_line(name), show(v));
    }
}

/// A run of this many equal elements of an array, or more, is shown once with its count.
const SHOWN_AS_RUN: usize = 4;

fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Number(n) if n.is_u64() => format!("{:#x}", n.as_u64().unwrap_or(0)),
        // A queue's 1,024 states, mostly zeros, would fill a line of 100 KB: each run of equal
        // elements once, with its count (`--json` gives every element).
        serde_json::Value::Array(items) => {
            let mut shown = Vec::new();
            let mut rest = items.as_slice();
            while let Some(first) = rest.first() {
                let run = rest.iter().take_while(|item| *item == first).count();
                match run >= SHOWN_AS_RUN {
                    true => shown.push(format!("{} × {run}", show(first))),
                    false => shown.extend(rest[..run].iter().map(show)),
                }
                rest = &rest[run..];
            }
            format!("[{}]", shown.join(", "))
        }
        serde_json::Value::Object(o) => {
            format!(
                "{{{}}}",
                o.iter()
                    .map(|(k, v)| format!("{}: {}", one_line(k), show(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        other => other.to_string(),
    }
}

fn inspect_native(path: &Path, json: bool) -> Result<ExitCode> {
    let bytes = read_stream(path, devices::machine::MAGIC)?;
    if bytes.starts_with(b"QEVM") {
        return Err(format!(
            "{} is a QEMU stream: use `vmstate qemu inspect`",
            path.display()
        )
        .into());
    }
    let value = demo::inspect_machine(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let sections = value["sections"].as_array().map_or(&[][..], Vec::as_slice);
    // Each section its schema cannot decode is listed with why, and said once more on
    // standard error; the listing then fails, as it did not show everything.
    let failed: Vec<String> = (sections.iter())
        .filter_map(|s| {
            let why = s["error"].as_str()?;
            let name = one_line(s["name"].as_str().unwrap_or(""));
            let at = format!("section `{name}` instance {}", s["instance_id"]);
            Some(format!("{}: {at}: {}", path.display(), one_line(why)))
        })
        .collect();
    let done = || {
        for line in &failed {
            eprintln!("{line}");
        }
        Ok(if failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    };
    if json {
        emit(&format!("{value}\n"))?;
        return done();
    }
    let mut out = String::new();
    let machine = match value["machine"].as_str() {
        Some(name) => format!("machine type `{}`", one_line(name)),
        None => "no machine type".to_owned(),
    };
    outln!(
        out,
        "machine stream, format version {}, {machine}",
        value["format_version"]
    );
    for s in sections {
        outln!(
            out,
            "{}:{}  version {}  {} bytes  offset {}",
            one_line(s["name"].as_str().unwrap_or("")),
            s["instance_id"],
            s["version"],
            s["length"],
            s["offset"]
        );
        if let Some(why) = s["error"].as_str() {
            outln!(out, "    not decoded: {}", one_line(why));
            continue;
        }
        print_fields(&mut out, &s["fields"], "    ");
        if let Some(subs) = s["fields"]["subsections"].as_object() {
            for (name, v) in subs {
                outln!(out, "    subsection {}", one_line(name));
                print_fields(&mut out, v, "      ");
            }
        }
    }
    emit(&out)?;
    done()
}

/// A board for the demo and the tools: 32 MiB, like QEMU's `-m 32` fixtures.
pub fn new_board() -> IntegratorCp {
    IntegratorCp::new(qemu_image::DEFAULT_MEMSZ_MIB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_equal_array_elements_are_shown_once_with_their_count() {
        let v = serde_json::json!([0, 0, 0, 0, 0, 5, 0, 0, 0, [1, 1, 1, 1], "ab", "ab"]);
        assert_eq!(
            show(&v),
            "[0x0 × 5, 0x5, 0x0, 0x0, 0x0, [0x1 × 4], \"ab\", \"ab\"]"
        );
        assert_eq!(show(&serde_json::json!([])), "[]");
    }

    #[test]
    #[cfg(unix)]
    fn a_temporary_file_is_created_no_more_readable_than_the_file_it_replaces() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("vmstate-tmp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("private.stream");
        let private = std::fs::Permissions::from_mode(0o600);
        let (tmp, _file) = create_temporary(&target, Some(&private)).unwrap();
        let mode = std::fs::metadata(&tmp).unwrap().permissions().mode() & 0o777;
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(mode, 0o600);
    }
}
