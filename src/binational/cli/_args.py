"""argparse value types that reject impossible values with a message naming the value.

``--hour 25`` must not become hour 1, ``--month 13`` must not mean "all months" and
``--minutes nan`` must not give empty bands: each type raises ``argparse.ArgumentTypeError``,
which argparse turns into ``binational COMMAND: error: argument --hour: ...`` (exit 2).

Lists follow one convention in every command (:func:`add_list`): values separated by spaces
(``--minutes 15 30 45``), by commas (``--minutes 15,30,45``) or both; each item is checked by the
option's item type.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from typing import Any


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


class ListAction(argparse.Action):
    """``nargs="+"`` option whose items may also be comma-separated; each item is converted and
    checked by ``item`` (and ``item_choices``), and a bad one fails as an argparse error."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str,
        *,
        item: Callable[[str], Any] = str,
        item_choices: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("nargs", "+")
        super().__init__(option_strings, dest, **kwargs)
        self.item = item
        self.item_choices = tuple(item_choices) if item_choices is not None else None

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        out = []
        for value in values if isinstance(values, list) else [values]:
            for part in str(value).split(","):
                part = part.strip()
                if not part:
                    continue
                if self.item_choices is not None and part not in self.item_choices:
                    raise argparse.ArgumentError(
                        self,
                        f"invalid choice {part!r} (choose from {', '.join(self.item_choices)})",
                    )
                try:
                    out.append(self.item(part))
                except (argparse.ArgumentTypeError, ValueError) as exc:
                    raise argparse.ArgumentError(self, str(exc)) from None
        if not out:
            raise argparse.ArgumentError(self, "expected at least one value")
        setattr(namespace, self.dest, out)


def add_list(
    parser: argparse.ArgumentParser,
    flag: str,
    *,
    item: Callable[[str], Any] = str,
    choices: Sequence[str] | None = None,
    **kwargs: Any,
) -> argparse.Action:
    """Add a list option: ``FLAG A B C``, ``FLAG A,B,C`` or a mix of both.

    Parameters
    ----------
    parser
        The (sub-)parser to add the option to.
    flag
        Option string, e.g. ``"--minutes"``.
    item
        Converts and checks one item (e.g. :func:`minutes`); an ``ArgumentTypeError`` or
        ``ValueError`` it raises becomes the option's error message.
    choices
        Allowed items (checked after splitting on commas).
    **kwargs
        Passed to :meth:`argparse.ArgumentParser.add_argument` (``default``, ``help``, ...).

    Returns
    -------
    argparse.Action
        The added action.
    """
    return parser.add_argument(flag, action=ListAction, item=item, item_choices=choices, **kwargs)


def add_lang(parser: argparse.ArgumentParser) -> argparse.Action:
    """Add ``--lang en|es``: the language of the GeoPackage layer and field descriptions.

    Parameters
    ----------
    parser
        The sub-command's parser.

    Returns
    -------
    argparse.Action
        The added action.
    """
    return parser.add_argument(
        "--lang",
        choices=("en", "es"),
        default="en",
        help="language of the GeoPackage layer and field descriptions (default en)",
    )


def port_code(value: str) -> int:
    """A port of entry code: a whole number such as 2504."""
    return _int_in(value, 1, 10**6, "port code")
