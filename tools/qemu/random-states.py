#!/usr/bin/env python3
"""Random device states of any QEMU machine, migrated, then decoded by `vmstate qemu inspect`.

    ./random-states.py [--arch arm|x86] [--accesses N] [--exclude REGEX] [--keep]
                       [--qemu-arg ARG ...] MACHINE SEED...

For each seed: starts `qemu-system-ARCH -M MACHINE` stopped (`-S`) under QEMU's qtest
protocol, lists the machine's MMIO (and, for x86, port I/O) regions from `info mtree -f`, and
makes N seeded random reads and writes across them (on ARM machines with RAM at 0 the CPU
is parked on a branch to itself, behind a vector table on M-profile ones, and the machine
runs 2 ms every 1,000 accesses, so that timers move); then migrates to a file and runs `vmstate qemu inspect --json --schema DUMP`
on it, where DUMP is that QEMU's own `-dump-vmstate`. Prints a line per seed, and a line per
section named like a description of the dump (its idstr, or the idstr's last `/` part) that
did not decode (`FAILED`); exits 1 if there was one, 2 if QEMU crashed or a seed took more
than two minutes (QEMU is stopped then, and on SIGTERM).

Regions whose names match the exclusion pattern are left alone: RAM, ROM and flash, and
device models of QEMU 7.2 that crash the emulator on random register values (smc91c111,
the Cortex-A9 global timer, the GIC, fw_cfg's DMA, VMware's I/O port; x86 ports that reset
or power off the machine); a crash during an access names its region, the next
candidate for `--exclude`. Boards that need an image take it with `--qemu-arg` (repeated:
`--qemu-arg=-bios --qemu-arg=FILE`). Needs `vmstate` built (`cargo build --release --bin vmstate`).
"""

import argparse
import functools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep tools/qemu free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemumon import die_with_parent  # noqa: E402

EXCLUDE = {
    # `(?<!di)gic`: the GIC, not the Canon DIGIC's regions; fw_cfg's DMA takes guest
    # addresses (random ones grew a `virt` QEMU to 21 GB).
    "arm": r"smc91c111|flash|\.ram|rom|a9gtimer|(?<!di)gic|fwcfg",
    "x86": r"vmport|reset|port92|i8042-cmd|apm|acpi|pm|fwcfg|kvmvapic|ioport80|pci-conf|"
    r"^@|pcspk|\.ram|rom|bios|pc\.|smram|vga\.vram|pam",
}
SEED_SECONDS = 120
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VMSTATE = os.path.join(ROOT, "target", "release", "vmstate")


class Crash(Exception):
    pass


def has_machine_property(binary, machine, name):
    """Whether `-M MACHINE,help` lists the machine property `name`."""
    out = subprocess.run([binary, "-M", machine + ",help"], capture_output=True, text=True).stdout
    return re.search(r"^\s*%s=" % re.escape(name), out, re.M) is not None


class Qemu:
    """A stopped machine under qtest (stdio) with a QMP socket."""

    def __init__(self, binary, machine, work, extra=()):
        self.qmp_path = os.path.join(work, "qmp")
        args = [binary, "-M", machine, "-S", "-display", "none", "-audiodev", "none,id=s",
                "-serial", "none", "-monitor", "none", "-qtest", "stdio",
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path] + list(extra)
        # Later QEMU gives a board's own sound device no backend by default (QEMU 11's
        # integratorcp: "no default audio driver available") and takes one as a machine
        # property, which QEMU 7.2's machines and QEMU 11's pc and q35 do not have.
        if has_machine_property(binary, machine, "audiodev"):
            args += ["-machine", "audiodev=s"]
        self.stderr = open(os.path.join(work, "stderr"), "w")
        # QEMU dies with this script, even when it is killed outright.
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.stderr, text=True,
                                  preexec_fn=functools.partial(die_with_parent, os.getpid()))

    def qtest(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        while True:
            reply = self.p.stdout.readline()
            if not reply:
                raise Crash("QEMU exited (%s) at `%s`" % (self.p.wait(), line))
            if reply.startswith("OK") or reply.startswith("FAIL"):
                return reply

    def qmp(self, *commands):
        """Runs QMP commands on a fresh connection; returns the last one's result."""
        s = socket.socket(socket.AF_UNIX)
        for _ in range(500):
            try:
                s.connect(self.qmp_path)
                break
            except OSError:
                if self.p.poll() is not None:
                    raise Crash("QEMU exited (%s) before its QMP socket" % self.p.returncode)
                time.sleep(0.01)
        else:
            raise Crash("no QMP socket at %s" % self.qmp_path)
        f = s.makefile("rw")
        result = None
        try:
            f.readline()
            for cmd in (("qmp_capabilities", {}),) + commands:
                f.write(json.dumps({"execute": cmd[0], "arguments": cmd[1]}) + "\n")
                f.flush()
                while True:
                    line = f.readline()
                    if not line:
                        raise Crash("QEMU closed QMP at %s" % cmd[0])
                    reply = json.loads(line)
                    if "event" not in reply:
                        break
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (cmd[0], reply["error"]))
                result = reply["return"]
        finally:
            f.close()
            s.close()
        return result

    def close(self):
        self.p.kill()
        self.p.wait()
        self.stderr.close()


def regions(mtree, arch, exclude):
    """(space, base, size, name) of every I/O region of the memory (and port I/O) views."""
    views = mtree.split("FlatView #")
    spaces = [("mem", 'AS "memory"')] + ([("io", 'AS "I/O"')] if arch == "x86" else [])
    out = []
    for space, marker in spaces:
        view = next(v for v in views if marker in v)
        if space == "mem" and "No rendered FlatView" in view:  # fby35: the CPU's view
            view = next(v for v in views if 'AS "cpu-memory-0"' in v)
        for line in view.splitlines():
            m = re.match(r"\s*([0-9a-f]+)-([0-9a-f]+) \(prio \d+, i/o\): (\S+)", line)
            if m and not re.search(exclude, m.group(3), re.I):
                base, last = int(m.group(1), 16), int(m.group(2), 16)
                out.append((space, base, last - base + 1, m.group(3)))
    return out


def access(qemu, rng, region):
    space, base, size, _ = region
    value = rng.choice([0, 0xFFFFFFFF, 1 << rng.randrange(32), rng.randrange(256),
                        rng.getrandbits(32), rng.getrandbits(32)])
    read = rng.random() < 0.4
    if space == "io":
        width = rng.choice([w for w in (1, 2, 4) if w <= size])
        port = base + rng.randrange(0, size - width + 1)
        op = {1: "b", 2: "w", 4: "l"}[width]
        if read:
            qemu.qtest("in%s 0x%x" % (op, port))
        else:
            qemu.qtest("out%s 0x%x 0x%x" % (op, port, value & ((1 << (8 * width)) - 1)))
    else:
        addr = base + rng.randrange(0, max(1, min(size, 0x1000) // 4)) * 4
        if read:
            qemu.qtest("readl 0x%x" % addr)
        else:
            qemu.qtest("writel 0x%x 0x%x" % (addr, value))


def described(dump):
    """The names of every description in a -dump-vmstate file, nested ones included."""
    names = set()

    def walk(v):
        if isinstance(v, dict):
            if isinstance(v.get("Description"), dict):
                names.add(v["Description"].get("name"))
            if "name" in v and "version_id" in v:
                names.add(v["name"])
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(dump)
    return names


def run(args, seed, dump_path, names):
    binary = "qemu-system-%s" % ("arm" if args.arch == "arm" else "x86_64")
    work = tempfile.mkdtemp(prefix="random-states-%s-%d-" % (args.machine, seed))
    qemu = Qemu(binary, args.machine, work, args.qemu_arg)
    signal.alarm(SEED_SECONDS)  # a wedged QEMU is a crash, and is killed
    in_flight = None  # the region of the access under way, named if QEMU dies in it
    try:
        mtree = qemu.qmp(("human-monitor-command", {"command-line": "info mtree -f"}))
        targets = regions(mtree, args.arch, args.exclude or EXCLUDE[args.arch])
        memory = next(v for v in mtree.split("FlatView #") if 'AS "memory"' in v)
        park = args.arch == "arm" and re.search(
            r"^\s*0+-[0-9a-f]+ \(prio \d+, ram\)", memory, re.M)
        if park:
            regs = qemu.qmp(("human-monitor-command", {"command-line": "info registers"}))
            if "XPSR" in regs:
                # M profile reads a vector table at 0: SP, then a reset vector (Thumb) to
                # `b .`; the reset loads them.
                qemu.qtest("writel 0x0 0x400")
                qemu.qtest("writel 0x4 0x101")
                qemu.qtest("writel 0x100 0xe7fee7fe")
                qemu.qmp(("system_reset", {}))
            else:
                qemu.qtest("writel 0x0 0xeafffffe")  # b .
        rng = random.Random(seed)
        for i in range(args.accesses):
            if park and i % 1000 == 999:
                qemu.qmp(("cont", {}))
                time.sleep(0.002)
                qemu.qmp(("stop", {}))
            in_flight = rng.choice(targets)
            access(qemu, rng, in_flight)
            in_flight = None
        stream = os.path.join(work, "stream")
        qemu.qmp(("migrate", {"uri": "exec:cat > '%s'" % stream}))
        for _ in range(3000):
            status = qemu.qmp(("query-migrate", {})).get("status")
            if status in ("completed", "failed"):
                break
            time.sleep(0.01)
        if status != "completed":
            raise RuntimeError("migration %s" % status)
    except BaseException:
        print("  files of %s seed %d kept in %s" % (args.machine, seed, work))
        if in_flight is not None:
            print("  region of the access under way: %s" % (in_flight,))
        raise
    finally:
        signal.alarm(0)
        qemu.close()
    # QEMU reports "completed" while `cat` may still be copying the last bytes: wait until
    # the file stops growing.
    size = -1
    while size != os.path.getsize(stream):
        size = os.path.getsize(stream)
        time.sleep(0.1)
    listing = subprocess.run([VMSTATE, "qemu", "inspect", "--json", "--schema", dump_path,
                              stream], capture_output=True, text=True)
    if listing.returncode != 0:
        raise RuntimeError("inspect failed: %s" % listing.stderr)
    failed = []
    sections = json.loads(listing.stdout)["sections"]
    for s in sections:
        # A device on a bus is named by its path (`0000:00:02.0/e1000`): the last part.
        if s.get("kind") == "full" and not isinstance(s.get("fields"), dict):
            if s["idstr"].rsplit("/", 1)[-1] in names:
                failed.append(s)
    for s in failed:
        print("FAILED %s: %s" % (s["idstr"], json.dumps(s)[:600]))
    print("%s seed %d: %d regions, %d sections, %d failed" % (
        args.machine, seed, len(targets), len(sections), len(failed)))
    if failed or args.keep:
        print("  kept in %s" % work)
    else:
        shutil.rmtree(work)
    return not failed


def on_alarm(signum, frame):
    raise Crash("no progress for %d s" % SEED_SECONDS)


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    # Killed by `timeout` or ^C: still stop QEMU (the `finally` in `run`).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(3))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", choices=["arm", "x86"], default="arm")
    ap.add_argument("--accesses", type=int, default=3000)
    ap.add_argument("--exclude", help="regex of region names to leave alone")
    ap.add_argument("--keep", action="store_true", help="keep each seed's files")
    ap.add_argument("--qemu-arg", action="append", default=[],
                    help="one more QEMU argument (boards that need -kernel, -bios, a drive)")
    ap.add_argument("machine")
    ap.add_argument("seeds", type=int, nargs="+")
    args = ap.parse_args()
    if not os.path.exists(VMSTATE):
        sys.exit("build vmstate first: cargo build --release --locked --bin vmstate")
    binary = "qemu-system-%s" % ("arm" if args.arch == "arm" else "x86_64")
    dump_dir = tempfile.mkdtemp(prefix="random-states-dump-")
    dump_path = os.path.join(dump_dir, "dump.json")
    subprocess.run([binary, "-M", args.machine, "-dump-vmstate", dump_path, "-display", "none",
                    "-audiodev", "none,id=s"] + args.qemu_arg, check=True, capture_output=True)
    with open(dump_path) as f:
        names = described(json.load(f))
    ok = True
    try:
        for seed in args.seeds:
            ok &= run(args, seed, dump_path, names)
    except Crash as e:
        print("QEMU crashed or hung: %s" % e)
        sys.exit(2)
    finally:
        shutil.rmtree(dump_dir)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
