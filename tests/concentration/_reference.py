"""Reference values from PySAL ``segregation``, ``esda`` and ``libpysal`` on the real unit tables.

Run by the ``reference`` fixture in a subprocess with ``NUMBA_DISABLE_JIT=1``: the PySAL code
runs as plain Python (identical source, no numba compilation, which would cost 20–50 s per
function in a fresh test process). Under disabled JIT ``esda.crand`` needs one shim: its
``boolean`` (a numba type) is replaced by Python's ``bool``.

Usage: ``python _reference.py INPUT.pkl OUTPUT.pkl`` where INPUT holds
``{"sd": GeoDataFrame, "ep": GeoDataFrame, "sd_2022": GeoDataFrame}`` (US tracts with
``hispanic``, ``white_nh`` (SD), ``pop_total``) and OUTPUT receives a dict of results.
"""

from __future__ import annotations

import os
import pickle
import sys
import warnings

assert os.environ.get("NUMBA_DISABLE_JIT") == "1", "run with NUMBA_DISABLE_JIT=1"
warnings.simplefilter("ignore")
os.environ.setdefault("TQDM_DISABLE", "1")

import esda  # noqa: E402
import esda.crand  # noqa: E402
import libpysal  # noqa: E402
import numpy as np  # noqa: E402
import segregation.local as SL  # noqa: E402
import segregation.multigroup as M  # noqa: E402
import segregation.singlegroup as S  # noqa: E402
from segregation.inference import SingleValueTest, TwoValueTest  # noqa: E402
from segregation.singlegroup.atkinson import _atkinson  # noqa: E402

esda.crand.boolean = bool  # numba type -> Python type when the JIT is disabled

SEED = 3
LOCAL_PERMUTATIONS = 999
NULL_ITERATIONS = 99


def singlegroup(df):
    d = df[["hispanic", "pop_total", "geometry"]].reset_index(drop=True)
    g, t = "hispanic", "pop_total"
    out = {
        "dissimilarity": S.Dissim(d, g, t).statistic,
        "gini": S.Gini(d, g, t).statistic,
        "entropy": S.Entropy(d, g, t).statistic,
        "isolation": S.Isolation(d, g, t).statistic,
        "exposure": S.Interaction(d, g, t).statistic,
        "correlation_ratio": S.CorrelationR(d, g, t).statistic,
        "atkinson": S.Atkinson(d, g, t).statistic,
        "atkinson_b0.2": _atkinson(d, g, t, b=0.2)[0],
        "spatial_proximity": S.SpatialProximity(d, g, t).statistic,
        "spatial_proximity_a1_b1": S.SpatialProximity(d, g, t, alpha=1.0, beta=1.0).statistic,
        "spatial_dissimilarity": S.Dissim(d, g, t, distance=2000).statistic,
        "spatial_isolation": S.Isolation(d, g, t, distance=2000).statistic,
        "spatial_gini": S.Gini(d, g, t, distance=2000).statistic,
        "spatial_exposure": S.Interaction(d, g, t, distance=2000).statistic,
        "spatial_dissimilarity_gauss1500": S.Dissim(
            d, g, t, distance=1500, function="gaussian"
        ).statistic,
        "adjusted_dissimilarity": S.SpatialDissim(d, g, t).statistic,
        "adjusted_dissimilarity_std": S.SpatialDissim(d, g, t, standardize=True).statistic,
    }
    env = S.Dissim(d, g, t, distance=2000).data
    out["environment_2000"] = env[[g, t]].to_numpy()
    return {k: (np.asarray(v) if k.startswith("environment") else float(v)) for k, v in out.items()}


def multigroup(df, groups):
    d = df[[*groups, "geometry"]].reset_index(drop=True)
    out = {
        "multi_dissimilarity": M.MultiDissim(d, groups).statistic,
        "multi_gini": M.MultiGini(d, groups).statistic,
        "information_theory": M.MultiInfoTheory(d, groups).statistic,
        "normalized_exposure": M.MultiNormExposure(d, groups).statistic,
        "diversity": M.MultiDiversity(d, groups).statistic,
        "diversity_normalized": M.MultiDiversity(d, groups, normalized=True).statistic,
        "simpson_concentration": M.SimpsonsConcentration(d, groups).statistic,
        "simpson_interaction": M.SimpsonsInteraction(d, groups).statistic,
    }
    out = {k: float(v) for k, v in out.items()}
    out["local_lq"] = np.asarray(SL.MultiLocationQuotient(d, groups).statistics)
    out["local_entropy"] = np.asarray(SL.MultiLocalEntropy(d, groups).statistics)
    out["local_diversity"] = np.asarray(SL.MultiLocalDiversity(d, groups).statistics)
    out["local_simpson_concentration"] = np.asarray(
        SL.MultiLocalSimpsonConcentration(d, groups).statistics
    )
    out["local_simpson_interaction"] = np.asarray(
        SL.MultiLocalSimpsonInteraction(d, groups).statistics
    )
    return out


def weights(df):
    d = df.reset_index(drop=True)
    return {
        "queen": libpysal.weights.Queen.from_dataframe(d, use_index=False).sparse.tocsr(),
        "rook": libpysal.weights.Rook.from_dataframe(d, use_index=False).sparse.tocsr(),
        "knn6": libpysal.weights.KNN.from_dataframe(d, k=6).sparse.tocsr(),
        "band3000": libpysal.weights.DistanceBand.from_dataframe(d, threshold=3000).sparse.tocsr(),
        "band3000_inv": libpysal.weights.DistanceBand.from_dataframe(
            d, threshold=3000, binary=False
        ).sparse.tocsr(),
        "kernel2000": libpysal.weights.Kernel.from_dataframe(
            d, bandwidth=2000, use_index=False
        ).sparse.tocsr(),
        "kernel_k5_gauss": libpysal.weights.Kernel.from_dataframe(
            d, k=5, fixed=False, function="gaussian", use_index=False
        ).sparse.tocsr(),
    }


def local(df):
    d = df[df["pop_total"] > 0].reset_index(drop=True)
    y = (d["hispanic"] / d["pop_total"]).to_numpy()
    w = libpysal.weights.Queen.from_dataframe(d, use_index=False)
    lm = esda.Moran_Local(y, w, permutations=LOCAL_PERMUTATIONS, seed=SEED)
    gl = esda.G_Local(y, w, star=True, permutations=LOCAL_PERMUTATIONS, seed=SEED, n_jobs=1)
    ids = esda.crand.vec_permutations(int(w.max_neighbors), len(y), LOCAL_PERMUTATIONS, SEED)
    from esda.significance import calculate_significance

    return {
        "unit_id": d["unit_id"].to_numpy(),
        "y": y,
        "ids": ids,
        "moran_Is": lm.Is,
        "moran_q": lm.q,
        "moran_p_sim": lm.p_sim,
        "moran_EI_sim": lm.EI_sim,
        "moran_seI_sim": lm.seI_sim,
        "moran_z_sim": lm.z_sim,
        "moran_two_sided": calculate_significance(lm.Is, lm.sim.T, alternative="two-sided"),
        "moran_folded": calculate_significance(lm.Is, lm.sim.T, alternative="folded"),
        "moran_labels": np.asarray(lm.get_cluster_labels(0.05)),
        "moran_fdr_0.05": esda.fdr(lm.p_sim, 0.05),
        "moran_fdr_0.1": esda.fdr(lm.p_sim, 0.1),
        "g_Gs": gl.Gs,
        "g_Zs": gl.Zs,
        "g_p_norm": gl.p_norm,
        "g_p_sim": gl.p_sim,
        "g_EG_sim": gl.EG_sim,
        "g_z_sim": gl.z_sim,
        "islands": list(w.islands),
    }


def nulls(sd, ep):
    g, t = "hispanic", "pop_total"
    out = {}
    base = S.Dissim(sd[[g, t, "geometry"]].reset_index(drop=True), g, t)
    for null in ("systematic", "evenness", "bootstrap"):
        np.random.seed(SEED)  # noqa: NPY002 -- PySAL draws from the legacy global RNG
        res = SingleValueTest(
            base, iterations_under_null=NULL_ITERATIONS, null_approach=null, n_jobs=1
        )
        out[f"sd_dissim_{null}"] = np.asarray(res.est_sim, dtype=float)
    np.random.seed(SEED)  # noqa: NPY002 -- PySAL draws from the legacy global RNG
    res = SingleValueTest(
        S.Gini(sd[[g, t, "geometry"]].reset_index(drop=True), g, t),
        iterations_under_null=NULL_ITERATIONS,
        null_approach="systematic",
        n_jobs=1,
    )
    out["sd_gini_systematic"] = np.asarray(res.est_sim, dtype=float)
    ep_d = ep[[g, t, "geometry"]].reset_index(drop=True)
    np.random.seed(SEED)  # noqa: NPY002 -- PySAL draws from the legacy global RNG
    res = SingleValueTest(
        S.Dissim(ep_d, g, t), iterations_under_null=30, null_approach="person_permutation", n_jobs=1
    )
    out["ep_dissim_person_permutation"] = np.asarray(res.est_sim, dtype=float)
    np.random.seed(SEED)  # noqa: NPY002 -- PySAL draws from the legacy global RNG
    res = SingleValueTest(
        S.Dissim(ep_d, g, t, distance=2000),
        iterations_under_null=49,
        null_approach="systematic",
        n_jobs=1,
        index_kwargs={"distance": 2000},
    )
    out["ep_spatial_dissim_systematic"] = np.asarray(res.est_sim, dtype=float)
    return out


def comparison(sd, sd_2022):
    g, t = "hispanic", "pop_total"
    a = S.Dissim(sd[[g, t]].reset_index(drop=True), g, t)
    b = S.Dissim(sd_2022[[g, t]].reset_index(drop=True), g, t)
    np.random.seed(SEED)  # noqa: NPY002 -- PySAL draws from the legacy global RNG
    res = TwoValueTest(
        a, b, iterations_under_null=NULL_ITERATIONS, null_approach="random_label", n_jobs=1
    )
    return {
        "random_label_est_sim": np.asarray(res.est_sim, dtype=float),
        "point_diff": float(res.est_point_diff),
    }


def main(src: str, dst: str) -> None:
    with open(src, "rb") as fh:
        data = pickle.load(fh)
    sd, ep, sd_2022 = data["sd"], data["ep"], data["sd_2022"]
    sd_multi = sd.assign(other=sd["pop_total"] - sd["hispanic"] - sd["white_nh"])
    ep_multi = ep.assign(other=ep["pop_total"] - ep["hispanic"])
    out = {
        "sd": singlegroup(sd),
        "ep": singlegroup(ep),
        "sd_multi": multigroup(sd_multi, ["hispanic", "white_nh", "other"]),
        "ep_multi": multigroup(ep_multi, ["hispanic", "other"]),
        "sd_weights": weights(sd),
        "ep_weights": weights(ep),
        "sd_local": local(sd),
        "ep_local": local(ep),
        "nulls": nulls(sd, ep),
        "compare": comparison(sd, sd_2022),
    }
    with open(dst, "wb") as fh:
        pickle.dump(out, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
