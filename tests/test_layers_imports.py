"""Data flows one way: a walk over the package's imports fails on a back-edge.

sources → io → units → analysis (concentration, catchments, commuting, surfaces) → render, with
cli, scale and pipeline orchestrating. The contract, as written in the project brief:

- ``io`` parses one source family: it imports no ``units``, analysis, ``render``, ``cli``,
  ``scale`` or ``pipeline``;
- ``units`` harmonises: it imports no analysis and no ``render`` (nor the orchestrators);
- analysis takes frames, a Region or a graph: it imports no ``render``, ``cli``, ``scale`` or
  ``pipeline``, and never reads a data folder (no ``data_dir`` parameter, no
  ``resolve_data_dir``/``settings.data_dir``, no ``load_region``, no ``sources`` fetcher);
- ``render`` draws results: it imports no ``io``, ``sources``, ``units`` or analysis (nor the
  orchestrators), and loads no data (same data-folder checks as analysis). It may import
  ``labels``, ``schema``, ``errors``, ``settings`` and the private helpers.

Every import counts, also one inside a function (a lazy import is still a dependency); only
imports under ``if TYPE_CHECKING:`` are left out, as they do not run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import binational

ROOT = Path(binational.__file__).parent
PKG = "binational"

LAYERS = {
    "sources": ("binational.sources",),
    "io": ("binational.io",),
    "units": ("binational.units", "binational.harmonise", "binational.network"),
    "analysis": (
        "binational.concentration",
        "binational.catchments",
        "binational.commuting",
        "binational.surfaces",
    ),
    "render": ("binational.render",),
    "orchestration": ("binational.cli", "binational.scale", "binational.pipeline"),
}

# layer -> layers it must not import
FORBIDDEN = {
    "io": ("units", "analysis", "render", "orchestration"),
    "units": ("analysis", "render", "orchestration"),
    "analysis": ("render", "orchestration"),
    "render": ("io", "sources", "units", "analysis", "orchestration"),
}

# names whose use means "reads a data folder" (analysis and render take data, never load it)
DATA_LOADERS = {"load_region", "resolve_data_dir", "fetch_region", "fetch_source"}


@dataclass(frozen=True)
class Edge:
    source: str  # importing module
    target: str  # imported module
    where: str  # file:line

    def __str__(self) -> str:
        return f"{self.where}: {self.source} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (ROOT.parent / rel).with_suffix(".py").is_file() or (ROOT.parent / rel).is_dir()


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for sub in node.body:
                    lines.update(range(sub.lineno, (sub.end_lineno or sub.lineno) + 1))
    return lines


def _resolve(module: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _walk():
    """(module, path, tree, [(target module, line, imported names)]) for every module."""
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skip = _type_checking_lines(tree)
        imports = []
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            if isinstance(node, ast.Import):
                imports += [(a.name, node.lineno, ()) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(module, path.name == "__init__.py", node)
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    if full.startswith(PKG) and _is_module(full):
                        imports.append((full, node.lineno, ()))
                    else:
                        imports.append((target, node.lineno, (alias.name,)))
        out.append((module, path, tree, imports))
    return out


WALK = _walk()


def layer_of(module: str) -> str | None:
    for layer, prefixes in LAYERS.items():
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return layer
    return None


def back_edges(layer: str) -> list[Edge]:
    edges = []
    for module, path, _, imports in WALK:
        if layer_of(module) != layer:
            continue
        for target, line, _names in imports:
            if layer_of(target) in FORBIDDEN[layer]:
                edges.append(Edge(module, target, f"{path.relative_to(ROOT.parent)}:{line}"))
    return sorted(set(edges), key=str)


def data_reads(layer: str) -> list[str]:
    """Places where a module of ``layer`` reads a data folder."""
    found = []
    for module, path, tree, imports in WALK:
        if layer_of(module) != layer:
            continue
        rel = path.relative_to(ROOT.parent)
        for target, line, names in imports:
            for name in set(names) & DATA_LOADERS:
                found.append(f"{rel}:{line}: {module} imports {name} from {target}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in DATA_LOADERS | {"data_dir"}:
                base = node.value
                if node.attr != "data_dir" or (
                    isinstance(base, ast.Name) and base.id == "settings"
                ):
                    found.append(f"{rel}:{node.lineno}: {module} uses {ast.unparse(node)}")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
                if any(a.arg == "data_dir" for a in every):
                    found.append(
                        f"{rel}:{node.lineno}: {module}.{node.name} takes a data_dir parameter"
                    )
    return sorted(set(found))


def test_the_walk_sees_the_package():
    modules = {m for m, *_ in WALK}
    assert {"binational.io.ports", "binational.render.report", "binational.cli"} <= modules
    # the walk resolves relative imports: units imports io readers (an allowed edge)
    units_imports = {t for m, _, _, imp in WALK if m == "binational.units" for t, *_ in imp}
    assert any(t.startswith("binational.io") for t in units_imports)


@pytest.mark.parametrize("layer", list(FORBIDDEN))
def test_no_back_edges(layer):
    edges = back_edges(layer)
    assert not edges, f"{layer} imports what it must not:\n" + "\n".join(map(str, edges))


@pytest.mark.parametrize("layer", ["analysis", "render"])
def test_analysis_and_render_read_no_data_folder(layer):
    found = data_reads(layer)
    assert not found, f"{layer} reads a data folder:\n" + "\n".join(found)
