"""Organisation-name normalisation for entity screening: scripts, legal forms, phonetic keys.

The heavy lifting is OpenSanctions' ``rigour``: ``analyze_names`` tokenises, casefolds,
recognises legal forms in many languages (Ltd, LLC, GmbH, Zrt, AD, S.A., ООО, Hebrew בע"מ ...)
and latinises Cyrillic and Greek; ``ascii_text`` transliterates any other script (Hebrew,
Arabic, Chinese to pinyin, Japanese kana). On top of that this module adds what screening for
brand names written in another script needs and rigour does not do: a few legal forms rigour
misses (Greek Α.Ε., Chinese 有限公司, Japanese 株式会社, Arabic ش.م.م, Macedonian ДООЕЛ),
and two phonetic keys that absorb transliteration drift (``x``/``ks``, ``c``/``k``/``ts``,
``w``/``v``, vowel spelling) so that ``Цитрокс`` and ``סייטרוקס`` meet ``Cytrox``.

Every step that changed the name is recorded, so a reviewer can see *why* two names met.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz.fuzz import ratio
from rigour.names import NamePartTag, NameTypeTag, analyze_names
from rigour.text import ascii_text

# Legal forms rigour's table does not catch in these spellings. Matched as whole words on the
# casefolded text (CJK forms as substrings: CJK has no spaces).
_EXTRA_LEGAL_FORMS: tuple[tuple[str, str], ...] = (
    (r"(?<!\w)α\.?\s?ε\.?(?!\w)", "Greek Α.Ε. (anonymi etaireia)"),
    (r"(?<!\w)ε\.?\s?π\.?\s?ε\.?(?!\w)", "Greek Ε.Π.Ε."),
    (r"(?<!\w)ι\.?\s?κ\.?\s?ε\.?(?!\w)", "Greek Ι.Κ.Ε."),
    (r"(?<!\w)ae(?!\w)", "Greek AE (anonymi etaireia, latinised)"),
    (r"(?<!\w)(дооел|dooel|доо|doo)(?!\w)", "Macedonian/Serbian ДООЕЛ/ДОО"),
    (r"(?<!\w)(ад|ad)\s+(скопје|skopje)(?!\w)", "Macedonian АД + seat"),
    (
        r"(?<!\w)(ش\.?\s?م\.?\s?م\.?|ذ\.?\s?م\.?\s?م\.?|ش\.?\s?م\.?\s?ع\.?)(?!\w)",
        "Arabic legal form",
    ),
    (r"(?<!\w)(شركة)(?!\w)", "Arabic 'company'"),
    (r"(?<!\w)בע[\"״'׳]?מ(?!\w)", 'Hebrew בע"מ'),
    (r"股份有限公司|有限责任公司|有限責任公司|有限公司|集团|集團", "Chinese legal form"),
    (r"株式会社|有限会社|合同会社", "Japanese legal form"),
    (r"주식회사|\(주\)", "Korean legal form"),
)
_EXTRA_LEGAL_RE = tuple((re.compile(p), label) for p, label in _EXTRA_LEGAL_FORMS)

# Words that say what kind of business it is rather than which one: they count little.
GENERIC_WORDS = frozenset(
    line.strip()
    for line in resources.files("counterspy.enforce")
    .joinpath("data/generic_words.txt")
    .read_text("utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
)

_SCRIPT_NAMES = (
    "LATIN",
    "CYRILLIC",
    "GREEK",
    "HEBREW",
    "ARABIC",
    "CJK",
    "HIRAGANA",
    "KATAKANA",
    "HANGUL",
    "ARMENIAN",
    "GEORGIAN",
    "DEVANAGARI",
    "THAI",
)
# Scripts whose romanisation is loose (no vowels written, or syllabic): phonetic keys count more.
# Abjads write long vowels with consonant letters (Hebrew ו י, Arabic ا و ي): the vowels that
# *are* written must agree, or Citrix (סיטריקס) would meet Cytrox (סייטרוקס) on consonants.
ABJADS = frozenset({"HEBREW", "ARABIC"})
SYLLABIC_SCRIPTS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "DEVANAGARI", "THAI"})
LOOSE_SCRIPTS = frozenset(
    {"HEBREW", "ARABIC", "CJK", "HIRAGANA", "KATAKANA", "HANGUL", "DEVANAGARI", "THAI"}
)


@dataclass(frozen=True)
class Token:
    """One word of a name, in the forms the matcher compares."""

    native: str  # as written (casefolded), any script
    latin: str  # romanised, lower-case ASCII
    strict: str  # spelling-level phonetic key (keeps vowels)
    loose: str  # transliteration-level key (vowels simplified)
    skeleton: str  # consonant skeleton of ``loose``
    skeleton_sv: str  # the same without semivowels (w/v/y), for abjads and syllabaries
    generic: bool
    script: str


@dataclass(frozen=True)
class NormalisedName:
    original: str
    tokens: tuple[Token, ...]
    legal_forms: tuple[str, ...]
    scripts: tuple[str, ...]
    steps: tuple[str, ...]

    @property
    def latin_text(self) -> str:
        return " ".join(t.latin for t in self.tokens)


def script_of(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    return next((s for s in _SCRIPT_NAMES if name.startswith(s)), "OTHER")


def scripts_in(text: str) -> tuple[str, ...]:
    seen: list[str] = []
    for ch in text:
        s = script_of(ch)
        if s is not None and s not in seen:
            seen.append(s)
    return tuple(seen)


_STRICT_RULES: tuple[tuple[str, str], ...] = (
    (r"ph", "f"),
    (r"ck", "k"),
    (r"x", "ks"),
    (r"qu", "kv"),
    (r"q", "k"),
    (r"c(?=[eiy])", "s"),
    (r"c", "k"),
    (r"z", "s"),
    (r"w", "v"),
)
_LOOSE_RULES: tuple[tuple[str, str], ...] = (
    (r"dzh|dj|zh|j", "j"),
    (r"kh", "h"),
    (r"ts", "s"),
    (r"aw|ow", "o"),
    (r"ai|ay|ei|ey|y", "i"),
    (r"ou|oo|ue|iu|yu", "u"),
    (r"ee|ea", "i"),
)
_STRICT_RE = tuple((re.compile(p), r) for p, r in _STRICT_RULES)
_LOOSE_RE = tuple((re.compile(p), r) for p, r in _LOOSE_RULES)
_DOUBLES = re.compile(r"(.)\1+")


def strict_key(latin: str) -> str:
    """Spelling-level key: ``cytrox`` and ``cytroks`` agree, vowels are kept."""
    key = latin
    for pattern, repl in _STRICT_RE:
        key = pattern.sub(repl, key)
    return _DOUBLES.sub(r"\1", key)


def loose_key(latin: str) -> str:
    """Transliteration-level key: also ``ts``/``s`` and vowel spellings (``ai``/``y``/``i``)."""
    key = latin
    for pattern, repl in _LOOSE_RE:
        key = pattern.sub(repl, key)
    return strict_key(key)


def skeleton_key(latin: str, *, semivowels: bool = False) -> str:
    """Consonants only, ``l`` and ``r`` merged (kana and Chinese renderings swap them).

    ``semivowels`` also drops ``w``/``v``/``y``: Arabic romanisation writes و and ي as
    consonants even where they stand for vowels, and kana write "we" as ``ue``.
    """
    drop = r"[aeiouhvy]" if semivowels else r"[aeiouh]"
    key = re.sub(drop, "", loose_key(latin)).replace("l", "r")
    return _DOUBLES.sub(r"\1", key)


# Hebrew spells foreign brand names with matres lectionis: ו is o/u (וו is v/w), י is i/e
# (יי is ai/ey). Generic transliteration keeps them as consonants (``syytrwqs``), which hides
# the brand; this table reads them the way Hebrew writers of foreign names mean them.
_HEBREW_DIGRAPHS = (
    ("וו", "v"),
    ("יי", "ai"),
    ("ג׳", "j"),
    ("ג'", "j"),
    ("צ׳", "ch"),
    ("צ'", "ch"),
    ("ז׳", "zh"),
    ("ז'", "zh"),
)
_HEBREW_LETTERS = dict(
    zip(
        "אבגדהוזחטיכךלמםנןסעפףצץקרשת",
        [
            "a",
            "b",
            "g",
            "d",
            "h",
            "o",
            "z",
            "kh",
            "t",
            "i",
            "k",
            "k",
            "l",
            "m",
            "m",
            "n",
            "n",
            "s",
            "a",
            "p",
            "f",
            "ts",
            "ts",
            "k",
            "r",
            "sh",
            "t",
        ],
        strict=True,
    )
)


def _romanise_hebrew(form: str) -> str:
    for digraph, latin in _HEBREW_DIGRAPHS:
        form = form.replace(digraph, latin)
    return "".join(_HEBREW_LETTERS.get(ch, ch) for ch in form)


def vowel_pattern(latin: str, *, abjad: bool = False) -> str:
    """The written vowels of a word, coarsely (o~u, e~i; silent final e dropped).

    For abjad romanisations ``w`` and ``y`` are read as the vowels they usually stand for.
    """
    if abjad:
        latin = latin.replace("w", "u").replace("y", "i")
    key = re.sub(r"(?<=[^aeiou])e$", "", loose_key(latin))
    return re.sub(r"[^aeiou]", "", key).replace("o", "u").replace("e", "i")


@lru_cache(maxsize=1)
def _generic_keys() -> frozenset[str]:
    return frozenset(loose_key(w) for w in GENERIC_WORDS if len(w) >= 6)


@lru_cache(maxsize=65536)
def is_generic(latin: str) -> bool:
    """A generic business word, also when transliterated back (``softver``, ``tekhnologii``)."""
    if latin in GENERIC_WORDS:
        return True
    if len(latin) < 6:
        return False
    key = loose_key(latin)
    return any(ratio(key, g) >= 80 for g in _generic_keys())


def _romanise(form: str, script: str) -> str:
    text = _romanise_hebrew(form) if script == "HEBREW" else ascii_text(form)
    return re.sub(r"[^a-z0-9]", "", text.lower())


@lru_cache(maxsize=65536)
def normalise(name: str) -> NormalisedName:
    """Normalise one organisation name; cached (registry aliases are normalised once)."""
    steps: list[str] = []
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    if text != name.strip():
        steps.append("Unicode NFKC + casefold")
    scripts = scripts_in(text)
    legal: list[str] = []
    for pattern, label in _EXTRA_LEGAL_RE:
        stripped = " ".join(pattern.sub(" ", text).split())
        if stripped != text and stripped.strip():
            legal.append(label)
            steps.append(f"legal form removed: {label}")
            text = stripped
    analysed = analyze_names(NameTypeTag.ORG, [text], consolidate=False, phonetics=False)
    tokens: list[Token] = []
    for parsed in sorted(analysed, key=lambda n: n.form)[:1]:
        if " ".join(parsed.form.split()) != text:
            steps.append(f"rigour org-name analysis: {text.strip()!r} -> {parsed.form!r}")
        for part in parsed.parts:
            if part.tag == NamePartTag.LEGAL:
                legal.append(part.form)
                steps.append(f"legal form removed: {part.form!r} (rigour org_types)")
                continue
            tokens.append(_token(part.form, part.comparable, part.latinize, steps))
    return NormalisedName(
        original=name,
        tokens=tuple(tokens),
        legal_forms=tuple(legal),
        scripts=scripts,
        steps=tuple(steps),
    )


def _token(form: str, comparable: str, latinised: bool, steps: list[str]) -> Token:
    token_scripts = scripts_in(form)
    script = token_scripts[0] if token_scripts else "LATIN"
    if latinised and comparable.isascii():
        latin = re.sub(r"[^a-z0-9]", "", comparable.lower())
    else:
        latin = _romanise(form, script)
    if script != "LATIN" and latin:
        steps.append(f"transliterated {script.title()} {form!r} -> {latin!r}")
    return Token(
        native=form,
        latin=latin,
        strict=strict_key(latin),
        loose=loose_key(latin),
        skeleton=skeleton_key(latin),
        skeleton_sv=skeleton_key(latin, semivowels=True),
        generic=is_generic(latin),
        script=script,
    )
