"""sources.attributions: the credit lines of the catalogue, against a plain TOML read."""

from __future__ import annotations

import tomllib

from binational._data import package_file
from binational.sources import ROLE_SOURCES, attributions


def test_attributions_equal_the_catalogue_file():
    with open(package_file("sources.toml"), "rb") as fh:
        doc = tomllib.load(fh)["sources"]
    want = [f"{t['attribution']} — {t['licence']}" for t in doc.values()]
    assert attributions() == want
    assert attributions(["census_acs", "inegi_iter"]) == [
        "U.S. Census Bureau, American Community Survey 5-year estimates — "
        "Public domain (U.S. federal government work)",
        "Fuente: INEGI, Censo de Población y Vivienda 2020 — INEGI Términos de Libre Uso de la "
        "Información (https://www.inegi.org.mx/inegi/terminos.html)",
    ]
    # every source a region role can come from has a credit line
    for ids in ROLE_SOURCES.values():
        assert len(attributions(ids)) == len(ids)
        assert all(line.split(" — ")[0] and line.split(" — ")[1] for line in attributions(ids))
