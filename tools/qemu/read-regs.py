#!/usr/bin/env python3
"""Load a QEMU integratorcp migration stream and read 32-bit words through the device models.

usage: read-regs.py STREAM ADDR [ADDR ...] [--mem 32] [--timeout 30]

Starts `qemu-system-arm -M integratorcp -S ... -incoming "exec:cat STREAM"`, waits for the
incoming migration to complete, then runs `xp /1wx ADDR` in the monitor for each ADDR and prints
one line per address: `0xADDR 0xVALUE` (8 lowercase hex digits each). Exits non-zero, printing
QEMU's own error text, if QEMU refuses the stream.
"""

import argparse
import os
import re
import shlex
import sys
import time

sys.dont_write_bytecode = True  # keep tools/qemu free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemumon import (Qemu, ToolError, die, install_signal_handlers, parse_u32,  # noqa: E402
                     require_tool, migration_status)

PROG = "read-regs.py"
XP_RE = re.compile(r"^([0-9a-fA-F]+):\s+0x([0-9a-fA-F]{8})\s*$")


def wait_incoming(q):
    q.wait_prompt(min(15.0, q.remaining()), "waiting for the QEMU monitor prompt")
    # The monitor answers while the incoming migration is still running (status
    # "inmigrate"); a refused stream makes QEMU print an error and exit(1).
    while True:
        st = q.cmd("info status", what="waiting for the incoming migration")
        mig = migration_status(q.cmd("info migrate", what="waiting for the incoming migration"))
        if "inmigrate" not in st and mig == "completed":
            return
        if mig in ("failed", "cancelled"):
            raise q.failure("incoming migration %s" % mig)
        if q.remaining() < 0.5:
            raise q.failure("incoming migration did not complete in time (%s, migration "
                            "status %s)" % (st, mig))
        time.sleep(0.05)


def main(argv):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("stream", metavar="STREAM", help="migration stream file")
    ap.add_argument("addrs", metavar="ADDR", nargs="+", help="physical address to read (32-bit)")
    ap.add_argument("--mem", type=int, default=32, help="guest RAM in MiB (default 32)")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="overall time limit in seconds (default 30)")
    ap.add_argument("--qemu-arg", metavar="ARG", action="append", default=[],
                    help="one more argument for qemu-system-arm (repeatable), e.g. the "
                         "--qemu-arg=-global --qemu-arg=migration.send-section-footer=off "
                         "the stream was made with")
    a = ap.parse_args(argv)
    deadline = time.monotonic() + a.timeout
    addrs = [parse_u32(x, "address") for x in a.addrs]
    if not 1 <= a.mem <= 4096:
        raise ToolError("--mem must be between 1 and 4096 MiB")
    stream = os.path.abspath(a.stream)
    if not os.path.exists(stream) or os.path.isdir(stream):
        raise ToolError("stream file %s does not exist" % stream)
    if not os.access(stream, os.R_OK):
        raise ToolError("stream file %s is not readable" % stream)
    if os.path.isfile(stream) and os.path.getsize(stream) == 0:
        # QEMU 7.2 quirk: an empty exec: stream leaves it in "inmigrate" forever
        raise ToolError("stream file %s is empty" % stream)
    qemu_bin = require_tool("qemu-system-arm")

    # -S keeps the guest from running after the load even if the stream came from a running VM.
    args = [qemu_bin, "-M", "integratorcp", "-m", str(a.mem), "-S",
            "-display", "none", "-serial", "none", "-monitor", "stdio",
            "-incoming", "exec:cat " + shlex.quote(stream)] + a.qemu_arg
    results = []
    with Qemu(args, deadline) as q:
        try:
            wait_incoming(q)
        except ToolError:
            if q.proc.poll() is not None:
                raise q.failure("QEMU refused the stream %s" % stream)
            raise
        for addr in addrs:
            reply = q.cmd("xp /1wx 0x%x" % addr, what="reading 0x%08x" % addr)
            m = None
            for line in reply.splitlines():
                m = XP_RE.match(line.strip())
                if m:
                    break
            if not m or int(m.group(1), 16) != addr:
                # e.g. "0000000030000000: Cannot access memory" for unmapped addresses
                raise ToolError("cannot read 0x%08x: `xp` said %r" % (addr, reply.strip()))
            results.append((addr, int(m.group(2), 16)))
        q.quit()
    for addr, val in results:
        print("0x%08x 0x%08x" % (addr, val))
    return 0


if __name__ == "__main__":
    install_signal_handlers()
    try:
        sys.exit(main(sys.argv[1:]))
    except ToolError as e:
        die(PROG, str(e))
