"""The public namespace means one thing in any import order, and the package is typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import binational

ORDERS = {
    "package first": "import binational",
    "subpackage first": "import binational.catchments",
    "function first": "from binational.catchments import catchments",
    "attribute first": "import binational; binational.catchments",
    "concentration submodule first": "import binational.concentration.profile",
    "render first": "import binational.render.report",
}

PROBE = """
import sys, types
import binational
c = binational.catchments
k = binational.concentration
print(isinstance(c, types.ModuleType), c is sys.modules["binational.catchments"], callable(c),
      c.catchments.__module__,
      isinstance(k, types.ModuleType), k is sys.modules["binational.concentration"],
      callable(k.concentration_profile), binational.concentration_profile is k.concentration_profile)
"""


@pytest.mark.parametrize("first", list(ORDERS.values()), ids=list(ORDERS))
def test_catchments_and_concentration_mean_one_thing_in_any_order(first):
    out = subprocess.run(
        [sys.executable, "-c", first + "\n" + PROBE], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == [
        "True",
        "True",
        "True",
        "binational.catchments.api",
        "True",
        "True",
        "True",
        "True",
    ]


def test_every_public_name_resolves():
    for name in binational.__all__:
        assert getattr(binational, name) is not None, name
    assert set(binational.__all__) <= set(dir(binational))


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        binational.no_such_thing  # noqa: B018


def test_py_typed_ships_in_the_package():
    assert (Path(binational.__file__).parent / "py.typed").is_file()
