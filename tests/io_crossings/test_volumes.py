"""BTS Border Crossing Entry Data and CBP bridge counts against plain pandas reads."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from binational import schema
from binational.drops import DropReport
from binational.errors import DataSourceError, SchemaError
from binational.io import bts as io_bts

KEY = ["Port Code", "Date", "Measure"]


def _reference(raw: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas: exact duplicates dropped, months parsed."""
    ref = raw.drop_duplicates().copy()
    ref["month"] = pd.to_datetime(ref["Date"], format="%b %Y")
    return ref


def test_bts_schema_and_ports(bts_mx, bts_mx_raw):
    df = bts_mx.df
    assert list(df.columns) == list(schema.CROSSINGS_COLUMNS)
    assert str(df["port_code"].dtype) == "Int64"
    assert df["crossing"].isna().all()
    assert (df["month"] == df["month"].dt.to_period("M").dt.to_timestamp()).all()
    assert sorted(df["port_code"].unique()) == sorted(bts_mx_raw["Port Code"].unique())
    assert df["port_code"].nunique() == 28


def test_bts_duplicates_are_what_pandas_finds(bts_mx, bts_mx_raw):
    n_dup = int(bts_mx_raw.duplicated().sum())
    assert n_dup == 6
    assert bts_mx.df.attrs["duplicates_dropped"] == n_dup
    assert len(bts_mx.df) == len(bts_mx_raw) - n_dup
    dedup = bts_mx_raw.drop_duplicates()
    clashing = dedup.duplicated(KEY, keep=False)
    assert bts_mx.df.attrs["conflicting_duplicates"] == int(clashing.sum()) == 2
    reasons = bts_mx.report.to_frame()["reason"].value_counts()
    assert reasons["duplicate"] == n_dup
    assert reasons["conflicting_duplicate_kept"] == 2


@pytest.mark.parametrize(
    ("port", "measure", "month"),
    [
        (2504, "Personal Vehicles", "2019-06"),
        (2504, "Pedestrians", "2024-12"),
        (2402, "Trucks", "2010-03"),
        (2506, "Trucks", "2025-02"),
        (2302, "Personal Vehicle Passengers", "2019-06"),  # a month with duplicate rows
        (2606, "Bus Passengers", "2021-02"),  # the conflicting pair: both kept
    ],
)
def test_bts_values_equal_pandas(bts_mx, bts_mx_raw, port, measure, month):
    ref = _reference(bts_mx_raw)
    want = ref[(ref["Port Code"] == port) & (ref["Measure"] == measure) & (ref["month"] == month)][
        "Value"
    ].sum()
    df = bts_mx.df
    got = df[(df["port_code"] == port) & (df["measure"] == measure) & (df["month"] == month)]
    assert got["value"].sum() == want
    assert len(got) >= 1


def test_bts_totals_by_port_and_measure_equal_pandas(bts_mx, bts_mx_raw):
    ref = _reference(bts_mx_raw).groupby(["Port Code", "Measure"])["Value"].sum()
    got = bts_mx.df.groupby(["port_code", "measure"])["value"].sum()
    got.index = got.index.set_names(["Port Code", "Measure"])
    pd.testing.assert_series_equal(
        got.astype("int64").sort_index(),
        ref.sort_index(),
        check_names=False,
        check_index_type=False,
    )


def test_national_gz_equals_the_mexico_file(bts_all, bts_mx, bts_all_raw):
    """The full national .csv.gz, filtered to the US–Mexico border, gives the same table."""
    a = bts_all.df.drop(columns="source")
    b = bts_mx.df.drop(columns="source")
    pd.testing.assert_frame_equal(a, b)
    raw = bts_all_raw
    mx = raw[raw["Border"] == "US-Mexico Border"]
    assert len(mx) == 94_234  # SOURCES.md
    assert bts_all.df.attrs["duplicates_dropped"] == int(mx.duplicated().sum())
    assert int(raw.duplicated().sum()) == 10  # SOURCES.md: 10 exact duplicates in the full file


def test_national_file_canada_border(files, bts_all_raw):
    """border=None keeps every row; the Canadian border alone matches pandas."""
    ca = io_bts.read_bts(files.bts_all, border="US-Canada Border", start="2024-01", end="2024-12")
    raw = bts_all_raw
    raw = raw[(raw["Border"] == "US-Canada Border") & raw["Date"].str.endswith("2024")]
    assert len(ca) == len(raw.drop_duplicates())
    assert ca["value"].sum() == raw.drop_duplicates()["Value"].sum()
    assert ca["port_code"].min() < 1000  # leading-zero codes such as "0104" read as numbers


def test_filters_equal_pandas(files, bts_mx_raw):
    df = io_bts.read_bts(
        files.bts_mx,
        ports=[2504, 2506],
        measures=["Pedestrians", "Personal Vehicles"],
        start="2018-01-01",
        end="2019-12",
    )
    ref = _reference(bts_mx_raw)
    ref = ref[
        ref["Port Code"].isin([2504, 2506])
        & ref["Measure"].isin(["Pedestrians", "Personal Vehicles"])
        & ref["month"].between("2018-01-01", "2019-12-01")
    ]
    assert len(df) == len(ref) == 2 * 2 * 24
    assert df["value"].sum() == ref["Value"].sum()
    with pytest.raises(SchemaError, match="unknown measure"):
        io_bts.read_bts(files.bts_mx, measures=["Camels"])


def test_conflict_policies(files, bts_mx_raw):
    sasabe = dict(ports=[2606], measures=["Bus Passengers"], start="2021-02", end="2021-02")
    kept = io_bts.read_bts(files.bts_mx, **sasabe)
    assert sorted(kept["value"]) == [0, 2175]
    first = io_bts.read_bts(files.bts_mx, conflicts="first", **sasabe)
    in_file_order = bts_mx_raw[
        (bts_mx_raw["Port Code"] == 2606)
        & (bts_mx_raw["Measure"] == "Bus Passengers")
        & (bts_mx_raw["Date"] == "Feb 2021")
    ]["Value"].iloc[0]
    assert first["value"].tolist() == [in_file_order]
    report = DropReport()
    dropped = io_bts.read_bts(files.bts_mx, conflicts="drop", report=report, **sasabe)
    assert dropped.empty
    assert (report.to_frame()["reason"] == "conflicting_duplicate_dropped").sum() == 2
    with pytest.raises(SchemaError, match="different values"):
        io_bts.read_bts(files.bts_mx, conflicts="raise", **sasabe)


def _subset(bts_mx_raw: pd.DataFrame) -> pd.DataFrame:
    return bts_mx_raw[
        bts_mx_raw["Port Code"].isin([2402, 2504]) & bts_mx_raw["Date"].str.endswith("2023")
    ]


def _socrata(sub: pd.DataFrame) -> pd.DataFrame:
    out = sub.rename(columns=lambda c: c.lower().replace(" ", "_")).drop(columns="point")
    out["date"] = pd.to_datetime(out["date"], format="%b %Y").dt.strftime("%Y-%m-%dT00:00:00.000")
    return out


def test_socrata_csv_and_json_shapes(tmp_path, bts_mx_raw):
    """The data.bts.gov export (snake_case columns, ISO dates) reads to the same table."""
    sub = _subset(bts_mx_raw)
    orig = tmp_path / "orig.csv"
    sub.to_csv(orig, index=False)
    soc = _socrata(sub)
    soc_csv = tmp_path / "keg4-3bc2.csv"
    soc.to_csv(soc_csv, index=False)
    soc_json = tmp_path / "keg4-3bc2.json"
    records = soc.astype(str).to_dict(orient="records")  # Socrata sends every value as text
    soc_json.write_text(json.dumps(records))
    want = io_bts.read_bts(orig).drop(columns="source")
    assert len(want) == len(sub)
    for path in (soc_csv, soc_json):
        got = io_bts.read_bts(path).drop(columns="source")
        pd.testing.assert_frame_equal(got, want)


def test_bridge_counts_equal_pandas(bridges, bridges_raw):
    df = bridges.df
    assert list(df.columns) == list(schema.CROSSINGS_COLUMNS)
    assert len(df) == len(bridges_raw)
    assert df["port_code"].notna().all()
    assert len(bridges.report) == 0
    assert set(df["measure"]) == set(io_bts.BRIDGE_MODE_TO_MEASURE.values())
    ref = bridges_raw.assign(measure=bridges_raw["Modes"].map(io_bts.BRIDGE_MODE_TO_MEASURE))
    ref = ref.groupby(["Crossing", "measure"])["Northbound Crossing"].sum()
    got = df.groupby(["crossing", "measure"])["value"].sum().astype("int64")
    got.index = got.index.set_names(["Crossing", "measure"])
    pd.testing.assert_series_equal(
        got.sort_index(), ref.sort_index(), check_names=False, check_index_type=False
    )
    bota = df[(df["crossing"] == "Bridge of the Americas") & (df["month"] == "2008-01-01")]
    assert bota.set_index("measure")["value"]["Buses"] == 1229  # first line of the file
    assert (bota["port_code"] == 2402).all()


@pytest.mark.parametrize(
    ("port", "bridges_of_port", "since", "until"),
    [
        (
            2305,
            [
                "Anzalduas International Bridge",
                "McAllen-Hidalgo International Bridge",
                "Pharr International Bridge",
            ],
            None,
            None,
        ),
        (
            2304,
            [
                "Gateway to the Americas Bridge",
                "Juárez-Lincoln International Bridge",
                "Colombia Solidarity Bridge",
                "World Trade Bridge",
            ],
            None,
            None,
        ),
        (2401, ["Ysleta Bridge"], "2020-03", None),
        (
            2402,
            ["Bridge of the Americas", "Paso del Norte Bridge", "Good Neighbor Bridge"],
            "2020-03",
            None,
        ),
        (
            2402,
            [
                "Bridge of the Americas",
                "Paso del Norte Bridge",
                "Good Neighbor Bridge",
                "Ysleta Bridge",
            ],
            None,
            "2020-02",
        ),
    ],
)
def test_bridge_sums_equal_bts_port_values(bts_mx, bridges, port, bridges_of_port, since, until):
    """Two independent CBP-derived files agree once measures and ports are mapped.

    Before 2020-03 BTS counted Ysleta inside El Paso (2402)."""
    b = bridges.df[bridges.df["crossing"].isin(bridges_of_port)]
    b = b.groupby(["month", "measure"])["value"].sum()
    t = bts_mx.df[bts_mx.df["port_code"] == port].set_index(["month", "measure"])["value"]
    j = pd.concat([b.rename("bridges"), t.rename("bts")], axis=1, join="inner").dropna()
    months = j.index.get_level_values("month")
    if since:
        j = j[months >= since]
    if until:
        j = j[j.index.get_level_values("month") <= until]
    j = j[j["bts"] > 0]
    assert len(j) > 100
    ratio = (j["bridges"] / j["bts"]).astype(float)
    assert abs(ratio.median() - 1) < 0.005
    assert ratio.between(0.98, 1.02).mean() > 0.75


def test_bridge_count_filters_and_unmapped(tmp_path, bridges_raw, files):
    df = io_bts.read_bridge_counts(
        files.bridges, ports=[2401], measures=["Trucks"], start="2024-01", end="2024-06"
    )
    ref = bridges_raw[
        (bridges_raw["Crossing"] == "Ysleta Bridge") & (bridges_raw["Modes"] == "Commercial Trucks")
    ]
    ref = ref[(ref["Year"] == 2024) & (ref["Month"] <= 6)]
    assert len(df) == 6 and df["value"].sum() == ref["Northbound Crossing"].sum()
    odd = bridges_raw.head(20).copy()
    odd.loc[:4, "Crossing"] = "Puente Imaginario"
    path = tmp_path / "monthly.csv"
    odd.to_csv(path, index=False)
    report = DropReport()
    got = io_bts.read_bridge_counts(path, report=report)
    assert len(got) == 20
    assert got["port_code"].isna().sum() == 5
    assert got.attrs["unmapped_crossings"] == ["Puente Imaginario"]
    assert report.to_frame()["reason"].tolist() == ["crossing_not_in_registry"]


def test_yearly_file_is_refused(files):
    with pytest.raises(SchemaError, match="yearly"):
        io_bts.read_bridge_counts(files.bridges_yearly)


# ---------------------------------------------------------------------------------- bad input


def test_html_saved_as_csv(tmp_path):
    path = tmp_path / "bts.csv"
    path.write_text("<!DOCTYPE html>\n<html><head><title>Error</title></head></html>\n")
    with pytest.raises(DataSourceError, match=r"bts\.csv.*HTML"):
        io_bts.read_bts(path)
    with pytest.raises(DataSourceError, match="HTML"):
        io_bts.read_bridge_counts(path)


def test_truncated_gzip(tmp_path, files):
    raw = files.bts_all.read_bytes()
    path = tmp_path / "bts.csv.gz"
    path.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(DataSourceError, match=r"bts\.csv\.gz.*(truncated|damaged)"):
        io_bts.read_bts(path)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataSourceError, match="empty"):
        io_bts.read_bts(empty)


def test_missing_column_and_bad_values(tmp_path, bts_mx_raw):
    sub = bts_mx_raw.head(30)
    path = tmp_path / "no_value.csv"
    sub.drop(columns="Value").to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"no_value\.csv.*value"):
        io_bts.read_bts(path)
    bad = sub.astype({"Value": str}).copy()
    bad.loc[bad.index[3], "Value"] = "twelve"
    path = tmp_path / "bad_value.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"'value'.*twelve"):
        io_bts.read_bts(path)
    bad.loc[bad.index[3], "Value"] = ""
    bad.to_csv(path, index=False)
    report = DropReport()
    assert len(io_bts.read_bts(path, report=report)) == 29
    assert report.to_frame()["reason"].tolist() == ["missing_value"]
    bad = sub.copy()
    bad.loc[bad.index[2], "Date"] = "Smarch 2020"
    path = tmp_path / "bad_date.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"'date'.*Smarch"):
        io_bts.read_bts(path)


def test_report_for_ports_missing_from_registry(tmp_path, bts_mx_raw):
    sub = bts_mx_raw.head(10).copy()
    sub["Port Code"] = 2599 + 1  # a code the registry does not know
    path = tmp_path / "new_port.csv"
    sub.to_csv(path, index=False)
    report = DropReport()
    df = io_bts.read_bts(path, report=report)
    assert len(df) == 10
    assert report.to_frame()["reason"].tolist() == ["port_not_in_registry"]


def test_gzip_of_the_mexico_file(tmp_path, files, bts_mx):
    path = tmp_path / "mx.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(files.bts_mx.read_bytes())
    got = io_bts.read_bts(path, ports=[2504])
    want = bts_mx.df[bts_mx.df["port_code"] == 2504].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.drop(columns="source"), want.drop(columns="source"))
