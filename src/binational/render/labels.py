"""English and Spanish strings for maps, charts and reports: one switch, ``lang="en"|"es"``.

Every user-facing word that a renderer writes comes from here, so that a map, a chart and a report
made with ``lang="es"`` are entirely in Spanish. Unknown keys fall back to the key itself (so a
new column still gets a readable label); an unknown language is an error.
"""

from __future__ import annotations

from ..errors import RenderError

__all__ = [
    "LANGS",
    "check_lang",
    "cluster_label",
    "column_label",
    "header_label",
    "index_label",
    "lane_label",
    "layer_label",
    "measure_label",
    "note_label",
    "param_label",
    "purpose_label",
    "t",
]

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
    "port": ("Port", "Garita"),
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
    "population_section": ("Population", "Población"),
    "crossings_waits": ("Crossings and waits", "Cruces y tiempos de espera"),
    "concentration": ("Ethnic concentration", "Concentración étnica"),
    "catchments": ("Commuting catchments", "Áreas de captación de traslados"),
    "methods": ("Methods", "Métodos"),
    "sources": ("Data sources", "Fuentes de datos"),
    "missing": ("Data not available", "Datos no disponibles"),
    "dropped": ("Dropped or flagged records", "Registros descartados o marcados"),
    "interactive_map": (
        "Interactive map (catchments: bands including the border wait; the tables below give "
        "every band with and without it)",
        "Mapa interactivo (áreas de captación: bandas con la espera en la frontera; las tablas "
        "de abajo dan todas las bandas, con y sin ella)",
    ),
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
    # report: key figures, sections, boxes
    "key_figures": ("Key figures", "Cifras clave"),
    "the_border": ("The border", "La frontera"),
    "socioeconomic": ("Socio-economic context", "Contexto socioeconómico"),
    "reproduce": ("Reproduce this report", "Reproducir este informe"),
    "reproduce_cmd": ("Command", "Comando"),
    "reproduce_versions": ("Package versions", "Versiones de paquetes"),
    "reproduce_files": ("Data files (SHA-256)", "Archivos de datos (SHA-256)"),
    "source_label": ("Source", "Fuente"),
    "sources_of_figure": ("Source: {src}", "Fuente: {src}"),
    "population_2020": ("Population (census units)", "Población (unidades censales)"),
    "units_count": ("{n} census units", "{n} unidades censales"),
    "share_pop": ("{label}: {share} of the population", "{label}: {share} de la población"),
    "dissim_ci": (
        "dissimilarity D = {d} (95 % CI {lo}–{hi})",
        "disimilitud D = {d} (IC 95 % {lo}–{hi})",
    ),
    "dissim_noci": ("dissimilarity D = {d}", "disimilitud D = {d}"),
    "d_by_construction": (
        "D is 1 by construction (the class is assigned to whole AGEBs)",
        "D vale 1 por construcción (la clase se asigna a AGEB completas)",
    ),
    "crossings_per_day": (
        "{n} people cross northbound per day (BTS, {start} – {end})",
        "{n} personas cruzan hacia el norte al día (BTS, {start} – {end})",
    ),
    "am_wait": (
        "Median AM-peak wait (6–9 h), northbound",
        "Espera mediana en la hora pico matutina (6–9 h), hacia el norte",
    ),
    "survey_commuters_label": (
        "Work trips northbound per weekday (SANDAG 2017 survey)",
        "Viajes al trabajo hacia el norte por día hábil (encuesta SANDAG 2017)",
    ),
    "survey_table": (
        "Cross-border trips per weekday by purpose and lane (SANDAG 2017 survey, northbound)",
        "Viajes transfronterizos por día hábil, motivo y carril (encuesta SANDAG 2017, hacia el norte)",
    ),
    "survey_note": (
        "Expanded survey records of private-vehicle trips (RevWght), northbound, 2017; "
        "work = home-based work (HBW).",
        "Registros expandidos de viajes en vehículo particular (RevWght), hacia el norte, 2017; "
        "trabajo = basado en el hogar con motivo trabajo (HBW).",
    ),
    "no_survey": (
        "no cross-border travel survey in the data for this region",
        "no hay encuesta de viajes transfronterizos en los datos de esta región",
    ),
    "poverty_share": ("Population below the poverty line", "Población bajo la línea de pobreza"),
    "high_marg_share": (
        "Population in AGEBs of high or very high marginalisation",
        "Población en AGEB de marginación alta o muy alta",
    ),
    "marg_grades": (
        "Population by urban marginalisation grade (CONAPO 2020)",
        "Población por grado de marginación urbana (CONAPO 2020)",
    ),
    "two_sided_note": (
        "Each side is classified on its own: {us} (United States) and {mx} (Mexico) are "
        "different measures and their colours are not comparable across the line.",
        "Cada lado se clasifica por separado: {us} (Estados Unidos) y {mx} (México) son "
        "medidas distintas y sus colores no son comparables a través del límite.",
    ),
    "not_collected": (
        "not in this region's data",
        "no está en los datos de esta región",
    ),
    "no_waits_profile": (
        "no wait times with an hourly profile (at least 12 hours of the day) for this region",
        "no hay tiempos de espera con perfil horario (al menos 12 horas del día) para esta región",
    ),
    "nearest_hour": ("nearest hour", "hora más cercana"),
    "side_binational": ("Both sides", "Ambos lados"),
    "mx_no_ethnic": (
        "Mexico: no ethnic or language counts by AGEB in the data (INEGI RESAGEBURB missing)",
        "México: sin conteos étnicos o de lengua por AGEB en los datos (falta RESAGEBURB de INEGI)",
    ),
    "zero_band_wait": (
        "0 in every band: the border wait ({w} min) is longer than the longest band ({m} min)",
        "0 en todas las bandas: la espera en la garita ({w} min) supera la banda más larga ({m} min)",
    ),
    "zero_band_cut": (
        "0 in every band: no units of this side are reached from the port (see the warnings in "
        "Data not available)",
        "0 en todas las bandas: ninguna unidad de este lado se alcanza desde la garita (véase "
        "Datos no disponibles)",
    ),
    "zero_band_tiny": (
        "fewer than 100 people in every band: the port's catchment on this side is almost empty",
        "menos de 100 personas en todas las bandas: el área de captación de este lado casi no "
        "tiene población",
    ),
    "crossings_per_day_detail": (
        "northbound; pedestrians and passengers of cars, buses and trains (BTS, {start} – {end})",
        "hacia el norte; peatones y pasajeros de autos, autobuses y trenes (BTS, {start} – {end})",
    ),
    "zero_shed": (
        "0 in {sides}: no unit on that side is nearer in time to this port than to another one "
        "(or the port's road end there is cut off from the network)",
        "0 en {sides}: ninguna unidad de ese lado está más cerca en tiempo de esta garita que de "
        "otra (o el acceso vial de la garita está aislado de la red)",
    ),
    "wait_source_table": ("wait table", "tabla de esperas"),
    "wait_source_zero": ("no wait data (0 min)", "sin datos de espera (0 min)"),
    "map_variable": ("Variable shown", "Variable mostrada"),
    "catchment_params": ("Model settings", "Parámetros del modelo"),
    "yes": ("yes", "sí"),
    "no": ("no", "no"),
    "persons_note": (
        "People = pedestrians + personal-vehicle, bus and train passengers",
        "Personas = peatones + pasajeros de vehículos particulares, autobuses y trenes",
    ),
    "interval_note": (
        "95 % interval: bootstrap percentile; p: permutation test ({n} permutations)",
        "Intervalo de 95 %: percentil bootstrap; p: prueba de permutación ({n} permutaciones)",
    ),
    "clusters_caption": (
        "Local clusters (local Moran, queen contiguity, p < 0.05)",
        "Agrupamientos locales (Moran local, contigüidad reina, p < 0,05)",
    ),
    "pop_vs_official": (
        "Population of the census units against the official 2020 totals",
        "Población de las unidades censales frente a los totales oficiales de 2020",
    ),
    "port_sheds": ("Port-sheds (nearest port in time)", "Áreas de influencia por garita"),
    "wait_by_lane": ("AM-peak wait by port and lane", "Espera en hora pico por garita y carril"),
    "see_missing": ("see Data not available", "véase Datos no disponibles"),
    "concentration_of": (
        "Concentration of the high-marginalisation population",
        "Concentración de la población en marginación alta",
    ),
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
    "im_2020": (
        "Urban marginalisation index 2020 (lower = more marginalised)",
        "Índice de marginación urbana 2020 (menor = más marginación)",
    ),
    "poverty_base": (
        "population whose poverty status is known",
        "población con condición de pobreza conocida",
    ),
    "race_base": ("population", "población"),
    "lang_base": ("population aged 5 and over", "población de 5 años y más"),
    "imn_2020": ("Normalised marginalisation index 2020", "Índice de marginación normalizado 2020"),
    "gm_2020": ("Marginalisation grade 2020", "Grado de marginación 2020"),
    "poverty_below": ("Below the poverty line", "Bajo la línea de pobreza"),
    "workers": ("Workers", "Trabajadores"),
    # table headers (raw column names of the result tables)
    "scope": ("Side", "Lado"),
    "country": ("Country", "País"),
    "side": ("Side", "Lado"),
    "group": ("Group", "Grupo"),
    "index": ("Index", "Índice"),
    "value": ("Value", "Valor"),
    "ci": ("95 % interval", "Intervalo de 95 %"),
    "ci_low": ("95 % interval, low", "Intervalo de 95 %, inferior"),
    "ci_high": ("95 % interval, high", "Intervalo de 95 %, superior"),
    "p_value": ("p-value", "Valor p"),
    "n_units": ("Units", "Unidades"),
    "note": ("Note", "Nota"),
    "admin2": ("Municipio / county code", "Clave de municipio / condado"),
    "name": ("Name", "Nombre"),
    "units": ("Units", "Unidades"),
    "pop_units": ("Population of the units", "Población de las unidades"),
    "pop_2020": ("Official 2020 population", "Población oficial 2020"),
    "ratio": ("Units ÷ official", "Unidades ÷ oficial"),
    "source": ("Source", "Fuente"),
    "port": ("Port", "Garita"),
    "port_code": ("Port code", "Clave de garita"),
    "port_name": ("Port", "Garita"),
    "persons": ("People", "Personas"),
    "persons_per_day": ("People per day", "Personas por día"),
    "wait_included": ("Border wait included", "Incluye la espera"),
    "wait_minutes": ("Border wait (min)", "Espera en la garita (min)"),
    "wait_source": ("Wait from", "Origen de la espera"),
    "shed_units": ("Units in the shed", "Unidades en el área"),
    "shed_pop": ("Population in the shed", "Población en el área"),
    "huff_pop": ("Population (Huff model)", "Población (modelo de Huff)"),
    "shed_mean_crossing_minutes": ("Mean crossing time (min)", "Tiempo medio de cruce (min)"),
    "layer": ("Layer", "Capa"),
    "path": ("File", "Archivo"),
    "bytes": ("Size (bytes)", "Tamaño (bytes)"),
    "seconds": ("Read time (s)", "Tiempo de lectura (s)"),
    "sha256": ("SHA-256", "SHA-256"),
    "reason": ("Reason", "Motivo"),
    "n": ("Records", "Registros"),
    "lane": ("Lane", "Carril"),
    "purpose": ("Purpose", "Motivo"),
    "trips_per_day": ("Trips per weekday", "Viajes por día hábil"),
    "grade": ("Grade", "Grado"),
    "share": ("Share", "Proporción"),
    "package": ("Package", "Paquete"),
    "version": ("Version", "Versión"),
    "median_wait": ("Median wait (min)", "Espera mediana (min)"),
    "population": ("Population", "Población"),
    "group_share": ("Share of the population", "Proporción de la población"),
}

_INDICES: dict[str, tuple[str, str]] = {
    "dissimilarity": ("Dissimilarity (D)", "Disimilitud (D)"),
    "gini": ("Gini", "Gini"),
    "entropy": ("Entropy (H)", "Entropía (H)"),
    "isolation": ("Isolation", "Aislamiento"),
    "exposure": ("Exposure", "Exposición"),
    "correlation_ratio": ("Correlation ratio", "Razón de correlación"),
    "atkinson": ("Atkinson", "Atkinson"),
    "spatial_proximity": ("Spatial proximity", "Proximidad espacial"),
    "spatial_dissimilarity": ("Spatial dissimilarity", "Disimilitud espacial"),
    "spatial_isolation": ("Spatial isolation", "Aislamiento espacial"),
}

_LANES: dict[str, tuple[str, str]] = {
    "general": ("General", "General"),
    "ready": ("Ready Lane", "Ready Lane"),
    "sentri": ("SENTRI", "SENTRI"),
    "pedestrian": ("Pedestrian", "Peatonal"),
    "pedestrian_ready": ("Pedestrian Ready Lane", "Peatonal Ready Lane"),
    "commercial": ("Commercial", "Carga"),
    "fast": ("FAST", "FAST"),
}

_PURPOSES: dict[str, tuple[str, str]] = {
    "HBW": ("Work", "Trabajo"),
    "HBS": ("Shopping", "Compras"),
    "HBO": ("Other", "Otro"),
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


def header_label(column: str, lang: str = "en") -> str:
    """A table header for a result column: ``shed_pop_MX`` → "Population in the shed (Mexico)".

    Columns ending in ``_US`` / ``_MX`` get the side in brackets; unknown columns fall back to
    :func:`column_label` (underscores become spaces).
    """
    col = str(column)
    for side in ("US", "MX"):
        if col.endswith("_" + side) and col[: -len(side) - 1] in _COLUMNS:
            return f"{_pick(_COLUMNS[col[: -len(side) - 1]], lang)} ({t('side_' + side, lang)})"
    return column_label(col, lang)


_NOTES: dict[str, tuple[str, str]] = {
    "no bootstrap interval": (
        "no bootstrap interval: resampling units duplicates locations, which biases spatial "
        "indices",
        "sin intervalo bootstrap: remuestrear unidades duplica ubicaciones y sesga los índices "
        "espaciales",
    ),
    "group is all or nothing": (
        "group is all or nothing in every unit: aspatial indices are 1 by construction",
        "el grupo es todo o nada en cada unidad: los índices aespaciales valen 1 por construcción",
    ),
    "skipped: the sides have different groups": (
        "skipped: the sides have different groups; ask for scopes=[..., 'binational'] to "
        "combine them",
        "omitido: los lados tienen grupos distintos; pida scopes=[..., 'binational'] para "
        "combinarlos",
    ),
}


_PARAMS: dict[str, tuple[str, str]] = {
    "direction": ("Direction", "Dirección"),
    "lane": ("Lane", "Carril"),
    "hour": ("Hour", "Hora"),
    "weekday": ("Days", "Días"),
    "minutes": ("Bands (min)", "Bandas (min)"),
    "method": ("Travel time", "Tiempo de viaje"),
    "wait_stat": ("Wait statistic", "Estadístico de espera"),
    "wait_fallback": ("Ports without waits", "Garitas sin esperas"),
    "speed_kph": ("Speed (km/h)", "Velocidad (km/h)"),
    "circuity": ("Circuity", "Circuidad"),
    "access_speed_kph": ("Access speed (km/h)", "Velocidad de acceso (km/h)"),
    "beta": ("Huff distance decay β", "Decaimiento de Huff β"),
    "scenario": ("Scenario", "Escenario"),
}
_PARAM_VALUES: dict[str, tuple[str, str]] = {
    "northbound": ("northbound", "hacia el norte"),
    "southbound": ("southbound", "hacia el sur"),
    "weekdays": ("weekdays", "entre semana"),
    "network": ("road network", "red vial"),
    "straight-line": ("straight line × circuity", "línea recta × circuidad"),
    "median": ("median", "mediana"),
    "zero": ("0 minutes", "0 minutos"),
    "None": ("none", "ninguno"),
    "base": ("base", "base"),
    "general": ("General", "General"),
}

#: Layer ids of ``Region.sources`` → what they are.
_LAYERS: dict[str, tuple[str, str]] = {
    "us_units": ("US census tracts and ACS table", "Secciones censales y tabla ACS de EE. UU."),
    "mx_units": ("Mexican AGEBs and CONAPO table", "AGEB de México y tabla de CONAPO"),
    "bts": ("BTS crossings", "Cruces BTS"),
    "bridge_counts": ("Crossings by bridge", "Cruces por puente"),
    "waits_hourly": ("CBP hourly wait averages", "Promedios horarios de espera de CBP"),
    "waits_live": ("CBP wait snapshot", "Instantánea de esperas de CBP"),
    "waits_series": ("Wait time series", "Serie de tiempos de espera"),
    "waits_sandag": ("SANDAG observed waits 2017", "Esperas observadas SANDAG 2017"),
    "network": ("Road network", "Red vial"),
}


def param_label(key: str, value, lang: str = "en") -> str | None:
    """``"Direction: northbound"`` for a known catchment parameter, None for the others."""
    pair = _PARAMS.get(str(key))
    if pair is None:
        return None
    if isinstance(value, (list, tuple)):
        text = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    else:
        vpair = _PARAM_VALUES.get(str(value))
        text = _pick(vpair, lang) if vpair else str(value)
    return f"{_pick(pair, lang)}: {text}"


def layer_label(layer: str, lang: str = "en") -> str:
    """A loaded layer id (``us_units``) in words."""
    pair = _LAYERS.get(str(layer))
    return _pick(pair, lang) if pair else (check_lang(lang) and str(layer).replace("_", " "))


def note_label(note: str, lang: str = "en") -> str:
    """A known note of the concentration module in ``lang`` (matched by its start); other notes
    are returned as they are."""
    check_lang(lang)
    text = str(note)
    if text.lower() in ("nan", "none", "<na>"):
        return ""
    for start, pair in _NOTES.items():
        if text.startswith(start):
            return text if lang == "en" else _pick(pair, lang)
    return text


def index_label(index: str, lang: str = "en") -> str:
    """Concentration index name in ``lang`` (``"dissimilarity"`` → "Dissimilarity (D)")."""
    pair = _INDICES.get(str(index))
    return _pick(pair, lang) if pair else (check_lang(lang) and str(index).replace("_", " "))


def lane_label(lane: str, lang: str = "en") -> str:
    """Crossing lane in ``lang`` (``"sentri"`` → "SENTRI")."""
    pair = _LANES.get(str(lane).lower())
    return _pick(pair, lang) if pair else (check_lang(lang) and str(lane))


def purpose_label(purpose: str, lang: str = "en") -> str:
    """Survey trip purpose (HBW, HBS, HBO) in ``lang``."""
    pair = _PURPOSES.get(str(purpose).upper())
    return _pick(pair, lang) if pair else (check_lang(lang) and str(purpose))


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
