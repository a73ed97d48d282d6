"""Rendering account rows (names, locales, photos) in the ACCOUNTS contract."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from counterspy.ingest.schema import ACCOUNTS
from counterspy.ingest.simulator.population import (
    ACCOUNT_TYPES,
    AT_RISK_CATEGORIES,
    BUSINESS,
    PAGE_TYPE,
    Population,
)
from counterspy.ingest.simulator.vec import account_ids, account_ids_numeric, hex_ids, mix

I64 = npt.NDArray[np.int64]
_PAGE_TOPICS = ("News", "Today", "Community", "Updates", "Daily", "Sports", "Events", "Voice")


@dataclass(frozen=True)
class NameTable:
    strings: pa.Array
    first: I64  # [country, 2]: offset, length
    last: I64
    whole: I64
    org: I64
    city: I64


@cache
def _names() -> dict[str, dict[str, list[str]]]:
    text = resources.files("counterspy.ingest.simulator").joinpath("data/names.json")
    data: dict[str, dict[str, list[str]]] = json.loads(text.read_text(encoding="utf-8"))
    return data


def name_table(pop: Population) -> NameTable:
    data = _names()
    strings: list[str] = []
    parts = {
        k: np.zeros((len(pop.countries), 2), dtype=np.int64)
        for k in ("first", "last", "whole", "org", "city")
    }
    for ci, c in enumerate(pop.countries):
        entry = data.get(c.faker_locale) or data["en_US"]
        for k, arr in parts.items():
            values = entry.get(k, [])
            arr[ci] = (len(strings), len(values))
            strings.extend(values)
    return NameTable(
        pa.array(strings, pa.string()),
        parts["first"],
        parts["last"],
        parts["whole"],
        parts["org"],
        parts["city"],
    )


def _pick(table: I64, country: I64, key: npt.NDArray[np.uint64]) -> I64:
    off, ln = table[country, 0], np.maximum(table[country, 1], 1)
    picked: I64 = off + (key % ln.astype(np.uint64)).astype(np.int64)
    return picked


def id_order(n: int) -> I64:
    """Account positions in account-id order (parts are written in id order, like an export,
    so a file's rows say nothing about country or community)."""
    order: I64 = np.argsort(np.asarray(account_ids_numeric(np.arange(n, dtype=np.int64))))
    return order


def accounts_table(pop: Population, names: NameTable, idx: I64) -> pa.Table:
    country = pop.country[idx].astype(np.int64)
    s = names.strings
    first = s.take(pa.array(_pick(names.first, country, mix(idx, 301))))
    last = s.take(pa.array(_pick(names.last, country, mix(idx, 302))))
    person = pc.binary_join_element_wise(first, last, " ")
    whole_ok = names.whole[country, 1] > 0
    whole = s.take(pa.array(np.where(whole_ok, _pick(names.whole, country, mix(idx, 303)), 0)))
    person = pc.if_else(pa.array(whole_ok), whole, person)
    topic = pa.array(_PAGE_TOPICS).take(
        pa.array((mix(idx, 304) % np.uint64(len(_PAGE_TOPICS))).astype(np.int64))
    )
    city = s.take(pa.array(_pick(names.city, country, mix(idx, 305))))
    page = pc.binary_join_element_wise(city, topic, " ")
    org = s.take(pa.array(_pick(names.org, country, mix(idx, 306))))
    atype = pop.account_type[idx]
    display = pc.if_else(
        pa.array(atype == PAGE_TYPE), page, pc.if_else(pa.array(atype == BUSINESS), org, person)
    )
    codes = pa.array([c.code for c in pop.countries])
    locales = pa.array([c.locale for c in pop.countries])
    # a minority use an English interface whatever their country
    english = (mix(idx, 307) % np.uint64(100)).astype(np.int64) < 9
    own = locales.take(pa.array(pop.locale_country[idx]))
    locale = pc.if_else(pa.array(english), pa.scalar("en-US"), own)
    risk = pop.at_risk[idx].astype(np.int64)
    at_risk = pa.array(AT_RISK_CATEGORIES).take(pa.array(np.maximum(risk, 0), mask=risk < 0))
    photo = pop.photo[idx]
    photo_hash = hex_ids(photo)
    photo_hash = pc.if_else(pa.array(photo != 0), photo_hash, pa.scalar(None, pa.string()))
    cols = [
        account_ids(idx),
        pa.array(pop.created_us[idx], pa.timestamp("us", tz="UTC")),
        display,
        pa.array(ACCOUNT_TYPES).take(pa.array(atype.astype(np.int64))),
        codes.take(pa.array(country)),
        locale,
        pa.array(pop.verified[idx]),
        at_risk,
        photo_hash,
    ]
    return pa.Table.from_arrays(cols, schema=ACCOUNTS.schema)
