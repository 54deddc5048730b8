"""A local HTTP server on 127.0.0.1 serving files built from the real shared data.

Nothing here reaches the internet: every request the package sends is checked to go to
http://127.0.0.1 (see ``_no_internet``).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import math
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import pandas as pd
import pytest
import requests

from binational import settings
from binational.sources import download

LOCAL = "http://127.0.0.1"


# ----------------------------------------------------------------------------------------------
# The server


@dataclass
class Route:
    """What the server answers for one path.

    ``body`` is bytes or a callable ``(query: dict) -> (status, content_type, bytes)``.
    ``mode``: "ok", "truncate" (announce the full length, send half, close), "no_length"
    (no Content-Length, body until close), "fail" (answer ``fail_status`` for the first
    ``failures`` requests, then the body).
    """

    body: bytes | object
    content_type: str = "application/octet-stream"
    status: int = 200
    mode: str = "ok"
    failures: int = 0
    fail_status: int = 500
    delay: float = 0.0
    served: int = 0


@dataclass
class LocalServer:
    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def add(self, path: str, body, **kw) -> str:
        self.routes[path] = Route(body, **kw)
        return self.url + path

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if urlsplit(r).path == path)


def _handler(state: LocalServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            state.requests.append(self.path)
            parts = urlsplit(self.path)
            route = state.routes.get(parts.path)
            if route is None:
                self._send(404, "text/plain", b"not found")
                return
            route.served += 1
            if route.delay:
                time.sleep(route.delay)
            if route.mode == "fail" and route.served <= route.failures:
                self._send(route.fail_status, "text/plain", b"server error")
                return
            if callable(route.body):
                status, ctype, body = route.body(parse_qs(parts.query))
            else:
                status, ctype, body = route.status, route.content_type, route.body
            if route.mode == "truncate":
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if route.mode == "no_length":
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True
                return
            self._send(status, ctype, body)

        def _send(self, status, ctype, body):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def server():
    state = LocalServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"{LOCAL}:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


# ----------------------------------------------------------------------------------------------
# Isolation: no internet, a private cache per test, no waiting between retries


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Fail any request that is not for the local test server."""
    sent: list[str] = []
    original = requests.Session.send

    def guarded(self, request, **kw):
        assert request.url.startswith(LOCAL + ":"), f"test tried to reach {request.url}"
        sent.append(request.url)
        return original(self, request, **kw)

    monkeypatch.setattr(requests.Session, "send", guarded)
    return sent


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "cache_dir", str(tmp_path / "cache"))
    monkeypatch.setattr(settings, "base_urls", {})
    monkeypatch.setattr(settings, "progress", False)
    monkeypatch.setattr(settings, "census_api_key", None)
    monkeypatch.setattr(settings, "timeout", 10.0)
    monkeypatch.setattr(download, "BACKOFF", 0.0)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


# ----------------------------------------------------------------------------------------------
# Files built from the real shared data (session-scoped: built once)


def zip_bytes(files: dict[str, bytes | Path]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            if isinstance(content, Path):
                zf.write(content, name)
            else:
                zf.writestr(name, content)
    return buf.getvalue()


def shapefile_zip(gdf: gpd.GeoDataFrame, stem: str, folder: Path, prefix: str = "") -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    gdf.to_file(folder / f"{stem}.shp", engine="pyogrio")
    files = {f"{prefix}{p.name}": p for p in sorted(folder.iterdir()) if p.stem == stem}
    return zip_bytes(files)


@pytest.fixture(scope="session")
def built(data_dir, tmp_path_factory):
    """Real-data files laid out as the official publishers ship them."""
    work = tmp_path_factory.mktemp("official")
    out: dict[str, object] = {}

    sd = gpd.read_file(data_dir / "us/sd/sd_tracts_tiger2024_waterclip.geojson")
    sd = sd.rename(columns={"centroid_lon": "INTPTLON", "centroid_lat": "INTPTLAT"})
    sd = sd.assign(STATEFP=sd.GEOID.str[:2], COUNTYFP=sd.GEOID.str[2:5], TRACTCE=sd.GEOID.str[5:])
    out["sd_tracts"] = sd
    out["tiger_06"] = shapefile_zip(sd, "tl_2024_06_tract", work / "tiger")

    ep = gpd.read_file(data_dir / "us/ep/ep_tracts_2020.geojson")
    out["ep_tracts"] = ep
    out["cb_48"] = shapefile_zip(ep, "cb_2020_48_tract_500k", work / "cb")

    agebs = gpd.read_file(data_dir / "mx/ageb_urbana_mg_bc_border.gpkg")
    out["agebs_02"] = agebs
    out["mg_02"] = shapefile_zip(agebs, "02a", work / "mg", prefix="conjunto_de_datos/")

    # RESAGEBURB 02 in INEGI's open-data layout, from the real Mexicali AGEB values, plus the
    # real data dictionary that INEGI ships in the same zip.
    mxl = pd.read_csv(data_dir / "mx/cpv2020_ageb_pobtot_pob65_mexicali.csv", dtype=str)
    res = pd.DataFrame(
        {
            "ENTIDAD": mxl.CVEGEO.str[:2],
            "NOM_ENT": "Baja California",
            "MUN": mxl.CVEGEO.str[2:5],
            "NOM_MUN": "Mexicali",
            "LOC": mxl.CVEGEO.str[5:9],
            "NOM_LOC": "Total AGEB urbana",
            "AGEB": mxl.CVEGEO.str[9:],
            "MZA": "000",
            "POBTOT": mxl.POBTOT.str.replace(".0", "", regex=False),
            "POB65_MAS": mxl.POB65_MAS.str.replace(".0", "", regex=False),
        }
    )
    out["resageburb_02_table"] = res
    out["resageburb_02"] = zip_bytes(
        {
            "conjunto_de_datos/conjunto_de_datos_ageb_urbana_02_cpv2020.csv": res.to_csv(
                index=False
            ).encode("utf-8"),
            "diccionario_datos/diccionario_datos_ageb_urbana_02_cpv2020.csv": (
                data_dir / "mx/diccionario_datos_agebmza_urbana_cpv2020.csv"
            ).read_bytes(),
        }
    )
    # The real Baja California Sur RESAGEBURB file, in the microdatos layout.
    bcs = bz2.decompress((data_dir / "mx/format_sample/RESAGEBURB_03CSV20.csv.bz2").read_bytes())
    out["resageburb_03_csv"] = bcs
    out["resageburb_03"] = zip_bytes({"RESAGEBURB_03CSV20.csv": bcs})

    it = pd.read_csv(data_dir / "mx/inegi_iter2020_municipio_border.csv", dtype=str)
    it = it[it.ENTIDAD == "02"].drop(columns=["ITER_NAL_ROW"])
    it.insert(4, "LOC", "0000")
    it.insert(5, "NOM_LOC", "Total del Municipio")
    out["iter_02_table"] = it
    out["iter_02"] = zip_bytes(
        {"conjunto_de_datos/conjunto_de_datos_iter_02CSV20.csv": it.to_csv(index=False).encode()}
    )

    out["conapo"] = (data_dir / "mx/conapo_imu2020_ageb_border.csv").read_bytes()
    out["bts_full"] = gzip.decompress(
        (data_dir / "crossings/bts_border_crossing_entry_data_1996-01_2025-02.csv.gz").read_bytes()
    )
    out["cbp_live"] = (data_dir / "crossings/cbp_bwt_api_snapshot_2022-06-29.json").read_bytes()
    out["sy_hist"] = pd.read_csv(
        data_dir / "crossings/cbp_bwt_historical_hourly_avg_san_ysidro_pov.csv"
    )
    out["acs"] = _acs_by_code(data_dir)
    return out


def _acs_by_code(data_dir: Path) -> pd.DataFrame:
    """The real San Diego ACS 2020–2024 table with columns renamed back to ACS codes."""
    codes = json.loads((data_dir / "us/sd/sd_census_variables_map.json").read_text())
    recodes = json.loads((data_dir / "us/sd/sd_census_recodes_map.json").read_text())
    table = pd.read_csv(data_dir / "us/sd/sd_acs5_2020_2024_tract.csv", dtype={"GEOID": str})
    field_to_code = {f: c for c, f in codes.items()}
    rename = {}
    for out_field, src in recodes.items():
        if not isinstance(src, str) or src not in field_to_code:
            continue
        code = field_to_code[src]
        if not code.startswith("B"):
            continue
        col = out_field[:-2] + ("_moe" if out_field.endswith("_m") else "")
        if col in table.columns:
            rename[col] = code
    acs = table[["GEOID", *rename]].rename(columns=rename)
    return acs


def census_api(acs: pd.DataFrame, *, year: int = 2024, state: str = "06", county: str = "073"):
    """A Census-Data-API-shaped answer (JSON list of lists) over the real values."""
    seen_keys: list[str | None] = []

    def answer(query):
        seen_keys.append(query.get("key", [None])[0])
        get = query.get("get", [""])[0].split(",")
        if len(get) > 50:
            return 400, "text/plain", b"error: you may request at most 50 variables"
        if query.get("for") != ["tract:*"] or query.get("in") != [f"state:{state} county:{county}"]:
            return 400, "text/plain", b"error: unknown/unsupported geography hierarchy"
        unknown = [v for v in get if v != "NAME" and v not in acs.columns]
        if unknown:
            return 400, "text/plain", f"error: unknown variable '{unknown[0]}'".encode()
        rows = [[*get, "state", "county", "tract"]]
        for rec in acs.itertuples(index=False):
            rec = rec._asdict()
            geoid = rec["GEOID"]
            vals = []
            for v in get:
                if v == "NAME":
                    vals.append(f"Census Tract {geoid[5:]}; San Diego County; California")
                else:
                    x = rec[v]
                    vals.append(
                        None if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:g}"
                    )
            rows.append([*vals, geoid[:2], geoid[2:5], geoid[5:]])
        return 200, "application/json;charset=utf-8", json.dumps(rows).encode()

    answer.keys = seen_keys
    return answer


def historical_api(hist: pd.DataFrame):
    """CBP historicalwaittimes answers for San Ysidro (09250401) from the real averages."""

    def answer_for(month: int):
        rows = hist[hist.bwt_month == month].drop(columns="bwt_month")
        records = []
        for rec in rows.to_dict("records"):
            rec = {("time_slot" if k == "bwt_hour" else k): int(v) for k, v in rec.items()}
            records.append(
                {"bwt_day": rec.pop("bwt_day"), "time_slot": rec.pop("time_slot"), **rec}
            )
        return json.dumps({"wait_times": records}).encode()

    return answer_for


@pytest.fixture
def official(server, monkeypatch):
    """``official(source_id, body, alternate=0, **params)``: serve ``body`` where the catalogue
    says ``source_id`` lives (under a local base URL set in ``settings.base_urls``)."""
    from urllib.parse import urlsplit

    from binational.sources import get_source

    def serve(source_id, body, *, alternate=0, content_type="application/octet-stream", **params):
        settings.base_urls[source_id] = f"{server.url}/{source_id}"
        url = get_source(source_id).urls(**params)[alternate]
        server.add(urlsplit(url).path, body, content_type=content_type)
        return url

    return serve


@pytest.fixture
def sd_served(official, built, server):
    """Every source of tijuana-san-diego served from 127.0.0.1 (real data, official layouts)."""
    official("census_tiger", built["tiger_06"], year=2024, state="06")
    official("census_acs", census_api(built["acs"]), year=2024)
    official("inegi_mg", built["mg_02"], state="02")
    official("inegi_resageburb", built["resageburb_02"], state="02")
    official("conapo_imu", built["conapo"], content_type="text/csv")
    official("inegi_iter", built["iter_02"], state="02")
    official("bts_crossings", built["bts_full"], content_type="text/csv")
    official("cbp_bwt_live", built["cbp_live"], content_type="application/json")
    settings.base_urls["cbp_bwt_historical"] = server.url + "/cbp_bwt_historical"
    answer_for = historical_api(built["sy_hist"])
    for m in range(1, 13):
        server.add(
            f"/cbp_bwt_historical/api/historicalwaittimes/09250401/POV/GEN/{m}/7", answer_for(m)
        )
    # The fake Census API knows only the variables of the real San Diego table.
    from binational.sources import DEFAULT_ACS_VARIABLES

    return [v for v in DEFAULT_ACS_VARIABLES if f"{v}E" in built["acs"].columns]
