"""`counterspy share collections|publish|pull` end to end through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from counterspy.cli.main import main
from counterspy.share.tlp import Tlp
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace
from tests.taxii_helpers import indicator, served


def test_cli_collections_publish_and_pull(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        cap = capsys.readouterr()
        return code, cap.out, cap.err

    monkeypatch.setenv("COUNTERSPY_ACTOR", "analyst")
    code, out, _ = run(
        "share", "collections", "add", "Cytrox infra", "--max-tlp", "green", "--alias", "cytrox"
    )
    assert code == 0
    cid = out.strip()
    code, _, err = run("share", "collections", "grant", "cytrox", "org-a")
    assert code == 0
    assert "no partner user acts for 'org-a'" in err
    bundle = tmp_path / "b.json"
    objs = [indicator(1), indicator(2, Tlp.AMBER), indicator(3)]
    bundle.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objs}))
    code, _, err = run("share", "publish", str(bundle), "--collection", "cytrox")
    assert code != 0
    assert str(objs[1]["id"]) in err
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    code, _, err = run("share", "publish", str(junk), "--collection", "cytrox")
    assert code != 0
    assert "not valid JSON" in err
    code, _, err = run("share", "publish", str(bundle), "--collection", "nope")
    assert code != 0
    assert "no TAXII collection 'nope'" in err
    code, _, err = run("share", "collections", "add", "x", "--max-tlp", "red")
    assert code != 0
    assert "RED" in err
    code, out, _ = run("share", "publish", str(bundle), "--collection", "cytrox", "--drop-above")
    assert code == 0
    assert "published 2 new" in out
    assert "1 dropped" in out
    code, out, _ = run("share", "collections", "list", "--json")
    listed = json.loads(out)
    assert listed[0]["id"] == cid
    assert listed[0]["organisations"] == ["org-a"]
    assert listed[0]["objects"] == 2
    # Pull from this same workspace's server into itself, as partner org-a.
    assert run("users", "add", "pa", "--role", "partner", "--organisation", "org-a")[0] == 0
    token = run("users", "token", "pa")[1].strip()
    wstore = open_store(Workspace.resolve(home))
    with served(wstore, tmp_path) as discovery:
        monkeypatch.setenv("COUNTERSPY_TAXII_TOKEN", token)
        code, out, err = run("share", "pull", discovery + "share/", "--collection", cid)
        assert code == 0, err
        assert "pulled 2 object version(s)" in out
        code, out, _ = run("share", "pull", discovery + "share/", "--collection", cid)
        assert "pulled 0 object version(s)" in out
    code, out, _ = run("share", "pulls", "--json")
    assert code == 0
    (source,) = json.loads(out)
    assert (source["collection"], source["objects"], source["pulls"]) == (cid, 2, 2)
    code, out, _ = run("share", "access", "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert (row["user"], row["organisation"], row["requests"], row["objects"]) == (
        "pa",
        "org-a",
        2,
        2,
    )
    assert run("share", "collections", "revoke", "cytrox", "org-a")[0] == 0
