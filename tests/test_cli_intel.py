from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from counterspy.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_import_list_stats_and_verdict(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "ioc.csv"
    f.write_text(
        "indicator_type,indicator_value,comment,ds\n"
        "domain_name,bad[.]example,Cytrox Domain,2021-12-16\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "intel", "import", str(f), "--source", "meta")
    assert code == 0
    assert "imported 1 indicators" in out
    code, out, _ = run(capsys, "intel", "list", "--json")
    assert json.loads(out.splitlines()[0])["normalized"] == "bad.example"
    code, out, _ = run(capsys, "intel", "stats")
    assert "1 indicators" in out
    code, out, err = run(capsys, "verdict", "--json", "https://x.bad.example/a", "paypal.com")
    lines = [json.loads(x) for x in out.splitlines()]
    assert [(x["verdict"], x["actor"]) for x in lines] == [("malicious", "cytrox"), ("clean", None)]
    assert set(lines[0]) >= {"url", "verdict", "reasons", "actor"}
    assert "1 malicious" in err


def test_import_error_is_one_line_with_hint(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "split.txt"
    f.write_text("fbc8213450838f7ae251d4\n519c195138.xyz\n", encoding="utf-8")
    code, _out, err = run(capsys, "intel", "import", str(f))
    assert code == 2
    assert "rows 1 and 2" in " ".join(err.split())
    assert "--join-split" in err
    code, _out, _ = run(capsys, "intel", "import", "--join-split", str(f))
    assert code == 0


def test_block_add_list_remove(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "block",
        "add",
        "phish.example",
        "203.0.113.0/24",
        "--reason",
        "kit",
        "--by",
        "ana",
        "--expires",
        "7d",
    )
    assert code == 0
    assert "blocked cidr 203.0.113.0/24" in out
    code, out, _ = run(capsys, "block", "list")
    assert "phish.example" in out
    code, out, _ = run(capsys, "verdict", "http://203.0.113.50/")
    assert "malicious" in out
    code, out, _ = run(capsys, "block", "remove", "phish.example")
    assert code == 0
    code, _out, err = run(capsys, "block", "remove", "phish.example")
    assert code == 2
    assert "not on the blocklist" in err
    code, _out, err = run(capsys, "block", "add", "not a thing!", "--reason", "x")
    assert code == 2


def test_verdict_reads_stdin(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("wha.tsapp.me\n\njavascript:x\n"))
    code, out, _ = run(capsys, "verdict", "--json", "-")
    assert code == 0
    assert [json.loads(x)["verdict"] for x in out.splitlines()] == ["suspicious", "suspicious"]
