"""Edit-distance machinery for typo-squats: deletion neighbourhoods and edit classification.

The symmetric-delete idea: two strings within edit distance *d* share a string obtained by at most
*d* deletions from each. Deletion variants of every brand key are precomputed once, so a lookup
costs a handful of dict probes instead of one comparison per brand.
"""

from __future__ import annotations

from collections.abc import Collection

from rapidfuzz import process
from rapidfuzz.distance import OSA

VOWELS = frozenset("aeiouy")
_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")
KEYBOARD: dict[str, frozenset[str]] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _ch in enumerate(_row):
        near = set()
        for dr in (-1, 0, 1):
            rr = _r + dr
            if 0 <= rr < len(_ROWS):
                for dc in (-1, 0, 1):
                    cc = _c + dc
                    if 0 <= cc < len(_ROWS[rr]) and (dr, dc) != (0, 0):
                        near.add(_ROWS[rr][cc])
        KEYBOARD[_ch] = frozenset(near)

# ASCII look-alikes folded before comparison (both sides): 0/o, 1/l/i, rn/m, vv/w, 3/e, 5/s.
_ASCII_FOLD_MULTI = (("rn", "m"), ("vv", "w"))
_ASCII_FOLD = str.maketrans({"0": "o", "1": "l", "i": "l", "3": "e", "5": "s"})


def ascii_fold(s: str) -> str:
    for a, b in _ASCII_FOLD_MULTI:
        if a in s:
            s = s.replace(a, b)
    return s.translate(_ASCII_FOLD)


def deletes1(s: str) -> set[str]:
    """Every string one deletion away from ``s``."""
    return {s[:i] + s[i + 1 :] for i in range(len(s))}


def deletes(s: str, depth: int) -> set[str]:
    """Every string obtained from ``s`` by 1..depth single-character deletions."""
    out: set[str] = set()
    frontier = {s}
    for _ in range(depth):
        nxt = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1 :])
        out |= nxt
        frontier = nxt
    return out


def distance(a: str, b: str, cutoff: int) -> int:
    """Optimal-string-alignment distance (transposition counts as one edit)."""
    return int(OSA.distance(a, b, score_cutoff=cutoff))


def classify_edit(candidate: str, key: str) -> str:
    """Name the single edit turning ``key`` into ``candidate`` (or ``double_edit``)."""
    lc, lk = len(candidate), len(key)
    if lc == lk - 1:
        return "omission"
    if lc == lk + 1:
        for i in range(lc):
            if candidate[:i] + candidate[i + 1 :] == key:
                ch = candidate[i]
                if (i > 0 and candidate[i - 1] == ch) or (i + 1 < lc and candidate[i + 1] == ch):
                    return "repetition"
                return "insertion"
        return "double_edit"
    if lc == lk:
        diff = [i for i in range(lc) if candidate[i] != key[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            i = diff[0]
            if candidate[i] == key[i + 1] and candidate[i + 1] == key[i]:
                return "transposition"
        if len(diff) == 1:
            a, b = key[diff[0]], candidate[diff[0]]
            if a in VOWELS and b in VOWELS:
                return "vowel_swap"
            x = ord(a) ^ ord(b)
            if x and (x & (x - 1)) == 0:
                return "bitsquat"
            if b in KEYBOARD.get(a, frozenset()):
                return "keyboard_substitution"
            return "substitution"
    return "double_edit"


class TypoIndex:
    """Finds the brand key a string is a typo of, without looking at every key.

    One edit: a deletion-neighbourhood map (every key and its one-deletion variants), probed
    with the string and its own one-deletion variants: a symmetric-delete lookup. Two edits:
    keys are bucketed by first letter and length, and one C-level rapidfuzz call scores the few
    keys of the right bucket.

    Normal mode: keys of six letters or more (five for link shorteners) may be one edit away, of
    ten or more two edits; the first letter must match. ``relaxed`` mode (only used together
    with another weak signal) admits five-letter keys with an edit anywhere and two edits from
    seven letters on.
    """

    def __init__(
        self, keys: Collection[str], shortener_keys: Collection[str], generic: Collection[str]
    ) -> None:
        self.shortener_keys = frozenset(shortener_keys)
        self.one: dict[str, list[str]] = {}
        self.one_relaxed: dict[str, list[str]] = {}
        two: dict[tuple[str, int], list[str]] = {}
        two_relaxed: dict[tuple[str, int], list[str]] = {}
        for k in keys:
            n = len(k)
            if n >= 6 or (n == 5 and k in self.shortener_keys):
                for v in deletes1(k) | {k}:
                    self.one.setdefault(v, []).append(k)
            if n >= 5 and k not in generic:
                for v in deletes1(k) | {k}:
                    self.one_relaxed.setdefault(v, []).append(k)
            for length in range(n - 2, n + 3):
                if n >= 10:
                    two.setdefault((k[0], length), []).append(k)
                if n >= 7 and k not in generic:
                    two_relaxed.setdefault((k[0], length), []).append(k)
        self._last: tuple[str, set[str]] = ("", set())  # the last name's deletion variants
        self._one_keys = self.one.keys()
        self._one_keys_relaxed = self.one_relaxed.keys()
        self.two = {b: tuple(ks) for b, ks in two.items()}
        self.two_relaxed = {b: tuple(ks) for b, ks in two_relaxed.items()}

    def find(self, s: str, *, relaxed: bool = False) -> tuple[str, str] | None:
        """``(key, edit)`` for the closest key ``s`` is a typo of, else None."""
        table = self.one_relaxed if relaxed else self.one
        keys = self._one_keys_relaxed if relaxed else self._one_keys
        last = self._last
        if last[0] == s:  # the relaxed check follows the normal one for the same name
            probes = last[1]
        else:
            probes = {s[:i] + s[i + 1 :] for i in range(len(s))}
            probes.add(s)
            self._last = (s, probes)
        for p in probes & keys:  # one C-level intersection instead of a probe per variant
            for k in table[p]:
                if k == s or abs(len(k) - len(s)) > 1:
                    continue
                if not relaxed and k[0] != s[0] and k not in self.shortener_keys:
                    continue
                if len(s) == len(k) + 1 and s[-1] == "s" and s[:-1] == k:
                    continue  # a plural (livescores) is a name of its own
                if distance(s, k, 1) <= 1:
                    return k, classify_edit(s, k)
        if len(s) < (5 if relaxed else 8):
            return None
        bucket = (self.two_relaxed if relaxed else self.two).get((s[0], len(s)))
        if not bucket:
            return None
        hit = process.extractOne(s, bucket, scorer=OSA.distance, score_cutoff=2)
        if hit is None or hit[0] == s:
            return None
        return str(hit[0]), "double_edit"
