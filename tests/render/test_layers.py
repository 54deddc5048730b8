"""Cluster and isochrone layers (folium and matplotlib) against the tables they draw.

The reference is the analysis output itself: ``local_measures()["cluster"]`` for the clusters and
``result.isochrones`` for the catchments, on Juárez–El Paso (real data).
"""

from __future__ import annotations

import json

import folium
import numpy as np
import pytest
from matplotlib.colors import to_hex
from shapely.geometry import shape

from binational import schema
from binational.concentration import local_measures
from binational.render import maps, static
from binational.render._classify import CLUSTER_COLORS
from binational.render._leaflet import decode_features

# hand-written from the report's bilingual glossary (render/labels.py is what is under test)
LABELS_EN = {
    "HH": "High–High (hot spot)",
    "LL": "Low–Low (cold spot)",
    "HL": "High–Low (outlier)",
    "LH": "Low–High (outlier)",
    "ns": "Not significant",
}
LABELS_ES = {"HH": "Alto–Alto (punto caliente)", "ns": "No significativo"}


def _layers(m: folium.Map, cls_name: str) -> list:
    return [c for c in m._children.values() if getattr(c, "class_name", None) == cls_name]


def _features(layer) -> list[dict]:
    data = json.loads(layer.data.replace("<\\/", "</"))
    return (decode_features(data) if layer.encoded else data)["features"]


@pytest.fixture(scope="module")
def ep_local(jz):
    us = jz.units[jz.units[schema.COUNTRY] == "US"].reset_index(drop=True)
    local = local_measures(us, group="hispanic", permutations=99, seed=4)
    assert {"HH", "LL"} <= set(local["cluster"])  # El Paso has both kinds of cluster
    return local


def test_add_clusters_draws_local_measures_clusters(ep_local):
    for lang, labels in (("en", LABELS_EN), ("es", LABELS_ES)):
        m = maps.new_map(ep_local, tiles=None, lang=lang)
        maps.add_clusters(m, ep_local, lang=lang, show=True)
        (layer,) = _layers(m, "bn-cluster")
        feats = _features(layer)
        want = dict(zip(ep_local[schema.UNIT_ID], ep_local["cluster"].astype(str), strict=True))
        got = {f["properties"]["t"][0]: f["properties"]["k"] for f in feats}
        assert len(feats) == len(ep_local) and got == want
        for f in feats:
            code = f["properties"]["k"]
            if code in labels:
                assert f["properties"]["t"][1] == labels[code]
        # the legend lists exactly the cluster kinds present, in the fixed order
        html = m.get_root().render()
        present = [c for c in CLUSTER_COLORS if c in set(want.values())]
        for code in present:
            if code in labels:
                assert labels[code] in html
        absent = [c for c in CLUSTER_COLORS if c not in set(want.values())]
        for code in absent:
            if code in labels:
                assert labels[code] not in html


def test_add_isochrones_draws_result_isochrones(jz, jz_catch):
    iso = jz_catch.isochrones
    m = maps.new_map(jz.units, tiles=None)
    maps.add_isochrones(m, iso, ports=jz.ports, method=jz_catch.method)
    layers = _layers(m, "bn-isochrone")
    names = dict(zip(jz.ports[schema.PORT_CODE], jz.ports["name"], strict=True))
    nonempty = iso[~(iso.geometry.is_empty | iso.geometry.isna())]
    web = nonempty.to_crs("EPSG:4326")
    codes = {str(v): k for k, v in names.items()}
    drawn = []
    for layer in layers:
        assert layer.layer_name.endswith("— straight-line model (no road network)")
        for f in _features(layer):
            port, minutes, variant = f["properties"]["t"]
            drawn.append((port, minutes, variant))
            # the label sits on its own polygon: among the isochrones of that port and wait
            # variant, the band named in the label overlaps the feature best (intersection
            # over union; bands clipped to the same land may tie)
            rows = web[
                (web[schema.PORT_CODE] == codes[port])
                & (web["wait_included"] == variant.startswith("including"))
            ]
            g = shape(f["geometry"])
            iou = np.array([g.intersection(h).area / g.union(h).area for h in rows.geometry])
            own = iou[rows["minutes"].to_numpy() == float(minutes.split()[0])].max()
            assert own > 0.5 and own >= iou.max() - 0.02, (port, minutes, variant, own, iou)
    want = [
        (
            str(names[code]),
            f"{mn:g} minutes",
            "including the border wait" if wait else "without the border wait",
        )
        for code, mn, wait in zip(
            nonempty[schema.PORT_CODE], nonempty["minutes"], nonempty["wait_included"], strict=True
        )
    ]
    assert sorted(drawn) == sorted(want)
    assert len(layers) == nonempty.groupby([schema.PORT_CODE, "wait_included"]).ngroups
    # one switched-on layer only
    assert [layer.show for layer in layers].count(True) == 1


def test_plot_clusters_colours_and_legend(ep_local):
    fig = static.plot_clusters(ep_local)
    ax = fig.axes[0]
    faces = ax.collections[0].get_facecolors()
    assert len(faces) == len(ep_local)
    want = [CLUSTER_COLORS.get(c, CLUSTER_COLORS["ns"]) for c in ep_local["cluster"].astype(str)]
    assert [to_hex(f) for f in faces] == want
    legend = [tx.get_text() for tx in ax.get_legend().get_texts()]
    present = [c for c in CLUSTER_COLORS if (ep_local["cluster"] == c).any()]
    assert legend[: len(present)] == [LABELS_EN[c] for c in present]
    counts = ep_local["cluster"].value_counts()
    hh = np.array([to_hex(f) == CLUSTER_COLORS["HH"] for f in faces])
    assert hh.sum() == counts["HH"]
