"""Operation infrastructure: lookalike and fresh domains, built by rule from bundled brands.

Rules follow what was seen in the Cytrox/Predator set: character omission or doubling
(``instagam.click``, ``llinkedin.net``), split host (``wha.tsapp.me``), hyphenated shortener
(``bit-ly.org``), brand plus country code under another suffix (``cnn.gr.com``), brand under
a new TLD (``kathimerini.news``), combosquatting (``facebook-login.site``), and fresh random
names that imitate nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from counterspy.ingest.simulator.reference import web

_KEYBOARD = {
    "a": "qs", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}  # fmt: skip
_COMBO = ("login", "secure", "verify", "news", "live", "share", "app", "web", "online", "info")


def _label(domain: str) -> str:
    """The brand label: ``kathimerini`` of ``kathimerini.gr``, ``ahram`` of ``ahram.org.eg``."""
    parts = domain.split(".")
    if len(parts) >= 3 and parts[-2] in ("co", "com", "org", "gov", "go", "gob", "or", "ac"):
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else parts[0]


def _omit(s: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(1, len(s) - 1)) if len(s) > 3 else 1
    return s[:i] + s[i + 1 :]


def _double(s: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(0, len(s)))
    return s[:i] + s[i] + s[i:]


def _swap(s: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(0, len(s) - 1))
    return s[:i] + s[i + 1] + s[i] + s[i + 2 :]


def _adjacent(s: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(0, len(s)))
    near = _KEYBOARD.get(s[i], "")
    return s[:i] + (near[int(rng.integers(0, len(near)))] if near else s[i]) + s[i + 1 :]


_TYPOS: tuple[Callable[[str, np.random.Generator], str], ...] = (_omit, _double, _swap, _adjacent)


def _tld(rng: np.random.Generator) -> str:
    tlds = web().lookalike_tlds
    return tlds[int(rng.integers(0, len(tlds)))]


def lookalike(brand: str, rng: np.random.Generator, country: str = "") -> str:
    """One lookalike of ``brand`` by a randomly chosen rule."""
    label = _label(brand)
    rule = int(rng.integers(0, 6))
    if rule == 0 and len(label) > 4:  # typo under another TLD
        typo = _TYPOS[int(rng.integers(0, len(_TYPOS)))](label, rng)
        return f"{typo}.{_tld(rng)}"
    if rule == 1 and len(label) > 5:  # split host: wha.tsapp.me
        i = int(rng.integers(2, len(label) - 3))
        return f"{label[:i]}.{label[i:]}.{_tld(rng)}"
    if rule == 2:  # brand + country code under a generic suffix: cnn.gr.com
        cc = (country or "com").lower()
        return f"{label}.{cc}.{rng.choice(['com', 'net', 'org'])}"
    if rule == 3:  # combosquat
        word = _COMBO[int(rng.integers(0, len(_COMBO)))]
        return (
            f"{label}-{word}.{_tld(rng)}" if rng.random() < 0.6 else f"{word}-{label}.{_tld(rng)}"
        )
    if rule == 4:  # dotted brand hyphenated: bit-ly.org, goo-gl.link
        flat = brand.replace(".", "-") if brand.count(".") <= 2 else f"{label}-{country.lower()}"
        return f"{flat}.{_tld(rng)}"
    return f"{label}.{_tld(rng)}"  # same label, new TLD: kathimerini.news


def fresh(rng: np.random.Generator) -> str:
    words = web().fresh_words
    if rng.random() < 0.15:  # long hex label, like fbc8213450838f7ae251d4519c195138.xyz
        return f"{int(rng.integers(0, 2**63)):016x}{int(rng.integers(0, 2**63)):016x}.xyz"
    a, b = rng.choice(len(words), 2, replace=False)
    sep = "-" if rng.random() < 0.4 else ""
    digits = str(int(rng.integers(1, 99))) if rng.random() < 0.3 else ""
    return f"{words[a]}{sep}{words[b]}{digits}.{_tld(rng)}"


def brands_for(style: str, countries: tuple[str, ...]) -> tuple[str, ...]:
    w = web()
    if style == "news_lookalike":
        found = [d for c in countries for d in w.news_sites.get(c, ())]
        return tuple(found) or w.global_sites[:12]
    if style == "platform_lookalike":
        return w.platform_brands
    if style == "shortener_lookalike":
        return w.shortener_brands
    if style == "gov_lookalike":
        found = [d for c in countries for d in w.gov_brands.get(c, ())]
        return tuple(found) or tuple(d for v in w.gov_brands.values() for d in v)
    return ()


def make_domain(style: str, countries: tuple[str, ...], rng: np.random.Generator) -> str:
    brands = brands_for(style, countries)
    if not brands:
        return fresh(rng)
    brand = brands[int(rng.integers(0, len(brands)))]
    cc = countries[int(rng.integers(0, len(countries)))] if countries else ""
    real = {*web().global_sites, *web().platform_brands, *web().shortener_brands}
    for _ in range(8):
        d = lookalike(brand, rng, cc)
        if d != brand and d not in real:
            return d
    return fresh(rng)
