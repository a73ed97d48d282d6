"""`counterspy share export` / `share import` on the command line: summaries and user errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from counterspy.cli.main import main

CSV = (
    "indicator_type,indicator_value,comment,ds\n"
    "domain_name,bad[.]example.com,Cytrox Domain,2021-12-16\n"
    "domain_name,other.example.org,seen in a lure,2021-12-17\n"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_import_then_export_every_format(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "meta.csv"
    src.write_text(CSV, encoding="utf-8")
    code, out, _ = run(capsys, "share", "import", str(src), "--tlp", "green")
    assert code == 0
    assert "imported 2 indicators" in out
    for fmt, name in (("stix", "x.stix2"), ("misp", "x.json"), ("meta-csv", "x.csv")):
        code, out, _ = run(
            capsys,
            "share",
            "export",
            "--format",
            fmt,
            "--out",
            str(tmp_path / name),
            "--tlp",
            "green",
        )
        assert code == 0, out
        assert "bad.example.com" in (tmp_path / name).read_text(encoding="utf-8")
    bundle = json.loads((tmp_path / "x.stix2").read_text(encoding="utf-8"))
    actors = [o["name"] for o in bundle["objects"] if o["type"] == "threat-actor"]
    assert actors == ["Cytrox (Predator)"]


def test_export_summary_counts_what_the_ceiling_held_back(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "meta.csv"
    src.write_text(CSV, encoding="utf-8")
    assert run(capsys, "share", "import", str(src), "--tlp", "amber")[0] == 0
    out_file = tmp_path / "clear.stix2"
    code, _, err = run(capsys, "share", "export", "--out", str(out_file), "--tlp", "clear")
    assert code == 0
    assert "held back by the TLP:CLEAR ceiling: 2 indicators" in err
    assert "example" not in out_file.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "xml"], "unknown export format 'xml'"),
        (["--tlp", "purple"], "unknown TLP level 'purple'"),
        (["--profile", "loose"], "unknown export profile 'loose'"),
    ],
)
def test_export_refuses_bad_options(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, "share", "export", "--out", str(tmp_path / "x"), *argv)
    assert code != 0
    assert message in err
    assert not (tmp_path / "x").exists()


def test_import_of_a_broken_bundle_names_the_file_and_imports_nothing(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.stix2"
    bad.write_text('{"type": "bundle", "objects": [', encoding="utf-8")
    code, _, err = run(capsys, "share", "import", str(bad))
    assert code != 0
    assert "bad.stix2" in err
    assert "not valid JSON" in err
    code, out, _ = run(capsys, "intel", "stats")
    assert "0 indicators" in out


def test_dry_run_shows_levels_and_writes_nothing(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "meta.csv"
    src.write_text(CSV, encoding="utf-8")
    code, out, _ = run(capsys, "share", "import", str(src), "--tlp", "green", "--dry-run")
    assert code == 0
    assert "would import 2 indicators" in out
    assert "TLP:GREEN" in out
    code, out, _ = run(capsys, "intel", "stats")
    assert "0 indicators" in out
