"""A small workspace for console tests: hand-made detection results, events, and one user with
a password per role."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient
from sqlalchemy import select

from counterspy.api.app import create_app
from counterspy.audit.models import AuditRow
from counterspy.auth import users
from counterspy.auth.roles import Role
from counterspy.cases.models import CaseAccountRow
from counterspy.cases.opening import open_cases
from counterspy.detect.results import RunInfo, write_results
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace

PASSWORD = "correct horse battery staple"
CASE_OPENER = "u-admin"  # the four-eyes rule keeps this user from approving its cases
T0 = datetime(2021, 10, 1, tzinfo=UTC)


def user_name(role: Role) -> str:
    return f"u-{role.value}"


def _results() -> dict[str, pd.DataFrame]:
    accounts = pd.DataFrame(
        {
            "account_id": ["op1-a", "op1-b", "op1-c", "op1-d", "op2-a", "op2-b"],
            "score": [2.4, 2.1, 1.5, 0.4, 1.9, 1.2],
            "flagged": [True, True, True, False, True, True],
            "operation_id": ["op-0001"] * 4 + ["op-0002"] * 2,
            "firm": ["cytrox"] * 4 + ["black_cube"] * 2,
            "n_signals": [3, 2, 1, 1, 2, 1],
        }
    )
    operations = pd.DataFrame(
        {
            "operation_id": ["op-0001", "op-0002"],
            "firm": ["cytrox", "black_cube"],
            "confidence": [0.77, 0.41],
            "rationale": [
                "Cytrox (Predator): lookalike news domains",
                "Black Cube: HUMINT personas",
            ],
            "n_accounts": [4, 2],
            "n_targets": [4, 2],
            "phases": ["reconnaissance,exploitation", "engagement"],
        }
    )
    targets = pd.DataFrame(
        {
            "target_id": ["t1", "t2", "t3", "t4", "t5", "t6"],
            "operation_id": ["op-0001"] * 4 + ["op-0002"] * 2,
            "firm": ["cytrox"] * 4 + ["black_cube"] * 2,
            "phase": ["exploitation", "reconnaissance", "reconnaissance", "exploitation"]
            + ["engagement"] * 2,
            "at_risk": [True, False, True, True, False, True],
            "country": ["EG", "EG", "GR", "AM", "IL", "GB"],
            "first_seen": [T0 + timedelta(days=i) for i in range(6)],
            "last_seen": [T0 + timedelta(days=i + 3) for i in range(6)],
            "n_events": [5, 2, 2, 4, 3, 1],
            "n_operators": [2, 1, 1, 2, 1, 1],
            "evidence": ["..."] * 6,
        }
    )
    signals = pd.DataFrame(
        {
            "account_id": ["op1-a", "op1-a", "op1-b", "op1-c", "op2-a", "op2-b"],
            "detector": ["exploitation.bad_link"] * 2
            + ["recon.at_risk_strangers", "recon.at_risk_strangers"]
            + ["engagement.young_active_persona"] * 2,
            "version": [1] * 6,
            "phase": ["exploitation"] * 2 + ["reconnaissance"] * 2 + ["engagement"] * 2,
            "signal": ["bad_link"] * 2 + ["at_risk_strangers"] * 2 + ["young"] * 2,
            "value": [1.0] * 6,
            "threshold": [1.0] * 6,
            "weight": [0.5, 0.4, 0.3, 0.3, 0.2, 0.2],
            "window_start": [T0 + timedelta(hours=i) for i in range(6)],
            "window_end": [T0 + timedelta(days=2, hours=i) for i in range(6)],
            "evidence": [f"evidence line {i}" for i in range(6)],
            "params": ["{}"] * 6,
        }
    )
    bad = pd.DataFrame({"domain": ["news-eg.top"], "label": ["malicious"], "reason": ["x"]})
    bad["actor"] = pd.Series([None], dtype=object)
    return {
        "signals": signals,
        "accounts": accounts,
        "operations": operations,
        "targets": targets,
        "bad_domains": bad,
    }


def _full_table(schema: pa.Schema, values: dict[str, list[object]], n: int) -> pa.Table:
    """A canonical table: given columns, every other column null."""
    return pa.table(
        {f.name: pa.array(values.get(f.name, [None] * n), type=f.type) for f in schema},
        schema=schema,
    )


def _loads(ws: Workspace) -> None:
    """Canonical events (operator → target) and accounts, as one committed load."""
    pairs = [("op1-a", "t1"), ("op1-a", "t1"), ("op1-b", "t1"), ("op1-a", "t2"), ("op1-c", "t3")]
    pairs += [("op1-b", "t4"), ("op2-a", "t5"), ("op2-b", "t6"), ("op1-a", "bystander")]
    load = ws.loads_dir / "l-test"
    (load / "events").mkdir(parents=True)
    (load / "accounts").mkdir(parents=True)
    n = len(pairs)
    events = {
        "event_id": [f"e{i}" for i in range(n)],
        "ts": [T0 + timedelta(hours=i) for i in range(n)],
        "actor_id": [a for a, _ in pairs],
        "event_type": ["profile_view"] * n,
        "target_id": [t for _, t in pairs],
    }
    pq.write_table(_full_table(EVENTS.schema, events, n), load / "events" / "part-0.parquet")
    ids = sorted({x for pair in pairs for x in pair})
    m = len(ids)
    accounts = {
        "account_id": ids,
        "created_at": [T0 - timedelta(days=400)] * m,
        "display_name": ids,
        "account_type": ["person"] * m,
        "locale": ["en-GB"] * m,
        "country": ["GB"] * m,
        "verified": [False] * m,
    }
    pq.write_table(_full_table(ACCOUNTS.schema, accounts, m), load / "accounts" / "part-0.parquet")


@dataclass(frozen=True)
class ConsoleEnv:
    workspace: Workspace
    store: Store


def make_console_env(tmp_path: Path, store_url: str | None = None) -> ConsoleEnv:
    ws = Workspace(tmp_path / "home")
    ws.ensure()
    write_results(ws, _results(), RunInfo("duckdb", 9, 0.1, (), "none"))
    _loads(ws)
    store = Store(store_url or f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(store.engine)
    with store.session() as s:
        for role in Role:
            org = "org-" + role.value if role in (Role.PARTNER, Role.AGENCY) else None
            users.create_user(s, name=user_name(role), role=role.value, actor="t", organisation=org)
            users.set_password(s, name=user_name(role), password=PASSWORD, actor="t")
    with store.session() as s:
        open_cases(s, ws, actor=CASE_OPENER)
    store.dispose()
    return ConsoleEnv(ws, Store(store.url))


def case_of(env: ConsoleEnv, account: str) -> int:
    """The id of the case holding ``account``."""
    with env.store.session() as s:
        row = s.execute(
            select(CaseAccountRow.case_id).where(CaseAccountRow.account_id == account)
        ).scalar_one()
    return int(row)


def clone_env(template: ConsoleEnv, tmp_path: Path) -> ConsoleEnv:
    """A copy of a prepared SQLite environment (argon2 hashing is slow on a busy machine)."""
    src_db = Path(template.store.url.removeprefix("sqlite:///"))
    ws = Workspace(tmp_path / "home")
    shutil.copytree(template.workspace.home, ws.home)
    shutil.copy(src_db, tmp_path / "store.db")
    return ConsoleEnv(ws, Store(f"sqlite:///{tmp_path / 'store.db'}"))


def login_token(html: str) -> str:
    m = re.search(r'name="login_token" value="([^"]+)"', html)
    assert m, "sign-in form has no login token"
    return m.group(1)


def csrf_token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "page has no CSRF token"
    return m.group(1)


def client_as(env: ConsoleEnv, name: str) -> TestClient:
    """A test client signed in to the console as ``name`` (password :data:`PASSWORD`)."""
    client = TestClient(create_app(env.workspace, store=env.store))
    form = client.get("/console/sign-in")
    resp = client.post(
        "/console/sign-in",
        data={"name": name, "password": PASSWORD, "login_token": login_token(form.text)},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    return client


def audit_actions(env: ConsoleEnv) -> list[str]:
    """Every audit action recorded in ``env``'s store, in chain order."""
    with env.store.session() as s:
        return list(s.execute(select(AuditRow.action).order_by(AuditRow.seq)).scalars())
