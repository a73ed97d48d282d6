"""Bundled reference data: countries, web domains, user agents, firm profiles."""

from __future__ import annotations

import csv
import io
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

from counterspy.errors import CounterspyError
from counterspy.model import Phase
from counterspy.model.firms import FirmId

_PKG = "counterspy.ingest.simulator"
PRIVATE_ASN_BASE = 4_200_000_000  # RFC 6996 private-use range: synthetic ASNs never collide


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    tz: str
    locale: str
    faker_locale: str
    users_m: float
    residential_asns: tuple[int, ...]
    mobile_asns: tuple[int, ...]
    synthetic_asns: bool


def _synthetic_asns(code: str, n: int, salt: int) -> tuple[int, ...]:
    base = zlib.crc32(code.encode()) % 10_000_000
    return tuple(PRIVATE_ASN_BASE + (base * 7 + salt * 131 + i * 17) % 90_000_000 for i in range(n))


def _asns(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(";") if x)


@cache
def countries() -> tuple[Country, ...]:
    text = resources.files(_PKG).joinpath("data/countries.csv").read_text(encoding="utf-8")
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        res = _asns(r["residential_asns"])
        mob = _asns(r["mobile_asns"])
        synthetic = not res
        res = res or _synthetic_asns(r["code"], 3, 1)
        mob = mob or (res[:1] + _synthetic_asns(r["code"], 2, 2))
        rows.append(
            Country(
                code=r["code"],
                name=r["name"],
                tz=r["tz"],
                locale=r["locale"],
                faker_locale=r["faker"],
                users_m=float(r["users_m"]),
                residential_asns=res,
                mobile_asns=mob,
                synthetic_asns=synthetic,
            )
        )
    return tuple(rows)


# Hosting and commercial-VPN networks (real ASNs): operators at low stealth, some benign users.
DATACENTER_ASNS: tuple[int, ...] = (16509, 14061, 24940, 16276, 63949, 20473, 51167, 8075)
VPN_ASNS: tuple[int, ...] = (9009, 60068, 212238, 136787, 206092)


@dataclass(frozen=True)
class Web:
    global_sites: tuple[str, ...]
    news_sites: dict[str, tuple[str, ...]]
    platform_brands: tuple[str, ...]
    shortener_brands: tuple[str, ...]
    gov_brands: dict[str, tuple[str, ...]]
    lookalike_tlds: tuple[str, ...]
    fresh_words: tuple[str, ...]
    url_paths: tuple[str, ...]


def _yaml(name: str) -> object:
    return yaml.safe_load(resources.files(_PKG).joinpath(name).read_text(encoding="utf-8"))


@cache
def web() -> Web:
    d = _yaml("data/web.yaml")
    assert isinstance(d, dict)
    return Web(
        global_sites=tuple(d["global_sites"]),
        news_sites={k: tuple(v) for k, v in d["news_sites"].items()},
        platform_brands=tuple(d["platform_brands"]),
        shortener_brands=tuple(d["shortener_brands"]),
        gov_brands={k: tuple(v) for k, v in d["gov_brands"].items()},
        lookalike_tlds=tuple(d["lookalike_tlds"]),
        fresh_words=tuple(d["fresh_words"]),
        url_paths=tuple(d["url_paths"]),
    )


@dataclass(frozen=True)
class UserAgents:
    benign: tuple[str, ...]
    weights: tuple[float, ...]
    automation: tuple[str, ...]


@cache
def user_agents() -> UserAgents:
    d = _yaml("data/user_agents.yaml")
    assert isinstance(d, dict)
    total = sum(float(w) for w, _ in d["benign"])
    return UserAgents(
        benign=tuple(ua for _, ua in d["benign"]),
        weights=tuple(float(w) / total for w, _ in d["benign"]),
        automation=tuple(d["automation"]),
    )


# ---- firm profiles (YAML, validated at the edge with pydantic) ---------------------------


class Range(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    min: int = Field(ge=0)
    max: int = Field(ge=0)


class OperationCount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    min: int = Field(ge=1)
    per_million_accounts: float = Field(ge=0)


class Behaviour(BaseModel):
    """Per-operation behaviour before stealth scaling."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    views_per_target: float = Field(ge=0)
    friend_list_views_per_target: float = Field(ge=0)
    enumerate_friends: int = Field(ge=0)  # friends (family first) profiled per target
    searches_per_account: float = Field(ge=0)
    group_joins_per_target: float = Field(ge=0, le=1)
    engaged_share: float = Field(ge=0, le=1)  # of targets, contacted by personas
    friend_request_share: float = Field(ge=0, le=1)  # of engaged targets
    acceptance: float = Field(ge=0, le=1)
    messages_per_engaged: float = Field(ge=0)
    reply_rate: float = Field(ge=0, le=1)
    exploited_share: float = Field(ge=0, le=1)  # of engaged (or all) targets sent a bad link
    links_per_exploited: float = Field(ge=1)
    link_share_channel: float = Field(ge=0, le=1)  # share of bad links posted, not messaged
    webint: bool


class Infrastructure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    domains_per_operation: Range
    styles: dict[str, float]
    hosting_country: str


class FirmProfile(BaseModel):
    """One firm's behaviour, loaded from ``firms/<firm>.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    firm: FirmId
    name: str
    base_country: str
    summary: str
    phases: tuple[Phase, ...]
    operations: OperationCount
    accounts_per_operation: Range
    targets_per_operation: Range
    roles: dict[str, float]
    persona_themes: tuple[str, ...]
    operator_countries: tuple[str, ...]
    target_countries: tuple[str, ...]
    target_categories: tuple[str, ...]
    infrastructure: Infrastructure
    behaviour: Behaviour
    sources: tuple[str, ...] = ()


DOMAIN_STYLES = (
    "news_lookalike",
    "platform_lookalike",
    "shortener_lookalike",
    "gov_lookalike",
    "fresh",
)
ROLES = ("recon", "persona", "exploit")


@cache
def firm_profiles() -> tuple[FirmProfile, ...]:
    out = []
    codes = {c.code for c in countries()}
    for firm in FirmId:
        name = f"firms/{firm.value}.yaml"
        try:
            prof = FirmProfile.model_validate(_yaml(name))
        except Exception as exc:  # pydantic/yaml errors: name the bundled file
            raise CounterspyError(f"bundled firm profile {name} is invalid: {exc}") from exc
        bad = [c for c in (*prof.target_countries, *prof.operator_countries) if c not in codes] + [
            s for s in prof.infrastructure.styles if s not in DOMAIN_STYLES
        ]
        bad += [r for r in prof.roles if r not in ROLES]
        if bad:
            raise CounterspyError(f"bundled firm profile {name}: unknown values {bad}")
        out.append(prof)
    return tuple(out)
