"""The notification API: the in-product feed the platform polls, approval, contacts access."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from benchmarks.notify_data import write_inputs
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from counterspy.api.app import create_app
from counterspy.audit import log as audit
from counterspy.auth import users
from counterspy.notify import planning
from counterspy.notify.config import ChannelLimits, NotifyConfig
from counterspy.notify.contacts import ContactCipher, import_contacts
from counterspy.notify.sender import send_all
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace


@pytest.fixture
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, Store, dict[str, dict[str, str]], dict[str, object]]]:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    ws = Workspace(tmp_path / "home")
    facts = write_inputs(ws, 30, seed=5)
    key = Fernet.generate_key()
    monkeypatch.setenv("COUNTERSPY_CONTACT_KEYS", key.decode())
    headers: dict[str, dict[str, str]] = {}
    with store.session() as s:
        for name, role in (("ina", "investigator"), ("rita", "reviewer"), ("plat", "platform"),
                           ("pat", "partner")):  # fmt: skip
            org = "org" if role == "partner" else None
            users.create_user(s, name=name, role=role, actor="t", organisation=org)
            headers[name] = {
                "Authorization": f"Bearer {users.issue_token(s, name=name, actor='t')[1]}"
            }
        for op in facts["operations"]:  # type: ignore[attr-defined]
            planning.record_takedown(s, op, actor="enf", reason="down")
        import_contacts(s, facts["contacts"], ContactCipher([key]), actor="ops")  # type: ignore[arg-type]
    with TestClient(create_app(ws, store=store)) as client:
        yield client, store, headers, facts
    store.dispose()


def test_plan_approve_and_poll_the_feed(
    env: tuple[TestClient, Store, dict[str, dict[str, str]], dict[str, object]],
) -> None:
    client, store, h, _ = env
    planned = client.post("/v1/notify/batches", headers=h["ina"]).json()
    bid = planned["batch_id"]
    assert planned["notices"] == 30
    assert planned["operators_skipped"] == 3
    own = client.post(f"/v1/notify/batches/{bid}/approve", headers=h["ina"], json={"reason": "x"})
    assert own.status_code == 403  # investigators cannot approve at all
    ok = client.post(
        f"/v1/notify/batches/{bid}/approve",
        headers=h["rita"],
        json={"reason": "sample checked", "channels": ["in_product"]},
    )
    assert ok.status_code == 200
    assert ok.json()["count"] == 30
    fast = {"in_product": ChannelLimits(per_second=1e5)}
    asyncio.run(send_all(store, NotifyConfig(channels=("in_product",), limits=fast)))
    page1 = client.get("/v1/notices/pending", headers=h["plat"], params={"limit": 20}).json()
    page2 = client.get(
        "/v1/notices/pending", headers=h["plat"], params={"after": page1["next_cursor"]}
    ).json()
    items = page1["items"] + page2["items"]
    assert len(page1["items"]) == 20
    assert len(items) == 30
    assert len({i["notice"] for i in items}) == 30
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(seqs)
    rtl = [i for i in items if i["locale"] in ("ar", "fa", "ur", "he")]
    assert rtl
    assert all(i["direction"] == "rtl" and 'dir="rtl"' in i["html"] for i in rtl)
    for i in items:
        assert "op-" not in i["html"]
        assert "cytrox" not in i["html"].lower()
    done = client.post(
        "/v1/notices/ack",
        headers=h["plat"],
        json={"notices": [i["notice"] for i in page1["items"]]},
    )
    assert done.json()["acknowledged"] == 20
    left = client.get("/v1/notices/pending", headers=h["plat"]).json()["items"]
    assert len(left) == 10
    assert client.get("/v1/notices/pending", headers=h["pat"]).status_code == 403
    info = client.get(f"/v1/notify/batches/{bid}", headers=h["ina"]).json()
    assert info["deliveries"] == {"in_product": {"sent": 30}}


def test_contacts_only_for_contacts_read_and_audited(
    env: tuple[TestClient, Store, dict[str, dict[str, str]], dict[str, object]],
) -> None:
    client, store, h, facts = env
    target = facts["targets"][0]  # type: ignore[index]
    assert client.get(f"/v1/notify/contacts/{target}", headers=h["ina"]).status_code == 403
    got = client.get(f"/v1/notify/contacts/{target}", headers=h["rita"])
    assert got.status_code == 200
    assert got.json()["email"] == f"{target}@example.org"
    assert client.get("/v1/notify/contacts/nobody", headers=h["rita"]).status_code == 404
    with store.session() as s:
        reads = [e for e in audit.entries(s, subject_id=target) if e.action == "contacts.read"]
    assert [e.actor for e in reads] == ["rita"]


def test_preview_has_no_links_in_email(
    env: tuple[TestClient, Store, dict[str, dict[str, str]], dict[str, object]],
) -> None:
    client, _, h, _ = env
    r = client.get(
        "/v1/notify/preview",
        headers=h["ina"],
        params={"locale": "ur-PK", "rendering": "email", "phase": "engagement"},
    ).json()
    assert r["locale"] == "ur"
    assert r["direction"] == "rtl"
    assert "http" not in r["text"]
    assert "<a" not in (r["html"] or "")
