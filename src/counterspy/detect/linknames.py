"""Names that reuse a protected brand's name, read with the verdict engine's brand list.

The built-in link heuristic (:mod:`counterspy.detect.links`) compares names with a short list
of platforms, shorteners and webmail (``detect/data/brands.yaml``). Exploitation personas also
imitate the brands of that list's big sibling, the infrastructure brand list (1,378 brands:
newspapers of the targets' countries, every public URL shortener, ministries), in the ways
Citizen Lab documented for Predator: the brand's name under another TLD (``rebrand.co``,
``youm7.cc``), hyphenated or joined with a word (``rebrand-ly.site``, ``ahram-login.me``), split
across the dot (``kha.leejtimes.org``), as a subdomain of an unrelated or country-style
name (``tiny.am.com``, ``bit.rs.org``). :func:`brand_imitation` reads a host with the
verdict engine's :class:`~counterspy.infra.lookalike.LookalikeIndex` and keeps only the
findings that *name* a brand — never typos (a one-letter edit of a 1,378-brand list matches
ordinary compounds: ``mediaart`` ~ Mediapart) and never brands whose name is an everyday word
(News.am, Login.gov, Web.de: ``news-verify``, ``login-account`` are ordinary names).

The name alone is not the verdict: on a simulated platform the long tail of small sites
(``daily-mail.ps``, ``golink.me``, ``hubshop.al``) collides with these brands dozens of times
per month. :class:`~counterspy.detect.links.LinkHeuristic` judges a name only when the domain
is also rare and reached someone in the protection programme (docs/detection.md,
"Protected-brand names").
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from counterspy.infra.brands import Brand, bundled_brands
from counterspy.infra.vocab import ALL_WORDS, COMMON_WORDS, SHORTENER_VOCAB
from counterspy.intel.normalize import split_host
from counterspy.model.verdict import Reason

if TYPE_CHECKING:
    from counterspy.infra.lookalike import LookalikeIndex

# Findings that name a brand by spelling it out (not by a typo of it).
NAME_CODES = frozenset(
    {
        "lookalike.tld_swap",
        "lookalike.hyphenation",
        "lookalike.combosquat",
        "lookalike.split_host",
        "lookalike.subdomain_brand",
        "lookalike.cctld_imitation",
        "lookalike.dotted_domain",
    }
)
COUNTRY_STYLE = "lookalike.country_style_subdomain"
# Findings that keep a brand's whole name as a name of its own — under another TLD
# (``viber.app``), with hyphens (``cutt-ly.cloud``), split across the dot (``n1.info.net``), as
# a subdomain (``okaz.sa.org``) or a country domain (``moi.sa.com``) — rather than glue it to
# other words (combosquats: ``hubshop``, ``hub-secure`` are ordinary shop names too). Read on
# any recipient by ``LinkHeuristic.spelled_max_senders`` (docs/detection.md, "Session 9").
SPELLED_CODES = (NAME_CODES - {"lookalike.combosquat"}) | {COUNTRY_STYLE}
_GENERIC_PARENTS = frozenset({"com", "net", "org"})
# Everyday words: attacker affixes, lures, fillers and common words — not shortener names,
# which are brand names in their own right (tiny, bit, shorturl).
_EVERYDAY = ALL_WORDS - SHORTENER_VOCAB
# For telling compounds (``golink``, ``dailymail``) from names: every vocabulary word.
_WORDS = ALL_WORDS | COMMON_WORDS


@cache
def _index() -> LookalikeIndex:
    """The verdict engine's lookalike index over the bundled brands, built on first use (the
    import and the build cost ~0.3 s; a platform with no candidate domain never pays it)."""
    from counterspy.infra.lookalike import LookalikeIndex

    return LookalikeIndex(bundled_brands())


@cache
def _by_name() -> dict[str, Brand]:
    out: dict[str, Brand] = {}
    for b in bundled_brands():
        out.setdefault(b.name, b)
    return out


def _everyday_brand(brand: Brand) -> bool:
    """A brand whose name is an everyday word (News.am: ``news``; Login.gov: ``login``)."""
    return any(k in COMMON_WORDS or k in _EVERYDAY for k in brand.primary_keys)


def _compound(label: str) -> bool:
    """Whether ``label`` is two or more everyday words glued together (``daily-post``,
    ``dailymail``, ``golink``): a name in its own right, not a brand's."""
    return _words_in(re.sub(r"[-_]", "", label)) >= 2


@cache
def _words_in(s: str) -> int:
    """The fewest everyday words that spell ``s`` exactly; 0 when none do."""
    whole = [1] if s in _WORDS else []
    split = [1 + n for i in range(1, len(s)) if s[:i] in _WORDS and (n := _words_in(s[i:]))]
    return min(whole + split, default=0)


def brand_imitation(host: str, *, country_style: bool = True) -> Reason | None:
    """The first finding naming a protected brand that ``host`` imitates, or None.

    ``country_style``: also read ``<brand>.<two letters>.<com|net|org>`` (``bit.rs.org``,
    ``goo.am.org``) — a brand name as the subdomain of a two-letter name under a generic TLD,
    the country-domain imitation of ``cnn.gr.com`` on a parent the public suffix list does
    not know (the verdict engine reads only its listed suffixes, and only brands of ≥ 4
    letters as subdomains).
    """
    host = host.lower().rstrip(".")
    idx = _index()
    sub, dom, suf = split_host(host)
    if not dom:
        return None
    by_name = _by_name()
    for r in idx.check(host).reasons:
        brand = by_name.get(r.brand) if r.brand is not None else None
        if r.code not in NAME_CODES or brand is None or _everyday_brand(brand):
            continue
        if r.code != "lookalike.combosquat" and _compound(dom):
            continue
        return r
    if country_style and sub and suf in _GENERIC_PARENTS and len(dom) == 2 and dom.isalpha():
        lab = sub.rsplit(".", 1)[-1]
        brands = idx.by_key.get(lab)
        if (
            lab in idx.primary
            and brands
            and not idx.generic(lab)
            and idx.owner(host) is None
            and not _everyday_brand(brands[0])
        ):
            return Reason(
                COUNTRY_STYLE,
                f"{host} puts the name of {brands[0].name} before a country-style {dom}.{suf}",
                brand=brands[0].name,
            )
    return None
