"""RESAGEBURB 2020 on the real Baja California Sur sample, and re-encoded / re-packed copies
of slices of it built at test time (latin-1, cp1252, utf-8-sig, upper case, INEGI's zip)."""

from __future__ import annotations

import bz2
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from binational import drops, harmonise, schema
from binational.drops import DropReport
from binational.io import mx_census

KEYS = ["cve_ent", "cve_mun", "cve_loc", "ageb"]


def _ageb_rows(plain: pd.DataFrame) -> pd.DataFrame:
    rows = plain[plain["nom_loc"] == "Total AGEB urbana"]
    return rows.set_index(rows[KEYS].sum(axis=1).rename("CVEGEO"))


def test_only_ageb_total_rows(resageburb, resageburb_plain):
    table, report = resageburb
    rows = _ageb_rows(resageburb_plain)
    assert len(table) == len(rows) == 939
    assert set(table.index) == set(rows.index)
    # the key rule (MZA 000, AGEB != 0000) picks exactly INEGI's "Total AGEB urbana" rows
    by_keys = resageburb_plain[
        (resageburb_plain["mza"] == "000") & (resageburb_plain["ageb"] != "0000")
    ]
    assert len(by_keys) == 939
    assert table["POBTOT"].sum() == rows["pobtot"].sum()
    entity_total = resageburb_plain.loc[resageburb_plain["cve_mun"] == "000", "pobtot"].iloc[0]
    # INEGI, Censo de Población y Vivienda 2020: Baja California Sur has 798,447 inhabitants
    # (the state total published in INEGI's 2020 results; the file's entity row must carry it)
    assert entity_total == 798_447
    assert table["POBTOT"].sum() <= entity_total
    assert table["POBTOT"].sum() / entity_total > 0.85  # urban AGEBs hold most of the state
    # municipio sums never exceed the municipio-total rows
    mun_rows = resageburb_plain[
        (resageburb_plain["cve_loc"] == "0000") & (resageburb_plain["cve_mun"] != "000")
    ]
    mun_totals = mun_rows.set_index("cve_mun")["pobtot"]
    assert mun_totals.sum() == entity_total  # the five municipios add up to the state
    sums = table.groupby("MUN")["POBTOT"].sum()
    assert (sums <= mun_totals.loc[sums.index]).all()
    # summary rows: one record per kind, with counts
    frame = report.to_frame()
    summary = frame[frame["reason"] == drops.SUMMARY_ROW].set_index("id")["detail"]
    assert set(summary.index) == {"entity_total", "municipio_total", "locality_total", "block"}
    n_blocks = int((resageburb_plain["mza"] != "000").sum())
    assert summary["block"].startswith(f"{n_blocks:,} block (manzana) rows")
    assert table.attrs["row_kinds"]["block"] == n_blocks


@pytest.mark.parametrize(
    "var", ["POBTOT", "PNACOE", "PRESOE15", "P3YM_HLI", "POB_AFRO", "PEA", "GRAPROES", "REL_H_M"]
)
def test_values_and_suppression_equal_pandas(resageburb, resageburb_plain, var):
    table, _ = resageburb
    rows = _ageb_rows(resageburb_plain).loc[table.index]
    plain = rows[var.lower()]
    np.testing.assert_allclose(table[var].to_numpy(), plain.to_numpy(dtype=float))
    np.testing.assert_allclose(table[var].sum(), plain.sum())
    if plain.isna().any():
        assert (table[f"{var}_suppressed"] == plain.isna()).all()
    else:
        assert f"{var}_suppressed" not in table.columns


def test_suppression_count_and_report(resageburb, resageburb_plain):
    table, report = resageburb
    rows = _ageb_rows(resageburb_plain).loc[table.index]
    n_na = (
        rows.drop(
            columns=[
                "cve_ent",
                "nom_ent",
                "cve_mun",
                "nom_mun",
                "cve_loc",
                "nom_loc",
                "ageb",
                "mza",
            ]
        )
        .isna()
        .sum(axis=1)
    )
    assert (table["n_suppressed"] == n_na).all()
    assert table.attrs["suppression_codes"] == {"NA": int(n_na.sum())}
    frame = report.to_frame()
    flagged = frame[frame["reason"] == drops.SUPPRESSED]["id"].str[3:]
    assert set(flagged) == set(n_na.index[n_na > 0])


@pytest.fixture(scope="module")
def sample_text(resageburb_path) -> str:
    """First ~600 lines of the sample (Comondú and Loreto), with accented names."""
    with bz2.open(resageburb_path, "rt", encoding="utf-8") as fh:
        lines = [next(fh) for _ in range(600)]
    return "".join(lines)


@pytest.fixture(scope="module")
def sample_slice(sample_text, tmp_path_factory):
    path = tmp_path_factory.mktemp("rs") / "slice.csv"
    path.write_text(sample_text, encoding="utf-8")
    return mx_census.read_resageburb(path, report=DropReport())


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-8-sig", "utf-8"])
def test_encodings_detected(sample_text, sample_slice, tmp_path, encoding):
    assert "Comondú" in sample_text
    path = tmp_path / f"RESAGEBURB_03CSV20_{encoding}.csv"
    path.write_bytes(sample_text.encode(encoding))
    table = mx_census.read_resageburb(path, report=DropReport())
    expected_enc = {"latin-1": "cp1252"}.get(encoding, encoding)  # identical for Spanish text
    assert table.attrs["encoding"] == expected_enc
    assert (table["NOM_MUN"] == "Comondú").any()
    pd.testing.assert_frame_equal(table, sample_slice, check_like=False)
    # an explicit encoding is honoured
    explicit = mx_census.read_resageburb(path, encoding=encoding, report=DropReport())
    assert explicit.attrs["encoding"] == encoding


def test_upper_case_inegi_header_and_codes(sample_text, sample_slice, tmp_path):
    """INEGI's own files: upper-case ENTIDAD/MUN/LOC names and * / N/D codes (latin-1)."""
    header, rest = sample_text.split("\n", 1)
    header = (
        header.upper()
        .replace("CVE_ENT", "ENTIDAD")
        .replace("CVE_MUN", "MUN")
        .replace("CVE_LOC", "LOC")
    )
    lines = rest.splitlines()
    # put INEGI's two codes back where the republished copy wrote NA
    lines = [ln.replace(",NA", ",*", 3).replace(",NA", ",N/D", 1) for ln in lines]
    path = tmp_path / "RESAGEBURB_03CSV20.csv"
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode("latin-1"))
    table = mx_census.read_resageburb(path, report=DropReport())
    assert list(table.columns[:8]) == [
        "ENTIDAD",
        "NOM_ENT",
        "MUN",
        "NOM_MUN",
        "LOC",
        "NOM_LOC",
        "AGEB",
        "MZA",
    ]
    variables = table.attrs["variables"]
    pd.testing.assert_frame_equal(table[variables], sample_slice[variables])
    assert (table["n_suppressed"] == sample_slice["n_suppressed"]).all()
    codes = table.attrs["suppression_codes"]
    assert set(codes) == {"*", "N/D", "NA"}
    assert sum(codes.values()) == sum(sample_slice.attrs["suppression_codes"].values())


def test_inegi_zip_with_folder(sample_text, sample_slice, tmp_path):
    path = tmp_path / "RESAGEBURB_03_2020_csv.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "RESAGEBURB_03_2020_csv/diccionario_datos/diccionario_datos_ageb_urbana_03_cpv2020.csv",
            "Núm.,Indicador\n1,x\n".encode("latin-1"),
        )
        zf.writestr(
            "RESAGEBURB_03_2020_csv/conjunto_de_datos/conjunto_de_datos_ageb_urbana_03_cpv2020.csv",
            sample_text.encode("latin-1"),
        )
    table = mx_census.read_resageburb(path, report=DropReport())
    pd.testing.assert_frame_equal(table, sample_slice)


def test_gzip_copy(sample_text, sample_slice, tmp_path):
    import gzip

    path = tmp_path / "slice.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(sample_text.encode("utf-8"))
    pd.testing.assert_frame_equal(
        mx_census.read_resageburb(path, report=DropReport()), sample_slice
    )


def test_load_mx_units_with_resageburb(resageburb, resageburb_path, tmp_path):
    """The real sample joined to stand-in polygons (squares) for its AGEB keys: 5 AGEBs lose
    their polygon, 2 polygons have no census row."""
    table, _ = resageburb
    codes = list(table.index)
    poly_codes = [*codes[5:], "0300100019990", "0300100019991"]
    squares = [shapely.box(x * 1000, 0, x * 1000 + 900, 900) for x in range(len(poly_codes))]
    gdf = gpd.GeoDataFrame({"CVEGEO": poly_codes}, geometry=squares, crs="EPSG:6372")
    path = tmp_path / "03a.gpkg"
    gdf.to_file(path, driver="GPKG")
    report = DropReport()
    units = harmonise.load_mx_units(
        path, resageburb_path=resageburb_path, municipios=None, crs="EPSG:32612", report=report
    )
    assert len(units) == len(codes) - 5
    frame = report.to_frame()
    assert set(frame.loc[frame["reason"] == drops.NO_GEOMETRY, "id"]) == {
        f"MX:{c}" for c in codes[:5]
    }
    assert set(frame.loc[frame["reason"] == drops.NO_ATTRIBUTES, "id"]) == {
        "MX:0300100019990",
        "MX:0300100019991",
    }
    sub = table.loc[units[schema.UNIT_ID].str[3:]]
    for group, var in mx_census.RESAGEBURB_GROUPS.items():
        np.testing.assert_array_equal(units[group].to_numpy(), sub[var].to_numpy())
        if f"{var}_suppressed" in sub.columns:
            assert (
                units[f"{group}_suppressed"].to_numpy() == sub[f"{var}_suppressed"].to_numpy()
            ).all()
    assert (units[schema.FLAG_ZERO_POP] == (sub["POBTOT"].to_numpy() == 0)).all()
    assert units[schema.NAME].iloc[0].startswith(f"AGEB {codes[5][9:]}, ")
    assert "RESAGEBURB" in units[schema.SOURCE].iloc[0]
