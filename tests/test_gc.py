"""The GC helpers change the collector only inside their block, and give it back as it was."""

from __future__ import annotations

import gc

import pytest

from binational import _gc


def test_fewer_collections_raises_the_young_threshold_then_restores_it():
    before = gc.get_threshold()
    with _gc.fewer_collections(young=123_456):
        assert gc.get_threshold() == (123_456, *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), _gc.fewer_collections(young=99_999):
        raise RuntimeError("a failing command")
    assert gc.get_threshold() == before


def test_older_objects_are_frozen_only_inside_the_block():
    assert gc.get_freeze_count() == 0
    kept = [[i] for i in range(1000)]  # noqa: F841  (objects that exist before the block)
    with _gc.older_objects_frozen():
        frozen = gc.get_freeze_count()
        assert frozen >= 1000
        later = [[i] for i in range(500)]  # noqa: F841
        with _gc.older_objects_frozen():  # an inner block leaves the outer one as it is
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == 0


def test_gc_paused_turns_the_collector_back_on_only_if_it_was_on():
    assert gc.isenabled()
    with _gc.gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _gc.gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
