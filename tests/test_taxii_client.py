"""The TAXII server through OASIS's taxii2-client over real loopback HTTP."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from taxii2client.common import TokenAuth
from taxii2client.v21 import Collection, Server, as_pages

from counterspy.share import collections as coll
from counterspy.share.publish import publish
from counterspy.share.pull import CapturingAuth
from counterspy.share.taxii_models import TaxiiObject
from counterspy.share.tlp import Tlp
from counterspy.storage.db import Store
from tests.taxii_helpers import indicator, make_people, served

BAR = 10_000


def test_taxii2_client_pages_through_10k_objects_without_gaps_or_repeats(
    store: Store, tmp_path: Path
) -> None:
    people = make_people(store)
    with store.session() as s:
        mine = coll.create_collection(s, title="bulk", max_tlp=Tlp.AMBER, actor="t")
        other = coll.create_collection(s, title="not A's", max_tlp=Tlp.GREEN, actor="t")
        coll.grant(s, key=mine.id, organisation="org-a", actor="t")
    objs = [indicator(n, Tlp.AMBER if n % 3 else Tlp.GREEN) for n in range(BAR)]
    with store.session() as s:
        publish(s, key=mine.id, objects=objs[: BAR // 2], actor="t")
    with store.session() as s:
        publish(s, key=mine.id, objects=objs[BAR // 2 :], actor="t")
    expected = {str(o["id"]) for o in objs}
    with served(store, tmp_path) as discovery:
        server = Server(discovery, user="partner-a", password=people.partner_a)
        assert server.title == "counterspy TAXII 2.1"
        (root,) = server.api_roots
        assert root.versions == ["application/taxii+json;version=2.1"]
        assert [c.id for c in root.collections] == [mine.id]  # B's collection is not listed
        assert other.id not in {c.id for c in root.collections}
        col = root.collections[0]
        assert col.can_read
        assert not col.can_write
        seen: list[str] = []
        pages = 0
        for envelope in as_pages(col.get_objects, per_request=700):
            seen.extend(o["id"] for o in envelope.get("objects", []))
            pages += 1
        assert len(seen) == len(set(seen)) == BAR
        assert set(seen) == expected
        assert pages == -(-BAR // 700)
        manifest: list[str] = []
        for envelope in as_pages(col.get_manifest, per_request=2_500):
            manifest.extend(m["id"] for m in envelope.get("objects", []))
        assert manifest == seen  # same order: date_added


def test_taxii2_client_token_auth_objects_versions_and_entitlement(
    store: Store, tmp_path: Path
) -> None:
    people = make_people(store)
    with store.session() as s:
        a = coll.create_collection(s, title="A", max_tlp=Tlp.GREEN, actor="t", alias="org-a-feed")
        b = coll.create_collection(s, title="B", max_tlp=Tlp.GREEN, actor="t")
        coll.grant(s, key=a.id, organisation="org-a", actor="t")
        coll.grant(s, key=b.id, organisation="org-b", actor="t")
        publish(s, key=a.id, objects=[indicator(1), indicator(2)], actor="t")
        publish(s, key=a.id, objects=[indicator(1, modified="2024-01-01T00:00:00.000Z")], actor="t")
    with served(store, tmp_path) as discovery:
        root_url = discovery + "share/"
        col = Collection(f"{root_url}collections/{a.id}/", auth=TokenAuth(people.partner_a))
        assert col.title == "A"
        assert col.alias == "org-a-feed"
        oid = str(indicator(1)["id"])
        assert col.object_versions(oid)["versions"] == [
            "2021-12-16T00:00:00.000Z",
            "2024-01-01T00:00:00.000Z",
        ]
        latest = col.get_object(oid)["objects"]
        assert [o["modified"] for o in latest] == ["2024-01-01T00:00:00.000Z"]
        everything = col.get_objects(version="all")["objects"]
        assert len(everything) == 3
        forbidden = Collection(f"{root_url}collections/{b.id}/", auth=TokenAuth(people.partner_a))
        with pytest.raises(Exception, match="404"):
            forbidden.refresh()


def test_concurrent_publishes_get_distinct_increasing_date_added(store: Store) -> None:
    with store.session() as s:
        cid = coll.create_collection(s, title="c", max_tlp=Tlp.GREEN, actor="t").id
    errors: list[BaseException] = []

    def worker(start: int) -> None:
        try:
            for batch in range(5):
                objs = [indicator(start + batch * 20 + i) for i in range(20)]
                with store.session() as s:
                    publish(s, key=cid, objects=objs, actor=f"w{start}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with store.session() as s:
        rows = s.execute(
            select(TaxiiObject.seq, TaxiiObject.date_added_us).order_by(TaxiiObject.seq)
        ).all()
    added = [d for _, d in rows]
    assert len(rows) == 400
    assert len(set(added)) == 400
    # Inserted (commit) order and date_added order agree: nobody gets an older date_added late.
    assert added == sorted(added)


def test_paging_while_publishing_never_skips_or_repeats(store: Store, tmp_path: Path) -> None:
    people = make_people(store)
    with store.session() as s:
        cid = coll.create_collection(s, title="live", max_tlp=Tlp.GREEN, actor="t").id
        coll.grant(s, key=cid, organisation="org-a", actor="t")
    _publish_batch(store, cid, range(200))
    done = threading.Event()

    def publisher() -> None:
        for b in range(1, 16):
            _publish_batch(store, cid, range(b * 200, b * 200 + 200))
        done.set()

    with served(store, tmp_path) as discovery:
        auth = CapturingAuth(people.partner_a, "partner-a")  # remembers X-TAXII-Date-Added-Last
        col = Collection(f"{discovery}share/collections/{cid}/", auth=auth)
        seen: list[str] = []
        thread = threading.Thread(target=publisher)
        thread.start()
        last = None
        while True:  # page with added_after only, as a feed consumer does, until caught up
            env = col.get_objects(limit=97, added_after=last)
            seen.extend(o["id"] for o in env.get("objects", []))
            if env.get("objects"):
                last = auth.last_added
            elif done.is_set():
                env = col.get_objects(limit=97, added_after=last)
                if not env.get("objects"):
                    break
                seen.extend(o["id"] for o in env["objects"])
                last = auth.last_added
        thread.join()
    assert len(seen) == len(set(seen)) == 3_200
    assert set(seen) == {str(indicator(n)["id"]) for n in range(3_200)}


def _publish_batch(store: Store, cid: str, numbers: range) -> None:
    with store.session() as s:
        publish(s, key=cid, objects=[indicator(n) for n in numbers], actor="t")
