"""Spelled brand names on any recipient: a rare link domain that keeps a protected brand's whole
name (``viber.app``, ``n1.info.net``, ``okaz.sa.org``) is malicious even when nobody in the
protection programme received it (docs/detection.md, "Session 9: link verdicts in detection")."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from counterspy.detect.linknames import SPELLED_CODES, brand_imitation
from counterspy.detect.links import LinkHeuristic
from counterspy.detect.pipeline import DetectionConfig
from tests.detect_fixtures import T0, build_platform, domain_stats_frame, flagged, run_plant

# Missed exploiters' domains on seeds 1–40 (stealth 2, session 8's code): each sent once, by
# one account, to one of its operation's targets outside the protection programme.
PLANTED = (
    ("viber.app", 1, 1, 0),  # a messenger's name under another TLD
    ("n1.info.net", 1, 1, 0),  # a news channel's name split across the dot
    ("kha.leejtimes.org", 1, 1, 0),
    ("okaz.sa.org", 1, 1, 0),  # a newspaper's name before a country-style parent
    ("okaz-com-sa.top", 1, 1, 0),  # the newspaper's own domain, dots as hyphens
)
LOOKALIKES = {
    "busy": ("sabq.page", 4, 6, 0),  # four senders: more than one operation's few members
    "unsent": ("okaz.online", 1, 0, 0),  # posted, not sent to anyone
}
# Ordinary senders' rare names on the same seeds, refused at any limit: a brand glued to a shop
# word (the simulator's long tail has 14 such `hub*` names, all ordinary), a plain small site.
ORDINARY = ("hubshop.ps", "hub-secure.sv", "gardeninfo.mm", "login-report.py", "mediaart.ve")


def _h(**limits: int | bool) -> LinkHeuristic:
    """The heuristic without its "popular on this platform" references (in a small frame every
    domain is among the 50 most sent)."""
    return replace(LinkHeuristic(popular_top_n=0), **limits)


def _judged(h: LinkHeuristic, *rows: tuple[str, int, int, int]) -> dict[str, tuple[str, str]]:
    bad = h.judge(domain_stats_frame(*rows))
    return {
        d: (lab, r) for d, lab, r in zip(bad["domain"], bad["label"], bad["reason"], strict=True)
    }


def test_spelled_brand_names_are_malicious_on_any_recipient_and_say_why() -> None:
    judged = _judged(_h(), *PLANTED)
    assert set(judged) == {r[0] for r in PLANTED}
    assert judged["viber.app"] == (
        "malicious",
        "spells out Viber (viber.app uses the name of Viber on a domain it does not own); "
        "rare domain (1 senders, 1 on its whole site, max 3) sent to 1 accounts (min 1)",
    )
    assert all(label == "malicious" for label, _ in judged.values())
    # Before this rule nothing judged them: no at-risk recipient, one sender, one recipient.
    assert _judged(_h(spelled_max_senders=0), *PLANTED) == {}


@pytest.mark.parametrize(
    ("name", "loosened"),
    [("busy", _h(spelled_max_senders=4)), ("unsent", _h(spelled_min_recipients=0))],
)
def test_each_lookalike_is_refused_by_its_own_limit(name: str, loosened: LinkHeuristic) -> None:
    row = LOOKALIKES[name]
    assert _judged(_h(), row) == {}
    assert _judged(loosened, row)[row[0]][0] == "malicious"


def test_a_brand_named_host_of_a_busy_site_is_not_rare() -> None:
    # A translation proxy serves a newspaper's own site under its own host name; the proxy's
    # other hosts make the site busy (1 + 3 senders), so the host is no throw-away domain.
    proxied = ("okaz-com-sa.translate.goog", 1, 1, 0)
    sibling = ("es-wikipedia-org.translate.goog", 3, 3, 0)
    assert _judged(_h(), proxied, sibling) == {}
    # Alone (the same host, no sibling on the platform) it would be judged: the site decides.
    assert _judged(_h(), proxied)[proxied[0]][0] == "malicious"
    # Counting the site's senders as four is the limit that refuses it.
    assert _judged(_h(spelled_max_senders=4), proxied, sibling)[proxied[0]][0] == "malicious"


@pytest.mark.parametrize("domain", ORDINARY)
def test_ordinary_rare_names_are_refused_at_any_limit(domain: str) -> None:
    loose = _h(spelled_max_senders=1000, spelled_min_recipients=0)
    assert _judged(loose, (domain, 1, 1, 0)) == {}
    found = brand_imitation(domain)
    assert found is None or found.code not in SPELLED_CODES


def test_a_combosquat_still_needs_an_at_risk_recipient() -> None:
    """``hubshop.ps`` names HubSpot by combosquat: judged only under the at-risk rule."""
    assert _judged(_h(), ("hubshop.ps", 1, 1, 0)) == {}
    assert _judged(_h(), ("hubshop.ps", 1, 1, 1))["hubshop.ps"][1].startswith("imitates HubSpot")


@pytest.mark.slow
def test_an_exploiter_sending_a_spelled_brand_link_is_flagged(tmp_path: Path) -> None:
    """One link to one person outside the protection programme, no other behaviour: flagged by
    the spelled-name verdict only; an ordinary sender of a rare honest name is not."""
    p = build_platform()
    target = p.account("rs-reader", country="RS")
    friend = p.account("gr-reader", country="GR")
    exploiter = p.account("cx0", age_days=200)
    ordinary = p.account("bx0", age_days=200)
    p.event(T0 + timedelta(days=4), exploiter, "message", target, url="https://n1.info.net/a/9")
    p.event(T0 + timedelta(days=5), ordinary, "message", friend, url="https://gardeninfo.mm/r")
    p.event(T0 + timedelta(days=6), ordinary, "message", target, url="https://hubshop.ps/x")
    r = run_plant(tmp_path, p, DetectionConfig())
    bad = dict(zip(r.bad_domains["domain"], r.bad_domains["reason"], strict=True))
    assert bad.get("n1.info.net", "").startswith("spells out N1")
    assert "gardeninfo.mm" not in bad
    assert "hubshop.ps" not in bad
    assert exploiter in flagged(r)
    assert ordinary not in flagged(r)
    row = r.signals[r.signals["account_id"] == exploiter].iloc[0]
    assert "spells out N1" in row["evidence"]
    off = run_plant(tmp_path, p, DetectionConfig(links=LinkHeuristic(spelled_max_senders=0)))
    assert exploiter not in flagged(off)


def test_a_plugged_in_verdict_engine_reads_names_the_same_way() -> None:
    """With the verdict engine plugged in, its suspicious lookalike verdicts on rare domains
    are read with the heuristic's brand reading: a spelled-out name becomes malicious, a
    combosquat sent to nobody at risk and a busy domain stay merely suspicious."""
    from counterspy.detect.links import judge_domains
    from counterspy.infra.brands import bundled_brands
    from counterspy.infra.indicator_index import IndicatorIndex
    from counterspy.infra.lookalike import LookalikeIndex
    from counterspy.infra.verdict import VerdictEngine

    engine = VerdictEngine(IndicatorIndex(), LookalikeIndex(bundled_brands()))
    stats = domain_stats_frame(
        ("viber.app", 1, 1, 0), ("hubshop.ps", 1, 1, 0), ("sabq.page", 4, 6, 0)
    )
    bad = judge_domains(stats, checker=engine)
    got = dict(zip(bad["domain"], zip(bad["label"], bad["reason"], strict=True), strict=True))
    assert got["viber.app"][0] == "malicious"
    assert got["viber.app"][1].startswith("spells out Viber")
    assert got["hubshop.ps"][0] == "suspicious"
    assert got["sabq.page"][0] == "suspicious"
    off = judge_domains(stats, checker=engine, heuristic=LinkHeuristic(spelled_max_senders=0))
    assert dict(zip(off["domain"], off["label"], strict=True))["viber.app"] == "suspicious"
