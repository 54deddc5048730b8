"""What to load: a local road network file (by suffix) or an OpenStreetMap query, with its cache
identity."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from ... import settings
from ..._atomic import file_sha256
from ...errors import DataSourceError, NetworkError

_GRAPHML_SUFFIXES = (".graphml", ".graphml.gz")
_XML_SUFFIXES = (".osm", ".xml", ".osm.bz2", ".xml.bz2")
_PBF_SUFFIXES = (".pbf",)


class _Source:
    """What to load: a local file or a download query, with its cache identity."""

    def __init__(self, kind: str, label: str, ident: dict[str, Any], payload: Any) -> None:
        self.kind = kind  # graphml | xml | pbf | overpass
        self.label = label
        self.ident = ident
        self.payload = payload

    @classmethod
    def make(
        cls,
        path: str | os.PathLike | None,
        *,
        polygon: Any,
        bbox: Any,
        place: str | None,
        network_type: str,
    ) -> _Source:
        given = [
            n
            for n, v in (("path", path), ("polygon", polygon), ("bbox", bbox), ("place", place))
            if v is not None
        ]
        if len(given) != 1:
            raise NetworkError(
                "give exactly one of path=, polygon=, bbox= or place= to load_network "
                f"(got {', '.join(given) or 'none'})"
            )
        if path is not None:
            return cls._from_path(Path(path))
        return cls._from_query(polygon=polygon, bbox=bbox, place=place, network_type=network_type)

    @classmethod
    def _from_path(cls, path: Path) -> _Source:
        path = path.expanduser()
        if not path.is_file():
            raise DataSourceError(f"{path}: road network file does not exist")
        name = path.name.lower()
        if name.endswith(_GRAPHML_SUFFIXES):
            kind = "graphml"
        elif name.endswith(_XML_SUFFIXES):
            kind = "xml"
        elif name.endswith(_PBF_SUFFIXES):
            kind = "pbf"
        else:
            raise DataSourceError(
                f"{path}: unknown road network file type; expected one of "
                f"{', '.join(_GRAPHML_SUFFIXES + _XML_SUFFIXES + _PBF_SUFFIXES)}"
            )
        ident = {"kind": kind, "sha256": file_sha256(path)}
        return cls(kind, path.name, ident, path)

    @classmethod
    def _from_query(
        cls, *, polygon: Any, bbox: Any, place: str | None, network_type: str
    ) -> _Source:
        import osmnx as ox

        ident: dict[str, Any] = {
            "kind": "overpass",
            "network_type": network_type,
            "overpass": settings.base_urls.get("overpass", ox.settings.overpass_url),
        }
        if polygon is not None:
            polygon = _polygon_4326(polygon)
            ident["polygon"] = polygon.wkt
            label = "network (polygon)"
        elif bbox is not None:
            bbox = tuple(float(b) for b in bbox)
            if len(bbox) != 4 or not (bbox[0] < bbox[2] and bbox[1] < bbox[3]):
                raise NetworkError(f"bbox {bbox!r} is not (west, south, east, north) in degrees")
            ident["bbox"] = list(bbox)
            label = "network (bbox)"
        else:
            ident["place"] = str(place)
            ident["nominatim"] = settings.base_urls.get("nominatim", ox.settings.nominatim_url)
            label = f"network ({place})"
        return cls("overpass", label, ident, {"polygon": polygon, "bbox": bbox, "place": place})


def _polygon_4326(polygon: Any) -> BaseGeometry:
    if isinstance(polygon, gpd.GeoDataFrame | gpd.GeoSeries):
        if polygon.crs is not None:
            polygon = polygon.to_crs("EPSG:4326")
        polygon = polygon.union_all()
    if not isinstance(polygon, BaseGeometry) or polygon.geom_type not in (
        "Polygon",
        "MultiPolygon",
    ):
        raise NetworkError(f"polygon must be a (Multi)Polygon, got {type(polygon).__name__}")
    if polygon.is_empty:
        raise NetworkError("polygon is empty")
    return polygon
