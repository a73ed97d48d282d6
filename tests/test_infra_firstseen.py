"""First-seen signal: when each link domain first appeared in the workspace, and which are new."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from counterspy.cli.main import main
from counterspy.detect.run import workspace_link_checker
from counterspy.errors import CounterspyError
from counterspy.infra.brands import parse_brands_csv
from counterspy.infra.firstseen import (
    FIRST_SEEN_RESULT,
    FirstSeenPolicy,
    read_first_seen,
    refresh_first_seen,
)
from counterspy.infra.indicator_index import IndicatorIndex, Provenance
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.service import VerdictService
from counterspy.infra.verdict import VerdictEngine
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.model.verdict import VerdictLabel
from counterspy.workspace import Workspace

T0 = datetime(2021, 10, 1, tzinfo=UTC)


def _event(i: int, day: float, actor: str, url: str | None) -> dict[str, object]:
    return {
        "event_id": f"e{i}",
        "ts": T0 + timedelta(days=day),
        "actor_id": actor,
        "event_type": "message" if url else "login",
        "target_id": "a999" if url else None,
        "url": url,
    }


def write_workspace(home: Path) -> Workspace:
    events = [
        _event(0, 0, "a1", None),  # the observed period starts here
        _event(1, 0.5, "a1", "https://old.example/a"),
        _event(2, 29.0, "a2", "https://old.example/b"),
        _event(3, 28.0, "op1", "https://fresh-op.xyz/x"),
        _event(4, 29.5, "op1", "https://login.fresh-op.xyz/y"),
        _event(5, 15.0, "a3", "https://midway.example/"),
        _event(6, 29.0, "op2", "http://mail.evil.co.uk/z"),
        _event(7, 29.9, "a4", "https://www.instagram.com/p/1"),
        _event(8, 29.0, "a5", "http://203.0.113.5/x"),  # an IP: no domain
        _event(9, 29.0, "a5", "no-scheme.example/x"),  # not a URL with a scheme: skipped
        _event(10, 30.0, "a1", None),  # the newest event: "now" for the data
        _event(11, 29.2, "op3", "https://paypalhelpdesk.co.uk/x"),
    ]
    viral = "https://viral.example/"
    events += [_event(100 + i, 27.0 + i / 100, f"v{i}", viral) for i in range(10)]
    accounts = [
        {
            "account_id": a,
            "created_at": T0 - timedelta(days=100),
            "display_name": a,
            "account_type": "person",
            "country": "GR",
            "locale": "el-GR",
            "verified": False,
        }
        for a in sorted({str(e["actor_id"]) for e in events} | {"a999"})
    ]
    for table, rows in ((ACCOUNTS, accounts), (EVENTS, events)):
        d = home / "loads" / "l1" / table.name
        d.mkdir(parents=True, exist_ok=True)
        full = [{c: r.get(c) for c in table.names} for r in rows]
        pq.write_table(pa.Table.from_pylist(full, schema=table.schema), d / "part-0.parquet")
    return Workspace(home)


def test_first_seen_per_registrable_domain(home: Path) -> None:
    ws = write_workspace(home)
    table = refresh_first_seen(ws)
    assert table.start == T0
    assert table.as_of == T0 + timedelta(days=30)
    assert set(table.domains) == {
        "old.example",
        "fresh-op.xyz",
        "midway.example",
        "evil.co.uk",
        "instagram.com",
        "viral.example",
        "paypalhelpdesk.co.uk",
    }
    fresh = table.domains["fresh-op.xyz"]  # subdomains folded into the registrable domain
    assert fresh.first_seen == T0 + timedelta(days=28)
    assert (fresh.n_events, fresh.n_senders) == (2, 1)
    assert table.domains["old.example"].first_seen == T0 + timedelta(days=0.5)
    assert table.domains["viral.example"].n_senders == 10
    new = table.new_domains(FirstSeenPolicy())
    # old (warm-up), midway (outside the window) and viral (many senders) are not new
    assert set(new) == {"fresh-op.xyz", "evil.co.uk", "instagram.com", "paypalhelpdesk.co.uk"}
    assert set(table.new_domains(FirstSeenPolicy(max_senders=10))) >= {"viral.example"}
    # midway is within 20 days of the newest event but also within 20 days of the first one:
    # the observed history is too short to call it new
    wide = table.new_domains(FirstSeenPolicy(window=timedelta(days=20)))
    assert "midway.example" not in wide
    assert "fresh-op.xyz" in wide
    stored = read_first_seen(ws)
    assert stored is not None
    assert stored.domains == table.domains
    assert stored.as_of == table.as_of


def test_verdicts_mark_new_domains_but_not_brands_or_old_ones(home: Path) -> None:
    ws = write_workspace(home)
    refresh_first_seen(ws)
    svc = VerdictService(ws)
    try:
        engine = svc.engine()
        # new *and* a weak signal: an abused TLD, or a protected brand inside the name
        for url, why in (
            ("https://fresh-op.xyz/a", "abused .xyz TLD"),
            ("https://cdn.fresh-op.xyz/b", "abused .xyz TLD"),
            ("https://paypalhelpdesk.co.uk/", "contains paypal (protected brand PayPal)"),
        ):
            v = engine.verdict(url)
            assert v.label is VerdictLabel.SUSPICIOUS, (url, v.reasons)
            assert [r.code for r in v.reasons] == ["first_seen.recent"]
            assert "first seen on the platform 2021-10-" in v.reasons[0].detail
            assert why in v.reasons[0].detail
        for url in (
            "http://evil.co.uk/",  # new, but nothing else: the long tail of honest sites
            "https://old.example/",
            "https://midway.example/",
            "https://viral.example/",
            "https://www.instagram.com/",  # a brand's own domain stays clean even when new
            "https://never-seen.example/",
        ):
            assert engine.verdict(url).label is VerdictLabel.CLEAN, url
    finally:
        svc.close()
    off = VerdictService(ws, first_seen_policy=None)
    try:
        assert off.engine().verdict("https://fresh-op.xyz/a").label is VerdictLabel.CLEAN
    finally:
        off.close()


def test_service_without_a_first_seen_table_has_no_first_seen_reasons(home: Path) -> None:
    ws = write_workspace(home)
    assert read_first_seen(ws) is None
    svc = VerdictService(ws)
    try:
        v = svc.engine().verdict("https://fresh-op.xyz/a")
        assert v.label is VerdictLabel.CLEAN
        refresh_first_seen(ws)  # computed later: a running service picks it up
        svc._checked = 0.0  # skip the once-a-second throttle
        assert svc.engine().verdict("https://fresh-op.xyz/a").label is VerdictLabel.SUSPICIOUS
    finally:
        svc.close()


def test_detection_link_checker_refreshes_first_seen(home: Path) -> None:
    ws = write_workspace(home)
    checker = workspace_link_checker(ws, "verdict")
    assert checker is not None
    assert (ws.result_dir(FIRST_SEEN_RESULT) / "part-0.parquet").exists()
    [v] = checker.check_many(["https://fresh-op.xyz/x"])
    assert v.label is VerdictLabel.SUSPICIOUS


def test_bad_policy_and_corrupt_table_are_reported(home: Path) -> None:
    with pytest.raises(CounterspyError, match="window must be positive"):
        FirstSeenPolicy(window=timedelta(0))
    with pytest.raises(CounterspyError, match="at least 1"):
        FirstSeenPolicy(max_senders=0)
    ws = write_workspace(home)
    refresh_first_seen(ws)
    (ws.result_dir(FIRST_SEEN_RESULT) / "info.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CounterspyError, match="cannot read the first-seen table") as exc:
        read_first_seen(ws)
    assert exc.value.hint is not None
    assert "intel first-seen" in exc.value.hint


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_cli_first_seen_and_verdict(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_workspace(home)
    code, out, err = run(capsys, "intel", "first-seen", "--home", str(home))
    assert code == 0, err
    assert "fresh-op.xyz" in out
    assert "old.example" not in out
    assert "7 link domains" in err
    assert "4 new within 7 days" in err
    code, out, _ = run(capsys, "verdict", "--json", "--home", str(home), "https://fresh-op.xyz/")
    assert code == 0
    assert json.loads(out)["reasons"][0]["code"] == "first_seen.recent"
    code, out, _ = run(
        capsys,
        "verdict",
        "--json",
        "--first-seen-days",
        "0",
        "--home",
        str(home),
        "https://fresh-op.xyz/",
    )
    assert code == 0
    assert json.loads(out)["verdict"] == "clean"
    code, out, _ = run(
        capsys,
        "verdict",
        "--json",
        "--first-seen-max-senders",
        "1",
        "--first-seen-days",
        "1",
        "--home",
        str(home),
        "https://fresh-op.xyz/",  # first seen 2 days before the newest event
    )
    assert code == 0
    assert json.loads(out)["verdict"] == "clean"


def test_cli_first_seen_without_events_fails_cleanly(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, "intel", "first-seen", "--home", str(home))
    assert code != 0
    assert "no accounts loaded" in err or "no events loaded" in err


def test_engine_first_seen_rules_without_a_workspace() -> None:
    brands = parse_brands_csv(
        "name,category,country,domains,aliases,flags\nPayPal,payments,INT,paypal.com,,global\n",
        "t.csv",
    )
    now = datetime(2021, 12, 1, tzinfo=UTC)
    recent, old = now - timedelta(days=2), now - timedelta(days=30)
    seen = {"paypal-login.com": recent, "plain-new.com": recent, "old-site.xyz": old}
    engine = VerdictEngine(IndicatorIndex(), LookalikeIndex(brands), first_seen=seen, now=now)
    # already suspicious for another reason: the first sighting is added as evidence
    v = engine.verdict("https://paypal-login.com/")
    assert [r.code for r in v.reasons] == ["lookalike.combosquat", "first_seen.recent"]
    assert engine.verdict("https://plain-new.com/").label is VerdictLabel.CLEAN
    assert engine.verdict("https://old-site.xyz/").label is VerdictLabel.CLEAN  # not recent
    # an indicator wins over everything
    index = IndicatorIndex()
    index.add("domain", "plain-new.com", Provenance("indicator", "feed", "cytrox"))
    e2 = VerdictEngine(index, None, first_seen={"x-new.xyz": recent}, now=now)
    assert e2.verdict("https://plain-new.com/").label is VerdictLabel.MALICIOUS
    # without a brand index only the abused-TLD companion counts
    assert e2.verdict("https://x-new.xyz/").label is VerdictLabel.SUSPICIOUS
