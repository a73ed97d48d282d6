"""Lookalike-domain detection against the protected-brand list.

All per-brand work happens once, in :class:`LookalikeIndex`: an owned-domain map (allow-list),
an exact key map, a deletion-neighbourhood map for typos, an Aho-Corasick automaton for brands
embedded in longer names, and skeleton folding for homoglyphs. Checking a host is then a few
dozen dict probes and one automaton pass, independent of the number of brands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick

from counterspy.infra.brands import Brand
from counterspy.infra.risk import cheap_tld_signals, is_abused_tld
from counterspy.infra.scripts import mixed_script, skeleton
from counterspy.infra.typos import ascii_fold, classify_edit, deletes, distance
from counterspy.infra.vocab import (
    AFFIXES,
    CC_IMITATION_SUFFIXES,
    COMMON_WORDS,
    FILLER,
    GENERIC_CCTLDS,
    SHORTENER_VOCAB,
    STRONG_AFFIXES,
    SYSTEM_STRONG,
    SYSTEM_VOCAB,
    segments,
)
from counterspy.intel.normalize import split_host, to_unicode_host
from counterspy.model.verdict import Reason

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
MIN_KEY = 3  # keys shorter than this never match (two-letter names collide with everything)
_AFFIX_WORDS = AFFIXES
_SYSTEM_WORDS = SYSTEM_VOCAB | FILLER
_SHORT_WORDS = SHORTENER_VOCAB | FILLER | frozenset({"promo", "in", "it"})


def _is_cc_suffix(suffix: str) -> bool:
    """``de``, ``co.uk``, ``com.br``: suffixes under a country code used as one (not ``.me``)."""
    last = suffix.rsplit(".", 1)[-1]
    if len(last) != 2 or not last.isalpha():
        return False
    return "." in suffix or last not in GENERIC_CCTLDS


def _join(dom: str, suf: str) -> str:
    return f"{dom}.{suf}" if suf else dom


def _affix_words(rest: str) -> tuple[str, ...] | None:
    """``rest`` as attacker vocabulary (at most one two-letter word), else None."""
    if not rest:
        return ()
    words = segments(rest, _AFFIX_WORDS)
    if words is None or sum(1 for w in words if len(w) <= 2 and not w.isdigit()) > 1:
        return None
    return words


@dataclass(frozen=True)
class HostCheck:
    """Outcome for one host: a brand's own domain, a URL shortener, or lookalike reasons."""

    owned_by: Brand | None
    shortener: Brand | None
    reasons: tuple[Reason, ...]


NO_MATCH = HostCheck(None, None, ())


class _Findings:
    def __init__(self, index: LookalikeIndex) -> None:
        self.index = index
        self.items: dict[tuple[str, str], Reason] = {}

    def add(self, code: str, key: str, detail: str) -> None:
        brands = self.index.by_key.get(key)
        name = brands[0].name if brands else None
        self.items.setdefault((code, key), Reason(code, detail, brand=name))

    def has_key(self, key: str) -> bool:
        return any(k == key for _c, k in self.items)


class LookalikeIndex:
    """Per-brand indexes built once; :meth:`check` is independent of the number of brands."""

    def __init__(self, brands: Sequence[Brand]) -> None:
        self.brands = tuple(brands)
        self.owned: dict[str, Brand] = {}
        self.by_key: dict[str, list[Brand]] = {}
        self.primary: set[str] = set()
        self.generic_names: set[str] = set()
        self.shortener_keys: set[str] = set()
        self.neighbours: dict[str, list[str]] = {}
        self.relaxed: dict[str, list[str]] = {}
        self.folded: dict[str, str] = {}
        self.automaton = ahocorasick.Automaton()
        for b in self.brands:
            for d in b.domains:
                self.owned.setdefault(d, b)
            for k in b.keys:
                if len(k) >= MIN_KEY:
                    self.by_key.setdefault(k, []).append(b)
            if "generic" in b.flags:
                self.generic_names.add(b.primary_keys[0])
            for k in b.primary_keys:
                if len(k) >= MIN_KEY:
                    self.primary.add(k)
                    if "shortener" in b.flags:
                        self.shortener_keys.add(k)
        for k in self.primary:
            if len(k) >= 4:
                self.folded.setdefault(ascii_fold(k), k)
            depth = self.max_distance(k)
            if depth:
                for v in deletes(k, depth) | {k}:
                    self.neighbours.setdefault(v, []).append(k)
            depth = self.max_distance(k, relaxed=True)
            if depth and not self.generic(k):
                for v in deletes(k, depth) | {k}:
                    self.relaxed.setdefault(v, []).append(k)
            self.automaton.add_word(k, k)
        if self.primary:
            self.automaton.make_automaton()

    # -- helpers -------------------------------------------------------------------------
    def max_distance(self, key: str, *, relaxed: bool = False) -> int:
        """Edits a typo of ``key`` may have: none for short keys (false positives)."""
        n = len(key)
        if relaxed:
            return 2 if n >= 7 else (1 if n >= 5 else 0)
        if n >= 10:
            return 2
        if n >= 6 or (n == 5 and key in self.shortener_keys):
            return 1
        return 0

    def generic(self, key: str) -> bool:
        return key in COMMON_WORDS or key in self.generic_names

    def owner(self, host: str) -> Brand | None:
        """The brand owning ``host`` or one of its parent domains."""
        h = host
        while True:
            b = self.owned.get(h)
            if b is not None:
                return b
            i = h.find(".")
            if i == -1:
                return None
            h = h[i + 1 :]

    def typo(self, s: str, *, relaxed: bool = False) -> tuple[str, str] | None:
        """``(key, edit)`` when ``s`` is a typo of a primary brand key.

        The first letter must match: readers anchor on it, and legitimate names one edit from a
        brand usually differ there (``xozilla``, ``feng``/``ifeng``). ``relaxed`` (used only
        together with another weak signal) also admits five-letter keys, edits anywhere and two
        edits from seven letters on.
        """
        if len(s) < 4 or s in COMMON_WORDS:
            return None
        probes = {s} | deletes(s, 2 if len(s) >= 9 else 1)
        best: tuple[int, str] | None = None
        for p in probes:
            for k in self.neighbours.get(p, ()) if not relaxed else self.relaxed.get(p, ()):
                if k == s or (k[0] != s[0] and k not in self.shortener_keys and not relaxed):
                    continue
                if len(s) == len(k) + 1 and s[-1] == "s" and s[:-1] == k:
                    continue  # plural: livescores / livescore
                md = self.max_distance(k, relaxed=relaxed)
                if abs(len(k) - len(s)) > md:
                    continue
                d = distance(s, k, md)
                if d <= md and (best is None or d < best[0]):
                    best = (d, k)
        if best is None:
            return None
        key = best[1]
        return key, classify_edit(s, key) if best[0] == 1 else "double_edit"

    # -- the check -----------------------------------------------------------------------
    def check(self, host: str) -> HostCheck:
        """Judge one ASCII host (already known not to be on an indicator list)."""
        owner = self.owner(host)
        if owner is not None:
            if "shortener" in owner.flags:
                return HostCheck(None, owner, ())
            return HostCheck(owner, None, ())
        sub, dom, suf = split_host(host)
        if not dom:
            return NO_MATCH
        f = _Findings(self)
        self._scripts(sub, dom, f)
        plain = dom.replace("-", "")
        if self._name(dom, plain, suf, f):
            return HostCheck(self.by_key[dom][0], None, ())
        self._split(sub, plain, suf, f)
        self._combos(dom, plain, f)
        if sub:
            for lab in sub.split("."):
                if len(lab) >= 4 and lab in self.primary and not self.generic(lab):
                    f.add(
                        "lookalike.subdomain_brand",
                        lab,
                        f"brand {lab} appears as a subdomain of unrelated {_join(dom, suf)}",
                    )
        if not f.items:
            self._vocabulary(plain, f)
        if not f.items and is_abused_tld(suf):
            t = self.typo(plain, relaxed=True)
            if t is not None:
                key, edit = t
                f.add(
                    f"lookalike.{edit}",
                    key,
                    f"{dom} is {key} with {EDIT_WORDS[edit]}, on the heavily abused .{suf} TLD",
                )
        if not f.items:
            r = cheap_tld_signals(plain, suf)
            if r is not None:
                f.items[(r.code, plain)] = r
        if not f.items:
            return NO_MATCH
        return HostCheck(None, None, tuple(f.items.values())[:6])

    def _scripts(self, sub: str, dom: str, f: _Findings) -> None:
        labels = (*sub.split("."), dom) if sub else (dom,)
        for lab in labels:
            if not lab.startswith("xn--"):
                continue
            lab_u = to_unicode_host(lab)
            scripts = mixed_script(lab_u)
            if scripts:
                f.items.setdefault(
                    ("lookalike.mixed_script", lab),
                    Reason(
                        "lookalike.mixed_script",
                        f"label {lab_u!r} mixes scripts {', '.join(scripts)}",
                    ),
                )
            skel = skeleton(lab_u)
            self._match(skel, "lookalike.homoglyph", f"{lab_u} looks like", f)

    def _name(self, dom: str, plain: str, suf: str, f: _Findings) -> bool:
        """The registered name itself; True when it is a global brand's own ccTLD variant."""
        last = suf.rsplit(".", 1)[-1]
        if suf in CC_IMITATION_SUFFIXES:
            cc = suf.split(".", 1)[0]
            for cand in (f"{dom}.{cc}", f"{dom}.com.{cc}", f"{dom}.co.{cc}"):
                b = self.owned.get(cand)
                if b is not None:
                    f.add(
                        "lookalike.cctld_imitation",
                        b.primary_keys[0],
                        f"{dom}.{suf} reads as {cand}, a domain of {b.name}",
                    )
                    return False
        if dom in self.by_key and len(dom) >= MIN_KEY:
            brands = self.by_key[dom]
            on_cc = _is_cc_suffix(suf)
            if on_cc and any("global" in b.flags for b in brands):
                return True
            if suf in CC_IMITATION_SUFFIXES:
                f.add(
                    "lookalike.cctld_imitation",
                    dom,
                    f"{dom}.{suf} imitates a country domain of {brands[0].name}",
                )
            elif (
                not on_cc
                and not self.generic(dom)
                and (len(dom) > 3 or last not in {"com", "net", "org"})
            ):
                f.add(
                    "lookalike.tld_swap",
                    dom,
                    f"{_join(dom, suf)} uses the name of {brands[0].name} on a domain it "
                    "does not own",
                )
            return False
        if plain != dom and plain in self.by_key and not self.generic(plain):
            f.add("lookalike.hyphenation", plain, f"{dom} is {plain} with hyphens inserted")
            return False
        t = self.typo(plain)
        if t is not None:
            key, edit = t
            f.add(f"lookalike.{edit}", key, f"{dom} is {key} with {EDIT_WORDS[edit]}")
            return False
        folded = ascii_fold(plain)
        if folded != plain and folded in self.folded:
            key = self.folded[folded]
            f.add("lookalike.homoglyph", key, f"{dom} reads as {key} (look-alike characters)")
        return False

    def _split(self, sub: str, plain: str, suf: str, f: _Findings) -> None:
        """Labels joined across the dot: wha.tsapp.me → whatsapp, instagr.am-style hosts."""
        if sub:
            labels = sub.split(".")
            joins = [labels[-1] + plain]
            if len(labels) > 1:
                joins.append(labels[-2] + labels[-1] + plain)
            for j in joins:
                self._match(
                    j, "lookalike.split_host", f"{sub}.{plain} joined across the dot reads", f
                )
        elif "." not in suf and len(suf) <= 3 and plain + suf in self.by_key:
            j = plain + suf
            f.add("lookalike.split_host", j, f"{plain}.{suf} joined across the dot reads {j}")

    def _combos(self, dom: str, plain: str, f: _Findings) -> None:
        """Combosquats: a brand plus attacker vocabulary (brand-login, secure-brand, brandegypt)."""
        tokens = dom.split("-")
        if len(tokens) > 1:
            for t in tokens:
                others = [o for o in tokens if o != t]
                if not all(o in AFFIXES or o.isdigit() or len(o) <= 2 for o in others):
                    continue
                if t in self.primary and t != plain:
                    f.add(
                        "lookalike.combosquat",
                        t,
                        f"{dom} combines brand {t} with {'-'.join(others)}",
                    )
                elif len(t) >= 5:
                    typo = self.typo(t)
                    if typo is not None:
                        f.add(
                            "lookalike.combosquat",
                            typo[0],
                            f"{dom} combines {t} ({typo[0]} with {EDIT_WORDS[typo[1]]}) "
                            f"with {'-'.join(others)}",
                        )
        if any(k == plain for _c, k in f.items):
            return
        for end, key in self.automaton.iter(plain):
            if key == plain or f.has_key(key):
                continue
            start = end - len(key) + 1
            pre, post = plain[:start], plain[end + 1 :]
            pre_w = _affix_words(pre)
            post_w = _affix_words(post)
            if post_w is None and post:
                post_w = _affix_words(key[-1] + post)  # vodafon(e)gypt shares a letter
            if pre_w is None or post_w is None:
                continue
            words = (*pre_w, *post_w)
            if self.generic(key) and not any(w in STRONG_AFFIXES for w in words):
                continue
            if len(key) <= 3 and not any(len(w) >= 3 for w in words):
                continue
            f.add(
                "lookalike.combosquat",
                key,
                f"{dom} is brand {key} plus {'+'.join(x for x in (pre, post) if x)}",
            )

    def _vocabulary(self, plain: str, f: _Findings) -> None:
        """Names made only of system-endpoint or shortener vocabulary (no brand involved)."""
        words = segments(plain, _SYSTEM_WORDS)
        if (
            words is not None
            and sum(1 for w in words if w in SYSTEM_VOCAB) >= 2
            and any(w in SYSTEM_STRONG for w in words)
        ):
            f.items[("lookalike.system_service", plain)] = Reason(
                "lookalike.system_service",
                f"{plain} is made of system-service words ({'+'.join(words)}), like the update, "
                "time-sync and connectivity-check hosts of operating systems",
            )
            return
        words = segments(plain, _SHORT_WORDS)
        if (
            words is not None
            and len(words) >= 2
            and any(w in SHORTENER_VOCAB and len(w) >= 3 for w in words)
        ):
            f.items[("lookalike.shortener_like", plain)] = Reason(
                "lookalike.shortener_like",
                f"{plain} is made of link-shortener words ({'+'.join(words)})",
            )

    def _match(self, s: str, code: str, prefix: str, f: _Findings) -> None:
        if s in self.by_key:
            if not self.generic(s):
                f.add(code, s, f"{prefix} {s}")
            return
        t = self.typo(s)
        if t is not None:
            key, edit = t
            f.add(code, key, f"{prefix} {s}: {key} with {EDIT_WORDS[edit]}")
