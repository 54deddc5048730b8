"""English and Spanish strings for maps, charts and reports: one switch, ``lang="en"|"es"``.

Every user-facing word that a renderer writes comes from here, so that a map, a chart and a report
made with ``lang="es"`` are entirely in Spanish. Unknown keys fall back to the key itself (so a
new column still gets a readable label); an unknown language is an error.
"""

from __future__ import annotations

from ..errors import RenderError

__all__ = ["LANGS", "check_lang", "cluster_label", "column_label", "measure_label", "t"]

LANGS = ("en", "es")

_STRINGS: dict[str, tuple[str, str]] = {
    # map furniture
    "units": ("Census units", "Unidades censales"),
    "ports": ("Ports of entry", "Garitas (puertos de entrada)"),
    "border": ("International border", "Límite internacional"),
    "border_note": (
        "Border drawn from the {source} polygons where they meet the US units",
        "Límite trazado con los polígonos de {source} donde tocan las unidades de EE. UU.",
    ),
    "clusters": ("Local clusters", "Agrupamientos locales"),
    "isochrones": ("Catchments", "Áreas de captación"),
    "isochrones_port": ("Catchment: {port}", "Área de captación: {port}"),
    "minutes": ("minutes", "minutos"),
    "within_minutes": ("within {m} min", "a {m} min o menos"),
    "with_wait": ("including the border wait", "incluida la espera en la garita"),
    "without_wait": ("without the border wait", "sin la espera en la garita"),
    "straight_line": (
        "straight-line model (no road network)",
        "modelo en línea recta (sin red vial)",
    ),
    "no_data": ("no data", "sin datos"),
    "legend_scheme": ("Classes: {scheme}, k = {k}", "Clases: {scheme}, k = {k}"),
    "unit_id": ("Unit", "Unidad"),
    "name": ("Name", "Nombre"),
    "population": ("Population", "Población"),
    "value": ("Value", "Valor"),
    "moe": ("MOE (95 %)", "MDE (95 %)"),
    "share_of": ("{col} (share of {den})", "{col} (proporción de {den})"),
    "port": ("Port", "Puerto"),
    "garita": ("Garita", "Garita"),
    "crossings_12m": (
        "Inbound crossings, last 12 months ({start} – {end})",
        "Cruces hacia EE. UU., últimos 12 meses ({start} – {end})",
    ),
    "median_wait_hour": (
        "Median northbound wait by hour (min)",
        "Espera mediana hacia el norte por hora (min)",
    ),
    "no_crossings": ("no crossing counts", "sin conteos de cruces"),
    "no_waits": ("no wait times", "sin tiempos de espera"),
    "hour": ("Hour of day", "Hora del día"),
    "month": ("Month", "Mes"),
    "crossings": ("Crossings", "Cruces"),
    "wait_minutes": ("Wait (minutes)", "Espera (minutos)"),
    "population_reached": ("Population reached", "Población alcanzada"),
    "minute_band": ("Minutes from the port", "Minutos desde la garita"),
    "closure_2020": ("2020 non-essential travel restrictions", "Restricciones de 2020"),
    "side_US": ("United States", "Estados Unidos"),
    "side_MX": ("Mexico", "México"),
    "data_sources": ("Data", "Datos"),
    # schemes
    "scheme_quantiles": ("quantiles", "cuantiles"),
    "scheme_naturalbreaks": ("natural breaks", "cortes naturales"),
    "scheme_fisherjenks": ("natural breaks (Fisher–Jenks)", "cortes naturales (Fisher–Jenks)"),
    "scheme_equalinterval": ("equal interval", "intervalos iguales"),
    "scheme_headtailbreaks": ("head/tail breaks", "cortes cabeza/cola"),
    "scheme_percentiles": ("percentiles", "percentiles"),
    "scheme_stdmean": ("standard deviations", "desviaciones estándar"),
    "scheme_maximumbreaks": ("maximum breaks", "cortes máximos"),
    "scheme_boxplot": ("box plot", "diagrama de caja"),
    "scheme_jenkscaspall": ("Jenks–Caspall", "Jenks–Caspall"),
    "scheme_userdefined": ("user-defined breaks", "cortes definidos por el usuario"),
    # report
    "report_title": ("{title}: regional report", "{title}: informe regional"),
    "overview": ("Overview of both sides", "Panorama de ambos lados"),
    "crossings_waits": ("Crossings and waits", "Cruces y tiempos de espera"),
    "concentration": ("Ethnic concentration", "Concentración étnica"),
    "catchments": ("Commuting catchments", "Áreas de captación de traslados"),
    "methods": ("Methods", "Métodos"),
    "sources": ("Data sources", "Fuentes de datos"),
    "missing": ("Data not available", "Datos no disponibles"),
    "dropped": ("Dropped or flagged records", "Registros descartados o marcados"),
    "interactive_map": ("Interactive map", "Mapa interactivo"),
    "side": ("Side", "Lado"),
    "n_units": ("Units", "Unidades"),
    "index": ("Index", "Índice"),
    "estimate": ("Estimate", "Estimación"),
    "interval": ("95 % interval", "Intervalo de 95 %"),
    "group": ("Group", "Grupo"),
    "layer": ("Layer", "Capa"),
    "reason": ("Reason", "Motivo"),
    "file": ("File", "Archivo"),
    "generated": (
        "Generated {when} with binational {version}",
        "Generado {when} con binational {version}",
    ),
    "not_available": ("Not available: {reason}", "No disponible: {reason}"),
}

_COLUMNS: dict[str, tuple[str, str]] = {
    "pop_total": ("Total population", "Población total"),
    "pop_density": ("Population density (persons per km²)", "Densidad de población (hab./km²)"),
    "hispanic": ("Hispanic or Latino population", "Población hispana o latina"),
    "spanish_home": ("Speaks Spanish at home", "Habla español en casa"),
    "white_nh": ("White, not Hispanic", "Blanca no hispana"),
    "high_marginalization": (
        "Population in high-marginalisation AGEBs",
        "Población en AGEB de marginación alta",
    ),
    "born_other_state": ("Born in another state", "Nacida en otra entidad"),
    "indigenous_lang": ("Speaks an indigenous language", "Habla una lengua indígena"),
    "im_2020": ("Urban marginalisation index 2020", "Índice de marginación urbana 2020"),
}

_MEASURES: dict[str, tuple[str, str]] = {
    "Pedestrians": ("Pedestrians", "Peatones"),
    "Personal Vehicles": ("Personal vehicles", "Vehículos particulares"),
    "Personal Vehicle Passengers": ("Personal vehicle passengers", "Pasajeros de vehículos"),
    "Trucks": ("Trucks", "Camiones de carga"),
    "Truck Containers Loaded": ("Truck containers, loaded", "Contenedores llenos"),
    "Truck Containers Empty": ("Truck containers, empty", "Contenedores vacíos"),
    "Buses": ("Buses", "Autobuses"),
    "Bus Passengers": ("Bus passengers", "Pasajeros de autobús"),
    "Trains": ("Trains", "Trenes"),
    "Train Passengers": ("Train passengers", "Pasajeros de tren"),
    "Rail Containers Loaded": ("Rail containers, loaded", "Contenedores de tren llenos"),
    "Rail Containers Empty": ("Rail containers, empty", "Contenedores de tren vacíos"),
}

_CLUSTERS: dict[str, tuple[str, str]] = {
    "HH": ("High–High (hot spot)", "Alto–Alto (punto caliente)"),
    "LL": ("Low–Low (cold spot)", "Bajo–Bajo (punto frío)"),
    "HL": ("High–Low (outlier)", "Alto–Bajo (atípico)"),
    "LH": ("Low–High (outlier)", "Bajo–Alto (atípico)"),
    "ns": ("Not significant", "No significativo"),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is supported, else raise :class:`RenderError`."""
    if lang not in LANGS:
        raise RenderError(f"lang={lang!r} is not supported; use one of {', '.join(LANGS)}")
    return lang


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[LANGS.index(check_lang(lang))]


def t(key: str, lang: str = "en", **fmt) -> str:
    """The string ``key`` in ``lang``, formatted with ``fmt``; the key itself if unknown."""
    pair = _STRINGS.get(key)
    text = _pick(pair, lang) if pair else (check_lang(lang) and key)
    return text.format(**fmt) if fmt else text


def column_label(column: str, lang: str = "en") -> str:
    """A readable label for a unit-table column (``hispanic`` → "Hispanic or Latino population")."""
    pair = _COLUMNS.get(column) or _COLUMNS.get(column.lower())
    if pair:
        return _pick(pair, lang)
    check_lang(lang)
    return column.replace("_", " ")


def measure_label(measure: str, lang: str = "en") -> str:
    """BTS measure name in ``lang`` (``"Pedestrians"`` → ``"Peatones"``)."""
    pair = _MEASURES.get(measure)
    return _pick(pair, lang) if pair else (check_lang(lang) and measure)


def cluster_label(code: str, lang: str = "en") -> str:
    """Local-cluster code (HH, LL, HL, LH, ns) in ``lang``."""
    pair = _CLUSTERS.get(str(code))
    return _pick(pair, lang) if pair else (check_lang(lang) and str(code))


def scheme_label(scheme: str, lang: str = "en") -> str:
    """Classification scheme name in ``lang`` (``"natural_breaks"`` → "natural breaks")."""
    key = "scheme_" + scheme.lower().replace("_", "").replace(" ", "")
    return t(key, lang) if key in _STRINGS else (check_lang(lang) and scheme)
