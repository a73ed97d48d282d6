"""Lookalike-domain detection against the protected-brand list.

All per-brand work happens once, in :class:`LookalikeIndex`: an owned-domain map (allow-list),
an exact key map, a deletion-neighbourhood map for typos, an Aho-Corasick automaton for brands
embedded in longer names, and skeleton folding for homoglyphs. Checking a host is then a few
dozen dict probes and one automaton pass, independent of the number of brands.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import ahocorasick

from counterspy.infra.brands import Brand
from counterspy.infra.typos import ascii_fold, classify_edit, deletes, distance, max_distance
from counterspy.intel.normalize import split_host, to_unicode_host
from counterspy.model.verdict import Reason

# Words that turn a brand into a combosquat when glued to it (brand-login, secure-brand, ...).
AFFIXES = frozenset(
    """login logon signin signup secure security verify verification account accounts update
    updates support help service services online web app apps mobile official auth id pay
    payment wallet bank my get go www mail cloud news live tv shop store promo gift bonus
    egypt misr eg gr greece sa ksa uae ae qa kw ma dz tn lb jo iq ye sy ps uk us eu de fr
    es it tr ru ua in pk ng ke za br mx ar co global international int portal connect""".split()
)
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


@lru_cache(maxsize=1)
def _unicode_fold() -> dict[int, str]:
    """Non-ASCII character → ASCII look-alike, from the Unicode TR39 confusables table."""
    raw = (files("confusable_homoglyphs") / "confusables.json").read_text(encoding="utf-8")
    table: dict[str, list[dict[str, str]]] = json.loads(raw)
    out: dict[int, str] = {}
    for ch, homoglyphs in table.items():
        if len(ch) != 1 or ch.isascii():
            continue
        for h in homoglyphs:
            c = h["c"]
            if len(c) == 1 and c.isascii() and c.isalnum():
                out[ord(ch)] = c.lower()
                break
    return out


def skeleton(label: str) -> str:
    """A TR39-style skeleton: confusable characters folded to ASCII, then ASCII look-alikes."""
    s = unicodedata.normalize("NFKC", label).lower().translate(_unicode_fold())
    return ascii_fold(s.replace("-", ""))


def _script(ch: str) -> str:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "UNKNOWN"
    return name.split(" ", 1)[0]


def mixed_script(label: str) -> tuple[str, ...]:
    """Scripts of the letters in ``label`` when it mixes more than one, else ``()``."""
    scripts = {_script(ch) for ch in label if ch.isalpha()}
    return tuple(sorted(scripts)) if len(scripts) > 1 else ()


def _is_cc_suffix(suffix: str) -> bool:
    """``de``, ``co.uk``, ``com.br``: suffixes under a two-letter country code."""
    last = suffix.rsplit(".", 1)[-1]
    return len(last) == 2 and last.isalpha() and suffix.count(".") <= 1


def _join(dom: str, suf: str) -> str:
    return f"{dom}.{suf}" if suf else dom


@dataclass(frozen=True)
class HostCheck:
    """Outcome for one host: ``owned`` (a brand's own domain), ``shortener``, or lookalike reasons."""

    owned_by: Brand | None
    shortener: Brand | None
    reasons: tuple[Reason, ...]


NO_MATCH = HostCheck(None, None, ())


class LookalikeIndex:
    """Per-brand indexes built once; :meth:`check` is independent of the number of brands."""

    def __init__(self, brands: Sequence[Brand]) -> None:
        self.brands = tuple(brands)
        self.owned: dict[str, Brand] = {}
        self.by_key: dict[str, list[Brand]] = {}
        self.neighbours: dict[str, list[str]] = {}
        self.folded: dict[str, str] = {}
        self.automaton = ahocorasick.Automaton()
        for b in self.brands:
            for d in b.domains:
                self.owned.setdefault(d, b)
            for k in b.keys:
                if len(k) < MIN_KEY:
                    continue
                self.by_key.setdefault(k, []).append(b)
        for k in self.by_key:
            self.folded.setdefault(ascii_fold(k), k)
            depth = max_distance(k)
            if depth:
                for v in deletes(k, depth) | {k}:
                    self.neighbours.setdefault(v, []).append(k)
            self.automaton.add_word(k, k)
        if self.by_key:
            self.automaton.make_automaton()

    # -- helpers -------------------------------------------------------------------------
    def _generic(self, key: str) -> bool:
        return any("generic" in b.flags for b in self.by_key[key])

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

    def _typo(self, s: str) -> tuple[str, str] | None:
        """``(key, edit)`` when ``s`` is a typo of a brand key."""
        if len(s) < 4:
            return None
        probes = {s} | deletes(s, 2 if len(s) >= 9 else 1)
        best: tuple[int, str] | None = None
        for p in probes:
            for k in self.neighbours.get(p, ()):
                if k == s:
                    continue
                md = max_distance(k)
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
        found: dict[tuple[str, str], Reason] = {}

        def add(code: str, key: str, detail: str) -> None:
            b = self.by_key[key][0] if key in self.by_key else None
            name = b.name if b is not None else None
            found.setdefault((code, key), Reason(code, detail, brand=name))

        unicode_dom = to_unicode_host(dom) if dom.startswith("xn--") else dom
        for lab in (*sub.split("."), unicode_dom) if sub else (unicode_dom,):
            lab_u = to_unicode_host(lab) if lab.startswith("xn--") else lab
            scripts = mixed_script(lab_u)
            if scripts:
                found.setdefault(("lookalike.mixed_script", lab), Reason(
                    "lookalike.mixed_script", f"label {lab_u!r} mixes scripts {', '.join(scripts)}"))
        plain = dom.replace("-", "")
        if unicode_dom != dom:
            skel = skeleton(unicode_dom)
            self._match_string(skel, "lookalike.homoglyph", f"{unicode_dom} looks like", add)
        # 1. the registered name itself: brand on a foreign suffix, or a typo of a brand
        if dom in self.by_key and len(dom) >= MIN_KEY:
            brands = self.by_key[dom]
            if _is_cc_suffix(suf) and any("global" in b.flags for b in brands):
                return HostCheck(brands[0], None, ())
            add("lookalike.tld_swap", dom,
                f"{_join(dom, suf)} uses the name of {brands[0].name} on a domain it does not own")
        elif plain != dom and plain in self.by_key:
            add("lookalike.hyphenation", plain, f"{dom} is {plain} with hyphens inserted")
        else:
            typo = self._typo(plain)
            if typo is not None:
                key, edit = typo
                add(f"lookalike.{edit}", key, f"{dom} is {key} with {EDIT_WORDS[edit]}")
            else:
                folded = ascii_fold(plain)
                if folded != plain and folded in self.folded:
                    key = self.folded[folded]
                    add("lookalike.homoglyph", key, f"{dom} reads as {key} (look-alike characters)")
        # 2. split hosts: labels joined across the dot (wha.tsapp.me → whatsapp)
        if sub:
            labels = sub.split(".")
            joins = [labels[-1] + plain]
            if len(labels) > 1:
                joins.append(labels[-2] + labels[-1] + plain)
            for j in joins:
                self._match_string(j, "lookalike.split_host",
                                   f"{sub}.{dom} joined across the dot reads", add)
        elif "." not in suf and len(suf) <= 3:
            j = plain + suf
            if j in self.by_key:
                add("lookalike.split_host", j, f"{dom}.{suf} joined across the dot reads {j}")
        # 3. combosquats: a brand inside a longer name (brand-login, secure-brand, brandegypt)
        tokens = dom.split("-")
        if len(tokens) > 1:
            for t in tokens:
                if t not in self.by_key or t == plain:
                    continue
                others = [o for o in tokens if o != t]
                if len(t) >= 5 or all(o in AFFIXES or o.isdigit() for o in others):
                    add("lookalike.combosquat", t, f"{dom} combines brand {t} with other words")
        exact_found = any(k[1] == plain for k in found)
        for end, key in () if exact_found else self.automaton.iter(plain):
            if key == plain or (("lookalike.combosquat", key) in found):
                continue
            start = end - len(key) + 1
            rest = plain[:start] + plain[end + 1 :]
            strong = len(key) >= 5 and not self._generic(key)
            if strong or rest in AFFIXES or rest.rstrip("0123456789") in AFFIXES:
                add("lookalike.combosquat", key, f"{dom} embeds brand {key} (+ {rest!r})")
        # 4. a brand as a subdomain label of an unrelated domain (paypal.com.evil.tld)
        if sub:
            for lab in sub.split("."):
                if len(lab) >= 4 and lab in self.by_key and not self._generic(lab):
                    add("lookalike.subdomain_brand", lab,
                        f"brand {lab} appears as a subdomain of unrelated {_join(dom, suf)}")
        if not found:
            return NO_MATCH
        return HostCheck(None, None, tuple(found.values())[:6])

    def _match_string(self, s: str, code: str, prefix: str, add: Callable[[str, str, str], None]) -> None:
        if s in self.by_key:
            add(code, s, f"{prefix} {s}")
            return
        typo = self._typo(s)
        if typo is not None:
            key, edit = typo
            add(code, key, f"{prefix} {s}: {key} with {EDIT_WORDS[edit]}")

