"""Lookalike-domain detection against the protected-brand list.

All per-brand work happens once, in :class:`LookalikeIndex`: an owned-domain map (allow-list),
an exact key map, a deletion-neighbourhood map for typos, an Aho-Corasick automaton for brands
embedded in longer names, and skeleton folding for homoglyphs. Checking a host is then a few
dozen dict probes and one automaton pass, independent of the number of brands. The rules that
need no brand typo (combosquats, weak signals) live in :mod:`counterspy.infra.namerules`.

``LookalikeIndex(brands, careful=True)`` is the reference: no memo, no cheap pre-checks, typos
found by a scan over every key. Tests compare it with the fast index on a generated corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import ahocorasick

from counterspy.infra.brands import Brand
from counterspy.infra.namerules import EDIT_WORDS, Items, combos, weak_signals
from counterspy.infra.risk import is_abused_tld
from counterspy.infra.scripts import mixed_script, skeleton
from counterspy.infra.typos import TypoIndex, ascii_fold
from counterspy.infra.vocab import CC_IMITATION_SUFFIXES, COMMON_WORDS, GENERIC_CCTLDS
from counterspy.intel.normalize import split_host, suffix_list, to_unicode_host
from counterspy.model.verdict import Reason

__all__ = ["EDIT_WORDS", "MIN_KEY", "NO_MATCH", "HostCheck", "LookalikeIndex"]

MIN_KEY = 3  # keys shorter than this never match (two-letter names collide with everything)
# Subdomain labels that are ordinary service names, never half of a split brand name.
_NOT_SPLIT = frozenset({"www", "m", "mobile", "en", "web", "mail", "api", "cdn", "static", "img"})
_NAME_MEMO = 200_000


def _is_cc_suffix(suffix: str) -> bool:
    """``de``, ``co.uk``, ``com.br``: suffixes under a country code used as one (not ``.me``)."""
    last = suffix.rsplit(".", 1)[-1]
    if len(last) != 2 or not last.isalpha():
        return False
    return "." in suffix or last not in GENERIC_CCTLDS


def _join(dom: str, suf: str) -> str:
    return f"{dom}.{suf}" if suf else dom


class HostCheck(NamedTuple):
    """Outcome for one host: a brand's own domain, a URL shortener, or lookalike reasons."""

    owned_by: Brand | None
    shortener: Brand | None
    reasons: tuple[Reason, ...]


NO_MATCH = HostCheck(None, None, ())


class _NameFindings(NamedTuple):
    owner: Brand | None  # a global brand's own ccTLD variant
    codes: tuple[tuple[str, str], ...]  # (reason code, brand key) of each finding, in order
    reasons: tuple[Reason, ...]  # the findings, in the same order (shared with the verdicts)
    fallback: tuple[Reason, ...]  # weak-signal reasons, used only if nothing else matched


# Most names match nothing: they share one memo value (one object less for the collector
# to keep walking per name seen). Findings are kept as tuples, not the dict they were
# collected in: tuples of strings drop out of the collector's sight, dicts stay in it.
_NOTHING = _NameFindings(None, (), (), ())


class LookalikeIndex:
    """Per-brand indexes built once; :meth:`check` is independent of the number of brands."""

    def __init__(self, brands: Sequence[Brand], *, careful: bool = False) -> None:
        self.brands = tuple(brands)
        self.careful = careful
        self.owned: dict[str, Brand] = {}
        self.by_key: dict[str, list[Brand]] = {}
        self.primary: dict[str, None] = {}  # ordered as the brand list: ties go to the first
        self.generic_names: set[str] = set()
        self.shortener_keys: set[str] = set()
        self.folded: dict[str, str] = {}
        self._names: dict[str, _NameFindings] = {}  # by registered domain
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
                    self.primary[k] = None
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
        self._find_typo = self.typos.find_reference if careful else self.typos.find
        psl = suffix_list()
        self._split_host = psl.split_reference if careful else psl.split

    def clear_memo(self) -> None:
        self._names.clear()

    # -- helpers -------------------------------------------------------------------------
    def generic(self, key: str) -> bool:
        return key in COMMON_WORDS or key in self.generic_names

    def add(self, items: Items, code: str, key: str, detail: str) -> None:
        """Record a finding once per (code, brand key), naming the key's first brand."""
        if (code, key) not in items:
            brands = self.by_key.get(key)
            items[(code, key)] = Reason(code, detail, brand=brands[0].name if brands else None)

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
        return self._find_typo(s, relaxed=relaxed)

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
        return self.check_unowned(host)

    def check_unowned(self, host: str) -> HostCheck:
        """:meth:`check` for a host known to have no owner among the brands (neither it nor
        a parent domain is in :attr:`owned`): the verdict engine walks the parents once for
        indicators and owners together."""
        # The suffix list directly, not the memoised split_host: the host is new to the
        # engine's memo, so a cache entry would only be one more object to keep.
        sub, dom, suf = self._split_host(host)
        if not dom:
            return NO_MATCH
        base = self._name_findings(dom, suf, host[len(sub) + 1 :] if sub else host)
        plain = dom.replace("-", "")
        if base.owner is not None:
            return HostCheck(base.owner, None, ())
        if (
            not sub
            and "xn--" not in dom
            and ("." in suf or len(suf) > 3 or plain + suf not in self.by_key)
        ):  # the common case: a bare registered name (no label to read, no split to try)
            if base.reasons:
                return HostCheck(None, None, base.reasons[:6])
            return HostCheck(None, None, base.fallback) if base.fallback else NO_MATCH
        items: Items = {}
        if "xn--" in host:
            self._scripts(sub, dom, items)
        for code_key, reason in zip(base.codes, base.reasons, strict=True):
            items.setdefault(code_key, reason)
        if sub:
            self._split(sub, plain, suf, items)
            for lab in sub.split("."):
                if len(lab) >= 4 and lab in self.primary and not self.generic(lab):
                    self.add(
                        items,
                        "lookalike.subdomain_brand",
                        lab,
                        f"brand {lab} appears as a subdomain of unrelated {_join(dom, suf)}",
                    )
        else:
            self._split("", plain, suf, items)
        if not items:
            return HostCheck(None, None, base.fallback) if base.fallback else NO_MATCH
        return HostCheck(None, None, tuple(items.values())[:6])

    def _name_findings(self, dom: str, suf: str, key: str) -> _NameFindings:
        """Everything that depends only on the registered name ``key`` (``dom.suf``), memoised
        per name: subdomains of one site (and the many hosts of one throw-away domain) share
        the work."""
        cached = self._names.get(key)
        if cached is not None:
            return cached
        items: Items = {}
        plain = dom.replace("-", "")
        fallback: tuple[Reason, ...] = ()
        owned: Brand | None = None
        if self._name(dom, plain, suf, items):
            owned = self.by_key[dom][0]
        else:
            combos(self, dom, plain, items)
            if not items:
                fallback = weak_signals(self, dom, plain, suf)
        result = (
            _NameFindings(owned, tuple(items), tuple(items.values()), fallback)
            if items or owned is not None or fallback
            else _NOTHING
        )
        if not self.careful:
            if len(self._names) >= _NAME_MEMO:
                self._names.clear()
            self._names[key] = result
        return result

    def _scripts(self, sub: str, dom: str, items: Items) -> None:
        labels = (*sub.split("."), dom) if sub else (dom,)
        for lab in labels:
            if not lab.startswith("xn--"):
                continue
            lab_u = to_unicode_host(lab)
            scripts = mixed_script(lab_u)
            if scripts:
                items.setdefault(
                    ("lookalike.mixed_script", lab),
                    Reason(
                        "lookalike.mixed_script",
                        f"label {lab_u!r} mixes scripts {', '.join(scripts)}",
                    ),
                )
            skel = skeleton(lab_u)
            self._match(skel, "lookalike.homoglyph", f"{lab_u} looks like", items)

    def _name(self, dom: str, plain: str, suf: str, items: Items) -> bool:
        """The registered name itself; True when it is a global brand's own ccTLD variant."""
        last = suf.rsplit(".", 1)[-1]
        if suf in CC_IMITATION_SUFFIXES:
            cc = suf.split(".", 1)[0]
            for cand in (f"{dom}.{cc}", f"{dom}.com.{cc}", f"{dom}.co.{cc}"):
                b = self.owned.get(cand)
                if b is not None:
                    self.add(
                        items,
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
                self.add(
                    items,
                    "lookalike.cctld_imitation",
                    dom,
                    f"{dom}.{suf} imitates a country domain of {brands[0].name}",
                )
            elif (
                not on_cc
                and not self.generic(dom)
                and (len(dom) > 3 or last not in {"com", "net", "org"})
            ):
                self.add(
                    items,
                    "lookalike.tld_swap",
                    dom,
                    f"{_join(dom, suf)} uses the name of {brands[0].name} on a domain it "
                    "does not own",
                )
            return False
        if plain != dom and plain in self.by_key and not self.generic(plain):
            self.add(
                items, "lookalike.hyphenation", plain, f"{dom} is {plain} with hyphens inserted"
            )
            return False
        if plain != dom:
            # A brand's own domain with its dots turned into hyphens, as one label of another
            # domain (``okaz-com-sa.top``, ``khaleejtimes-com.app``): one dict lookup. The
            # name must be one a brand owns on its own, a brand's primary key or ≥ 4 letters
            # (``bbc-co-uk`` counts; ``x-com``, ``go-com``, ``t-me`` name other things too),
            # and no generic word.
            dotted = dom.replace("-", ".")
            b = self.owned.get(dotted)
            name = dotted.split(".", 1)[0]
            own = len(name) >= 4 or name in self.primary
            if b is not None and own and not self.generic(name):
                items.setdefault(
                    ("lookalike.dotted_domain", dotted),
                    Reason(
                        "lookalike.dotted_domain",
                        f"{dom} is {dotted}, a domain of {b.name}, with its dots as hyphens",
                        brand=b.name,
                    ),
                )
                return False
        t = self.typo(plain)
        if t is not None:
            key, edit = t
            self.add(items, f"lookalike.{edit}", key, f"{dom} is {key} with {EDIT_WORDS[edit]}")
            return False
        folded = ascii_fold(plain)
        if folded != plain and folded in self.folded:
            key = self.folded[folded]
            self.add(
                items, "lookalike.homoglyph", key, f"{dom} reads as {key} (look-alike characters)"
            )
        return False

    def _split(self, sub: str, plain: str, suf: str, items: Items) -> None:
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
                    j, "lookalike.split_host", f"{sub}.{plain} joined across the dot reads", items
                )
        elif "." not in suf and len(suf) <= 3 and plain + suf in self.by_key:
            j = plain + suf
            self.add(
                items, "lookalike.split_host", j, f"{plain}.{suf} joined across the dot reads {j}"
            )

    def _match(self, s: str, code: str, prefix: str, items: Items) -> None:
        if s in self.by_key:
            if not self.generic(s):
                self.add(items, code, s, f"{prefix} {s}")
            return
        t = self.typo(s)
        if t is not None:
            key, edit = t
            self.add(items, code, key, f"{prefix} {s}: {key} with {EDIT_WORDS[edit]}")
