//! The board against QEMU's own device models, access by access.
//!
//! QEMU's qtest protocol (`-qtest stdio`: `readl ADDR`, `writel ADDR VALUE`, one line each)
//! reads and writes guest-physical addresses with no guest. The CPU never starts (`-S`), so
//! only the test touches the devices and QEMU's virtual clock stays at 0; the RTC counts that
//! clock from 1970 (`-rtc base=1970-01-01T00:00:00,clock=vm`), and `irq_intercept_in` on the
//! CPU reports its IRQ and FIQ lines. A seeded random sequence of reads and writes goes to
//! QEMU and to an [`IntegratorCp`] on stopped clocks at 0:
//! - every read returns the same value in both;
//! - the CPU's IRQ and FIQ lines agree after every access;
//! - at the end QEMU migrates to a file, and each ported device's section holds exactly the
//!   bytes the board saves for it;
//! - a second QEMU loads that stream, and so does a fresh board: they read the same, take
//!   a second random sequence the same way, and migrate the same bytes again.
//!
//! The devices the crate ports as state only (UARTs, keyboard and mouse, timers, MMC and SD
//! card, audio, LCD; not the network controller, see [`PORTED_SPANS`]) get random accesses
//! in QEMU alone: every section QEMU then sends must load into its port and save back byte
//! for byte, match what the stream's vmdesc lists, and decode in `qemu inspect`.
//!
//! The PL022 port, which is not on the board, is checked the same way against the PL022 of
//! QEMU's Stellaris LM3S811 board (`-M lm3s811evb`): reads, the migrated section, the loads.
//!
//! `VMSTATE_QTEST_SEED=n` replays one sequence (the board's exactly; the second test lets the
//! machine run for a few milliseconds of host time now and then, so its states differ a
//! little from run to run).

use devices::board::{map, RTC_WINDOW, SECTIONS};
use devices::qemu_image::load_board;
use devices::{integratorcm, FakeClock, IntegratorCp};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vmstate_core::qemu::Stream;
use vmstate_tests::Rng;

/// Accesses per sequence.
const ACCESSES: usize = 5_000;
/// The sequences a normal run tries: one per RAM size.
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];
/// RAM sizes in MiB (`-m`; the core module's SDRAM register and SPD image follow it):
/// sequence `seed` runs with `RAM_SIZES[seed % 5]`.
const RAM_SIZES: [u32; 5] = [16, 32, 64, 128, 256];

/// The windows the sequences touch: (base, first offset, end offset), each a device's
/// register map and a little past it (QEMU logs and reads 0 there; the models say so). The
/// core module's registers come up three times as often as its SPD window.
const SPANS: [(u64, u64, u64); 9] = [
    (map::CORE_MODULE, 0, 0x90),
    (map::CORE_MODULE, 0, 0x90),
    (map::CORE_MODULE, 0, 0x90),
    (map::CORE_MODULE, 0x90, 0x240),
    (map::PIC, 0, 0x48),
    (map::SIC, 0, 0x48),
    (map::CONTROL, 0, 0x20),
    (map::RTC, 0, 0x28),
    (map::RTC, 0xfe0, RTC_WINDOW),
];

/// A register value: the edges, single bits and the core module's unlock key as often as
/// arbitrary words, so that locks open and bit-set/clear registers see their cases.
fn value(rng: &mut Rng) -> u32 {
    match rng.below(8) {
        0 => 0,
        1 => u32::MAX,
        2 => 1 << rng.below(32),
        3 => integratorcm::LOCK_KEY,
        4 => rng.next() as u32 & 0xff,
        _ => rng.next() as u32,
    }
}

/// A word-aligned offset below `end`.
fn word_below(rng: &mut Rng, end: u64) -> u64 {
    rng.below((end / 4) as usize) as u64 * 4
}

/// How long QEMU may take to answer a qtest command or to finish a migration.
const PATIENCE: Duration = Duration::from_secs(30);

/// A test's own directory under Cargo's `CARGO_TARGET_TMPDIR` for the sockets, streams and
/// QEMU's messages: removed when the test passes, kept for a look when it fails.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let name = format!("vmstate-qtest-{test}-{}", std::process::id());
        Scratch(vmstate_tests::fresh_dir(
            Path::new(env!("CARGO_TARGET_TMPDIR")),
            &name,
        ))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn passed(self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A stopped Integrator/CP in QEMU, driven over qtest, migrated over QMP.
struct Qemu {
    child: Child,
    qtest_in: ChildStdin,
    /// QEMU's qtest lines, read by a thread of their own so that a wait can time out.
    qtest_out: Receiver<String>,
    qmp_path: PathBuf,
    stderr_path: PathBuf,
    /// The CPU's IRQ and FIQ inputs, as qtest last reported them.
    cpu_lines: [bool; 2],
}

/// QEMU's arguments for the Integrator/CP with `ram_mib` MiB of RAM, its RTC counting the
/// virtual clock from 1970.
fn integratorcp(ram_mib: u32) -> Vec<String> {
    let args = ["-M", "integratorcp", "-m", &ram_mib.to_string(), "-rtc"];
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.push("base=1970-01-01T00:00:00,clock=vm".into());
    args
}

impl Qemu {
    /// The machine `machine` (QEMU's arguments) at reset.
    fn start(dir: &Scratch, name: &str, machine: &[String]) -> Qemu {
        Qemu::spawn(dir, name, machine, &[])
    }

    /// The machine `machine` that has loaded `stream` (QEMU's `-incoming`, still stopped).
    fn load(dir: &Scratch, name: &str, machine: &[String], stream: &Path) -> Qemu {
        let qemu = Qemu::spawn(dir, name, machine, &["-incoming".into(), "defer".into()]);
        let uri = format!("exec:cat '{}'", stream.display());
        let mut qmp = qemu.qmp();
        qmp.execute(json!({"execute": "migrate-incoming", "arguments": {"uri": uri}}));
        qmp.wait_for_migration();
        qemu
    }

    /// QEMU running `machine` with the extra `args`, stopped, under qtest; its files in
    /// `dir`, named after `name`.
    fn spawn(dir: &Scratch, name: &str, machine: &[String], args: &[String]) -> Qemu {
        let qmp_path = dir.path(&format!("{name}.qmp"));
        let stderr_path = dir.path(&format!("{name}.stderr"));
        // Killed with the test, even by SIGKILL; spawned from the test's thread, which owns
        // and kills it (`Drop`).
        let mut child = vmstate_tests::killed_with_test("qemu-system-arm")
            .args(machine)
            .args(["-S", "-display", "none"])
            .args([
                "-audiodev",
                "none,id=silent",
                "-serial",
                "none",
                "-monitor",
                "none",
            ])
            .args(["-qtest", "stdio"])
            .args(args)
            .arg("-qmp")
            .arg(format!("unix:{},server=on,wait=off", qmp_path.display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .expect("qemu-system-arm starts");
        let qtest_in = child.stdin.take().unwrap();
        let (lines, qtest_out) = mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        Qemu {
            child,
            qtest_in,
            qtest_out,
            qmp_path,
            stderr_path,
            cpu_lines: [false; 2],
        }
    }

    /// Has qtest report the Integrator/CP's CPU's IRQ and FIQ lines ([`Qemu::cpu_lines`]).
    fn intercept_cpu_lines(&mut self) {
        self.command("irq_intercept_in /machine/unattached/device[0]");
    }

    /// Sends one qtest command; returns what follows its `OK`, noting IRQ reports on the way.
    fn command(&mut self, line: &str) -> String {
        writeln!(self.qtest_in, "{line}").unwrap();
        loop {
            let reply = match self.qtest_out.recv_timeout(PATIENCE) {
                Ok(reply) => reply,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("QEMU did not answer `{line}`: {}", self.messages())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("QEMU exited at `{line}`: {}", self.messages())
                }
            };
            let reply = reply.trim_end();
            if let Some(irq) = reply.strip_prefix("IRQ ") {
                let (level, n) = irq.split_once(' ').unwrap();
                let n: usize = n.parse().unwrap();
                if n < 2 {
                    self.cpu_lines[n] = level == "raise";
                }
            } else if let Some(rest) = reply.strip_prefix("OK") {
                return rest.trim().to_owned();
            } else {
                panic!("QEMU answered `{reply}` to `{line}`: {}", self.messages());
            }
        }
    }

    fn read(&mut self, addr: u64) -> u32 {
        let value = self.command(&format!("readl {addr:#x}"));
        let value = u64::from_str_radix(value.trim_start_matches("0x"), 16).unwrap();
        u32::try_from(value).unwrap()
    }

    fn write(&mut self, addr: u64, value: u32) {
        self.command(&format!("writel {addr:#x} {value:#x}"));
    }

    /// The end of QEMU's messages (its qtest log among them), for a failure's message.
    fn messages(&self) -> String {
        let all = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        let lines: Vec<&str> = all.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Migrates the stopped machine into `path` and returns the stream, once the file holds
    /// all of it (QEMU reports the migration completed while `cat` may still be copying its
    /// last bytes).
    fn migrate(&mut self, path: &Path) -> Stream {
        let mut qmp = self.qmp();
        let uri = format!("exec:cat > '{}'", path.display());
        qmp.execute(json!({"execute": "migrate", "arguments": {"uri": uri}}));
        qmp.wait_for_migration();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let bytes = std::fs::read(path).unwrap();
            match Stream::parse(bytes) {
                Ok(stream) if stream.has_vmdesc() => return stream,
                unfinished => assert!(
                    Instant::now() < deadline,
                    "{}: {:?}",
                    path.display(),
                    unfinished.map(|_| "no vmdesc")
                ),
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Lets the machine run for `ms` milliseconds of host time (the CPU spins at the reset
    /// vector: [`Qemu::park_cpu`]), so that the virtual clock moves: timers count, and the
    /// SD card's power-up completes.
    fn run_for(&mut self, ms: u64) {
        let mut qmp = self.qmp();
        qmp.execute(json!({"execute": "cont"}));
        std::thread::sleep(Duration::from_millis(ms));
        qmp.execute(json!({"execute": "stop"}));
    }

    /// Puts a branch to itself at the reset vector (RAM at 0), for [`Qemu::run_for`].
    fn park_cpu(&mut self) {
        self.write(0, 0xeaff_fffe); // b .
    }

    /// A QMP connection, its capabilities negotiated.
    fn qmp(&self) -> Qmp {
        let deadline = Instant::now() + PATIENCE;
        let socket = loop {
            match UnixStream::connect(&self.qmp_path) {
                Ok(s) => break s,
                Err(e) => {
                    assert!(Instant::now() < deadline, "QMP socket: {e}");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        };
        socket.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut qmp = Qmp {
            out: socket.try_clone().unwrap(),
            replies: BufReader::new(socket),
        };
        qmp.reply(); // the greeting
        qmp.execute(json!({"execute": "qmp_capabilities"}));
        qmp
    }
}

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A QMP connection: one JSON object per line, events among the replies.
struct Qmp {
    out: UnixStream,
    replies: BufReader<UnixStream>,
}

impl Qmp {
    fn reply(&mut self) -> Value {
        loop {
            let mut line = String::new();
            assert!(self.replies.read_line(&mut line).unwrap() > 0, "QMP closed");
            let reply: Value = serde_json::from_str(&line).unwrap();
            if reply.get("event").is_none() {
                return reply;
            }
        }
    }

    fn execute(&mut self, command: Value) -> Value {
        writeln!(self.out, "{command}").unwrap();
        let reply = self.reply();
        assert!(reply.get("error").is_none(), "{command}: {reply}");
        reply["return"].clone()
    }

    /// Waits until the migration, out or in, has completed.
    fn wait_for_migration(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let status = self.execute(json!({"execute": "query-migrate"}));
            match status["status"].as_str() {
                Some("completed") => return,
                Some("failed") => panic!("migration failed: {status}"),
                _ => {
                    assert!(Instant::now() < deadline, "migration stalled: {status}");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }
}

/// The seeds to run: `VMSTATE_QTEST_SEED`'s, or [`SEEDS`].
fn seeds() -> Vec<u64> {
    match std::env::var("VMSTATE_QTEST_SEED") {
        Ok(seed) => match seed.parse() {
            Ok(0) | Err(_) => panic!("VMSTATE_QTEST_SEED is a number above 0, not {seed:?}"),
            Ok(seed) => vec![seed],
        },
        Err(_) => SEEDS.to_vec(),
    }
}

/// A board with `ram_mib` MiB of RAM on the clocks QEMU runs this test on: the virtual
/// clock and the RTC's (`clock=vm`) both stopped at 0.
fn stopped_board(ram_mib: u32) -> IntegratorCp {
    let vm_clock = Arc::new(FakeClock::new(0));
    IntegratorCp::with_clocks(ram_mib, vm_clock.clone(), vm_clock)
}

/// The last accesses of a sequence, for a failure's message.
fn tail(log: &[String]) -> String {
    log[log.len().saturating_sub(12)..].join("\n  ")
}

/// What a sequence did, so that a run can tell it tested something.
#[derive(Default)]
struct Coverage {
    /// Accesses QEMU was spared (it aborts or resets on them; the model reports them).
    spared: usize,
    /// Accesses after which the CPU's IRQ, or FIQ, line was high.
    irq_high: usize,
    fiq_high: usize,
    /// Writes to the core module's locked oscillator registers that took effect.
    unlocked_writes: usize,
}

/// QEMU and the board side by side, and what the accesses to them did.
struct Run {
    seed: u64,
    rng: Rng,
    log: Vec<String>,
    seen: Coverage,
}

impl Run {
    /// `ACCESSES` random accesses to both; every read and both CPU lines must agree.
    /// `lines_known`: whether QEMU's CPU lines are known yet (after a load, QEMU has not
    /// driven them again: qtest reports them when an interrupt controller next does).
    fn drive(&mut self, qemu: &mut Qemu, board: &mut IntegratorCp, mut lines_known: bool) {
        let seed = self.seed;
        for i in 0..ACCESSES {
            let (base, first, end) = SPANS[self.rng.below(SPANS.len())];
            let addr = base + first + word_below(&mut self.rng, end - first);
            if self.rng.below(2) == 0 {
                let ours = board.read_checked(addr).unwrap();
                if ours.is_err_and(|e| e.what.contains("QEMU aborts")) {
                    self.seen.spared += 1;
                    continue;
                }
                let theirs = qemu.read(addr);
                self.log.push(format!("#{i} read {addr:#x} = {theirs:#x}"));
                assert_eq!(
                    ours.unwrap_or(0),
                    theirs,
                    "seed {seed}: read {addr:#x}: the board differs from QEMU after:\n  {}",
                    tail(&self.log)
                );
            } else {
                let mut value = value(&mut self.rng);
                if addr == map::CORE_MODULE + integratorcm::reg::CTRL {
                    value &= !integratorcm::CTRL_RESET; // QEMU would reset the machine
                }
                if addr == map::CORE_MODULE + integratorcm::reg::LOCK && self.rng.below(2) == 0 {
                    value = integratorcm::LOCK_KEY; // often enough to see both states
                }
                let before = vmstate_core::qemu::to_bytes(&board.core).unwrap();
                let effects = board.write(addr, value).unwrap();
                if board.core.interrupt_pending() {
                    // QEMU aborts ("Core module interrupt"): take the write back, spare QEMU.
                    vmstate_core::qemu::from_bytes(&mut board.core, &before, 1, 0).unwrap();
                    self.seen.spared += 1;
                    continue;
                }
                let oscillators = [integratorcm::reg::OSC, integratorcm::reg::AUXOSC]
                    .map(|offset| map::CORE_MODULE + offset);
                if oscillators.contains(&addr) && effects.dropped.is_none() {
                    self.seen.unlocked_writes += 1;
                }
                qemu.write(addr, value);
                self.log.push(format!("#{i} write {addr:#x} {value:#x}"));
                // QEMU's primary controller drives the CPU's lines on every write to one of
                // its registers.
                lines_known |= (map::PIC..map::PIC + map::WINDOW).contains(&addr)
                    && effects.unimplemented.is_none();
            }
            if lines_known {
                assert_eq!(
                    [board.cpu_irq(), board.cpu_fiq()],
                    qemu.cpu_lines,
                    "seed {seed}: the CPU's [IRQ, FIQ] lines differ from QEMU's after:\n  {}",
                    tail(&self.log)
                );
            }
            self.seen.irq_high += usize::from(board.cpu_irq());
            self.seen.fiq_high += usize::from(board.cpu_fiq());
        }
    }

    /// Migrates QEMU into the file `path`: each ported device's section must hold what the
    /// board saves.
    fn migrate(&self, qemu: &mut Qemu, board: &IntegratorCp, path: &Path) -> Stream {
        let stream = qemu.migrate(path);
        for (idstr, instance) in SECTIONS {
            let section = stream
                .device(idstr, instance)
                .unwrap_or_else(|| panic!("no {idstr}:{instance} section"));
            let ours = board.section(idstr, instance).unwrap();
            assert_eq!(section.version_id, ours.description().version, "{idstr}");
            assert_eq!(
                stream.data(section),
                {
                    let mut data = Vec::new();
                    ours.save_qemu(&mut data).unwrap();
                    data
                },
                "seed {}: {idstr}:{instance}: QEMU's section in {} differs from the \
                 board's save after:\n  {}",
                self.seed,
                path.display(),
                tail(&self.log)
            );
        }
        stream
    }
}

/// Runs sequence `seed`: accesses to a machine at reset, a migration, accesses to the
/// machine that loaded it, and a second migration.
fn run_sequence(seed: u64, dir: &Scratch) -> Coverage {
    let mut run = Run {
        seed,
        rng: Rng(seed),
        log: Vec::new(),
        seen: Coverage::default(),
    };
    let ram_mib = RAM_SIZES[(seed % 5) as usize];
    let machine = integratorcp(ram_mib);
    let mut source = Qemu::start(dir, &format!("seed{seed}"), &machine);
    source.intercept_cpu_lines();
    let mut board = stopped_board(ram_mib);
    run.drive(&mut source, &mut board, true);
    let path = dir.path(&format!("seed{seed}.stream"));
    let stream = run.migrate(&mut source, &board, &path);

    // QEMU loads its stream, and so does a fresh board: every register reads the same (not
    // always what the source read: QEMU's RTC raises an alarm due at the load, as the
    // board's does), and goes on to behave the same.
    let mut destination = Qemu::load(dir, &format!("seed{seed}-destination"), &machine, &path);
    destination.intercept_cpu_lines();
    let mut loaded = load_board(&stream).unwrap();
    for (device, addr, ours) in loaded.register_dump(false) {
        assert_eq!(
            ours,
            destination.read(addr),
            "seed {seed}: {device} at {addr:#x} after the load differs from QEMU's"
        );
    }
    run.log.push("(loaded)".into());
    run.drive(&mut destination, &mut loaded, false);
    let again = dir.path(&format!("seed{seed}-again.stream"));
    run.migrate(&mut destination, &loaded, &again);
    run.seen
}

#[test]
fn random_accesses_read_and_migrate_as_in_qemu() {
    if !vmstate_tests::have_tools(&["qemu-system-arm"], "qemu_qtest") {
        return;
    }
    let seeds = seeds();
    let dir = Scratch::new("board");
    let mut total = Coverage::default();
    for &seed in &seeds {
        let seen = run_sequence(seed, &dir);
        total.spared += seen.spared;
        total.irq_high += seen.irq_high;
        total.fiq_high += seen.fiq_high;
        total.unlocked_writes += seen.unlocked_writes;
    }
    // Sequences that spared QEMU most accesses, never raised a CPU line or never opened the
    // core module's lock would have tested little.
    assert!(
        total.spared < seeds.len() * ACCESSES / 10,
        "{} accesses spared",
        total.spared
    );
    assert!(
        total.irq_high > 0 && total.fiq_high > 0 && total.unlocked_writes > 0,
        "IRQ high after {} accesses, FIQ after {}, {} unlocked writes",
        total.irq_high,
        total.fiq_high,
        total.unlocked_writes
    );
    dir.passed();
}

/// The state-only ports' windows: (base, end offset, what their data registers take). Not
/// the network controller's (its section is checked at reset): QEMU 7.2's smc91c111
/// corrupts its heap on random packet numbers and lengths (QEMU 10.0 checks them), and
/// crashed in half the replays of a sequence that wrote them.
const PORTED_SPANS: [(u64, u64, Values); 12] = [
    (0x1300_0000, 0x20, Values::Any),        // timer 0 (integrator_pit)
    (0x1300_0100, 0x20, Values::Any),        // timer 1
    (0x1300_0200, 0x20, Values::Any),        // timer 2
    (0x1600_0000, 0x50, Values::Any),        // UART 0 (pl011)
    (0x1700_0000, 0x50, Values::Any),        // UART 1
    (0x1800_0000, 0x14, Values::Ps2),        // keyboard (pl050 + ps2kbd)
    (0x1900_0000, 0x14, Values::Ps2),        // mouse (pl050 + ps2mouse)
    (0x1c00_0000, 0x40, Values::MmcCommand), // MMC (pl181 + sd-card)
    (0x1c00_0080, 0x40, Values::Any),        // MMC FIFO
    (0x1d00_0000, 0x100, Values::Any),       // audio (pl041 + lm4549)
    (0xc000_0000, 0x40, Values::Any),        // LCD (pl110)
    (0xc000_0200, 0x200, Values::Any),       // LCD palette
];

/// What a write to a state-only port's window carries.
#[derive(Clone, Copy)]
enum Values {
    Any,
    /// PS/2 commands (LEDs, rates, modes, resets, echo) half the time.
    Ps2,
    /// SD commands (enabled, with a response) at the command register half the time.
    MmcCommand,
}

/// PS/2 keyboard and mouse commands.
const PS2_COMMANDS: [u32; 16] = [
    0xed, 0xee, 0xf0, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xff, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xf0,
];

/// The PL181's registers, for [`select_sd_card`].
const MMCI: u64 = 0x1c00_0000;
const MMCI_ARGUMENT: u64 = MMCI + 0x08;
const MMCI_COMMAND: u64 = MMCI + 0x0c;
const MMCI_RESPONSE0: u64 = MMCI + 0x14;
/// MMCICommand: send it, and wait for a (short) response.
const CPSM_ENABLE: u32 = 0x400;
const CPSM_RESPONSE: u32 = 0x40;

/// Takes the SD card from idle to selected, as a driver does, so that random accesses
/// reach its transfer states: reset, interface condition, power-up (which QEMU completes
/// after 0.5 ms of virtual time), identification, a relative address, selection, 512-byte
/// blocks.
fn select_sd_card(qemu: &mut Qemu) {
    /// Sends command `index`; returns the first word of its response.
    fn send(qemu: &mut Qemu, index: u32, argument: u32) -> u32 {
        qemu.write(MMCI_ARGUMENT, argument);
        let response = if index == 0 { 0 } else { CPSM_RESPONSE };
        qemu.write(MMCI_COMMAND, CPSM_ENABLE | response | index);
        qemu.read(MMCI_RESPONSE0)
    }
    send(qemu, 0, 0); // GO_IDLE_STATE
    send(qemu, 8, 0x1aa); // SEND_IF_COND
    qemu.run_for(5);
    send(qemu, 55, 0); // APP_CMD
    send(qemu, 41, 0x40ff_8000); // SD_SEND_OP_COND
    send(qemu, 2, 0); // ALL_SEND_CID
    let rca = send(qemu, 3, 0) >> 16; // SEND_RELATIVE_ADDR
    send(qemu, 7, rca << 16); // SELECT_CARD
    send(qemu, 16, 512); // SET_BLOCKLEN
}

/// Sequence `seed` of accesses to the state-only ports' devices in QEMU, then a migration:
/// every section loads and saves back, matches the vmdesc, and decodes.
fn run_ported_sequence(seed: u64, dir: &Scratch) {
    use devices::qemu_image::{inspect, rewrite_stream};
    use devices::qemu_sections::{
        arm_timer::ArmTimerState, pl011::Pl011State, pl041::Pl041State, pl050::Pl050State,
        pl110::Pl110State, pl181::Pl181State, ps2::Ps2KbdState, ps2::Ps2MouseState,
        sd_card::SdCardState, smc91c111::Smc91c111State,
    };
    use vmstate_tests::port_matches_qemu_section as port;

    let name = format!("ported{seed}");
    let mut args = vec!["-nic".to_owned(), "user,model=smc91c111".to_owned()];
    if seed % 2 == 1 {
        // A card with a medium, so that its commands read, write and protect.
        let image = dir.path(&format!("{name}.sd"));
        std::fs::write(&image, vec![0x5a; 1 << 20]).unwrap();
        args.push("-drive".to_owned());
        args.push(format!("if=sd,format=raw,file={}", image.display()));
    }
    let machine = integratorcp(RAM_SIZES[(seed % 5) as usize]);
    let mut qemu = Qemu::spawn(dir, &name, &machine, &args);
    qemu.park_cpu();
    if seed % 2 == 1 {
        select_sd_card(&mut qemu);
    }
    let mut rng = Rng(seed);
    for i in 0..ACCESSES {
        if i % 1000 == 999 {
            qemu.run_for(2); // timers move, interrupts rise
        }
        let (base, end, values) = PORTED_SPANS[rng.below(PORTED_SPANS.len())];
        let offset = word_below(&mut rng, end);
        if rng.below(3) == 0 {
            qemu.read(base + offset);
            continue;
        }
        let value = match values {
            Values::Ps2 if offset == 0x8 && rng.below(2) == 0 => {
                PS2_COMMANDS[rng.below(PS2_COMMANDS.len())]
            }
            // MMCICommand: enable, wait for a response, command index.
            Values::MmcCommand if offset == 0xc && rng.below(2) == 0 => {
                0x440 | rng.below(64) as u32
            }
            _ => value(&mut rng),
        };
        qemu.write(base + offset, value);
    }

    let stream = qemu.migrate(&dir.path(&format!("{name}.stream")));
    // The board's sections saved back, the rest copied: the stream as QEMU sent it.
    assert_eq!(
        rewrite_stream(&stream, &[]).unwrap(),
        stream.bytes(),
        "seed {seed}: rewrite changed the stream"
    );
    for instance in 0..3 {
        port::<ArmTimerState>(&stream, "arm_timer", instance);
    }
    for instance in 0..2 {
        port::<Pl011State>(&stream, "pl011", instance);
        port::<Pl050State>(&stream, "pl050", instance);
    }
    port::<Ps2KbdState>(&stream, "ps2kbd", 0);
    port::<Ps2MouseState>(&stream, "ps2mouse", 0);
    port::<Pl181State>(&stream, "pl181", 0);
    port::<SdCardState>(&stream, "sd-card", 0);
    port::<Pl041State>(&stream, "pl041", 0);
    port::<Pl110State>(&stream, "pl110", 0);
    port::<Smc91c111State>(&stream, "smc91c111", 0);
    let listing = inspect(&stream).unwrap();
    for section in listing["sections"].as_array().unwrap() {
        let idstr = section["idstr"].as_str().unwrap();
        if section["kind"] == "full" && idstr != "slirp" {
            assert!(
                section["fields"].is_object(),
                "seed {seed}: {idstr} did not decode: {section}"
            );
        }
    }
}

/// Runs `sequence` for each seed, with files in a directory named after `test`, when QEMU
/// is there.
fn for_each_seed(test: &str, sequence: fn(u64, &Scratch)) {
    if !vmstate_tests::have_tools(&["qemu-system-arm"], "qemu_qtest") {
        return;
    }
    let dir = Scratch::new(test);
    for seed in seeds() {
        sequence(seed, &dir);
    }
    dir.passed();
}

#[test]
fn random_states_of_the_other_devices_load_and_save_back_in_their_ports() {
    for_each_seed("ports", run_ported_sequence);
}

/// Where the Stellaris LM3S811 evaluation board (`-M lm3s811evb`) has its PL022, whose SSI bus
/// has no device: a transfer without loopback receives zeros, as in the port.
const LM3S811_SSI: u64 = 0x4000_8000;

/// Sequence `seed` against the PL022 of QEMU's `lm3s811evb`: reads agree, the migrated
/// section is the port's save, and both load it and go on alike.
fn run_pl022_sequence(seed: u64, dir: &Scratch) {
    use devices::pl022::Pl022;

    /// Random accesses to QEMU's PL022 and the port; every read must agree.
    fn drive(seed: u64, rng: &mut Rng, qemu: &mut Qemu, ssp: &mut Pl022, log: &mut Vec<String>) {
        for i in 0..ACCESSES {
            // The registers (and a little past them) half the time, else the ID registers.
            let offset = match rng.below(4) {
                0 => 0xfe0 + word_below(rng, 0x20),
                _ => word_below(rng, 0x30),
            };
            if rng.below(2) == 0 {
                let theirs = qemu.read(LM3S811_SSI + offset);
                log.push(format!("#{i} read {offset:#x} = {theirs:#x}"));
                assert_eq!(
                    ssp.read(offset),
                    theirs,
                    "seed {seed}: PL022 read {offset:#x} differs from QEMU's after:\n  {}",
                    tail(log)
                );
            } else {
                // Control values with loopback and the port enabled (CR1 bits 0 and 1) often.
                let value = match rng.below(4) {
                    0 => 0x3 | (rng.next() as u32 & 0xc),
                    _ => value(rng),
                };
                ssp.write(offset, value);
                qemu.write(LM3S811_SSI + offset, value);
                log.push(format!("#{i} write {offset:#x} {value:#x}"));
            }
        }
    }

    /// QEMU's PL022 section in the stream it migrates into `path`, checked against `ssp`'s save.
    fn migrate(seed: u64, qemu: &mut Qemu, ssp: &Pl022, path: &Path, log: &[String]) -> Stream {
        let stream = qemu.migrate(path);
        let section = stream.device("pl022_ssp", 0).expect("a pl022_ssp section");
        assert_eq!(
            stream.data(section),
            vmstate_core::qemu::to_bytes(ssp).unwrap(),
            "seed {seed}: QEMU's pl022_ssp section differs from the port's save after:\n  {}",
            tail(log)
        );
        stream
    }

    let machine = ["-M".to_owned(), "lm3s811evb".to_owned()];
    let mut rng = Rng(seed);
    let mut log = Vec::new();
    let mut source = Qemu::start(dir, &format!("pl022-{seed}"), &machine);
    let mut ssp = Pl022::new();
    drive(seed, &mut rng, &mut source, &mut ssp, &mut log);
    let path = dir.path(&format!("pl022-{seed}.stream"));
    let stream = migrate(seed, &mut source, &ssp, &path, &log);

    let destination_name = format!("pl022-{seed}-destination");
    let mut destination = Qemu::load(dir, &destination_name, &machine, &path);
    let section = stream.device("pl022_ssp", 0).unwrap();
    let mut loaded = Pl022::new();
    vmstate_core::qemu::from_bytes(
        &mut loaded,
        stream.data(section),
        section.version_id,
        section.data.start,
    )
    .unwrap();
    assert_eq!(loaded, ssp, "seed {seed}: the port loads what it saved");
    log.push("(loaded)".into());
    drive(seed, &mut rng, &mut destination, &mut loaded, &mut log);
    let again = dir.path(&format!("pl022-{seed}-again.stream"));
    migrate(seed, &mut destination, &loaded, &again, &log);
}

#[test]
fn the_pl022_port_reads_and_migrates_as_qemus() {
    for_each_seed("pl022", run_pl022_sequence);
}
