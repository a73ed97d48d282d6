"""`counterspy legal` and `counterspy transparency` end to end through the CLI entry point."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from counterspy.cli.main import main
from counterspy.errors import CounterspyError
from counterspy.legal import requests
from counterspy.legal.model import DataCategory, LegalProcess, RequestDraft
from counterspy.legal.policy import default_policy
from counterspy.legal.targets import NoTargets
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _submit(home: Path, accounts: tuple[str, ...]) -> int:
    store = open_store(Workspace(home))
    with store.session() as s:
        v = requests.submit_request(
            s,
            agency_id="uk-nca",
            draft=RequestDraft(
                process=LegalProcess.MLAT,
                country="GB",
                categories=frozenset({DataCategory.SUBSCRIBER, DataCategory.CONTENT}),
                accounts=accounts,
                legal_basis_ref="MLAT 2026/117 via DOJ OIA",
            ),
            actor="agent",
            policy=default_policy(),
            targets=NoTargets(),
            received_at=datetime(2026, 2, 3, tzinfo=UTC),
        )
    store.dispose()
    return v.id


def test_agency_to_transparency_through_the_cli(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COUNTERSPY_ACTOR", "lisa")
    code, out, _ = _run(
        capsys,
        "legal",
        "agency-add",
        "uk-nca",
        "--name",
        "National Crime Agency",
        "--country",
        "GB",
        "--email",
        "lr@nca.gov.uk",
        "--phone",
        "+44 20 0000 0000",
    )
    assert code == 0
    assert "official domain list: .gov.uk" in out
    code, _, err = _run(
        capsys, "legal", "callback", "uk-nca", "--number", "+44 20 0000 0000", "--source", "x"
    )
    assert code == 2
    assert "CALLBACK_NUMBER_NOT_INDEPENDENT" in err
    code, out, _ = _run(
        capsys,
        "legal",
        "callback",
        "uk-nca",
        "--number",
        "+44 370 496 7622",
        "--source",
        "nationalcrimeagency.gov.uk/contact-us",
    )
    assert "status verified" in out
    code, out, _ = _run(capsys, "legal", "agency-suspend", "uk-nca", "--reason", "forged letter")
    assert "status suspended" in out
    with pytest.raises(CounterspyError, match="AGENCY_NOT_VERIFIED"):
        _submit(home, ("acct-1",))
    code, out, _ = _run(
        capsys, "legal", "agency-suspend", "uk-nca", "--reason", "cleared", "--reinstate"
    )
    assert "status verified" in out
    rid = _submit(home, ("acct-1", "acct-2"))
    code, out, _ = _run(capsys, "legal", "requests", "--state", "received")
    assert code == 0
    assert "uk-nca" in out
    assert _run(capsys, "legal", "verify", str(rid), "--note", "DOJ OIA letter checked")[0] == 0
    code, _, err = _run(
        capsys, "legal", "produce", str(rid), "--category", "subscriber", "--account", "acct-1"
    )
    assert code == 2
    assert "cannot become produced" in err
    code, out, _ = _run(
        capsys,
        "legal",
        "decide",
        str(rid),
        "--decision",
        "partially_approved",
        "--code",
        "NARROWED_BY_REVIEWER",
        "--category",
        "subscriber",
        "--account",
        "acct-1",
    )
    assert code == 0
    assert "partially_approved" in out
    code, out, _ = _run(
        capsys, "legal", "produce", str(rid), "--category", "subscriber", "--account", "acct-1"
    )
    assert "produced subscriber for 1 account(s)" in out
    code, out, _ = _run(capsys, "legal", "due", "--kind", "user_notice")
    assert code == 0
    task_id = out.split("│")[1].strip() if "│" in out else None
    assert task_id is not None
    assert task_id.isdigit()
    assert _run(capsys, "legal", "task-done", task_id, "--outcome", "e-mailed")[0] == 0
    assert _run(capsys, "legal", "close", str(rid))[0] == 0
    code, out, _ = _run(capsys, "legal", "show", str(rid))
    assert "closed" in out
    out_file = tmp_path / "t.csv"
    code, _, err = _run(
        capsys, "transparency", "--period", "2026-H1", "--format", "csv", "--out", str(out_file)
    )
    assert code == 0
    assert "1 request(s) from 1 country(ies)" in err
    rows = list(csv.reader(out_file.read_text(encoding="utf-8").splitlines()))
    assert rows[1] == [
        "2026-06-30",
        "United Kingdom",
        "GB",
        "Other Legal Requests",
        "1",
        "100",
        "2",
    ]
    code, out, _ = _run(capsys, "transparency", "--period", "2026-H1", "--format", "html")
    assert "<h1>Transparency report, 2026-H1</h1>" in out
    assert _run(capsys, "transparency", "--period", "2026-H1", "--format", "pdf")[0] == 2
    assert _run(capsys, "transparency", "--period", "2026", "--format", "csv")[0] == 2


def test_senior_designation_and_rules(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "legal", "senior", "sr-1")[0] == 0
    assert _run(capsys, "legal", "senior", "sr-1")[0] == 2  # already designated
    code, out, _ = _run(capsys, "legal", "senior")
    assert out.split() == ["sr-1"]
    assert _run(capsys, "legal", "senior", "sr-1", "--remove")[0] == 0
    code, out, _ = _run(capsys, "legal", "rules")
    assert code == 0
    assert "NOTIFIED_TARGET_ESCALATION" in out
    _, out, err = _run(capsys, "legal", "agencies")
    assert "0 agency record(s)" in err
