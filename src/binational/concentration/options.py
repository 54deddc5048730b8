"""Options of :func:`~binational.concentration.profile.concentration_profile`, grouped by step.

Each group is a frozen dataclass with the defaults of the profile, validated when built, so that
a set of options can be named once and reused (``Inference(level=0.9)``) and each step of the
profile takes only its own group:

:class:`Inference`
    Permutation test and bootstrap interval of the global indices.
:class:`MoeOptions`
    ACS margin-of-error propagation.
:class:`LocalOptions`
    Local measures (weights options, their permutations, p-value rule, significance level).
:class:`BinationalOptions`
    How the binational scope is built (weights across the border, pooling of groups).

The number of replicates (``permutations``) and the ``seed`` are not in any group: every random
step of a profile shares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import IndexInputError
from .inference import ALTERNATIVES, NULLS
from .lisa import LOCAL_ALTERNATIVES
from .moe import Z95

__all__ = ["BinationalOptions", "Inference", "LocalOptions", "MoeOptions"]


def _choice(value, choices, name, *, none: bool = False) -> None:
    if (value is None and none) or value in choices:
        return
    extra = " or None" if none else ""
    raise IndexInputError(f"{name} must be one of {', '.join(choices)}{extra}; got {value!r}")


@dataclass(frozen=True)
class Inference:
    """Permutation test and bootstrap interval of the global indices.

    Parameters
    ----------
    null
        Null of the permutation test (see :mod:`~binational.concentration.inference`); None
        skips the test.
    ci
        Compute bootstrap percentile intervals.
    level
        Coverage of the intervals (also of the MOE intervals).
    alternative
        ``"two-sided"``, ``"greater"`` or ``"less"``.
    """

    null: str | None = "systematic"
    ci: bool = True
    level: float = 0.95
    alternative: str = "two-sided"

    def __post_init__(self) -> None:
        _choice(self.null, NULLS, "null", none=True)
        _choice(self.alternative, ALTERNATIVES, "alternative")
        if not 0 < self.level < 1:
            raise IndexInputError(f"level must lie between 0 and 1, got {self.level!r}")


@dataclass(frozen=True)
class MoeOptions:
    """ACS margin-of-error propagation (see :mod:`~binational.concentration.moe`).

    Parameters
    ----------
    replicates
        Simulated tables (default: the profile's ``permutations``).
    z
        Normal quantile of the margins' level (1.96 for 95 %, 1.645 for 90 %).
    """

    replicates: int | None = None
    z: float = Z95


@dataclass(frozen=True)
class LocalOptions:
    """Local measures of each scope (see :func:`~binational.concentration.local.local_measures`).

    Parameters
    ----------
    weights_options
        Options of the weights builder when weights are built by kind (``{"k": 6}`` for knn,
        ``{"border_tolerance": 100}`` for snapped contiguity across the border...).
    permutations
        Conditional permutations (default: the profile's ``permutations``).
    alternative
        p-value rule (:data:`~binational.concentration.lisa.LOCAL_ALTERNATIVES`).
    alpha
        Significance level of the labels.
    """

    weights_options: Mapping = field(default_factory=dict)
    permutations: int | None = None
    alternative: str = "directed"
    alpha: float = 0.05

    def __post_init__(self) -> None:
        _choice(self.alternative, LOCAL_ALTERNATIVES, "local alternative")
        if not 0 < self.alpha < 1:
            raise IndexInputError(f"alpha must lie between 0 and 1, got {self.alpha!r}")


@dataclass(frozen=True)
class BinationalOptions:
    """How the binational scope (both sides pooled) is built.

    Parameters
    ----------
    cross_border
        Let weights and local environments cross the border (snapped contiguity for
        queen/rook). Single-side scopes never cross it.
    mixed_groups
        Pool two registered groups that measure different things (e.g. US poverty with Mexican
        marginalisation); by default that scope is refused (:mod:`binational.groups`: a
        cross-border index needs a variable defined on both sides).
    """

    cross_border: bool = True
    mixed_groups: bool = False
