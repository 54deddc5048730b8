"""Locate the small manifests shipped with the package (the repository's ``data/`` folder)."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def manifest_dir() -> Path:
    """Folder holding regions.toml, ports.csv, sources.toml and column_maps.toml.

    In a wheel the repository's ``data/`` is installed as ``binational/_manifests``; in an editable
    install (src layout) it is read from the repository itself.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_manifests", here.parents[1] / "data"):
        if (candidate / "regions.toml").is_file():
            return candidate
    raise FileNotFoundError(f"binational manifests (regions.toml) not found beside {here}")


def manifest(name: str) -> Path:
    """Path of one manifest file, e.g. ``manifest("ports.csv")``."""
    return manifest_dir() / name
