"""Judging the domains of links sent on the platform: the exploitation signal's input.

Three sources, strongest first: imported indicators (domain → actor), a
:class:`~counterspy.model.LinkChecker` (the verdict engine) when one is given, and a built-in
heuristic so detection works without either: a *rare* domain (sent by few accounts) that looks
like a protected brand or a popular domain on this platform, or whose name spells a brand of
the infrastructure brand list and reached an at-risk person (*protected-brand names*,
:mod:`counterspy.detect.linknames`), or that is sent almost only to at-risk people, or
(*exploitation spread*) a very rare domain that reached several at-risk people. Judging runs on
distinct domains (thousands), not on events.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import tldextract
import yaml
from rapidfuzz.distance import OSA

from counterspy.detect.base import DetectionContext
from counterspy.detect.linknames import SPELLED_CODES, brand_imitation
from counterspy.infra.brands import bundled_brands
from counterspy.infra.vocab import ALL_WORDS, segments
from counterspy.model import LinkChecker, Verdict, VerdictLabel

BAD_DOMAIN_SCHEMA = ibis.schema(
    {"domain": "string", "label": "string", "reason": "string", "actor": "string"}
)


@cache
def _brand_table() -> dict[str, dict[str, list[str]]]:
    text = resources.files("counterspy.detect").joinpath("data/brands.yaml").read_text("utf-8")
    raw: dict[str, dict[str, list[str]]] = yaml.safe_load(text)
    return raw


@cache
def brands() -> dict[str, frozenset[str]]:
    """Protected brand token → its official registered domains (bundled list)."""
    return {b: frozenset(d) for cat in _brand_table().values() for b, d in cat.items()}


def brand_category(brand: str) -> str:
    """news / platform / shortener / webmail for a bundled brand; ``unknown`` otherwise."""
    for cat, members in _brand_table().items():
        if brand in members:
            return cat
    return "unknown"


@cache
def _extract() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(host: str) -> str:
    r = _extract()(host)
    return f"{r.domain}.{r.suffix}" if r.suffix else r.domain


def _tokens(host: str) -> set[str]:
    """Brand-comparable tokens of a host, TLD-agnostic and robust to split hosts.

    ``wha.tsapp.me`` → {"wha", "tsapp", "whatsapp"}; ``bit-ly.org`` → {"bit-ly", "bitly", ...}.
    """
    r = _extract()(host)
    labels = [x for x in (r.subdomain.split(".") if r.subdomain else []) if x] + [r.domain]
    out = set(labels)
    out.add("".join(labels))
    if len(labels) >= 2:
        out.add(labels[-2] + labels[-1])
    for lab in list(out):
        out.add(re.sub(r"[-_]", "", lab))
        out.update(p for p in re.split(r"[-_]", lab) if p)
    return {t for t in out if len(t) >= 3}


def lookalike_of(host: str, references: Mapping[str, frozenset[str]]) -> str | None:
    """The brand ``host`` imitates, or None. Official domains of the brand never match."""
    reg = registered_domain(host)
    toks = _tokens(host)
    for brand, official in references.items():
        if reg in official or host in official:
            continue
        # Typosquats keep the brand's first letter (instagam, gmaol, iclod); without that rule
        # ordinary words one edit from a short brand (mail ~ gmail, cloud ~ icloud) would match.
        # Two swapped letters (gmial, fcaebook) are one edit, as in typosquatting generators.
        limit = 0 if len(brand) < 5 else (1 if len(brand) < 10 else 2)
        for tok in toks:
            if tok == brand or (
                limit
                and tok[0] == brand[0]
                and abs(len(tok) - len(brand)) <= limit
                and OSA.distance(tok, brand, score_cutoff=limit) <= limit
                and not _compound(tok)
            ):
                return brand
    return None


def _compound(token: str) -> bool:
    """Whether ``token`` is ordinary words glued together (go+mail, photo+mail): a name in its
    own right that happens to be an edit or two from a brand, not a typo of it."""
    parts = segments(re.sub(r"[-_]", "", token), ALL_WORDS)
    return parts is not None and len(parts) >= 2


def domain_stats(ctx: DetectionContext) -> ir.Table:
    """Per domain: how many accounts send it, to how many (at-risk) people, and a sample URL."""
    links = ctx.links
    # Only the (small) protection programme is joined, not every account.
    r = ctx.at_risk_accounts.select(t_id=ctx.at_risk_accounts.r_id)
    j = links.left_join(r, links.target_id == r.t_id)
    return j.group_by("domain").aggregate(
        n_senders=j.actor_id.nunique(),
        n_events=j.count(),
        n_recipients=j.target_id.nunique(),
        n_at_risk_recipients=j.target_id.nunique(where=j.t_id.notnull()),
        sample_url=j.url.min(),
    )


@dataclass(frozen=True)
class LinkHeuristic:
    """Built-in verdicts used when no verdict engine is plugged in."""

    max_senders: int = 25  # a domain many accounts send is not an operator's
    popular_top_n: int = 50  # this platform's most-shared domains join the brand list
    min_at_risk_recipient_share: float = 0.8
    min_at_risk_recipients: int = 2
    # Exploitation spread: a domain so rare that only an operation sends it, whose links reached
    # several at-risk people, is suspicious even when it also went to people outside the
    # protection programme (half of an operation's targets are). See docs/detection.md,
    # "Exploitation spread". Off: ``spread_max_senders`` 0.
    spread_max_senders: int = 10
    spread_min_at_risk_recipients: int = 2
    spread_min_at_risk_share: float = 0.3
    # Protected-brand names: a domain ≤ ``named_max_senders`` accounts send whose name spells
    # a brand of the infrastructure brand list (``rebrand.co``, ``youm7.cc``, ``ahram-login.me``;
    # :mod:`counterspy.detect.linknames`) and whose links reached ≥
    # ``named_min_at_risk_recipients`` at-risk people is malicious. ``country_style_names``
    # also reads ``bit.rs.org``. See docs/detection.md, "Protected-brand names". Off:
    # ``named_max_senders`` 0.
    named_max_senders: int = 10
    named_min_at_risk_recipients: int = 1
    country_style_names: bool = True
    # Spelled brand names, any recipient: a domain ≤ ``spelled_max_senders`` accounts send
    # whose name keeps a protected brand's whole name (``viber.app``, ``n1.info.net``,
    # ``okaz.sa.org``; :data:`~counterspy.detect.linknames.SPELLED_CODES`, no combosquat) and
    # whose links reached ≥ ``spelled_min_recipients`` accounts is malicious even when nobody
    # in the protection programme got it (half an operation's targets are outside it). See
    # docs/detection.md, "Session 9: link verdicts in detection". Off: ``spelled_max_senders`` 0.
    # The site's senders count too: every host under the same registered domain (ICANN
    # suffixes; ``*.translate.goog``, ``*.uptodown.com``) adds its senders, so a brand-named
    # host of a busy site (a translation proxy, a download portal) is never "rare".
    spelled_max_senders: int = 3
    spelled_min_recipients: int = 1

    def judge(self, stats: pd.DataFrame) -> pd.DataFrame:
        popular = stats.sort_values("n_senders", ascending=False).head(self.popular_top_n)
        refs: dict[str, frozenset[str]] = dict(brands())
        for dom in popular["domain"]:
            reg = registered_domain(str(dom))
            core = _extract()(reg).domain
            if len(core) >= 4 and core not in refs:
                refs[core] = frozenset({reg})
        rare = with_site_senders(stats)
        rare = rare[rare["n_senders"] <= self.max_senders]
        rows: list[tuple[str, str, str, str | None]] = []
        for rec in rare.itertuples(index=False):
            dom = str(rec.domain)
            brand = lookalike_of(dom, refs)
            if brand is not None:
                rows.append(
                    (
                        dom,
                        VerdictLabel.MALICIOUS.value,
                        f"lookalike of {brand}, sent by only {rec.n_senders} accounts",
                        None,
                    )
                )
                continue
            n_rec = int(str(rec.n_recipients))
            n_ar = int(str(rec.n_at_risk_recipients))
            named = self.named(
                dom, int(str(rec.n_senders)), n_ar, n_rec, int(str(rec.site_senders))
            )
            if named is not None:
                rows.append((dom, VerdictLabel.MALICIOUS.value, named, None))
                continue
            if (
                n_ar >= self.min_at_risk_recipients
                and n_ar >= self.min_at_risk_recipient_share * n_rec
            ):
                rows.append(
                    (
                        dom,
                        VerdictLabel.SUSPICIOUS.value,
                        f"rare domain ({rec.n_senders} senders) sent almost only to at-risk people "
                        f"({n_ar} of {n_rec} recipients)",
                        None,
                    )
                )
                continue
            if self.spreads(dom, int(str(rec.n_senders)), n_ar, n_rec):
                rows.append(
                    (
                        dom,
                        VerdictLabel.SUSPICIOUS.value,
                        f"rare domain ({rec.n_senders} senders, max {self.spread_max_senders}) "
                        f"sent to {n_ar} at-risk people (min {self.spread_min_at_risk_recipients})"
                        f", {n_ar / max(n_rec, 1):.0%} of its {n_rec} recipients "
                        f"(min {self.spread_min_at_risk_share:.0%})",
                        None,
                    )
                )
        return pd.DataFrame(rows, columns=list(BAD_DOMAIN_SCHEMA.names))

    def named(
        self,
        domain: str,
        n_senders: int,
        n_at_risk: int,
        n_recipients: int = 0,
        site_senders: int | None = None,
    ) -> str | None:
        """The reason a rare domain whose name spells a protected brand is malicious: sent to
        at-risk people (``named_*`` limits), or keeping the brand's whole name and sent to
        anyone (``spelled_*`` limits, on the host's and its site's senders:
        :func:`with_site_senders`; None: the host's); None when the limits or the name refuse
        it. The name is read once, and only for a domain some limit admits (~50 µs a read)."""
        site = n_senders if site_senders is None else site_senders
        to_at_risk = (
            n_senders <= self.named_max_senders and n_at_risk >= self.named_min_at_risk_recipients
        )
        to_anyone = (
            max(n_senders, site) <= self.spelled_max_senders
            and n_recipients >= self.spelled_min_recipients
        )
        if not (to_at_risk or to_anyone):
            return None
        found = brand_imitation(domain, country_style=self.country_style_names)
        if found is None:
            return None
        if to_at_risk:
            return (
                f"imitates {found.brand} ({found.detail}); rare domain ({n_senders} senders, "
                f"max {self.named_max_senders}) sent to {n_at_risk} at-risk people (min "
                f"{self.named_min_at_risk_recipients})"
            )
        if found.code not in SPELLED_CODES:
            return None
        return (
            f"spells out {found.brand} ({found.detail}); rare domain ({n_senders} senders, "
            f"{site} on its whole site, max {self.spelled_max_senders}) sent to {n_recipients} "
            f"accounts (min {self.spelled_min_recipients})"
        )

    def spreads(self, domain: str, n_senders: int, n_at_risk: int, n_recipients: int) -> bool:
        """Exploitation spread: a rare domain, not a protected brand's own site, whose links
        reached ≥ ``spread_min_at_risk_recipients`` at-risk people, ≥
        ``spread_min_at_risk_share`` of its recipients."""
        return (
            n_senders <= self.spread_max_senders
            and n_at_risk >= self.spread_min_at_risk_recipients
            and n_at_risk >= self.spread_min_at_risk_share * n_recipients
            and not _official(domain)
        )


@cache
def _official_domains() -> frozenset[str]:
    """Official domains of the protected brands (the infrastructure brand list, a superset of
    the heuristic's ``brands.yaml``): a real newspaper people send is nobody's infrastructure."""
    return frozenset(d.lower() for b in bundled_brands() for d in b.domains)


def _official(domain: str) -> bool:
    """Whether ``domain`` is a bundled brand's official site or a subdomain of one."""
    off = _official_domains()
    return domain in off or registered_domain(domain) in off


def with_site_senders(stats: pd.DataFrame) -> pd.DataFrame:
    """``stats`` with ``site_senders``: the senders of every host under each host's registered
    domain (ICANN suffixes), summed — at least the site's distinct senders, so "rare" on it
    errs towards refusing."""
    if not len(stats):
        return stats.assign(site_senders=pd.Series(dtype="int64"))
    site = stats["domain"].astype(str).map(registered_domain)
    return stats.assign(site_senders=stats.groupby(site)["n_senders"].transform("sum"))


def judge_domains(
    stats: pd.DataFrame,
    *,
    checker: LinkChecker | None = None,
    indicators: Mapping[str, str] | None = None,
    heuristic: LinkHeuristic | None = None,
) -> pd.DataFrame:
    """Bad domains (columns of :data:`BAD_DOMAIN_SCHEMA`), strongest evidence kept per domain."""
    frames: list[pd.DataFrame] = []
    indicators = {k.lower().rstrip("."): v for k, v in (indicators or {}).items()}
    if indicators:
        hits = [
            (d, VerdictLabel.MALICIOUS.value, "matches an imported indicator", indicators[d])
            for d in stats["domain"]
            if d in indicators
        ]
        frames.append(pd.DataFrame(hits, columns=list(BAD_DOMAIN_SCHEMA.names)))
    if checker is not None and len(stats):
        verdicts = checker.check_many([str(u) for u in stats["sample_url"]])
        rows = [
            row
            for rec, v in zip(
                with_site_senders(stats).itertuples(index=False), verdicts, strict=True
            )
            if (row := _checked_row(rec, v, heuristic or LinkHeuristic())) is not None
        ]
        frames.append(pd.DataFrame(rows, columns=list(BAD_DOMAIN_SCHEMA.names)))
    else:
        frames.append((heuristic or LinkHeuristic()).judge(stats))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in BAD_DOMAIN_SCHEMA.names})
    allv = pd.concat(frames, ignore_index=True)
    return allv.drop_duplicates("domain", keep="first").reset_index(drop=True)


def _checked_row(
    rec: Any, v: Verdict, heuristic: LinkHeuristic
) -> tuple[str, str, str, str | None] | None:
    """The bad-domain row for one plugged-in verdict, or None when it does not count.

    A merely suspicious domain that many accounts share is benign traffic (a viral link on a
    cheap TLD); malicious verdicts (indicators, owned lookalikes) always count. A suspicious
    *lookalike* verdict on a rare domain is read as the built-in heuristic reads names
    (:meth:`LinkHeuristic.named`: a brand spelled out, sent to at-risk people or to anyone):
    the engine and the heuristic share one brand reading, so plugging the engine in loses none
    of the heuristic's malicious name verdicts.
    """
    detail = "; ".join(r.detail for r in v.reasons) or v.label.value
    n = int(rec.n_senders)
    if v.label == VerdictLabel.MALICIOUS:
        return (str(rec.domain), v.label.value, detail, v.actor)
    if v.label != VerdictLabel.SUSPICIOUS or n > heuristic.max_senders:
        return None
    if any(r.code.startswith("lookalike.") for r in v.reasons):
        named = heuristic.named(
            str(rec.domain),
            n,
            int(rec.n_at_risk_recipients),
            int(rec.n_recipients),
            int(rec.site_senders),
        )
        if named is not None:
            return (str(rec.domain), VerdictLabel.MALICIOUS.value, named, v.actor)
    return (str(rec.domain), v.label.value, detail, v.actor)
