"""Benign accounts that look like operators, chosen before operations are planned.

Their behaviour comes from their archetype in the benign generator (researchers view many
profiles, recruiters and NGOs message strangers, page managers run pages from one device,
newcomers send friend requests in bulk) or from their addresses (campus, VPN exits).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from counterspy.ingest.simulator.config import SimulationConfig
from counterspy.ingest.simulator.population import (
    AT_RISK_CATEGORIES,
    CHATTER,
    LURKER,
    NGO,
    PAGE,
    PERSON,
    RECRUITER,
    REGULAR,
    RESEARCHER,
    SMM,
    Population,
)
from counterspy.ingest.simulator.reference import VPN_ASNS
from counterspy.ingest.simulator.vec import mix

I64 = npt.NDArray[np.int64]

_SHARES = {"researcher": 0.3, "recruiter": 0.25, "ngo": 0.25, "social_media_manager": 0.2}


def assign_confounders(
    pop: Population, cfg: SimulationConfig, rng: np.random.Generator
) -> dict[str, I64]:
    n_total = max(12, int(cfg.accounts * cfg.confounder_share))
    ordinary = np.isin(pop.archetype, [REGULAR, LURKER, CHATTER]) & (pop.account_type == PERSON)
    out: dict[str, I64] = {}

    typical = float(np.median(pop.activity))

    def take(mask: npt.NDArray[np.bool_], k: int) -> I64:
        pool = np.flatnonzero(mask & ordinary)
        got = rng.choice(pool, min(k, len(pool)), replace=False) if len(pool) else pool
        ordinary[got] = False
        # their work keeps them at least as busy as a typical user (before the archetype boost)
        pop.activity[got] = np.maximum(pop.activity[got], typical)
        return np.sort(got).astype(np.int64)

    journalists = pop.at_risk == AT_RISK_CATEGORIES.index("journalist")
    n_res = max(3, int(n_total * _SHARES["researcher"]))
    res = np.concatenate([take(journalists, n_res // 3), take(pop.at_risk < 0, n_res - n_res // 3)])
    pop.archetype[res] = RESEARCHER
    out["researcher"] = np.sort(res)
    for kind, arch in (("recruiter", RECRUITER), ("ngo", NGO)):
        got = take(pop.at_risk < 0, max(3, int(n_total * _SHARES[kind])))
        pop.archetype[got] = arch
        out[kind] = got

    # social-media managers: each runs 3-6 pages from their own phone and home address
    managers = take(pop.at_risk < 0, max(2, int(n_total * _SHARES["social_media_manager"] / 5)))
    pages_all = np.flatnonzero((pop.account_type != PERSON) & (pop.archetype == PAGE))
    members = [managers]
    for m in managers:
        c = pop.country[m]
        lo, hi = np.searchsorted(
            pages_all, [pop.country_start[c], pop.country_start[c] + pop.country_size[c]]
        )
        cand = pages_all[lo:hi] if hi - lo >= 3 else pages_all
        pages = rng.choice(cand, min(len(cand), int(rng.integers(3, 7))), replace=False)
        pop.archetype[pages] = SMM
        pop.dev1[pages] = pop.dev1[m]
        pop.ua1[pages] = pop.ua1[m]
        pop.home_ip[pages], pop.home_asn[pages] = pop.home_ip[m], pop.home_asn[m]
        pop.home_cc[pages] = pop.home_cc[m]
        pop.carrier[pages], pop.p_mobile[pages] = pop.carrier[m], 0.6
        pop.p_dev2[pages] = 0.0
        members.append(pages.astype(np.int64))
    out["social_media_manager"] = np.unique(np.concatenate(members))

    # campuses: whole communities behind a handful of university NAT addresses
    n_campus = max(2, cfg.accounts // 25_000)
    fit = np.flatnonzero((pop.comm_size >= 40) & (pop.comm_size <= 600))
    campus = rng.choice(fit, min(n_campus, len(fit)), replace=False) if len(fit) else fit
    shared: list[I64] = []
    for c in campus:
        idx = np.arange(pop.comm_start[c], pop.comm_start[c] + pop.comm_size[c], dtype=np.int64)
        idx = idx[pop.account_type[idx] == PERSON]
        slot = (mix(idx, 55) % np.uint64(4)).astype(np.int64)
        pop.home_ip[idx] = pop.home_ip[idx[0]] + slot
        pop.home_asn[idx] = pop.home_asn[idx[0]]
        pop.home_cc[idx] = pop.country[idx[0]]
        pop.p_mobile[idx] *= 0.4
        shared.append(idx)
    out["shared_ip"] = np.concatenate(shared) if shared else np.zeros(0, dtype=np.int64)
    out["vpn_user"] = np.flatnonzero(np.isin(pop.home_asn, VPN_ASNS) & (pop.account_type == PERSON))
    out["new_account"] = np.flatnonzero(pop.created_us > pop.start_us)
    return out
