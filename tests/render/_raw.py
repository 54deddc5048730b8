"""Build a Region-like object straight from the shared files (plain geopandas/pandas reads).

Used until (and as a cross-check of) ``binational.load_region``: the renderers only need the
schema columns, so these fixtures read the real files with geopandas/pandas and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd

from binational.drops import DropReport
from binational.regions import get_region

BTS = "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"


def _us(spec, data_dir: Path) -> gpd.GeoDataFrame:
    tracts = gpd.read_file(data_dir / spec.files["us_tracts"])
    acs = pd.read_csv(data_dir / spec.files["us_acs"], dtype={"GEOID": str})
    if "race_hispanic" in acs.columns:
        cols = {
            "pop_total_population": "pop_total",
            "pop_total_population_moe": "pop_total_moe",
            "race_hispanic": "hispanic",
            "race_hispanic_moe": "hispanic_moe",
            "lang_speak_spanish": "spanish_home",
            "lang_speak_spanish_moe": "spanish_home_moe",
        }
        name = "Tract " + acs["GEOID"].str[5:]
    else:  # El Paso (tidycensus); MOEs there are 90 %: scale to 95 %
        cols = {
            "total_pop.2020": "pop_total",
            "total_HL.2020": "hispanic",
            "B01001I_001M": "hispanic_moe",
        }
        acs["B01001I_001M"] = acs["B01001I_001M"] * 1.96 / 1.645
        name = acs["NAME"].str.split(",").str[0]
    table = acs[["GEOID", *cols]].rename(columns=cols)
    table["name"] = name
    us = tracts[["GEOID", "geometry"]].merge(table, on="GEOID", how="inner")
    us["unit_id"] = "US:" + us["GEOID"]
    us["country"] = "US"
    us["admin2"] = us["GEOID"].str[:5]
    us["source"] = "ACS"
    return us.drop(columns="GEOID").to_crs(spec.crs)


def _mx(spec, data_dir: Path) -> gpd.GeoDataFrame:
    agebs = gpd.read_file(data_dir / spec.files["mx_agebs"])
    agebs = agebs[(agebs["CVE_ENT"] + agebs["CVE_MUN"]).isin(spec.mx_municipios)]
    conapo = pd.read_csv(data_dir / spec.files["mx_conapo"], dtype={"CVE_AGEB": str})
    mx = agebs.merge(conapo, left_on="CVEGEO", right_on="CVE_AGEB", how="left")
    out = gpd.GeoDataFrame(
        {
            "unit_id": "MX:" + mx["CVEGEO"],
            "country": "MX",
            "admin2": mx["CVE_ENT"] + mx["CVE_MUN"],
            "name": "AGEB " + mx["CVE_AGEB_x"]
            if "CVE_AGEB_x" in mx
            else "AGEB " + mx["CVEGEO"].str[-4:],
            "pop_total": mx["POB_TOTAL"],
            "high_marginalization": np.where(
                mx["GM_2020"].isin(["Alto", "Muy alto"]), mx["POB_TOTAL"], 0.0
            ),
            "source": "CONAPO IMU 2020",
        },
        geometry=mx.geometry.values,
        crs=agebs.crs,
    )
    out.loc[out["pop_total"].isna(), "high_marginalization"] = np.nan
    return out.to_crs(spec.crs)


def _ports(spec, data_dir: Path) -> gpd.GeoDataFrame:
    raw = pd.read_csv(data_dir / "crossings/bts_us_mexico_ports_from_entry_data.csv")
    raw = raw[raw["Port Code"].isin(spec.ports)]
    return gpd.GeoDataFrame(
        {"port_code": raw["Port Code"].astype(int), "name": raw["Port Name"], "name_mx": None},
        geometry=gpd.points_from_xy(raw["Longitude"], raw["Latitude"]),
        crs="EPSG:4326",
    ).to_crs(spec.crs)


def _crossings(spec, data_dir: Path) -> pd.DataFrame:
    raw = pd.read_csv(data_dir / BTS, usecols=["Port Code", "Date", "Measure", "Value"])
    raw = raw[raw["Port Code"].isin(spec.ports)]
    return pd.DataFrame(
        {
            "port_code": raw["Port Code"].astype(int),
            "crossing": None,
            "month": pd.to_datetime(raw["Date"], format="%b %Y"),
            "measure": raw["Measure"],
            "value": raw["Value"].astype(float),
            "source": "BTS",
        }
    )


def _waits(spec, data_dir: Path) -> pd.DataFrame:
    path = spec.files.get("waits_hourly")
    if not path:
        return pd.DataFrame(columns=["port_code", "lane", "direction", "time", "hour", "minutes"])
    raw = pd.read_csv(data_dir / path)
    return pd.DataFrame(
        {
            "port_code": 2504,
            "crossing_id": 250401,
            "lane": "general",
            "direction": "northbound",
            "time": pd.NaT,
            "month": raw["bwt_month"],
            "weekday": raw["bwt_day"],
            "hour": raw["bwt_hour"],
            "minutes": raw["pv_time_avg"].astype(float),
            "lanes_open": np.nan,
            "source": "CBP BWT historical",
        }
    )


def raw_region(name: str, data_dir: Path) -> SimpleNamespace:
    spec = get_region(name)
    units = pd.concat([_us(spec, data_dir), _mx(spec, data_dir)], ignore_index=True)
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=spec.crs)
    units["flag_zero_pop"] = units["pop_total"].fillna(0) == 0
    missing = {} if "network" in spec.files else {"network": "no road network"}
    return SimpleNamespace(
        spec=spec,
        name=spec.name,
        units=units,
        ports=_ports(spec, data_dir),
        crossings=_crossings(spec, data_dir),
        waits=_waits(spec, data_dir),
        network=None,
        drops=DropReport(),
        missing=missing,
        sources=pd.DataFrame(),
    )
