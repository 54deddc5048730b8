"""Option groups: the one rule that applies flat keywords to a frozen dataclass of groups.

:class:`binational.catchments.CatchmentOptions` and :class:`binational.commuting.CommutingOptions`
group their options into frozen dataclasses and still take the earlier flat keywords
(``hour=8``, ``buffer_m=300``, ``purposes=("HBW",)``); :func:`replace_flat` routes each keyword to
its group and refuses an unknown one, as Python refuses a misspelt keyword argument.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

_Options = TypeVar("_Options")


def replace_flat(
    options: _Options, flat: Mapping[str, Any], keywords: Mapping[str, tuple[str | None, str]]
) -> _Options:
    """Return a copy of ``options`` with the flat keywords applied.

    Parameters
    ----------
    options
        A frozen dataclass whose fields are option groups (frozen dataclasses) or plain values.
    flat
        Keyword → value, e.g. ``{"hour": 8}``.
    keywords
        Keyword → ``(group field or None, field name)``: where each keyword goes.

    Returns
    -------
    Same type as ``options``
        A new instance; ``options`` is not changed.

    Raises
    ------
    TypeError
        For a keyword that is not in ``keywords``.
    """
    unknown = sorted(set(flat) - set(keywords))
    if unknown:
        raise TypeError(
            f"unexpected keyword argument(s) {', '.join(map(repr, unknown))}; options are "
            f"{', '.join(sorted(keywords))}"
        )
    groups: dict[str, dict] = {}
    top: dict = {}
    for name, value in flat.items():
        group, attr = keywords[name]
        if group is None:
            top[attr] = value
        else:
            groups.setdefault(group, {})[attr] = value
    for group, changes in groups.items():
        top[group] = dataclasses.replace(getattr(options, group), **changes)
    return dataclasses.replace(options, **top)
