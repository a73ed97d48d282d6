"""Shipped notice locales, their gettext plural rules, resolution and CLDR country coverage.

Plural rules: gettext picks a form by an index expression (``Plural-Forms``), CLDR by category.
For each language we write the expression by hand and name the CLDR category of each index;
a test checks both agree for every count 0..10000 (the counts notices use). Russian, Ukrainian
and Polish are the classic trap: CLDR has four categories (``other`` only for fractions), so the
three gettext forms are one / few / many, not one / few / other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global

SOURCE_LOCALE = "en"
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg"})


@dataclass(frozen=True)
class PluralRule:
    nplurals: int
    expr: str
    categories: tuple[str, ...]  # CLDR category of gettext index 0, 1, ...

    @property
    def header(self) -> str:
        return f"nplurals={self.nplurals}; plural={self.expr};"


_ONE_OTHER = PluralRule(2, "(n != 1)", ("one", "other"))
_ZERO_ONE_OTHER = PluralRule(2, "(n > 1)", ("one", "other"))  # 0 and 1 are "one"
_OTHER = PluralRule(1, "0", ("other",))
_SLAVIC_EAST = PluralRule(
    3,
    "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : 2)",
    ("one", "few", "many"),
)

# Plural rule of each shipped language (by language code). Locales inherit their language's.
PLURALS: dict[str, PluralRule] = {
    "en": _ONE_OTHER,
    "ar": PluralRule(
        6,
        "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5)",
        ("zero", "one", "two", "few", "many", "other"),
    ),
    "fa": _ZERO_ONE_OTHER,
    "ur": _ONE_OTHER,
    "he": PluralRule(3, "(n==1 ? 0 : n==2 ? 1 : 2)", ("one", "two", "other")),
    "es": _ONE_OTHER,
    "fr": _ZERO_ONE_OTHER,
    "pt": _ZERO_ONE_OTHER,
    "ru": _SLAVIC_EAST,
    "uk": _SLAVIC_EAST,
    "pl": PluralRule(
        3,
        "(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : 2)",
        ("one", "few", "many"),
    ),
    "de": _ONE_OTHER,
    "it": _ONE_OTHER,
    "nl": _ONE_OTHER,
    "tr": _ONE_OTHER,
    "az": _ONE_OTHER,
    "hi": _ZERO_ONE_OTHER,
    "bn": _ZERO_ONE_OTHER,
    "id": _OTHER,
    "ms": _OTHER,
    "vi": _ZERO_ONE_OTHER,  # CLDR 47 gives Vietnamese "one" for 0 and 1
    "th": _OTHER,
    "zh": _OTHER,
    "ja": _OTHER,
    "ko": _OTHER,
    "sw": _ONE_OTHER,
    "fil": PluralRule(2, "(n%10==4 || n%10==6 || n%10==9 ? 1 : 0)", ("one", "other")),
    "am": _ZERO_ONE_OTHER,
    "hu": _ONE_OTHER,
    "el": _ONE_OTHER,
    # CLDR: "few" is 0 and n%100 in 1..19 except 1 itself, so 101 is few ("101 zile").
    "ro": PluralRule(
        3, "(n==1 ? 0 : n==0 || (n%100>=1 && n%100<=19) ? 1 : 2)", ("one", "few", "other")
    ),
}

# European Portuguese counts like English (CLDR pt_PT: one = i=1 and v=0).
LOCALE_PLURALS: dict[str, PluralRule] = {"pt_PT": _ONE_OTHER}

# Every locale with a catalog. Regional catalogs (pt_PT) may be partial: missing messages fall
# back to the language catalog, then to English.
SHIPPED: tuple[str, ...] = (
    "en", "ar", "fa", "ur", "he", "es", "fr", "pt", "pt_PT", "ru", "uk", "pl", "de", "it", "nl",
    "tr", "az", "hi", "bn", "id", "ms", "vi", "th", "zh_Hans", "zh_Hant", "ja", "ko", "sw",
    "fil", "am", "hu", "el", "ro",
)  # fmt: skip
PARTIAL: frozenset[str] = frozenset({"pt_PT"})


def plural_rule(locale: str) -> PluralRule:
    if locale in LOCALE_PLURALS:
        return LOCALE_PLURALS[locale]
    return PLURALS[locale.split("_")[0]]


def fallback_chain(locale: str) -> tuple[str, ...]:
    """``pt_BR`` → (pt_BR, pt, en): the locale, its parents, then the source language."""
    parts = locale.split("_")
    chain = ["_".join(parts[:i]) for i in range(len(parts), 0, -1)]
    if SOURCE_LOCALE not in chain:
        chain.append(SOURCE_LOCALE)
    return tuple(chain)


@lru_cache(maxsize=4096)
def resolve_locale(tag: str | None) -> str:
    """The shipped catalog to render a notice in, for a BCP 47 tag such as ``pt-BR``.

    Chinese needs its script: ``zh-TW`` and ``zh-HK`` read Traditional, ``zh-CN`` Simplified
    (CLDR likely subtags decide). Unknown or malformed tags get English.
    """
    if not tag:
        return SOURCE_LOCALE
    try:
        loc = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return SOURCE_LOCALE
    script = loc.script
    if script is None:
        likely: Mapping[str, str] = get_global("likely_subtags")
        key = f"{loc.language}_{loc.territory}" if loc.territory else loc.language
        full = likely.get(key) or likely.get(loc.language) or ""
        bits = full.split("_")
        script = bits[1] if len(bits) > 2 else None
    candidates = []
    if loc.territory:
        candidates.append(f"{loc.language}_{loc.territory}")
    if script:
        candidates.append(f"{loc.language}_{script}")
    candidates.append(loc.language)
    for c in candidates:
        if c in SHIPPED:
            return c
    return SOURCE_LOCALE


def text_direction(locale: str) -> str:
    """``rtl`` or ``ltr``, from the CLDR script of the locale (likely subtags when implicit)."""
    loc = Locale.parse(locale)
    script = loc.script
    if script is None:
        likely: Mapping[str, str] = get_global("likely_subtags")
        full = likely.get(loc.language, "")
        bits = full.split("_")
        script = bits[1] if len(bits) > 1 else None
    return "rtl" if script in RTL_SCRIPTS else "ltr"


@dataclass(frozen=True)
class Coverage:
    """Countries where a shipped language is official (CLDR territory-language data)."""

    by_locale: dict[str, tuple[str, ...]]
    countries: tuple[str, ...]


def official_countries(language: str) -> tuple[str, ...]:
    """Territories where ``language`` is official or de facto official, per CLDR."""
    data: Mapping[str, Mapping[str, Mapping[str, object]]] = get_global("territory_languages")
    found = []
    for territory, languages in data.items():
        # Two letters only: skip the numeric UN regions (001, 419, ...).
        if len(territory) != 2 or not territory.isalpha():
            continue
        for lang, info in languages.items():
            status = info.get("official_status")
            if lang.split("_")[0] == language and status in ("official", "de_facto_official"):
                found.append(territory)
                break
    return tuple(sorted(found))


def coverage() -> Coverage:
    by_locale = {loc: official_countries(loc.split("_")[0]) for loc in SHIPPED}
    countries = sorted({c for cs in by_locale.values() for c in cs})
    return Coverage(by_locale=by_locale, countries=tuple(countries))


def plural_mismatches(
    locale: str, rule: PluralRule, upto: int = 10_000
) -> list[tuple[int, str, str]]:
    """Counts where ``rule`` picks a different CLDR category than CLDR itself does:
    (n, gettext's category, CLDR's category)."""
    import gettext

    pick = gettext.c2py(rule.expr)
    cldr = Locale.parse(locale).plural_form
    out = []
    for n in range(upto + 1):
        mine = rule.categories[int(pick(n))]
        if mine != cldr(n):
            out.append((n, mine, cldr(n)))
    return out
