"""Operation merge, attribution decisions and the evaluation's per-firm definitions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from counterspy.attribute import attribute_operations, load_profiles
from counterspy.attribute.profiles import parse_profiles
from counterspy.attribute.scoring import AttributionPolicy, base_language, evidence_for
from counterspy.detect.evaluate import evaluate
from counterspy.detect.opmerge import OperationMerge, merge_operations
from counterspy.detect.results import RunInfo, write_results
from counterspy.detect.scoring import Clustering, operations
from counterspy.errors import InputError
from counterspy.model import UNATTRIBUTED
from counterspy.workspace import Workspace
from tests.attr_fixtures import make_op


def _write(ws: Workspace, members: dict[str, str], firms: dict[str, str]) -> None:
    empty = pd.DataFrame({"x": pd.Series(dtype="object")})
    accounts = pd.DataFrame(
        {
            "account_id": list(members),
            "score": 1.0,
            "flagged": True,
            "operation_id": list(members.values()),
            "firm": [firms[o] for o in members.values()],
            "n_signals": 1,
        }
    )
    ops = pd.DataFrame({"operation_id": list(firms), "firm": list(firms.values())})
    targets = pd.DataFrame(
        {"target_id": ["t1"], "operation_id": ["op-0001"], "phase": ["reconnaissance"]}
    )
    write_results(
        ws,
        {
            "signals": empty,
            "accounts": accounts,
            "operations": ops,
            "targets": targets,
            "bad_domains": empty,
        },
        RunInfo(engine="duckdb", n_events=0, seconds=0.0, indicator_files=(), link_checker="-"),
    )


def _truth(d: Path) -> Path:
    d.mkdir()
    ops = [
        *({"account_id": f"a{i}", "firm": "black_cube", "operation_id": "X"} for i in range(4)),
        *({"account_id": f"b{i}", "firm": "cognyte", "operation_id": "Y"} for i in range(4)),
        *({"account_id": f"c{i}", "firm": "cobwebs", "operation_id": "Z"} for i in range(4)),
    ]
    pd.DataFrame(ops).to_parquet(d / "operators.parquet")
    pd.DataFrame(
        [{"account_id": "t1", "firm": "cobwebs", "operation_id": "Z", "phase": "reconnaissance"}]
    ).to_parquet(d / "targets.parquet")
    pd.DataFrame({"account_id": ["n1"], "kind": ["researcher"]}).to_parquet(
        d / "confounders.parquet"
    )
    return d


def test_an_operation_counts_as_attributed_only_when_found(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    # X: one of four operators flagged, in an operation labelled with the right firm — a lucky
    # account, not a found operation. Y: three of four flagged, split over two predicted
    # operations, the larger one right. Z: two of four (exactly half), whole and right.
    _write(
        ws,
        {"a0": "op-0001", "b0": "op-0002", "b1": "op-0002", "b2": "op-0003"}
        | {"c0": "op-0004", "c1": "op-0004"},
        {"op-0001": "black_cube", "op-0002": "cognyte", "op-0003": "cobwebs", "op-0004": "cobwebs"},
    )
    ev = evaluate(ws, _truth(tmp_path / "truth"))
    bc, cg, cw = ev.per_firm["black_cube"], ev.per_firm["cognyte"], ev.per_firm["cobwebs"]
    assert (bc.detected, bc.operations_found, bc.operations_attributed) == (1, 0, 0)
    assert (cg.operations_found, cg.operations_attributed, cg.operations_whole) == (1, 1, 0)
    assert (cw.operations_found, cw.operations_attributed, cw.operations_whole) == (1, 1, 1)
    assert ev.attribution_accuracy == pytest.approx(2 / 3, abs=1e-4)


def test_a_found_operation_in_a_wrongly_attributed_piece_is_not_attributed(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path / "home")
    # Y's operators mostly sit in a piece labelled cobwebs: found, not attributed.
    _write(
        ws,
        {"b0": "op-0001", "b1": "op-0001", "b2": "op-0002"},
        {"op-0001": "cobwebs", "op-0002": "cognyte"},
    )
    ev = evaluate(ws, _truth(tmp_path / "truth"))
    assert ev.per_firm["cognyte"].operations_found == 1
    assert ev.per_firm["cognyte"].operations_attributed == 0
    assert ev.attribution_accuracy == 0.0


def _touched(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["actor_id", "target_id", "n_actors"])


def test_pieces_sending_links_on_one_rare_domain_are_one_operation() -> None:
    membership = {"x1": "op-0001", "x2": "op-0002", "y1": "op-0003"}
    links = pd.DataFrame(
        {
            "actor_id": ["x1", "x2", "y1"],
            "domain": ["gogle-verify.net", "gogle-verify.net", "other.example"],
            "actor": [None, None, None],
            "n_senders": [2, 2, 1],
        }
    )
    merged = merge_operations(membership, _touched([]), OperationMerge(), links)
    assert merged["x1"] == merged["x2"] != merged["y1"]
    # The same domain sent by a crowd of accounts is not one operation's infrastructure.
    busy = links.assign(n_senders=40)
    apart = merge_operations(membership, _touched([]), OperationMerge(), busy)
    assert len(set(apart.values())) == 3
    # Indicators that name two different actors keep the pieces apart.
    named = links.assign(actor=["cytrox", "belltrox", None])
    apart = merge_operations(membership, _touched([]), OperationMerge(), named)
    assert apart["x1"] != apart["x2"]


def test_recon_and_engagement_pieces_on_the_same_rare_people_merge() -> None:
    # A reconnaissance piece views five little-known people; an engagement piece writes to
    # three of them. Nothing else joins them.
    membership = {"r1": "op-0001", "r2": "op-0001", "e1": "op-0002"}
    rows = [("r1", f"p{i}", 3) for i in range(5)] + [("r2", "p0", 3)]
    rows += [("e1", p, 3) for p in ("p1", "p2", "p3")] + [("e1", "q9", 2)]
    merged = merge_operations(membership, _touched(rows), OperationMerge())
    assert merged["r1"] == merged["e1"]


def test_two_firms_watching_the_same_famous_people_stay_apart() -> None:
    # Two operations share two very popular targets (a famous journalist, a minister) and
    # otherwise work different people. Unweighted, 2 of 8 shared would pass Jaccard 0.12 + 2.
    membership = {"a1": "op-0001", "b1": "op-0002"}
    rows = [("a1", "star", 45), ("a1", "minister", 40)] + [("a1", f"a{i}", 2) for i in range(3)]
    rows += [("b1", "star", 45), ("b1", "minister", 40)] + [("b1", f"b{i}", 2) for i in range(3)]
    merged = merge_operations(membership, _touched(rows), OperationMerge())
    assert merged["a1"] != merged["b1"]
    # ... and one shared popular target is never enough, however small the pieces.
    rows = [("a1", "star", 45), ("a1", "a0", 2), ("b1", "star", 45), ("b1", "b0", 2)]
    assert len(set(merge_operations(membership, _touched(rows), OperationMerge()).values())) == 2
    # A crowd target (more accounts than max_target_actors) weighs nothing at all.
    rows = [("a1", "viral1", 500), ("a1", "viral2", 500), ("b1", "viral1", 500)]
    rows += [("b1", "viral2", 500)]
    assert len(set(merge_operations(membership, _touched(rows), OperationMerge()).values())) == 2


def test_persona_countries_separate_two_firms_with_the_same_phases() -> None:
    # Collection-heavy recon + engagement fits Cobwebs and Cognyte alike; the personas'
    # countries (each firm's reported customers) decide.
    serbia = make_op(claimed_countries=Counter({"RS": 4, "TH": 2}))
    poland = make_op(claimed_countries=Counter({"PL": 4, "NZ": 2}))
    a, b = attribute_operations([serbia, poland], load_profiles())
    assert (a.firm, b.firm) == ("cognyte", "cobwebs")
    assert "decided by persona countries" in a.rationale
    assert "RS" in a.rationale


def test_phases_alone_never_name_a_firm() -> None:
    (a,) = attribute_operations([make_op()], load_profiles())
    assert a.firm == UNATTRIBUTED
    assert a.confidence <= 0.2
    assert "beyond the phase mix" in a.rationale


def test_bad_links_contradict_a_firm_never_reported_to_send_them() -> None:
    # Personas claiming the UK and US fit Black Cube's reported operations, but the operation
    # sends credential-phishing links on webmail lookalikes from personas in Hindi: BellTroX.
    f = make_op(
        phase_counts={"reconnaissance": 5, "engagement": 20, "exploitation": 15},
        claimed_countries=Counter({"GB": 3, "US": 3}),
        domains={"outlook-verify.com": None, "gmail-login.net": None},
        domain_styles=Counter({"webmail": 2}),
        locales=("hi-IN", "hi-IN", "en-US", "en-US", "en-GB", "en-GB"),
    )
    (a,) = attribute_operations([f], load_profiles())
    assert a.firm == "belltrox"
    scores = dict(a.scores)
    assert scores["black_cube"] < scores["belltrox"]
    black_cube = next(p for p in load_profiles() if p.firm == "black_cube")
    penalty = {e.name: e.score for e in evidence_for(f, black_cube, AttributionPolicy())}
    assert penalty["unexplained links"] < 0
    # Without the links, the same personas read as Black Cube's.
    g = make_op(
        phase_counts={"reconnaissance": 15, "engagement": 25, "exploitation": 0},
        claimed_countries=Counter({"GB": 3, "US": 3}),
        locales=("he-IL",) * 2 + ("en-GB",) * 4,
    )
    (b,) = attribute_operations([g], load_profiles())
    assert b.firm == "black_cube"


def test_locale_counts_the_base_country_language_only() -> None:
    assert base_language("IL") == "he"
    assert base_language("MK") == "mk"
    f = make_op(locales=("he-IL", "he-IL", "en-US", "ar-PS"))
    by_firm = {
        p.firm: {e.name: e.score for e in evidence_for(f, p, AttributionPolicy())}["locale"]
        for p in load_profiles()
    }
    assert by_firm["cognyte"] == pytest.approx(0.5)
    assert by_firm["cytrox"] == 0.0
    assert by_firm["china_unknown"] == 0.0


def test_profile_phase_mix_must_be_shares() -> None:
    text = (
        "- firm: cobwebs\n  name: x\n  base: IL\n  phases: [reconnaissance]\n"
        "  phase_mix: {reconnaissance: 0.7}\n  persona_keywords: []\n  target_countries: []\n"
        "  infrastructure: []\n  indicator_actors: []\n  reported_accounts: null\n  summary: s\n"
    )
    with pytest.raises(InputError) as exc:
        parse_profiles(text, "p.yaml")
    assert exc.value.column == "phase_mix"
    ok = parse_profiles(text.replace("0.7", "1.0"), "p.yaml")
    assert ok[0].phase_mix == (("reconnaissance", 1.0),)


def test_merge_says_why_pieces_were_joined() -> None:
    membership = {"x1": "op-0001", "x2": "op-0002", "y1": "op-0003"}
    links = pd.DataFrame(
        {"actor_id": ["x1", "x2"], "domain": ["wha.tsapp.me"] * 2, "actor": [None] * 2}
    )
    reasons: dict[str, list[str]] = {}
    merged = merge_operations(membership, _touched([]), OperationMerge(), links, reasons)
    assert list(reasons) == [merged["x1"]]
    (why,) = reasons[merged["x1"]]
    assert "wha.tsapp.me" in why
    assert "x1" in why
    assert "x2" in why


def _edges(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(a, b, k, 1.0, "") for a, b, k in rows],
        columns=["a", "b", "kind", "strength", "evidence"],
    )


def test_one_shared_address_does_not_join_two_groups() -> None:
    # Two tight groups (shared devices) touch through one IP address shared by one member of
    # each: by chance (a VPN exit), not one operation.
    rows = [("a1", "a2", "shared_device"), ("a2", "a3", "shared_device")]
    rows += [("b1", "b2", "shared_device"), ("a3", "b1", "shared_ip")]
    flagged = ["a1", "a2", "a3", "b1", "b2"]
    ops = operations(flagged, _edges(rows))
    assert ops["a1"] == ops["a3"] != ops["b1"] == ops["b2"]
    assert (
        len(set(operations(flagged, _edges(rows), Clustering(cut_weak_bridges=False)).values()))
        == 1
    )
    # A lone account hanging on by one address stays with its group (no group to split off).
    rows = [("a1", "a2", "shared_device"), ("a2", "a3", "shared_device"), ("a3", "b1", "shared_ip")]
    assert len(set(operations(["a1", "a2", "a3", "b1"], _edges(rows)).values())) == 1
    # Two addresses in common are not a chance meeting.
    rows = [("a1", "a2", "shared_device"), ("b1", "b2", "shared_device")]
    rows += [("a2", "b1", "shared_ip"), ("a2", "b1", "shared_photo")]
    assert len(set(operations(["a1", "a2", "b1", "b2"], _edges(rows)).values())) == 1


def test_indicators_naming_two_actors_block_any_merge() -> None:
    # Same rare people, but the two pieces' links carry indicators for different actors.
    membership = {"x1": "op-0001", "x2": "op-0002"}
    rows = [(a, f"p{i}", 2) for a in ("x1", "x2") for i in range(4)]
    links = pd.DataFrame(
        {"actor_id": ["x1", "x2"], "domain": ["a.example", "b.example"], "actor": ["Cytrox", "X"]}
    )
    apart = merge_operations(membership, _touched(rows), OperationMerge(), links)
    assert apart["x1"] != apart["x2"]
    same = links.assign(actor=["Cytrox", "cytrox"])
    joined = merge_operations(membership, _touched(rows), OperationMerge(), same)
    assert joined["x1"] == joined["x2"]
