"""Writing detection results to the workspace and reading them back.

``results/<name>/part-0.parquet`` for signals, accounts, operations, targets and bad_domains,
plus ``results/detect.json`` describing the run. Each table is written to a temporary folder
and renamed into place, so a crash never leaves half a result beside an old one.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from counterspy.errors import CounterspyError
from counterspy.workspace import Workspace

RESULT_TABLES = ("signals", "accounts", "operations", "targets", "bad_domains")


@dataclass(frozen=True)
class SignalRow:
    """One row of ``results/signals`` for one account: the evidence behind a signal.

    The one record type for signals outside the engine (case evidence snapshots, the console).
    Windows are ISO-8601 strings, as they are stored in case snapshots.
    """

    detector: str
    signal: str
    phase: str
    value: float
    threshold: float
    weight: float
    window_start: str | None
    window_end: str | None
    evidence: str

    @property
    def started(self) -> datetime | None:
        """``window_start`` as an aware datetime (UTC when the stored value has no zone)."""
        if not self.window_start:
            return None
        at = datetime.fromisoformat(self.window_start)
        return at if at.tzinfo else at.replace(tzinfo=UTC)

    def to_json(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "signal": self.signal,
            "phase": self.phase,
            "value": self.value,
            "threshold": self.threshold,
            "weight": self.weight,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "evidence": self.evidence,
        }


def _iso(value: object) -> str | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return pd.Timestamp(value).isoformat()  # type: ignore[arg-type]


def signals_by_account(frame: pd.DataFrame) -> dict[str, list[SignalRow]]:
    """Rows of a signals table grouped by account, each account's rows in frame order."""
    out: dict[str, list[SignalRow]] = {}
    for r in frame.to_dict("records"):
        out.setdefault(str(r["account_id"]), []).append(
            SignalRow(
                detector=str(r["detector"]),
                signal=str(r["signal"]),
                phase=str(r["phase"]),
                value=float(r["value"]),
                threshold=float(r["threshold"]),
                weight=float(r["weight"]),
                window_start=_iso(r["window_start"]),
                window_end=_iso(r["window_end"]),
                evidence=str(r["evidence"]),
            )
        )
    return out


@dataclass(frozen=True)
class RunInfo:
    engine: str
    n_events: int
    seconds: float
    indicator_files: tuple[str, ...]
    link_checker: str
    memory_limit: str = ""  # the DuckDB budget and where it came from (empty: not DuckDB)


def write_results(ws: Workspace, tables: dict[str, pd.DataFrame], info: RunInfo) -> None:
    ws.results_dir.mkdir(parents=True, exist_ok=True)
    for name in RESULT_TABLES:
        df = tables[name]
        final = ws.result_dir(name)
        tmp = ws.results_dir / f".{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp / "part-0.parquet")
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
    manifest = {
        "finished_at": datetime.now(UTC).isoformat(),
        "engine": info.engine,
        "events": info.n_events,
        "seconds": round(info.seconds, 3),
        "indicator_files": list(info.indicator_files),
        "link_checker": info.link_checker,
        "memory_limit": info.memory_limit,
        "counts": {n: len(tables[n]) for n in RESULT_TABLES},
    }
    (ws.results_dir / "detect.json").write_text(json.dumps(manifest, indent=2), "utf-8")


def read_result(ws: Workspace, name: str) -> pd.DataFrame:
    path: Path = ws.result_dir(name)
    files = sorted(path.glob("*.parquet"))
    if not files:
        raise CounterspyError(
            f"no detection results ({name}) in workspace {ws.home}",
            hint="run `counterspy detect` first (or pass --home)",
        )
    frame: pd.DataFrame = pd.concat(
        [pq.read_table(f).to_pandas() for f in files], ignore_index=True
    )
    return frame
