"""py-spy on a server process during a load round, and the functions that took its time."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .processes import PROJECT_ROOT, Process


def py_spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if found is None:
        raise SystemExit("py-spy is not installed: pip install -e '.[bench]'")
    return found


# Samples a second; py-spy reads the process without pausing it (--nonblocking), so the
# server runs at its usual speed while recorded.
RATE = 500
LONGEST = 600  # seconds: a recording is stopped by its meter long before


@dataclass
class Recording:
    """A meter (see respondents.Meter) that records `process` with py-spy over exactly the
    measurement window, each sample under its thread's name.

    Only the thread holding the GIL is sampled: a thread waiting for the GIL (after
    os.urandom or a write to stderr, say, while the writer thread runs Python) would
    otherwise be counted as busy in the call that let the GIL go."""

    process: Process
    output: Path
    _popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._popen = subprocess.Popen(
            [py_spy(), "record", "--pid", str(self.process.popen.pid), "--duration",
             str(LONGEST), "--rate", str(RATE), "--nonblocking", "--gil", "--threads",
             "--format", "raw", "--output", str(self.output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    def stop(self) -> None:
        assert self._popen is not None
        self._popen.send_signal(signal.SIGINT)  # py-spy writes what it has, then exits
        _, errors = self._popen.communicate(timeout=60)
        if not self.output.exists():
            raise RuntimeError(f"py-spy recorded nothing: {errors.decode(errors='replace')}")


def summary(collapsed: Path, top: int = 20) -> str:
    """The functions with the most samples of their own, and by package."""
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        _thread, *frames = stack.split(";")  # recorded with --threads
        # Per function, not per line: 'f (store/sqlite.py:141)' -> 'f (store/sqlite.py)'.
        leaf = re.sub(r":\d+\)$", ")", frames[-1]) if frames else "(no Python frame)"
        own[leaf] += samples
        packages[_package(leaf)] += samples
    if total == 0:
        return "no samples"
    lines = [f"{total} samples; by package:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in packages.most_common(8)]
    lines.append("by function (own time):")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


# py-spy names the server's own files relative to the package: 'gateway/live.py'.
SERVER_PARTS = {path.name for path in (PROJECT_ROOT / "server").rglob("*")}


def _package(frame: str) -> str:
    """'f (gateway/live.py:64)' -> 'server'; 'f (asyncio/events.py:80)' -> 'asyncio'."""
    path = frame.rpartition("(")[2].split(":")[0].rstrip(")")
    top = path.split("/")[0]
    return "server" if top in SERVER_PARTS else top or "?"
