"""What weak rings (``detect/weakring.py``) and link rings (``detect/linkring.py``) share.

Both form new operations from accounts no rule has flagged: the accounts that may take part
(not in an operation, not protected, no counter-evidence), rings as connected components of
candidate pairs kept when they are large enough and their members' own scores pool high
enough, and fresh operation ids after the existing ones.

Their large intermediates (the events touching the weak accounts' people: ~23M rows at 100M
events) stay inside the engine (:func:`kept_in_engine`), under its memory budget, instead of
being pulled into Python where no budget counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

import igraph as ig
import pandas as pd

# Engines whose temporary tables can hold a query over in-memory (Arrow) tables.
ENGINE_TEMP_TABLES = frozenset({"duckdb"})


@contextmanager
def kept_in_engine(
    engine: str,
    fallback: Callable[[Any], Any],
) -> Iterator[Callable[[Any], Any]]:
    """A ``keep`` for intermediates read several times: on DuckDB (``engine``, the name of the
    backend the detection's tables live in) each becomes a temporary
    table (counted in the engine's memory limit, spilled to its temp directory when needed,
    dropped on exit, every one even when dropping another fails); elsewhere ``fallback``
    (e.g. execute into an in-memory table). Pass only the step's own intermediates: Ibis
    shares one cached table per expression, so keeping an expression something else cached
    would drop it for that caller too."""
    with ExitStack() as drops:

        def keep(t: Any) -> Any:
            # Decided by the detection's engine, not by the expression: one built on
            # in-memory tables only (e.g. earlier fallbacks) would find the default DuckDB
            # backend and be cached there, away from the engine's own tables.
            if engine not in ENGINE_TEMP_TABLES:
                return fallback(t)
            c = t.cache()
            drops.callback(c.release)
            return c

        yield keep


def excluded(
    membership: Mapping[str, str], protected: Iterable[str], scores: pd.Series
) -> set[str]:
    """Accounts that take no part in a ring: members of operations, protected accounts and
    accounts with counter-evidence (a negative score)."""
    return set(membership) | set(protected) | set(scores[scores < 0].index.astype(str))


def own_scores(members: list[str], scores: pd.Series) -> pd.Series:
    """The members' own scores (missing: 0; counter-evidence counts as 0, not against)."""
    return scores.reindex(members).fillna(0.0).clip(lower=0.0)


def pooled_rings(
    pairs: Iterable[tuple[str, str]],
    scores: pd.Series,
    *,
    min_size: int,
    min_pooled: float,
    accept: Callable[[pd.Series], bool] | None = None,
) -> list[list[str]]:
    """Connected components of ``pairs`` with ≥ ``min_size`` accounts whose own scores pool
    to ≥ ``min_pooled`` (and ``accept(own scores)`` when given); largest first."""
    g = ig.Graph.TupleList(list(pairs), directed=False)
    out = []
    for comp in g.connected_components():
        names = sorted(str(g.vs[i]["name"]) for i in comp)
        own = own_scores(names, scores)
        if (
            len(names) >= min_size
            and own.sum() >= min_pooled - 1e-9
            and (accept is None or accept(own))
        ):
            out.append(names)
    return sorted(out, key=lambda r: (-len(r), r[0]))


def next_ids(membership: Mapping[str, str], n: int) -> list[str]:
    """``n`` operation ids after the highest ``op-NNNN`` in ``membership``."""
    used = [int(o.split("-")[-1]) for o in set(membership.values()) if o.split("-")[-1].isdigit()]
    start = max(used, default=0) + 1
    return [f"op-{k:04d}" for k in range(start, start + n)]


def as_operations(
    membership: Mapping[str, str], rings: list[list[str]]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Membership with each ring as a new operation, and the rings by their new ids."""
    named = dict(zip(next_ids(membership, len(rings)), rings, strict=True))
    out = dict(membership)
    for op, members in named.items():
        out.update(dict.fromkeys(members, op))
    return out, named
