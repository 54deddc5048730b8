"""English and Spanish descriptions of the layers and fields that binational writes for GIS use.

Used by :func:`binational._gpkg.write_layer` for ``gpkg_contents.description`` and the
``gpkg_data_columns`` table. Group columns take their labels from :data:`binational.groups.GROUPS`.
"""

from __future__ import annotations

import re

__all__ = ["field_label", "layer_label"]

# layer -> (English, Spanish)
LAYERS: dict[str, tuple[str, str]] = {
    "units": (
        "Census units (US tracts, Mexican urban AGEBs) in one table, with population, groups and "
        "results joined by unit_id",
        "Unidades censales (tractos de EE. UU., AGEB urbanas de México) en una tabla, con "
        "población, grupos y resultados unidos por unit_id",
    ),
    "isochrones": (
        "Catchment isochrones: the area reached from or to each port of entry within each "
        "minute band, with and without the border wait",
        "Isócronas de captación: el área alcanzada desde o hacia cada puerto de entrada en cada "
        "banda de minutos, con y sin la espera en la frontera",
    ),
    "port_sheds": (
        "Port-sheds: census units dissolved by their best port of entry and side",
        "Áreas de influencia de los puertos: unidades censales unidas por su mejor puerto de "
        "entrada y lado",
    ),
    "local": (
        "Local concentration per unit and scope: location quotient, local entropy, Getis-Ord "
        "Gi*, local Moran's I and cluster labels",
        "Concentración local por unidad y ámbito: cociente de localización, entropía local, "
        "Gi* de Getis-Ord, I de Moran local y clústeres",
    ),
    "ports": (
        "Ports of entry (points), with crossings of the last 12 months by measure",
        "Puertos de entrada (puntos), con los cruces de los últimos 12 meses por medida",
    ),
    "border": (
        "The international border line drawn on the maps",
        "La línea fronteriza internacional dibujada en los mapas",
    ),
    "commuting_units": (
        "Per census unit, at the chosen hour: probability of each port x lane option, expected "
        "crossing time and the border's time tax",
        "Por unidad censal, a la hora elegida: probabilidad de cada opción puerto x carril, "
        "tiempo esperado de cruce y el sobrecosto de tiempo de la frontera",
    ),
}

# field -> (title en, description en, title es, description es)
FIELDS: dict[str, tuple[str, str, str, str]] = {
    "unit_id": (
        "Unit id",
        "US:<11-digit tract GEOID> or MX:<13-character AGEB CVEGEO> (text)",
        "Clave de unidad",
        "US:<GEOID de 11 dígitos del tracto> o MX:<CVEGEO de 13 caracteres de la AGEB> (texto)",
    ),
    "country": ("Country", "US or MX", "País", "US (EE. UU.) o MX (México)"),
    "admin2": (
        "County / municipio code",
        "County FIPS or municipio CVE, 5 digits as text (e.g. 08037)",
        "Clave de condado / municipio",
        "FIPS del condado o CVE del municipio, 5 dígitos como texto (p. ej. 08037)",
    ),
    "name": ("Name", "Tract name or AGEB label", "Nombre", "Nombre del tracto o clave de la AGEB"),
    "pop_total": (
        "Total population",
        "Total population of the unit (empty where suppressed)",
        "Población total",
        "Población total de la unidad (vacía donde se suprime)",
    ),
    "flag_zero_pop": (
        "Zero population",
        "True where the unit has no population (kept, flagged)",
        "Población cero",
        "Verdadero donde la unidad no tiene población (se conserva, marcada)",
    ),
    "source": ("Source", "Product and vintage", "Fuente", "Producto y año"),
    "port_code": (
        "Port code",
        "CBP/BTS port of entry code (text)",
        "Clave del puerto",
        "Clave CBP/BTS del puerto de entrada (texto)",
    ),
    "port_name": ("Port", "Port of entry", "Puerto", "Puerto de entrada"),
    "direction": (
        "Direction",
        "northbound or southbound",
        "Sentido",
        "northbound (hacia EE. UU.) o southbound (hacia México)",
    ),
    "side": ("Side", "Country side of the border", "Lado", "Lado de la frontera (país)"),
    "role": (
        "Role",
        "origin (trip starts here) or destination",
        "Papel",
        "origin (el viaje empieza aquí) o destination (destino)",
    ),
    "minutes": ("Minutes", "Minute band", "Minutos", "Banda de minutos"),
    "wait_included": (
        "Wait included",
        "True if the border wait counts against the minute band",
        "Espera incluida",
        "Verdadero si la espera en la frontera cuenta dentro de la banda de minutos",
    ),
    "wait_minutes": (
        "Wait (min)",
        "Border wait used, minutes",
        "Espera (min)",
        "Espera en la frontera usada, minutos",
    ),
    "area_km2": (
        "Area (km²)",
        "Area, square kilometres",
        "Área (km²)",
        "Área, kilómetros cuadrados",
    ),
    "pop": (
        "Population reached",
        "Population inside the polygon (area-weighted)",
        "Población alcanzada",
        "Población dentro del polígono (ponderada por área)",
    ),
    "pop_units": (
        "Population (whole units)",
        "Population of the units whose centroid is inside",
        "Población (unidades completas)",
        "Población de las unidades cuyo centroide queda dentro",
    ),
    "method": (
        "Method",
        "network or straight-line",
        "Método",
        "network (red vial) o straight-line (línea recta)",
    ),
    "lane": ("Lane", "Crossing lane", "Carril", "Carril de cruce"),
    "scenario": ("Scenario", "Scenario name", "Escenario", "Nombre del escenario"),
    "node_id": (
        "Network node",
        "Road network node the unit is snapped to (text)",
        "Nodo de la red",
        "Nodo de la red vial al que se ajusta la unidad (texto)",
    ),
    "snap_m": (
        "Snap distance (m)",
        "Distance from the unit to its network node, metres",
        "Distancia de ajuste (m)",
        "Distancia de la unidad a su nodo de la red, metros",
    ),
    "snapped": (
        "Snapped",
        "True if the unit reached the network",
        "Ajustada",
        "Verdadero si la unidad alcanzó la red",
    ),
    "best_port": (
        "Best port",
        "Code of the port with the shortest crossing time (text)",
        "Mejor puerto",
        "Clave del puerto con el menor tiempo de cruce (texto)",
    ),
    "best_port_name": ("Best port name", "", "Nombre del mejor puerto", ""),
    "best_minutes": (
        "Best time (min)",
        "Crossing time through the best port, wait included, minutes",
        "Mejor tiempo (min)",
        "Tiempo de cruce por el mejor puerto, con espera, minutos",
    ),
    "best_drive_minutes": (
        "Drive (min)",
        "Driving time through the best port, without the wait, minutes",
        "Manejo (min)",
        "Tiempo de manejo por el mejor puerto, sin la espera, minutos",
    ),
    "second_port": (
        "Second port",
        "Code of the second-best port (text)",
        "Segundo puerto",
        "Clave del segundo mejor puerto (texto)",
    ),
    "second_minutes": (
        "Second time (min)",
        "Crossing time through the second port, minutes",
        "Segundo tiempo (min)",
        "Tiempo de cruce por el segundo puerto, minutos",
    ),
    "access_2sfca": (
        "Access (2SFCA)",
        "Two-step floating catchment accessibility",
        "Accesibilidad (2SFCA)",
        "Accesibilidad de captación flotante en dos pasos",
    ),
    "ratio_2sfca": (
        "Supply ratio (2SFCA)",
        "Port supply-to-demand ratio of the 2SFCA",
        "Razón oferta/demanda (2SFCA)",
        "Razón oferta-demanda del puerto en el 2SFCA",
    ),
    "n_units": ("Units", "Number of census units", "Unidades", "Número de unidades censales"),
    "scope": (
        "Scope",
        "US, MX or binational (both sides together)",
        "Ámbito",
        "US, MX o binational (ambos lados juntos)",
    ),
    "group_name": (
        "Group",
        "Population group measured",
        "Grupo",
        "Grupo de población medido",
    ),
    "share": ("Share", "Group share of the unit total", "Proporción", "Proporción del grupo"),
    "lq": (
        "Location quotient",
        "Unit share over the regional share of the group",
        "Cociente de localización",
        "Proporción en la unidad sobre la proporción regional del grupo",
    ),
    "local_entropy": ("Local entropy", "", "Entropía local", ""),
    "gi_star": ("Gi*", "Getis-Ord Gi* statistic", "Gi*", "Estadístico Gi* de Getis-Ord"),
    "gi_z": ("Gi* z", "z-score of Gi*", "z de Gi*", "Puntuación z de Gi*"),
    "gi_p_sim": ("Gi* p", "Permutation p-value of Gi*", "p de Gi*", "Valor p por permutación"),
    "hotspot": ("Hot spot", "Gi* hot/cold spot", "Punto caliente", "Punto caliente/frío de Gi*"),
    "hotspot_fdr": ("Hot spot (FDR)", "", "Punto caliente (FDR)", ""),
    "lisa_i": ("Local Moran's I", "", "I de Moran local", ""),
    "lisa_quadrant": ("LISA quadrant", "HH, LH, LL or HL", "Cuadrante LISA", "HH, LH, LL o HL"),
    "lisa_p_sim": ("LISA p", "Permutation p-value", "p de LISA", "Valor p por permutación"),
    "lisa_z_sim": ("LISA z", "", "z de LISA", ""),
    "lisa_q": ("LISA q", "FDR q-value", "q de LISA", "Valor q (FDR)"),
    "cluster": (
        "Cluster",
        "Local Moran cluster label at alpha",
        "Clúster",
        "Etiqueta de clúster de Moran local con alfa",
    ),
    "cluster_fdr": ("Cluster (FDR)", "", "Clúster (FDR)", ""),
    "n_neighbors": ("Neighbours", "Number of neighbours", "Vecinos", "Número de vecinos"),
    "expected_minutes": (
        "Expected crossing (min)",
        "Expected crossing time over the options, minutes",
        "Cruce esperado (min)",
        "Tiempo de cruce esperado sobre las opciones, minutos",
    ),
    "no_wait_minutes": (
        "Without wait (min)",
        "Crossing time without any wait, minutes",
        "Sin espera (min)",
        "Tiempo de cruce sin espera, minutos",
    ),
    "time_tax_minutes": (
        "Time tax (min)",
        "Minutes the border wait adds",
        "Sobrecosto de tiempo (min)",
        "Minutos que añade la espera en la frontera",
    ),
}

# (pattern, title en, description en, title es, description es); {0}, {1} are the groups
PATTERNS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        r"minutes_(\d+)",
        "Minutes via {0}",
        "Crossing time through port {0}, wait included, minutes",
        "Minutos por {0}",
        "Tiempo de cruce por el puerto {0}, con espera, minutos",
    ),
    (
        r"share_(\d+)",
        "Share {0}",
        "Huff probability of using port {0}",
        "Proporción {0}",
        "Probabilidad de Huff de usar el puerto {0}",
    ),
    (
        r"p_(\d+)_(\w+)",
        "P {0} {1}",
        "Probability of crossing at port {0}, lane {1}",
        "P {0} {1}",
        "Probabilidad de cruzar por el puerto {0}, carril {1}",
    ),
    (
        r"x12m_(\w+)",
        "{0}, 12 months",
        "Crossings of the last 12 months: {0}",
        "{0}, 12 meses",
        "Cruces de los últimos 12 meses: {0}",
    ),
    (
        r"entropy_(\w+)",
        "Entropy {0}",
        "Local entropy of {0}",
        "Entropía {0}",
        "Entropía local de {0}",
    ),
)


def layer_label(layer: str, *, lang: str = "en") -> str | None:
    """The description of a layer written by binational.

    Parameters
    ----------
    layer
        Layer name (``units``, ``isochrones``, ...).
    lang
        ``"en"`` or ``"es"``.

    Returns
    -------
    str or None
        The description, or None for a layer the package does not describe.
    """
    pair = LAYERS.get(layer)
    return None if pair is None else pair[1 if lang == "es" else 0]


def field_label(column: str, *, lang: str = "en") -> tuple[str, str] | None:
    """Title and description of a field written by binational.

    Parameters
    ----------
    column
        Column name as in the frame (``group`` is described as ``group_name``).
    lang
        ``"en"`` or ``"es"``.

    Returns
    -------
    tuple of str, or None
        ``(title, description)``, or None for a column the package does not describe.
    """
    es = lang == "es"
    col = "group_name" if column == "group" else column
    if col in FIELDS:
        t_en, d_en, t_es, d_es = FIELDS[col]
        return (t_es, d_es or t_es) if es else (t_en, d_en or t_en)
    if col.endswith("_moe"):
        base = field_label(col[: -len("_moe")], lang=lang)
        title = base[0] if base else col[: -len("_moe")]
        if es:
            return f"MOE {title}", f"Margen de error al 95 % de {title}"
        return f"MOE {title}", f"95 % margin of error of {title}"
    for pattern, t_en, d_en, t_es, d_es in PATTERNS:
        m = re.fullmatch(pattern, col)
        if m:
            args = m.groups()
            return (
                (t_es.format(*args), d_es.format(*args))
                if es
                else (
                    t_en.format(*args),
                    d_en.format(*args),
                )
            )
    from .groups import CONTEXT, GROUPS

    group = GROUPS.get(col) or (CONTEXT.get(col) if isinstance(CONTEXT, dict) else None)
    if group is not None:
        label = group.label_es if es else group.label
        return label, f"{label}: {group.source}"
    return None
