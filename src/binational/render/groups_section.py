"""HTML fragment of the report on named groups, scales, context and what is compared.

:func:`groups_section` takes results computed elsewhere (no analysis here) and returns one
``<section>`` of HTML in English or Spanish:

1. D and isolation per named group and side, each with its bootstrap interval, its ACS-MOE
   percentile interval and the bias-corrected MOE interval (US), or the one reason a group
   gives no index (e.g. no RESAGEBURB file, with the command that fetches it);
2. the multigroup indices of the B03002 categories;
3. the multiscalar chart (spatial D and isolation over kernel bandwidths);
4. the municipio-level composition from ITER (born elsewhere, moved since 2015) with its source;
5. the socio-economic context (US poverty, CONAPO marginalisation), kept apart from the groups;
6. the statement of what is compared across the border and what is not comparable.

Every string that comes from data is escaped; the chart is an SVG whose text is drawn as paths.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import pandas as pd

from .labels import check_lang

__all__ = ["groups_section"]

_T: dict[str, tuple[str, str]] = {
    "title": ("Population groups on each side", "Grupos de población en cada lado"),
    "intro": (
        "Each index measures how unevenly a group is spread over the census units of one side, "
        "relative to the group's own denominator. Intervals: bootstrap {level} % over units; "
        "ACS margin-of-error interval as simulated (biased upward for small units) and "
        "bias-corrected.",
        "Cada índice mide qué tan desigual es la distribución de un grupo entre las unidades "
        "censales de un lado, respecto de su propio denominador. Intervalos: bootstrap "
        "{level} % sobre unidades; intervalo por margen de error ACS simulado (sesgado hacia "
        "arriba en unidades pequeñas) y corregido por sesgo.",
    ),
    "side": ("Side", "Lado"),
    "group": ("Group", "Grupo"),
    "denominator": ("Denominator", "Denominador"),
    "index": ("Index", "Índice"),
    "value": ("Value", "Valor"),
    "ci": ("{level} % interval", "Intervalo {level} %"),
    "moe_ci": ("MOE interval (simulated)", "Intervalo MDE (simulado)"),
    "moe_corr": ("MOE bias-corrected value [interval]", "Valor MDE corregido [intervalo]"),
    "source": ("Source", "Fuente"),
    "unavailable": ("No index for", "Sin índice para"),
    "fetch": (
        "AGEB-level groups on the Mexican side need INEGI RESAGEBURB 2020; fetch it with "
        "<code>binational fetch {region} --sources mx_resageburb</code> and the groups appear "
        "with no code change.",
        "Los grupos por AGEB del lado mexicano requieren RESAGEBURB 2020 de INEGI; descárguelo "
        "con <code>binational fetch {region} --sources mx_resageburb</code> y los grupos "
        "aparecen sin cambiar código.",
    ),
    "multigroup": (
        "Race and Hispanic origin: multigroup indices",
        "Raza y origen hispano: índices multigrupo",
    ),
    "multiscalar": ("Segregation by scale", "Segregación por escala"),
    "iter": ("Municipio composition (ITER)", "Composición municipal (ITER)"),
    "iter_note": (
        "Municipio totals give shares, not an index: one unit per municipio.",
        "Los totales municipales dan proporciones, no un índice: una unidad por municipio.",
    ),
    "municipio": ("Municipio", "Municipio"),
    "population": ("Population", "Población"),
    "born_share": ("Born in another state or country", "Nacida en otra entidad o país"),
    "moved_share": ("Lived elsewhere in 2015", "Residía en otro lugar en 2015"),
    "base": ("share of {base}", "proporción de {base}"),
    "context": ("Socio-economic context (not ethnicity)", "Contexto socioeconómico (no etnicidad)"),
    "measure": ("Measure", "Medida"),
    "share": ("share", "proporción"),
    "compared": ("What is compared across the border", "Qué se compara entre ambos lados"),
    "not_comparable": ("What is not comparable", "Qué no es comparable"),
    "pooled": ("Cross-border index", "Índice transfronterizo"),
    "US": ("United States", "Estados Unidos"),
    "MX": ("Mexico", "México"),
    "dissimilarity": ("Dissimilarity D", "Disimilitud D"),
    "isolation": ("Isolation", "Aislamiento"),
    "spatial_dissimilarity": ("Spatial dissimilarity", "Disimilitud espacial"),
    "spatial_isolation": ("Spatial isolation", "Aislamiento espacial"),
    "multi_dissimilarity": ("Multigroup dissimilarity", "Disimilitud multigrupo"),
    "multi_gini": ("Multigroup Gini", "Gini multigrupo"),
    "information_theory": ("Information theory H", "Teoría de la información H"),
    "normalized_exposure": ("Normalised exposure", "Exposición normalizada"),
    "diversity": ("Diversity (entropy)", "Diversidad (entropía)"),
    "simpson_concentration": ("Simpson's concentration", "Concentración de Simpson"),
    "simpson_interaction": ("Simpson's interaction", "Interacción de Simpson"),
}


def _t(key: str, lang: str, **fmt) -> str:
    pair = _T.get(key)
    text = pair[0 if lang == "en" else 1] if pair else key
    return text.format(**fmt) if fmt else text


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _num(value, digits: int = 3) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{v:.{digits}f}"


def _int(value) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{v:,.0f}"


def _pct(value) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{100 * v:.1f} %"


def _interval(lo, hi) -> str:
    a, b = _num(lo), _num(hi)
    return f"[{a}, {b}]" if a and b else "–"


def _table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    """Rows are already-escaped cell strings."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table class='{_e(cls)}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _label(row: Mapping, lang: str) -> str:
    text = row.get("label_es") if lang == "es" else row.get("label")
    return _e(text if isinstance(text, str) and text else row.get("group", ""))


def _single_groups(profile: pd.DataFrame, lang: str, lvl: str, region: str, indices) -> list[str]:
    """D and isolation per named group and side with their intervals, and the groups without an index."""
    out: list[str] = []
    groups = profile[(profile["kind"] == "group") & (profile["status"] == "ok")]
    groups = groups[groups["index"].isin(indices)]
    rows = []
    for rec in groups.to_dict("records"):
        corrected = _num(rec.get("moe_corrected"))
        corr = (
            f"{corrected} {_interval(rec.get('moe_corrected_low'), rec.get('moe_corrected_high'))}"
            if corrected
            else "–"
        )
        rows.append(
            [
                _e(_t(str(rec["side"]), lang)),
                _label(rec, lang),
                _e(rec.get("denominator", "")),
                _e(_t(str(rec["index"]), lang)),
                _num(rec["value"]),
                _interval(rec.get("ci_low"), rec.get("ci_high")),
                _interval(rec.get("moe_low"), rec.get("moe_high")),
                corr,
                _e(rec.get("source_cell", "")),
            ]
        )
    if rows:
        out.append(
            _table(
                [
                    _t("side", lang),
                    _t("group", lang),
                    _t("denominator", lang),
                    _t("index", lang),
                    _t("value", lang),
                    _t("ci", lang, level=lvl),
                    _t("moe_ci", lang),
                    _t("moe_corr", lang),
                    _t("source", lang),
                ],
                rows,
                "indices",
            )
        )
    missing = profile[(profile["status"] == "unavailable") & (profile["kind"] == "group")]
    if len(missing):
        items = "".join(
            f"<li>{_e(_t(str(r['side']), lang))} – {_label(r, lang)}: {_e(r['note'])}</li>"
            for r in missing.to_dict("records")
        )
        out.append(f"<p>{_t('unavailable', lang)}:</p><ul class='unavailable'>{items}</ul>")
        if (missing["side"] == "MX").any():
            out.append(f"<p class='fetch'>{_t('fetch', lang, region=_e(region or '<region>'))}</p>")
    return out


def _multigroup(profile: pd.DataFrame, lang: str) -> list[str]:
    """The multigroup indices of the B03002 categories."""
    out: list[str] = []
    multi = profile[profile["kind"] == "multigroup"]
    if len(multi):
        out.append(f"<h3>{_t('multigroup', lang)}</h3>")
        ok = multi[multi["status"] == "ok"]
        if len(ok):
            out.append(
                _table(
                    [_t("index", lang), _t("value", lang), _t("group", lang)],
                    [
                        [_e(_t(str(r["index"]), lang)), _num(r["value"]), _e(r["group"])]
                        for r in ok.to_dict("records")
                    ],
                    "multigroup",
                )
            )
        for r in multi[multi["status"] != "ok"].to_dict("records"):
            out.append(f"<p>{_e(r['note'])}</p>")
    return out


def _multiscalar(multiscalar: pd.DataFrame | None, profile: pd.DataFrame, lang: str) -> list[str]:
    """The multiscalar chart of one group."""
    out: list[str] = []
    if multiscalar is not None and len(multiscalar):
        from .multiscalar import multiscalar_svg

        out.append(f"<h3>{_t('multiscalar', lang)}</h3>")
        name = str(multiscalar["group"].iloc[0]) if "group" in multiscalar.columns else ""
        known = profile[profile["group"] == name]
        label = name
        if len(known):
            label = str(known.iloc[0]["label_es" if lang == "es" else "label"] or name)
        svg = multiscalar_svg(multiscalar, lang=lang, group_label=label)
        out.append(f"<figure class='multiscalar'>{svg}</figure>")
    return out


def _iter(iter_composition: pd.DataFrame | None, lang: str) -> list[str]:
    """The municipio-level composition from ITER with its source."""
    out: list[str] = []
    if iter_composition is not None and len(iter_composition):
        out.append(f"<h3>{_t('iter', lang)}</h3><p>{_t('iter_note', lang)}</p>")
        base = str(iter_composition["moved_since_2015_base"].iloc[0])
        rows = [
            [
                _e(f"{r['name']} ({r['municipio']})"),
                _int(r["pop_total"]),
                _pct(r["born_elsewhere_share"]),
                _pct(r["moved_since_2015_share"]),
            ]
            for r in iter_composition.to_dict("records")
        ]
        out.append(
            _table(
                [
                    _t("municipio", lang),
                    _t("population", lang),
                    f"{_t('born_share', lang)} ({_t('base', lang, base='POBTOT')})",
                    f"{_t('moved_share', lang)} ({_t('base', lang, base=_e(base))})",
                ],
                rows,
                "iter",
            )
        )
        sources = "; ".join(_e(s) for s in dict.fromkeys(iter_composition["source"]))
        out.append(f"<p class='source'>{_t('source', lang)}: {sources}</p>")
    return out


def _context(context: pd.DataFrame | None, lang: str) -> list[str]:
    """The socio-economic context, apart from the groups."""
    out: list[str] = []
    if context is not None and len(context):
        out.append(f"<h3>{_t('context', lang)}</h3>")
        rows = []
        notes = []
        for r in context.to_dict("records"):
            label = _e(r["label_es"] if lang == "es" else r["label"])
            measure = str(r.get("measure") or "")
            if not measure:
                if r.get("note"):
                    notes.append(f"{_e(_t(str(r['side']), lang))} – {label}: {_e(r['note'])}")
                continue
            if measure == "share":
                value = _pct(r["value"])
                shown = _t("share", lang)
            elif measure.startswith("pop_"):
                value = _int(r["value"])
                shown = f"{_t('population', lang)}: {measure[4:]}"
            else:
                value = f"{_num(r['value'])} {_interval(r.get('ci_low'), r.get('ci_high'))}"
                shown = _t(measure, lang)
            rows.append(
                [_e(_t(str(r["side"]), lang)), label, _e(shown), value, _e(r.get("source", ""))]
            )
        out.append(
            _table(
                [
                    _t("side", lang),
                    _t("group", lang),
                    _t("measure", lang),
                    _t("value", lang),
                    _t("source", lang),
                ],
                rows,
                "context",
            )
        )
        if notes:
            out.append("<ul>" + "".join(f"<li>{n}</li>" for n in notes) + "</ul>")
    return out


def _comparison(comparison: Mapping | None, lang: str, lvl: str) -> list[str]:
    """What is compared across the border and what is not, with the pooled indices."""
    out: list[str] = []
    if comparison is not None:
        suffix = "_es" if lang == "es" else ""
        compared = comparison.get(f"compared{suffix}", [])
        not_comp = comparison.get(f"not_comparable{suffix}", [])
        out.append(f"<h3>{_t('compared', lang)}</h3>")
        out.append(
            "<ul class='compared'>" + "".join(f"<li>{_e(s)}</li>" for s in compared) + "</ul>"
        )
        out.append(f"<h3>{_t('not_comparable', lang)}</h3>")
        out.append(
            "<ul class='not-comparable'>" + "".join(f"<li>{_e(s)}</li>" for s in not_comp) + "</ul>"
        )
        pooled = comparison.get("pooled")
        if pooled is not None and len(pooled):
            ok = pooled[pooled["status"] == "ok"]
            out.append(f"<h4>{_t('pooled', lang)}</h4>")
            out.append(
                _table(
                    [_t("index", lang), _t("value", lang), _t("ci", lang, level=lvl)],
                    [
                        [
                            _e(_t(str(r["index"]), lang)),
                            _num(r["value"]),
                            _interval(r.get("ci_low"), r.get("ci_high")),
                        ]
                        for r in ok.to_dict("records")
                    ],
                    "pooled",
                )
            )
    return out


def groups_section(
    *,
    profile: pd.DataFrame,
    lang: str = "en",
    region: str = "",
    multiscalar: pd.DataFrame | None = None,
    iter_composition: pd.DataFrame | None = None,
    context: pd.DataFrame | None = None,
    comparison: Mapping | None = None,
    indices: tuple[str, ...] = ("dissimilarity", "isolation"),
) -> str:
    """The report section on named groups, as an HTML fragment.

    Parameters
    ----------
    profile
        :func:`binational.concentration.named.named_group_profile` table.
    lang
        ``"en"`` or ``"es"``.
    region
        Region preset name (for the fetch command shown when RESAGEBURB is missing).
    multiscalar
        :func:`binational.concentration.multiscalar.multiscalar_profile` rows, or None.
    iter_composition
        :func:`binational.io.mx_census.iter_composition` frame, or None.
    context
        :func:`binational.concentration.named.socioeconomic_context` frame, or None.
    comparison
        :func:`binational.concentration.named.binational_comparison` result, or None.
    indices
        Single-group indices shown in the group table.

    Returns
    -------
    str
        ``<section class="groups">…</section>``.
    """
    check_lang(lang)
    level = profile.attrs.get("level", 0.95)
    lvl = f"{100 * float(level):g}"
    out = [f"<section class='groups' lang='{_e(lang)}'>", f"<h2>{_t('title', lang)}</h2>"]
    out.append(f"<p>{_t('intro', lang, level=lvl)}</p>")
    out += _single_groups(profile, lang, lvl, region, indices)
    out += _multigroup(profile, lang)
    out += _multiscalar(multiscalar, profile, lang)
    out += _iter(iter_composition, lang)
    out += _context(context, lang)
    out += _comparison(comparison, lang, lvl)
    out.append("</section>")
    return "\n".join(out)
