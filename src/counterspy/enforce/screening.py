"""Screening new account, page and business names against the entity ban registry.

Method (see docs/enforcement.md): normalise both names (:mod:`counterspy.enforce.names`),
align their words — single words and adjacent pairs merged, so ``Blackcube`` meets
``Black Cube`` — score each aligned pair by the best of spelling similarity and phonetic keys
(rapidfuzz Indel ratio), and weight the pairs: a distinctive word counts 1, a generic business
word ("Technologies", "Holdings") counts little, and every word left unaligned on either side
counts against the match. Legal forms never count either way (firms re-incorporate).

Every :class:`ScreeningMatch` carries the alias that matched, each word pair with its score and
how it was reached, and each normalisation applied: a reviewer can check it by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import LCSseq
from rapidfuzz.fuzz import ratio

from counterspy.enforce.entities import Alias, BannedEntity, load_seed
from counterspy.enforce.names import (
    ABJADS,
    LOOSE_SCRIPTS,
    SYLLABIC_SCRIPTS,
    NormalisedName,
    Token,
    loose_key,
    normalise,
    skeleton_key,
    strict_key,
    vowel_pattern,
)

MATCH_THRESHOLD = 0.85
POSSIBLE_THRESHOLD = 0.70
GENERIC_WEIGHT = 0.15
_PAIR_FLOOR = 0.6  # word pairs below this are not aligned at all


class Band(StrEnum):
    MATCH = "match"  # treat as the banned entity unless a reviewer says otherwise
    POSSIBLE = "possible"  # worth a look; not enough to act on


@dataclass(frozen=True)
class TokenScore:
    query: str  # the query word(s) as written ("" when an alias word found no partner)
    alias: str  # the alias word(s) ("" when a query word found no partner)
    similarity: float
    weight: float
    via: str  # exact | spelling | phonetic | transliteration | skeleton | unmatched


@dataclass(frozen=True)
class ScreeningMatch:
    query: str
    candidate: str  # the part of the query that matched (bracketed aliases are tried alone)
    entity_id: str
    entity_name: str
    firm: str | None
    basis: str
    alias: str
    alias_kind: str
    alias_source: str
    score: float
    band: Band
    tokens: tuple[TokenScore, ...]
    query_normalisations: tuple[str, ...]
    alias_normalisations: tuple[str, ...]
    query_legal_forms: tuple[str, ...]
    alias_legal_forms: tuple[str, ...]

    def explain(self) -> str:
        pairs = ", ".join(
            f"{t.query or '∅'}~{t.alias or '∅'}={t.similarity:.2f}×{t.weight:g} ({t.via})"
            for t in self.tokens
        )
        steps = "; ".join(self.query_normalisations) or "none"
        return (
            f"{self.score:.2f} {self.band.value}: {self.candidate!r} ~ {self.alias!r} "
            f"[{self.alias_kind}] of {self.entity_id} | words: {pairs} | normalised: {steps}"
        )


@dataclass(frozen=True)
class _Unit:
    """One word or two adjacent words merged, of either side."""

    tokens: tuple[Token, ...]
    start: int

    @property
    def text(self) -> str:
        return " ".join(t.native for t in self.tokens)

    @property
    def weight(self) -> float:
        return max(_weight(t) for t in self.tokens)

    @property
    def merged(self) -> Token:
        if len(self.tokens) == 1:
            return self.tokens[0]
        latin = "".join(t.latin for t in self.tokens)
        first = self.tokens[0]
        return Token(
            native=self.text,
            latin=latin,
            strict=strict_key(latin),
            loose=loose_key(latin),
            skeleton=skeleton_key(latin),
            skeleton_sv=skeleton_key(latin, semivowels=True),
            generic=all(t.generic for t in self.tokens),
            script=first.script,
        )


def _weight(token: Token) -> float:
    return GENERIC_WEIGHT if token.generic else 1.0


def _units(tokens: Sequence[Token]) -> list[_Unit]:
    units = [_Unit((t,), i) for i, t in enumerate(tokens)]
    units += [  # "Black Cube" ~ "Blackcube"; generic words are never glued on
        _Unit((tokens[i], tokens[i + 1]), i)
        for i in range(len(tokens) - 1)
        if not tokens[i].generic and not tokens[i + 1].generic
    ]
    return units


def word_similarity(q: Token, a: Token) -> tuple[float, str]:
    """How alike two words are, and by which comparison."""
    if not q.latin or not a.latin:
        return 0.0, "unmatched"
    if q.latin == a.latin:
        return 1.0, "exact"
    if min(len(q.latin), len(a.latin)) <= 3:
        return 0.0, "unmatched"  # short words (initials, "CI", "AD") must be exact
    scores: list[tuple[float, str]] = []
    if q.script == "LATIN":
        scores.append((ratio(q.latin, a.latin) / 100, "spelling"))
        scores.append((ratio(q.strict, a.strict) / 100, "phonetic"))
    if q.script != "LATIN" or a.script != "LATIN":
        # Where a script writes its vowels (Cyrillic, Greek; abjads their long vowels), the
        # written vowels must agree too, or Ситрикс/סיטריקס (Citrix) would meet Cytrox.
        # Syllabaries and Chinese add vowels of their own: no such check there.
        vowels = 1.0
        if q.script not in SYLLABIC_SCRIPTS:
            written = vowel_pattern(q.latin, abjad=q.script in ABJADS)
            expected = vowel_pattern(a.latin)
            if q.script in ABJADS:  # abjads omit vowels: only the written ones must fit
                agree = LCSseq.similarity(written, expected) / len(written) if written else 1.0
            else:
                agree = ratio(written, expected) / 100
            vowels = 0.7 + 0.3 * agree
        scores.append((vowels * ratio(q.loose, a.loose) / 100, "transliteration"))
        if q.script in LOOSE_SCRIPTS:
            # Abjads and syllabaries lose or add vowels: trust consonants, discounted.
            for qs, as_ in ((q.skeleton, a.skeleton), (q.skeleton_sv, a.skeleton_sv)):
                if min(len(qs), len(as_)) >= 3:
                    scores.append((0.95 * vowels * ratio(qs, as_) / 100, "skeleton"))
                elif qs and qs == as_:
                    scores.append((0.85, "skeleton"))  # two consonants: only when identical
    return max(scores)


def _align(query: NormalisedName, alias: NormalisedName) -> tuple[float, tuple[TokenScore, ...]]:
    candidates = []
    for qu in _units(query.tokens):
        for au in _units(alias.tokens):
            sim, via = word_similarity(qu.merged, au.merged)
            if sim >= _PAIR_FLOOR:
                candidates.append((sim, -len(qu.tokens) - len(au.tokens), qu, au, via))
    candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    used_q: set[int] = set()
    used_a: set[int] = set()
    pairs: list[TokenScore] = []
    num = den = 0.0
    distinctive_hit = False
    for sim, _, qu, au, via in candidates:
        q_idx = set(range(qu.start, qu.start + len(qu.tokens)))
        a_idx = set(range(au.start, au.start + len(au.tokens)))
        if q_idx & used_q or a_idx & used_a:
            continue
        used_q |= q_idx
        used_a |= a_idx
        weight = max(qu.weight, au.weight)
        num += sim * weight
        den += weight
        distinctive_hit |= weight == 1.0 and sim >= MATCH_THRESHOLD
        pairs.append(TokenScore(qu.text, au.text, round(sim, 3), weight, via))
    for i, t in enumerate(query.tokens):
        if i not in used_q:
            den += _weight(t)
            pairs.append(TokenScore(t.native, "", 0.0, _weight(t), "unmatched"))
    for i, t in enumerate(alias.tokens):
        if i not in used_a:
            den += _weight(t)
            pairs.append(TokenScore("", t.native, 0.0, _weight(t), "unmatched"))
    score = num / den if den else 0.0
    if not distinctive_hit:
        score = min(score, POSSIBLE_THRESHOLD)  # generic words alone never make a match
    return score, tuple(pairs)


_SPLIT = re.compile(r"\s*(?:[()\[\]/|;]|\ba\.?k\.?a\.?\b|\bformerly\b|\bd/b/a\b)\s*", re.I)


def candidates_of(name: str) -> list[str]:
    """The whole name, plus each bracketed or "a.k.a." part on its own."""
    parts = [p for p in _SPLIT.split(name) if p and p.strip()]
    out = [name.strip()]
    if len(parts) > 1:
        out += [p.strip() for p in parts]
    return list(dict.fromkeys(out))


class Screener:
    """Screens names against a fixed set of banned entities (aliases normalised once)."""

    def __init__(
        self,
        entities: Iterable[BannedEntity],
        *,
        match_threshold: float = MATCH_THRESHOLD,
        possible_threshold: float = POSSIBLE_THRESHOLD,
    ) -> None:
        self.match_threshold = match_threshold
        self.possible_threshold = possible_threshold
        self._aliases: list[tuple[BannedEntity, Alias, NormalisedName]] = [
            (e, a, normalise(a.name)) for e in entities if e.active for a in e.screen_names()
        ]

    def screen(self, name: str) -> list[ScreeningMatch]:
        """The best-matching alias of each entity scoring at least ``possible_threshold``,
        best first."""
        best: dict[str, ScreeningMatch] = {}
        for candidate in candidates_of(name):
            query = normalise(candidate)
            if not query.tokens:
                continue
            for entity, alias, norm in self._aliases:
                score, pairs = _align(query, norm)
                if score < self.possible_threshold:
                    continue
                current = best.get(entity.id)
                if current is not None and current.score >= score:
                    continue
                best[entity.id] = ScreeningMatch(
                    query=name,
                    candidate=candidate,
                    entity_id=entity.id,
                    entity_name=entity.name or entity.id,
                    firm=entity.firm.value if entity.firm else None,
                    basis=entity.basis.value,
                    alias=alias.name,
                    alias_kind=alias.kind.value,
                    alias_source=alias.source,
                    score=round(score, 3),
                    band=Band.MATCH if score >= self.match_threshold else Band.POSSIBLE,
                    tokens=pairs,
                    query_normalisations=query.steps,
                    alias_normalisations=norm.steps,
                    query_legal_forms=query.legal_forms,
                    alias_legal_forms=norm.legal_forms,
                )
        return sorted(best.values(), key=lambda m: (-m.score, m.entity_id))


_default: Screener | None = None


def screen(name: str, entities: Iterable[BannedEntity] | None = None) -> list[ScreeningMatch]:
    """Screen ``name`` against ``entities`` (default: the bundled seed registry)."""
    global _default
    if entities is not None:
        return Screener(entities).screen(name)
    if _default is None:
        _default = Screener(load_seed().entities)
    return _default.screen(name)
