"""Best port, Huff shares, 2SFCA and port-sheds, checked against other implementations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.special import softmax

from binational import schema
from binational.catchments import best_ports, huff_shares, port_sheds, two_step_fca
from binational.catchments.allocation import gaussian_weight
from binational.errors import SchemaError


def _minutes(result) -> pd.DataFrame:
    cols = [c for c in result.units.columns if c.startswith("minutes_")]
    t = result.units[cols].rename(columns=lambda c: int(c.split("_")[1]))
    return t.fillna(np.inf)


def test_best_port_equals_pandas_idxmin(tjsd_result):
    t = _minutes(tjsd_result)
    best = best_ports(t)
    reach = np.isfinite(t).any(axis=1)
    ref = t[reach].idxmin(axis=1)
    assert (best.loc[reach, "best_port"] == ref).all()
    np.testing.assert_allclose(best.loc[reach, "best_minutes"], t[reach].min(axis=1))
    assert (best.loc[~reach, "best_port"] == -1).all()
    second = t[reach].apply(lambda r: np.sort(r.to_numpy())[1], axis=1)
    ok = np.isfinite(second)
    np.testing.assert_allclose(best.loc[reach, "second_minutes"][ok], second[ok])
    # the result table carries the same allocation
    assert (tjsd_result.units.loc[reach, "best_port"] == ref).all()


def test_huff_shares_equal_scipy_softmax(tjsd_result):
    t = _minutes(tjsd_result)
    reach = np.isfinite(t).all(axis=1)
    for beta in (0.05, 0.1, 0.3):
        shares = huff_shares(t[reach], beta=beta)
        ref = softmax(-beta * t[reach].to_numpy(), axis=1)
        np.testing.assert_allclose(shares.to_numpy(), ref, rtol=1e-10, atol=1e-15)
    # attractiveness multiplies the odds
    a = {2504: 2.0, 2505: 1.0, 2506: 1.0}
    shares = huff_shares(t[reach], beta=0.1, attractiveness=a)
    w = np.log(np.array([a[c] for c in t.columns]))
    ref = softmax(-0.1 * t[reach].to_numpy() + w, axis=1)
    np.testing.assert_allclose(shares.to_numpy(), ref, rtol=1e-10, atol=1e-15)
    # a port out of reach gets share 0; rows sum to one
    some = huff_shares(t, beta=0.1)
    ok = np.isfinite(t).any(axis=1)
    np.testing.assert_allclose(some[ok].sum(axis=1), 1.0)
    assert (some[~np.isfinite(t)].fillna(0) == 0).all().all()
    with pytest.raises(SchemaError):
        huff_shares(t, beta=-1)


def _access_2sfca(od, demand, supply, threshold, weight_fn=None):
    access = pytest.importorskip("access")
    o_ids = [f"o{i}" for i in range(len(demand))]
    d_ids = [f"d{j}" for j in range(len(supply))]
    ii, jj = np.nonzero(np.isfinite(od))
    cost = pd.DataFrame(
        {"origin": np.asarray(o_ids)[ii], "dest": np.asarray(d_ids)[jj], "cost": od[ii, jj]}
    )
    demand_df = pd.DataFrame({"geoid": o_ids, "demand": demand})
    supply_df = pd.DataFrame({"supply": supply}, index=pd.Index(d_ids, name="geoid"))
    return access.fca.two_stage_fca(
        demand_df,
        supply_df,
        cost,
        max_cost=threshold,
        demand_index="geoid",
        demand_name="demand",
        supply_name="supply",
        weight_fn=weight_fn,
    ).reindex(o_ids)


@pytest.mark.parametrize("weight", ["binary", "gaussian"])
def test_2sfca_equals_pysal_access(tjsd_result, weight):
    from binational.catchments import od_minutes

    res = tjsd_result
    od, _ = od_minutes(res.link_times, res.waits)
    units = res.units
    demand = units.loc[units.role == "origin", schema.POP_TOTAL].fillna(0).to_numpy()
    supply = units.loc[units.role == "destination", schema.POP_TOTAL].fillna(0).to_numpy()
    threshold = 100.0
    got, _ = two_step_fca(od, demand, supply, threshold=threshold, weight=weight)
    # the reference weight is Dai's (2010) formula written out here, not our gaussian_weight
    e = np.exp(-0.5)

    def dai(m):
        return float((np.exp(-0.5 * (m / threshold) ** 2) - e) / (1 - e)) if m <= threshold else 0.0

    fn = None if weight == "binary" else dai
    ref = _access_2sfca(od, demand, supply, threshold, fn).to_numpy(dtype=float)
    reached = np.isfinite(ref)
    assert reached.sum() > 100
    np.testing.assert_allclose(got[reached], ref[reached], rtol=1e-9)
    # in the result table (60-minute catchment by default) origins carry A_i, destinations R_j
    assert units.loc[units.role == "destination", "access_2sfca"].isna().all()


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
def test_od_within_a_threshold_is_the_full_od_there(tjsd_result, share):
    """Pruned to the pairs within ``within`` minutes (what the 2SFCA reads; here the cost
    that ``share`` of the reachable pairs are within): those pairs have the exact cost and port
    of the full matrix, bit for bit; every other pair is beyond it."""
    from binational.catchments import od_minutes

    res = tjsd_result
    full, full_port = od_minutes(res.link_times, res.waits)
    within = float(np.quantile(full[np.isfinite(full)], share))
    got, got_port = od_minutes(res.link_times, res.waits, within=within, chunk=97)
    near = full <= within
    assert 1000 < near.sum() < near.size  # both kinds of pair are there
    np.testing.assert_array_equal(got[near], full[near])
    np.testing.assert_array_equal(got_port[near], full_port[near])
    assert (got[~near] > within).all()
    # so the 2SFCA is the same, to the bit
    units = res.units
    demand = units.loc[units.role == "origin", schema.POP_TOTAL].fillna(0).to_numpy()
    supply = units.loc[units.role == "destination", schema.POP_TOTAL].fillna(0).to_numpy()
    for weight in ("binary", "gaussian"):
        a = two_step_fca(full, demand, supply, threshold=within, weight=weight)
        b = two_step_fca(got, demand, supply, threshold=within, weight=weight)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_gaussian_weight_hand_values():
    """Dai (2010): w(d) = (exp(-(d/T)^2/2) - exp(-1/2)) / (1 - exp(-1/2)) for d <= T, else 0.
    By hand, T = 60: w(0) = 1, w(60) = 0, w(30) = (e^-1/8 - e^-1/2)/(1 - e^-1/2)
    = (0.8824969 - 0.6065307)/0.3934693 = 0.7013666, w(15) = 0.9218064, w(61) = 0."""
    got = gaussian_weight(np.array([0.0, 15.0, 30.0, 60.0, 61.0, 500.0]), 60.0)
    np.testing.assert_allclose(got, [1.0, 0.9218064, 0.7013666, 0.0, 0.0, 0.0], atol=5e-8)


def test_2sfca_conserves_supply():
    # every destination reached by someone hands out all its supply: sum(D_i A_i) = sum(S_j)
    rng = np.random.default_rng(5)
    od = rng.uniform(5, 120, (40, 30))
    demand = rng.uniform(100, 5000, 40)
    supply = rng.uniform(0, 900, 30)
    access, ratio = two_step_fca(od, demand, supply, threshold=60)
    served = np.isfinite(ratio)
    assert np.nansum(demand * access) == pytest.approx(supply[served].sum())
    with pytest.raises(SchemaError):
        two_step_fca(od, demand[:3], supply)
    with pytest.raises(SchemaError):
        two_step_fca(od, demand, supply, weight="cubic")


def test_port_sheds_totals(tjsd_result):
    res = tjsd_result
    sheds = port_sheds(res.units, res.units["best_port"])
    ref = res.units.groupby(["best_port", schema.COUNTRY])[schema.POP_TOTAL].sum()
    got = sheds.set_index([schema.PORT_CODE, schema.COUNTRY])[schema.POP_TOTAL]
    np.testing.assert_allclose(got.sort_index().to_numpy(), ref.sort_index().to_numpy())
    for side, part in res.units.groupby(schema.COUNTRY):
        union_area = shapely.union_all(part.geometry.values).area
        shed_area = sheds[sheds[schema.COUNTRY] == side].area.sum()
        # (the simplified source polygons overlap a little, so sheds may share slivers)
        assert shed_area == pytest.approx(union_area, rel=1e-3)
