"""Detection engine on a small hand-made platform with planted rings (no simulator needed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from counterspy.analytics import connect, load_tables
from counterspy.detect.pipeline import DetectionResult, run_detection
from counterspy.model import Verdict, VerdictLabel
from counterspy.workspace import Workspace
from tests.detect_fixtures import Platform, build_platform
from tests.detect_fixtures import flagged as _flagged

META_CSV = "meta/2021_12_taking_action_against_surveillance_for_hire.csv"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> tuple[Platform, Workspace]:
    home = tmp_path_factory.mktemp("platform")
    p = build_platform()
    p.write(home)
    return p, Workspace(home)


@pytest.fixture(scope="module")
def result(platform: tuple[Platform, Workspace]) -> DetectionResult:
    return run_detection(load_tables(connect("duckdb"), platform[1]))


def test_planted_rings_are_flagged_and_nothing_else(
    platform: tuple[Platform, Workspace], result: DetectionResult
) -> None:
    p, _ = platform
    operators = {a for ring in p.rings.values() for a in ring}
    assert _flagged(result) == operators


def test_each_ring_is_one_operation(
    platform: tuple[Platform, Workspace], result: DetectionResult
) -> None:
    p, _ = platform
    op_of = dict(zip(result.accounts["account_id"], result.accounts["operation_id"], strict=True))
    ops = {name: {op_of[a] for a in ring} for name, ring in p.rings.items()}
    assert all(len(v) == 1 for v in ops.values())
    assert ops["A"] != ops["B"]
    assert len(result.operations) == 2


def test_viral_crowd_and_confounders_are_not_operators(
    platform: tuple[Platform, Workspace], result: DetectionResult
) -> None:
    p, _ = platform
    flagged = _flagged(result)
    assert not flagged & set(p.viral)
    assert not flagged & set(p.confounders)
    # The crowd did trip the viewing signal (it looked at famous journalists) — the point is
    # that coordination did not turn it into an operation.
    viewing = result.signals[result.signals["signal"] == "at_risk_concentration"]
    assert set(viewing["account_id"]) & set(p.viral)


def test_targets_and_phases_match_the_plant(
    platform: tuple[Platform, Workspace], result: DetectionResult
) -> None:
    p, _ = platform
    op_of = dict(zip(result.accounts["account_id"], result.accounts["operation_id"], strict=True))
    for name, ring in p.rings.items():
        op = op_of[ring[0]]
        got = result.targets[result.targets["operation_id"] == op]
        assert dict(zip(got["target_id"], got["phase"], strict=True)) == p.targets[name]


def test_operators_are_never_targets(result: DetectionResult) -> None:
    assert not set(result.targets["target_id"]) & _flagged(result)


def test_every_signal_carries_checkable_evidence(result: DetectionResult) -> None:
    s = result.signals
    assert len(s)
    assert s["evidence"].str.len().min() > 10
    assert s["detector"].notna().all()
    assert s["window_start"].notna().all()
    for params in s["params"].unique():
        assert isinstance(json.loads(params), dict)


def test_bad_domains_found_without_a_verdict_engine(result: DetectionResult) -> None:
    assert set(result.bad_domains["domain"]) == {"instagam.click", "wha.tsapp.me"}


def test_indicators_attribute_the_exploitation_ring_to_cytrox(
    platform: tuple[Platform, Workspace], shared_data: Path
) -> None:
    from counterspy.detect.indicators import load_indicators

    p, ws = platform
    ind = load_indicators(shared_data / META_CSV)
    r = run_detection(load_tables(connect("duckdb"), ws), indicators=ind)
    op_b = r.accounts.set_index("account_id").loc[p.rings["B"][0], "operation_id"]
    row = r.operations.set_index("operation_id").loc[op_b]
    assert row["firm"] == "cytrox"
    assert "indicators" in row["rationale"]


class _FakeChecker:
    """A verdict engine that only knows one domain."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def check_many(self, urls: Sequence[str]) -> list[Verdict]:
        self.seen.extend(urls)
        return [
            Verdict(u, VerdictLabel.MALICIOUS if "wha.tsapp.me" in u else VerdictLabel.CLEAN)
            for u in urls
        ]


def test_a_link_checker_replaces_the_builtin_heuristic(
    platform: tuple[Platform, Workspace],
) -> None:
    _, ws = platform
    checker = _FakeChecker()
    r = run_detection(load_tables(connect("duckdb"), ws), checker=checker)
    assert checker.seen
    assert set(r.bad_domains["domain"]) == {"wha.tsapp.me"}


def test_without_the_lockstep_ring_members_would_stand_alone(tmp_path: Path) -> None:
    # The same platform without viewing crowds: the ring still forms one operation.
    p = build_platform(seed=3, viral_crowd=0)
    p.write(tmp_path)
    r = run_detection(load_tables(connect("duckdb"), Workspace(tmp_path)))
    ops = set(r.accounts.set_index("account_id").loc[p.rings["A"], "operation_id"])
    assert len(ops) == 1


def test_empty_workspace_is_a_clear_error(home: Path) -> None:
    from counterspy.errors import CounterspyError

    with pytest.raises(CounterspyError, match="no accounts loaded"):
        load_tables(connect("duckdb"), Workspace(home))


def test_results_frame_types(result: DetectionResult) -> None:
    assert isinstance(result.targets, pd.DataFrame)
    assert {"target_id", "operation_id", "firm", "phase", "first_seen", "last_seen"} <= set(
        result.targets.columns
    )
