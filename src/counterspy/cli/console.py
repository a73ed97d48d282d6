"""Shared console, progress bars and error printing for CLI commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

# The ``--home`` option every workspace command takes.
HOME = typer.Option(None, "--home", help="Workspace folder (default $COUNTERSPY_HOME).")
MEMORY_LIMIT = typer.Option(
    None,
    "--memory-limit",
    help="DuckDB memory cap, e.g. 8GB, 8000MB or 40% (default: "
    "$COUNTERSPY_DUCKDB_MEMORY_LIMIT, else half the machine's memory); beyond it DuckDB spills "
    "to disk inside the workspace.",
)

# Results go to stdout; progress, summaries' decoration and errors go to stderr so that
# machine-readable output (``--json``) stays clean.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class State:
    debug: bool = False


STATE = State()


class RichProgress:
    """Adapter from :class:`counterspy.progress.Progress` to a rich progress display."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def begin(self, description: str, total: float | None = None) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total or 1)
            self._progress.stop_task(self._task)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: float = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


@contextmanager
def progress() -> Iterator[RichProgress]:
    """A progress display on stderr for the duration of a command."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as p:
        yield RichProgress(p)
