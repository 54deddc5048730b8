"""binational._coverage: the union of unit polygons, by coverage union only on a valid
coverage, compared with shapely's general union on the real units and on broken coverages."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from binational import _coverage
from binational._coverage import is_coverage, union_polygons
from binational.catchments.allocation import port_sheds
from binational.catchments.isochrones import land_by_side


def _same(a, b) -> bool:
    """Equal vertex for vertex once both are normalised (ring start and direction)."""
    return bool(shapely.equals_exact(shapely.normalize(a), shapely.normalize(b)))


def _reference(geoms):
    return shapely.union_all(shapely.make_valid(np.asarray(geoms, dtype=object)))


@pytest.mark.parametrize("country", ["US", "MX"])
def test_real_units_union_equals_shapely(region_ep, region_tj, country):
    """Every side of both regions: the same polygon as union_all, vertex for vertex; Juárez's
    AGEBs take the coverage path, San Diego's tracts (edges that do not match) do not."""
    for region in (region_ep, region_tj):
        part = region.units[region.units["country"] == country]
        geoms = np.asarray(part.geometry.values)
        got = union_polygons(geoms)
        assert _same(got, _reference(geoms)), (region.spec.name, country)
        assert got.area == pytest.approx(_reference(geoms).area, rel=1e-12)
    ep_mx = region_ep.units[region_ep.units["country"] == "MX"].geometry.values
    assert is_coverage(np.asarray(ep_mx))
    tj_us = region_tj.units[region_tj.units["country"] == "US"].geometry.values
    assert not is_coverage(np.asarray(tj_us))


def test_subsets_of_a_coverage_union_as_shapely(region_ep):
    """Random subsets (as the port sheds take) of Juárez's AGEBs, holes and separate parts
    included."""
    mx = np.asarray(region_ep.units[region_ep.units["country"] == "MX"].geometry.values)
    rng = np.random.default_rng(3)
    for _ in range(5):
        sub = mx[rng.random(len(mx)) < 0.3]
        assert is_coverage(sub)
        assert _same(union_polygons(sub), _reference(sub))


def test_overlapping_polygons_are_not_a_coverage():
    """Coverage union of overlapping squares keeps both squares (a wrong, invalid polygon):
    the general union must be taken."""
    geoms = [box(0, 0, 2, 2), box(1, 0, 3, 2)]
    assert not is_coverage(geoms)
    got = union_polygons(geoms)
    assert shapely.is_valid(got)
    assert got.area == pytest.approx(6.0)
    assert shapely.equals(got, box(0, 0, 3, 2))


def test_unmatched_edges_and_invalid_polygons_take_the_general_union():
    """A neighbour whose shared edge has an extra vertex, and a self-crossing polygon (repaired
    by make_valid first, as before)."""
    left = box(0, 0, 1, 1)
    right = Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.5)])
    assert not is_coverage([left, right])
    assert union_polygons([left, right]).area == pytest.approx(2.0)
    bowtie = Polygon([(3, 0), (4, 1), (4, 0), (3, 1)])
    assert not is_coverage([left, bowtie])
    assert _same(union_polygons([left, bowtie]), _reference([left, bowtie]))


def test_missing_empty_and_lines():
    """Missing and empty geometries are ignored; a line is not a polygon coverage."""
    a, b = box(0, 0, 1, 1), box(1, 0, 2, 1)
    got = union_polygons(np.array([a, None, Polygon(), b], dtype=object))
    assert shapely.equals(got, box(0, 0, 2, 1))
    assert union_polygons(np.array([None], dtype=object)).is_empty
    assert not is_coverage([a, shapely.LineString([(0, 0), (5, 5)])])


def test_land_and_sheds_use_it(region_ep, monkeypatch):
    """land_by_side and port_sheds give what the general union gives, and go through the
    coverage union on Juárez–El Paso."""
    units = region_ep.units
    calls = []
    real = shapely.coverage_union_all

    def spy(geoms, *args, **kwargs):
        calls.append(len(geoms))
        return real(geoms, *args, **kwargs)

    monkeypatch.setattr(_coverage.shapely, "coverage_union_all", spy)
    land = land_by_side(units)
    for country, part in units.groupby("country"):
        want = shapely.buffer(_reference(part.geometry.values), 0)
        assert _same(land[country], want)
    assert sorted(calls) == sorted(units.groupby("country").size().tolist())
    best = units["country"].map({"US": 2401, "MX": 2402}).where(units.index % 3 > 0, 2404)
    sheds = port_sheds(units, best)
    for _, row in sheds.iterrows():
        rows = (best == row["port_code"]) & (units["country"] == row["country"])
        assert _same(row["geometry"], _reference(units.geometry[rows].values))
