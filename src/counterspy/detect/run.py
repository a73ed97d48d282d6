"""Detection over a workspace: bind the tables, run the pipeline, write the results."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from counterspy.analytics import connect, load_tables
from counterspy.analytics.memory import MemoryBudget, resolve_memory_budget, spill_dir
from counterspy.detect.indicators import load_indicators
from counterspy.detect.pipeline import DetectionConfig, DetectionResult, run_detection
from counterspy.detect.results import RunInfo, write_results
from counterspy.errors import CounterspyError
from counterspy.model import LinkChecker
from counterspy.progress import NULL_PROGRESS, Progress
from counterspy.workspace import Workspace

LINK_ENGINES = ("builtin", "verdict")


def workspace_link_checker(ws: Workspace, name: str) -> LinkChecker | None:
    """The link checker called ``name``: the built-in heuristic (None) or the verdict engine
    built from the workspace's intelligence store (indicators, blocklist, brand lists)."""
    if name == "builtin":
        return None
    if name == "verdict":
        from counterspy.infra.firstseen import refresh_first_seen
        from counterspy.infra.service import VerdictService

        if ws.table_files("events"):
            refresh_first_seen(ws)  # new domains on this platform count as suspicious
        return VerdictService(ws).engine()
    raise CounterspyError(
        f"unknown link engine {name!r}", hint=f"choose one of: {', '.join(LINK_ENGINES)}"
    )


def detect_workspace(
    ws: Workspace,
    *,
    engine: str = "duckdb",
    indicator_files: Sequence[Path] = (),
    checker: LinkChecker | None = None,
    config: DetectionConfig | None = None,
    threads: int | None = None,
    memory: MemoryBudget | None = None,
    progress: Progress = NULL_PROGRESS,
) -> tuple[DetectionResult, RunInfo]:
    """Run detection on every committed load of ``ws`` and write ``results/``.

    DuckDB works under ``memory`` (default: :func:`resolve_memory_budget`) and spills to a
    folder under ``<home>/tmp/duckdb`` that is removed when the run ends.
    """
    budget = memory or resolve_memory_budget()
    with spill_dir(ws.home) as tmp:
        return _detect(ws, engine, indicator_files, checker, config, threads, budget, tmp, progress)


def _detect(
    ws: Workspace,
    engine: str,
    indicator_files: Sequence[Path],
    checker: LinkChecker | None,
    config: DetectionConfig | None,
    threads: int | None,
    budget: MemoryBudget,
    tmp: Path,
    progress: Progress,
) -> tuple[DetectionResult, RunInfo]:
    indicators: dict[str, str] = {}
    for f in indicator_files:
        indicators.update(load_indicators(f))
    start = time.perf_counter()
    progress.begin("reading workspace", total=None)
    con = connect(engine, threads=threads, memory=budget, temp_dir=tmp)
    try:
        tables = load_tables(con, ws)
        n_events = int(tables.events.count().to_pyarrow().as_py())
        result = run_detection(
            tables, config, checker=checker, indicators=indicators, progress=progress
        )
    finally:
        if engine == "duckdb":
            con.disconnect()  # release its memory and spill files before the folder goes
    progress.begin("writing results", total=None)
    info = RunInfo(
        engine=engine,
        n_events=n_events,
        seconds=time.perf_counter() - start,
        indicator_files=tuple(str(f) for f in indicator_files),
        link_checker=type(checker).__name__ if checker is not None else "built-in heuristic",
        memory_limit=budget.describe() if engine == "duckdb" else "",
    )
    write_results(
        ws,
        {
            "signals": result.signals,
            "accounts": result.accounts,
            "operations": result.operations,
            "targets": result.targets,
            "bad_domains": result.bad_domains,
        },
        info,
    )
    return result, info
