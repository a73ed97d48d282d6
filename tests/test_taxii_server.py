"""TAXII 2.1 server: entitlements, the TLP gate, added_after / versions semantics, errors.

HTTP semantics are checked with FastAPI's TestClient; the real-client checks (OASIS
taxii2-client over loopback HTTP) are in test_taxii_client.py.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from counterspy.api.app import create_app
from counterspy.audit.models import AuditRow
from counterspy.errors import CounterspyError, InputError
from counterspy.share import collections as coll
from counterspy.share.access import list_access
from counterspy.share.publish import publish
from counterspy.share.taxii_models import TaxiiObject
from counterspy.share.tlp import Tlp
from counterspy.storage.db import Store
from counterspy.workspace import Workspace
from tests.taxii_helpers import People, indicator, make_people

ROOT = "/taxii2/share"
TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def env(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, Store, People]]:
    people = make_people(store)
    app = create_app(Workspace(tmp_path / "home"), store=store)
    with TestClient(app) as client:
        yield client, store, people


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": TAXII}


def _collection(store: Store, title: str, tlp: Tlp, *orgs: str) -> str:
    with store.session() as s:
        info = coll.create_collection(s, title=title, max_tlp=tlp, actor="t")
        for org in orgs:
            coll.grant(s, key=info.id, organisation=org, actor="t")
    return info.id


def _publish(
    store: Store, cid: str, objs: list[dict[str, object]], *, drop_above: bool = False
) -> None:
    with store.session() as s:
        publish(s, key=cid, objects=objs, actor="t", drop_above=drop_above)


def _ids(resp_json: dict[str, object]) -> list[str]:
    objs = resp_json.get("objects", [])
    assert isinstance(objs, list)
    return [str(o["id"]) for o in objs]


def test_partner_sees_only_entitled_collections(
    env: tuple[TestClient, Store, People],
) -> None:
    client, store, p = env
    a = _collection(store, "for A", Tlp.GREEN, "org-a")
    b = _collection(store, "for B", Tlp.GREEN, "org-b")
    _publish(store, b, [indicator(1)])
    listed = client.get(f"{ROOT}/collections/", headers=_h(p.partner_a)).json()
    assert [c["id"] for c in listed["collections"]] == [a]
    for path in ("", "objects/", "manifest/", f"objects/{indicator(1)['id']}/"):
        resp = client.get(f"{ROOT}/collections/{b}/{path}", headers=_h(p.partner_a))
        assert resp.status_code == 404, path
        missing = client.get(f"{ROOT}/collections/{'0' * 36}/{path}", headers=_h(p.partner_a))
        # Not entitled and not existing read the same: no probing for collection ids.
        assert resp.json()["title"] == missing.json()["title"]
    assert (
        client.get(f"{ROOT}/collections/{b}/objects/", headers=_h(p.partner_b)).status_code == 200
    )
    for staff in (p.admin, p.investigator):
        seen = client.get(f"{ROOT}/collections/", headers=_h(staff)).json()
        assert {c["id"] for c in seen["collections"]} == {a, b}
    assert client.get(f"{ROOT}/collections/", headers=_h(p.agency)).status_code == 403


def test_revoking_an_entitlement_closes_access_and_is_audited(
    env: tuple[TestClient, Store, People], caplog: pytest.LogCaptureFixture
) -> None:
    client, store, p = env
    a = _collection(store, "for A", Tlp.GREEN, "org-a")
    _publish(store, a, [indicator(1), indicator(2)])
    assert client.get(f"{ROOT}/collections/{a}/", headers=_h(p.partner_a)).status_code == 200
    with caplog.at_level(logging.INFO, logger="counterspy.taxii.access"):
        client.get(f"{ROOT}/collections/{a}/objects/", headers=_h(p.partner_a))
        client.get(f"{ROOT}/collections/{a}/objects/", headers=_h(p.admin))
    assert [r.getMessage() for r in caplog.records] == [
        f"partner-a (org-a) objects {a}: 2 object(s)"  # partner reads leave an access trail
    ]
    client.get(f"{ROOT}/collections/{a}/manifest/", headers=_h(p.partner_a))
    (trail,) = list_access(store)
    assert (trail.user, trail.organisation, trail.collection_id) == ("partner-a", "org-a", a)
    assert (trail.requests, trail.objects) == (2, 4)  # objects + manifest; the admin's read is not
    with store.session() as s:
        assert coll.revoke(s, key=a, organisation="org-a", actor="boss", reason="contract ended")
        assert not coll.revoke(s, key=a, organisation="org-a", actor="boss")
    assert client.get(f"{ROOT}/collections/{a}/", headers=_h(p.partner_a)).status_code == 404
    assert client.get(f"{ROOT}/collections/", headers=_h(p.partner_a)).json() == {}
    with store.session() as s:
        actions = s.scalars(
            select(AuditRow.action).where(AuditRow.subject_id == a).order_by(AuditRow.seq)
        ).all()
    assert actions == [
        "taxii.collection.create",
        "taxii.entitlement.grant",
        "taxii.publish",
        "taxii.entitlement.revoke",
    ]


def test_amber_object_cannot_enter_a_green_collection(store: Store) -> None:
    green = _collection(store, "green", Tlp.GREEN)
    objs = [indicator(1, Tlp.GREEN), indicator(2, Tlp.AMBER), indicator(3, None)]
    with pytest.raises(InputError) as caught:
        _publish(store, green, objs)
    assert str(objs[1]["id"]) in caught.value.message
    assert str(objs[2]["id"]) in caught.value.message  # unmarked counts as RED
    with store.session() as s:
        assert s.scalars(select(TaxiiObject.stix_id)).all() == []  # all or nothing
        summary = publish(s, key=green, objects=objs, actor="t", drop_above=True)
    assert (summary.added, summary.dropped_above_tlp) == (1, 2)


def test_red_collections_are_refused(store: Store) -> None:
    with store.session() as s, pytest.raises(CounterspyError, match="RED"):
        coll.create_collection(s, title="red", max_tlp=Tlp.RED, actor="t")


def test_nothing_above_the_ceiling_or_red_is_served(
    env: tuple[TestClient, Store, People],
) -> None:
    client, store, p = env
    amber = _collection(store, "amber", Tlp.AMBER, "org-a")
    ok = [indicator(1, Tlp.CLEAR), indicator(2, Tlp.GREEN), indicator(3, Tlp.AMBER)]
    _publish(store, amber, ok)
    # Rows that got past the publish gate some other way (a restore, a manual edit) still
    # never leave: one RED, one AMBER+STRICT above this AMBER collection.
    with store.session() as s:
        for n, tlp in ((4, Tlp.RED), (5, Tlp.AMBER_STRICT)):
            s.execute(
                insert(TaxiiObject).values(
                    collection_id=amber,
                    stix_id=f"indicator--0000000{n}-0000-4000-8000-000000000000",
                    stix_type="indicator",
                    spec_version="2.1",
                    version="2021-12-16T00:00:00.000Z",
                    version_us=1,
                    date_added_us=10**17 + n,
                    tlp_rank=tlp.rank,
                    media_type="application/stix+json;version=2.1",
                    body="{}",
                )
            )
    served = client.get(f"{ROOT}/collections/{amber}/objects/", headers=_h(p.partner_a)).json()
    assert sorted(_ids(served)) == sorted(str(o["id"]) for o in ok)
    red_id = "indicator--00000004-0000-4000-8000-000000000000"
    one = client.get(f"{ROOT}/collections/{amber}/objects/{red_id}/", headers=_h(p.admin))
    assert one.status_code == 404


def test_added_after_returns_exactly_the_later_publishes(
    env: tuple[TestClient, Store, People],
) -> None:
    client, store, p = env
    cid = _collection(store, "c", Tlp.GREEN, "org-a")
    _publish(store, cid, [indicator(n) for n in range(5)])
    first = client.get(f"{ROOT}/collections/{cid}/objects/", headers=_h(p.partner_a))
    last = first.headers["X-TAXII-Date-Added-Last"]
    assert first.headers["X-TAXII-Date-Added-First"] < last
    _publish(store, cid, [indicator(n) for n in range(5, 8)])
    later = client.get(
        f"{ROOT}/collections/{cid}/objects/", params={"added_after": last}, headers=_h(p.admin)
    )
    assert _ids(later.json()) == [str(indicator(n)["id"]) for n in range(5, 8)]
    assert later.headers["X-TAXII-Date-Added-First"] > last
    manifest = client.get(f"{ROOT}/collections/{cid}/manifest/", headers=_h(p.admin)).json()
    added = [m["date_added"] for m in manifest["objects"]]
    assert added == sorted(added)
    assert len(set(added)) == 8


def test_versions_first_last_all_and_idempotent_republish(
    env: tuple[TestClient, Store, People],
) -> None:
    client, store, p = env
    cid = _collection(store, "c", Tlp.GREEN, "org-a")
    v1 = indicator(1, modified="2022-01-01T00:00:00.000Z")
    v2 = indicator(1, modified="2023-01-01T00:00:00.000Z", domain="moved.example")
    _publish(store, cid, [v1])
    _publish(store, cid, [v2])
    with store.session() as s:
        again = publish(s, key=cid, objects=[v1, v2], actor="t")
    assert (again.added, again.unchanged) == (0, 2)
    changed = dict(v2, name="edited without a new modified")
    with pytest.raises(InputError, match="differ from the stored version"):
        _publish(store, cid, [changed])
    url = f"{ROOT}/collections/{cid}/objects/"
    h = _h(p.partner_a)

    def versions(**params: str) -> list[object]:
        objs = client.get(url, params=params, headers=h).json()["objects"]
        return [o["modified"] for o in objs]

    assert versions() == ["2023-01-01T00:00:00.000Z"]  # default: last
    assert versions(**{"match[version]": "first"}) == ["2022-01-01T00:00:00.000Z"]
    assert len(versions(**{"match[version]": "all"})) == 2
    assert versions(**{"match[version]": "2022-01-01T00:00:00Z"}) == ["2022-01-01T00:00:00.000Z"]
    oid = str(v1["id"])
    listed = client.get(f"{url}{oid}/versions/", headers=h).json()
    assert listed == {
        "more": False,
        "versions": ["2022-01-01T00:00:00.000Z", "2023-01-01T00:00:00.000Z"],
    }
    one = client.get(f"{url}{oid}/", params={"match[version]": "all"}, headers=h).json()
    assert [o["modified"] for o in one["objects"]] == [
        "2022-01-01T00:00:00.000Z",
        "2023-01-01T00:00:00.000Z",
    ]


def test_filters_by_type_and_id(env: tuple[TestClient, Store, People]) -> None:
    client, store, p = env
    cid = _collection(store, "c", Tlp.GREEN)
    marking: dict[str, object] = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": Tlp.GREEN.marking_id,
        "created": "2022-10-01T00:00:00.000Z",
        "name": "TLP:GREEN",
        "extensions": {},
    }
    _publish(store, cid, [marking, indicator(1), indicator(2)])
    url = f"{ROOT}/collections/{cid}/objects/"
    by_type = client.get(url, params={"match[type]": "marking-definition"}, headers=_h(p.admin))
    assert _ids(by_type.json()) == [Tlp.GREEN.marking_id]
    wanted = f"{indicator(2)['id']},{Tlp.GREEN.marking_id}"
    by_id = client.get(url, params={"match[id]": wanted}, headers=_h(p.admin))
    assert sorted(_ids(by_id.json())) == sorted(wanted.split(","))
    none = client.get(url, params={"match[spec_version]": "2.0"}, headers=_h(p.admin))
    assert none.json() == {"more": False}
    assert "X-TAXII-Date-Added-First" not in none.headers


BAD_QUERIES = [
    ({"added_after": "yesterday"}, "added_after"),
    ({"added_after": "2021-13-45T00:00:00Z"}, "added_after"),
    ({"limit": "0"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"next": "not-a-cursor"}, "next"),
    ({"match[version]": "newest"}, "match[version]"),
]


def test_bad_query_values_are_taxii_400s(env: tuple[TestClient, Store, People]) -> None:
    client, store, p = env
    cid = _collection(store, "c", Tlp.GREEN)
    for params, needle in BAD_QUERIES:
        for path in ("objects/", "manifest/"):
            resp = client.get(
                f"{ROOT}/collections/{cid}/{path}", params=params, headers=_h(p.admin)
            )
            assert resp.status_code == 400, params
            assert resp.headers["content-type"] == TAXII
            body = resp.json()
            assert body["http_status"] == "400"
            assert needle in body["description"], body


def test_unknown_things_auth_and_accept_errors(env: tuple[TestClient, Store, People]) -> None:
    client, store, p = env
    cid = _collection(store, "c", Tlp.GREEN, "org-a")
    cases = [
        (f"/taxii2/other/collections/{cid}/", _h(p.admin), 404),
        (f"{ROOT}/collections/{'f' * 36}/objects/", _h(p.admin), 404),
        (f"{ROOT}/collections/{cid}/objects/{indicator(9)['id']}/", _h(p.admin), 404),
        (f"{ROOT}/collections/{cid}/objects/{indicator(9)['id']}/versions/", _h(p.admin), 404),
        (f"{ROOT}/collections/", {"Accept": TAXII}, 401),
        (f"{ROOT}/collections/", {"Authorization": "Bearer cs_x_y"}, 401),
        (f"{ROOT}/collections/", {"Authorization": "Basic !!!"}, 401),
        (f"{ROOT}/collections/", {**_h(p.admin), "Accept": "application/xml"}, 406),
        (
            f"{ROOT}/collections/",
            {**_h(p.admin), "Accept": "application/taxii+json;version=2.0"},
            406,
        ),
    ]
    for url, headers, status in cases:
        resp = client.get(url, headers=headers)
        assert resp.status_code == status, (url, headers, resp.text)
        assert resp.headers["content-type"] == TAXII
        assert resp.json()["http_status"] == str(status)
    challenge = client.get(f"{ROOT}/collections/").headers["WWW-Authenticate"]
    assert "Basic" in challenge
    assert "Bearer" in challenge
    post = client.post(f"{ROOT}/collections/{cid}/objects/", headers=_h(p.admin), json={})
    assert post.status_code == 403
    assert post.json()["title"] == "Collection is read-only"


def test_basic_auth_needs_the_tokens_own_user(env: tuple[TestClient, Store, People]) -> None:
    client, _, p = env

    def basic(user: str, password: str) -> dict[str, str]:
        raw = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    prefix = p.partner_a.split("_")[1]
    assert client.get("/taxii2/", headers=basic("partner-a", p.partner_a)).status_code == 200
    assert client.get("/taxii2/", headers=basic(prefix, p.partner_a)).status_code == 200
    assert client.get("/taxii2/", headers=basic("partner-b", p.partner_a)).status_code == 401
    assert (
        client.get("/taxii2/", headers={"Authorization": f"Token {p.partner_a}"}).status_code == 200
    )
