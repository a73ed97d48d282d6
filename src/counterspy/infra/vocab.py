"""Word lists behind the lookalike rules. Kept apart so analysts can read and review them.

Each list is a *vocabulary an attacker uses to dress up a name*, not a list of bad domains.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from operator import itemgetter

import ahocorasick


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``."""
    return frozenset(text.split())


# Words that turn a brand into a combosquat when glued to it (brand-login, secure-brand,
# brandegypt). A brand plus *only* these words (and digits) is a combosquat.
AFFIXES = words(
    """login logon signin signup secure security verify verification account accounts update
    updates updater support help service services online web app apps mobile official auth id
    pay payment wallet bank my get go www mail cloud sync api cdn group shop store promo gift
    gifts bonus watch buy download free
    egypt egy misr eg gr greece hellas sa ksa uae ae uk us eu global international portal
    connect arabia arab africa europe"""
)

# The subset that makes even a common-word brand a combosquat (getsignalapps, secure-orange).
STRONG_AFFIXES = words(
    """login logon signin signup secure security verify verification account accounts update
    updates updater support help official auth wallet pay payment bank app apps egypt misr
    arabia"""
)

# Keys that are also everyday words: matched only as a whole name, never inside longer words,
# never as a bare name on another TLD (live.com's "live", sky.com's "sky").
COMMON_WORDS = words(
    """live news mail time times one box sky free star standard bell three post link go web
    tribal qrcode
    online world daily express today nation mirror sun independent record focus insider vice
    semana terra stuff tempo wired vox bild stern dawn noon seat bolt grab wise square target
    delta united discover vanguard orange vivo claro spectrum zain jazz mega signal meta threads
    intel opera brave medium ledger kraken tiki nova wind viva capital alpha access equity
    first public china india global city home info save best style index state report digital
    graphic people sport short inbox trends central point monitor reporter tribune citizen
    herald observer guardian telegraph times mobile sports express notion money trip scores
    games game club"""
)

# Country-code TLDs that are widely sold and used as generic names (.me, .io, .tv ...): a brand
# name on one of these is not a local business of that country.
GENERIC_CCTLDS = words(
    "me io co tv cc ws ly to fm am gg ai sh la pw nu tk ml ga cf gq ps bz vc ms gd st cx"
)

# Private suffixes that imitate a country code (``zougla.gr.com`` reads as ``zougla.gr``).
CC_IMITATION_SUFFIXES = words(
    """gr.com uk.com us.com eu.com de.com br.com cn.com ru.com sa.com za.com jpn.com ar.com
    hu.com kr.com no.com qc.com se.com uy.com ae.org gb.net jp.net hu.net in.net uk.net
    se.net us.org co.com"""
)

# Names built only from these words imitate operating-system and infrastructure endpoints
# (Android's connectivitycheck, NTP time sync, OTA update servers).
SYSTEM_VOCAB = words(
    """update updates updating updater updete sync synced time timestamp stamp clock check
    checker checks connectivity connection service services server servers
    statistics stats cloud browser ota ios android system network enterprise telecommunication
    request requests push notification notifications sms infosms security secure verify
    verification config configuration settings mobile net api status health ping"""
)

# At least one of these must appear for a name to count as a system-endpoint imitation.
SYSTEM_STRONG = words(
    """update updates updating updater updete sync synced check checker checks connectivity
    timestamp ota statistics stats status ping api config verify verification"""
)

# Names built from these words imitate link shorteners and redirectors.
SHORTENER_VOCAB = words(
    """short shorten shortener shorturl shorturls shortlink shortlinks link links lnk lnks
    url urls tiny tinyurl redirect redirecting redir safely go goto cut bit click clicks
    forward fwd jump hop"""
)

FILLER = words(
    """my get go to the a i u you 4 for now quick fast new me we service services app apps
    online site web mobile s with are is this that it of in on at by and or all your our
    info"""
)


# Heavily abused TLDs, after the public "most abused TLDs" rankings (Spamhaus, Interisle).
ABUSED_TLDS = words(
    """xyz top bid icu club online site live shop store quest sbs cfd click link work buzz rest
    monster cyou fun space website tech digital one ws pw tk ml ga cf gq loan win review
    download stream racing party science trade date men cam surf uno host press ink lol mom
    bond pics art services center zone actor army ninja pet cards photos voto"""
)
# Words of lure names (fastuploads, celebrnewz, covid19masks) for throw-away domains.
LURE_VOCAB = words(
    """update updates updating upload uploads download downloads file files share drive doc
    docs pdf viewer video videos live stream tv news newz sport sports celeb celebr weather
    wether sms mms message messages chat date dating sex xxx adult covid covid19 vaccine mask
    masks health job jobs career book books trip trips travel booking hotel flight deal deals
    offer offers coupon promo sale shop shops store gift gifts bonus prize win free fast quick
    speed speedy pro best top page pages pg landing site sites web link links app apps apk
    android ios mobile secure verify login account bank pay wallet crypto bitcoin invest
    delivery parcel track tracking post support service services check cloud sync time clock
    group world lifestyle coffee kids games game music photo photos pics cam website"""
)
_DIGITS = re.compile(r"\d+")
_END = itemgetter(1)


ALL_WORDS = (
    AFFIXES
    | SYSTEM_VOCAB
    | SHORTENER_VOCAB
    | FILLER
    | LURE_VOCAB
    | frozenset({"promo", "in", "it"})
)


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    a = ahocorasick.Automaton()
    for w in ALL_WORDS:
        a.add_word(w, w)
    a.make_automaton()
    return a


@lru_cache(maxsize=65_536)
def word_spans(s: str) -> tuple[tuple[int, int, str], ...]:
    """Every occurrence of a vocabulary word or digit run in ``s`` as (start, end, word),
    ordered by end: one Aho-Corasick pass shared by all vocabularies."""
    spans = [(end - len(w) + 1, end + 1, w) for end, w in _automaton().iter(s)]
    if not s.isalpha():
        spans.extend([(m.start(), m.end(), m.group()) for m in _DIGITS.finditer(s)])
        spans.sort(key=_END)  # automaton hits come ordered by end already
    return tuple(spans)


@lru_cache(maxsize=16)
def _vocab_automaton(vocab: frozenset[str]) -> ahocorasick.Automaton:
    """The words of ``vocab`` (and the digit-led words every vocabulary accepts) only."""
    a = ahocorasick.Automaton()
    for w in ALL_WORDS:
        if w in vocab or w[0].isdigit():
            a.add_word(w, (len(w), w))
    a.make_automaton()
    return a


def _best_cover(
    n: int, spans: Iterable[tuple[int, int, str]], vocab: frozenset[str] | None
) -> tuple[str, ...] | None:
    """Fewest-words covering of positions 0..n by ``spans`` ordered by end (ties: first)."""
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for start, end, w in spans:
        cur = best[start]
        if cur is None or (vocab is not None and not (w in vocab or w[0].isdigit())):
            continue
        old = best[end]
        if old is None or len(cur) + 1 < len(old):
            best[end] = (*cur, w)
    return best[n]


@lru_cache(maxsize=65_536)
def segments(s: str, vocab: frozenset[str]) -> tuple[str, ...] | None:
    """Split ``s`` entirely into words of ``vocab`` (digit runs allowed), fewest words first.

    ``vocab`` must be a subset of :data:`ALL_WORDS`. A small dynamic programme over the word
    occurrences (one pass of an automaton of ``vocab``'s words, plus digit runs) picks the
    covering with the fewest words; :func:`segments_reference` is the same over
    :func:`word_spans`.
    """
    n = len(s)
    if n == 0:
        return ()
    spans = [(end - k + 1, end + 1, w) for end, (k, w) in _vocab_automaton(vocab).iter(s)]
    if not s.isalpha():
        spans.extend([(m.start(), m.end(), m.group()) for m in _DIGITS.finditer(s)])
        spans.sort(key=_END)  # automaton hits come ordered by end already
    elif not spans or spans[-1][1] != n:
        return None  # no word ends where the string does
    return _best_cover(n, spans, None)


def segments_reference(s: str, vocab: frozenset[str]) -> tuple[str, ...] | None:
    """:func:`segments` over every vocabulary's word occurrences (the straightforward way)."""
    if not s:
        return ()
    return _best_cover(len(s), word_spans(s), vocab)


@lru_cache(maxsize=65_536)
def reachable(s: str, vocab: frozenset[str]) -> tuple[frozenset[int], frozenset[int]]:
    """Cut positions ``i`` where ``s[:i]`` (first set) or ``s[i:]`` (second set) is made
    entirely of ``vocab`` words and digit runs."""
    spans = [(a, b) for a, b, w in word_spans(s) if w in vocab or w[0].isdigit()]
    left = {0}
    for start, end in spans:
        if start in left:
            left.add(end)
    right = {len(s)}
    for start, end in sorted(spans, key=lambda se: -se[0]):
        if end in right:
            right.add(start)
    return frozenset(left), frozenset(right)
