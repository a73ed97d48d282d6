"""The published threat report, built from a small simulated run with real enforcement state.

Expected numbers are computed here from the detection results tables and from what the test
itself did to the store, never from the report code.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from counterspy.api.app import create_app
from counterspy.cli.main import main
from counterspy.detect.results import read_result
from counterspy.detect.run import detect_workspace
from counterspy.enforce import outbox
from counterspy.enforce.actions import ActionKind, ActionRequest, ActionResult, Outcome, TargetKind
from counterspy.enforce.adapters import PlatformAdapter
from counterspy.enforce.worker import run_outbox
from counterspy.ingest import simulator
from counterspy.ingest.load import ingest
from counterspy.intel.importer import prepare_import
from counterspy.intel.store import apply_import
from counterspy.model import UNATTRIBUTED
from counterspy.report import (
    ThreatReport,
    build_report,
    render_csv,
    render_html,
    render_markdown,
)
from counterspy.report import output as report_output
from counterspy.report.aggregate import country_chart
from counterspy.share.tlp import Tlp
from counterspy.storage.db import Store
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

DAY = "2021-12-16"
CLEAR_DOMAIN = "cytrox-public-indicator.example"
AMBER_DOMAIN = "cytrox-partner-only.example"
PHASE_RANK = {"reconnaissance": 1, "engagement": 2, "exploitation": 3}


class AckAll(PlatformAdapter):
    """A platform that confirms every action (the real outbox and worker run against it)."""

    name: ClassVar[str] = "report-test-ack"

    def _do_execute(self, request: ActionRequest) -> ActionResult:
        return ActionResult(Outcome.ACKED, attempts=1, status_code=200, platform_ref="ok")


@dataclass(frozen=True)
class Run:
    ws: Workspace
    truth: Path
    removed: frozenset[str]  # accounts the test disabled and the platform acknowledged
    pending: frozenset[str]
    blocked: frozenset[str]  # domains the test blocked through enforcement
    clear_dir: Path
    amber_dir: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    mp = pytest.MonkeyPatch()
    mp.delenv("COUNTERSPY_DATABASE_URL", raising=False)
    mp.delenv("COUNTERSPY_HOME", raising=False)
    tmp = tmp_path_factory.mktemp("report")
    sim = tmp / "sim"
    simulator.simulate(simulator.SimulationConfig(accounts=3000, seed=6, stealth=1, days=30), sim)
    ws = Workspace(tmp / "home")
    ingest(ws, [sim])
    detect_workspace(ws)
    acc = read_result(ws, "accounts")
    flagged = acc[acc["flagged"]].sort_values("account_id")
    cytrox = flagged[flagged["firm"] == "cytrox"]["account_id"].tolist()
    other = flagged[flagged["firm"] != "cytrox"]["account_id"].tolist()
    assert len(cytrox) >= 4, "seed no longer finds Cytrox: pick another"
    assert len(other) >= 3
    removed = [*cytrox[:3], other[0]]
    pending = [cytrox[3]]
    reinstated = other[1]  # disabled, then reinstated on appeal: not removed
    bad = sorted(read_result(ws, "bad_domains")["domain"])
    # Indicators: one public (Meta's source, CLEAR by the bundled policy), one from a partner
    # feed that the workspace policy marks AMBER. Both name Cytrox.
    meta = tmp / "meta.csv"
    meta.write_text(
        f"indicator_type,indicator_value,comment,ds\ndomain,{CLEAR_DOMAIN},Cytrox,2021-12-16\n"
    )
    partner = tmp / "partner.csv"
    partner.write_text(
        f"indicator_type,indicator_value,comment,ds\ndomain,{AMBER_DOMAIN},Cytrox,2021-12-01\n"
    )
    (ws.home / "tlp.yaml").write_text("sources:\n  partner-x: amber\n")
    store = open_store(ws)
    try:
        apply_import(store, prepare_import([meta]))
        apply_import(store, prepare_import([partner], source="partner-x"))
        with store.session() as s:
            outbox.enqueue_actions(
                s,
                kind=ActionKind.DISABLE_ACCOUNT,
                targets=[*removed, reinstated],
                reason="surveillance-for-hire",
                decided_by="test",
                batch="b1",
                adapter=AckAll.name,
            )
            outbox.enqueue_actions(
                s,
                kind=ActionKind.BLOCK_INFRASTRUCTURE,
                targets=bad[:2],
                target_kind=TargetKind.DOMAIN,
                reason="phishing",
                decided_by="test",
                batch="b1",
            )
        run_outbox(store, AckAll(), batch="b1", sleep=lambda _s: None)
        with store.session() as s:
            outbox.enqueue_actions(
                s,
                kind=ActionKind.REINSTATE_ACCOUNT,
                targets=[reinstated],
                reason="appeal upheld",
                decided_by="test",
                batch="b2",
                adapter=AckAll.name,
            )
        run_outbox(store, AckAll(), batch="b2", sleep=lambda _s: None)
        with store.session() as s:  # approved, never delivered
            outbox.enqueue_actions(
                s,
                kind=ActionKind.DISABLE_ACCOUNT,
                targets=pending,
                reason="surveillance-for-hire",
                decided_by="test",
                batch="b3",
                adapter=AckAll.name,
            )
    finally:
        store.dispose()
    clear_dir, amber_dir = tmp / "out-clear", tmp / "out-amber"
    home = ["--home", str(ws.home), "--date", DAY]
    assert main(["report", "--out", str(clear_dir), *home]) == 0
    assert main(["report", "--out", str(amber_dir), "--tlp", "amber", *home]) == 0
    yield Run(
        ws,
        sim / "truth",
        frozenset(removed),
        frozenset(pending),
        frozenset(bad[:2]),
        clear_dir,
        amber_dir,
    )
    mp.undo()


def _files(d: Path) -> dict[str, str]:
    return {n: (d / n).read_text("utf-8") for n in ("index.html", "report.md", "indicators.csv")}


def _report(run: Run, **kw: Any) -> ThreatReport:
    store = open_store(run.ws)
    try:
        with store.session() as s:
            return build_report(run.ws, s, generated=date(2021, 12, 16), **kw)
    finally:
        store.dispose()


# --- structure and numbers ---------------------------------------------------------------------


def test_a_section_for_every_firm_the_truth_says_was_detected(run: Run) -> None:
    truth = pd.read_parquet(run.truth / "operators.parquet")
    acc = read_result(run.ws, "accounts")
    hit = truth.merge(acc[acc["flagged"]], on="account_id", suffixes=("_true", "_pred"))
    found = set(hit.loc[hit["firm_true"] == hit["firm_pred"], "firm_true"])
    assert found, "the simulated run should attribute at least one firm correctly"
    report = _report(run)
    keys = {s.key for s in report.sections}
    assert found <= keys
    ops = read_result(run.ws, "operations")
    assert keys == set(ops["firm"]) - {UNATTRIBUTED}
    assert (report.unattributed is not None) == (UNATTRIBUTED in set(ops["firm"]))
    md = _files(run.clear_dir)["report.md"]
    for s in report.sections:
        assert f"## {s.name}" in md


def _highest(phases: pd.Series) -> str:
    return max(phases, key=PHASE_RANK.__getitem__)


def test_counts_match_the_results_tables(run: Run) -> None:
    acc = read_result(run.ws, "accounts")
    flagged = acc[acc["flagged"]]
    tg = read_result(run.ws, "targets")
    report = _report(run)
    t = report.totals
    assert t.accounts_detected == len(flagged)
    assert t.accounts_removed == len(run.removed)  # the reinstated account does not count
    assert t.accounts_pending == len(run.pending)
    assert t.targets.value == tg["target_id"].nunique()
    assert t.countries == tg.drop_duplicates("target_id")["country"].nunique()
    assert t.operations == len(read_result(run.ws, "operations"))
    for s in report.sections:
        mine = flagged[flagged["firm"] == s.key]
        assert s.accounts_detected == len(mine)
        assert s.accounts_removed == len(set(mine["account_id"]) & run.removed)
        ftg = tg[tg["firm"] == s.key]
        assert s.targets.value == ftg["target_id"].nunique()
        highest = ftg.groupby("target_id")["phase"].agg(_highest).value_counts()
        for bar in s.targets_by_phase.bars:
            assert bar.count.value == int(highest.get(bar.key, 0))
    # Sectors: the protection programme's category of each distinct target.
    accounts = pd.concat(
        [pd.read_parquet(f) for f in run.ws.table_files("accounts")], ignore_index=True
    )
    cat = accounts.set_index("account_id")["at_risk"]
    sectors = cat.reindex(tg["target_id"].unique()).fillna("none").value_counts()
    assert sectors.get("none", 0) > 0
    for bar in report.targets_by_sector.bars:
        n = int(sectors.get(bar.key, 0))
        assert bar.count.value == n
        assert bar.count.text == (f"<{report.k_min}" if 0 < n < report.k_min else f"{n:,}")
    assert f"We removed {len(run.removed)} accounts and blocked {len(run.blocked)} domains" in (
        report.summary
    )
    # Country rows at or above k appear with their exact count in the Markdown.
    per_country = tg.drop_duplicates("target_id")["country"].value_counts()
    md = _files(run.clear_dir)["report.md"]
    big = per_country[per_country >= 5]
    assert len(big) >= 1
    names = {b.key: b.label for b in report.targets_by_country.bars}
    for code, n in big.head(5).items():
        assert f"| {names[code]} | {n} |" in md


def test_no_account_id_or_name_appears_anywhere(run: Run) -> None:
    files = [*_files(run.clear_dir).values(), *_files(run.amber_dir).values()]
    accounts = pd.concat(
        [pd.read_parquet(f) for f in run.ws.table_files("accounts")], ignore_index=True
    )
    tg = read_result(run.ws, "targets")
    acc = read_result(run.ws, "accounts")
    involved = set(tg["target_id"]) | set(acc["account_id"])
    rows = accounts[accounts["account_id"].isin(involved)]
    assert len(rows) == len(involved) > 50
    needles = set(rows["account_id"]) | {n for n in rows["display_name"] if len(n) >= 4}
    for text in files:
        leaked = [n for n in needles if n in text]
        assert not leaked, leaked[:5]


# --- privacy: small counts ------------------------------------------------------------------


def test_small_counts_are_folded_and_suppressed() -> None:
    countries = ["IN"] * 7 + ["MX"] * 5 + ["EG"] * 2 + ["AM"]
    chart = country_chart("c", "t", countries, k=5, names={"IN": "India", "MX": "Mexico"})
    shown = {b.key: b.count.text for b in chart.bars}
    assert shown == {"IN": "7", "MX": "5", "other": "<5"}
    assert "EG" not in str(chart)
    assert "AM" not in str(chart)
    lone = country_chart("c", "t", ["IN"] * 3, k=5, names={})
    assert [b.count.text for b in lone.bars] == ["<5"]
    assert "3" not in lone.description


def test_a_higher_k_suppresses_more(run: Run) -> None:
    report = _report(run, k_min=25)
    md = render_markdown(report)
    bars = [
        b
        for s in (*report.sections, report.unattributed)
        if s is not None
        for b in (*s.targets_by_country.bars, *s.targets_by_phase.bars)
    ]
    assert any(b.count.suppressed for b in bars)
    for b in bars:
        assert b.count.value == 0 or b.count.value >= 25 or b.count.text == "<25"
    assert "<25" in md


def test_k_below_two_is_refused(run: Run) -> None:
    with pytest.raises(Exception, match="k_min"):
        _report(run, k_min=1)


# --- TLP gate -------------------------------------------------------------------------------


def test_tlp_gate_on_imported_and_detected_indicators(run: Run) -> None:
    clear, amber = _files(run.clear_dir), _files(run.amber_dir)
    assert CLEAR_DOMAIN in clear["indicators.csv"]
    assert CLEAR_DOMAIN in clear["index.html"]
    for text in clear.values():
        assert AMBER_DOMAIN not in text
    assert AMBER_DOMAIN in amber["indicators.csv"]
    assert AMBER_DOMAIN in amber["report.md"]
    # Our own detections: public only once blocked; the partner edition lists them all.
    used = {r.indicator_value for r in _report(run, tlp=Tlp.AMBER).indicators}
    rows = list(csv.DictReader(io.StringIO(clear["indicators.csv"])))
    public_own = {r["indicator_value"] for r in rows if "operator accounts" in r["comment"]}
    assert public_own == run.blocked & used
    assert set(read_result(run.ws, "bad_domains")["domain"]) & used - run.blocked
    for d in used - run.blocked - {CLEAR_DOMAIN, AMBER_DOMAIN}:
        assert d not in clear["indicators.csv"]
        assert d in amber["indicators.csv"]


def test_unlisted_sources_are_red_and_withheld(run: Run, tmp_path: Path) -> None:
    report = _report(run, tlp=Tlp.AMBER_STRICT)
    assert AMBER_DOMAIN in {r.indicator_value for r in report.indicators}
    (run.ws.home / "tlp.yaml").rename(tmp_path / "tlp.yaml")
    try:
        report = _report(run, tlp=Tlp.AMBER)
    finally:
        (tmp_path / "tlp.yaml").rename(run.ws.home / "tlp.yaml")
    assert AMBER_DOMAIN not in {r.indicator_value for r in report.indicators}
    assert report.withheld_indicators >= 1


def test_csv_uses_metas_columns(run: Run) -> None:
    text = _files(run.clear_dir)["indicators.csv"]
    assert text.splitlines()[0] == "indicator_type,indicator_value,comment,ds"
    for row in csv.DictReader(io.StringIO(text)):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["ds"])
        assert row["indicator_type"] == "domain"


# --- HTML ---------------------------------------------------------------------------------


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.svgs = 0
        self.svgs_with_title = 0
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "svg":
            self.svgs += 1
        if tag == "title" and self.stack and self.stack[-1] == "svg":
            self.svgs_with_title += 1
        if tag == "title" and "svg" not in self.stack:
            self._in_title = True
        if tag not in {"meta", "br", "rect", "line", "img", "link"}:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, tag
        assert self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def test_html_is_self_contained_accessible_and_well_formed(run: Run) -> None:
    html = _files(run.clear_dir)["index.html"]
    w = _Walker()
    w.feed(html)
    w.close()
    assert w.stack == []
    assert "TLP:CLEAR" in w.title
    assert w.svgs >= 4
    assert w.svgs_with_title == w.svgs
    assert html.count('<table class="alt">') == w.svgs  # a text table beside every chart
    assert not re.search(r"https?://", html)
    assert not any(t in {"script", "link", "img", "iframe"} for t, _ in w.tags)
    for _tag, attrs in w.tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value or value.startswith("#"), (name, value)
    assert '<meta name="viewport"' in html


def test_output_is_deterministic(run: Run) -> None:
    a, b = _report(run), _report(run)
    assert a == b
    assert render_html(a) == render_html(b)
    assert render_markdown(a) == _files(run.clear_dir)["report.md"]


# --- output folder --------------------------------------------------------------------------


def test_existing_folder_is_refused_unless_forced(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    args = ["report", "--out", str(out), "--home", str(run.ws.home), "--date", DAY]
    assert main(args) == 2
    assert (out / "keep.txt").exists()
    assert main([*args, "--force"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "indicators.csv", "report.md"]


def test_a_failed_render_leaves_no_folder(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(_r: object) -> str:
        raise RuntimeError("disk full")

    files = list(report_output.FILES)
    files[-1] = (files[-1][0], boom)
    monkeypatch.setattr(report_output, "FILES", tuple(files))
    out = tmp_path / "r"
    report = _report(run)
    with pytest.raises(RuntimeError):
        report_output.write_report(report, out)
    assert list(tmp_path.iterdir()) == []
    # With --force over an existing report, the old one survives a failure intact.
    out.mkdir()
    (out / "index.html").write_text("old")
    with pytest.raises(RuntimeError):
        report_output.write_report(report, out, force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["r"]
    assert (out / "index.html").read_text() == "old"


def test_bad_options_are_one_line_errors(run: Run, tmp_path: Path) -> None:
    base = ["report", "--out", str(tmp_path / "x"), "--home", str(run.ws.home)]
    assert main([*base, "--tlp", "purple"]) == 2
    assert main([*base, "--date", "16/12/2021"]) == 2
    assert not (tmp_path / "x").exists()
    empty = tmp_path / "empty-home"
    assert main(["report", "--out", str(tmp_path / "y"), "--home", str(empty)]) == 2
    assert not (tmp_path / "y").exists()


# --- public page ----------------------------------------------------------------------------


def test_public_page_serves_the_clear_edition(run: Run, tmp_path: Path) -> None:
    store = Store(run.ws.database_url)
    try:
        with TestClient(create_app(run.ws, store=store)) as client:
            r = client.get("/threat-report")
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/html")
            assert "default-src 'none'" in r.headers["content-security-policy"]
            assert CLEAR_DOMAIN in r.text
            assert AMBER_DOMAIN not in r.text
            assert "TLP:CLEAR" in r.text
            assert client.get("/threat-report").text == r.text  # cached
    finally:
        store.dispose()
    empty = Workspace(tmp_path / "empty")
    store = open_store(empty)
    try:
        with TestClient(create_app(empty, store=store)) as client:
            assert client.get("/threat-report").status_code == 404
    finally:
        store.dispose()


def test_public_page_follows_enforcement_changes(run: Run, tmp_path: Path) -> None:
    store = Store(run.ws.database_url)
    try:
        with TestClient(create_app(run.ws, store=store)) as client:
            before = client.get("/threat-report").text
            tg = read_result(run.ws, "accounts")
            extra = sorted(set(tg.loc[tg["flagged"], "account_id"]) - run.removed - run.pending)
            with store.session() as s:
                outbox.enqueue_actions(
                    s,
                    kind=ActionKind.DISABLE_ACCOUNT,
                    targets=extra[:1],
                    reason="surveillance-for-hire",
                    decided_by="test",
                    batch="b-page",
                    adapter=AckAll.name,
                )
            run_outbox(store, AckAll(), batch="b-page", sleep=lambda _s: None)
            after = client.get("/threat-report").text
            assert after != before
            assert f"We removed {len(run.removed) + 1} accounts" in after
    finally:
        with store.session() as s:  # undo for the other tests (module-scoped workspace)
            outbox.enqueue_actions(
                s,
                kind=ActionKind.REINSTATE_ACCOUNT,
                targets=extra[:1],
                reason="test cleanup",
                decided_by="test",
                batch="b-page-undo",
                adapter=AckAll.name,
            )
        run_outbox(store, AckAll(), batch="b-page-undo", sleep=lambda _s: None)
        store.dispose()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources:\n  feed: purple\n", "purple"),
        ("sources: [1, 2]\n", "sources"),
        ("default: [\n", "YAML"),
        ("colour: red\n", "colour"),
    ],
)
def test_bad_tlp_policy_files_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    from counterspy.errors import InputError
    from counterspy.share.tlp_policy import load_policy

    bad = tmp_path / "policy.yaml"
    bad.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        load_policy(Workspace(tmp_path / "home"), bad)
    assert info.value.file == str(bad)


def test_tlp_policy_order_and_default(tmp_path: Path) -> None:
    from counterspy.share.tlp_policy import load_policy

    home = tmp_path / "home"
    home.mkdir()
    (home / "tlp.yaml").write_text("sources:\n  'misp:*': green\n  meta-threat-research: red\n")
    extra = tmp_path / "extra.yaml"
    extra.write_text("default: amber\nsources:\n  misp:abc: clear\n")
    policy = load_policy(Workspace(home), extra)
    assert policy.level("misp:abc") == Tlp.CLEAR  # --tlp-policy first
    assert policy.level("misp:other") == Tlp.GREEN  # then <home>/tlp.yaml
    assert policy.level("meta-threat-research") == Tlp.RED  # workspace overrides bundled
    assert policy.level("meta-killchain") == Tlp.CLEAR  # bundled
    assert policy.level("unknown") == Tlp.AMBER  # default from the extra file
    assert load_policy(Workspace(tmp_path / "nowhere")).level("unknown") == Tlp.RED


def test_metas_published_indicators_reach_the_public_appendix(
    run: Run, tmp_path: Path, shared_data: Path
) -> None:
    """Real data: Meta's 312 Cytrox domains (TLP:CLEAR by the bundled source policy) are listed
    in the public edition under Cytrox; Amnesty's STIX bundle, from a source nobody cleared,
    is withheld until a policy clears it."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(run.ws.home, home)
    ws = Workspace(home)
    meta = shared_data / "meta" / "2021_12_taking_action_against_surveillance_for_hire.csv"
    amnesty = shared_data / "amnesty" / "cytrox.stix2"
    store = open_store(ws)
    try:
        apply_import(store, prepare_import([meta], join_split=True))
        apply_import(store, prepare_import([amnesty]))
        with store.session() as s:
            clear = build_report(ws, s, tlp=Tlp.CLEAR, generated=date(2021, 12, 16))
        (home / "tlp.yaml").write_text("sources:\n  partner-x: amber\n  'stix:*': clear\n")
        with store.session() as s:
            cleared = build_report(ws, s, tlp=Tlp.CLEAR, generated=date(2021, 12, 16))
    finally:
        store.dispose()
    published = set(pd.read_csv(meta)["indicator_value"])
    rows = {r.indicator_value: r for r in clear.indicators}
    halves = {"fbc8213450838f7ae251d4", "519c195138.xyz"}  # one domain split over two rows
    whole = (published - halves) | {"fbc8213450838f7ae251d4519c195138.xyz"}
    assert len(whole) == 312
    assert whole <= set(rows)
    assert not halves & set(rows)
    assert all("Cytrox" in rows[v].comment for v in whole)
    # Amnesty's bundle (an unlisted source: RED) adds no row and no comment until cleared;
    # its domains that Meta also published are listed on Meta's (CLEAR) provenance only.
    assert not any("stix:" in r.comment for r in clear.indicators)
    assert clear.withheld_indicators > 0
    assert any("stix:" in r.comment for r in cleared.indicators)
    assert len(cleared.indicators) > len(clear.indicators)
    assert cleared.withheld_indicators < clear.withheld_indicators
    csv_text = render_csv(clear)
    assert csv_text.count("\n") == len(clear.indicators) + 1


def test_free_text_is_escaped_in_every_format(run: Run) -> None:
    import dataclasses

    from counterspy.report.model import IndicatorRow

    evil = IndicatorRow(
        "url",
        "https://evil.example/<script>alert(1)</script>",
        '=HYPERLINK("x")|<img src=x onerror=alert(1)>',
        "2021-12-16",
        Tlp.CLEAR,
    )
    report = dataclasses.replace(_report(run), indicators=(evil,))
    html = render_html(report)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "hxxps://evil.example/&lt;script&gt;" in html  # defanged and escaped
    md = render_markdown(report)
    row = next(line for line in md.splitlines() if "evil.example" in line)
    assert row.count(" | ") == 3  # the pipe inside the comment is escaped, columns intact
    assert "<img" not in md
    assert "<script>" not in md
    rows = list(csv.reader(io.StringIO(render_csv(report))))
    assert rows[1][1] == "https://evil.example/<script>alert(1)</script>"  # exact in CSV
    assert rows[1][2].startswith("'=HYPERLINK")  # formula neutralised
