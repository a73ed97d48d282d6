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


_Probe = tuple[int, int | None, dict[str, tuple[str, ...]]]


class _HalfIndex:
    """Keys one edit away from a string, found by halves instead of deletion variants.

    When ``s`` is one edit (substitution, insertion, deletion, adjacent transposition) from a
    key of length ``L``, the edit lies either at or after position ``L // 2`` of the key, so
    ``s`` starts with the key's first ``L // 2`` letters, or before it, so ``s`` ends with the
    key's last ``L - L // 2 - 1`` letters. Keys are filed under both; a lookup slices ``s``
    four times (key lengths ``len(s) - 1`` to ``len(s) + 1`` share head and tail lengths two by
    two) and probes four dicts.
    """

    def __init__(self, keys: Collection[str]) -> None:
        longest = max((len(k) for k in keys), default=0) + 2
        heads: list[dict[str, tuple[str, ...]]] = [{} for _ in range(longest)]
        tails: list[dict[str, tuple[str, ...]]] = [{} for _ in range(longest)]
        for k in keys:  # in rank order: each tuple stays in rank order
            n = len(k)
            h, t = n // 2, n - n // 2 - 1
            heads[n][k[:h]] = (*heads[n].get(k[:h], ()), k)
            tails[n][k[-t:]] = (*tails[n].get(k[-t:], ()), k)
        # For each length n of a looked-up string, the probes to make: (start, stop, table)
        # means table.get(s[start:stop]). Key lengths n-1 .. n+1 whose heads (or tails) have
        # the same length share one merged table, so there are four probes, not six.
        rank = {k: i for i, k in enumerate(keys)}
        self.plan: list[tuple[_Probe, ...]] = []
        for n in range(longest + 1):
            by_head: dict[int, dict[str, tuple[str, ...]]] = {}
            by_tail: dict[int, dict[str, tuple[str, ...]]] = {}
            for length in range(max(n - 1, 1), min(n + 2, longest)):
                h, t = length // 2, length - length // 2 - 1
                if not heads[length] or not t:
                    continue
                for size, merged, table in ((h, by_head, heads), (t, by_tail, tails)):
                    into = merged.setdefault(size, {})
                    for piece, group in table[length].items():
                        both = (*into.get(piece, ()), *group)
                        into[piece] = tuple(sorted(both, key=rank.__getitem__))
            steps: list[_Probe] = [(0, h, table) for h, table in by_head.items()]
            steps += [(-t, None, table) for t, table in by_tail.items()]
            self.plan.append(tuple(steps))

    def candidates(self, s: str) -> list[tuple[str, ...]]:
        """Groups of keys that include every key within one edit of ``s``."""
        plan = self.plan
        if len(s) >= len(plan):
            return []
        return [g for a, b, table in plan[len(s)] if (g := table.get(s[a:b])) is not None]


class _PieceIndex:
    """Keys within two edits of a string, found by three pieces of the key instead of a scan.

    A key of length ``L`` has a *head* ``k[:a]``, a *middle* ``k[a + 1 : 2a + 1]`` and a *tail*
    (its last ``c = min(L - 2a - 2, 4)`` letters; ``a`` is 3, or 2 for keys of seven or eight
    letters), each separated from the next by at least one
    letter. An edit touches at most one piece: a substitution or deletion one letter, an
    insertion one gap between letters, an adjacent transposition two neighbouring letters, which
    the separating letters keep inside one piece. Within two edits of the key, ``s`` therefore
    has one piece intact, where the key has it shifted by the insertions and deletions before
    it, and one of these three probes finds it:

    - the head at offset 0, unless an edit breaks it or an insertion comes before it;
    - else the middle, shifted by -1..1: the edit before the head or in it moves it by one at
      most, and when the second edit also comes before the middle, the tail is intact and
      has nothing after it (both edits come before it);
    - else (the middle broken as well) the tail, flush with the end of ``s``: neither edit
      comes after it.

    Keys are filed by pieces in one table per piece kind and size, merged over the
    key lengths ``n - 2 .. n + 2`` a string of length ``n`` is compared with, and by first
    letter (both modes require it). A lookup is five to seven slices and dict probes (up to
    eleven when keys of seven or eight letters are in reach); only the few keys found are
    scored.
    """

    def __init__(self, keys: Collection[str]) -> None:
        if any(len(k) < 7 for k in keys):
            raise ValueError("two-edit keys need seven letters or more")
        longest = max((len(k) for k in keys), default=0) + 3
        # plan[n][first letter] = ((start, stop, table), ...): table.get(s[start:stop]).
        self.plan: list[dict[str, tuple[_Probe2, ...]]] = []
        for n in range(longest):
            by_letter: dict[str, list[_Probe2]] = {}
            tables: dict[tuple[str, str, int], dict[str, tuple[str, ...]]] = {}
            for k in keys:  # in rank order: each tuple stays in rank order
                if abs(len(k) - n) > 2:
                    continue
                a = self.head_size(len(k))
                c = min(len(k) - 2 * a - 2, 4)
                for kind, size, piece in (
                    ("head", a, k[:a]),
                    ("middle", a, k[a + 1 : 2 * a + 1]),
                    ("tail", c, k[-c:]),
                ):
                    table = tables.get((k[0], kind, size))
                    if table is None:
                        table = tables[(k[0], kind, size)] = {}
                        probes = by_letter.setdefault(k[0], [])
                        if kind == "head":
                            probes.append((0, a, table))
                        elif kind == "middle":
                            probes += [(a + 1 + d, 2 * a + 1 + d, table) for d in (-1, 0, 1)]
                        elif n >= c:
                            probes.append((n - c, n, table))
                    table[piece] = (*table.get(piece, ()), k)
            self.plan.append({first: tuple(p) for first, p in by_letter.items()})
        self.rank = {k: i for i, k in enumerate(keys)}

    @staticmethod
    def head_size(length: int) -> int:
        """Letters in the head and in the middle piece of a key of ``length`` letters."""
        return min(3, (length - 3) // 2)

    def find(self, s: str) -> str | None:
        """The key at the smallest OSA distance (at most 2) from ``s``, ties to the first
        listed; None when there is none or the closest key is ``s`` itself."""
        plan = self.plan
        if len(s) >= len(plan):
            return None
        probes = plan[len(s)].get(s[0])
        if probes is None:
            return None
        best: str | None = None
        best_d = 3
        rank = self.rank
        osa = OSA.distance
        for start, stop, table in probes:
            group = table.get(s[start:stop])
            if group is not None:
                for k in group:
                    if k is best:
                        continue
                    d = osa(s, k, score_cutoff=2)
                    if d < best_d or (d == best_d and best is not None and rank[k] < rank[best]):
                        if d == 0:
                            return None
                        best, best_d = k, d
        return best


_Probe2 = tuple[int, int, dict[str, tuple[str, ...]]]


class TypoIndex:
    """Finds the brand key a string is a typo of, without looking at every key.

    One edit: keys are filed by their first and by their last half (:class:`_HalfIndex`), so
    a lookup is four slices and four dict probes, and only the few keys found are scored. Two
    edits: keys are filed by three pieces (:class:`_PieceIndex`), five to seven probes.

    Normal mode: keys of six letters or more (five for link shorteners) may be one edit away, of
    ten or more two edits; the first letter must match. ``relaxed`` mode (only used together
    with another weak signal) admits five-letter keys with an edit anywhere and two edits from
    seven letters on.

    When several keys qualify, the one listed first (``keys`` order: the brand list's order)
    wins, so a verdict never depends on hash order. :meth:`find_reference` is the same rule
    written as a plain scan over every key; tests compare the two.
    """

    def __init__(
        self, keys: Collection[str], shortener_keys: Collection[str], generic: Collection[str]
    ) -> None:
        self.keys = tuple(dict.fromkeys(keys))  # ordered: the rank decides ties
        self.rank = {k: i for i, k in enumerate(self.keys)}
        self.shortener_keys = frozenset(shortener_keys)
        self.generic = frozenset(generic)
        self.one = _HalfIndex([k for k in self.keys if self._one_ok(k, relaxed=False)])
        self.one_relaxed = _HalfIndex([k for k in self.keys if self._one_ok(k, relaxed=True)])
        # Two edits: keys filed by pieces, per string length and first letter, in rank order.
        self.two = _PieceIndex([k for k in self.keys if self._two_ok(k, relaxed=False)])
        self.two_relaxed = _PieceIndex([k for k in self.keys if self._two_ok(k, relaxed=True)])

    def _one_ok(self, k: str, *, relaxed: bool) -> bool:
        n = len(k)
        if relaxed:
            return n >= 5 and k not in self.generic
        return n >= 6 or (n == 5 and k in self.shortener_keys)

    def _two_ok(self, k: str, *, relaxed: bool) -> bool:
        return len(k) >= 7 and k not in self.generic if relaxed else len(k) >= 10

    def _one_edit_ok(self, s: str, k: str, *, relaxed: bool) -> bool:
        """The guards on a key one edit from ``s`` (other than the distance itself)."""
        if k == s:
            return False
        if not relaxed and k[0] != s[0] and k not in self.shortener_keys:
            return False
        return not (len(s) == len(k) + 1 and s[-1] == "s" and s[:-1] == k)  # plural

    def find(self, s: str, *, relaxed: bool = False) -> tuple[str, str] | None:
        """``(key, edit)`` for the closest key ``s`` is a typo of, else None."""
        plan = (self.one_relaxed if relaxed else self.one).plan
        best: str | None = None
        if len(s) < len(plan):
            rank = self.rank
            osa = OSA.distance
            for a, b, table in plan[len(s)]:  # candidates(s), inlined
                group = table.get(s[a:b])
                if group is not None:
                    for k in group:  # in rank order
                        if best is not None and rank[k] >= rank[best]:
                            break
                        if osa(s, k, score_cutoff=1) <= 1 and self._one_edit_ok(
                            s, k, relaxed=relaxed
                        ):
                            best = k
                            break
        if best is not None:
            return best, classify_edit(s, best)
        if len(s) < (5 if relaxed else 8):
            return None
        key = (self.two_relaxed if relaxed else self.two).find(s)
        return None if key is None else (key, "double_edit")

    def find_reference(self, s: str, *, relaxed: bool = False) -> tuple[str, str] | None:
        """:meth:`find` as a plain scan of every key in rank order (the careful reference)."""
        near = process.extract(s, self.keys, scorer=OSA.distance, score_cutoff=2, limit=None)
        ones = [
            i
            for k, dist, i in near
            if dist <= 1
            and self._one_ok(k, relaxed=relaxed)
            and self._one_edit_ok(s, k, relaxed=relaxed)
        ]
        if ones:
            best = self.keys[min(ones)]
            return best, classify_edit(s, best)
        if len(s) < (5 if relaxed else 8):
            return None
        twos = [
            (int(dist), i)
            for k, dist, i in near
            if self._two_ok(k, relaxed=relaxed) and k[0] == s[0] and abs(len(k) - len(s)) <= 2
        ]
        if not twos:
            return None
        key = self.keys[min(twos)[1]]
        return None if key == s else (key, "double_edit")
