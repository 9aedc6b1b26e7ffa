"""Tiny helper for driving qemu-system-arm's human monitor (HMP) over a pipe.

Shared by make-stream.py and read-regs.py. Python 3 standard library only.

QEMU runs with `-monitor stdio`, stdin/stdout are pipes. The monitor echoes
every typed character through its readline editor (with ANSI cursor escapes),
so a reply is: <echo of the command, full of ESC[K / ESC[D>\r\n<reply lines>\r\n
followed by the next "(qemu) " prompt. `Monitor.cmd` strips the escapes and the
echo line and returns just the reply text.
"""

import ctypes
import functools
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

PROMPT = b"(qemu) "
ANSI_RE = re.compile(rb"\x1b\[[0-9;]*[A-Za-z]")

# stderr lines that are host noise (no audio hardware in a container), not errors
NOISE_RE = re.compile(
    r"^(ALSA lib |alsa: |audio: |qemu: module audio-|"
    r"pulseaudio: |sdl: |jack: |oss: )"
)


class ToolError(Exception):
    """A failure with one clear message for the user."""


def die(prog, msg):
    sys.stderr.write("%s: error: %s\n" % (prog, msg.rstrip()))
    sys.exit(1)


def parse_u32(text, what):
    try:
        v = int(text, 0)
    except ValueError:
        raise ToolError("bad %s %r (want a number such as 0x10000008)" % (what, text))
    if not 0 <= v <= 0xFFFFFFFF:
        raise ToolError("%s %r does not fit in 32 bits" % (what, text))
    return v


def require_tool(name):
    for d in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep):
        p = os.path.join(d or ".", name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    raise ToolError(
        "%s not found in PATH (install it: apt-get install %s)"
        % (name, {"qemu-system-arm": "qemu-system-arm"}.get(name, "binutils-arm-none-eabi"))
    )


def die_with_parent(parent):
    """A child's `preexec_fn`, given its parent's pid (`functools.partial(die_with_parent,
    os.getpid())`): Linux kills the child (SIGKILL) when the parent dies, even by SIGKILL
    (a test's timeout), where no cleanup of ours runs. Elsewhere it does nothing. The signal
    follows the thread that started the child: the scripts start QEMU from their main one."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the prctl
            os._exit(1)


def _pdeathsig(parent):
    # Kill QEMU if this Python process dies unexpectedly.
    die_with_parent(parent)
    os.setpgid(0, 0)  # own process group, so the `cat` helper can be killed with it


def _raise_on_signal(signum, frame):
    raise ToolError("interrupted by signal %d" % signum)


def install_signal_handlers():
    """Turn SIGTERM/SIGINT/SIGHUP into ToolError so temp files and QEMU get cleaned up."""
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _raise_on_signal)


class Qemu:
    """A running qemu-system-arm with its monitor on stdio. Use as a context manager."""

    def __init__(self, args, deadline):
        self.deadline = deadline
        self.errf = tempfile.TemporaryFile()
        self.buf = b""
        self.last_output = b""
        install_signal_handlers()
        try:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.errf,
                preexec_fn=functools.partial(_pdeathsig, os.getpid()),
                env=dict(os.environ, LC_ALL="C"),
            )
        except OSError as e:
            raise ToolError("cannot start %s: %s" % (args[0], e))
        self.fd = self.proc.stdout.fileno()

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        self.errf.close()
        return False

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass

    def remaining(self):
        return self.deadline - time.monotonic()

    def stderr_text(self, filtered=True):
        self.errf.seek(0)
        text = self.errf.read().decode("utf-8", "replace")
        lines = [l for l in text.splitlines() if l.strip()]
        if filtered:
            lines = [l for l in lines if not NOISE_RE.match(l)]
        return "\n".join(lines)

    def failure(self, what):
        """Build a ToolError describing why QEMU is gone / misbehaving."""
        rc = self.proc.poll()
        err = self.stderr_text()
        msg = what
        if rc is not None and rc < 0:
            try:
                name = signal.Signals(-rc).name
            except ValueError:
                name = "signal %d" % -rc
            msg += " (QEMU killed by %s)" % name
        elif rc is not None:
            msg += " (QEMU exit status %d)" % rc
        if err:
            msg += "\nQEMU said:\n" + "\n".join("  " + l for l in err.splitlines())
        else:
            msg += "\n(QEMU printed no error, only host audio-backend noise)"
        return ToolError(msg)

    # -- monitor I/O -------------------------------------------------------
    def _read_some(self, until):
        """Read available stdout into self.buf; False on EOF."""
        t = min(until, self.deadline) - time.monotonic()
        if t <= 0:
            return None
        r, _, _ = select.select([self.fd], [], [], t)
        if not r:
            return None
        chunk = os.read(self.fd, 65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def wait_prompt(self, timeout, what):
        until = time.monotonic() + timeout
        while True:
            i = self.buf.find(PROMPT)
            if i >= 0:
                out = self.buf[:i]
                self.buf = self.buf[i + len(PROMPT):]
                self.last_output = out
                return out
            got = self._read_some(until)
            if got is False:
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
                raise self.failure("QEMU exited while %s" % what)
            if got is None:
                raise self.failure("timed out while %s" % what)

    def cmd(self, line, timeout=10.0, what=None):
        """Send one monitor command; return its reply with echo/escapes removed."""
        what = what or "running monitor command %r" % line
        if self.proc.poll() is not None:
            raise self.failure("QEMU exited before %s" % what)
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
            raise self.failure("QEMU exited before %s" % what)
        raw = self.wait_prompt(timeout, what)
        text = ANSI_RE.sub(b"", raw).decode("utf-8", "replace").replace("\r", "")
        # first line is the readline echo of the command
        _, _, reply = text.partition("\n")
        return reply.strip("\n")

    def migrate_to_file(self, path, poll=0.05):
        """Migrate the VM into the file `path` (`exec:cat`) and wait until QEMU says the
        migration completed; a failed or cancelled one raises."""
        self.cmd('migrate "exec:cat > %s"' % path, timeout=max(1.0, self.remaining()))
        while True:
            status = migration_status(self.cmd("info migrate"))
            if status == "completed":
                return
            if status in ("failed", "cancelled"):
                raise self.failure("migration %s" % status)
            time.sleep(poll)

    def quit(self, timeout=5.0):
        """Send `quit` and wait for QEMU to exit; returns its exit status."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(max(0.1, min(timeout, self.remaining() + 2)))
            except subprocess.TimeoutExpired:
                self.kill()
                raise ToolError("QEMU did not exit after `quit`")
        return self.proc.returncode


def status_of(reply, key):
    """Pick 'X' from a line 'key: X' of a monitor reply (or None)."""
    for l in reply.splitlines():
        if l.startswith(key + ":"):
            return l.split(":", 1)[1].strip()
    return None


def migration_status(reply):
    """The status in an `info migrate` reply: `Migration status: X` up to QEMU 10,
    `Status: X` in QEMU 11 (or None)."""
    return status_of(reply, "Migration status") or status_of(reply, "Status")
