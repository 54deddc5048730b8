"""The named groups of a report, on each side of the border."""

from __future__ import annotations

import os
from pathlib import Path

from ._files import _root


def groups_results(
    region,
    *,
    permutations: int = 199,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    context: bool = True,
) -> dict:
    """Named groups of ``region`` on each side, with what the report's groups section shows.

    ``context=False`` leaves out the socio-economic context (the report has its own section
    for it).

    Parameters
    ----------
    region
        A loaded :class:`binational.Region`.
    permutations
        Permutations of the index tests.
    seed
        Random seed of the tests.
    data_dir
        Data folder of the INEGI ITER composition table (default: ``settings.data_dir``).
    context
        Include the socio-economic context.

    Returns
    -------
    dict
        Keyword arguments of :func:`binational.render.groups_section.groups_section`:
        ``profile``, ``multiscalar``, ``iter_composition``, ``context``, ``comparison``.
    """
    from ..concentration.multiscalar import multiscalar_profile
    from ..concentration.named import (
        binational_comparison,
        named_group_profile,
        socioeconomic_context,
    )
    from ..groups import denominator
    from ..io.mx_census import iter_composition, read_iter

    units = region.units
    profile = named_group_profile(region, permutations=permutations, seed=seed)
    multiscalar = None
    if "hispanic" in units.columns:
        multiscalar = multiscalar_profile(
            units, group="hispanic", total=denominator("hispanic", units.columns)
        )
    composition = None
    root = _root(data_dir)
    iter_path = region.spec.file("mx_iter", root) if root is not None else None
    if iter_path is not None and Path(iter_path).exists():
        composition = iter_composition(read_iter(iter_path, municipios=region.spec.mx_municipios))
    mx_groups = [g for g in ("born_elsewhere",) if g in units.columns]
    comparison = binational_comparison(
        units,
        us_group="hispanic",
        mx_group=mx_groups[0] if mx_groups else "born_elsewhere",
        profile=profile,
        seed=seed,
    )
    return {
        "profile": profile,
        "multiscalar": multiscalar,
        "iter_composition": composition,
        "context": socioeconomic_context(units, seed=seed) if context else None,
        "comparison": comparison,
    }
