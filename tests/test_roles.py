"""The role registry (binational._roles) is the one list of data roles."""

from __future__ import annotations

from binational import _roles
from binational.regions import get_region, list_regions
from binational.sources import FETCH_ROLES, ROLE_SOURCES, catalogue


def test_every_role_a_preset_names_is_registered():
    for name in list_regions():
        unknown = set(get_region(name).files) - set(_roles.REGISTRY)
        assert not unknown, (name, unknown)


def test_fetched_roles_name_catalogue_sources():
    cat = catalogue()
    assert tuple(ROLE_SOURCES) == FETCH_ROLES
    for role, ids in ROLE_SOURCES.items():
        assert ids and set(ids) <= set(cat), role


def test_derived_lists():
    assert _roles.roles_for("waits") == (
        "waits_hourly",
        "waits_live",
        "waits_series",
        "waits_sandag",
    )
    assert _roles.roles_for("us_units") == ("us_tracts", "us_acs")
    assert {"mx_resageburb"} == _roles.OPTIONAL_ROLES
    assert _roles.ROLES is _roles.FETCH_ROLES
