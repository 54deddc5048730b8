"""Ethnic concentration: segregation indices, location quotients and local clusters.

How unevenly a group is spread across the census units of a twin city, on each side and across
the whole binational region, and where it clusters. Values agree with PySAL ``segregation`` and
``esda`` on the same input; everything is vectorised numpy/scipy (no JIT, no per-unit loops).

Modules
-------
singlegroup
    Aspatial single-group indices (D, Gini, Theil's H, isolation, exposure, eta², Atkinson).
spatial
    Local environments, spatial proximity SP, spatial D and isolation, Morrill's D(adj).
indices
    All global single-group indices at once (:func:`singlegroup_indices`, :class:`IndexSet`).
multigroup
    Multigroup D and Gini, Theil's H, normalised exposure, diversity, Simpson's indices.
weights
    SpatialWeights, islands, the cross-border switch; libpysal ``W``/``Graph`` accepted.
contiguity, distance_weights
    Queen/rook contiguity (snapped across gaps); knn, distance-band and kernel weights.
composition
    Location quotients, local entropy, diversity and Simpson's indices of each unit.
lisa
    Gi* and local Moran with conditional permutations, FDR, cluster labels.
local
    :func:`local_measures`: composition and LISAs of one group, one row per unit.
inference
    Permutation nulls, p-values, bootstrap intervals, two-region / two-year comparison.
moe
    ACS margin-of-error propagation by simulation, with a bias-corrected interval.
named
    Named groups (:mod:`binational.groups`) per side over their own denominators, the
    binational comparison terms, socio-economic context.
multiscalar
    Spatial D and isolation over kernel bandwidths (multiscalar profile).
options
    Frozen option groups of a profile: Inference, MoeOptions, LocalOptions, BinationalOptions.
scopes
    First steps of a profile: :func:`prepare_units` (your own table, ``columns=``, metres) and
    :func:`resolve_scopes` (US, MX, binational).
profile
    :func:`concentration_profile`: everything for a region, per side, in one tidy table — the
    chain of :func:`scope_indices`, :func:`scope_multigroup`, :func:`scope_local` and
    :func:`profile_table` (:mod:`.tidy`).
"""

from __future__ import annotations

from .composition import local_entropy, location_quotient
from .indices import DEFAULT_INDICES, IndexSet, singlegroup_indices
from .inference import compare, infer, null_distribution
from .lisa import fdr_qvalues, fdr_threshold, getis_ord_local, moran_local
from .local import local_measures
from .moe import moe_intervals
from .multigroup import multigroup_indices
from .multiscalar import multiscalar_profile
from .named import binational_comparison, named_group_profile, socioeconomic_context
from .options import BinationalOptions, Inference, LocalOptions, MoeOptions
from .profile import (
    ConcentrationProfile,
    concentration_profile,
    scope_indices,
    scope_local,
    scope_multigroup,
)
from .scopes import Scope, prepare_units, resolve_scopes
from .singlegroup import (
    atkinson,
    correlation_ratio,
    dissimilarity,
    entropy,
    exposure,
    gini,
    isolation,
)
from .spatial import (
    adjusted_dissimilarity,
    local_environment,
    spatial_dissimilarity,
    spatial_isolation,
    spatial_proximity,
)
from .tidy import profile_table
from .weights import SpatialWeights, as_spatial_weights, build_weights

__all__ = [
    "DEFAULT_INDICES",
    "BinationalOptions",
    "ConcentrationProfile",
    "IndexSet",
    "Inference",
    "LocalOptions",
    "MoeOptions",
    "Scope",
    "SpatialWeights",
    "adjusted_dissimilarity",
    "as_spatial_weights",
    "atkinson",
    "binational_comparison",
    "build_weights",
    "compare",
    "concentration_profile",
    "correlation_ratio",
    "dissimilarity",
    "entropy",
    "exposure",
    "fdr_qvalues",
    "fdr_threshold",
    "getis_ord_local",
    "gini",
    "infer",
    "isolation",
    "local_entropy",
    "local_environment",
    "local_measures",
    "location_quotient",
    "moe_intervals",
    "moran_local",
    "multigroup_indices",
    "multiscalar_profile",
    "named_group_profile",
    "null_distribution",
    "prepare_units",
    "profile_table",
    "resolve_scopes",
    "scope_indices",
    "scope_local",
    "scope_multigroup",
    "singlegroup_indices",
    "socioeconomic_context",
    "spatial_dissimilarity",
    "spatial_isolation",
    "spatial_proximity",
]
