"""Lookalike-domain detection against the protected-brand list.

All per-brand work happens once, in :class:`LookalikeIndex`: an owned-domain map (allow-list),
an exact key map, a deletion-neighbourhood map for typos, an Aho-Corasick automaton for brands
embedded in longer names, and skeleton folding for homoglyphs. Checking a host is then a few
dozen dict probes and one automaton pass, independent of the number of brands.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick

from counterspy.infra.brands import Brand
from counterspy.infra.risk import cheap_tld_signals, is_abused_tld
from counterspy.infra.scripts import mixed_script, skeleton
from counterspy.infra.typos import TypoIndex, ascii_fold
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
    reachable,
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
_AFFIX_FIRST = frozenset(w[0] for w in AFFIXES) | frozenset("0123456789")
_AFFIX_LAST = frozenset(w[-1] for w in AFFIXES) | frozenset("0123456789")
# Subdomain labels that are ordinary service names, never half of a split brand name.
_NOT_SPLIT = frozenset({"www", "m", "mobile", "en", "web", "mail", "api", "cdn", "static", "img"})
_SYSTEM_WORDS = SYSTEM_VOCAB | FILLER
_SHORT_WORDS = SHORTENER_VOCAB | FILLER | frozenset({"promo", "in", "it"})
# Cheap necessary conditions checked before segmenting a name (one C-level regex search each).
_SYSTEM_STRONG_RE = re.compile("|".join(sorted(SYSTEM_STRONG, key=len, reverse=True)))
_SHORTENER_RE = re.compile(
    "|".join(sorted((w for w in SHORTENER_VOCAB if len(w) >= 3), key=len, reverse=True))
)


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


@dataclass(frozen=True)
class _NameFindings:
    plain: str
    owner: Brand | None  # a global brand's own ccTLD variant
    items: tuple[tuple[tuple[str, str], Reason], ...]
    fallback: tuple[Reason, ...]  # weak-signal reasons, used only if nothing else matched


class _Findings:
    def __init__(self, index: LookalikeIndex) -> None:
        self.index = index
        self.items: dict[tuple[str, str], Reason] = {}
        self.keys: set[str] = set()

    def add(self, code: str, key: str, detail: str) -> None:
        brands = self.index.by_key.get(key)
        name = brands[0].name if brands else None
        self.items.setdefault((code, key), Reason(code, detail, brand=name))
        self.keys.add(key)

    def has_key(self, key: str) -> bool:
        return key in self.keys


class LookalikeIndex:
    """Per-brand indexes built once; :meth:`check` is independent of the number of brands."""

    def __init__(self, brands: Sequence[Brand]) -> None:
        self.brands = tuple(brands)
        self.owned: dict[str, Brand] = {}
        self.by_key: dict[str, list[Brand]] = {}
        self.primary: set[str] = set()
        self.generic_names: set[str] = set()
        self.shortener_keys: set[str] = set()
        self.folded: dict[str, str] = {}
        self._names: dict[tuple[str, str], _NameFindings] = {}
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
            self.automaton.add_word(k, k)
        if self.primary:
            self.automaton.make_automaton()
        self.typos = TypoIndex(
            self.primary, self.shortener_keys, {k for k in self.primary if self.generic(k)}
        )

    def clear_memo(self) -> None:
        self._names.clear()

    # -- helpers -------------------------------------------------------------------------
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
        """``(key, edit)`` when ``s`` is a typo of a primary brand key (see :class:`TypoIndex`)."""
        if len(s) < 4 or s in COMMON_WORDS:
            return None
        return self.typos.find(s, relaxed=relaxed)

    def new_domain_companion(self, host: str) -> str | None:
        """The weak signal a *newly seen* domain needs before it is reported (see
        :mod:`counterspy.infra.firstseen`): a heavily abused TLD, or a protected brand's name
        (six letters or more, not an everyday word) inside the registered name. None otherwise.
        Attacker vocabulary alone (``login``, ``update``) is not enough: honest one-off sites
        use it too."""
        _sub, dom, suf = split_host(host)
        if not dom:
            return None
        if is_abused_tld(suf):
            return f"it is on the heavily abused .{suf.rsplit('.', 1)[-1]} TLD"
        plain = dom.replace("-", "")
        for _end, key in self.automaton.iter(plain):
            if key != plain and len(key) >= 6 and not self.generic(key):
                brand = self.by_key[key][0].name if key in self.by_key else key
                return f"its name contains {key} (protected brand {brand})"
        return None

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
        base = self._name_findings(dom, suf)
        if base.owner is not None:
            return HostCheck(base.owner, None, ())
        if (
            not sub
            and not base.items
            and "xn--" not in dom
            and ("." in suf or len(suf) > 3 or base.plain + suf not in self.by_key)
        ):  # the common case: a bare registered name that matched nothing (no split to try)
            return HostCheck(None, None, base.fallback) if base.fallback else NO_MATCH
        f = _Findings(self)
        if "xn--" in host:
            self._scripts(sub, dom, f)
        for (code, key), reason in base.items:
            f.items.setdefault((code, key), reason)
            f.keys.add(key)
        if sub:
            self._split(sub, base.plain, suf, f)
            for lab in sub.split("."):
                if len(lab) >= 4 and lab in self.primary and not self.generic(lab):
                    f.add(
                        "lookalike.subdomain_brand",
                        lab,
                        f"brand {lab} appears as a subdomain of unrelated {_join(dom, suf)}",
                    )
        else:
            self._split("", base.plain, suf, f)
        if not f.items:
            return HostCheck(None, None, base.fallback) if base.fallback else NO_MATCH
        return HostCheck(None, None, tuple(f.items.values())[:6])

    def _name_findings(self, dom: str, suf: str) -> _NameFindings:
        """Everything that depends only on the registered name, memoised per name: subdomains
        of one site (and the many hosts of one throw-away domain) share the work."""
        key = (dom, suf)
        cached = self._names.get(key)
        if cached is not None:
            return cached
        f = _Findings(self)
        plain = dom.replace("-", "")
        fallback: tuple[Reason, ...] = ()
        owned: Brand | None = None
        if self._name(dom, plain, suf, f):
            owned = self.by_key[dom][0]
        else:
            self._combos(dom, plain, f)
            if not f.items:
                fallback = self._weak_signals(dom, plain, suf)
        result = _NameFindings(plain, owned, tuple(f.items.items()), fallback)
        if len(self._names) >= 200_000:
            self._names.clear()
        self._names[key] = result
        return result

    def _weak_signals(self, dom: str, plain: str, suf: str) -> tuple[Reason, ...]:
        """Reasons used only when nothing about a brand matched the host."""
        f = _Findings(self)
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
                return (r,)
        return tuple(f.items.values())

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
            if labels[-1] in _NOT_SPLIT:
                return
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
        if plain in f.keys:
            return
        hits = []
        for end, key in self.automaton.iter(plain):
            start = end - len(key) + 1
            # Cheap necessary condition before segmenting: the text around the brand must
            # start and end like attacker vocabulary (or be empty, or shared with the brand).
            if start and (plain[0] not in _AFFIX_FIRST or plain[start - 1] not in _AFFIX_LAST):
                continue
            if end + 1 < len(plain) and plain[-1] not in _AFFIX_LAST:
                continue
            if end + 1 < len(plain) and not (
                plain[end + 1] in _AFFIX_FIRST or plain[end] in _AFFIX_FIRST
            ):
                continue
            hits.append((start, end, key))
        if not hits:
            return
        left, right = reachable(plain, AFFIXES)
        for start, end, key in hits:
            if key == plain or f.has_key(key):
                continue
            if start not in left or (end + 1 not in right and end not in right):
                continue  # not brand + attacker vocabulary only
            pre, post = plain[:start], plain[end + 1 :]
            pre_w = _affix_words(pre) or ()
            post_w = _affix_words(post)
            if post_w is None and post:
                post_w = _affix_words(key[-1] + post)  # vodafon(e)gypt shares a letter
            words = (*pre_w, *(post_w or ()))
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
        words = segments(plain, _SYSTEM_WORDS) if _SYSTEM_STRONG_RE.search(plain) else None
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
        words = segments(plain, _SHORT_WORDS) if _SHORTENER_RE.search(plain) else None
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
