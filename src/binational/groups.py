"""Named population groups: what each count means, on which side, over which denominator.

A concentration index is only as meaningful as its group. This registry says, for every named
group of the unit table, the country it is defined for, its denominator column (the population
the group is a share of: an index of ``spanish_home`` uses the population aged 5 and over, not
the total), its source cell and its concept. Analyses take the denominator from here, so a
group is never measured against the wrong total.

Groups
------
US (ACS 5-year): ``hispanic`` (B03002_012 / B03002_001), ``spanish_home`` (B06007_003 /
B06007_001), ``spanish_limited_english`` (B06007_005 / B06007_001); the B03002 categories
``hispanic, white_nh, black_nh, native_nh, asian_nh, other_nh`` (:data:`MULTIGROUP_US`) for the
multigroup indices.

Mexico (INEGI Censo 2020 RESAGEBURB, by urban AGEB): ``born_elsewhere`` (PNACOE / POBTOT),
``moved_since_2015`` (PRESOE15 / P_5YMAS), ``indigenous_language`` (P3YM_HLI / P_3YMAS),
``afro_mexican`` (POB_AFRO / POBTOT).

Socio-economic context (:data:`CONTEXT`), not ethnicity: US ``poverty_below`` (B17001_002 /
B17001_001) and MX ``high_marginalization`` (population of AGEBs CONAPO grades "Alto" or "Muy
alto"; all or nothing per AGEB, so it gives no unevenness index).

Cross-border terms
------------------
Each group has a ``concept``: two groups measure the same thing only if their concepts are
equal. :func:`comparison_terms` states, for a US group and a MX group, whether a pooled
cross-border index is defined and what a side-by-side reading may and may not say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from .errors import IndexInputError
from .schema import MX, POP_TOTAL, US

__all__ = [
    "CONTEXT",
    "GROUPS",
    "MULTIGROUP_US",
    "NamedGroup",
    "available_groups",
    "comparison_terms",
    "denominator",
    "get_group",
    "groups_table",
]


@dataclass(frozen=True)
class NamedGroup:
    """A population group with a meaning.

    Attributes
    ----------
    name
        Column of the unit table holding the count.
    country
        ``"US"`` or ``"MX"``.
    denominators
        Denominator columns in order of preference (the first present in the table is used).
    concept
        What is counted; groups are comparable across the border only if concepts are equal.
    label, label_es
        Human labels (English, Spanish).
    source
        Product and cell (e.g. ``"ACS 5-year B03002_012 / B03002_001"``).
    kind
        ``"group"`` (population group), ``"context"`` (socio-economic context).
    all_or_nothing
        The count is the whole unit population or nothing (no unevenness index is defined).
    """

    name: str
    country: str
    denominators: tuple[str, ...]
    concept: str
    label: str
    label_es: str
    source: str
    kind: str = "group"
    all_or_nothing: bool = False


_ACS = "ACS 5-year"
_RES = "INEGI Censo 2020 RESAGEBURB"

GROUPS: dict[str, NamedGroup] = {
    g.name: g
    for g in (
        NamedGroup(
            "hispanic",
            US,
            ("race_base", POP_TOTAL),
            "Hispanic or Latino origin (self-identified, any race)",
            "Hispanic or Latino",
            "Hispana o latina",
            f"{_ACS} B03002_012 / B03002_001 (or B01001I_001 / total population)",
        ),
        NamedGroup(
            "spanish_home",
            US,
            ("lang_base",),
            "speaks Spanish at home (aged 5 and over)",
            "Speaks Spanish at home",
            "Habla español en casa",
            f"{_ACS} B06007_003 / B06007_001",
        ),
        NamedGroup(
            "spanish_limited_english",
            US,
            ("lang_base",),
            "speaks Spanish at home and English less than very well (aged 5 and over)",
            "Speaks Spanish, English less than very well",
            "Habla español, inglés menos que muy bien",
            f"{_ACS} B06007_005 / B06007_001",
        ),
        NamedGroup(
            "born_elsewhere",
            MX,
            (POP_TOTAL,),
            "born in another Mexican state or another country",
            "Born in another state or country",
            "Nacida en otra entidad o país",
            f"{_RES} PNACOE / POBTOT",
        ),
        NamedGroup(
            "moved_since_2015",
            MX,
            ("pop_5plus",),
            "lived in another Mexican state or country in March 2015 (aged 5 and over)",
            "Lived in another state or country in 2015",
            "Residía en otra entidad o país en 2015",
            f"{_RES} PRESOE15 / P_5YMAS",
        ),
        NamedGroup(
            "indigenous_language",
            MX,
            ("pop_3plus",),
            "speaks an indigenous language (aged 3 and over)",
            "Speaks an indigenous language",
            "Habla una lengua indígena",
            f"{_RES} P3YM_HLI / P_3YMAS",
        ),
        NamedGroup(
            "afro_mexican",
            MX,
            (POP_TOTAL,),
            "considers itself Afro-Mexican or Afro-descendant",
            "Afro-Mexican or Afro-descendant",
            "Afromexicana o afrodescendiente",
            f"{_RES} POB_AFRO / POBTOT",
        ),
    )
}

#: B03002 categories (exhaustive with the remainder of ``race_base``) for multigroup indices.
MULTIGROUP_US = ("hispanic", "white_nh", "black_nh", "native_nh", "asian_nh", "other_nh")

#: Socio-economic context variables (not ethnicity).
CONTEXT: dict[str, NamedGroup] = {
    g.name: g
    for g in (
        NamedGroup(
            "poverty_below",
            US,
            ("poverty_base",),
            "income in the past 12 months below the federal poverty level",
            "Below the poverty level",
            "Bajo el umbral de pobreza",
            f"{_ACS} B17001_002 / B17001_001",
            kind="context",
        ),
        NamedGroup(
            "high_marginalization",
            MX,
            (POP_TOTAL,),
            "population of AGEBs with high or very high urban marginalisation (CONAPO grade)",
            "Population in high-marginalisation AGEBs",
            "Población en AGEB de marginación alta",
            "CONAPO Índice de Marginación Urbana 2020, GM_2020 in {Alto, Muy alto}",
            kind="context",
            all_or_nothing=True,
        ),
    )
}


def get_group(name: str) -> NamedGroup:
    """The named group (or context variable) ``name``.

    Parameters
    ----------
    name
        Group or context variable name, e.g. ``"hispanic"``.

    Returns
    -------
    NamedGroup

    Raises
    ------
    IndexInputError
        If no group has that name.
    """
    if name in GROUPS:
        return GROUPS[name]
    if name in CONTEXT:
        return CONTEXT[name]
    raise IndexInputError(f"unknown named group {name!r}; known: {', '.join([*GROUPS, *CONTEXT])}")


def denominator(name: str, columns: Iterable[str]) -> str | None:
    """First denominator column of group ``name`` that is in ``columns`` (None: none is).

    Parameters
    ----------
    name
        Group name.
    columns
        Columns of the unit table.

    Returns
    -------
    str or None
        The denominator column, or None if the table has none of the group's denominators.
    """
    cols = set(columns)
    for col in get_group(name).denominators:
        if col in cols:
            return col
    return None


def available_groups(
    units: pd.DataFrame, *, country: str, kind: str = "group"
) -> tuple[list[str], dict[str, str]]:
    """Named groups of ``country`` that ``units`` can give an index for, and why others cannot.

    Parameters
    ----------
    units
        Unit table.
    country
        ``"US"`` or ``"MX"``.
    kind
        ``"group"`` (population groups) or ``"context"`` (socio-economic context).

    Returns
    -------
    (list of str, dict)
        Usable group names; group name → one reason for each group that is not usable.
    """
    registry = GROUPS if kind == "group" else CONTEXT
    has_country = "country" in units.columns
    part = units[units["country"].astype(str) == country] if has_country else units
    ok: list[str] = []
    why: dict[str, str] = {}
    for name, g in registry.items():
        if g.country != country:
            continue
        if name not in part.columns or not len(part) or part[name].isna().all():
            fetch = " (binational fetch <region> --sources mx_resageburb)" if country == MX else ""
            why[name] = f"no {name!r} counts for {country} units: needs {g.source}{fetch}"
            continue
        base = denominator(name, part.columns)
        if base is None or part[base].isna().all():
            why[name] = f"no denominator column ({', '.join(g.denominators)}) for {name!r}"
            continue
        if g.all_or_nothing:
            why[name] = (
                f"{name!r} is the whole population of a unit or none of it: an unevenness "
                "index would be 1 by construction"
            )
            continue
        ok.append(name)
    return ok, why


def comparison_terms(us_group: str, mx_group: str) -> dict:
    """What a comparison of a US group with a MX group compares, and what it cannot.

    Parameters
    ----------
    us_group, mx_group
        Names of the US and the Mexican group.

    Returns
    -------
    dict
        ``us``, ``mx`` (group names), ``us_concept``, ``mx_concept``, ``us_denominator``,
        ``mx_denominator`` (first preferred columns), ``same_variable`` (bool: a pooled
        cross-border index is defined), ``compared`` and ``not_comparable`` (lists of plain
        statements, English) and ``compared_es`` / ``not_comparable_es`` (Spanish).
    """
    us, mx = get_group(us_group), get_group(mx_group)
    if us.country != US or mx.country != MX:
        raise IndexInputError(
            f"comparison_terms: {us_group!r} must be a US group and {mx_group!r} a MX group"
        )
    same = us.concept == mx.concept
    compared = [
        f"how unevenly '{us.label}' is spread over the US units, relative to {us.denominators[0]}",
        f"how unevenly '{mx.label}' is spread over the Mexican units, relative to "
        f"{mx.denominators[0]}",
        "each index is computed within one side, on that side's own units and population; "
        "both run from 0 (even) to 1 (fully separated)",
    ]
    compared_es = [
        f"qué tan desigual es la distribución de '{us.label_es}' entre las unidades de EE. UU., "
        f"respecto de {us.denominators[0]}",
        f"qué tan desigual es la distribución de '{mx.label_es}' entre las unidades de México, "
        f"respecto de {mx.denominators[0]}",
        "cada índice se calcula dentro de un lado, con sus propias unidades y población; ambos "
        "van de 0 (uniforme) a 1 (separación total)",
    ]
    not_comparable: list[str] = []
    not_comparable_es: list[str] = []
    if not same:
        not_comparable += [
            f"'{us.label}' ({us.concept}) and '{mx.label}' ({mx.concept}) are different groups: "
            "a higher index on one side does not mean the same people are more concentrated",
            "no cross-border (pooled) index is computed: no variable is defined the same way "
            "on both sides",
        ]
        not_comparable_es += [
            f"'{us.label_es}' y '{mx.label_es}' son grupos distintos: un índice mayor en un "
            "lado no significa que las mismas personas estén más concentradas",
            "no se calcula un índice transfronterizo conjunto: ninguna variable se define igual "
            "en ambos lados",
        ]
    not_comparable += [
        "the units differ (US census tracts of about 4,000 people, Mexican urban AGEBs of a "
        "few hundred to a few thousand): indices depend on unit size",
        "the sources differ (ACS 5-year sample estimates with margins of error; INEGI Censo "
        "2020 full count with suppressed cells)",
    ]
    not_comparable_es += [
        "las unidades difieren (secciones censales de EE. UU. de unas 4 000 personas; AGEB "
        "urbanas de México de unos cientos a unos miles): los índices dependen del tamaño",
        "las fuentes difieren (estimaciones muestrales ACS con márgenes de error; Censo 2020 "
        "de INEGI con celdas suprimidas)",
    ]
    return {
        "us": us.name,
        "mx": mx.name,
        "us_concept": us.concept,
        "mx_concept": mx.concept,
        "us_denominator": us.denominators[0],
        "mx_denominator": mx.denominators[0],
        "same_variable": same,
        "compared": compared,
        "not_comparable": not_comparable,
        "compared_es": compared_es,
        "not_comparable_es": not_comparable_es,
    }


def groups_table(names: Iterable[str] | None = None) -> pd.DataFrame:
    """The registry as a table (name, country, denominator, concept, labels, source, kind).

    Parameters
    ----------
    names
        Groups to list (default: every group and context variable).

    Returns
    -------
    pandas.DataFrame
        One row per group.
    """
    chosen = list(names) if names is not None else [*GROUPS, *CONTEXT]
    rows: list[Mapping] = []
    for n in chosen:
        g = get_group(n)
        rows.append(
            {
                "name": g.name,
                "country": g.country,
                "denominator": g.denominators[0],
                "concept": g.concept,
                "label": g.label,
                "label_es": g.label_es,
                "source": g.source,
                "kind": g.kind,
            }
        )
    return pd.DataFrame(rows)
