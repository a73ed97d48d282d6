"""Where a detection run's engine time goes, query by query (DuckDB).

Run: ``python -m benchmarks.detect_queries --home WS [--top 40]``.

Runs ``detect_workspace`` once on ``WS`` (its ``results/`` are overwritten) with every
``to_pyarrow`` (a fetched result or an executed intermediate) and ``create_table`` (a cached
table) timed, wall and CPU (every thread's, DuckDB's included), and attributed to the
pipeline stage and the innermost ``counterspy`` frames that asked for it. Ibis compilation
(Python, inside those calls) is totalled separately. Prints the queries by CPU time, largest
first: the place to look before optimising a stage (``benchmarks.detect_stages`` gives the
stage totals).
"""

from __future__ import annotations

import argparse
import resource
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _where() -> str:
    frames = [f for f in traceback.extract_stack()[:-2] if "counterspy" in f.filename]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in frames[-3:][::-1])


class _Stage:
    """A :class:`counterspy.progress.Progress` that remembers the current stage."""

    def __init__(self) -> None:
        self.name = "?"

    def begin(self, description: str, total: float | None = None) -> None:
        self.name = description

    def advance(self, amount: float = 1) -> None:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)

    from ibis.backends.duckdb import Backend
    from ibis.backends.sql.compilers.base import SQLGlotCompiler

    from counterspy.detect.run import detect_workspace
    from counterspy.workspace import Workspace

    stage = _Stage()
    log: list[tuple[str, str, str, float, float]] = []
    compiled = [0.0]

    def timed(name: str, orig: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: Any, *a: Any, **k: Any) -> Any:
            w, c = time.perf_counter(), _cpu()
            out = orig(self, *a, **k)
            log.append((stage.name, name, _where(), time.perf_counter() - w, _cpu() - c))
            return out

        return run

    def compiling(orig: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: Any, *a: Any, **k: Any) -> Any:
            w = time.perf_counter()
            out = orig(self, *a, **k)
            compiled[0] += time.perf_counter() - w
            return out

        return run

    saved = (Backend.to_pyarrow, Backend.create_table, SQLGlotCompiler.to_sqlglot)
    Backend.to_pyarrow = timed("fetch", Backend.to_pyarrow)  # type: ignore[method-assign]
    Backend.create_table = timed("cache", Backend.create_table)  # type: ignore[method-assign]
    SQLGlotCompiler.to_sqlglot = compiling(SQLGlotCompiler.to_sqlglot)  # type: ignore[method-assign]
    try:
        w0, c0 = time.perf_counter(), _cpu()
        detect_workspace(Workspace(args.home), progress=stage)
        wall, cpu = time.perf_counter() - w0, _cpu() - c0
    finally:
        Backend.to_pyarrow, Backend.create_table, SQLGlotCompiler.to_sqlglot = saved  # type: ignore[method-assign]
    q_wall = sum(x[3] for x in log)
    q_cpu = sum(x[4] for x in log)
    print(f"run: wall {wall:.2f} s, CPU {cpu:.2f} s; {len(log)} queries: wall {q_wall:.2f} s,")
    print(f"  CPU {q_cpu:.2f} s (Ibis compilation inside them: wall {compiled[0]:.2f} s)")
    print(f"{'CPU s':>6} {'wall s':>6}  {'stage':24} kind   asked by")
    for st, kind, where, dw, dc in sorted(log, key=lambda x: -x[4])[: args.top]:
        print(f"{dc:6.2f} {dw:6.2f}  {st[:24]:24} {kind:6} {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
