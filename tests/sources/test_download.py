"""fetch(): caching, truncation, checksums, size bounds, retries, content sniffing."""

from __future__ import annotations

import hashlib
import json
import logging

import pandas as pd
import pytest

from binational import settings
from binational.errors import ChecksumError, DataSourceError, DownloadError
from binational.sources import download, fetch, read_provenance


def _cache_files():
    root = settings.resolve_cache_dir("downloads")
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_fetch_then_cache_hit_makes_no_second_request(server, built, data_dir):
    url = server.add("/crossings/bwtnew", built["cbp_live"], content_type="application/json")
    path = fetch(url, filename="bwtnew.json")
    assert path.read_bytes() == built["cbp_live"]
    again = fetch(url, filename="bwtnew.json")
    assert again == path
    assert server.count("/crossings/bwtnew") == 1
    # The cached copy reads like the real file.
    assert json.loads(path.read_text()) == json.loads(
        (data_dir / "crossings/cbp_bwt_api_snapshot_2022-06-29.json").read_text()
    )
    manifest = read_provenance(path)
    assert manifest["sha256"] == hashlib.sha256(built["cbp_live"]).hexdigest()
    assert manifest["size"] == len(built["cbp_live"])
    assert manifest["url"] == url
    assert path.parent.parent == settings.resolve_cache_dir("downloads")


def test_real_csv_download_equals_plain_pandas_read(server, data_dir):
    src = data_dir / "mx/conapo_imu2020_ageb_border.csv"
    url = server.add("/imu_2020.csv", src.read_bytes(), content_type="text/csv")
    path = fetch(url)
    got = pd.read_csv(path, dtype={"CVE_AGEB": str})
    ref = pd.read_csv(src, dtype={"CVE_AGEB": str})
    pd.testing.assert_frame_equal(got, ref)
    assert len(got) == 1886


def test_truncated_body_raises_and_caches_nothing(server, built):
    url = server.add("/t.json", built["cbp_live"], mode="truncate")
    with pytest.raises(DownloadError, match="truncated"):
        fetch(url, retries=2)
    assert server.count("/t.json") == 2  # retried once, then gave up
    assert _cache_files() == []


def test_wrong_checksum_raises_and_caches_nothing(server, built):
    url = server.add("/x.json", built["cbp_live"])
    with pytest.raises(ChecksumError, match="does not match"):
        fetch(url, sha256="0" * 64)
    assert _cache_files() == []
    # The right checksum passes, and a cache hit is re-verified against it.
    good = hashlib.sha256(built["cbp_live"]).hexdigest()
    path = fetch(url, sha256=good.upper())
    assert fetch(url, sha256=good) == path
    assert server.count("/x.json") == 2


def test_corrupted_cache_file_is_downloaded_again(server, built):
    url = server.add("/x.json", built["cbp_live"])
    good = hashlib.sha256(built["cbp_live"]).hexdigest()
    path = fetch(url)
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF
    path.write_bytes(bytes(data))
    assert fetch(url, sha256=good).read_bytes() == built["cbp_live"]
    assert server.count("/x.json") == 2


def test_max_bytes_from_content_length(server, built):
    url = server.add("/big.csv", built["conapo"], content_type="text/csv")
    with pytest.raises(DownloadError, match="exceeds the bound"):
        fetch(url, max_bytes=1000)
    assert _cache_files() == []


def test_max_bytes_while_streaming_without_content_length(server, built, monkeypatch):
    url = server.add("/big.csv", built["conapo"], mode="no_length")
    monkeypatch.setattr(settings, "max_download_bytes", 100_000)
    with pytest.raises(DownloadError, match="exceeds the bound of 100000"):
        fetch(url)
    assert _cache_files() == []
    # Without a bound problem the same body (no Content-Length) arrives whole.
    monkeypatch.setattr(settings, "max_download_bytes", 10**9)
    assert fetch(url).read_bytes() == built["conapo"]


def test_500_then_success_is_retried(server, built):
    url = server.add("/flaky.json", built["cbp_live"], mode="fail", failures=2)
    path = fetch(url, retries=3)
    assert path.read_bytes() == built["cbp_live"]
    assert server.count("/flaky.json") == 3


def test_persistent_500_gives_up(server, built):
    url = server.add("/down.json", built["cbp_live"], mode="fail", failures=99)
    with pytest.raises(DownloadError, match="HTTP 500"):
        fetch(url, retries=3)
    assert server.count("/down.json") == 3


def test_404_is_not_retried_and_names_the_url(server):
    url = server.url + "/missing.zip"
    with pytest.raises(DownloadError, match=r"missing\.zip: HTTP 404"):
        fetch(url)
    assert server.count("/missing.zip") == 1


def test_connection_refused_is_retried_then_fails(server, monkeypatch):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    calls = []
    monkeypatch.setattr(download.time, "sleep", lambda s: calls.append(s))
    with pytest.raises(DownloadError, match="after 3 attempt"):
        fetch(f"http://127.0.0.1:{port}/x.csv", retries=3)
    assert len(calls) == 2


def test_html_error_page_served_as_zip(server):
    page = b"<!DOCTYPE html><html><head><title>Error</title></head><body>404</body></html>"
    url = server.add("/tl_2024_06_tract.zip", page, content_type="text/html")
    with pytest.raises(DataSourceError, match="HTML page") as err:
        fetch(url)
    assert not isinstance(err.value, ChecksumError)
    assert "tl_2024_06_tract.zip" in str(err.value)
    assert server.url in str(err.value)
    assert _cache_files() == []


def test_garbage_served_as_zip(server, built):
    url = server.add("/bad.zip", built["conapo"][:5000])
    with pytest.raises(DataSourceError, match="not a zip archive"):
        fetch(url)
    assert _cache_files() == []


def test_invalid_json_refused(server, built):
    url = server.add("/feed.json", built["cbp_live"][:-200])
    with pytest.raises(DataSourceError, match="not valid JSON"):
        fetch(url)


def test_changed_source_is_detected_and_recorded(server, built, caplog):
    url = server.add("/bwt.json", built["cbp_live"])
    first = fetch(url)
    old = read_provenance(first)["sha256"]
    changed = json.dumps(json.loads(built["cbp_live"])[:10]).encode()
    server.add("/bwt.json", changed)
    with caplog.at_level(logging.WARNING, logger="binational"):
        second = fetch(url, cache=False)
    assert second == first
    assert second.read_bytes() == changed
    manifest = read_provenance(second)
    assert manifest["previous_sha256"] == old
    assert manifest["sha256"] == hashlib.sha256(changed).hexdigest()
    assert any("changed since it was last downloaded" in r.message for r in caplog.records)


def test_api_key_never_reaches_cache_key_or_manifest(server, built):
    url = server.add("/data", built["cbp_live"])
    a = fetch(url + "?get=NAME&key=SECRET1", filename="a.json")
    b = fetch(url + "?get=NAME&key=SECRET2", filename="a.json")
    assert a == b  # same cache entry whatever the key
    text = (a.parent / "a.json.provenance.json").read_text()
    assert "SECRET" not in text and "REDACTED" in text
    assert server.count("/data") == 1


@pytest.mark.parametrize("name", ["../x.json", "a/b.json", "..", ""])
def test_filename_must_be_plain(server, name):
    with pytest.raises(DownloadError, match="not a plain file name"):
        fetch(server.url + "/x.json", filename=name)


def test_only_http_urls(tmp_path):
    with pytest.raises(DownloadError, match="only http"):
        fetch(f"file://{tmp_path}/x.csv")


def test_timeout_from_settings_is_retried_then_fails(server, built, monkeypatch):
    url = server.add("/slow.json", built["cbp_live"], delay=0.6)
    monkeypatch.setattr(settings, "timeout", 0.2)
    with pytest.raises(DownloadError, match="after 2 attempt"):
        fetch(url, retries=2)
    assert server.count("/slow.json") == 2
    monkeypatch.setattr(settings, "timeout", 5.0)
    assert fetch(url).read_bytes() == built["cbp_live"]


def test_progress_bar_follows_settings(server, built, capsys, monkeypatch):
    url = server.add("/bar.json", built["cbp_live"])
    fetch(url, filename="quiet.json")  # settings.progress is False in these tests
    assert "quiet.json" not in capsys.readouterr().err
    monkeypatch.setattr(settings, "progress", True)
    fetch(url, filename="shown.json")
    assert "shown.json" in capsys.readouterr().err


def test_failed_first_download_leaves_no_folder(server):
    with pytest.raises(DownloadError):
        fetch(server.url + "/nothing.csv")
    assert list(settings.resolve_cache_dir("downloads").iterdir()) == []
