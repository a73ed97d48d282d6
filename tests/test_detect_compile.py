"""Compilation settings of a detection run: same results, options restored afterwards."""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from counterspy.analytics import connect, load_tables
from counterspy.analytics.engine import select_fusion
from counterspy.detect.pipeline import DetectionConfig, run_detection
from counterspy.workspace import Workspace
from tests.detect_fixtures import build_platform


def _frames(tmp_path: Path, fuse: bool) -> list[pd.DataFrame]:
    tables = load_tables(connect("duckdb"), Workspace(tmp_path))
    r = run_detection(tables, DetectionConfig(fuse_selects=fuse))
    out = [r.signals.drop(columns="params"), r.accounts, r.operations, r.targets, r.bad_domains]
    return [f.reset_index(drop=True) for f in out]


def test_unfused_selects_detect_exactly_what_fused_ones_do(tmp_path: Path) -> None:
    build_platform(seed=3).write(tmp_path)
    fused, unfused = _frames(tmp_path, True), _frames(tmp_path, False)
    assert len(fused[0]) > 0  # signals to compare
    assert len(fused[2]) > 0  # operations to compare
    for a, b in zip(fused, unfused, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_unfused_selects_compile_nested_selects_the_engine_flattens() -> None:
    con = ibis.duckdb.connect()
    t = con.create_table("t", pa.table({"a": [0, 1, 2, 3], "b": list("wxyz")}))
    expr = t.filter(t.a > 1).select("a", "b").mutate(c=t.a + 1).select("c")
    with select_fusion(True):
        fused = str(con.compile(expr))
    with select_fusion(False):
        unfused = str(con.compile(expr))
    assert fused.upper().count("SELECT") < unfused.upper().count("SELECT")
    rows = [sorted(r[0] for r in con.raw_sql(sql).fetchall()) for sql in (fused, unfused)]
    assert rows[0] == rows[1] == [3, 4]


def test_the_fusion_option_is_restored_after_a_run_and_after_an_error() -> None:
    before = ibis.options.sql.fuse_selects
    with select_fusion(not before):
        assert ibis.options.sql.fuse_selects is (not before)
    assert ibis.options.sql.fuse_selects is before
    with pytest.raises(RuntimeError), select_fusion(not before):
        raise RuntimeError("boom")
    assert ibis.options.sql.fuse_selects is before
