//! `vmstate demo`: a source process runs a board through a guest workload, stops it, and
//! migrates it over a loopback TCP socket to a destination process, which loads it, reads
//! every register back and compares with the source's reads.
//!
//! Wire protocol (one connection): the source sends `u32 LE length + stream` and then
//! `u32 LE length + JSON` of its register reads; the destination answers with
//! `u32 LE length + JSON` of its verdict.

use clap::{Args, ValueEnum};
use devices::qemu_image;
use devices::IntegratorCp;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::output::say;
use vmstate_core::qemu::Stream;
use vmstate_core::schema::{decode_with_budget, Format};

/// Which wire format carries the board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WireFormat {
    /// This project's machine stream (checksummed sections and a schema trailer).
    Native,
    /// QEMU's migration stream format.
    Qemu,
}

/// Options of `vmstate demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Run only the destination: listen on ADDR (HOST:PORT, e.g. 127.0.0.1:7777; port 0
    /// picks one), print `listening on ADDR`, and serve one source. It gives up after 30 s
    /// without a source, or without each message of it.
    #[arg(long, value_name = "ADDR", conflicts_with = "connect")]
    listen: Option<String>,
    /// Run only the source: migrate to a destination listening on ADDR (HOST:PORT). It gives
    /// up after 30 s without the destination's answer.
    #[arg(long, value_name = "ADDR")]
    connect: Option<String>,
    /// The stream format.
    #[arg(long, value_enum, default_value_t = WireFormat::Native)]
    format: WireFormat,
    /// Also save the migrated stream to this file (inspect it with `vmstate inspect` or
    /// `vmstate qemu inspect`); the source saves it, so not with --listen.
    #[arg(long, value_name = "FILE", conflicts_with = "listen")]
    save: Option<PathBuf>,
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// How long either side waits for each message of the other before giving up: for the
/// whole message, so a peer that trickles bytes cannot hold this side forever.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Largest stream accepted from the peer.
const MAX_MESSAGE: usize = 64 << 20;
/// Largest register-reads or verdict message accepted from the peer (the real ones are a few
/// KB; a JSON value takes many times its text in memory).
const MAX_JSON_MESSAGE: usize = 1 << 20;

pub fn run(args: DemoArgs) -> Result<ExitCode> {
    if let Some(addr) = &args.listen {
        return destination(addr, args.format);
    }
    if let Some(addr) = &args.connect {
        return source(addr, args.format, args.save.as_deref());
    }
    // Both ends: the destination is a child process of this one.
    let exe = std::env::current_exe()?;
    let format = match args.format {
        WireFormat::Native => "native",
        WireFormat::Qemu => "qemu",
    };
    let mut child = Destination(
        Command::new(exe)
            .args(["demo", "--listen", "127.0.0.1:0", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?,
    );
    let child = &mut child.0;
    let mut lines = BufReader::new(child.stdout.take().ok_or("destination has no stdout")?).lines();
    let first = lines
        .next()
        .ok_or("destination exited before listening")??;
    let addr = first
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("unexpected destination output: {first}"))?;
    say(&format!(
        "destination process {} listening on {addr}",
        child.id()
    ))?;
    let result = source(addr, args.format, args.save.as_deref());
    if result.is_err() {
        // The destination may still be waiting for a connection that will not come.
        let _ = child.kill();
    }
    for line in lines.map_while(std::result::Result::ok) {
        say(&format!("  [destination] {line}"))?;
    }
    let status = child.wait()?;
    let code = result?;
    if !status.success() {
        return Err(format!("destination process failed ({status})").into());
    }
    Ok(code)
}

/// The destination's process, killed and reaped if this one returns before it is done (an
/// error writing this one's output included): otherwise it would wait out its timeout
/// alone, and write to the terminal after this one exited.
struct Destination(std::process::Child);

impl Drop for Destination {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The scripted guest: what a boot loader and driver would write. Returns the writes.
pub fn guest_workload(board: &mut IntegratorCp) -> Vec<(u64, u32)> {
    let writes: Vec<(u64, u32)> = vec![
        (0x1000_0014, 0xa05f),      // CM_LOCK: unlock OSC/AUXOSC
        (0x1000_0008, 0x777),       // CM_OSC
        (0x1000_001c, 0x55555),     // CM_AUXOSC
        (0x1000_0014, 0x0),         // CM_LOCK: lock again
        (0x1000_000c, 0x4),         // CM_CTRL: remap (flash unmapped)
        (0x1000_0020, 0x11132),     // CM_SDRAM
        (0x1000_0030, 0x101),       // CM_FLAGSS
        (0x1000_0038, 0x2),         // CM_NVFLAGSS
        (0x1000_0048, 0x10),        // CM_IRQ_ENSET
        (0x1000_0068, 0x20),        // CM_FIQ_ENSET
        (0x1400_0008, 0x0400_0300), // PIC IRQ_ENABLESET: inputs 8, 9, 26
        (0x1400_0028, 0x40),        // PIC FRQ_ENABLESET
        (0xca00_0008, 0xb),         // SIC IRQ_ENABLESET: inputs 0, 1, 3
        (0x1500_0008, 1_000_000),   // RTCLR: set the time
        (0x1500_0004, 1_003_600),   // RTCMR: alarm an hour later
        (0x1500_0010, 0x1),         // RTCIMSC: unmask the alarm
        (0x1400_0010, 0x1),         // PIC INT_SOFTSET: raise soft interrupt
    ];
    for &(addr, value) in &writes {
        board
            .write(addr, value)
            .expect("the workload writes mapped registers");
    }
    writes
}

/// Sends one message (`what` names it in errors).
fn send(stream: &mut TcpStream, bytes: &[u8], what: &str) -> Result<()> {
    stream
        .write_all(&(bytes.len() as u32).to_le_bytes())
        .and_then(|()| stream.write_all(bytes))
        .map_err(|e| net_error(e, "sending", what).into())
}

/// Receives one message of at most `limit` bytes within [`TIMEOUT`] (`what` names it in
/// errors).
fn receive(stream: &mut TcpStream, limit: usize, what: &str) -> Result<Vec<u8>> {
    let deadline = Instant::now() + TIMEOUT;
    let mut len = [0u8; 4];
    read_exact_by(stream, &mut len, deadline).map_err(|e| net_error(e, "waiting for", what))?;
    let len = u32::from_le_bytes(len) as usize;
    if len > limit {
        return Err(format!(
            "peer announced {what} of {len} bytes (limit {limit}): is it a `vmstate demo` of \
             this version?"
        )
        .into());
    }
    let mut buf = vec![0u8; len];
    read_exact_by(stream, &mut buf, deadline).map_err(|e| net_error(e, "receiving", what))?;
    Ok(buf)
}

/// Reads and drops what the peer sends until it closes, an error, or `deadline`.
fn drain(stream: &mut TcpStream, deadline: Instant) {
    let mut sink = [0u8; 1 << 16];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// `read_exact`, all of it before `deadline`.
fn read_exact_by(stream: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> std::io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut buf[filled..]) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A socket error, said in terms of the exchange (`doing` `what`).
fn net_error(e: std::io::Error, doing: &str, what: &str) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            format!("timed out after {} s {doing} {what}", TIMEOUT.as_secs())
        }
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe => {
            format!("the peer closed the connection while this side was {doing} {what}")
        }
        _ => format!("{doing} {what}: {e}"),
    }
}

/// A JSON message from the peer.
fn receive_json(stream: &mut TcpStream, what: &str) -> Result<Value> {
    let bytes = receive(stream, MAX_JSON_MESSAGE, what)?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{what} is not valid JSON: {e}").into())
}

/// The register reads of `device` (`"integratorcm:0"`) among `reads` ([`dump_json`]'s form:
/// `[device, address, value]` each).
fn reads_of<'a>(reads: &'a Value, device: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    (reads.as_array().into_iter().flatten()).filter(move |r| r[0] == device)
}

fn dump_json(board: &IntegratorCp) -> Value {
    let regs: Vec<Value> = board
        .register_dump(true)
        .iter()
        .map(|(d, a, v)| json!([d, a, v]))
        .collect();
    Value::Array(regs)
}

/// The board's devices as `name:instance`, in the order of the verdict's entries (which the
/// destination writes and the source reads).
fn board_devices() -> [String; devices::board::SECTIONS.len()] {
    devices::board::SECTIONS.map(|(n, i)| format!("{n}:{i}"))
}

/// Sections and their sizes, for the report.
fn sections_of(bytes: &[u8], format: WireFormat) -> Result<Vec<(String, usize)>> {
    Ok(match format {
        WireFormat::Native => devices::machine::parse(bytes)?
            .sections
            .iter()
            .map(|s| (format!("{}:{}", s.name, s.instance_id), s.range.len()))
            .collect(),
        WireFormat::Qemu => Stream::parse(bytes.to_vec())?
            .sections()
            .map(|s| (format!("{}:{}", s.idstr, s.instance_id), s.range.len()))
            .collect(),
    })
}

fn source(addr: &str, format: WireFormat, save_to: Option<&std::path::Path>) -> Result<ExitCode> {
    devices::machine::schema_trailer(); // built once, before the guest stops
    let mut board = crate::new_board();
    let writes = guest_workload(&mut board);
    say(&format!("source: guest workload ran {} MMIO writes (unlock, oscillators, flash remap, interrupts, RTC)", writes.len()))?;
    say(&format!(
        "source: board stopped; saving in {format:?} format"
    ))?;
    let reads = dump_json(&board);

    let t_save = Instant::now();
    let bytes = match format {
        WireFormat::Native => devices::machine::save(&board)?,
        WireFormat::Qemu => qemu_image::save_board(&board)?,
    };
    let save_us = t_save.elapsed().as_secs_f64() * 1e6;
    if let Some(path) = save_to {
        crate::write_atomically(path, &bytes)?;
        say(&format!("source: stream saved to {}", path.display()))?;
    }

    let mut conn = connect_within(addr, TIMEOUT)?;
    conn.set_read_timeout(Some(TIMEOUT))?;
    // A peer that stops reading must not hold this side either.
    conn.set_write_timeout(Some(TIMEOUT))?;
    conn.set_nodelay(true)?;
    let t_send = Instant::now();
    send(&mut conn, &bytes, "the stream")?;
    send(
        &mut conn,
        reads.to_string().as_bytes(),
        "the register reads",
    )?;
    let verdict = receive_json(&mut conn, "the destination's verdict")?;
    let round_trip_us = t_send.elapsed().as_secs_f64() * 1e6;
    let verdict = Verdict::read(&verdict).map_err(|why| {
        format!("the destination's verdict is not one this version understands: {why}")
    })?;
    let (load_us, busy_us) = (verdict.load_us, verdict.busy_us);
    let transfer_us = (round_trip_us - busy_us).max(0.0);

    say("sections sent:")?;
    for (name, len) in sections_of(&bytes, format)? {
        say(&format!("  {name:<16} {len:>6} bytes"))?;
    }
    say(&format!("stream: {} bytes", bytes.len()))?;
    let devices = match verdict.outcome {
        Err(err) => {
            // The run's error, on standard error; returned as a failure rather than an error,
            // so that the combined run lets its destination finish and say why too. (No
            // downtime: the guest would not run on the destination.)
            crate::output::warn(&format!(
                "vmstate: error: destination refused the stream: {}",
                printable(&err)
            ));
            return Ok(ExitCode::FAILURE);
        }
        Ok(devices) => devices,
    };
    say(&format!(
        "downtime: {:.0} µs = save {save_us:.0} µs + transfer {transfer_us:.0} µs + load {load_us:.0} µs",
        save_us + transfer_us + load_us
    ))?;
    // A destination that compared other registers than the source read (another version's
    // board, or a peer that answers without loading) has not shown that they match.
    for dev in devices.iter().filter(|d| d.mismatches.is_empty()) {
        let read = reads_of(&reads, &dev.name).count();
        if dev.registers != read as u64 {
            return Err(format!(
                "the destination's verdict is not one this version understands: it compared \
                 {} registers of `{}` without a mismatch, where the source read {read}",
                dev.registers, dev.name
            )
            .into());
        }
    }
    let mut all_match = true;
    for dev in devices {
        all_match &= dev.mismatches.is_empty();
        if dev.mismatches.is_empty() {
            say(&format!(
                "  {:<16} {} registers match",
                dev.name, dev.registers
            ))?;
        } else {
            say(&format!(
                "  {:<16} {} MISMATCHES: {}",
                dev.name,
                dev.mismatches.len(),
                printable(&Value::Array(dev.mismatches).to_string())
            ))?;
        }
    }
    if all_match {
        say("result: every device matches after migration")?;
        Ok(ExitCode::SUCCESS)
    } else {
        say("result: MISMATCH")?;
        Ok(ExitCode::FAILURE)
    }
}

fn destination(addr: &str, format: WireFormat) -> Result<ExitCode> {
    let listener = TcpListener::bind(addr)
        .map_err(|e| format!("cannot listen on {addr}: {e}{}", address_hint(&e)))?;
    say(&format!("listening on {}", listener.local_addr()?))?;
    std::io::stdout().flush()?;
    let (mut conn, peer) = accept_within(&listener, TIMEOUT)?;
    conn.set_read_timeout(Some(TIMEOUT))?;
    // A peer that stops reading must not hold this side either.
    conn.set_write_timeout(Some(TIMEOUT))?;
    conn.set_nodelay(true)?;
    let bytes = receive(&mut conn, MAX_MESSAGE, "the stream")?;
    let reads = receive_json(&mut conn, "the source's register reads")?;
    let t_busy = Instant::now();
    let mut board = crate::new_board();
    let t_load = Instant::now();
    let loaded = match format {
        WireFormat::Native => devices::machine::load(&mut board, &bytes).map_err(|e| e.to_string()),
        WireFormat::Qemu => Stream::parse(bytes.clone())
            .map_err(|e| e.to_string())
            .and_then(|s| {
                // QEMU would keep a device's reset state for a section the stream lacks;
                // the source sends them all, so a missing one is an error here.
                let missing = devices::board::SECTIONS
                    .iter()
                    .find(|(name, instance)| s.device(name, *instance).is_none());
                if let Some((name, instance)) = missing {
                    return Err(format!(
                        "missing section for device `{name}` instance {instance}: the stream \
                         does not carry it"
                    ));
                }
                qemu_image::load_board(&s).map_err(|e| e.to_string())
            })
            .map(|b| board = b),
    };
    let load_us = t_load.elapsed().as_secs_f64() * 1e6;
    let loaded = loaded.map_err(|e| e + other_format_hint(&bytes, format));
    let verdict = match &loaded {
        Err(e) => json!({ "error": e, "load_us": load_us }),
        Ok(()) => {
            let mine = dump_json(&board);
            let mut devices: Vec<Value> = Vec::new();
            for name in board_devices() {
                let theirs: Vec<&Value> = reads_of(&reads, &name).collect();
                let ours: Vec<&Value> = reads_of(&mine, &name).collect();
                let mismatches: Vec<Value> = theirs
                    .iter()
                    .filter(|t| !ours.contains(t))
                    .map(|t| json!({ "address": format!("{:#010x}", t[1].as_u64().unwrap_or(0)), "source": t[2] }))
                    .collect();
                let extra = ours.len() != theirs.len();
                let mut mismatches = mismatches;
                if extra {
                    mismatches.push(json!({ "registers": { "source": theirs.len(), "destination": ours.len() } }));
                }
                say(&format!(
                    "{name}: {} registers, {} mismatches",
                    ours.len(),
                    mismatches.len()
                ))?;
                devices.push(
                    json!({ "device": name, "registers": ours.len(), "mismatches": mismatches }),
                );
            }
            json!({ "load_us": load_us, "devices": devices })
        }
    };
    let mut verdict = verdict;
    verdict["busy_us"] = json!(t_busy.elapsed().as_secs_f64() * 1e6);
    send(&mut conn, verdict.to_string().as_bytes(), "the verdict")?;
    // Closing with unread bytes would reset the connection and could lose the verdict on
    // the way: say this side is done, and read what the peer still sends, briefly.
    let _ = conn.shutdown(std::net::Shutdown::Write);
    drain(&mut conn, Instant::now() + Duration::from_secs(1));
    if let Err(e) = loaded {
        return Err(format!("refused the stream from {peer}: {}", printable(&e)).into());
    }
    let ok = verdict["devices"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|d| d["mismatches"].as_array().is_some_and(Vec::is_empty));
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A hint for a stream in the other format than this end expects.
fn other_format_hint(bytes: &[u8], format: WireFormat) -> &'static str {
    let qemu = bytes.starts_with(crate::QEMU_MAGIC);
    let native = bytes.starts_with(devices::machine::MAGIC);
    match format {
        WireFormat::Native if qemu => " (it is a QEMU stream: give both ends the same --format)",
        WireFormat::Qemu if native => {
            " (it is a vmstate machine stream: give both ends the same --format)"
        }
        _ => "",
    }
}

/// The destination's answer, checked: a source must not report success for a verdict it
/// cannot read (another version's, or a peer that is no vmstate destination).
struct Verdict {
    load_us: f64,
    busy_us: f64,
    /// The destination's error, or one entry per device of the board, in its order.
    outcome: std::result::Result<Vec<DeviceVerdict>, String>,
}

struct DeviceVerdict {
    name: String,
    registers: u64,
    mismatches: Vec<Value>,
}

impl Verdict {
    fn read(v: &Value) -> std::result::Result<Verdict, String> {
        let time = |key: &str| match v.get(key) {
            Some(t) => t
                .as_f64()
                .filter(|t| t.is_finite() && *t >= 0.0 && *t < 1e12)
                .ok_or(format!("`{key}` is not a time in µs")),
            None => Err(format!("no `{key}`")),
        };
        let load_us = time("load_us")?;
        let busy_us = time("busy_us")?;
        if let Some(err) = v.get("error") {
            let err = err.as_str().ok_or("`error` is not a string")?;
            return Ok(Verdict {
                load_us,
                busy_us,
                outcome: Err(err.to_owned()),
            });
        }
        let devices = v
            .get("devices")
            .and_then(Value::as_array)
            .ok_or("no `devices` list")?;
        let expected = board_devices();
        if devices.len() != expected.len() {
            return Err(format!(
                "{} devices, the board has {}",
                devices.len(),
                expected.len()
            ));
        }
        let mut out = Vec::new();
        for (dev, name) in devices.iter().zip(expected) {
            let (Some(got), Some(registers), Some(mismatches)) = (
                dev["device"].as_str(),
                dev["registers"].as_u64(),
                dev["mismatches"].as_array(),
            ) else {
                return Err(format!("the entry of `{name}` is malformed"));
            };
            if got != name {
                return Err(format!("`{}` where `{name}` was expected", printable(got)));
            }
            out.push(DeviceVerdict {
                name,
                registers,
                mismatches: mismatches.clone(),
            });
        }
        Ok(Verdict {
            load_us,
            busy_us,
            outcome: Ok(out),
        })
    }
}

/// Text from the peer, with control characters escaped: it cannot forge lines of output or
/// drive the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c.is_control() {
            true => c.escape_default().collect::<Vec<_>>(),
            false => vec![c],
        })
        .collect()
}

/// The form an address takes, after an error that says it has not that form.
fn address_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::InvalidInput => " (expected HOST:PORT, e.g. 127.0.0.1:7777)",
        _ => "",
    }
}

/// Connects to `addr` within `timeout` for each address it resolves to.
fn connect_within(addr: &str, timeout: Duration) -> Result<TcpStream> {
    use std::net::ToSocketAddrs;
    let mut last = None;
    let addrs = addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot connect to {addr}: {e}{}", address_hint(&e)))?;
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(conn) => return Ok(conn),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => format!("cannot connect to {addr}: {e}").into(),
        None => format!("cannot connect to {addr}: it resolves to no address").into(),
    })
}

/// Accepts one connection, or ends the process after `timeout` (a source that never
/// comes). The accept itself blocks, so a connection is served at once.
fn accept_within(
    listener: &TcpListener,
    timeout: Duration,
) -> Result<(TcpStream, std::net::SocketAddr)> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let connected = Arc::new(AtomicBool::new(false));
    let watchdog = connected.clone();
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        if !watchdog.load(Ordering::SeqCst) {
            crate::output::warn(&format!(
                "vmstate: error: no source connected within {} s",
                timeout.as_secs()
            ));
            std::process::exit(1);
        }
    });
    let accepted = listener.accept()?;
    connected.store(true, Ordering::SeqCst);
    Ok(accepted)
}

/// Decodes a native machine stream with its embedded schema: `{"sections": [{"name",
/// "instance_id", "version", "offset", "length", "fields"}]}`. A section that its schema
/// cannot decode (a sequence counted by configuration the stream does not carry, bytes the
/// schema leaves over) has an `"error"` in place of `"fields"`, and the others are still
/// decoded; a stream that does not parse, or a section whose checksum fails, is an error.
pub fn inspect_machine(bytes: &[u8]) -> Result<Value> {
    let stream = devices::machine::parse(bytes)?;
    let mut out = Vec::new();
    // One bound for the whole stream: every section's values are kept.
    let mut budget = vmstate_core::schema::MAX_VALUES;
    for s in &stream.sections {
        let frame = vmstate_core::read_frame(&bytes[s.range.clone()], s.range.start)?;
        let decoded = match stream.schema.devices.get(&s.name) {
            None => Err("it has no schema in the trailer".to_owned()),
            Some(entry) => {
                let at = s.range.start + frame.fields_offset;
                // A section that fails part-way keeps what it spent: given back, a stream of
                // many sections could have each decode up to the whole budget.
                match decode_with_budget(
                    &entry.description,
                    Format::Native,
                    frame.fields,
                    s.version,
                    at,
                    &mut budget,
                ) {
                    Ok((fields, used)) if used == frame.fields.len() => Ok(fields),
                    Ok((_, used)) => Err(format!(
                        "{} bytes left undecoded (at byte {})",
                        frame.fields.len() - used,
                        at + used
                    )),
                    Err(e) => Err(e.to_string()),
                }
            }
        };
        let mut entry = json!({
            "name": s.name,
            "instance_id": s.instance_id,
            "version": s.version,
            "offset": s.range.start,
            "length": s.range.len(),
        });
        match decoded {
            Ok(fields) => entry["fields"] = fields,
            Err(why) => entry["error"] = why.into(),
        }
        out.push(entry);
    }
    // `parse` read the magic and the format version before it.
    let format_version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    Ok(json!({
        "format_version": format_version,
        "machine": stream.schema.machine,
        "sections": out,
    }))
}
