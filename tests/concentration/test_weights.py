"""Spatial weights against libpysal; the cross-border switch and islands on the real units."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from binational.concentration.contiguity import contiguity
from binational.concentration.distance_weights import distance_band, kernel, knn
from binational.concentration.weights import build_weights
from binational.errors import CRSError, IndexInputError

pytestmark = pytest.mark.slow  # uses the session's PySAL reference run


BUILDERS = {
    "queen": lambda u: contiguity(u),
    "rook": lambda u: contiguity(u, rook=True),
    "knn6": lambda u: knn(u, k=6),
    "band3000": lambda u: distance_band(u, threshold=3000),
    "band3000_inv": lambda u: distance_band(u, threshold=3000, binary=False),
    "kernel2000": lambda u: kernel(u, bandwidth=2000),
    "kernel_k5_gauss": lambda u: kernel(u, k=5, function="gaussian"),
}


@pytest.mark.parametrize("frame", ["sd", "ep"])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_weights_equal_libpysal(request, reference, frame, name):
    units = request.getfixturevalue(frame)
    ours = BUILDERS[name](units).sparse.toarray()
    ref = reference[f"{frame}_weights"][name].toarray()
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_rook_islands_reported_like_libpysal(sd, reference, caplog):
    ref = reference["sd_weights"]["rook"]
    ref_islands = np.flatnonzero(np.diff(ref.indptr) == 0)
    with caplog.at_level(logging.WARNING, logger="binational"):
        w = contiguity(sd, rook=True)
    assert list(w.islands) == list(sd["unit_id"].iloc[ref_islands])
    assert len(w.islands) > 0
    assert "island" in caplog.text
    attached = contiguity(sd, rook=True, islands="attach")
    assert not attached.island_mask.any()
    assert set(attached.attached) == set(w.islands)
    # each island is linked (both ways) to the unit nearest to it
    ids = list(sd["unit_id"])
    for island, target in attached.attached.items():
        i, j = ids.index(island), ids.index(target)
        assert attached.sparse[i, j] == 1 and attached.sparse[j, i] == 1
        dist = sd.geometry.distance(sd.geometry.iloc[i]).drop(index=i)
        assert dist.loc[j] == pytest.approx(dist.min())
    with pytest.raises(IndexInputError, match="no neighbour"):
        contiguity(sd, rook=True, islands="raise")


def test_sides_kept_apart_by_default(tsd):
    for w in (contiguity(tsd), knn(tsd, k=4), distance_band(tsd, threshold=5000)):
        assert w.n_cross_border_links == 0
    # knn without crossing: every neighbour is on the unit's own side
    w = knn(tsd, k=4)
    coo = w.sparse.tocoo()
    country = tsd["country"].to_numpy()
    assert (country[coo.row] == country[coo.col]).all()
    assert (np.diff(w.sparse.indptr) == 4).all()


def test_cross_border_contiguity_links_san_ysidro_to_tijuana(tsd):
    apart = contiguity(tsd)
    across = contiguity(tsd, cross_border=True, border_tolerance=50)
    assert across.n_cross_border_links > 0
    # the only new links are cross-border ones, each between units within 50 m
    diff = (across.sparse - apart.sparse).tocoo()
    country = tsd["country"].to_numpy()
    assert (diff.data == 1).all()
    assert (country[diff.row] != country[diff.col]).all()
    geom = tsd.geometry.to_numpy()
    dist = np.array([geom[i].distance(geom[j]) for i, j in zip(diff.row, diff.col, strict=True)])
    assert (dist <= 50 + 1e-6).all()
    # symmetric
    assert (across.sparse != across.sparse.T).nnz == 0
    # census tract 100.15, which contains the San Ysidro port of entry, touches Tijuana AGEBs
    ids = list(tsd["unit_id"])
    i = ids.index("US:06073010015")
    nbrs = tsd["unit_id"].to_numpy()[across.sparse[[i]].indices]
    assert any(n.startswith("MX:02004") for n in nbrs)  # a Tijuana AGEB
    # a wider tolerance gives a superset
    wider = contiguity(tsd, cross_border=True, border_tolerance=200)
    assert wider.n_cross_border_links >= across.n_cross_border_links
    # rook across the border needs a shared stretch of boundary, so fewer links
    rook = contiguity(tsd, rook=True, cross_border=True, border_tolerance=50)
    assert 0 < rook.n_cross_border_links <= across.n_cross_border_links


def test_distance_kinds_cross_naturally(tsd):
    band = distance_band(tsd, threshold=3000, cross_border=True)
    assert band.n_cross_border_links > 0
    ker = kernel(tsd, bandwidth=3000, cross_border=True)
    assert ker.n_cross_border_links == band.n_cross_border_links
    near = knn(tsd, k=6, cross_border=True)
    assert near.n_cross_border_links > 0


def test_transform_subset_and_frame(sd):
    w = contiguity(sd)
    r = w.with_transform("r")
    np.testing.assert_allclose(np.asarray(r.sparse.sum(axis=1)).ravel(), 1.0)
    b = kernel(sd, bandwidth=2000).with_transform("b")
    assert set(np.unique(b.sparse.data)) == {1.0}
    keep = np.arange(len(sd)) % 2 == 0
    sub = w.subset(keep)
    assert sub.n == keep.sum()
    np.testing.assert_array_equal(sub.sparse.toarray(), w.sparse.toarray()[keep][:, keep])
    frame = w.to_frame()
    assert len(frame) == w.sparse.nnz
    assert set(frame.columns) == {"focal", "neighbor", "weight"}


def test_bad_weight_input(sd):
    with pytest.raises(IndexInputError, match="weights kind"):
        build_weights(sd, "hexagon")
    with pytest.raises(IndexInputError, match="k must be below"):
        knn(sd.head(3), k=5)
    with pytest.raises(IndexInputError, match="exactly one"):
        kernel(sd)
    with pytest.raises(IndexInputError, match="kernel function"):
        kernel(sd, bandwidth=100, function="cosine")
    with pytest.raises(CRSError, match="geographic"):
        contiguity(sd.to_crs(4326))
