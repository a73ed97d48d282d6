"""The entity ban registry in the store (SQLite and PostgreSQL), its CLI and its API route."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from counterspy.api.app import create_app
from counterspy.audit import log as audit
from counterspy.auth import users
from counterspy.cli.main import main
from counterspy.enforce import registry
from counterspy.enforce.entities import Alias, AliasKind, load_seed
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    yield s
    s.dispose()


def test_seed_is_idempotent_and_audited(store: Store) -> None:
    with store.session() as s:
        added = registry.seed_registry(s, actor="t")
    assert len(added) == len(load_seed().entities)
    with store.session() as s:
        assert registry.seed_registry(s, actor="t") == []
        bans = [e for e in audit.entries(s) if e.action == "entity.ban"]
        assert {e.subject_id for e in bans} == set(added)
        assert audit.verify(s).ok


def test_ban_alias_and_lift_change_screening_and_are_audited(store: Store) -> None:
    with store.session() as s:
        registry.ensure_seeded(s, actor="t")
        registry.add_entity(
            s,
            entity_id="acme_intel",
            name="Acme Intelligence",
            aliases=[Alias("Acme Intel Ltd", AliasKind.LEGAL, "case 12")],
            source="case 12",
            reason="operated fake personas",
            actor="rita",
        )
    with store.session() as s:
        hits = registry.screener_for(s).screen("阿克米情报")
        assert not [m for m in hits if m.entity_id == "acme_intel" and m.band == "match"]
        registry.add_alias(
            s,
            entity_id="acme_intel",
            name="阿克米情报",
            kind=AliasKind.NATIVE,
            source="registry extract",
            reason="Chinese trade name (a translation, not reachable by transliteration)",
            actor="rita",
        )
    with store.session() as s:
        assert registry.screener_for(s).screen("阿克米情报")[0].entity_id == "acme_intel"
        registry.lift_ban(s, entity_id="acme_intel", reason="court order", actor="rita")
    with store.session() as s:
        assert all(m.entity_id != "acme_intel" for m in registry.screener_for(s).screen("Acme"))
        assert not registry.get_entity(s, "acme_intel").active
        actions = [e.action for e in audit.entries(s, subject_id="acme_intel")]
        assert actions == ["entity.ban.lift", "entity.alias.add", "entity.ban"]
        lift = audit.entries(s, subject_id="acme_intel")[0]
        assert lift.actor == "rita"
        assert lift.reason == "court order"
        assert '"active":true' in (lift.before or "")
        assert '"active":false' in (lift.after or "")


def test_registry_refuses_bad_edits(store: Store) -> None:
    with store.session() as s:
        registry.ensure_seeded(s, actor="t")
    with store.session() as s, pytest.raises(ConflictError):
        registry.add_entity(s, entity_id="cytrox", name="X", source="s", reason="r", actor="t")
    with store.session() as s, pytest.raises(CounterspyError, match="invalid entity id"):
        registry.add_entity(s, entity_id="Bad Id", name="X", source="s", reason="r", actor="t")
    with store.session() as s, pytest.raises(CounterspyError, match="reason"):
        registry.add_entity(s, entity_id="ok_id", name="X", source="s", reason=" ", actor="t")
    with store.session() as s, pytest.raises(NotFoundError):
        registry.lift_ban(s, entity_id="nope", reason="r", actor="t")
    with store.session() as s, pytest.raises(ConflictError):
        registry.add_alias(
            s,
            entity_id="cytrox",
            name="Cytrox AD",
            kind=AliasKind.LEGAL,
            source="s",
            reason="r",
            actor="t",
        )


def test_cli_screen_exit_code_and_explanation(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["entities", "screen", "Blue Bottle Coffee"]) == 0
    assert main(["entities", "screen", "--explain", "Цитрокс АД", "Bell Canada"]) == 1
    printed = capsys.readouterr()
    assert "cytrox" in printed.out
    assert "1 matched" in printed.err
    assert main(["entities", "add", "x y", "--name", "X", "--source", "s", "--reason", "r"]) == 2
    assert main(["entities", "lift", "intellexa", "--reason", "test"]) == 0
    assert main(["entities", "screen", "Intellexa S.A."]) == 0


def test_api_screen_route(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(store.engine)
    with store.session() as s:
        users.create_user(s, name="ivy", role="investigator", actor="t")
        _, token = users.issue_token(s, name="ivy", actor="t")
        users.create_user(s, name="pat", role="partner", organisation="p", actor="t")
        _, partner = users.issue_token(s, name="pat", actor="t")
    app = create_app(Workspace(tmp_path / "home"), store=store)
    with TestClient(app) as client:
        auth = {"Authorization": f"Bearer {token}"}
        resp = client.post(
            "/v1/entities/screen", headers=auth, json={"names": ["Cytrox Holdings Zrt", "Citrix"]}
        )
        assert resp.status_code == 200
        first, second = resp.json()
        assert first["matched"] is True
        assert first["candidates"][0]["entity_id"] == "cytrox"
        assert first["candidates"][0]["query_legal_forms"] == ["zrt"]
        assert second["matched"] is False
        bad = client.post("/v1/entities/screen", headers=auth, json={"names": ["ok", " "]})
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "names", 1]
        nul = client.post("/v1/entities/screen", headers=auth, json={"names": ["a\u0000b"]})
        assert nul.status_code == 422
        text_score = {"names": ["x"], "min_score": "0.5"}
        assert client.post("/v1/entities/screen", headers=auth, json=text_score).status_code == 422
        assert (
            client.post("/v1/entities/screen", headers=auth, json={"names": []}).status_code == 422
        )
        denied = client.post(
            "/v1/entities/screen",
            headers={"Authorization": f"Bearer {partner}"},
            json={"names": ["x"]},
        )
        assert denied.status_code == 403
        listed = client.get("/v1/entities", headers=auth).json()
        assert {"cytrox", "china_unknown"} <= {e["id"] for e in listed}
    store.dispose()


def test_api_ban_alias_lift_need_review_permission_and_are_audited(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(store.engine)
    with store.session() as s:
        users.create_user(s, name="rita", role="reviewer", actor="t")
        _, reviewer = users.issue_token(s, name="rita", actor="t")
        users.create_user(s, name="ivy", role="investigator", actor="t")
        _, investigator = users.issue_token(s, name="ivy", actor="t")
    app = create_app(Workspace(tmp_path / "home"), store=store)
    ban = {
        "id": "acme_intel",
        "name": "Acme Intelligence",
        "legal_entities": ["Acme Intel Ltd"],
        "source": "case 12",
        "reason": "fake personas",
    }
    with TestClient(app) as client:
        rev = {"Authorization": f"Bearer {reviewer}"}
        inv = {"Authorization": f"Bearer {investigator}"}
        assert client.post("/v1/entities", headers=inv, json=ban).status_code == 403
        made = client.post("/v1/entities", headers=rev, json=ban)
        assert made.status_code == 201
        assert made.json()["aliases"][0] == {
            "name": "Acme Intel Ltd",
            "kind": "legal",
            "source": "case 12",
        }
        assert client.post("/v1/entities", headers=rev, json=ban).status_code == 409
        bad = client.post("/v1/entities", headers=rev, json={**ban, "id": "Bad Id"})
        assert bad.status_code == 422
        alias = {"name": "阿克米情报", "kind": "native", "source": "filing", "reason": "zh name"}
        assert (
            client.post("/v1/entities/acme_intel/aliases", headers=rev, json=alias).status_code
            == 201
        )
        assert client.post("/v1/entities/nope/aliases", headers=rev, json=alias).status_code == 404
        hit = client.post("/v1/entities/screen", headers=inv, json={"names": ["阿克米情报"]})
        assert hit.json()[0]["candidates"][0]["entity_id"] == "acme_intel"
        lifted = client.post("/v1/entities/acme_intel/lift", headers=rev, json={"reason": "court"})
        assert lifted.json()["active"] is False
        again = client.post("/v1/entities/acme_intel/lift", headers=rev, json={"reason": "x"})
        assert again.status_code == 409
    with store.session() as s:
        actions = [(e.action, e.actor) for e in audit.entries(s, subject_id="acme_intel")]
        assert actions == [
            ("entity.ban.lift", "rita"),
            ("entity.alias.add", "rita"),
            ("entity.ban", "rita"),
        ]
    store.dispose()


def test_control_characters_are_refused_before_the_database(store: Store) -> None:
    with store.session() as s, pytest.raises(CounterspyError, match="control characters"):
        registry.add_entity(
            s, entity_id="nul_co", name="Nul\x00Co", source="s", reason="r", actor="t"
        )
