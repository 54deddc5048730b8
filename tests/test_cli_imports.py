"""The command line builds its parser without the heavy libraries (fast ``--help``)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "pandas", "geopandas", "pyproj", "shapely", "requests", "dask", "numba")


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_help_parser_imports_nothing_heavy():
    mods = _imported_after("from binational.cli import build_parser\nbuild_parser()")
    assert "binational.cli.summary" in mods  # every sub-command was registered
    assert not mods & set(HEAVY), sorted(mods & set(HEAVY))


def test_import_binational_is_light():
    mods = _imported_after("import binational")
    assert not mods & set(HEAVY), sorted(mods & set(HEAVY))


def test_lazy_names_still_resolve():
    import binational

    assert binational.get_region("tijuana-san-diego").crs
    assert callable(binational.load_region)
    assert binational.settings.cache_dir
    from binational.scale import DEFAULT_TASKS, run_batch

    assert "catchments" in DEFAULT_TASKS and callable(run_batch)


def test_analysis_modules_import_no_plotting_stats_or_file_readers():
    """A warm run (census units from the cache) pays for none of these at import: scipy.stats
    (1.7 s), pyogrio (vector files are read only on a cache miss), the plotting libraries, numba
    or scikit-learn."""
    mods = _imported_after(
        "import binational.summary, binational.units, binational.concentration, "
        "binational.catchments, binational.commuting"
    )
    unwanted = {"scipy.stats", "pyogrio", "matplotlib", "folium", "numba", "sklearn", "osmnx"}
    assert not mods & unwanted, sorted(mods & unwanted)


def test_straight_line_catchments_import_no_graph_libraries(data_dir):
    """Without a road network (Juárez–El Paso) the catchments are discs: neither networkx
    (0.24 s to import) nor scipy.ndimage (the grid isochrones, 0.1 s) is imported."""
    mods = _imported_after(
        "import binational\n"
        f"region = binational.load_region('juarez-el-paso', data_dir={str(data_dir)!r})\n"
        "result = binational.catchments(region, wait_fallback='zero')\n"
        "assert 'straight' in result.method and len(result.isochrones)"
    )
    assert "binational.catchments.api" in mods
    graph_libs = {"networkx", "scipy.ndimage", "binational.catchments.isogrid"}
    assert not mods & graph_libs, sorted(mods & graph_libs)
