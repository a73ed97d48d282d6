"""The collector pause around verdict batches restores the collector's state in every case."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from counterspy.infra.gcpause import collector_paused, pauses_active
from counterspy.infra.indicator_index import IndicatorIndex, Provenance
from counterspy.infra.verdict import VerdictEngine


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_pause_disables_and_restores() -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still runs
    assert gc.isenabled()
    assert pauses_active() == 0


def test_pause_restores_after_an_error() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_collector_left_off_by_the_caller_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_pauses_in_threads_enable_once_the_last_ends() -> None:
    inside, release = threading.Event(), threading.Event()

    def worker() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the worker's pause is still running
    release.set()
    t.join(5)
    assert gc.isenabled()


def test_engine_pauses_only_for_batches_and_verdicts_do_not_change() -> None:
    index = IndicatorIndex()
    index.add("domain", "evil.example", Provenance("indicator", "feed", "cytrox"))
    engine = VerdictEngine(index)
    seen: list[bool] = []
    real = engine._check_many

    def spy(urls: list[str]) -> list[object]:
        seen.append(gc.isenabled())
        return real(urls)  # type: ignore[return-value]

    engine._check_many = spy  # type: ignore[method-assign,assignment]
    urls = [f"https://h{i}.evil.example/" if i % 3 else f"https://ok{i}.com/" for i in range(1500)]
    big = engine.check_many(urls)
    small = engine.check_many(urls[:10])
    assert seen == [False, True]
    assert gc.isenabled()
    assert big[:10] == small
    assert sum(v.label.value == "malicious" for v in big) == 1000
