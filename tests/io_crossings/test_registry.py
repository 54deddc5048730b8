"""The ports registry (data/ports.csv) against the shared BTS, CBP BWT and TxDOT/UNT files."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from binational._data import package_file
from binational.errors import DataSourceError, RegionError, SchemaError
from binational.io import ports as io_ports
from binational.regions import get_region, list_regions
from binational.units import region_ports


def _ids(series: pd.Series) -> set[str]:
    return set(series.dropna().str.split(";").explode())


def test_every_bts_port_is_a_port_row(files):
    bts = pd.read_csv(files.bts_ports)
    ports = io_ports.read_ports()
    assert len(ports) == 28
    assert sorted(ports["port_code"].astype(int)) == sorted(bts["Port Code"])
    merged = ports.merge(bts, left_on=ports["port_code"].astype(int), right_on="Port Code")
    assert (merged["name"] == merged["Port Name"]).all()
    assert (merged["state"] == merged["State"]).all()
    assert (merged["first_data"] == merged["first_month"]).all()


def test_port_points_are_the_bts_points(files, bts_mx_raw):
    """Port rows carry the BTS `Point`, except where coord_source names another source."""
    pts = bts_mx_raw.drop_duplicates("Port Code").set_index("Port Code")["Point"]
    xy = pts.str.extract(r"POINT \(([-\d.]+) ([-\d.]+)\)").astype(float)
    ports = io_ports.read_ports().set_index(io_ports.read_ports()["port_code"].astype(int))
    from_bts = ports["coord_source"].str.startswith("BTS")
    assert from_bts.sum() == 27  # Calexico (2503) uses the Calexico West point
    np.testing.assert_allclose(
        ports.loc[from_bts, "lon"], xy.loc[ports.index[from_bts], 0], atol=1e-6
    )
    np.testing.assert_allclose(
        ports.loc[from_bts, "lat"], xy.loc[ports.index[from_bts], 1], atol=1e-6
    )
    # BTS's rounded Latitude/Longitude columns agree to their 3 decimals
    bts = pd.read_csv(files.bts_ports).set_index("Port Code")
    idx = ports.index[from_bts]
    assert (abs(ports.loc[idx, "lat"] - bts.loc[idx, "Latitude"]) <= 0.0005 + 1e-9).all()
    calexico = ports.loc[2503]
    assert "Wikipedia" in calexico["coord_source"]
    # the BTS point of 2503 is the Calexico East site, ~10 km away from the downtown port
    assert abs(xy.loc[2503, 0] - xy.loc[2507, 0]) < 1e-9
    assert abs(calexico["lon"] - xy.loc[2503, 0]) > 0.1


def test_geometry_is_lon_lat_in_4326():
    ports = io_ports.read_ports(level="all", planned=True)
    assert ports.crs.to_epsg() == 4326
    np.testing.assert_allclose(ports.geometry.x, ports["lon"])
    np.testing.assert_allclose(ports.geometry.y, ports["lat"])
    assert ports["poe_id"].is_unique
    assert str(ports["port_code"].dtype) == "Int64"


def test_every_bwt_crossing_id_is_mapped(files, registry):
    """Each of the 46 Mexican-border ids of the BWT snapshot is on some row; none is invented."""
    bwt = pd.read_csv(files.bwt_csv, dtype=str)
    listed = _ids(registry["bwt_ids"])
    assert set(bwt["port_number"]) <= listed
    assert listed <= set(bwt["port_number"])
    # each id sits on exactly one crossing row or on a single-crossing port row
    crossing_ids = _ids(registry.loc[registry["level"] == "crossing", "bwt_ids"])
    port_only = listed - crossing_ids
    for cid in port_only:
        port_rows = registry[
            (registry["level"] == "port") & registry["bwt_ids"].str.contains(cid, na=False)
        ]
        assert len(port_rows) == 1 and port_rows["crossing_id"].iloc[0] == cid


def test_bwt_ids_map_to_the_bts_port_of_their_prefix_except_known_cases(files, registry):
    bwt = pd.read_csv(files.bwt_csv, dtype=str)
    index = io_ports.bwt_index(io_ports.registry_table())
    exceptions = {
        "250409": 2582,  # CBX: BWT under San Ysidro, its own BTS port
        "240203": 2401,  # Ysleta: BWT under El Paso
        "250301": 2507,  # Calexico East: BWT under Calexico (2503), its own BTS port
        "l24501": 2404,  # malformed id, Fort Hancock
        "535501": 2301,  # Brownsville's 5355xx ids
        "535502": 2301,
        "535503": 2301,
        "535504": 2301,
    }
    for cid in bwt["port_number"]:
        expected = exceptions.get(cid, int(cid[:4]) if cid[:4].isdigit() else None)
        assert index[cid][0] == expected, cid


def test_crossing_names_follow_the_bwt_feed(files, registry):
    """A crossing row with one BWT id belongs to the port the feed names."""
    bwt = pd.read_csv(files.bwt_csv, dtype=str).set_index("port_number")
    cross = registry[(registry["level"] == "crossing") & registry["crossing_id"].notna()]
    feed_port = {
        "Fabens": "Tornillo",
        "Hidalgo/Pharr": "Hidalgo",
        "Douglas (Raul Hector Castro)": "Douglas",
        "FT HANCOCK": "Tornillo",
    }
    for cid, name in zip(cross["crossing_id"], cross["name"], strict=True):
        feed = bwt.loc[cid, "port_name"]
        if cid == "240203":
            assert feed == "El Paso" and name == "Ysleta"
            continue
        assert feed_port.get(feed, feed) == name, cid


def test_every_txdot_crossing_is_a_crossing_row_with_its_point(files, registry):
    tx = pd.read_csv(files.txdot, encoding="utf-8-sig")
    cross = registry[registry["level"] == "crossing"]
    from_tx = cross[cross["coord_source"].str.startswith("TxDOT/UNT")]
    names = from_tx["coord_source"].str.extract(r"\('(.+)'\)")[0]
    assert sorted(names) == sorted(tx["Border Crossing Name"])
    got = from_tx.assign(txname=names.to_numpy()).set_index("txname")
    want = tx.set_index("Border Crossing Name")
    np.testing.assert_allclose(got.loc[want.index, "lat"], want["Lat"], atol=1e-6)
    np.testing.assert_allclose(got.loc[want.index, "lon"], want["Lon"], atol=1e-6)
    # the 10 crossings of TxDOT's El Paso region, including both rail bridges
    el_paso = tx.loc[tx["Region"] == "El Paso", "Border Crossing Name"]
    assert len(el_paso) == 10
    assert set(el_paso) <= set(names)
    ep = got.loc[["Bridge of the Americas", "Paso del Norte Bridge", "Good Neighbor Bridge"]]
    assert set(ep["port_code"].astype(int)) == {2402}
    assert got.loc["Ysleta Bridge", "port_code"] == 2401


def test_every_counted_bridge_maps_to_one_port(files, registry):
    counts = pd.read_csv(files.bridges)
    lookup = (
        registry.dropna(subset=["bridge_names"])
        .assign(bridge=lambda d: d["bridge_names"].str.split(";"))
        .explode("bridge")
        .groupby("bridge")["port_code"]
        .nunique()
    )
    assert set(counts["Crossing"]) <= set(lookup.index)
    assert (lookup == 1).all()


def test_regions_match_the_presets():
    """Every preset's ports are found by units.region_ports; io selects by registry label."""
    for name in list_regions():
        spec = get_region(name)
        got = region_ports(name)
        assert set(spec.ports) <= set(got["port_code"].astype(int)), name
    tsd = io_ports.read_ports(region="tijuana-san-diego")  # the registry label alone
    assert sorted(tsd["port_code"].astype(int)) == sorted(get_region("tijuana-san-diego").ports)
    assert (
        io_ports.read_ports(region="juarez-el-paso", level="crossing")["poe_id"]
        .str.startswith(("2401", "2402", "2404", "2408"))
        .all()
    )


def test_levels_and_planned():
    all_rows = io_ports.read_ports(level="all", planned=True)
    assert len(io_ports.read_ports(level="port")) == 28
    assert len(io_ports.read_ports(level="port", planned=True)) == 29
    ome = all_rows[all_rows["status"] == "planned"]
    assert ome["poe_id"].tolist() == ["2599-otay-mesa-east"]
    assert (ome[["lat", "lon"]].to_numpy() == [[32.5530, -116.9058]]).all()
    crossings = io_ports.read_ports(level="crossing")
    assert len(crossings) == (all_rows["level"] == "crossing").sum()
    finest = io_ports.read_ports(region="tijuana-san-diego", level="finest")
    assert set(finest["poe_id"]) == {
        "2505",
        "2582",
        "2504-main",
        "2504-pedwest",
        "2506-passenger",
        "2506-commercial",
    }


def test_registry_is_small_and_cites_sources():
    path = package_file("ports.csv")
    assert path.stat().st_size < 100_000
    raw = pd.read_csv(path, dtype=str)
    assert raw["source"].notna().all() and raw["coord_source"].notna().all()
    typed = raw["opened"].notna()
    assert raw.loc[typed, "notes"].str.contains("Wikipedia|GSA").all()


def test_time_zones():
    ports = io_ports.read_ports()
    tz = dict(zip(ports["port_code"].astype(int), ports["tz"], strict=True))
    assert tz[2504] == "America/Los_Angeles" and tz[2604] == "America/Phoenix"
    assert tz[2402] == tz[2401] == tz[2404] == tz[2406] == "America/Denver"
    assert tz[2403] == tz[2304] == "America/Chicago"


# ---------------------------------------------------------------------------------- bad input


def _write_registry(tmp_path, df: pd.DataFrame, name="ports.csv"):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


@pytest.fixture()
def raw_registry() -> pd.DataFrame:
    return pd.read_csv(package_file("ports.csv"), dtype=str, keep_default_na=False)


def test_missing_column_names_file_and_column(tmp_path, raw_registry):
    path = _write_registry(tmp_path, raw_registry.drop(columns=["tz"]))
    with pytest.raises(SchemaError, match=r"ports\.csv.*tz"):
        io_ports.read_ports(path=path)


def test_duplicate_key(tmp_path, raw_registry):
    df = raw_registry.copy()
    df.loc[1, "poe_id"] = df.loc[0, "poe_id"]
    with pytest.raises(SchemaError, match=r"poe_id.*duplicate"):
        io_ports.read_ports(path=_write_registry(tmp_path, df))


def test_bad_coordinate_and_bad_code(tmp_path, raw_registry):
    df = raw_registry.copy()
    df.loc[3, "lat"] = "north"
    with pytest.raises(SchemaError, match="'lat'"):
        io_ports.read_ports(path=_write_registry(tmp_path, df))
    df = raw_registry.copy()
    df.loc[3, "port_code"] = "25O4"
    with pytest.raises(SchemaError, match=r"port_code.*25O4"):
        io_ports.read_ports(path=_write_registry(tmp_path, df, "b.csv"))


def test_crossing_of_unknown_port(tmp_path, raw_registry):
    df = raw_registry.copy()
    i = df.index[df["poe_id"] == "2504-pedwest"][0]
    df.loc[i, "port_code"] = "2598"
    with pytest.raises(SchemaError, match="without a port row"):
        io_ports.read_ports(path=_write_registry(tmp_path, df))


def test_html_and_missing_registry(tmp_path):
    html = tmp_path / "ports.csv"
    html.write_text("<!DOCTYPE html><html><body>Not found</body></html>")
    with pytest.raises(DataSourceError, match="HTML"):
        io_ports.read_ports(path=html)
    with pytest.raises(DataSourceError, match="does not exist"):
        io_ports.read_ports(path=tmp_path / "nope.csv")


def test_bad_arguments():
    with pytest.raises(RegionError, match="no ports"):
        io_ports.read_ports(region="atlantis-nowhere")
    with pytest.raises(SchemaError, match="level"):
        io_ports.read_ports(level="bridge")


def test_bwt_json_ids_equal_csv_ids(files):
    """The flattened CSV holds exactly the JSON's Mexican-border records."""
    import json

    doc = json.loads((files.bwt_json).read_text())
    ids = {r["port_number"] for r in doc if r["border"] == "Mexican Border"}
    assert ids == set(pd.read_csv(files.bwt_csv, dtype=str)["port_number"])


def test_ports_by_code_and_a_users_own_region():
    """io selects by registry label and/or port code; units resolves a region's own ports."""
    got = io_ports.read_ports(port_codes=[2506, 2504])
    assert sorted(got["port_code"].astype(int)) == [2504, 2506]
    spec = dataclasses.replace(
        get_region("tijuana-san-diego"), name="my-twin-city", ports=(2504, 2505)
    )
    mine = region_ports(spec)
    assert sorted(mine["port_code"].astype(int)) == [2504, 2505]
    with pytest.raises(RegionError, match="no ports"):
        io_ports.read_ports(region="my-twin-city")
