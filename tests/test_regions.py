import pytest

from binational import errors
from binational.regions import RegionSpec, get_region, list_regions, load_regions_file


def test_presets_cover_both_twin_cities():
    assert {"tijuana-san-diego", "juarez-el-paso"} <= set(list_regions())
    tj = get_region("Tijuana San Diego")
    assert tj.crs == "EPSG:32611"
    assert tj.us_counties == ("06073",)
    assert set(tj.mx_municipios) == {"02004", "02003", "02005"}
    assert 2504 in tj.ports
    ep = get_region("juarez_el_paso")
    assert ep.crs == "EPSG:32613"
    assert ep.us_states == ("48",)


def test_preset_files_exist_in_data_dir(data_dir):
    from binational.units import OPTIONAL_ROLES

    for name in list_regions():
        spec = get_region(name)
        for role in spec.files:
            if role in OPTIONAL_ROLES:  # named before the file is fetched; used when present
                continue
            for path in spec.file_list(role, data_dir):
                assert path.is_file(), f"{name}: {role} -> {path}"


def test_unknown_region_names_the_known_ones():
    with pytest.raises(errors.RegionError, match="tijuana-san-diego"):
        get_region("atlantis")


def test_user_region_file(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text(
        '[mexicali-calexico]\ntitle = "Mexicali–Calexico"\ncrs = "EPSG:32611"\n'
        'us_counties = ["06025"]\nmx_municipios = ["02002"]\nports = [2503, 2507]\n'
    )
    (spec,) = load_regions_file(f)
    assert get_region("mexicali-calexico") is spec
    assert spec.file("us_tracts", tmp_path) is None


def test_geographic_crs_is_refused():
    with pytest.raises(errors.RegionError, match="not projected"):
        RegionSpec(
            name="x",
            title="x",
            crs="EPSG:4326",
            us_counties=("06073",),
            mx_municipios=("02004",),
            ports=(2504,),
        )


def test_bad_region_file(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('[x]\ntitle = "x"\n')
    with pytest.raises(errors.RegionError, match="lacks key"):
        load_regions_file(f)
