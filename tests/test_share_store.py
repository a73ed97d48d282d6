"""Shared files through the operational store (SQLite and PostgreSQL): TLP and STIX paths are
kept per indicator, and a store's export re-imports into another store unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from counterspy.intel.models import Indicator
from counterspy.share.collect import stored_indicators
from counterspy.share.findings import Findings, Producer, data_time
from counterspy.share.importing import import_shared
from counterspy.share.stix import build_stix_bundle, dumps
from counterspy.share.tlp import Tlp
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from tests.share_fixtures import sample_findings


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    yield s
    s.dispose()


def test_import_keeps_tlp_and_stix_path_per_indicator(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.stix2"
    path.write_text(dumps(build_stix_bundle(sample_findings(), tlp=Tlp.RED, profile="mvt")))
    import_shared(store, [path], default_tlp=Tlp.CLEAR)
    with store.session() as s:
        rows = {r.normalized: r for r in s.scalars(select(Indicator))}
    assert rows["ops@bad.example.org"].tlp == "amber+strict"
    assert rows["red.example.net"].tlp == "red"
    assert rows["/private/var/tmp/hooker"].observable == "file:path"
    assert rows["news-update.example.com"].observable is None
    assert rows["news-update.example.com"].actor == "cytrox"


def test_store_export_reimports_unchanged(store: Store, tmp_path: Path) -> None:
    first = tmp_path / "first.stix2"
    first.write_text(dumps(build_stix_bundle(sample_findings(), tlp=Tlp.RED, profile="mvt")))
    import_shared(store, [first], default_tlp=Tlp.CLEAR)
    inds = stored_indicators(store, Tlp.CLEAR)
    again = Findings(
        producer=Producer("Example Platform Security"),
        as_of=data_time((), inds),
        firms=sample_findings().firms,
        indicators=inds,
    )
    text = dumps(build_stix_bundle(again, tlp=Tlp.RED, profile="mvt"))
    second = tmp_path / "second.stix2"
    second.write_text(text)
    import_shared(store, [second], default_tlp=Tlp.CLEAR)  # same values: nothing new
    assert stored_indicators(store, Tlp.CLEAR) == inds


def test_unmarked_indicators_take_the_same_source_policy_as_the_report(
    store: Store, tmp_path: Path
) -> None:
    """One rule for the exports and the threat report: own marking, else source rule, else the
    export's default."""
    from counterspy.intel.importer import prepare_import
    from counterspy.intel.store import apply_import
    from counterspy.share.tlp_policy import bundled_policy

    lists = {"meta-threat-research": "meta.example.com", "partner-feed": "partner.example.net"}
    for source, domain in lists.items():
        f = tmp_path / f"{source}.txt"
        f.write_text(f"{domain}\n")
        apply_import(store, prepare_import([f], source=source, fmt="plain"))
    marked = tmp_path / "marked.stix2"
    marked.write_text(dumps(build_stix_bundle(sample_findings(), tlp=Tlp.RED, profile="mvt")))
    import_shared(store, [marked], default_tlp=Tlp.CLEAR)
    levels = {i.value: i.tlp for i in stored_indicators(store, Tlp.AMBER, bundled_policy())}
    assert levels["meta.example.com"] is Tlp.CLEAR  # Meta published it: bundled rule
    assert levels["partner.example.net"] is Tlp.AMBER  # no rule: the export's default
    assert levels["red.example.net"] is Tlp.RED  # its own marking wins over every rule
