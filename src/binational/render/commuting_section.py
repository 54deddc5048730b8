"""Report section "Daily cross-border commuting" / "Traslados transfronterizos diarios".

:func:`commuting_section` turns precomputed results (a
:class:`binational.commuting.CommutingResult`, optionally a scenario from
:func:`binational.commuting.scenario.run_scenario` and person-hours from
:func:`binational.commuting.timetax.person_hours_waiting`) into an HTML fragment. It runs no
analysis and reads no file; every string that comes from data is escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import RenderError

__all__ = ["LABELS", "commuting_section"]

LABELS = {
    "en": {
        "title": "Daily cross-border commuting",
        "intro": (
            "Northbound trips of Tijuana residents to San Diego County by port of entry and "
            "lane, from the SANDAG 2017 cross-border survey, and a port × lane choice model "
            "fitted to them (multinomial logit over destination, port and lane; travel times "
            "{method}). Predicted shares are held out: each period is predicted by parameters "
            "fitted without its trips."
        ),
        "observed": "Observed trips per day by purpose, port and lane (columns: period of arrival)",
        "total": "All day",
        "pedestrians": (
            "Pedestrians, not fitted (the survey has vehicles only): port shares predicted from "
            "the walk to the port (units within {walk} min on foot) and the pedestrian wait, "
            "with the vehicle model's value of a minute, against the pedestrians BTS counted in "
            "{year}"
        ),
        "ped_count": "Pedestrians (BTS)",
        "ped_pred": "Predicted (walk + wait)",
        "all_lanes": "All lanes",
        "heldout": "Held-out error by period: largest difference between predicted and observed "
        "shares, percentage points (target for work trips: 5)",
        "port_err": "Ports (pp)",
        "lane_err": "Lanes (pp)",
        "scen_waits": "Scenario waits at {hour:02d}:00 with the queue response (minutes)",
        "wait_base": "Base wait",
        "wait_scen": "Scenario wait",
        "fitted_note": (
            "Fitted: vehicle trips (general, Ready Lane, SENTRI) at San Ysidro and Otay Mesa, "
            "from the survey. Not fitted: pedestrian lanes (the survey covers vehicles only); "
            "they are checked against BTS counts below."
        ),
        "by_hour": "Observed trips per day by hour of arrival at the border (all purposes)",
        "params": "Fitted parameters (maximum likelihood, all periods)",
        "fit": "Held-out fit: observed and predicted shares",
        "tax": "The border's time tax (minutes the wait adds to a trip), hour {hour}",
        "tax_map": "Time tax by census unit",
        "person_hours": "Person-hours spent waiting per day (observed volumes × waits, 2017)",
        "scenario": "Scenario: {name}",
        "purpose": "Purpose",
        "period": "Period",
        "port": "Port",
        "lane": "Lane",
        "hour": "Hour",
        "trips": "Trips",
        "parameter": "Parameter",
        "estimate": "Estimate",
        "se": "Std. error",
        "observed_share": "Observed",
        "predicted_share": "Predicted (held out)",
        "error_pp": "Error (pp)",
        "side": "Side",
        "mean_tax": "Mean time tax (min)",
        "mean_expected": "Mean crossing time (min)",
        "direction": "Direction",
        "persons": "Persons per day",
        "ph": "Person-hours waiting",
        "mean_wait": "Mean wait (min)",
        "base": "Base",
        "scen": "Scenario",
        "change": "Change (pp)",
        "fixed": "fixed",
        "sources": "Sources",
        "MX": "Mexico (origins)",
        "US": "United States (destinations)",
        "purposes": {"HBW": "Work", "HBO": "Other", "HBS": "Shopping"},
        "periods": {
            "am_peak": "AM peak (05–09)",
            "midday": "Midday (09–15)",
            "pm_peak": "PM peak (15–19)",
            "night": "Evening and night (19–05)",
        },
        "lanes": {
            "general": "General",
            "ready": "Ready Lane",
            "sentri": "SENTRI",
            "pedestrian": "Pedestrian",
            "pedestrian_ready": "Pedestrian Ready Lane",
        },
    },
    "es": {
        "title": "Traslados transfronterizos diarios",
        "intro": (
            "Viajes hacia el norte de residentes de Tijuana al condado de San Diego por garita "
            "y carril, según la encuesta transfronteriza 2017 de SANDAG, y un modelo de elección "
            "de garita × carril ajustado a ellos (logit multinomial sobre destino, garita y "
            "carril; tiempos de viaje {method}). Las proporciones predichas son fuera de "
            "muestra: cada periodo se predice con parámetros ajustados sin sus viajes."
        ),
        "observed": "Viajes observados por día según propósito, garita y carril (columnas: periodo "
        "de llegada)",
        "total": "Todo el día",
        "pedestrians": (
            "Peatones, no ajustado (la encuesta solo cubre vehículos): proporciones por garita "
            "predichas con la caminata a la garita (unidades a {walk} min a pie o menos) y la "
            "espera peatonal, con el valor del minuto del modelo de vehículos, frente a los "
            "peatones que contó BTS en {year}"
        ),
        "ped_count": "Peatones (BTS)",
        "ped_pred": "Predicha (caminata + espera)",
        "all_lanes": "Todos los carriles",
        "heldout": "Error fuera de muestra por periodo: mayor diferencia entre proporciones "
        "predichas y observadas, puntos porcentuales (meta para viajes al trabajo: 5)",
        "port_err": "Garitas (pp)",
        "lane_err": "Carriles (pp)",
        "scen_waits": "Esperas del escenario a las {hour:02d}:00 con respuesta de las filas "
        "(minutos)",
        "wait_base": "Espera base",
        "wait_scen": "Espera del escenario",
        "fitted_note": (
            "Ajustado: viajes en vehículo (general, Ready Lane, SENTRI) por San Ysidro y Otay "
            "Mesa, de la encuesta. No ajustado: carriles peatonales (la encuesta solo cubre "
            "vehículos); se contrastan con los conteos de BTS más abajo."
        ),
        "by_hour": "Viajes observados por día según hora de llegada a la garita (todos los propósitos)",
        "params": "Parámetros ajustados (máxima verosimilitud, todos los periodos)",
        "fit": "Ajuste fuera de muestra: proporciones observadas y predichas",
        "tax": "El impuesto de tiempo de la frontera (minutos que la espera añade a un viaje), hora {hour}",
        "tax_map": "Impuesto de tiempo por unidad censal",
        "person_hours": "Horas-persona de espera por día (volúmenes observados × esperas, 2017)",
        "scenario": "Escenario: {name}",
        "purpose": "Propósito",
        "period": "Periodo",
        "port": "Garita",
        "lane": "Carril",
        "hour": "Hora",
        "trips": "Viajes",
        "parameter": "Parámetro",
        "estimate": "Estimación",
        "se": "Error estándar",
        "observed_share": "Observada",
        "predicted_share": "Predicha (fuera de muestra)",
        "error_pp": "Error (pp)",
        "side": "Lado",
        "mean_tax": "Impuesto de tiempo medio (min)",
        "mean_expected": "Tiempo de cruce medio (min)",
        "direction": "Sentido",
        "persons": "Personas por día",
        "ph": "Horas-persona de espera",
        "mean_wait": "Espera media (min)",
        "base": "Base",
        "scen": "Escenario",
        "change": "Cambio (pp)",
        "fixed": "fijo",
        "sources": "Fuentes",
        "MX": "México (orígenes)",
        "US": "Estados Unidos (destinos)",
        "purposes": {"HBW": "Trabajo", "HBO": "Otros", "HBS": "Compras"},
        "periods": {
            "am_peak": "Hora pico matutina (05–09)",
            "midday": "Mediodía (09–15)",
            "pm_peak": "Hora pico vespertina (15–19)",
            "night": "Tarde-noche y madrugada (19–05)",
        },
        "lanes": {
            "general": "General",
            "ready": "Ready Lane",
            "sentri": "SENTRI",
            "pedestrian": "Peatonal",
            "pedestrian_ready": "Peatonal Ready Lane",
        },
    },
}
_METHOD = {
    "en": {"network": "on the road network", "straight-line": "straight-line (no road network)"},
    "es": {"network": "en la red vial", "straight-line": "en línea recta (sin red vial)"},
}


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _num(value, lang: str, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    text = f"{float(value):,.{digits}f}"
    if lang == "es":  # 12,345.6 → 12 345,6 (Spanish convention)
        text = text.replace(",", " ").replace(".", ",")
    return text


def _pct(value, lang: str) -> str:
    return _num(100 * float(value), lang, 1) + " %"


def _table(headers: list[str], rows: list[list[str]], caption: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return (
        f'<table class="commuting"><caption>{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _observed_pivot(obs, t, lang, port, lane, purpose, period) -> str:
    """Observed trips: one row per purpose × port × lane (and per purpose, all lanes), one
    column per period plus the day."""
    table = obs.pivot_table(
        index=["purpose", "port_code", "lane"],
        columns="period",
        values="trips",
        aggfunc="sum",
        fill_value=0.0,
        sort=False,
    )
    order = [p for p in t["periods"] if p in table.columns]
    table = table[order + [c for c in table.columns if c not in order]]
    lane_order = list(t["lanes"])
    rows = []
    for pu in sorted(table.index.get_level_values(0).unique()):
        sub = table.loc[pu]
        keys = sorted(
            sub.index,
            key=lambda x: (int(x[0]), lane_order.index(x[1]) if x[1] in lane_order else 99),
        )
        for pc, ln in keys:
            v = sub.loc[(pc, ln)].to_numpy(dtype=float)
            rows.append(
                [purpose(pu), port(pc), lane(ln)]
                + [_num(x, lang) for x in v]
                + [_num(v.sum(), lang)]
            )
        tot = sub.sum(axis=0).to_numpy(dtype=float)
        rows.append(
            [purpose(pu), "", f"<b>{_e(t['all_lanes'])}</b>"]
            + [f"<b>{_num(x, lang)}</b>" for x in tot]
            + [f"<b>{_num(tot.sum(), lang)}</b>"]
        )
    heads = (
        [t["purpose"], t["port"], t["lane"]]
        + [t["periods"].get(c, c) for c in table.columns]
        + [t["total"]]
    )
    return _table(heads, rows, t["observed"])


def _heldout_table(heldout: pd.DataFrame | None, t, lang, period) -> str:
    if heldout is None or not len(heldout):
        return ""
    rows = []
    for pu in [p for p in t["purposes"] if p in set(heldout["purpose"])]:
        for r in heldout[heldout["purpose"] == pu].itertuples(index=False):
            rows.append(
                [
                    _e(t["purposes"].get(pu, pu)),
                    period(r.period),
                    _num(r.port_max_pp, lang, 1),
                    _num(r.lane_max_pp, lang, 1),
                ]
            )
    return _table([t["purpose"], t["period"], t["port_err"], t["lane_err"]], rows, t["heldout"])


@dataclass(frozen=True)
class _Fmt:
    """Language, labels and port names of one rendering, with the cell formatters."""

    lang: str
    t: Mapping
    names: Mapping[int, str]

    def port(self, c) -> str:
        return _e(self.names.get(int(c), str(c)))

    def lane(self, x) -> str:
        return _e(self.t["lanes"].get(x, x))

    def purpose(self, x) -> str:
        return _e(self.t["purposes"].get(x, x))

    def period(self, x) -> str:
        return _e(self.t["periods"].get(x, x))


def commuting_section(
    result,
    *,
    lang: str = "en",
    scenario: Mapping[str, pd.DataFrame] | None = None,
    scenario_name: str | None = None,
    person_hours: pd.DataFrame | None = None,
    pedestrians: pd.DataFrame | None = None,
    heldout: pd.DataFrame | None = None,
    time_tax_png: bytes | None = None,
    port_names: Mapping[int, str] | None = None,
) -> str:
    """HTML fragment of the "Daily cross-border commuting" section.

    Parameters
    ----------
    result
        A :class:`binational.commuting.CommutingResult` (its ``observed``, ``fit_table``,
        ``parameters``, ``units``, ``params`` and ``method`` are shown).
    lang
        ``"en"`` or ``"es"``.
    scenario
        Output of :func:`binational.commuting.scenario.run_scenario` (``shares``, ``summary``).
    scenario_name
        Label of the scenario (default: its ``scenario`` column).
    person_hours
        :func:`binational.commuting.timetax.person_hours_waiting` output.
    pedestrians
        :func:`binational.commuting.pedestrian_check` output (not fitted: a check).
    heldout
        Held-out errors per purpose and period (:func:`binational.commuting.heldout_errors`
        of each purpose, stacked; ``binational.pipeline.commuting_results`` computes them);
        None leaves the table out.
    time_tax_png
        A rendered time-tax map (PNG bytes), embedded as a data URI.
    port_names
        Port code → display name (default: the names in ``result.fit_table``).

    Returns
    -------
    str
        ``<section id="commuting">…</section>``; every data string escaped.
    """
    if lang not in LABELS:
        raise RenderError(f"lang {lang!r}: use one of {sorted(LABELS)}")
    t = LABELS[lang]
    ft = result.fit_table
    names = dict(port_names or {})
    if "port_name" in ft.columns:
        for c, n in zip(ft["port_code"], ft["port_name"], strict=True):
            names.setdefault(int(c), str(n))
    f = _Fmt(lang=lang, t=t, names=names)
    parts = [f'<section id="commuting" lang="{_e(lang)}"><h2>{_e(t["title"])}</h2>']
    method = _METHOD[lang].get(result.method, result.method)
    parts.append(f"<p>{_e(t['intro'].format(method=method))}</p>")
    parts += _observed_parts(result, f)
    parts += _fit_parts(result, f)
    parts.append(_heldout_table(heldout, t, lang, f.period))
    parts += _time_tax_parts(result, f, time_tax_png)
    parts += _person_hours_parts(person_hours, f)
    parts += _pedestrian_parts(pedestrians, f)
    if scenario is not None:
        parts += _scenario_parts(result, scenario, scenario_name, f)
    parts += _sources_parts(result, t)
    parts.append("</section>")
    return "".join(parts)


def _observed_parts(result, f: _Fmt) -> list[str]:
    """Observed trips: purpose × port × lane rows with periods as columns, then by hour."""
    t, lang = f.t, f.lang
    obs = result.observed
    parts = [f"<p>{_e(t['fitted_note'])}</p>"]
    parts.append(_observed_pivot(obs, t, lang, f.port, f.lane, f.purpose, f.period))
    hourly = obs.pivot_table(
        index="hour", columns=["port_code", "lane"], values="trips", aggfunc="sum", fill_value=0
    )
    heads = [t["hour"]] + [
        f"{f.names.get(int(p), p)} – {t['lanes'].get(ln, ln)}" for p, ln in hourly.columns
    ]
    rows = [
        [f"{int(h):02d}:00"] + [_num(v, lang) for v in hourly.loc[h].to_numpy()]
        for h in hourly.index
    ]
    parts.append(_table(heads, rows, t["by_hour"]))
    return parts


def _fit_parts(result, f: _Fmt) -> list[str]:
    """The fitted parameters, then the held-out fit per purpose, period, port and lane."""
    t, lang = f.t, f.lang
    rows = [
        [
            f.purpose(r.purpose),
            _e(r.parameter),
            _num(r.estimate, lang, 4),
            _e(t["fixed"]) if bool(getattr(r, "fixed", False)) else _num(r.se, lang, 4),
        ]
        for r in result.parameters.itertuples(index=False)
    ]
    parts = [_table([t["purpose"], t["parameter"], t["estimate"], t["se"]], rows, t["params"])]
    rows = [
        [
            f.purpose(r.purpose),
            f.period(r.period),
            f.port(r.port_code),
            f.lane(r.lane),
            _pct(r.observed_share, lang),
            _pct(r.predicted_share, lang),
            _num(100 * (r.predicted_share - r.observed_share), lang, 1),
        ]
        for r in result.fit_table.itertuples(index=False)
    ]
    heads = [
        t["purpose"],
        t["period"],
        t["port"],
        t["lane"],
        t["observed_share"],
        t["predicted_share"],
        t["error_pp"],
    ]
    parts.append(_table(heads, rows, t["fit"]))
    return parts


def _time_tax_parts(result, f: _Fmt, time_tax_png: bytes | None) -> list[str]:
    """Mean time tax and expected minutes per side, and the time-tax map when given."""
    t, lang = f.t, f.lang
    parts = []
    u = result.units
    if "time_tax_minutes" in u.columns:
        rows = []
        for side in ("MX", "US"):
            s = u[(u["country"] == side) & u["time_tax_minutes"].notna()]
            if s.empty:
                continue
            w = s["pop_total"].fillna(0).to_numpy(dtype=float) if "pop_total" in s else None
            w = w if w is not None and w.sum() > 0 else None
            rows.append(
                [
                    _e(t[side]),
                    _num(np.average(s["time_tax_minutes"], weights=w), lang, 1),
                    _num(np.average(s["expected_minutes"], weights=w), lang, 1),
                ]
            )
        hour = result.params.get("hour", "")
        parts.append(
            _table([t["side"], t["mean_tax"], t["mean_expected"]], rows, t["tax"].format(hour=hour))
        )
    if time_tax_png is not None:
        data = base64.b64encode(bytes(time_tax_png)).decode("ascii")
        parts.append(
            f'<figure><img alt="{_e(t["tax_map"])}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(t['tax_map'])}</figcaption></figure>"
        )
    return parts


def _person_hours_parts(person_hours: pd.DataFrame | None, f: _Fmt) -> list[str]:
    """Person-hours waiting per port and lane (nothing without them)."""
    if person_hours is None or not len(person_hours):
        return []
    t, lang = f.t, f.lang
    rows = [
        [
            f.port(r.port_code),
            f.lane(r.lane),
            _num(r.persons_per_day, lang),
            _num(r.mean_wait_minutes, lang, 1),
            _num(r.person_hours_waiting, lang),
        ]
        for r in person_hours.itertuples(index=False)
    ]
    heads = [t["port"], t["lane"], t["persons"], t["mean_wait"], t["ph"]]
    return [_table(heads, rows, t["person_hours"])]


def _pedestrian_parts(pedestrians: pd.DataFrame | None, f: _Fmt) -> list[str]:
    """The pedestrian check against the BTS counts (nothing without it)."""
    if pedestrians is None or not len(pedestrians):
        return []
    t, lang = f.t, f.lang
    r0 = pedestrians.iloc[0]
    rows = [
        [
            f.port(r.port_code),
            _num(r.observed_pedestrians, lang),
            _pct(r.observed_share, lang),
            _pct(r.predicted_share, lang),
            _num(r.error_pp, lang, 1),
        ]
        for r in pedestrians.itertuples(index=False)
    ]
    heads = [t["port"], t["ped_count"], t["observed_share"], t["ped_pred"], t["error_pp"]]
    caption = t["pedestrians"].format(year=int(r0["year"]), walk=_num(r0["max_walk_minutes"], lang))
    return [_table(heads, rows, caption)]


def _scenario_parts(result, scenario: Mapping, scenario_name: str | None, f: _Fmt) -> list[str]:
    """The scenario: shares base vs scenario, its summary and its waits at the unit hour."""
    t, lang = f.t, f.lang
    sh = scenario["shares"]
    name = scenario_name or (str(sh["scenario"].iloc[0]) if "scenario" in sh and len(sh) else "")
    rows = [
        [
            f.purpose(r.purpose),
            f.period(r.period),
            f.port(r.port_code),
            f.lane(r.lane),
            _pct(r.base_share, lang),
            _pct(r.scenario_share, lang),
            _num(r.change_pp, lang, 1),
        ]
        for r in sh.itertuples(index=False)
    ]
    heads = [t["purpose"], t["period"], t["port"], t["lane"], t["base"], t["scen"], t["change"]]
    parts = [_table(heads, rows, t["scenario"].format(name=name))]
    if "summary" in scenario:
        s = scenario["summary"].iloc[0]
        rows = [
            [
                _e(t["mean_tax"]),
                _num(s["base_mean_time_tax_minutes"], lang, 1),
                _num(s["scenario_mean_time_tax_minutes"], lang, 1),
            ],
            [
                _e(t["mean_expected"]),
                _num(s["base_mean_expected_minutes"], lang, 1),
                _num(s["scenario_mean_expected_minutes"], lang, 1),
            ],
        ]
        parts.append(_table(["", t["base"], t["scen"]], rows, t["scenario"].format(name=name)))
    if scenario.get("waits") is not None:
        hour = int(result.params.get("hour", 7))
        w = scenario["waits"]
        w = w[w["hour"] == hour]
        rows = [
            [
                f.port(r.port_code),
                f.lane(r.lane),
                _num(r.base_wait, lang, 1),
                _num(r.scenario_wait, lang, 1),
            ]
            for r in w.itertuples(index=False)
        ]
        heads = [t["port"], t["lane"], t["wait_base"], t["wait_scen"]]
        parts.append(_table(heads, rows, t["scen_waits"].format(hour=hour)))
    return parts


def _sources_parts(result, t: Mapping) -> list[str]:
    """The sources of the observed trips and of the waits, as a folded list."""
    srcs = sorted(
        {str(s) for s in result.observed.get("source", pd.Series(dtype=str))}
        | {str(s) for s in result.waits.get("source", pd.Series(dtype=str))}
    )
    if not srcs:
        return []
    items = "".join(f"<li>{_e(s)}</li>" for s in srcs)
    return [f"<details><summary>{_e(t['sources'])}</summary><ul>{items}</ul></details>"]
