"""Every public function has a numpydoc docstring with Parameters and Returns sections.

Public means: named in ``binational.__all__`` or in the ``__all__`` of a public module or
subpackage of binational (``catchments``, ``concentration``, ``commuting``, ``render``,
``scale``, ``io``, ...), followed recursively. A function without parameters needs no
Parameters section; a generator may have Yields instead of Returns.
"""

from __future__ import annotations

import importlib
import inspect
import re
import types

import binational

MODULES = (
    "binational",
    "binational.catchments",
    "binational.commuting",
    "binational.concentration",
    "binational.groups",
    "binational.io",
    "binational.pipeline",
    "binational.regions",
    "binational.render",
    "binational.scale",
    "binational.sources",
    "binational.summary",
    "binational.surfaces",
    "binational.units",
)


def _sections(doc: str | None) -> set[str]:
    text = inspect.cleandoc(doc or "")
    return set(re.findall(r"^(\w[\w ]*)\n-{3,}[ \t]*$", text, flags=re.MULTILINE))


def public_functions() -> dict[str, types.FunctionType]:
    found: dict[str, types.FunctionType] = {}
    seen: set[str] = set()

    def walk(module: types.ModuleType) -> None:
        if module.__name__ in seen:
            return
        seen.add(module.__name__)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType):
                if obj.__name__.startswith("binational"):
                    walk(obj)
            elif inspect.isfunction(obj) and obj.__module__.startswith("binational"):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj

    for name in MODULES:
        walk(importlib.import_module(name))
    return found


def missing_sections(fn) -> list[str]:
    sections = _sections(fn.__doc__)
    params = [p for p in inspect.signature(fn).parameters if p not in ("self", "cls")]
    missing = []
    if not (fn.__doc__ or "").strip():
        return ["docstring"]
    if params and "Parameters" not in sections:
        missing.append("Parameters")
    if not sections & {"Returns", "Yields"}:
        missing.append("Returns")
    return missing


def test_the_walk_finds_the_public_api():
    names = public_functions()
    for expected in (
        "binational.units.load_region",
        "binational.catchments.api.catchments",
        "binational.concentration.profile.concentration_profile",
    ):
        assert expected in names, expected
    assert len(names) > 100


def test_every_public_function_has_parameters_and_returns():
    bad = {name: m for name, fn in public_functions().items() if (m := missing_sections(fn))}
    assert not bad, f"{len(bad)} public function(s) without numpydoc sections:\n" + "\n".join(
        f"  {name}: no {', '.join(m)}" for name, m in sorted(bad.items())
    )


def test_a_docstring_without_sections_is_caught():
    def f(x):
        """Do something."""

    def g(x):
        """Do something.

        Parameters
        ----------
        x
            A value.

        Returns
        -------
        int
        """

    assert missing_sections(f) == ["Parameters", "Returns"]
    assert missing_sections(g) == []
    assert binational.__all__  # the top-level walk starts from a non-empty list
