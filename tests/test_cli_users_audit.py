"""`counterspy users` and `counterspy audit` end to end through the CLI entry point."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from counterspy.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_user_lifecycle_is_audited_and_verifiable(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERSPY_ACTOR", "ops-lead")
    assert _run(capsys, "users", "add", "rita", "--role", "reviewer")[0] == 0
    code, out, err = _run(capsys, "users", "token", "rita", "--label", "laptop")
    assert code == 0
    secret = out.strip()
    assert secret.startswith("cs_")
    assert "not shown again" in err
    code, out, _ = _run(capsys, "users", "tokens", "rita")
    assert secret.split("_")[1] in out
    assert secret not in out  # listings never show the secret
    code, out, _ = _run(capsys, "audit", "log", "--json")
    entries = [json.loads(line) for line in out.splitlines()]
    assert [e["action"] for e in entries] == ["token.issue", "user.create"]
    assert {e["actor"] for e in entries} == {"ops-lead"}
    code, out, _ = _run(capsys, "audit", "verify")
    assert code == 0
    assert "intact: 2 entries" in out


def test_audit_verify_exits_3_and_names_the_row(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _run(capsys, "users", "add", "a1", "--role", "auditor")
    _run(capsys, "users", "add", "a2", "--role", "auditor")
    _run(capsys, "users", "add", "a3", "--role", "auditor")
    anchor = tmp_path / "anchor.json"
    assert _run(capsys, "audit", "anchor", "--out", str(anchor))[0] == 0
    with sqlite3.connect(home / "counterspy.db") as db:
        db.execute("UPDATE audit_log SET subject_id = 'someone-else' WHERE seq = 2")
    code, out, err = _run(capsys, "audit", "verify", "--anchor", str(anchor))
    assert code == 3
    assert "edited at row 2" in out
    assert "tampered" in err


def test_bad_input_is_one_line_with_a_hint(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(capsys, "users", "add", "bob", "--role", "wizard")
    assert code == 2
    assert "unknown role 'wizard'" in err
    assert "Traceback" not in err
    code, _, err = _run(capsys, "users", "add", "pat", "--role", "partner")
    assert code == 2
    assert "--organisation" in err
    code, _, err = _run(capsys, "users", "token", "ghost")
    assert code == 2
    assert "no user named 'ghost'" in err
    broken = tmp_path / "anchor.json"
    broken.write_text("{not json", encoding="utf-8")
    code, _, err = _run(capsys, "audit", "verify", "--anchor", str(broken))
    assert code == 2
    assert "anchor.json" in err
    assert "not an audit anchor" in err
