"""Writing a report edition to a folder atomically.

Everything is rendered first, written into a hidden temporary folder beside the destination
and renamed into place: a failure at any point leaves no destination folder (and an existing
one untouched unless ``force``, which swaps it out only after the new one is complete).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from counterspy.errors import CounterspyError
from counterspy.report.model import ThreatReport
from counterspy.report.render import render_csv, render_html, render_markdown

FILES: tuple[tuple[str, Callable[[ThreatReport], str]], ...] = (
    ("index.html", render_html),
    ("report.md", render_markdown),
    ("indicators.csv", render_csv),
)


@dataclass(frozen=True)
class Written:
    out: Path
    files: tuple[Path, ...]


def write_report(report: ThreatReport, out: Path, *, force: bool = False) -> Written:
    out = out.absolute()
    if out.exists() and not force:
        raise CounterspyError(
            f"{out} already exists", hint="choose a new folder, or pass --force to replace it"
        )
    if out.exists() and not out.is_dir():
        raise CounterspyError(f"{out} exists and is not a folder", hint="choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    old: Path | None = None
    try:
        for name, render in FILES:
            (tmp / name).write_text(render(report), encoding="utf-8", newline="\n")
        tmp.chmod(0o755)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{tmp.name.rsplit('.', 2)[-2]}")
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not out.exists():
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return Written(out, tuple(out / name for name, _ in FILES))
