"""extract(): path traversal, links, zip bombs, size bounds, member selection, atomicity."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile

import geopandas as gpd
import pytest

from binational.errors import DataSourceError, OutputError, UnsafeArchiveError
from binational.sources import extract, fetch


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _zip(path, entries):
    """entries: list of (ZipInfo or name, bytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return path


def _symlink_info(name, target_mode=0o777):
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # unix
    info.external_attr = (stat.S_IFLNK | target_mode) << 16
    return info


@pytest.fixture
def sandbox(tmp_path):
    """A folder holding only the archive; extraction goes to sandbox/out."""
    box = tmp_path / "box"
    box.mkdir()
    return box


@pytest.mark.parametrize(
    "member",
    ["../../x", "../x", "a/../../x", "/abs/x", "/etc/passwd", "..\\..\\x", "C:/x"],
)
def test_traversal_and_absolute_names_refused(sandbox, member):
    archive = _zip(sandbox / "evil.zip", [("ok.txt", b"fine"), (member, b"pwned")])
    before = _tree(sandbox.parent)
    with pytest.raises(UnsafeArchiveError) as err:
        extract(archive, dest=sandbox / "out")
    assert "evil.zip" in str(err.value) and repr(member) in str(err.value)
    assert _tree(sandbox.parent) == before  # nothing written anywhere, not even ok.txt
    assert not (sandbox / "out").exists()


def test_traversal_refused_even_when_not_selected(sandbox):
    archive = _zip(sandbox / "evil.zip", [("data.csv", b"a,b\n1,2\n"), ("../../x", b"pwned")])
    with pytest.raises(UnsafeArchiveError, match=r"'\.\./\.\./x'"):
        extract(archive, members=["data.csv"], dest=sandbox / "out")
    assert not (sandbox / "out").exists()


def test_zip_symlink_refused(sandbox):
    archive = _zip(
        sandbox / "link.zip",
        [(_symlink_info("conjunto_de_datos/link"), b"../../../../etc"), ("a.txt", b"x")],
    )
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        extract(archive, dest=sandbox / "out")
    assert _tree(sandbox) == ["link.zip"]


def test_tar_symlink_and_write_through_refused(sandbox):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        link = tarfile.TarInfo("escape")
        link.type = tarfile.SYMTYPE
        link.linkname = str(sandbox.parent)
        tf.addfile(link)
        data = b"pwned"
        info = tarfile.TarInfo("escape/x")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    archive = sandbox / "evil.tar.gz"
    archive.write_bytes(buf.getvalue())
    before = _tree(sandbox.parent)
    with pytest.raises(UnsafeArchiveError, match=r"'escape'.*link"):
        extract(archive, dest=sandbox / "out")
    assert _tree(sandbox.parent) == before


def test_tar_traversal_and_device_refused(sandbox):
    for name, kind in (("../x", tarfile.REGTYPE), ("dev", tarfile.CHRTYPE)):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tf:
            info = tarfile.TarInfo(name)
            info.type = kind
            tf.addfile(info, io.BytesIO(b""))
        archive = sandbox / "t.tar"
        archive.write_bytes(buf.getvalue())
        with pytest.raises(UnsafeArchiveError, match=repr(name)):
            extract(archive, dest=sandbox / "out")
    assert not (sandbox / "out").exists()


def test_zip_bomb_ratio_refused(sandbox):
    archive = _zip(sandbox / "bomb.zip", [("zeros.csv", b"0" * (20 << 20))])
    with pytest.raises(UnsafeArchiveError, match="zip bomb"):
        extract(archive, dest=sandbox / "out")
    assert _tree(sandbox) == ["bomb.zip"]


def test_total_size_bound(sandbox, built):
    archive = sandbox / "tl_2024_06_tract.zip"
    archive.write_bytes(built["tiger_06"])
    with pytest.raises(UnsafeArchiveError, match="more than the bound of 1000 bytes"):
        extract(archive, dest=sandbox / "out", max_total_bytes=1000)
    assert not (sandbox / "out").exists()


def test_understated_sizes_caught_while_writing(sandbox, monkeypatch):
    """Declared sizes can lie: the bytes actually written are counted too."""
    from binational.sources import archive as archive_module

    archive = _zip(sandbox / "a.zip", [("a.csv", b"x" * 5000), ("b.csv", b"y" * 5000)])
    real = archive_module._zip_members

    def lying(path, zf):
        for m in real(path, zf):
            m.size = 1
            yield m

    monkeypatch.setattr(archive_module, "_zip_members", lying)
    with pytest.raises(UnsafeArchiveError, match="understate"):
        extract(archive, dest=sandbox / "out", max_total_bytes=6000)
    assert not (sandbox / "out").exists()
    assert _tree(sandbox) == ["a.zip"]


def test_real_shapefile_extracts_and_reads(sandbox, built):
    archive = sandbox / "02_bajacalifornia.zip"
    archive.write_bytes(built["mg_02"])
    out = extract(archive, members=["conjunto_de_datos/02a.*"])
    assert out.parent == sandbox
    got = gpd.read_file(out / "conjunto_de_datos" / "02a.shp")
    ref = built["agebs_02"]
    assert len(got) == len(ref) == 1407
    assert sorted(got.CVEGEO) == sorted(ref.CVEGEO)
    assert got.crs.equals(ref.crs) or got.crs.to_epsg() == ref.crs.to_epsg()
    # A second call reuses the extraction; another member selection gets its own folder.
    assert extract(archive, members=["conjunto_de_datos/02a.*"]) == out
    other = extract(archive, members=["conjunto_de_datos/02a.dbf"])
    assert other != out and _tree(other) == [
        ".binational-extract.json",
        "conjunto_de_datos",
        "conjunto_de_datos/02a.dbf",
    ]


def test_missing_member_names_archive(sandbox, built):
    archive = sandbox / "02.zip"
    archive.write_bytes(built["mg_02"])
    with pytest.raises(
        DataSourceError, match=r"02\.zip: no member matches 'conjunto_de_datos/08a\.\*'"
    ):
        extract(archive, members=["conjunto_de_datos/08a.*"])


def test_not_an_archive(sandbox):
    bad = sandbox / "x.zip"
    bad.write_bytes(b"<html><body>Not found</body></html>")
    with pytest.raises(DataSourceError, match=r"not a zip or tar archive.*HTML"):
        extract(bad)


def test_refuses_to_overwrite_a_foreign_folder(sandbox, built):
    archive = sandbox / "02.zip"
    archive.write_bytes(built["mg_02"])
    mine = sandbox / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match="not a binational extraction folder"):
        extract(archive, dest=mine)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_downloaded_malicious_zip(server, tmp_path):
    """End to end: the archive arrives over HTTP, is cached, and extraction refuses it."""
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../../x", b"pwned")
    url = server.add("/evil.zip", evil.getvalue())
    archive = fetch(url)
    before = _tree(tmp_path)
    with pytest.raises(UnsafeArchiveError, match=r"evil\.zip"):
        extract(archive)
    assert _tree(tmp_path) == before
