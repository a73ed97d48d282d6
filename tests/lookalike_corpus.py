"""A deterministic mixed corpus of hosts for checking the lookalike engine against its careful
reference: typo, combosquat, homoglyph, split and hyphenation variants of the bundled brands,
vocabulary names, brands' own domains, and random names, on ordinary, abused and country TLDs.

Generated from the bundled brand list with a fixed seed, so every run judges the same hosts;
the expected verdicts come from the reference implementation, never from a stored snapshot.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence

from counterspy.infra.brands import Brand
from counterspy.infra.typos import KEYBOARD
from counterspy.infra.vocab import (
    AFFIXES,
    CC_IMITATION_SUFFIXES,
    LURE_VOCAB,
    SHORTENER_VOCAB,
    SYSTEM_VOCAB,
)

TLDS = (
    "com",
    "net",
    "org",
    "info",
    "xyz",
    "shop",
    "online",
    "live",
    "click",
    "site",
    "top",
    "co.uk",
    "com.br",
    "de",
    "gr",
    "eg",
    "me",
    "io",
    "co",
    "ly",
    "am",
    "news",
    "app",
    "link",
    "lab",
)
HOMOGLYPHS = {"a": "а", "o": "о", "e": "е", "p": "р", "c": "с", "i": "і", "x": "х", "y": "у"}
ASCII_LOOKALIKE = {"o": "0", "l": "1", "i": "1", "m": "rn", "w": "vv", "e": "3", "s": "5"}


def _edit(rng: random.Random, k: str) -> str:
    """One random typo of ``k`` (omission, insertion, substitution, transposition ...)."""
    i = rng.randrange(len(k))
    kind = rng.randrange(7)
    if kind == 0:
        return k[:i] + k[i + 1 :]
    if kind == 1:
        return k[:i] + rng.choice(string.ascii_lowercase) + k[i:]
    if kind == 2:
        return k[:i] + k[i] + k[i:]
    if kind == 3 and i + 1 < len(k):
        return k[:i] + k[i + 1] + k[i] + k[i + 2 :]
    if kind == 4:
        near = sorted(KEYBOARD.get(k[i], frozenset("q")))
        return k[:i] + rng.choice(near) + k[i + 1 :]
    if kind == 5:
        return k[:i] + chr(ord(k[i]) ^ (1 << rng.randrange(5))) + k[i + 1 :]
    return k[:i] + rng.choice("aeiou") + k[i + 1 :]


def _clean(label: str) -> str:
    out = "".join(c for c in label.lower() if c.isalnum() or c == "-").strip("-")
    return out or "x"


def _pronounceable(rng: random.Random, n: int) -> str:
    cons, vows = "bcdfghjklmnprstvwz", "aeiou"
    return "".join(rng.choice(cons if j % 2 == 0 else vows) for j in range(n))


def generate_hosts(brands: Sequence[Brand], n: int = 4000, seed: int = 20211216) -> list[str]:
    """``n`` hosts (some Unicode) built from ``brands`` with a fixed seed."""
    rng = random.Random(seed)
    keys = sorted({k for b in brands for k in b.primary_keys if len(k) >= 3})
    owned = sorted({d for b in brands for d in b.domains})
    affixes = sorted(AFFIXES)
    system = sorted(SYSTEM_VOCAB)
    short = sorted(SHORTENER_VOCAB)
    lure = sorted(LURE_VOCAB)
    cc_imit = sorted(CC_IMITATION_SUFFIXES)
    out: list[str] = []
    while len(out) < n:
        k = rng.choice(keys)
        tld = rng.choice(TLDS)
        kind = rng.randrange(20)
        if kind == 0:
            host = f"{_edit(rng, k)}.{tld}"
        elif kind == 1:
            host = f"{_edit(rng, _edit(rng, k))}.{tld}"
        elif kind == 2:
            a = rng.choice(affixes)
            sep = rng.choice(("", "-"))
            host = f"{a}{sep}{k}.{tld}" if rng.random() < 0.5 else f"{k}{sep}{a}.{tld}"
        elif kind == 3:
            a, b = rng.sample(affixes, 2)
            host = f"{a}{k}{b}{rng.randrange(100) if rng.random() < 0.3 else ''}.{tld}"
        elif kind == 4:
            host = f"{k}-{rng.choice(affixes)}-{_edit(rng, k)}.{tld}"
        elif kind == 5:
            chars = list(k)
            for j, c in enumerate(chars):
                if c in HOMOGLYPHS and rng.random() < 0.5:
                    chars[j] = HOMOGLYPHS[c]
            host = f"{''.join(chars)}.{tld}"
        elif kind == 6:
            chars = list(k)
            for j, c in enumerate(chars):
                if c in ASCII_LOOKALIKE and rng.random() < 0.4:
                    chars[j] = ASCII_LOOKALIKE[c]
            host = f"{''.join(chars)}.{tld}"
        elif kind == 7 and len(k) >= 4:
            j = rng.randrange(1, len(k) - 1)
            host = f"{k[:j]}.{k[j:]}.{tld}"
            if rng.random() < 0.3:
                j2 = rng.randrange(1, j + 1)
                host = f"{k[:j2]}.{k[j2:]}.{tld}" if j2 < len(k) else host
        elif kind == 8 and len(k) >= 4:
            j = rng.randrange(1, len(k))
            host = f"{k[:j]}-{k[j:]}.{tld}"
        elif kind == 9:
            host = f"{k}.{rng.choice(owned)}.{rng.choice(('example', 'account-check'))}.{tld}"
        elif kind == 10:
            host = f"{k}.{rng.choice(cc_imit)}"
        elif kind == 11:
            d = rng.choice(owned)
            host = d if rng.random() < 0.5 else f"{rng.choice(('www', 'm', 'login', k))}.{d}"
        elif kind == 12:
            words = [rng.choice(system) for _ in range(rng.randint(1, 3))]
            host = f"{''.join(words)}.{tld}"
        elif kind == 13:
            words = [rng.choice(short) for _ in range(rng.randint(1, 3))]
            host = f"{rng.choice(('', 'my', 'go'))}{''.join(words)}.{tld}"
        elif kind == 14:
            words = [rng.choice(lure) for _ in range(rng.randint(1, 3))]
            host = f"{''.join(words)}{rng.choice(('', '4', '19', '2024'))}.{tld}"
        elif kind == 15:
            host = f"{_pronounceable(rng, rng.randint(4, 14))}{rng.randrange(100)}.{tld}"
        elif kind == 16:
            cons = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(5, 9)))
            host = f"{cons}.{tld}"
        elif kind == 17:
            host = f"{rng.getrandbits(96):024x}.{tld}"
        elif kind == 18:
            host = f"{_pronounceable(rng, 5)}.{rng.choice(owned)}"
        else:
            host = f"{k}{rng.choice(('s', 'z', '1', 'app', 'news', 'tv'))}.{tld}"
        out.append(_clean_host(host))
    return out


def _clean_host(host: str) -> str:
    labels = [lab for lab in host.split(".") if lab]
    return ".".join(_clean(lab) if lab.isascii() else lab.lower() for lab in labels)


def urls_for(hosts: Sequence[str], seed: int = 7) -> list[str]:
    """The hosts as URLs in the shapes a link shim sees (plain, with path, no scheme, port)."""
    rng = random.Random(seed)
    forms = ("https://{h}/", "http://{h}/login?x=1", "{h}", "https://{h}:8443/a#b", "HTTPS://{h}")
    return [rng.choice(forms).format(h=h) for h in hosts]


def synthetic_brands(real: Sequence[Brand], total: int, rng: random.Random) -> list[Brand]:
    """``real`` plus pronounceable made-up brands up to ``total`` (as the benchmark does)."""
    out = list(real)
    i = 0
    while len(out) < total:
        name = _pronounceable(rng, rng.randint(6, 12))
        out.append(Brand(f"synthetic-{i}-{name}", "synthetic", "ZZ", (f"{name}.com",)))
        i += 1
    return out
