"""Rules on one registered name that need no brand's typo: combosquats (a brand plus attacker
vocabulary only) and the weak signals used when no brand matched (names made of system-service
or link-shortener words, lure or machine-made names on abused TLDs).

Each rule has a fast form, with cheap necessary conditions checked before any segmentation, and
is run without them when the index is *careful* (the reference the tests compare against).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from counterspy.infra.risk import cheap_tld_signals, is_abused_tld
from counterspy.infra.vocab import (
    AFFIXES,
    FILLER,
    SHORTENER_VOCAB,
    STRONG_AFFIXES,
    SYSTEM_STRONG,
    SYSTEM_VOCAB,
    reachable,
    segments,
    segments_reference,
)
from counterspy.model.verdict import Reason

if TYPE_CHECKING:
    from counterspy.infra.lookalike import LookalikeIndex

# Findings of one check, keyed by (reason code, brand key), in the order they were found.
Items = dict[tuple[str, str], Reason]

EDIT_WORDS = {
    "omission": "a letter left out",
    "repetition": "a letter doubled",
    "insertion": "a letter inserted",
    "transposition": "two letters swapped",
    "vowel_swap": "a vowel swapped",
    "bitsquat": "one bit flipped in a letter",
    "keyboard_substitution": "a neighbouring key typed",
    "substitution": "a letter replaced",
    "double_edit": "two letters changed",
}
_DIGITS = "0123456789"
assert not any(c in _DIGITS for w in AFFIXES for c in w)  # see _affix_segments
# Text made of attacker vocabulary and digit runs starts with a digit or with the first two
# letters of a word (every word has two letters or more), and ends likewise.
_AFFIX_HEAD2 = frozenset(w[:2] for w in AFFIXES)
_AFFIX_TAIL2 = frozenset(w[-2:] for w in AFFIXES)
assert min(len(w) for w in AFFIXES) >= 2
_NO_KEYS: frozenset[str] = frozenset()
_SYSTEM_WORDS = SYSTEM_VOCAB | FILLER
_SHORT_WORDS = SHORTENER_VOCAB | FILLER | frozenset({"promo", "in", "it"})
# Cheap necessary conditions checked before segmenting a name (one C-level regex search each).
_SYSTEM_STRONG_RE = re.compile("|".join(sorted(SYSTEM_STRONG, key=len, reverse=True)))
_SHORTENER_RE = re.compile(
    "|".join(sorted((w for w in SHORTENER_VOCAB if len(w) >= 3), key=len, reverse=True))
)


def _affix_segments(s: str) -> tuple[str, ...] | None:
    """``segments(s, AFFIXES)`` without segmenting the common shapes: one word (``login``)
    or one word and a digit run (``login12``). Both are the only covering with that few
    pieces: the words have letters only, so none spans a letter and a digit."""
    if s in AFFIXES:
        return (s,)
    letters = s.rstrip(_DIGITS)
    if letters != s and letters in AFFIXES:
        return (letters, s[len(letters) :])
    return segments(s, AFFIXES)


def affix_words(rest: str, *, careful: bool = False) -> tuple[str, ...] | None:
    """``rest`` as attacker vocabulary (at most one two-letter word), else None."""
    if not rest:
        return ()
    words = segments_reference(rest, AFFIXES) if careful else _affix_segments(rest)
    if words is None or sum(1 for w in words if len(w) <= 2 and not w.isdigit()) > 1:
        return None
    return words


def _digits_meet(s: str, i: int) -> bool:
    """Whether a digit run of ``s`` crosses position ``i`` (digits on both sides)."""
    return 0 < i < len(s) and s[i - 1].isdigit() and s[i].isdigit()


def _vocabulary_around(index: LookalikeIndex, plain: str, start: int, end: int, key: str) -> bool:
    """Whether the text before the brand and the text after it (or after its last letter:
    vodafon(e)gypt) are made entirely of attacker vocabulary and digit runs."""
    pre, post = plain[:start], plain[end + 1 :]
    if index.careful or (
        not plain.isalpha()
        and (_digits_meet(plain, start) or _digits_meet(plain, end + 1) or _digits_meet(plain, end))
    ):
        # Cut positions over the whole name (the reference): a digit run crossing a cut makes
        # the parts differ from slices of the name.
        left, right = reachable(plain, AFFIXES)
        return start in left and (end + 1 in right or end in right)
    if pre and _affix_segments(pre) is None:
        return False
    return not post or (
        _affix_segments(post) is not None or _affix_segments(key[-1] + post) is not None
    )


def combos(index: LookalikeIndex, dom: str, plain: str, items: Items) -> None:
    """Combosquats: a brand plus attacker vocabulary (brand-login, secure-brand, brandegypt)."""
    if "-" in dom:
        _hyphen_combos(index, dom, plain, items)
    keys = {k for _code, k in items} if items else _NO_KEYS
    if plain in keys:
        return
    if not index.careful:
        _embedded_combos_fast(index, dom, plain, items, keys)
        return
    for end, key in index.automaton.iter(plain):
        if key == plain or key in keys:
            continue
        start = end - len(key) + 1
        if not _vocabulary_around(index, plain, start, end, key):
            continue  # not brand + attacker vocabulary only
        pre, post = plain[:start], plain[end + 1 :]
        pre_w = affix_words(pre, careful=True) or ()
        post_w = affix_words(post, careful=True)
        if post_w is None and post:
            post_w = affix_words(key[-1] + post, careful=True)  # vodafon(e)gypt shares a letter
        if _combo_words_ok(index, key, (*pre_w, *(post_w or ()))):
            _add_combo(index, items, dom, key, pre, post)
            keys = {*keys, key}


def _hyphen_combos(index: LookalikeIndex, dom: str, plain: str, items: Items) -> None:
    """A hyphen token that is a brand (or a typo of one) and the others attacker vocabulary."""
    tokens = dom.split("-")
    careful = index.careful
    # Tokens that are not attacker vocabulary: a token combines with the others only if it
    # is the one such token (or there is none).
    odd = {o for o in tokens if not (o in AFFIXES or o.isdigit() or len(o) <= 2)}
    for t in tokens if careful or len(odd) <= 1 else ():
        if not careful and odd and t not in odd:
            continue
        others = [o for o in tokens if o != t]
        if careful and not all(o in AFFIXES or o.isdigit() or len(o) <= 2 for o in others):
            continue  # the reference: every other token is attacker vocabulary
        if t in index.primary and t != plain:
            index.add(
                items,
                "lookalike.combosquat",
                t,
                f"{dom} combines brand {t} with {'-'.join(others)}",
            )
        elif len(t) >= 5:
            typo = index.typo(t)
            if typo is not None:
                index.add(
                    items,
                    "lookalike.combosquat",
                    typo[0],
                    f"{dom} combines {t} ({typo[0]} with {EDIT_WORDS[typo[1]]}) "
                    f"with {'-'.join(others)}",
                )


def _combo_words_ok(index: LookalikeIndex, key: str, words: tuple[str, ...]) -> bool:
    """The guards on the words around a brand: a common-word brand needs a strong word, a
    brand of three letters or less a word of three letters or more."""
    if index.generic(key) and not any(w in STRONG_AFFIXES for w in words):
        return False
    return len(key) > 3 or any(len(w) >= 3 for w in words)


def _add_combo(
    index: LookalikeIndex, items: Items, dom: str, key: str, pre: str, post: str
) -> None:
    plus = f"{pre}+{post}" if pre and post else pre or post
    index.add(items, "lookalike.combosquat", key, f"{dom} is brand {key} plus {plus}")


def _two_letter_ok(words: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """:func:`affix_words`' rule on a segmentation: at most one two-letter word."""
    if words is None or sum(1 for w in words if len(w) <= 2 and not w.isdigit()) > 1:
        return None
    return words


def _embedded_combos_fast(
    index: LookalikeIndex, dom: str, plain: str, items: Items, keys: frozenset[str] | set[str]
) -> None:
    """The brands inside ``plain`` (the reference loop of :func:`combos`), with a cheap
    necessary condition first and every segmentation done once (the reference runs
    :func:`_vocabulary_around`, then :func:`affix_words`).

    The condition: vocabulary and digit runs start with a digit or a word's first two letters
    and end with a digit or a word's last two letters (every word has two letters or more),
    so the text before the brand and the text after it (which may begin with the brand's
    last letter, vodafon(e)gypt) must. Cut positions over the whole name (the reference,
    and the path taken when a digit run crosses a cut) obey it as well."""
    n = len(plain)
    alpha = plain.isalpha()
    head2, tail2 = _AFFIX_HEAD2, _AFFIX_TAIL2
    for end, key in index.automaton.iter(plain):
        if key == plain or key in keys:
            continue
        stop = end + 1
        start = stop - len(key)
        if start and not (
            (plain[0].isdigit() or (start >= 2 and plain[:2] in head2))
            and (plain[start - 1].isdigit() or (start >= 2 and plain[start - 2 : start] in tail2))
        ):
            continue
        if stop < n and not (
            (plain[-1].isdigit() or plain[-2:] in tail2)
            and (
                plain[stop].isdigit()
                or plain[stop : stop + 2] in head2
                or plain[end].isdigit()
                or plain[end : end + 2] in head2
            )
        ):
            continue
        pre, post = plain[:start], plain[stop:]
        if not alpha and (
            _digits_meet(plain, start) or _digits_meet(plain, stop) or _digits_meet(plain, end)
        ):
            if not _vocabulary_around(index, plain, start, end, key):
                continue
            pre_w = affix_words(pre) or ()
            post_w = affix_words(post)
            if post_w is None and post:
                post_w = affix_words(key[-1] + post)
        else:
            seg_pre = _affix_segments(pre) if pre else ()
            if seg_pre is None:
                continue
            post_w = ()
            if post:
                seg_post = _affix_segments(post)
                seg_alt = _affix_segments(key[-1] + post) if seg_post is None else None
                if seg_post is None and seg_alt is None:
                    continue
                post_w = _two_letter_ok(seg_post)
                if post_w is None:
                    if seg_alt is None:
                        seg_alt = _affix_segments(key[-1] + post)
                    post_w = _two_letter_ok(seg_alt)
            pre_w = _two_letter_ok(seg_pre) or ()
        if _combo_words_ok(index, key, (*pre_w, *(post_w or ()))):
            _add_combo(index, items, dom, key, pre, post)
            keys = {*keys, key}


def vocabulary(plain: str, *, careful: bool = False) -> Reason | None:
    """Names made only of system-endpoint or shortener vocabulary (no brand involved)."""
    seg = segments_reference if careful else segments
    words = seg(plain, _SYSTEM_WORDS) if careful or _SYSTEM_STRONG_RE.search(plain) else None
    if (
        words is not None
        and sum(1 for w in words if w in SYSTEM_VOCAB) >= 2
        and any(w in SYSTEM_STRONG for w in words)
    ):
        return Reason(
            "lookalike.system_service",
            f"{plain} is made of system-service words ({'+'.join(words)}), like the update, "
            "time-sync and connectivity-check hosts of operating systems",
        )
    words = seg(plain, _SHORT_WORDS) if careful or _SHORTENER_RE.search(plain) else None
    if (
        words is not None
        and len(words) >= 2
        and any(w in SHORTENER_VOCAB and len(w) >= 3 for w in words)
    ):
        return Reason(
            "lookalike.shortener_like",
            f"{plain} is made of link-shortener words ({'+'.join(words)})",
        )
    return None


def weak_signals(index: LookalikeIndex, dom: str, plain: str, suf: str) -> tuple[Reason, ...]:
    """Reasons used only when nothing about a brand matched the host."""
    r = vocabulary(plain, careful=index.careful)
    if r is not None:
        return (r,)
    if not is_abused_tld(suf):
        return ()
    t = index.typo(plain, relaxed=True)
    if t is not None:
        key, edit = t
        items: Items = {}
        index.add(
            items,
            f"lookalike.{edit}",
            key,
            f"{dom} is {key} with {EDIT_WORDS[edit]}, on the heavily abused .{suf} TLD",
        )
        return tuple(items.values())
    r = cheap_tld_signals(plain, suf, careful=index.careful)
    return (r,) if r is not None else ()
