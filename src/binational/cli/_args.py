"""argparse value types that reject impossible values with a message naming the value.

``--hour 25`` must not become hour 1, ``--month 13`` must not mean "all months" and
``--minutes nan`` must not give empty bands: each type raises ``argparse.ArgumentTypeError``,
which argparse turns into ``binational COMMAND: error: argument --hour: ...`` (exit 2).
"""

from __future__ import annotations

import argparse
import math


def _int_in(value: str, lo: int, hi: int, what: str) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a whole number; give {what} as {lo}-{hi}"
        ) from None
    if not lo <= n <= hi:
        raise argparse.ArgumentTypeError(f"{what} {n} is out of range; give {lo}-{hi}")
    return n


def hour(value: str) -> int:
    """Hour of day, 0-23."""
    return _int_in(value, 0, 23, "hour of day")


def month(value: str) -> int:
    """Month, 1-12."""
    return _int_in(value, 1, 12, "month")


def weekday(value: str) -> int | str:
    """0-6 (Monday = 0), a day name, 'weekdays', 'weekend' or 'all'."""
    text = str(value).strip().lower()
    if text.lstrip("+-").isdigit():
        return _int_in(text, 0, 6, "weekday (Monday = 0)")
    if not text:
        raise argparse.ArgumentTypeError(
            "empty weekday; give 0-6 (Monday = 0), a day name, 'weekdays', 'weekend' or 'all'"
        )
    return text  # names are checked (with the same message) by the wait selection


def positive_float(value: str) -> float:
    """A finite number > 0."""
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not math.isfinite(x) or x <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be a finite number greater than 0")
    return x


def minutes(value: str) -> float:
    """A travel-time band in minutes: finite, > 0, at most one day."""
    x = positive_float(value)
    if x > 24 * 60:
        raise argparse.ArgumentTypeError(f"{value!r} minutes is more than a day; give 1-1440")
    return x


def positive_int(value: str) -> int:
    """A whole number > 0."""
    return _int_in(value, 1, 10**9, "the value")


def nonnegative_int(value: str) -> int:
    """A whole number >= 0."""
    return _int_in(value, 0, 10**9, "the value")


def probability(value: str) -> float:
    """A number strictly between 0 and 1."""
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be between 0 and 1 (e.g. 0.05)")
    return x
