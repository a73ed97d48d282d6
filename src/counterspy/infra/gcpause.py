"""Pausing CPython's cyclic garbage collector while a batch of verdicts is built.

A batch call keeps every verdict it makes (the returned list) and, for never-seen hosts, the
memo entries behind them. To the collector these are young container objects that survive,
so every ~70,000 of them it runs a *full* collection, which walks every container of the
process: with a million indicators (or any other large heap) loaded, these passes cost a
quarter to a third of a cold indicator-only batch (see docs/benchmarks.md). Verdicts hold no
reference cycles, so reference counting alone frees everything a batch throws away; the
pause only postpones the collector's look at the survivors, and one young-generation pass
at the end examines them once, as it would have.

The collector state is process-wide; :func:`collector_paused` counts nested and concurrent
pauses (threads of a server) and re-enables the collector when the last one ends, and only
if it was enabled when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with automatic cyclic collection off (reference counting still runs)."""
    global _active, _resume
    with _lock:
        if _active == 0:
            _resume = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            last = _active == 0
            if last and _resume:
                gc.enable()
        if last and _resume:
            gc.collect(0)  # the young-generation pass the paused allocations would have had


def pauses_active() -> int:
    """How many pauses are running (for tests)."""
    return _active
