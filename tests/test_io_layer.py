"""io parses one source family and knows no regions: a static import walk of its modules.

``binational.io`` may import the low layers (schema, errors, drops, settings, _data, _sniff,
...) and itself; never the region presets, the unit table, the download machinery, an analysis,
the renderer or an orchestrator. ``summary`` (analysis) must not import the renderer either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import binational

SRC = Path(binational.__file__).parent
ABOVE_IO = (
    "regions",
    "units",
    "harmonise",
    "sources",
    "summary",
    "pipeline",
    "groups",
    "surfaces",
    "concentration",
    "catchments",
    "commuting",
    "render",
    "cli",
    "scale",
)


def _imported(path: Path) -> set[str]:
    """Absolute names of every module (and name) ``path`` imports, at any depth."""
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    package = [p for p in package if p != "__init__"]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def _upward(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    bad = {f"binational.{name}" for name in forbidden}
    return sorted(
        name for name in _imported(path) if any(name == b or name.startswith(b + ".") for b in bad)
    )


def test_io_imports_nothing_above_it():
    modules = sorted((SRC / "io").rglob("*.py"))
    assert len(modules) > 10
    offending = {
        str(p.relative_to(SRC)): _upward(p, ABOVE_IO) for p in modules if _upward(p, ABOVE_IO)
    }
    assert offending == {}


def test_summary_does_not_import_the_renderer():
    assert _upward(SRC / "summary.py", ("render", "cli", "scale")) == []


def test_the_walk_resolves_relative_imports():
    names = _imported(SRC / "io" / "waits" / "cbp.py")
    assert "binational.io.ports.registry_table" in names  # from ..ports import registry_table
    assert "binational._plausible" in names  # from ... import _plausible
