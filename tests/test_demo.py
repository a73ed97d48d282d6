"""The demo runs every stage on a small simulated platform and refuses to clobber user data."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterspy.demo import DemoConfig, run_demo
from counterspy.errors import CounterspyError

pytestmark = pytest.mark.slow


def test_demo_runs_every_stage_and_can_run_again(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    first = run_demo(home, DemoConfig(accounts=4000, seed=3))
    assert first.load.rows == first.simulation.accounts + first.simulation.events
    assert len(first.operations) > 0
    assert sum(first.targets_by_phase.values()) > 0
    assert first.evaluation.operators_true > 0
    assert first.audit_ok
    n = first.enforcement
    assert n.cases_opened == len(first.operations)
    assert n.approved == max(first.operations["n_accounts"]) > 0
    assert n.acked == n.approved
    assert n.disabled_once_each == n.approved  # the simulated platform's own record
    assert n.disabled_more_than_once == 0
    assert n.unapproved_touched == 0
    assert first.audit_rows > n.approved  # user, cases, reviews, actions, outcomes
    page = (first.report_dir / "index.html").read_text("utf-8")
    assert first.report_dir == home / "report"
    assert first.report_totals.operations == len(first.operations)
    assert "TLP:CLEAR" in page
    labels = {v.url: v.label.value for v in first.verdicts}
    assert labels["javascript:alert(1)"] == "suspicious"
    assert labels["https://github.com/"] == "clean"
    banned = dict(first.screening)
    assert banned["Cytrox Holdings Zrt."] is not None
    assert banned["Black Cube Coffee Roasters"] is None
    shared = dict(first.share_counts)
    assert shared["intrusion-set"] == len(first.operations)
    assert shared["indicator"] > 0
    assert first.share_file.is_file()
    second = run_demo(home, DemoConfig(accounts=4000, seed=3))  # replaces its own folder
    assert second.audit_rows == first.audit_rows
    assert second.enforcement == first.enforcement


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    home = tmp_path / "mine"
    home.mkdir()
    (home / "precious.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(CounterspyError, match="not made by the demo"):
        run_demo(home, DemoConfig(accounts=4000))
    assert (home / "precious.txt").read_text(encoding="utf-8") == "keep me"
