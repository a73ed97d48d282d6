"""Comparing a workspace's detection results with simulator ground truth.

Definitions (all over account ids; see docs/detection.md):

* operator precision / recall: flagged accounts vs ``truth/operators.parquet`` accounts;
* target precision / recall: distinct accounts listed in results/targets vs distinct
  ``truth/targets.parquet`` accounts; phase accuracy: among correctly listed targets, share
  whose highest reported phase equals the true highest phase (max over operations);
* attribution accuracy: share of true operations that were *found* (at least half of their
  operators flagged) and whose flagged operators mostly sit in one predicted operation that is
  attributed to the true firm; an operation found through one lucky account does not count;
* confounder FPR: flagged accounts among the *benign* confounders of
  ``truth/confounders.parquet`` (operators the simulator also gave a confounder behaviour as
  cover, e.g. sharing a viral link, are operators, not false positives) / all of them, overall
  and per confounder kind (an account with two kinds counts in both);
* per firm: operator recall, operations found (≥ half of the operators detected), found and
  correctly attributed (so attributed ≤ found), and found *whole* (every flagged operator in one
  predicted operation: the fragmentation measure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from counterspy.detect.results import read_result
from counterspy.errors import CounterspyError
from counterspy.model import Phase
from counterspy.workspace import Workspace

_RANK = {p.value: p.rank for p in Phase}


@dataclass(frozen=True)
class FirmScore:
    operators: int
    detected: int
    recall: float
    operations: int
    operations_found: int
    operations_attributed: int  # found and correctly attributed: never more than found
    operations_whole: int  # found, with every flagged operator in one predicted operation


@dataclass(frozen=True)
class ConfounderScore:
    accounts: int
    flagged: int
    fpr: float


@dataclass(frozen=True)
class Evaluation:
    operator_precision: float
    operator_recall: float
    target_precision: float
    target_recall: float
    target_phase_accuracy: float
    attribution_accuracy: float
    confounder_fpr: float
    operations_true: int
    operations_predicted: int
    flagged: int
    operators_true: int
    targets_listed: int
    targets_true: int
    confounders: int
    confounders_flagged: int
    per_firm: dict[str, FirmScore] = field(default_factory=dict)
    per_confounder: dict[str, ConfounderScore] = field(default_factory=dict)


def _read_truth(truth: Path, name: str) -> pd.DataFrame:
    f = truth / f"{name}.parquet"
    if not f.is_file():
        raise CounterspyError(
            f"ground truth file {f} not found",
            hint="pass --truth the simulator's truth/ folder (simulate --out DIR writes DIR/truth)",
        )
    return pd.read_parquet(f)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


@dataclass(frozen=True)
class TargetScore:
    precision: float
    recall: float
    phase_accuracy: float


def target_scores(listed_rows: pd.DataFrame, truth_rows: pd.DataFrame) -> TargetScore:
    """Target precision, recall and phase accuracy of ``listed_rows`` (results/targets:
    target_id, phase) against ``truth_rows`` (truth/targets: account_id, phase)."""
    listed = set(listed_rows["target_id"])
    true_targets = set(truth_rows["account_id"])
    both = listed & true_targets
    pred = listed_rows.assign(r=listed_rows["phase"].map(_RANK)).groupby("target_id")["r"].max()
    true = truth_rows.assign(r=truth_rows["phase"].map(_RANK)).groupby("account_id")["r"].max()
    phase_ok = sum(1 for t in both if pred.get(t) == true.get(t))
    return TargetScore(
        precision=round(_ratio(len(both), len(listed)), 4),
        recall=round(_ratio(len(both), len(true_targets)), 4),
        phase_accuracy=round(_ratio(phase_ok, len(both)), 4),
    )


def evaluate(ws: Workspace, truth: Path) -> Evaluation:
    ops_t = _read_truth(truth, "operators")
    tgt_t = _read_truth(truth, "targets")
    conf_t = _read_truth(truth, "confounders")
    acc = read_result(ws, "accounts")
    tgt = read_result(ws, "targets")
    opr = read_result(ws, "operations")

    flagged = acc[acc["flagged"]]
    flagged_ids = set(flagged["account_id"])
    true_ids = set(ops_t["account_id"])
    tp = len(flagged_ids & true_ids)

    listed = set(tgt["target_id"])
    true_targets = set(tgt_t["account_id"])
    targets = target_scores(tgt, tgt_t)

    firm_of_op = dict(zip(opr["operation_id"], opr["firm"], strict=True))
    op_of_acc = dict(zip(flagged["account_id"], flagged["operation_id"], strict=True))
    per_firm: dict[str, FirmScore] = {}
    correct = 0
    n_ops = 0
    for firm, fgrp in ops_t.groupby("firm", sort=True):
        found = attributed = whole = 0
        f_ops = fgrp.groupby("operation_id")
        for _, ogrp in f_ops:
            n_ops += 1
            got = [op_of_acc[a] for a in ogrp["account_id"] if a in op_of_acc]
            if not got or len(got) * 2 < len(ogrp):
                continue  # not found: neither attributed nor whole
            found += 1
            counts = pd.Series(got).value_counts()
            whole += int(len(counts) == 1)
            # Ties between equally large pieces go to the smallest predicted id (stable).
            main = min(counts.index[counts == counts.iloc[0]])
            if firm_of_op.get(main) == firm:
                attributed += 1
        correct += attributed
        det = int(fgrp["account_id"].isin(flagged_ids).sum())
        per_firm[str(firm)] = FirmScore(
            operators=len(fgrp),
            detected=det,
            recall=round(_ratio(det, len(fgrp)), 4),
            operations=len(f_ops),
            operations_found=found,
            operations_attributed=attributed,
            operations_whole=whole,
        )
    benign = conf_t[~conf_t["account_id"].isin(true_ids)]
    conf_ids = set(benign["account_id"])
    conf_flagged = len(conf_ids & flagged_ids)
    per_conf: dict[str, ConfounderScore] = {}
    for kind, kgrp in benign.groupby("kind", sort=True):
        ids = set(kgrp["account_id"])
        n_fl = len(ids & flagged_ids)
        per_conf[str(kind)] = ConfounderScore(
            accounts=len(ids), flagged=n_fl, fpr=round(_ratio(n_fl, len(ids)), 6)
        )
    return Evaluation(
        operator_precision=round(_ratio(tp, len(flagged_ids)), 4),
        operator_recall=round(_ratio(tp, len(true_ids)), 4),
        target_precision=targets.precision,
        target_recall=targets.recall,
        target_phase_accuracy=targets.phase_accuracy,
        attribution_accuracy=round(_ratio(correct, n_ops), 4),
        confounder_fpr=round(_ratio(conf_flagged, len(conf_ids)) if conf_ids else 0.0, 6),
        operations_true=n_ops,
        operations_predicted=len(opr),
        flagged=len(flagged_ids),
        operators_true=len(true_ids),
        targets_listed=len(listed),
        targets_true=len(true_targets),
        confounders=len(conf_ids),
        confounders_flagged=conf_flagged,
        per_firm=per_firm,
        per_confounder=per_conf,
    )
