"""Tables computed once per job: a memo that lives only inside a :func:`memo_scope` block.

A report asks for the same derived tables from several sections (the hourly wait profile,
the port-level crossing counts). Inside ``with memo_scope():`` a function decorated with
:func:`memoised` computes its table once per input table (by identity) and arguments, and
hands each caller a deep copy, so no caller can change another's table. Outside a block, or
after it ends, the function runs as if undecorated: nothing is cached across jobs.

The input tables must not change while the block runs (the report only reads them).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import TypeVar

__all__ = ["in_memo_scope", "memo_scope", "memoised"]

F = TypeVar("F", bound=Callable)

_SCOPE: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "binational_memo", default=None
)


@contextlib.contextmanager
def memo_scope() -> Iterator[None]:
    """Memoise the :func:`memoised` functions until the block ends (then forget).

    A block inside another shares the outer block's memo (a report drawn in several parts, one
    job, computes each table once); the outermost block forgets it.
    """
    if _SCOPE.get() is not None:
        yield
        return
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def memoised(fn: F) -> F:
    """Decorate ``fn(table, *args, **kwargs)`` (hashable ``args``/``kwargs``) to be computed
    once per ``table`` object and arguments inside a :func:`memo_scope` block."""

    @functools.wraps(fn)
    def wrapper(table, *args, **kwargs):
        memo = _SCOPE.get()
        if memo is None:
            return fn(table, *args, **kwargs)
        # the entry holds the table itself, so its id cannot be reused while the memo lives
        key = (fn.__module__, fn.__qualname__, id(table), args, tuple(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = (table, fn(table, *args, **kwargs))
        value = memo[key][1]
        return value.copy(deep=True) if hasattr(value, "copy") else value

    return wrapper  # type: ignore[return-value]


def in_memo_scope(fn: F) -> F:
    """Decorate ``fn`` to run inside one :func:`memo_scope` block (its parts share it)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with memo_scope():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
