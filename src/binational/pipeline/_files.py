"""Data files of a report: where the region's data folder is, its survey, and the checksums of
every file read."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BinationalError

if TYPE_CHECKING:
    import pandas as pd


def _root(data_dir: str | os.PathLike | None) -> Path | None:
    from ..settings import resolve_data_dir

    try:
        return resolve_data_dir(data_dir)
    except BinationalError:
        return None


def _data_root(region) -> Path | None:
    """The data folder the region was loaded from, found from the files it read (so a report
    of a region loaded with ``data_dir=...`` finds its other files there too)."""
    src = getattr(region, "sources", None)
    files = getattr(region.spec, "files", {}) or {}
    if src is None or "path" not in getattr(src, "columns", []):
        return None
    for value in src["path"].astype(str):
        for path in (Path(p) for p in value.split(";") if p):
            for rel in files.values():
                for r in (rel,) if isinstance(rel, str) else tuple(rel):
                    parts = Path(r).parts
                    if path.parts[-len(parts) :] == parts:
                        return Path(*path.parts[: -len(parts)])
    return None


def read_region_survey(
    region, missing: dict[str, str], *, data_dir: str | os.PathLike | None = None
) -> tuple[pd.DataFrame | None, Path | None]:
    """The region's SANDAG cross-border survey (its ``od_survey`` file), if it has one.

    The file is looked up in ``data_dir``, else beside the files the region was read from,
    else in the configured data folder. A survey that cannot be read is left out with the
    reason in ``missing["od_survey"]``.

    Parameters
    ----------
    region
        The loaded region.
    missing
        Receives the reason when the survey cannot be read.
    data_dir
        Where to look first.

    Returns
    -------
    survey, path
        :func:`binational.io.survey.read_od_survey` of the file and its path; ``(None, None)``
        when the region names no survey.
    """
    from ..io.survey import read_od_survey

    root = Path(data_dir) if data_dir is not None else _data_root(region) or _root(None)
    path = region.spec.file("od_survey", root) if root is not None else None
    if path is None:
        return None, None
    try:
        return read_od_survey(path), path
    except BinationalError as exc:
        missing["od_survey"] = str(exc)
        return None, path


def data_file_checksums(region, *, extra: Sequence[str | os.PathLike] = ()) -> list[dict]:
    """SHA-256 of every data file the region read, of ``extra`` files (e.g. the survey) and of
    the package's own tables (region presets, the ports registry, the official totals).

    Parameters
    ----------
    region
        The loaded region (its ``sources`` list the files it read).
    extra
        More files to list.

    Returns
    -------
    list of dict
        ``{"file": name, "sha256": hex}`` per existing file, in the order read, once each.
    """
    from .._atomic import file_sha256

    files: list[Path] = []
    src = getattr(region, "sources", None)
    if src is not None and "path" in getattr(src, "columns", []):
        for value in src["path"].astype(str):
            files += [Path(p) for p in value.split(";") if p]
    files += [Path(p) for p in extra]
    try:  # the package's own tables: region presets and the ports registry
        from .._data import package_dir

        files += [package_dir() / n for n in ("regions.toml", "ports.csv", "admin_totals.csv")]
    except FileNotFoundError:  # pragma: no cover - broken install
        pass
    return [{"file": p.name, "sha256": file_sha256(p)} for p in dict.fromkeys(files) if p.is_file()]
