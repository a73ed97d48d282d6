"""Edit-distance machinery for typo-squats: deletion neighbourhoods and edit classification.

The symmetric-delete idea: two strings within edit distance *d* share a string obtained by at most
*d* deletions from each. Deletion variants of every brand key are precomputed once, so a lookup
costs a handful of dict probes instead of one comparison per brand.
"""

from __future__ import annotations

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


def max_distance(key: str) -> int:
    """How many edits a typo of ``key`` may have: none for short keys (false positives)."""
    n = len(key)
    if n < 5:
        return 0
    return 1 if n < 9 else 2


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
