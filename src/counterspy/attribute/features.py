"""What an operation looks like: the observed behaviour attribution compares with profiles."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

import ibis.expr.types as ir
import pandas as pd

from counterspy.analytics.engine import fetch
from counterspy.detect.base import CONTACT_TYPES, RECON_TYPES, DetectionContext
from counterspy.detect.exploitation import bad_link_events
from counterspy.detect.links import brand_category, brands, lookalike_of


@dataclass(frozen=True)
class OperationFeatures:
    operation_id: str
    n_accounts: int
    phase_counts: dict[str, int]  # at-risk profiling, at-risk contacts, bad links sent
    target_countries: Counter[str]  # distinct targets per country
    persona_names: tuple[str, ...]
    page_share: float
    claimed_countries: Counter[str]
    domains: dict[str, str | None]  # bad domain → actor named by an indicator, if any
    domain_styles: Counter[str]  # news / platform / shortener / webmail / unknown
    locales: tuple[str, ...] = ()  # persona UI locales (e.g. he-IL)
    automation_share: float = 0.0  # share of accounts with an automation signal


AUTOMATION_SIGNALS = frozenset({"automation_user_agent", "automation_regularity"})

# The infrastructure styles of firm profiles, from the bundled brand list's categories: what
# kind of site a lookalike imitates (a news outlet, a platform, a URL shortener, webmail).
STYLE_OF_CATEGORY = {
    "news": "news",
    "shortener": "shortener",
    "email": "webmail",
    "social": "platform",
    "messaging": "platform",
    "cloud": "platform",
    "tech": "platform",
    "search": "platform",
    "video": "platform",
    "music": "platform",
    "government": "government",
}


@cache
def _reference_brands() -> dict[str, dict[str, frozenset[str]]]:
    """Style → {brand key: official domains} from the bundled reference brand list (only the
    kinds of brands a firm profile's infrastructure styles name)."""
    text = resources.files("counterspy.infra").joinpath("data/brands.csv").read_text("utf-8")
    out: dict[str, dict[str, frozenset[str]]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        style = STYLE_OF_CATEGORY.get(row["category"])
        domains = row["domains"].split()
        if style is None or not domains:
            continue
        keys = [domains[0].split(".")[0].replace("-", "")]
        keys += [a for a in row["aliases"].split() if a]
        for key in keys:
            out.setdefault(style, {})[key.lower()] = frozenset(domains)
    return out


def domain_style(domain: str) -> str:
    """The kind of site ``domain`` imitates: news / platform / shortener / webmail /
    government, ``unknown`` when it imitates no known brand.

    The detector's short brand list is asked first (it names the brands phishing kits use
    most); a domain it does not place is compared with the bundled reference brands (over a
    thousand, six hundred of them news outlets) with the same matching rules, so
    ``washingtonpost.page`` reads as news.
    """
    brand = lookalike_of(domain, brands())
    if brand:
        return brand_category(brand)
    for style, refs in _reference_brands().items():
        if lookalike_of(domain, refs):
            return style
    return "unknown"


def operation_features(
    ctx: DetectionContext, members: ir.Table, signals: pd.DataFrame | None = None
) -> list[OperationFeatures]:
    """Features of every operation in ``members`` (account_id, operation_id); ``signals`` (the
    fired signal rows) give the share of accounts showing automation."""
    tb = ctx.targeted_by(members)
    t = tb.inner_join(members, tb.actor_id == members.account_id)
    recon = t.event_type.isin(RECON_TYPES) & t.target_at_risk
    # Engagement is contact without a bad link; messages carrying one are exploitation.
    contact = t.event_type.isin(CONTACT_TYPES) & t.target_at_risk & t.url.isnull()
    mix = fetch(
        t.group_by("operation_id").aggregate(
            n_recon=recon.cast("int64").sum(), n_contact=contact.cast("int64").sum()
        )
    )
    tc = t.filter(t.target_at_risk)
    geo = fetch(tc.group_by("operation_id", "target_country").aggregate(n=tc.target_id.nunique()))
    b = bad_link_events(ctx)
    b = b.inner_join(members, b.actor_id == members.account_id)
    doms = fetch(b.group_by("operation_id", "domain").aggregate(n=b.count(), actor=b.actor.min()))
    # The persona columns may be left out of the cached accounts: read where they are stored.
    stored = ctx.all_account_columns
    acc = stored.inner_join(members, stored.account_id == members.account_id)
    people = fetch(
        acc.select(
            "account_id", "operation_id", "display_name", "account_type", "country", "locale"
        )
    )
    automated: set[str] = set()
    if signals is not None and len(signals):
        auto = signals[signals["signal"].isin(AUTOMATION_SIGNALS)]
        automated = set(auto["account_id"].astype(str))

    out = []
    for op, grp in people.groupby("operation_id", sort=True):
        m = mix[mix["operation_id"] == op]
        d = doms[doms["operation_id"] == op]
        g = geo[geo["operation_id"] == op]
        dom_actor: dict[str, str | None] = {
            str(r.domain): (None if pd.isna(r.actor) else str(r.actor))
            for r in d.itertuples(index=False)
        }
        styles: Counter[str] = Counter(domain_style(dom) for dom in dom_actor)
        phase_counts = {
            "reconnaissance": int(m["n_recon"].sum()),
            "engagement": int(m["n_contact"].sum()),
            "exploitation": int(d["n"].sum()),
        }
        out.append(
            OperationFeatures(
                operation_id=str(op),
                n_accounts=len(grp),
                phase_counts=phase_counts,
                target_countries=Counter(
                    {str(c): int(n) for c, n in zip(g["target_country"], g["n"], strict=True)}
                ),
                persona_names=tuple(str(x) for x in grp["display_name"]),
                page_share=float((grp["account_type"] != "person").mean()),
                claimed_countries=Counter(str(c) for c in grp["country"]),
                domains=dom_actor,
                domain_styles=styles,
                locales=tuple(str(x) for x in grp["locale"] if isinstance(x, str)),
                automation_share=float(grp["account_id"].astype(str).isin(automated).mean()),
            )
        )
    return out
