"""The fast verdict path gives exactly the verdicts of the careful reference.

The reference is ``LookalikeIndex(brands, careful=True)`` (no memo, no cheap pre-checks, typos
found by scanning every key) behind the engine's careful URL parser; the fast side is the
default index behind ``check_many``'s fast loop. Both judge the same deterministic generated
corpus (tests/lookalike_corpus.py), the real Cytrox domains and the benign list: labels and
reasons (code, detail, brand) must be identical.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from benchmarks.eval_lookalike import cytrox_domains
from rapidfuzz.distance import OSA

from counterspy.infra.brands import Brand, bundled_brands, parse_brands_csv
from counterspy.infra.indicator_index import IndicatorIndex, Provenance
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.typos import TypoIndex
from counterspy.infra.urls import parse_url
from counterspy.infra.verdict import VerdictEngine
from counterspy.intel.normalize import suffix_list
from counterspy.model.verdict import Verdict
from tests.lookalike_corpus import generate_hosts, synthetic_brands, urls_for

BENIGN = Path(__file__).parent / "data" / "benign_domains.txt"


def _indicators() -> IndicatorIndex:
    index = IndicatorIndex()
    prov = Provenance("indicator", "feed", "cytrox")
    for d in ("evil.example", "login-paypal.xyz", "updatesync.com"):
        index.add("domain", d, prov)
    return index


@pytest.fixture(scope="module")
def brands() -> list[Brand]:
    return bundled_brands()


@pytest.fixture(scope="module")
def engines(brands: list[Brand]) -> tuple[VerdictEngine, VerdictEngine]:
    fast = VerdictEngine(_indicators(), LookalikeIndex(brands))
    careful = VerdictEngine(_indicators(), LookalikeIndex(brands, careful=True))
    return fast, careful


def _compare(fast: VerdictEngine, careful: VerdictEngine, urls: Sequence[str]) -> int:
    """Assert equal verdicts; returns how many were not clean (the corpus must bite)."""
    got = fast.check_many(urls)
    flagged = 0
    for url, v in zip(urls, got, strict=True):
        want: Verdict = careful._careful(url, parse_url(url))
        assert (v.label, v.reasons, v.actor) == (want.label, want.reasons, want.actor), url
        flagged += v.label.value != "clean"
    return flagged


def test_generated_corpus_matches_the_reference(
    engines: tuple[VerdictEngine, VerdictEngine], brands: list[Brand]
) -> None:
    fast, careful = engines
    urls = urls_for(generate_hosts(brands, 2500, seed=20211216))
    urls += ["https://evil.example/", "https://a.b.evil.example/x", "login-paypal.xyz/a"]
    urls += ["https://facebook.com@evil.tld/", "http://3232235777/", "javascript:alert(1)"]
    flagged = _compare(fast, careful, urls)
    assert flagged > len(urls) // 3  # typos, combosquats, homoglyphs ... really were judged
    codes = {r.code for v in fast.check_many(urls) for r in v.reasons}
    for code in (
        "lookalike.combosquat",
        "lookalike.homoglyph",
        "lookalike.split_host",
        "lookalike.double_edit",
        "lookalike.system_service",
        "risk.lure_on_abused_tld",
        "indicator.domain",
        "clean.brand_domain",
    ):
        assert code in codes
    # Judged again from the memo: still the same.
    assert fast.check_many(urls) == careful.check_many(urls)


def test_cold_engine_agrees_after_clearing_memos(
    engines: tuple[VerdictEngine, VerdictEngine], brands: list[Brand]
) -> None:
    fast, careful = engines
    urls = urls_for(generate_hosts(brands, 600, seed=7), seed=3)
    fast.clear_memo()
    _compare(fast, careful, urls)


def test_many_synthetic_brands_match_the_reference() -> None:
    """5,000 brands as in the benchmark: crowded typo buckets, many ties between keys."""
    many = synthetic_brands(bundled_brands(), 5000, random.Random(1))
    fast = VerdictEngine(IndicatorIndex(), LookalikeIndex(many))
    careful = VerdictEngine(IndicatorIndex(), LookalikeIndex(many, careful=True))
    urls = urls_for(generate_hosts(many, 700, seed=11), seed=5)
    assert _compare(fast, careful, urls) > 100


def test_combosquat_shapes_match_the_reference(
    engines: tuple[VerdictEngine, VerdictEngine], brands: list[Brand]
) -> None:
    """Names the combosquat rule's shortcuts are about: affixes of one or two words (two-letter
    ones too), digit runs touching the brand or crossing into a word, a word sharing the
    brand's last letter, hyphens, brands of three letters and common-word brands."""
    from counterspy.infra.vocab import AFFIXES

    fast, careful = engines
    rng = random.Random(21)
    keys = sorted({k for b in brands for k in b.primary_keys if len(k) >= 3})
    words = sorted(AFFIXES)
    parts = [*words, "12", "7", "2024", "x", "qa", "zz", "ab1", "1ab"]
    urls = []
    for _ in range(3000):
        k = rng.choice(keys)
        pre = "".join(rng.choice(parts) for _ in range(rng.randint(0, 2)))
        post = "".join(rng.choice(parts) for _ in range(rng.randint(0, 2)))
        if rng.random() < 0.15 and post:
            k = k[:-1]  # vodafon(e)gypt: the word after the brand begins with its last letter
        sep = rng.choice(("", "", "-"))
        host = f"{pre}{sep if pre else ''}{k}{sep if post else ''}{post}"
        urls.append(f"https://{host}.{rng.choice(('com', 'net', 'xyz', 'de'))}/")
    flagged = _compare(fast, careful, urls)
    combos = sum(r.code == "lookalike.combosquat" for v in fast.check_many(urls) for r in v.reasons)
    assert flagged > 1000
    assert combos > 800


def test_cytrox_and_benign_domains_match_the_reference(
    engines: tuple[VerdictEngine, VerdictEngine], shared_data: Path
) -> None:
    fast, careful = engines
    lines = BENIGN.read_text(encoding="utf-8").splitlines()
    benign = [x.strip() for x in lines if x.strip() and not x.startswith("#")]
    cytrox = cytrox_domains(shared_data)
    assert len(cytrox) == 312
    assert _compare(fast, careful, cytrox) >= 150
    assert _compare(fast, careful, benign) < 40


def test_typo_finder_equals_the_scan_over_every_key(brands: list[Brand]) -> None:
    keys = [k for b in brands for k in b.primary_keys if len(k) >= 3]
    typos = TypoIndex(keys, ["bitly", "tinyurl"], ["orange", "signal"])
    rng = random.Random(3)
    found = 0
    for _ in range(1500):
        k = rng.choice(keys)
        i = rng.randrange(len(k))
        c = rng.choice("abcdefghijklmnopqrstuvwxyz")
        for q in (
            k[:i] + k[i + 1 :],
            k[:i] + c + k[i:],
            k[:i] + c + k[i + 1 :],
            k[:i] + k[i + 1 : i + 2] + k[i : i + 1] + k[i + 2 :],
            k + "s",
            k,
            k[:i] + c + c + k[i + 2 :],
            c + k[1:],
        ):
            if len(q) < 4:
                continue
            for relaxed in (False, True):
                got = typos.find(q, relaxed=relaxed)
                assert got == typos.find_reference(q, relaxed=relaxed), (q, relaxed)
                found += got is not None
    assert found > 3000


def _two_edits(rng: random.Random, k: str) -> str:
    """Two random edits of ``k``, each an insertion (also before the first or after the last
    letter), deletion, substitution or adjacent transposition, so pieces shift both ways."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    for _ in range(2):
        i = rng.randrange(len(k) + 1)
        kind = rng.randrange(4)
        if kind == 0 or i == len(k):
            k = k[:i] + rng.choice(alphabet) + k[i:]
        elif kind == 1 and len(k) > 1:
            k = k[:i] + k[i + 1 :]
        elif kind == 2:
            k = k[:i] + rng.choice(alphabet) + k[i + 1 :]
        elif i + 1 < len(k):
            k = k[:i] + k[i + 1] + k[i] + k[i + 2 :]
    return k


def test_two_edit_pieces_find_what_the_scan_finds() -> None:
    """The piece index (two edits) against the scan over every key, with 5,000 brands as in
    the benchmark: two-edit variants of long keys, keys themselves, and unrelated strings."""
    many = synthetic_brands(bundled_brands(), 5000, random.Random(2))
    keys = [k for b in many for k in b.primary_keys if len(k) >= 3]
    typos = TypoIndex(keys, ["bitly", "tinyurl"], ["orange", "signal"])
    long_keys = [k for k in keys if len(k) >= 7]
    rng = random.Random(8)
    twos = 0
    for _ in range(3000):
        k = rng.choice(long_keys)
        q = _two_edits(rng, k) if rng.random() < 0.8 else k + str(rng.randrange(100))
        if rng.random() < 0.1:
            q = rng.choice(keys)
        if len(q) < 4:
            continue
        for relaxed in (False, True):
            got = typos.find(q, relaxed=relaxed)
            assert got == typos.find_reference(q, relaxed=relaxed), (q, k, relaxed)
            twos += got is not None and got[1] == "double_edit"
    assert twos > 1000


def _scripts(k: str, depth: int) -> set[str]:
    """Every string at most ``depth`` edits (insertion, deletion, substitution, adjacent
    transposition, anywhere) from ``k``; new letters are digits, never in ``k``."""
    out, frontier = {k}, {k}
    for step in range(depth):
        new, sub = str(2 * step), str(2 * step + 1)
        nxt: set[str] = set()
        for w in frontier:
            for i in range(len(w) + 1):
                nxt.add(w[:i] + new + w[i:])
                if i < len(w):
                    nxt.add(w[:i] + w[i + 1 :])
                    nxt.add(w[:i] + sub + w[i + 1 :])
                if i + 1 < len(w):
                    nxt.add(w[:i] + w[i + 1] + w[i] + w[i + 2 :])
        out |= nxt
        frontier = nxt
    return out


@pytest.mark.parametrize("relaxed", [False, True])
def test_two_edit_pieces_miss_no_edit_script(relaxed: bool) -> None:
    """Exhaustive over edit positions: for keys of distinct letters (so no piece matches by
    chance), every string within two edits is found, whatever the length of the key."""
    found = 0
    for n in range(7 if relaxed else 10, 17):
        key = "abcdefghijklmnopq"[:n]
        pieces = TypoIndex([key], [], []).two_relaxed if relaxed else TypoIndex([key], [], []).two
        for q in _scripts(key, 2):
            if q == key or q[0] != key[0] or len(q) < (5 if relaxed else 8):
                continue
            if OSA.distance(q, key) <= 2:  # two edits in a row may be three OSA edits
                assert pieces.find(q) == key, (key, q)
                found += 1
    assert found > 10_000


def test_ties_go_to_the_brand_listed_first() -> None:
    """``expressvn`` is one edit from both ExpressVPN and Expressen: the first listed wins,
    whatever the hash seed (it used to depend on set order)."""
    rows = [
        "ExpressVPN,vpn,INT,expressvpn.com,,",
        "Expressen,news,SE,expressen.se,,",
    ]
    for order, want in ((rows, "ExpressVPN"), (rows[::-1], "Expressen")):
        text = "name,category,country,domains,aliases,flags\n" + "\n".join(order) + "\n"
        b = parse_brands_csv(text, "t.csv")
        for careful in (False, True):
            engine = VerdictEngine(IndicatorIndex(), LookalikeIndex(b, careful=careful))
            assert engine.verdict("https://expressvn.top/").reasons[0].brand == want


def test_suffix_split_equals_the_label_list_version(brands: list[Brand]) -> None:
    psl = suffix_list()
    hosts = generate_hosts(brands, 1500, seed=9)
    rules = sorted(psl.exact)[:2000] + sorted(psl.exception) + sorted(psl.wildcard)
    odd = ["", ".", "a..b", ".com", "com.", "www.ck", "a.www.ck", "x.y.kawasaki.jp"]
    for h in [*hosts, *rules, *(f"a.b.{r}" for r in rules), *odd]:
        assert psl.split(h) == psl.split_reference(h), h


def test_segmentation_equals_the_shared_word_scan() -> None:
    from counterspy.infra.namerules import _SHORT_WORDS, _SYSTEM_WORDS
    from counterspy.infra.risk import _LURE_WORDS
    from counterspy.infra.vocab import AFFIXES, ALL_WORDS, segments, segments_reference

    rng = random.Random(4)
    words = sorted(ALL_WORDS)
    hit = 0
    for _ in range(4000):
        parts = [rng.choice(words) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.3:
            parts.insert(rng.randrange(len(parts) + 1), str(rng.randrange(1000)))
        if rng.random() < 0.2:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice("xqz"))
        s = "".join(parts)
        for vocab in (AFFIXES, _SYSTEM_WORDS, _SHORT_WORDS, _LURE_WORDS):
            got = segments(s, vocab)
            assert got == segments_reference(s, vocab), (s, sorted(vocab)[:3])
            hit += got is not None
    assert hit > 1500


def test_indicator_only_engine_matches_its_careful_path(brands: list[Brand]) -> None:
    """The indicator-only loop (its own plain-https parse, inlined parent walk) against the
    careful parser, on generated hosts, their parents as indicators, and odd URL forms."""
    hosts = generate_hosts(brands, 1500, seed=13)
    index = IndicatorIndex()
    prov = Provenance("blocklist", "analyst", None, "seen in a campaign")
    for h in hosts[::7]:
        index.add("domain", h.split(".", 1)[-1] if h.count(".") > 1 else h, prov)
    engine = VerdictEngine(index, None)
    urls = urls_for(hosts, seed=17)
    urls += [f"https://{h}" for h in hosts[:200]] + [f"https://{h}?q=1#x" for h in hosts[:50]]
    odd = [
        "https://-a.com/",
        "https://a-.com/",
        "https://.a.com/",
        "https://a..com/",
        "https://xn--pypal-4ve.com/",
        "https://0x7f.1/",
        "https://10.0.0.1/",
        "https://host:8443/x",
        "https://user@evil.example/",
        "https:///x",
        "https://",
        "https://ex_ample.com/",
        "https://exämple.com/",
        "https://EXAMPLE.COM/",
        "https://a.b.c.d.e.f.example.co.uk/",
        "https://" + "a" * 254 + ".com/",
        "https://" + "a." * 130 + "com/",
    ]
    urls += odd
    malicious = 0
    for url, v in zip(urls, engine.check_many(urls), strict=True):
        assert v == engine._careful(url, parse_url(url)), url
        malicious += v.label.value == "malicious"
    assert malicious > 150
