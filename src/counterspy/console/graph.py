"""The operation's account–target graph, laid out server-side and drawn as inline SVG.

Edges come from the workspace's events (operator account → target, weighted by how many
actions); the layout is igraph's Kamada–Kawai, started from a circle so the same data always
gives the same picture. No JavaScript is involved.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import igraph as ig
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from counterspy.console.overview import FileSignature, file_signature
from counterspy.workspace import Workspace

WIDTH = 720
HEIGHT = 480
MARGIN = 28
MAX_TARGETS = 120


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # operator | target
    x: float
    y: float
    label: str
    degree: int


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    weight: int
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: int
    height: int
    hidden_targets: int  # targets left out to keep the picture readable


def operation_edges(
    ws: Workspace, operators: Iterable[str], targets: Iterable[str]
) -> dict[tuple[str, str], int]:
    """(operator, target) → number of events, read from the workspace's committed loads
    (cached until a load is added: the scan is the slow part of a case page)."""
    files = ws.table_files("events")
    ops = tuple(sorted(operators))
    wanted = frozenset(targets)
    if not files or not ops or not wanted:
        return {}
    return dict(_edges(file_signature(files), ops, wanted))


@lru_cache(maxsize=64)
def _edges(
    signature: FileSignature, ops: tuple[str, ...], wanted: frozenset[str]
) -> tuple[tuple[tuple[str, str], int], ...]:
    table = ds.dataset([p for p, _, _ in signature], format="parquet").to_table(
        columns=["actor_id", "target_id"], filter=pc.field("actor_id").isin(pa.array(ops))
    )
    if table.num_rows == 0:
        return ()
    grouped = table.group_by(["actor_id", "target_id"]).aggregate([("actor_id", "count")])
    out: list[tuple[tuple[str, str], int]] = []
    for a, t, n in zip(
        grouped["actor_id"].to_pylist(),
        grouped["target_id"].to_pylist(),
        grouped["actor_id_count"].to_pylist(),
        strict=True,
    ):
        if t in wanted:
            out.append(((str(a), str(t)), int(n)))
    return tuple(out)


def layout_graph(
    operators: list[str],
    edges: dict[tuple[str, str], int],
    target_labels: dict[str, str],
) -> Graph:
    """Place operators and (up to MAX_TARGETS of the most contacted) targets."""
    weight_of_target: dict[str, int] = {}
    for (_, t), n in edges.items():
        weight_of_target[t] = weight_of_target.get(t, 0) + n
    ranked = sorted(weight_of_target, key=lambda t: (-weight_of_target[t], t))
    shown = set(ranked[:MAX_TARGETS])
    names = [*operators, *sorted(shown, key=ranked.index)]
    index = {n: i for i, n in enumerate(names)}
    kept = [(a, t, n) for (a, t), n in sorted(edges.items()) if a in index and t in shown]
    g = ig.Graph(n=len(names), edges=[(index[a], index[t]) for a, t, _ in kept])
    if len(names) == 0:
        return Graph((), (), WIDTH, HEIGHT, 0)
    circle = [
        (math.cos(2 * math.pi * i / len(names)), math.sin(2 * math.pi * i / len(names)))
        for i in range(len(names))
    ]
    coords = g.layout_kamada_kawai(seed=circle).coords if len(names) > 1 else [(0.0, 0.0)]
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0

    def place(i: int) -> tuple[float, float]:
        x = MARGIN + (xs[i] - min(xs)) / span_x * (WIDTH - 2 * MARGIN)
        y = MARGIN + (ys[i] - min(ys)) / span_y * (HEIGHT - 2 * MARGIN)
        return round(x, 1), round(y, 1)

    degree = g.degree()
    op_set = set(operators)
    nodes = tuple(
        Node(
            id=n,
            kind="operator" if n in op_set else "target",
            x=place(i)[0],
            y=place(i)[1],
            label=n if n in op_set else target_labels.get(n, n),
            degree=degree[i],
        )
        for i, n in enumerate(names)
    )
    drawn = tuple(Edge(a, t, n, *place(index[a]), *place(index[t])) for a, t, n in kept)
    return Graph(nodes, drawn, WIDTH, HEIGHT, max(0, len(weight_of_target) - len(shown)))
