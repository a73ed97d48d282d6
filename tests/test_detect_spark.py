"""Parity: the same detection expressions on PySpark (local mode) and DuckDB."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest

from counterspy.analytics import connect, load_tables
from counterspy.detect.pipeline import run_detection
from counterspy.workspace import Workspace
from tests.detect_fixtures import add_quiet_member, build_platform

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
        reason="needs PySpark and Java",
    ),
    # Third-party noise, not ours: PySpark 4.0's toPandas uses a pandas-3-deprecated keyword,
    # and py4j leaves its loopback socket to the garbage collector.
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _canon(df: pd.DataFrame, cols: list[str]) -> list[tuple[object, ...]]:
    return sorted(tuple(r) for r in df[cols].astype(str).itertuples(index=False))


def test_pyspark_and_duckdb_find_the_same_operations_and_targets(tmp_path: Path) -> None:
    p = build_platform(seed=11, viral_crowd=60)
    quiet = add_quiet_member(p)  # found only by operation expansion
    p.write(tmp_path)
    ws = Workspace(tmp_path)
    duck = run_detection(load_tables(connect("duckdb"), ws))
    spark = run_detection(load_tables(connect("pyspark", threads=2), ws))

    op_cols = ["operation_id", "firm", "n_accounts", "n_targets", "phases"]
    assert _canon(spark.operations, op_cols) == _canon(duck.operations, op_cols)
    acc_cols = ["account_id", "flagged", "operation_id"]
    assert _canon(spark.accounts, acc_cols) == _canon(duck.accounts, acc_cols)
    tgt_cols = ["target_id", "operation_id", "phase", "first_seen", "last_seen", "n_events"]
    assert _canon(spark.targets, tgt_cols) == _canon(duck.targets, tgt_cols)
    assert len(duck.operations) == 2
    for r in (duck, spark):
        expanded = r.signals[r.signals["signal"] == "operation_expansion"]
        assert set(expanded["account_id"]) == {quiet}
