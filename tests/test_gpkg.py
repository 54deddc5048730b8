"""GeoPackage outputs: codes as text, no SQL-keyword field names, English/Spanish descriptions."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from binational._gpkg import SQL_KEYWORDS, gis_columns, write_layer


@pytest.fixture
def frame():
    return gpd.GeoDataFrame(
        {
            "unit_id": ["MX:0803700010010", "US:48141000100"],
            "admin2": [8037, "48141"],  # an integer code must not lose its leading zero
            "port_code": [2402, 2404],
            "best_port": [2402.0, float("nan")],
            "group": ["hispanic", "hispanic"],
            "index": [0.31, 0.42],
            "pop_total": [1200.0, 3400.0],
            "hispanic": [800.0, 3000.0],
            "minutes_2402": [12.5, 30.0],
        },
        geometry=[Point(0, 0), Point(1, 1)],
        crs=32613,
    )


def _sql(path, query, *args):
    con = sqlite3.connect(path)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def test_codes_read_back_as_text(frame, tmp_path):
    path = tmp_path / "out.gpkg"
    write_layer(frame, path, layer="units")
    back = pyogrio.read_dataframe(path, layer="units")
    assert list(back["admin2"]) == ["08037", "48141"]
    assert list(back["port_code"]) == ["2402", "2404"]
    assert back["best_port"].iloc[0] == "2402" and back["best_port"].isna().iloc[1]
    assert list(back["unit_id"]) == list(frame["unit_id"])
    types = dict(_sql(path, "SELECT name, type FROM pragma_table_info('units')"))
    assert {types[c] for c in ("unit_id", "admin2", "port_code", "best_port")} == {"TEXT"}
    assert types["pop_total"] == "REAL"


def test_no_sql_keyword_field_names(frame, tmp_path):
    path = tmp_path / "out.gpkg"
    renames = write_layer(frame, path, layer="units")
    assert renames == {"group": "group_name", "index": "index_name"}
    fields = [name for name, _ in _sql(path, "SELECT name, type FROM pragma_table_info('units')")]
    assert "group_name" in fields and "index_name" in fields
    assert not {f.upper() for f in fields} & SQL_KEYWORDS
    assert frame.columns[4] == "group"  # the caller's frame is left as it was


def test_gis_columns_never_collides():
    assert gis_columns(["group", "group_name", "order"]) == {
        "group": "group_name_",
        "order": "order_rank",
    }
    assert gis_columns(["unit_id", "pop_total"]) == {}


@pytest.mark.parametrize(
    ("lang", "layer_word", "field_title", "field_word"),
    [
        ("en", "Census units", "County / municipio code", "5 digits"),
        ("es", "Unidades censales", "Clave de condado / municipio", "5 dígitos"),
    ],
)
def test_layer_and_field_descriptions(frame, tmp_path, lang, layer_word, field_title, field_word):
    path = tmp_path / f"out_{lang}.gpkg"
    write_layer(frame, path, layer="units", lang=lang)
    write_layer(frame.iloc[:1], path, layer="isochrones", lang=lang)
    (desc,) = _sql(path, "SELECT description FROM gpkg_contents WHERE table_name = 'units'")[0]
    assert layer_word in desc
    rows = {
        col: (title, text)
        for col, title, text in _sql(
            path,
            "SELECT column_name, title, description FROM gpkg_data_columns "
            "WHERE table_name = 'units'",
        )
    }
    assert rows["admin2"][0] == field_title and field_word in rows["admin2"][1]
    assert "group_name" in rows and "group" not in rows  # described under its new name
    assert "2402" in rows["minutes_2402"][1]
    assert rows["hispanic"][0] == ("Hispana o latina" if lang == "es" else "Hispanic or Latino")
    # the schema extension is registered once, whatever the number of layers
    ext = _sql(path, "SELECT table_name FROM gpkg_extensions WHERE extension_name='gpkg_schema'")
    assert sorted(ext) == [("gpkg_data_column_constraints",), ("gpkg_data_columns",)]
    # both layers described, and GDAL still reads the file
    tables = {t for (t,) in _sql(path, "SELECT DISTINCT table_name FROM gpkg_data_columns")}
    assert tables == {"units", "isochrones"}
    assert dict(pyogrio.list_layers(path)).keys() == {"units", "isochrones"}


def test_own_descriptions_win(frame, tmp_path):
    path = tmp_path / "out.gpkg"
    write_layer(
        frame, path, layer="whatever", description="my layer", fields={"pop_total": "people"}
    )
    assert _sql(path, "SELECT description FROM gpkg_contents")[0][0] == "my layer"
    assert ("pop_total", "people") in _sql(
        path, "SELECT column_name, description FROM gpkg_data_columns"
    )


def _columns(path, layer):
    return {
        name: kind
        for name, kind in _sql(path, f"SELECT name, type FROM pragma_table_info('{layer}')")
    }


@pytest.mark.slow
def test_cli_outputs_in_spanish(tmp_path):
    """Every GeoPackage the CLI writes goes through the writer: real Juárez-El Paso outputs."""
    from binational.cli import main

    out = tmp_path / "c"
    argv = ["catchments", "juarez-el-paso", "--method", "straight-line"]
    assert (
        main(
            [*argv, "--wait-fallback", "zero", "--minutes", "30", "--lang", "es", "--out", str(out)]
        )
        == 0
    )
    gpkg = out / "catchments.gpkg"
    units = pyogrio.read_dataframe(gpkg, layer="units", read_geometry=False)
    assert "08037" in set(units["admin2"]) and "48141" in set(units["admin2"])
    assert units["unit_id"].str.match(r"^(US:\d{11}|MX:\w{13})$").all()
    cols = _columns(gpkg, "units")
    assert {cols[c] for c in ("admin2", "unit_id", "best_port", "node_id")} == {"TEXT"}
    assert _columns(gpkg, "isochrones")["port_code"] == "TEXT"
    descs = dict(_sql(gpkg, "SELECT table_name, description FROM gpkg_contents"))
    assert descs["isochrones"].startswith("Isócronas") and descs["units"].startswith("Unidades")
    titles = dict(
        _sql(gpkg, "SELECT column_name, title FROM gpkg_data_columns WHERE table_name='units'")
    )
    assert titles["best_minutes"] == "Mejor tiempo (min)"

    out = tmp_path / "k"
    assert (
        main(
            [
                "concentration",
                "juarez-el-paso",
                "--permutations",
                "9",
                "--lang",
                "es",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    (gpkg,) = out.glob("*_local.gpkg")
    cols = _columns(gpkg, "local")
    assert "group_name" in cols and not {c.upper() for c in cols} & SQL_KEYWORDS
    assert cols["unit_id"] == "TEXT"
    (desc,) = _sql(gpkg, "SELECT description FROM gpkg_contents WHERE table_name='local'")[0]
    assert desc.startswith("Concentración local")
