"""How much memory DuckDB may use, and where it spills when it needs more.

The budget comes from, in order: the command's ``--memory-limit`` option, the
``COUNTERSPY_DUCKDB_MEMORY_LIMIT`` environment variable, else :data:`DEFAULT_SHARE` of the
machine's memory, where "the machine" is the smaller of physical RAM and the cgroup (container)
memory limit when one is set. DuckDB's own default (80 % of RAM, cgroups ignored) let a
100M-event detection reach 20 GiB; under a budget DuckDB spills to a temporary folder inside the
workspace instead, and the run completes a little more slowly.

A size is a number with a unit (``KB``/``MB``/``GB``/``TB`` are powers of 1000,
``KiB``/``MiB``/``GiB``/``TiB`` powers of 1024) or a share of the machine's memory (``40%``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from counterspy.errors import CounterspyError

MEMORY_LIMIT_ENV = "COUNTERSPY_DUCKDB_MEMORY_LIMIT"
MEMORY_LIMIT_OPTION = "--memory-limit"
DEFAULT_SHARE = 0.5  # of the machine's memory, when no limit is given
MIN_BYTES = 128 * 2**20  # below this DuckDB cannot run the detection queries at all
# cgroup v2, then v1: the memory limit of the container this process runs in.
CGROUP_LIMIT_FILES = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)

UNITS: dict[str, int] = {
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)", re.IGNORECASE)
_SHARE = re.compile(r"(\d+(?:\.\d+)?)\s*%")
ACCEPTED = "a size with a unit (e.g. 8GB, 8000MB, 7.5GiB) or a share of this machine's memory (40%)"


def gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


@dataclass(frozen=True)
class MachineMemory:
    """The memory this process may use: physical RAM, capped by a cgroup limit if set."""

    physical: int
    cgroup: int | None = None

    @property
    def usable(self) -> int:
        return min(self.physical, self.cgroup) if self.cgroup else self.physical

    def describe(self) -> str:
        if self.cgroup is not None and self.cgroup < self.physical:
            return f"the {gib(self.cgroup)} cgroup memory limit"
        return f"{gib(self.physical)} of RAM"


@dataclass(frozen=True)
class MemoryBudget:
    """DuckDB's ``memory_limit`` for one run, and where the figure came from."""

    limit_bytes: int
    origin: str  # e.g. "--memory-limit 8GB" or "default: 50 % of 23.4 GiB of RAM"

    @property
    def duckdb_setting(self) -> str:
        """The value for DuckDB's ``SET memory_limit`` (whole KiB)."""
        return f"{max(self.limit_bytes // 1024, 1)}KiB"

    def describe(self) -> str:
        return f"DuckDB memory limit {gib(self.limit_bytes)} ({self.origin})"


def cgroup_limit(files: Sequence[Path] = CGROUP_LIMIT_FILES) -> int | None:
    """The cgroup memory limit in bytes, or None when there is none (or no cgroup files)."""
    for f in files:
        try:
            text = f.read_text().strip()
        except OSError:
            continue
        if not text.isdigit():
            return None  # "max": no limit
        value = int(text)
        # cgroup v1 writes "no limit" as a huge page-aligned number near 2**63.
        return value if value < 2**60 else None
    return None


def machine_memory(
    physical: int | None = None, cgroup_files: Sequence[Path] = CGROUP_LIMIT_FILES
) -> MachineMemory:
    total = physical if physical is not None else int(psutil.virtual_memory().total)
    return MachineMemory(total, cgroup_limit(cgroup_files))


def parse_memory_limit(text: str, *, name: str, machine: MachineMemory) -> MemoryBudget:
    """The budget ``text`` asks for; ``name`` (option or variable) is quoted in errors."""
    value = text.strip()
    share = _SHARE.fullmatch(value)
    size = _SIZE.fullmatch(value)
    if share:
        pct = float(share.group(1))
        if not 0 < pct <= 100:
            raise CounterspyError(
                f"{name} {text!r}: a share of memory must be above 0 % and at most 100 %",
                hint=f"use {ACCEPTED}",
            )
        n = int(machine.usable * pct / 100)
        origin = f"{name} {value}: {pct:g} % of {machine.describe()}"
    elif size and size.group(2).lower() in UNITS:
        n = int(float(size.group(1)) * UNITS[size.group(2).lower()])
        origin = f"{name} {value}"
    else:
        raise CounterspyError(f"{name} {text!r} is not a memory size", hint=f"use {ACCEPTED}")
    if n < MIN_BYTES:
        raise CounterspyError(
            f"{name} {text!r} is below the {MIN_BYTES // 2**20} MiB DuckDB needs to run",
            hint=f"use {ACCEPTED}, of at least {MIN_BYTES // 2**20}MiB",
        )
    return MemoryBudget(n, origin)


def resolve_memory_budget(
    option: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    machine: MachineMemory | None = None,
) -> MemoryBudget:
    """``--memory-limit`` if given, else ``$COUNTERSPY_DUCKDB_MEMORY_LIMIT``, else the default."""
    env = os.environ if environ is None else environ
    m = machine or machine_memory()
    if option is not None and option.strip():
        return parse_memory_limit(option, name=MEMORY_LIMIT_OPTION, machine=m)
    from_env = env.get(MEMORY_LIMIT_ENV, "").strip()
    if from_env:
        return parse_memory_limit(from_env, name=MEMORY_LIMIT_ENV, machine=m)
    n = max(int(m.usable * DEFAULT_SHARE), MIN_BYTES)
    return MemoryBudget(n, f"default: {DEFAULT_SHARE:.0%} of {m.describe()}")


def _alive_here(name: str, host: str) -> bool:
    owner, _, rest = name.rpartition("-pid")
    pid = rest.split("-", 1)[0]
    if owner != host or not pid.isdigit():
        return True  # another machine's (shared folder) or not ours: leave it
    return bool(psutil.pid_exists(int(pid)))


@contextmanager
def spill_dir(home: Path, kind: str = "duckdb") -> Iterator[Path]:
    """A fresh folder ``<home>/tmp/<kind>/<host>-pid<pid>-<random>`` removed afterwards.

    Folders left by processes of this host that no longer run (a killed detection) are removed
    on the way in, so spilled data never accumulates in the workspace.
    """
    parent = home / "tmp" / kind
    created = [p for p in (parent, parent.parent, home) if not p.exists()]
    parent.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname()
    for old in parent.iterdir():
        if old.is_dir() and not _alive_here(old.name, host):
            shutil.rmtree(old, ignore_errors=True)
    d = parent / f"{host}-pid{os.getpid()}-{uuid.uuid4().hex[:8]}"
    d.mkdir()
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)
        # Empty folders go too (another run may still be using them); the workspace folder
        # itself only if this run created it.
        for p in (parent, parent.parent, *([home] if home in created else [])):
            try:
                p.rmdir()
            except OSError:
                break
