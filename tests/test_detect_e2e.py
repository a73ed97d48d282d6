"""End to end on simulator output: simulate → detect → evaluate (regression guards).

The bars here are deliberately below the measured numbers in docs/detection.md: they catch a
detector that stops working, not a tuning regression of a few points.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from counterspy.detect.evaluate import evaluate
from counterspy.detect.run import detect_workspace
from counterspy.ingest import simulator
from counterspy.ingest.load import ingest
from counterspy.workspace import Workspace

pytestmark = pytest.mark.slow


def _platform(tmp: Path, *, seed: int, stealth: int) -> tuple[Workspace, Path]:
    out = tmp / "sim"
    simulator.simulate(
        simulator.SimulationConfig(accounts=4000, seed=seed, stealth=stealth, days=30), out
    )
    ws = Workspace(tmp / "home")
    ingest(ws, [out])
    return ws, out / "truth"


def test_blatant_operations_are_found_and_viral_sharers_are_not(tmp_path: Path) -> None:
    ws, truth = _platform(tmp_path, seed=11, stealth=0)
    detect_workspace(ws)
    ev = evaluate(ws, truth)
    assert ev.operator_precision >= 0.7
    assert ev.operator_recall >= 0.7
    assert ev.target_recall >= 0.9
    assert ev.confounder_fpr <= 0.03
    conf = pd.read_parquet(truth / "confounders.parquet")
    acc = pd.read_parquet(ws.result_dir("accounts"))
    flagged = set(acc.loc[acc["flagged"], "account_id"])
    # Accounts the simulator made viral sharers *only* (some are also NGO staff or researchers,
    # whose outreach to at-risk people is evidence of its own).
    kinds = conf.groupby("account_id")["kind"].agg(set)
    viral = {a for a, k in kinds.items() if k == {"viral_sharer"}}
    assert viral
    assert not flagged & viral
    # Targets never include an operator, and every listed target has a phase of the chain.
    tg = pd.read_parquet(ws.result_dir("targets"))
    assert not set(tg["target_id"]) & flagged
    assert set(tg["phase"]) <= {"reconnaissance", "engagement", "exploitation"}
