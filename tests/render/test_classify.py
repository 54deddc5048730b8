"""The numpy classes (quantiles, equal interval, user-defined) equal mapclassify's."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from binational.render._classify import classify, classify_column


def _ref(values, scheme, **kw):
    import mapclassify

    ok = np.isfinite(values)
    clf = mapclassify.classify(values[ok], scheme, **kw)
    return np.asarray(clf.bins, dtype=float), np.asarray(clf.yb, dtype=int)


CASES = [
    np.random.default_rng(0).lognormal(size=997),
    np.random.default_rng(1).integers(0, 4, size=200).astype(float),  # ties: fewer classes
    np.r_[np.random.default_rng(2).normal(size=300), np.nan, np.nan],
    np.arange(1000.0),
]


@pytest.mark.parametrize("values", CASES)
@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval", "EqualInterval"])
@pytest.mark.parametrize("k", [3, 5, 7])
def test_numpy_schemes_equal_mapclassify(values, scheme, k):
    distinct = np.unique(values[np.isfinite(values)]).size
    kk = max(1, min(k, distinct))
    with _quiet():
        want_bins, want_yb = _ref(values, scheme, k=kk)
    got = classify(values, scheme=scheme, k=k)
    np.testing.assert_array_equal(got.bins, want_bins)
    np.testing.assert_array_equal(got.classes[np.isfinite(values)], want_yb)
    assert (got.classes[~np.isfinite(values)] == -1).all()


@pytest.mark.parametrize("values", CASES)
def test_user_defined_equal_mapclassify(values):
    finite = values[np.isfinite(values)]
    bins = list(np.percentile(finite, [10, 50, 80]))  # below the maximum: mapclassify adds it
    want_bins, want_yb = _ref(values, "user_defined", bins=bins)
    got = classify(values, bins=bins)
    np.testing.assert_array_equal(got.bins, want_bins)
    np.testing.assert_array_equal(got.classes[np.isfinite(values)], want_yb)


def test_real_data_classes_equal_mapclassify(jz):
    units = jz.units
    for col, norm in (("pop_total", None), ("hispanic", "pop_total")):
        got = classify_column(units, col, normalize=norm, k=5)
        want_bins, want_yb = _ref(got.values, "quantiles", k=5)
        np.testing.assert_array_equal(got.bins, want_bins)
        np.testing.assert_array_equal(got.classes[np.isfinite(got.values)], want_yb)


def test_other_schemes_still_use_mapclassify():
    got = classify(CASES[0], scheme="fisher_jenks", k=4)
    want_bins, want_yb = _ref(CASES[0], "fisher_jenks", k=4)
    np.testing.assert_allclose(got.bins, want_bins)
    np.testing.assert_array_equal(got.classes, want_yb)


def test_quantiles_do_not_import_mapclassify():
    import subprocess

    code = (
        "import sys, numpy as np; from binational.render._classify import classify; "
        "classify(np.arange(50.0), k=5); classify(np.arange(50.0), scheme='equal_interval'); "
        "print('mapclassify' in sys.modules, 'numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


class _quiet:
    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)
