"""py-spy on the server process during a load round: where the time holding the GIL goes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from .processes import PROJECT_ROOT, Process


def py_spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if found is None:
        raise SystemExit("py-spy is not installed: pip install -e '.[bench]'")
    return found


def start_recording(process: Process, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    """Sample only the thread holding the GIL: Python's CPU time, not threads at rest."""
    return subprocess.Popen(
        [py_spy(), "record", "--pid", str(process.popen.pid), "--duration", str(int(seconds)),
         "--rate", "400", "--gil", "--nonblocking", "--format", "raw", "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def summary(collapsed: Path, top: int = 20) -> str:
    """The functions with the most samples of their own, and by package."""
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        # Per function, not per line: 'f (store/sqlite.py:141)' -> 'f (store/sqlite.py)'.
        leaf = re.sub(r":\d+\)$", ")", stack.split(";")[-1])
        own[leaf] += samples
        packages[_package(leaf)] += samples
    if total == 0:
        return "no samples"
    lines = [f"{total} samples holding the GIL; by package:"]
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
