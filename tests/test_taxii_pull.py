"""TAXII pull (taxii2-client against our own server on loopback): checkpoints, resume, intel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from counterspy.errors import CounterspyError
from counterspy.intel.models import Indicator
from counterspy.intel.store import apply_import_in_session, load_index
from counterspy.share import collections as coll
from counterspy.share import pull as pull_mod
from counterspy.share.publish import publish
from counterspy.share.taxii_models import TaxiiPulledObject
from counterspy.share.tlp import Tlp
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from tests.taxii_helpers import People, indicator, make_people, served


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[tuple[Store, People, str]]:
    """A second counterspy (SQLite) with one GREEN collection entitled to org-a."""
    s = Store(f"sqlite:///{tmp_path / 'remote.db'}")
    upgrade(s.engine)
    people = make_people(s)
    with s.session() as session:
        cid = coll.create_collection(session, title="feed", max_tlp=Tlp.GREEN, actor="t").id
        coll.grant(session, key=cid, organisation="org-a", actor="t")
    yield s, people, cid
    s.dispose()


def _publish(store: Store, cid: str, objs: list[dict[str, object]]) -> None:
    with store.session() as s:
        publish(s, key=cid, objects=objs, actor="t")


def _count(store: Store, model: type[Indicator] | type[TaxiiPulledObject]) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_pull_imports_indicators_and_resumes_from_its_checkpoint(
    store: Store, remote: tuple[Store, People, str], tmp_path: Path
) -> None:
    rstore, people, cid = remote
    _publish(rstore, cid, [indicator(n) for n in range(2_500)])
    with served(rstore, tmp_path) as discovery:
        root = discovery + "share/"

        def run() -> pull_mod.PullSummary:
            auth = pull_mod.CapturingAuth(people.partner_a)
            return pull_mod.pull(
                store, api_root=root, collection_id=cid, auth=auth, actor="t", per_request=1000
            )

        first = run()
        assert (first.pages, first.objects, first.new_objects) == (3, 2_500, 2_500)
        assert first.indicators_new == 2_500
        assert first.checkpoint_before is None
        assert first.checkpoint_after is not None
        loaded = load_index(store)
        match = loaded.index.match_host("op1234.example")
        assert match is not None
        assert first.source == f"taxii:{root}collections/{cid}/"
        with store.session() as s:
            sources = set(s.scalars(select(Indicator.source).distinct()))
        assert sources == {first.source}
        _publish(
            rstore,
            cid,
            [indicator(n) for n in range(2_500, 2_800)]
            + [indicator(7, modified="2025-01-01T00:00:00.000Z", domain="moved.example")],
        )
        second = run()
        assert (second.objects, second.new_objects) == (301, 301)
        assert second.indicators_new == 301
        assert second.checkpoint_before == first.checkpoint_after
        third = run()
        assert (third.objects, third.pages) == (0, 0)
        assert third.checkpoint_after == second.checkpoint_after
    assert _count(store, TaxiiPulledObject) == 2_801
    assert _count(store, Indicator) == 2_801


def test_interrupted_pull_resumes_after_the_last_committed_page(
    store: Store, remote: tuple[Store, People, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rstore, people, cid = remote
    _publish(rstore, cid, [indicator(n) for n in range(1_000)])
    real = apply_import_in_session
    calls = {"n": 0}

    def failing_on_page_three(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    with served(rstore, tmp_path) as discovery:
        root = discovery + "share/"
        monkeypatch.setattr(pull_mod, "apply_import_in_session", failing_on_page_three)
        with pytest.raises(RuntimeError, match="disk full"):
            pull_mod.pull(
                store,
                api_root=root,
                collection_id=cid,
                auth=pull_mod.CapturingAuth(people.partner_a),
                actor="t",
                per_request=300,
            )
        assert _count(store, TaxiiPulledObject) == 600  # pages 1-2 kept, page 3 rolled back
        assert _count(store, Indicator) == 600
        monkeypatch.setattr(pull_mod, "apply_import_in_session", real)
        resumed = pull_mod.pull(
            store,
            api_root=root,
            collection_id=cid,
            auth=pull_mod.CapturingAuth(people.partner_a, "partner-a"),  # Basic this time
            actor="t",
            per_request=300,
        )
    assert resumed.objects == 400  # nothing from the committed pages is fetched again
    assert resumed.new_objects == 400
    assert _count(store, TaxiiPulledObject) == 1_000
    assert _count(store, Indicator) == 1_000


def test_pull_refused_for_a_collection_the_partner_is_not_entitled_to(
    store: Store, remote: tuple[Store, People, str], tmp_path: Path
) -> None:
    rstore, people, cid = remote
    _publish(rstore, cid, [indicator(1)])
    with served(rstore, tmp_path) as discovery:
        for token in (people.partner_b, "cs_bogus_token"):
            with pytest.raises(CounterspyError, match="failed"):
                pull_mod.pull(
                    store,
                    api_root=discovery + "share/",
                    collection_id=cid,
                    auth=pull_mod.CapturingAuth(token),
                    actor="t",
                )
    assert _count(store, TaxiiPulledObject) == 0


def test_pull_stops_when_a_server_says_more_without_next(store: Store) -> None:
    from fastapi import FastAPI, Response

    from counterspy.api.loopback import serve_in_thread

    media = "application/taxii+json;version=2.1"
    cid = "11111111-2222-4333-8444-555555555555"
    broken = FastAPI()
    calls = {"objects": 0}

    @broken.get("/root/collections/{c}/")
    def info(c: str) -> Response:
        body = f'{{"id":"{cid}","title":"t","can_read":true,"can_write":false}}'
        return Response(body, media_type=media)

    @broken.get("/root/collections/{c}/objects/")
    def objects(c: str) -> Response:
        calls["objects"] += 1
        obj = json.dumps(indicator(calls["objects"]))
        return Response(
            f'{{"more":true,"objects":[{obj}]}}',
            media_type=media,
            headers={"X-TAXII-Date-Added-Last": "2024-01-01T00:00:00.000000Z"},
        )

    with serve_in_thread(broken) as base:
        summary = pull_mod.pull(
            store,
            api_root=base + "root/",
            collection_id=cid,
            auth=pull_mod.CapturingAuth("any"),
            actor="t",
        )
    assert calls["objects"] == 1
    assert summary.objects == 1
    assert summary.checkpoint_after == "2024-01-01T00:00:00.000000Z"
    assert any("without a 'next'" in n for n in summary.notes)
