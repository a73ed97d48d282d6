from __future__ import annotations

from pathlib import Path

import pytest

from counterspy.errors import InputError
from counterspy.infra.brands import bundled_brands, load_brand_file, load_brands, parse_brands_csv
from counterspy.infra.indicator_index import IndicatorIndex
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.typos import classify_edit
from counterspy.infra.verdict import VerdictEngine
from counterspy.model.verdict import VerdictLabel

BRANDS = """name,category,country,domains,aliases,flags
Instagram,social,INT,instagram.com instagr.am,,global
WhatsApp,messaging,INT,whatsapp.com wa.me,,global
YouTube,video,INT,youtube.com youtu.be,,global
PayPal,payments,INT,paypal.com,,global
LinkedIn,social,INT,linkedin.com,,global
Bitly,shortener,INT,bitly.com bit.ly,,shortener
Kathimerini,news,GR,kathimerini.gr,,
Zougla,news,GR,zougla.gr,,
BBC,news,GB,bbc.co.uk bbc.com,,global
Uber,travel,US,uber.com,,global
Orange,telecom,FR,orange.fr,,global generic
Vodafone,telecom,INT,vodafone.com,,global
Hellas Journal,news,GR,hellasjournal.com,,
"""


@pytest.fixture(scope="module")
def engine() -> VerdictEngine:
    return VerdictEngine(IndicatorIndex(), LookalikeIndex(parse_brands_csv(BRANDS, "t.csv")))


def first(engine: VerdictEngine, url: str) -> tuple[str, str, str | None]:
    v = engine.verdict(url)
    r = v.reasons[0]
    return v.label.value, r.code, r.brand


@pytest.mark.parametrize(
    ("url", "code", "brand"),
    [
        ("instagam.click", "lookalike.omission", "Instagram"),
        ("llinkedin.net", "lookalike.repetition", "LinkedIn"),
        ("linkedni.com", "lookalike.transposition", "LinkedIn"),
        ("instegram.co", "lookalike.vowel_swap", "Instagram"),
        ("linkwdin.com", "lookalike.keyboard_substitution", "LinkedIn"),
        ("kathimerini.news", "lookalike.tld_swap", "Kathimerini"),
        ("zougla.gr.com", "lookalike.cctld_imitation", "Zougla"),
        ("wha.tsapp.me", "lookalike.split_host", "WhatsApp"),
        ("yo.utube.to", "lookalike.split_host", "YouTube"),
        ("paypal-login.com", "lookalike.combosquat", "PayPal"),
        ("secure-paypal.net", "lookalike.combosquat", "PayPal"),
        ("uberegypt.cn.com", "lookalike.combosquat", "Uber"),
        ("vodafonegypt.com", "lookalike.combosquat", "Vodafone"),
        ("pay-pal.com", "lookalike.hyphenation", "PayPal"),
        ("paypal.com.account-check.example", "lookalike.subdomain_brand", "PayPal"),
        ("heiiasjournai.com", "lookalike.homoglyph", "Hellas Journal"),
        ("xn--pypal-4ve.com", "lookalike.mixed_script", None),
        ("bit.ly/3xyz", "shortener", "Bitly"),
        ("bit-ly.org", "lookalike.hyphenation", "Bitly"),
        ("zougla-gr.top", "lookalike.dotted_domain", "Zougla"),
        ("bbc-co-uk.space", "lookalike.dotted_domain", "BBC"),
        ("bityl.me", "lookalike.transposition", "Bitly"),
    ],
)
def test_lookalike_transformations_are_named(
    engine: VerdictEngine, url: str, code: str, brand: str | None
) -> None:
    assert first(engine, url) == ("suspicious", code, brand)


def test_cyrillic_homoglyph_names_the_brand(engine: VerdictEngine) -> None:
    v = engine.verdict("https://pаypal.com/signin")  # Cyrillic а
    codes = {(r.code, r.brand) for r in v.reasons}
    assert ("lookalike.homoglyph", "PayPal") in codes
    assert v.label is VerdictLabel.SUSPICIOUS


@pytest.mark.parametrize(
    "url",
    [
        "https://www.instagram.com/p/x",
        "instagr.am",
        "https://m.youtube.com",
        "youtu.be/abc",
        "instagram.de",  # a global brand's own ccTLD name
        "bbc.co.uk",
        "orange.fr",
    ],
)
def test_brand_domains_and_global_cctld_variants_are_clean(engine: VerdictEngine, url: str) -> None:
    assert engine.verdict(url).label is VerdictLabel.CLEAN


@pytest.mark.parametrize(
    "url",
    [
        "orangecounty.example",  # generic brand name inside an ordinary word
        "bbcgoodfood.example",  # short brand: no containment without attacker vocabulary
        "youth.example",  # youtu of youtu.be is an exact-only key
        "kinstagram.example",  # first letter changed: not a typo match
        "uberall.example",
        "zoomit.example",
        "news.example",
        "co-uk.example",  # dots as hyphens, but not a brand's domain
        "x-com.de",  # a brand's domain with dots as hyphens, but a name of 1-3 letters
        "go-com.net",  # (X-COM fan sites, go-com shops)
        "t-me.ru",
    ],
)
def test_false_positive_guards(engine: VerdictEngine, url: str) -> None:
    assert engine.verdict(url).label is VerdictLabel.CLEAN, engine.verdict(url).reasons


def test_edit_classification() -> None:
    assert classify_edit("instagam", "instagram") == "omission"
    assert classify_edit("gooogle", "google") == "repetition"
    assert classify_edit("googel", "google") == "transposition"
    assert classify_edit("paypel", "paypal") == "vowel_swap"
    assert classify_edit("amazqn", "amazon") == "substitution"
    assert classify_edit("faceboom", "facebook") == "keyboard_substitution"
    assert classify_edit("appme", "apple") == "bitsquat"  # l (0x6c) vs m (0x6d)


def test_bundled_brand_list_is_large_real_and_described() -> None:
    brands = bundled_brands()
    assert len(brands) >= 1300
    assert len({b.country for b in brands}) >= 100
    assert {"news", "bank", "government", "email", "cloud", "shortener"} <= {
        b.category for b in brands
    }
    names = [b.name.lower() for b in brands]
    assert len(names) == len(set(names))


def test_brand_list_extends_from_csv_and_yaml(tmp_path: Path) -> None:
    y = tmp_path / "extra.yaml"
    y.write_text(
        "brands:\n  - name: Example Bank\n    category: bank\n    country: GR\n"
        "    domains: [examplebank.gr]\n",
        encoding="utf-8",
    )
    brands = load_brands([y])
    engine = VerdictEngine(IndicatorIndex(), LookalikeIndex(brands))
    v = engine.verdict("examplebank-secure.com")
    assert v.label is VerdictLabel.SUSPICIOUS
    assert v.reasons[0].brand == "Example Bank"


def test_bad_brand_file_names_row_and_column(tmp_path: Path) -> None:
    f = tmp_path / "b.csv"
    f.write_text(
        "name,category,country,domains,aliases,flags\nX,bank,GR,not a domain!,,\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as exc:
        load_brand_file(f)
    assert (exc.value.row, exc.value.column) == (2, "domains")
