"""Ground truth written beside the telemetry (``truth/``); detection never reads it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from counterspy.ingest.simulator.batch import EventBatch, T
from counterspy.ingest.simulator.operators import OperationPlan
from counterspy.ingest.simulator.vec import account_ids
from counterspy.model import Phase

I64 = npt.NDArray[np.int64]
PHASES = (Phase.RECONNAISSANCE, Phase.ENGAGEMENT, Phase.EXPLOITATION)


def event_phase(b: EventBatch) -> I64:
    """1 reconnaissance, 2 engagement, 3 exploitation, 0 not an operator-to-target action."""
    has_url = ~np.asarray(b.url.is_null())
    e = b.etype
    recon = np.isin(e, [T["profile_view"], T["friend_list_view"]])
    engage = np.isin(e, [T["friend_request"], T["follow"]]) | ((e == T["message"]) & ~has_url)
    exploit = np.isin(e, [T["message"], T["link_share"]]) & has_url
    return np.select([exploit, engage, recon], [3, 2, 1], 0).astype(np.int64)


def target_phases(plan: OperationPlan, b: EventBatch) -> tuple[I64, I64]:
    """(target, highest phase) for every account the operation's accounts acted upon."""
    ph = event_phase(b)
    mine = np.isin(b.actor, plan.accounts) & (b.target >= 0) & (ph > 0)
    mine &= ~np.isin(b.target, plan.accounts)
    tgt, phase = b.target[mine], ph[mine]
    if len(tgt) == 0:
        return tgt, phase
    order = np.lexsort((phase, tgt))
    tgt, phase = tgt[order], phase[order]
    last = np.r_[tgt[1:] != tgt[:-1], True]
    return tgt[last], phase[last]


def write_truth(
    out: Path,
    plans: list[OperationPlan],
    reached: list[tuple[I64, I64]],
    used: list[set[str]],
    confounders: dict[str, I64],
    meta: dict[str, object],
) -> None:
    d = out / "truth"
    d.mkdir(parents=True, exist_ok=True)
    ops, tg, dom, oper = [], [], [], []
    for p, (tgt, ph), seen in zip(plans, reached, used, strict=True):
        firm = p.firm.firm.value
        ops.append((p.op_id, firm, ",".join(x.value for x in p.phases), len(p.accounts), len(tgt)))
        for a, r in zip(p.accounts, p.roles, strict=True):
            oper.append((int(a), firm, p.op_id, r))
        for t, h in zip(tgt, ph, strict=True):
            tg.append((int(t), firm, p.op_id, PHASES[int(h) - 1].value))
        for name, style in p.domains:
            dom.append((name, firm, p.op_id, style, name in seen))

    def ids(values: list[int]) -> pa.Array:
        return account_ids(np.array(values, dtype=np.int64))

    def col(rows: Sequence[tuple[object, ...]], i: int) -> list[object]:
        return [r[i] for r in rows]

    pq.write_table(
        pa.table(
            {
                "account_id": ids([int(r[0]) for r in oper]),
                "firm": col(oper, 1),
                "operation_id": col(oper, 2),
                "role": col(oper, 3),
            }
        ),
        d / "operators.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "account_id": ids([int(r[0]) for r in tg]),
                "firm": pa.array(col(tg, 1), pa.string()),
                "operation_id": pa.array(col(tg, 2), pa.string()),
                "phase": pa.array(col(tg, 3), pa.string()),
            }
        ),
        d / "targets.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "domain": col(dom, 0),
                "firm": col(dom, 1),
                "operation_id": col(dom, 2),
                "style": col(dom, 3),
                "seen_in_events": pa.array(col(dom, 4), pa.bool_()),
            }
        ),
        d / "domains.parquet",
    )
    kinds = sorted(confounders)
    c_idx = np.concatenate([confounders[k] for k in kinds]) if kinds else np.zeros(0, np.int64)
    c_kind = [k for k in kinds for _ in range(len(confounders[k]))]
    pq.write_table(
        pa.table(
            {
                "account_id": account_ids(c_idx.astype(np.int64)),
                "kind": pa.array(c_kind, pa.string()),
            }
        ),
        d / "confounders.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "operation_id": col(ops, 0),
                "firm": col(ops, 1),
                "phases": col(ops, 2),
                "n_accounts": pa.array(col(ops, 3), pa.int64()),
                "n_targets": pa.array(col(ops, 4), pa.int64()),
            }
        ),
        d / "operations.parquet",
    )
    (d / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
