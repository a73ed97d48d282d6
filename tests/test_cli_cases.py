"""The ``counterspy cases`` commands: thin wrappers, clear errors, useful summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterspy.cli.main import main
from counterspy.detect.results import read_result
from counterspy.workspace import Workspace
from tests.cases_helpers import copy_workspace, detected_workspace


@pytest.fixture
def ws(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    detected = detected_workspace(tmp_path_factory.getbasetemp() / "cases-detected")
    return copy_workspace(detected, home)


def test_review_flow_from_the_command_line(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COUNTERSPY_ACTOR", "ivan")
    assert main(["cases", "open"]) == 0
    assert "cases opened" in capsys.readouterr().out
    assert main(["cases", "open"]) == 0
    assert "0 cases opened" in capsys.readouterr().out
    assert main(["cases", "list"]) == 0
    assert main(["cases", "show", "1", "--signals"]) == 0
    shown = capsys.readouterr().out
    assert "rationale:" in shown
    assert "threshold" in shown
    # the opener may not approve (four eyes), and a made-up code is refused with the valid ones
    assert main(["cases", "review", "1", "--decision", "approved", "--code", "banned-entity"]) == 2
    assert "four-eyes" in capsys.readouterr().err
    monkeypatch.setenv("COUNTERSPY_ACTOR", "rita")
    assert main(["cases", "review", "1", "--decision", "approved", "--code", "because"]) == 2
    assert "valid to approve: banned-entity" in capsys.readouterr().err
    assert main(["cases", "review", "1", "--decision", "approved", "--code",
                 "surveillance-for-hire"]) == 0  # fmt: skip
    assert "actions queued" in capsys.readouterr().out
    assert main(["actions", "list", "--json"]) == 0
    listed = capsys.readouterr().out
    accounts = read_result(ws, "accounts")
    in_case_1 = accounts[accounts["flagged"].astype(bool) & (accounts["operation_id"] == "op-0001")]
    assert listed.count('"disable_account"') == len(in_case_1) > 0
    assert main(["cases", "show", "99"]) == 2
    assert "no case 99" in capsys.readouterr().err
    assert main(["cases", "codes"]) == 0
    assert "appeal-new-evidence" in capsys.readouterr().out


def test_split_needs_accounts_and_appeal_needs_an_approved_account(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COUNTERSPY_ACTOR", "ivan")
    assert main(["cases", "open"]) == 0
    assert main(["cases", "split", "1", "--reason", "x"]) == 2
    assert "name the accounts" in capsys.readouterr().err
    assert main(["cases", "appeal", "nobody", "--statement", "hello"]) == 2
    assert "in no case" in capsys.readouterr().err
