"""A report's analyses give the same page run side by side (two threads) or one after another."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from binational import settings
from binational.pipeline import reporting


def _page(html: str) -> str:
    """The page without what differs between any two runs: folium's random element ids,
    matplotlib's SVG ids, the minute it was made."""
    html = re.sub(r"[0-9a-f]{32}", "<id>", html)
    html = re.sub(r"\b([pm])[0-9a-f]{10}\b", r"\1<id>", html)
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "<time>", html)


def test_two_threads_give_the_page_one_thread_gives(jz, monkeypatch):
    threads_seen = []
    chain = reporting._units_chain

    def spy(*args, **kwargs):
        import threading

        threads_seen.append(threading.current_thread().name)
        return chain(*args, **kwargs)

    monkeypatch.setattr(reporting, "_units_chain", spy)
    parts = {}
    for n in (1, 2):
        monkeypatch.setattr(settings, "threads", n)
        parts[n] = reporting.report(jz, groups=True, commuting=True, permutations=19, seed=3)
    # one thread ran the units chain in the caller; two ran it in the worker
    assert threads_seen[0] == "MainThread"
    assert threads_seen[1].startswith("binational-units")
    one, two = parts[1], parts[2]
    assert _page(one.html) == _page(two.html)
    assert list(one.missing.items()) == list(two.missing.items())
    pd.testing.assert_frame_equal(one.concentration.table, two.concentration.table)
    pd.testing.assert_frame_equal(one.catchments.units, two.catchments.units)
    assert set(one.timings) == set(two.timings) >= {"concentration", "catchments"}


def test_an_error_in_the_side_thread_reaches_the_caller(jz, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("units chain failed")

    monkeypatch.setattr(reporting, "_units_chain", boom)
    monkeypatch.setattr(settings, "threads", 2)
    with pytest.raises(RuntimeError, match="units chain failed"):
        reporting.report(jz, permutations=19)
