"""STIX 2.1 export: validator, patterns per profile, determinism, markings, the TLP gate, MVT."""

from __future__ import annotations

import dataclasses
import json
import random
from collections import Counter
from pathlib import Path

import pytest
from mvt.common.indicators import Indicators
from stix2validator import ValidationOptions, validate_instance

from counterspy.errors import CounterspyError
from counterspy.share.collect import k_anonymous
from counterspy.share.stix import build_stix_bundle, dumps, stix_export
from counterspy.share.tlp import MARKING_IDS, TLP2_EXTENSION_ID, Tlp, tlp_of
from tests.share_fixtures import sample_findings

Obj = dict[str, object]


def stix_errors(bundle: Obj) -> list[str]:
    result = validate_instance(bundle, ValidationOptions())
    return [str(e) for e in result.errors]


def _objects(bundle: Obj, kind: str) -> list[Obj]:
    objs = bundle["objects"]
    assert isinstance(objs, list)
    return [o for o in objs if o["type"] == kind]


def _patterns(bundle: Obj) -> set[str]:
    return {str(o["pattern"]) for o in _objects(bundle, "indicator")}


@pytest.mark.parametrize("level", list(Tlp))
def test_strict_export_has_no_validator_errors_at_any_ceiling(level: Tlp) -> None:
    bundle = build_stix_bundle(sample_findings(), tlp=level)
    assert stix_errors(bundle) == []


def test_strict_patterns_are_stix_observable_properties() -> None:
    pats = _patterns(build_stix_bundle(sample_findings(), tlp=Tlp.RED))
    assert "[domain-name:value = 'news-update.example.com']" in pats
    assert "[ipv6-addr:value = '2001:db8::7']" in pats
    assert "[ipv4-addr:value = '192.0.2.7']" in pats
    assert f"[file:hashes.'SHA-256' = '{'a' * 64}']" in pats
    assert "[process:image_ref.name = 'UserEventAgent']" in pats
    assert "[url:value = 'https://bad.example.org/x?id=1']" in pats
    assert not any("file:path" in p or "configuration-profile" in p for p in pats)


def test_strict_counts_what_it_leaves_out() -> None:
    e = stix_export(sample_findings(), tlp=Tlp.RED, profile_name="strict")
    reasons = dict(e.skipped)
    assert sum(reasons.values()) == 2
    assert any("file:path" in r for r in reasons)
    assert any("configuration-profile:id" in r for r in reasons)


def test_mvt_profile_keeps_mvt_paths_and_drops_values_mvt_cannot_parse() -> None:
    e = stix_export(sample_findings(), tlp=Tlp.RED, profile_name="mvt")
    pats = _patterns(e.bundle)
    assert "[file:path = '/private/var/tmp/hooker']" in pats
    assert "[configuration-profile:id = '76DAB334-7E17-475D-A5D6-0794EB5818A5']" in pats
    assert "[process:name = 'UserEventAgent']" in pats
    assert f"[file:hashes.sha256 = '{'a' * 64}']" in pats
    assert not any("?id=1" in p for p in pats)  # MVT splits patterns on "="
    assert dict(e.skipped) == {
        "value contains '=', which MVT cannot load": 1,
        "profile mvt carries no ip of this form": 1,  # IPv6: MVT reads ipv4-addr only
    }


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(CounterspyError, match="unknown export profile"):
        build_stix_bundle(sample_findings(), tlp=Tlp.RED, profile="loose")


def test_mvt_loads_every_indicator_and_files_it_under_the_malware(tmp_path: Path) -> None:
    bundle = build_stix_bundle(sample_findings(), tlp=Tlp.RED, profile="mvt")
    path = tmp_path / "findings.stix2"
    path.write_text(dumps(bundle), encoding="utf-8")
    mvt = Indicators()
    mvt.load_indicators_files([str(path)], load_default=False)
    assert mvt.total_ioc_count == len(_objects(bundle, "indicator")) == 9
    hit = mvt.check_domain("https://news-update.example.com/login")
    assert hit is not None
    assert hit["name"] == "Predator"
    assert mvt.check_domain("https://benign.example.com/") is None


def test_same_findings_give_the_same_bytes_in_any_order() -> None:
    f = sample_findings()
    inds = list(f.indicators)
    random.Random(4).shuffle(inds)
    shuffled = dataclasses.replace(f, indicators=tuple(inds))
    assert dumps(build_stix_bundle(f, tlp=Tlp.RED)) == dumps(
        build_stix_bundle(shuffled, tlp=Tlp.RED)
    )


def test_ids_are_stable_across_data_changes() -> None:
    f = sample_findings()
    fewer = dataclasses.replace(f, indicators=f.indicators[:3])
    ids_all = {o["id"] for o in _objects(build_stix_bundle(f, tlp=Tlp.RED), "indicator")}
    ids_few = {o["id"] for o in _objects(build_stix_bundle(fewer, tlp=Tlp.RED), "indicator")}
    assert ids_few < ids_all


def test_every_object_is_marked_created_by_the_producer_and_markings_are_oasis() -> None:
    bundle = build_stix_bundle(sample_findings(), tlp=Tlp.RED)
    producer = [o for o in _objects(bundle, "identity") if o["name"] == "Example Platform Security"]
    assert len(producer) == 1
    markings = {str(m["id"]): m for m in _objects(bundle, "marking-definition")}
    objs = bundle["objects"]
    assert isinstance(objs, list)
    for o in objs:
        if o["type"] == "marking-definition":
            continue
        assert o["created_by_ref"] == producer[0]["id"]
        refs = o["object_marking_refs"]
        assert isinstance(refs, list)
        assert len(refs) == 1
        assert refs[0] in markings
    for level, mid in MARKING_IDS.items():
        if mid in markings:
            ext = markings[mid]["extensions"]
            assert isinstance(ext, dict)
            assert ext[TLP2_EXTENSION_ID]["tlp_2_0"] == level.value
            assert markings[mid]["name"] == level.label


@pytest.mark.parametrize("ceiling", list(Tlp))
def test_nothing_above_the_ceiling_leaves(ceiling: Tlp) -> None:
    bundle = build_stix_bundle(sample_findings(), tlp=ceiling)
    objs = bundle["objects"]
    assert isinstance(objs, list)
    for o in objs:
        if o["type"] != "marking-definition":
            assert ceiling.allows(tlp_of(o)), (o["id"], tlp_of(o))
    text = dumps(bundle)
    assert ("red.example.net" in text) == (ceiling is Tlp.RED)
    assert ("ops@bad.example.org" in text) == ceiling.allows(Tlp.AMBER_STRICT)


def test_gate_reports_what_it_held_back() -> None:
    e = stix_export(sample_findings(), tlp=Tlp.GREEN)
    assert dict(e.gate.dropped) == {
        "operations": 2,
        "indicators": 4,
        "sightings": 2,
        "target aggregates": 4,
    }
    assert _objects(e.bundle, "intrusion-set") == []
    assert _objects(e.bundle, "sighting") == []


def test_firm_with_legal_entities_malware_and_attribution() -> None:
    bundle = build_stix_bundle(sample_findings(), tlp=Tlp.AMBER)
    actors = _objects(bundle, "threat-actor")
    assert [str(a["name"]).split()[0] for a in actors] == ["Cytrox"]
    names = {str(i["name"]) for i in _objects(bundle, "identity")}
    assert {"Cytrox AD", "Cytrox Holdings Zrt"} <= names
    rels = Counter(
        (
            str(r["source_ref"]).split("--")[0],
            r["relationship_type"],
            str(r["target_ref"]).split("--")[0],
        )
        for r in _objects(bundle, "relationship")
    )
    assert rels[("threat-actor", "attributed-to", "identity")] == 4
    assert rels[("intrusion-set", "attributed-to", "threat-actor")] == 1
    assert rels[("indicator", "indicates", "malware")] >= 1
    assert rels[("intrusion-set", "targets", "location")] == 1  # GR; "other" is pooled text
    assert rels[("intrusion-set", "uses", "infrastructure")] == 1
    assert len(_objects(bundle, "report")) == 1


def test_sightings_cover_operations_and_indicators() -> None:
    bundle = build_stix_bundle(sample_findings(), tlp=Tlp.AMBER)
    kinds = Counter(str(s["sighting_of_ref"]).split("--")[0] for s in _objects(bundle, "sighting"))
    assert kinds == {"intrusion-set": 1, "indicator": 1}
    counts = sorted(int(str(s["count"])) for s in _objects(bundle, "sighting"))
    assert counts == [5, 14]


def test_k_anonymity_pools_small_groups_and_suppresses_small_pools() -> None:
    counts = Counter({"GR": 7, "CY": 2, "MT": 1, "EG": 5})
    assert k_anonymous(counts, 5) == [("EG", 5), ("GR", 7)]
    assert k_anonymous(counts, 3) == [("EG", 5), ("GR", 7), ("other", 3)]
    assert k_anonymous(Counter({"GR": 4}), 5) == []


def test_bundle_is_json_round_trippable() -> None:
    bundle = build_stix_bundle(sample_findings(), tlp=Tlp.RED)
    assert json.loads(dumps(bundle)) == bundle


def test_stix2_library_parses_the_bundle() -> None:
    import stix2

    bundle = build_stix_bundle(sample_findings(), tlp=Tlp.RED)
    parsed = stix2.parse(dumps(bundle), allow_custom=False)
    assert len(parsed.objects) == len(bundle["objects"])  # type: ignore[arg-type]


def test_small_target_totals_are_not_exact() -> None:
    f = sample_findings()
    small = dataclasses.replace(f.operations[0], n_targets=3)
    f = dataclasses.replace(f, operations=(small, *f.operations[1:]))
    text = dumps(build_stix_bundle(f, tlp=Tlp.RED))
    assert "fewer than 5 targeted accounts" in text
    assert "3 targeted accounts" not in text


def test_each_operation_is_an_intrusion_set_with_a_campaign() -> None:
    bundle = build_stix_bundle(sample_findings(), tlp=Tlp.RED)
    assert len(_objects(bundle, "intrusion-set")) == len(_objects(bundle, "campaign")) == 2
