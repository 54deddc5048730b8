"""The package's own data files (the repository's ``data/`` folder), and the one TOML reader.

``regions.toml``, ``twin_cities.toml``, ``ports.csv``, ``sources.toml``, ``column_maps.toml``,
``speeds.toml`` and ``admin_totals.csv`` ship with the package; :func:`package_file` finds
them. Every TOML file binational reads — these and a user's own regions file — goes through
:func:`read_toml`, so a missing or broken file always raises the same way, naming the file.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path

from .errors import DataSourceError

__all__ = ["package_dir", "package_file", "package_toml", "read_toml"]


@cache
def package_dir() -> Path:
    """Folder holding the package data files (regions.toml, ports.csv, sources.toml, ...).

    In a wheel the repository's ``data/`` is installed as ``binational/_package_data``; in an
    editable install (src layout) it is read from the repository itself.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_package_data", here.parents[1] / "data"):
        if (candidate / "regions.toml").is_file():
            return candidate
    raise FileNotFoundError(f"binational package data (regions.toml) not found beside {here}")


def package_file(name: str) -> Path:
    """Path of one package data file, e.g. ``package_file("ports.csv")``."""
    return package_dir() / name


def read_toml(
    path: str | os.PathLike,
    *,
    what: str = "TOML",
    error: type[Exception] = DataSourceError,
) -> dict:
    """Parse a TOML file.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for the message (``"regions"``, ``"source catalogue"``).
    error
        Exception class raised (a :class:`~binational.errors.BinationalError` subclass).

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    error
        If the file does not exist or is not valid TOML (naming the file).
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise error(f"{path}: {what} file does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not a valid TOML file: {exc}") from exc


@cache
def package_toml(name: str) -> dict:
    """A package TOML file, parsed once (do not change the returned dict)."""
    return read_toml(package_file(name), what=name)


# Old names, kept while io/roads.py and render/report.py (other helpers' files in this redesign)
# still import them; "manifest" now means only a record of the files a run wrote.
manifest = package_file
manifest_dir = package_dir
