"""Errors and warnings raised by binational.

Every error derives from :class:`BinationalError` and also from the builtin exception a caller
would naturally catch (``ValueError`` for bad input, ``OSError`` for files and downloads), in the
manner of rasterio. Messages name the file, column or value at fault.
"""

from __future__ import annotations


class BinationalError(Exception):
    """Root of all binational errors."""


class DataSourceError(BinationalError, OSError):
    """A data file or download is missing, unreadable, or not what its name says."""


class DownloadError(DataSourceError):
    """A download failed, was truncated or exceeded its size bound."""


class ChecksumError(DownloadError):
    """A downloaded or cached file does not match its published checksum."""


class UnsafeArchiveError(DownloadError, ValueError):
    """An archive member would be written outside the extraction folder, or is too large."""


class SchemaError(BinationalError, ValueError):
    """A table lacks a required column, has duplicate keys, or has values of the wrong kind."""


class GeometryError(BinationalError, ValueError):
    """Geometries are missing, empty, invalid beyond repair, or of the wrong type."""


class CRSError(BinationalError, ValueError):
    """A layer has no CRS, an unexpected CRS, or a geographic CRS where a projected one is needed."""


class CRSMismatchError(CRSError):
    """Two layers that must share a CRS do not."""


class RegionError(BinationalError, ValueError):
    """An unknown region name or an inconsistent region definition."""


class NetworkError(BinationalError, ValueError):
    """A road network is unusable: no nodes near a port, disconnected, no speeds, wrong CRS."""


class IndexInputError(BinationalError, ValueError):
    """Input to a concentration index is invalid (group > total, negative counts, too few units)."""


class RenderError(BinationalError, ValueError):
    """A map, chart or report cannot be made from the given input."""


class OutputError(BinationalError, OSError):
    """An output path cannot be written."""


class BatchError(BinationalError, RuntimeError):
    """A distributed batch could not be run at all (individual region failures are reported)."""


class BinationalWarning(UserWarning):
    """Root of binational's warnings."""


class DataQualityWarning(BinationalWarning):
    """Input data was repaired, flagged or partly dropped; the drop report says what and why."""
