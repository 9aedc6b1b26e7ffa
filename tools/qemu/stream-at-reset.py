#!/usr/bin/env python3
"""Write the migration stream of a QEMU ARM machine stopped at reset (-S), with what the
machine and the extra QEMU arguments create, and no guest run: for fixtures of devices
at their reset state (tests/fixtures/qemu-7.2-versatilepb, qemu-7.2-virt).

usage: stream-at-reset.py MACHINE OUT [QEMU args...]
e.g.   stream-at-reset.py virt virt.stream -device i6300esb

QEMU 11 refuses `-nodefaults` on a board with sound and no audio backend ("no default audio
driver available"): pass `-audio none` then (QEMU 7.2 has no such form of `-audio`).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemumon import Qemu  # noqa: E402

if len(sys.argv) < 3:
    sys.exit(__doc__)
machine, out = sys.argv[1], os.path.abspath(sys.argv[2])
args = ["qemu-system-arm", "-M", machine, "-m", "64", "-display", "none", "-nodefaults",
        "-serial", "none", "-monitor", "stdio", "-S"] + sys.argv[3:]
with Qemu(args, time.monotonic() + 60) as q:
    q.wait_prompt(15, "prompt")
    q.migrate_to_file(out)
    q.quit()
print(out, os.path.getsize(out))
