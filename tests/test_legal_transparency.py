"""The transparency report, recomputed independently from the raw request records."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from babel import Locale
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from counterspy.api.app import create_app
from counterspy.errors import CounterspyError
from counterspy.legal import agencies, requests, workflow
from counterspy.legal.model import DataCategory, EmergencyRisk, LegalProcess, RequestDraft
from counterspy.legal.model import RequestState as S
from counterspy.legal.policy import default_policy
from counterspy.legal.targets import NoTargets
from counterspy.legal.transparency import (
    CSV_COLUMNS,
    Period,
    build_report,
    disruption_figures,
    render_csv,
    render_html,
)
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace

POL = default_policy()
ALL = frozenset(DataCategory)
# The Google vocabulary, written out here rather than read from the policy under test.
US_LABELS = {
    "subpoena": "Subpoenas",
    "court_order": "Other Court Orders",
    "search_warrant": "Search Warrants",
    "emergency": "Emergency Disclosure Requests",
    "preservation": "Preservation Requests",
    "mlat": "Other Legal Requests",
    "other": "Other Legal Requests",
}
FOREIGN_LABELS = dict.fromkeys(US_LABELS, "Other Legal Requests") | {
    "emergency": "Emergency Disclosure Requests",
    "preservation": "Preservation Requests",
}
CATEGORIES = {
    "subpoena": {"subscriber"},
    "court_order": {"subscriber", "non_content"},
    "other": {"subscriber"},
}
COUNTRIES = ("US", "US", "GB", "DE", "BR", "IN", "FR")
EDGES = (
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 6, 30, 23, 59, 59, 999000, tzinfo=UTC),
    datetime(2026, 7, 1, tzinfo=UTC),
    datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
)


@dataclass(frozen=True)
class Raw:
    """One generated request as the test knows it."""

    country: str
    process: str
    received_at: datetime
    accounts: tuple[str, ...]
    produced: bool


def _generate(seed: int, n: int) -> list[Raw]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        country = rng.choice(COUNTRIES)
        process = rng.choice(list(US_LABELS))
        if rng.random() < 0.1:
            at = rng.choice(EDGES)
        else:
            at = datetime(2025, 10, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(300 * 86400))
        accounts = tuple(f"acct-{i}-{k}" for k in range(rng.randint(1, 6)))
        # Foreign formal process is routed to MLAT, so it never produces here.
        producible = country == "US" or process in ("emergency", "preservation", "mlat")
        out.append(Raw(country, process, at, accounts, producible and rng.random() < 0.6))
    return out


def _record(s: Session, raw: Raw, rng: random.Random) -> None:
    cats = CATEGORIES.get(raw.process, {"subscriber", "content"})
    draft = RequestDraft(
        process=LegalProcess(raw.process),
        country=raw.country,
        categories=frozenset(DataCategory(c) for c in cats),
        accounts=raw.accounts,
        legal_basis_ref="Docket 1",
        emergency_risk=EmergencyRisk.DEATH,
        emergency_imminent=True,
        emergency_justification="Credible threat to kill a named person within hours.",
    )
    v = requests.submit_request(
        s,
        agency_id="ag",
        draft=draft,
        actor="a",
        policy=POL,
        targets=NoTargets(),
        received_at=raw.received_at,
    )
    kw = {"request_id": v.id, "actor": "r", "policy": POL}
    ending = rng.choice(("received", "decided", "closed"))
    if raw.produced:
        workflow.verify(s, authentic=True, note="ok", targets=NoTargets(), **kw)  # type: ignore[arg-type]
        workflow.decide(s, decision=S.APPROVED, codes=[], **kw)  # type: ignore[arg-type]
        some = raw.accounts[: rng.randint(1, len(raw.accounts))]
        workflow.produce(
            s, request_id=v.id, actor="r", categories=[DataCategory.SUBSCRIBER], accounts=some
        )
        return
    if ending == "received":
        return
    workflow.verify(s, authentic=True, note="ok", targets=NoTargets(), **kw)  # type: ignore[arg-type]
    rec = v.recommendation
    if rec is S.APPROVED and rng.random() < 0.5:
        workflow.decide(s, decision=S.APPROVED, codes=[], **kw)  # type: ignore[arg-type]
        if ending == "closed":
            workflow.close(s, code="NO_DATA_FOUND", **kw)  # type: ignore[arg-type]
    elif rec is S.ROUTED_TO_MLAT:
        workflow.decide(s, decision=S.ROUTED_TO_MLAT, codes=["FOREIGN_ROUTE_MLAT"], **kw)  # type: ignore[arg-type]
    else:
        workflow.decide(s, decision=S.REJECTED, codes=["INSUFFICIENT_LEGAL_BASIS"], **kw)  # type: ignore[arg-type]


def _expected(raws: list[Raw], start: datetime, end: datetime) -> list[dict[str, str]]:
    names = Locale("en").territories
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in raws:
        if not start <= r.received_at < end:
            continue
        label = (US_LABELS if r.country == "US" else FOREIGN_LABELS)[r.process]
        cell = acc[(r.country, label)]
        cell[0] += 1
        cell[1] += int(r.produced)
        cell[2] += len(r.accounts)
    rows = []
    for (cc, label), (n, produced, accounts) in acc.items():
        pct = ""
        if label != "Preservation Requests":
            pct = str(int((Decimal(100 * produced) / Decimal(n)).quantize(0, ROUND_HALF_UP)))
        rows.append(
            {
                "Period Ending": (end - timedelta(days=1)).date().isoformat(),
                "Country": names[cc],
                "CLDR Territory Code": cc,
                "Legal Process": label,
                "User Data Requests": str(n),
                "Percentage of requests where some data produced": pct,
                "Users/Accounts Specified": str(accounts),
            }
        )
    return rows


def _key(row: dict[str, str]) -> tuple[str, str]:
    return row["CLDR Territory Code"], row["Legal Process"]


@pytest.fixture
def store(store_url: str) -> Store:
    s = Store(store_url)
    upgrade(s.engine)
    with s.session() as ses:
        agencies.register_agency(
            ses,
            agency_id="ag",
            name="Agency",
            country="US",
            email="x@fbi.gov",
            actor="t",
            policy=POL,
        )
        agencies.record_callback(
            ses,
            agency_id="ag",
            number="+1 202 324 3000",
            source="fbi.gov",
            confirmed=True,
            actor="t",
        )
    return s


@pytest.mark.parametrize("seed", [7, 2026])
def test_report_matches_an_independent_count_to_the_unit(store: Store, seed: int) -> None:
    raws = _generate(seed, 90)
    rng = random.Random(seed + 1)
    with store.session() as s:
        for raw in raws:
            _record(s, raw, rng)
    for label, start, end in (
        ("2026-H1", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)),
        ("2025-H2", datetime(2025, 7, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-H2", datetime(2026, 7, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
    ):
        with store.session() as s:
            report = build_report(s, Period.parse(label), POL, None)
        text = render_csv(report)
        reader = csv.DictReader(io.StringIO(text))
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        got = sorted(reader, key=_key)
        want = sorted(_expected(raws, start, end), key=_key)
        assert got == want, label
        assert want, f"generator produced nothing in {label}"
    store.dispose()


def test_csv_header_is_exactly_googles_layout() -> None:
    assert ",".join(CSV_COLUMNS) == (
        "Period Ending,Country,CLDR Territory Code,Legal Process,User Data Requests,"
        "Percentage of requests where some data produced,Users/Accounts Specified"
    )


def test_periods() -> None:
    assert Period.parse("2026-h2").ending.isoformat() == "2026-12-31"
    assert Period.parse("2026-H1").end == datetime(2026, 7, 1, tzinfo=UTC)
    for bad in ("2026", "2026-H3", "H1-2026", "2026-Q1"):
        with pytest.raises(CounterspyError, match="half-year"):
            Period.parse(bad)


def _results(ws: Workspace) -> None:
    ops = ws.result_dir("operations")
    ops.mkdir(parents=True)
    pq.write_table(
        pa.table({"operation_id": ["op1", "op2", "op3"], "n_accounts": [40, 12, 3]}),
        ops / "part-0.parquet",
    )
    tg = ws.result_dir("targets")
    tg.mkdir(parents=True)
    pq.write_table(
        pa.table(
            {
                "target_id": ["victim-a", "victim-b", "victim-a", "victim-c"],
                "operation_id": ["op1", "op1", "op2", "op3"],
                "country": ["MX", "IN", "MX", None],
            }
        ),
        tg / "part-0.parquet",
    )


def test_disruption_figures_from_results(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    empty = disruption_figures(ws)
    assert (empty.operations, empty.accounts_removed, empty.people_notified, empty.countries) == (
        0,
        0,
        0,
        0,
    )
    assert len(empty.notes) == 2
    _results(ws)
    f = disruption_figures(ws)
    assert (f.operations, f.accounts_removed, f.people_notified, f.countries) == (3, 55, 3, 2)
    assert f.notes == ()
    (ws.result_dir("targets") / "part-1.parquet").write_bytes(b"not parquet")
    broken = disruption_figures(ws)
    assert broken.operations == 3
    assert broken.people_notified == 0
    assert any("Could not read targets" in n for n in broken.notes)


def test_public_page_needs_no_login_and_lists_no_individuals(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    _results(ws)
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    with store.session() as s:
        agencies.register_agency(
            s, agency_id="ag", name="A", country="US", email="x@fbi.gov", actor="t", policy=POL
        )
        agencies.record_callback(
            s, agency_id="ag", number="+1 202 324 3000", source="d", confirmed=True, actor="t"
        )
        raw = Raw("US", "subpoena", datetime(2026, 3, 1, tzinfo=UTC), ("victim-a", "acct-z"), True)
        _record(s, raw, random.Random(1))
    with TestClient(create_app(ws, store=store)) as client:
        page = client.get("/transparency", params={"period": "2026-H1"})
        assert page.status_code == 200
        assert "Subpoenas" in page.text
        assert "United States" in page.text
        for secret in ("victim-a", "victim-b", "acct-z", "op1"):
            assert secret not in page.text
        assert ">3<span>operations disrupted" in page.text.replace("\n", "").replace("  ", "")
        csv_resp = client.get("/transparency.csv", params={"period": "2026-H1"})
        assert csv_resp.status_code == 200
        assert csv_resp.text.splitlines()[1] == "2026-06-30,United States,US,Subpoenas,1,100,2"
        assert client.get("/transparency", params={"period": "2026-H9"}).status_code == 400
    store.dispose()


def test_html_report_without_requests_says_so(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    with store.session() as s:
        html = render_html(build_report(s, Period.parse("2026-H1"), POL, Workspace(tmp_path)))
    assert "No requests were received in this period." in html
    assert "No operations in this workspace" in html
    store.dispose()
