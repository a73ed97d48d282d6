"""TAXII 2.1 paging throughput through OASIS's taxii2-client over loopback HTTP.

Run: ``PYTHONPATH=src python -m benchmarks.bench_taxii --objects 10000 100000 --page 1000 5000
--repeat 3`` (add ``--store-url postgresql+psycopg://.../EMPTY_DB`` for PostgreSQL; default:
a temporary SQLite file).

For each size: N STIX indicators (TLP:GREEN) are published into one collection in one
transaction (timed), then the API is served by uvicorn on 127.0.0.1 in a background thread and
a partner pages through the collection with ``taxii2client.v21.as_pages(get_objects)`` for each
page size (timed, ``repeat`` times; median reported). Every run checks that it saw each id
exactly once. A pull (``counterspy share pull`` machinery: pages committed into a second
store's intel tables) is timed once per size at the first page size.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from taxii2client.v21 import Collection, as_pages

from counterspy.api.app import create_app
from counterspy.api.loopback import serve_in_thread
from counterspy.auth import users
from counterspy.share import collections as coll
from counterspy.share.publish import publish
from counterspy.share.pull import CapturingAuth, pull
from counterspy.share.tlp import Tlp
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace


def _objects(n: int) -> list[dict[str, object]]:
    return [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid4()}",
            "created": "2021-12-16T00:00:00.000Z",
            "modified": "2021-12-16T00:00:00.000Z",
            "name": f"bench {i}",
            "pattern": f"[domain-name:value = 'op{i}.bench.example']",
            "pattern_type": "stix",
            "valid_from": "2021-12-16T00:00:00Z",
            "object_marking_refs": [Tlp.GREEN.marking_id],
        }
        for i in range(n)
    ]


def _page_through(url: str, token: str, page: int, expected: int) -> float:
    col = Collection(url, user=token.split("_")[1], password=token)  # Basic, by prefix
    t0 = time.perf_counter()
    seen: set[str] = set()
    count = 0
    for env in as_pages(col.get_objects, per_request=page):
        for o in env.get("objects", []):
            seen.add(o["id"])
            count += 1
    secs = time.perf_counter() - t0
    col.close()
    if count != expected or len(seen) != expected:
        raise SystemExit(f"paging saw {count} objects, {len(seen)} distinct; want {expected}")
    return secs


def run(sizes: list[int], pages: list[int], repeat: int, store_url: str | None) -> None:
    print(
        "| objects | page size | publish (obj/s) | paging, median s | paging obj/s | pull obj/s |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(store_url or f"sqlite:///{Path(tmp) / 'server.db'}")
            upgrade(store.engine)
            with store.session() as s:
                name = f"bench-partner-{n}"
                users.create_user(s, name=name, role="partner", organisation="org", actor="bench")
                _, token = users.issue_token(s, name=name, actor="bench")
                cid = coll.create_collection(
                    s, title=f"bench {n}", max_tlp=Tlp.GREEN, actor="bench"
                ).id
                coll.grant(s, key=cid, organisation="org", actor="bench")
            objs = _objects(n)
            t0 = time.perf_counter()
            with store.session() as s:
                publish(s, key=cid, objects=objs, actor="bench")
            publish_rate = n / (time.perf_counter() - t0)
            app = create_app(Workspace(Path(tmp) / "home"), store=store)
            with serve_in_thread(app) as base:
                root = base + "taxii2/share/"
                url = f"{root}collections/{cid}/"
                for i, page in enumerate(pages):
                    times = [_page_through(url, token, page, n) for _ in range(repeat)]
                    med = statistics.median(times)
                    pull_rate = ""
                    if i == 0:
                        client = Store(f"sqlite:///{Path(tmp) / 'client.db'}")
                        upgrade(client.engine)
                        t0 = time.perf_counter()
                        summary = pull(
                            client,
                            api_root=root,
                            collection_id=cid,
                            auth=CapturingAuth(token),
                            actor="bench",
                            per_request=page,
                        )
                        pull_rate = f"{summary.objects / (time.perf_counter() - t0):,.0f}"
                        client.dispose()
                    print(
                        f"| {n:,} | {page:,} | {publish_rate:,.0f} | {med:.2f} | "
                        f"{n / med:,.0f} | {pull_rate} |",
                        flush=True,
                    )
            store.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--objects", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--page", type=int, nargs="+", default=[1_000, 5_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--store-url", default=None, help="Server store (default: temp SQLite).")
    args = ap.parse_args()
    run(args.objects, args.page, args.repeat, args.store_url)


if __name__ == "__main__":
    main()
