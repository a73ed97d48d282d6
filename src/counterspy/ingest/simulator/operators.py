"""Operation planning: who the operator accounts are, whom they target, what infrastructure.

Planning runs before any event is generated because operator accounts live inside the
population arrays: their age, addresses, devices and cover activity are overwritten here, so
the benign generator produces their cover activity from the same machinery as everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from counterspy.ingest.simulator.config import SimulationConfig, StealthProfile
from counterspy.ingest.simulator.domains import make_domain
from counterspy.ingest.simulator.network import asn_ip, datacenter, vpn_exit
from counterspy.ingest.simulator.population import (
    AT_RISK_CATEGORIES,
    COVER,
    PAGE_TYPE,
    PERSON,
    US_PER_DAY,
    Population,
)
from counterspy.ingest.simulator.reference import FirmProfile, firm_profiles
from counterspy.ingest.simulator.vec import mix
from counterspy.model import Phase

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class OperationPlan:
    op_id: str
    firm: FirmProfile
    accounts: I64
    roles: tuple[str, ...]
    primaries: I64  # principal targets (journalists, activists...)
    relatives: I64  # family and associates of the principals
    domains: tuple[tuple[str, str], ...]  # (domain, style)
    window: tuple[int, int]  # microseconds, UTC
    home_tz: int  # country index whose working hours the blatant tooling follows
    claimed: I64  # claimed country per account

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self.firm.phases

    @property
    def targets(self) -> I64:
        return np.concatenate([self.primaries, self.relatives])


def operation_count(firm: FirmProfile, accounts: int) -> int:
    return max(firm.operations.min, round(firm.operations.per_million_accounts * accounts / 1e6))


class _Picker:
    """Draws unused person accounts of a country (operators must not be at-risk or reused)."""

    def __init__(self, pop: Population, rng: np.random.Generator) -> None:
        self.pop = pop
        self.rng = rng
        self.used = np.zeros(pop.n, dtype=bool)
        self.used[pop.at_risk >= 0] = True
        self.used[pop.created_us > pop.start_us] = True  # in-run newcomers are benign here

    def person_in(self, country: int) -> int:
        lo = int(self.pop.country_start[country])
        size = int(self.pop.country_size[country])
        for _ in range(64):
            i = lo + int(self.rng.integers(0, size))
            if not self.used[i] and self.pop.account_type[i] == PERSON:
                self.used[i] = True
                return i
        free = np.flatnonzero(~self.used & (self.pop.account_type == PERSON))
        i = int(free[self.rng.integers(0, len(free))])
        self.used[i] = True
        return i


def _pick_targets(
    pop: Population,
    firm: FirmProfile,
    n_targets: int,
    countries: list[int],
    reuse_ok: npt.NDArray[np.bool_],
    flagged: I64,
    rng: np.random.Generator,
) -> tuple[I64, I64]:
    """~half principals (flagged at-risk where the programme knows them), half their circle.

    ``flagged`` lists the at-risk accounts; ``reuse_ok`` says which of them may be chosen
    (principals already targeted by another operation rarely are).
    """
    n_pri = max(1, int(np.ceil(n_targets * 0.5)))
    cats = [AT_RISK_CATEGORIES.index(c) for c in firm.target_categories]
    cat, cc = pop.at_risk[flagged], pop.country[flagged]
    in_c = np.isin(cc, countries)
    family = AT_RISK_CATEGORIES.index("family")
    tiers = [
        in_c & np.isin(cat, cats) & reuse_ok,
        in_c & (cat != family) & reuse_ok,
        np.isin(cat, cats) & reuse_ok,
        # small platforms run out of fresh principals: prominent people are targeted twice
        in_c & np.isin(cat, cats),
        np.isin(cat, cats),
        cat != family,
    ]
    chosen: list[int] = []
    for mask in tiers:
        pool = np.setdiff1d(flagged[mask], chosen)
        take = min(len(pool), n_pri - len(chosen))
        if take > 0:
            chosen.extend(int(x) for x in rng.choice(pool, take, replace=False))
        if len(chosen) >= n_pri:
            break
    primaries = np.array(chosen, dtype=np.int64)
    # relatives and associates: their closest friends (family first), mostly unflagged
    k = np.tile(np.arange(4, dtype=np.int64), len(primaries))
    circle = pop.friend(np.repeat(primaries, 4), k)
    circle = circle[(pop.account_type[circle] == PERSON) & (pop.created_us[circle] < pop.start_us)]
    circle = np.setdiff1d(np.unique(circle), primaries)
    n_rel = max(0, n_targets - len(primaries))
    relatives = (
        rng.choice(circle, min(n_rel, len(circle)), replace=False) if len(circle) else circle
    )
    return primaries, np.asarray(relatives, dtype=np.int64)


def _roles(firm: FirmProfile, n: int, rng: np.random.Generator) -> tuple[str, ...]:
    names = list(firm.roles)
    w = np.array([firm.roles[r] for r in names], dtype=np.float64)
    counts = np.floor(w / w.sum() * n).astype(int)
    counts[counts == 0] = 1
    while counts.sum() > n:
        counts[int(np.argmax(counts))] -= 1
    while counts.sum() < n:
        counts[int(rng.choice(len(names), p=w / w.sum()))] += 1
    return tuple(r for r, c in zip(names, counts, strict=True) for _ in range(c))


def _override_accounts(
    pop: Population,
    plan_accounts: I64,
    claimed: I64,
    home: int,
    prof: StealthProfile,
    firm: FirmProfile,
    window_lo: int,
    rng: np.random.Generator,
    op_no: int,
) -> None:
    n = len(plan_accounts)
    a = plan_accounts
    cc_index = {c.code: i for i, c in enumerate(pop.countries)}
    # ages
    age = rng.lognormal(np.log(prof.account_age_median_days), 0.6, n)
    created = pop.start_us - (age * US_PER_DAY).astype(np.int64)
    fresh = rng.random(n) < prof.fresh_share
    created[fresh] = window_lo - (rng.uniform(0.3, 6, fresh.sum()) * US_PER_DAY).astype(np.int64)
    pop.created_us[a] = created
    pages = np.array(["page" in t for t in firm.persona_themes])
    is_page = rng.random(n) < (0.25 if pages.any() else 0.0)
    pop.account_type[a] = np.where(is_page, PAGE_TYPE, PERSON)
    pop.archetype[a] = COVER
    # careless operators leave the tooling's home language on the persona's interface
    slip = rng.random(n) < prof.locale_mismatch
    pop.locale_country[a] = np.where(slip, home, claimed)
    pop.activity[a] = prof.cover_rate * rng.lognormal(0, 0.4, n)
    pop.verified[a] = False
    pop.degree[a] = np.maximum(
        1, (rng.lognormal(np.log(10 + 60 * prof.cover_rate / 0.35), 0.6, n)).astype(np.int64)
    )
    has_photo = rng.random(n) < prof.photo_share
    stock = rng.random(n) < prof.stock_photo_share
    photo = np.where(stock, mix(np.full(n, op_no), 991), mix(a, 992))
    pop.photo[a] = np.where(has_photo, photo, np.uint64(0))

    # addresses
    key = mix(np.full(n, op_no), 993) + np.arange(n, dtype=np.uint64)
    shared = rng.random(n) < prof.shared_ip_prob
    if prof.infra == "datacenter":
        s_ip, s_asn, s_cc = datacenter(mix(np.full(n, op_no), 994), cc_index)
        own = datacenter(key, cc_index) if prof.level == 0 else vpn_exit(key, cc_index)
        ip, asn, cc = (
            np.where(shared, s, o) for s, o in zip((s_ip, s_asn, s_cc), own, strict=True)
        )
        p_mobile = np.zeros(n)
    else:
        s_ip, s_asn, s_cc = vpn_exit(mix(np.full(n, op_no), 995), cc_index)
        # residential proxies: an ordinary broadband address in the claimed country
        res = np.array(
            [
                pop.countries[c].residential_asns[int(k % len(pop.countries[c].residential_asns))]
                for c, k in zip(claimed, key, strict=True)
            ],
            dtype=np.int64,
        )
        r_ip = asn_ip(res, mix(key, 996))
        ip, asn, cc = (
            np.where(shared, s, o)
            for s, o in zip((s_ip, s_asn, s_cc), (r_ip, res, claimed.astype(np.int64)), strict=True)
        )
        p_mobile = np.full(n, 0.3 if prof.infra == "mixed" else 0.55)
    pop.home_ip[a], pop.home_asn[a], pop.home_cc[a] = ip, asn, cc
    pop.p_mobile[a] = p_mobile
    pop.carrier[a] = pop.carriers.first[claimed] + (
        key % pop.carriers.count[claimed].astype(np.uint64)
    ).astype(np.int64)
    # devices: a small pool of operation handsets/VMs that several personas reuse
    pool = mix(np.arange(max(1, n // 4)) + op_no * 1000, 997)
    shared_dev = rng.random(n) < prof.shared_device_prob
    pop.dev1[a] = np.where(shared_dev, pool[rng.integers(0, len(pool), n)], mix(a, 998))
    pop.dev2[a] = mix(a, 999)
    pop.p_dev2[a] = 0.15


def plan_operations(
    pop: Population,
    cfg: SimulationConfig,
    rng: np.random.Generator,
    exclude: npt.NDArray[np.bool_],
) -> list[OperationPlan]:
    """Plan every firm's operations; ``exclude`` marks accounts that may not be operators."""
    prof = cfg.profile
    picker = _Picker(pop, rng)
    picker.used |= exclude
    cc_index = {c.code: i for i, c in enumerate(pop.countries)}
    plans: list[OperationPlan] = []
    op_no = 0
    flagged = np.flatnonzero(pop.at_risk >= 0)
    targeted = np.zeros(len(flagged), dtype=bool)  # principals may recur across operations
    for firm in firm_profiles():
        for k in range(operation_count(firm, cfg.accounts)):
            op_no += 1
            t_all = [cc_index[c] for c in firm.target_countries]
            tcs = sorted(
                rng.choice(t_all, min(len(t_all), int(rng.integers(1, 4))), replace=False).tolist()
            )
            n_acc = max(
                len(firm.roles) + 1,
                round(
                    rng.integers(
                        firm.accounts_per_operation.min, firm.accounts_per_operation.max + 1
                    )
                    * prof.accounts_factor
                ),
            )
            n_tg = int(
                rng.integers(firm.targets_per_operation.min, firm.targets_per_operation.max + 1)
            )
            reuse_ok = ~targeted | (rng.random(len(flagged)) < 0.08)
            primaries, relatives = _pick_targets(pop, firm, n_tg, tcs, reuse_ok, flagged, rng)
            targeted[np.searchsorted(flagged, primaries)] = True
            base = cc_index[firm.base_country]
            own = [cc_index[c] for c in firm.operator_countries]
            claim_target = rng.random(n_acc) < prof.claims_target_country
            claimed = np.where(claim_target, rng.choice(tcs, n_acc), rng.choice(own, n_acc))
            accounts = np.array([picker.person_in(int(c)) for c in claimed], dtype=np.int64)
            lo = pop.start_us + int(rng.uniform(0, 0.35) * cfg.days * US_PER_DAY)
            hi = min(
                pop.start_us + cfg.days * US_PER_DAY - 3_600_000_000,
                lo + int(rng.uniform(0.45, 0.65) * cfg.days * US_PER_DAY),
            )
            _override_accounts(
                pop, accounts, claimed.astype(np.int64), base, prof, firm, lo, rng, op_no
            )
            n_dom = int(
                rng.integers(
                    firm.infrastructure.domains_per_operation.min,
                    firm.infrastructure.domains_per_operation.max + 1,
                )
            )
            styles = list(firm.infrastructure.styles)
            sw = np.array([firm.infrastructure.styles[s] for s in styles])
            doms: dict[str, str] = {}
            codes = tuple(pop.countries[c].code for c in tcs)
            while len(doms) < n_dom:
                st = styles[int(rng.choice(len(styles), p=sw / sw.sum()))]
                doms.setdefault(make_domain(st, codes, rng), st)
            plans.append(
                OperationPlan(
                    op_id=f"{firm.firm.value.replace('_', '-')}-{k + 1}",
                    firm=firm,
                    accounts=accounts,
                    roles=_roles(firm, n_acc, rng),
                    primaries=primaries,
                    relatives=relatives,
                    domains=tuple(doms.items()),
                    window=(lo, hi),
                    home_tz=base,
                    claimed=claimed.astype(np.int64),
                )
            )
    operator = np.zeros(pop.n, dtype=bool)
    for p in plans:
        operator[p.accounts] = True
    return [
        replace(
            p,
            primaries=p.primaries[~operator[p.primaries]],
            relatives=p.relatives[~operator[p.relatives]],
        )
        for p in plans
    ]
