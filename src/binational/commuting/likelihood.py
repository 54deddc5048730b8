"""The log-likelihood of the port × lane logit and its analytic gradient, set up once per fit.

:func:`binational.commuting.fit.loglik` and :func:`~binational.commuting.fit.fit_choice`
evaluate the same function many times (each BFGS step, the central-difference Hessian) on the
same design and cells. :class:`LogLikelihood` does everything that does not depend on the
parameters once, when it is built:

- the cells are grouped by what their choice probabilities depend on: ``(origin, hour)`` for the
  joint likelihood (``P(k | o, h)`` does not depend on the destination), ``(origin, destination,
  hour)`` for the conditional one; probabilities are computed once per group and the counts
  enter as ``N[g, k]`` (the cells' weights summed per group and chosen option);
- the regressors (access or access + egress, waits, capacity terms) per group and option, the
  port of each option and the sums over the chosen options that the gradient needs.

Each evaluation is then a few ``G × K`` array operations (``G`` groups, ``K`` options) plus the
destination terms ``ln D_p`` (``P × n_d``). Every sum is the one the per-cell formula takes,
regrouped, so values agree with it to rounding.
"""

from __future__ import annotations

import numpy as np

from ..errors import SchemaError
from .model import ChoiceDesign, param_names

__all__ = ["LIKELIHOODS", "LogLikelihood"]

LIKELIHOODS = ("joint", "conditional")


def _groups(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group id of each row (by the given integer keys) and the first row of each group."""
    stacked = np.column_stack([np.asarray(k, dtype=np.int64) for k in keys])
    _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    return inverse.reshape(-1), first


class LogLikelihood:
    """``theta → (log-likelihood, gradient)`` for one design, set of cells and likelihood.

    Parameters
    ----------
    design
        The choice design.
    cells
        Trip cells (:class:`~binational.commuting.fit.TripCells`).
    likelihood
        ``"joint"`` or ``"conditional"``.
    separate_wait
        ``theta`` has ``beta_drive`` and ``beta_wait`` apart.
    weights
        Cell counts (default ``cells.trips``).
    """

    def __init__(
        self,
        design: ChoiceDesign,
        cells,
        *,
        likelihood: str = "joint",
        separate_wait: bool = False,
        weights: np.ndarray | None = None,
    ) -> None:
        if likelihood not in LIKELIHOODS:
            raise SchemaError(f"likelihood {likelihood!r} must be one of {LIKELIHOODS}")
        self.joint = likelihood == "joint"
        self.separate_wait = separate_wait
        self.n_params = len(param_names(design, separate_wait=separate_wait))
        self.n_options = len(design.options)
        self.n_terms = len(design.capacity_terms)
        n = np.asarray(cells.trips if weights is None else weights, dtype=float)
        o, d, h, k = (
            np.asarray(x, dtype=np.int64)
            for x in (cells.origin, cells.dest, cells.hour, cells.option)
        )
        pidx = design.port_index
        self.pidx = pidx
        group, first = _groups(o, h) if self.joint else _groups(o, d, h)
        n_groups = len(first)
        kk = self.n_options
        counts = np.zeros((n_groups, kk))
        np.add.at(counts, (group, k), n)
        has_cell = np.zeros((n_groups, kk), dtype=bool)
        has_cell[group, k] = True
        self.counts, self.has_cell = counts, has_cell
        self.group_n = counts.sum(axis=1)  # N_g
        self.option_n = counts.sum(axis=0)  # N_k
        go, gd, gh = o[first], d[first], h[first]
        self.waits = design.waits[:, gh].T  # G × K
        self.terms = [c[:, gh].T for c in design.capacity_terms]  # each G × K
        # chosen-option sums of the regressors that do not move with theta
        self.chosen_wait = float(np.sum(n * design.waits[k, h]))
        self.chosen_terms = [float(np.sum(n * c[k, h])) for c in design.capacity_terms]
        if self.joint:
            acc = design.access[go]  # G × K
            self.acc_finite = np.isfinite(acc)
            self.acc = np.where(self.acc_finite, acc, 0.0)
            ln_size = np.log1p(np.asarray(design.size, dtype=float))
            eg = design.egress
            self.dest_finite = np.isfinite(eg) & np.isfinite(ln_size)[None, :]
            self.ln_size = np.where(self.dest_finite, ln_size[None, :], 0.0)
            self.eg = np.where(self.dest_finite, eg, 0.0)
            eg_chosen = design.egress[pidx[k], d]
            ln_s_chosen = np.log1p(np.asarray(design.size, dtype=float))[d]
            self.chosen_unreachable = bool(
                (~np.isfinite(eg_chosen)).any() or (~np.isfinite(ln_s_chosen)).any()
            )
            with np.errstate(invalid="ignore"):
                self.sum_ln_s = float(np.sum(n * ln_s_chosen))
                self.sum_eg = float(np.sum(n * eg_chosen))
                self.chosen_time = float(np.sum(n * (design.access[o, k] + eg_chosen)))
            self.port_n = np.bincount(pidx[k], weights=n, minlength=len(design.ports))
        else:
            t = design.access[go] + design.egress[pidx][:, gd].T  # G × K
            self.t_finite = np.isfinite(t)
            self.x_time = np.where(self.t_finite, t, 0.0)
            with np.errstate(invalid="ignore"):
                self.chosen_time = float(np.sum(n * self.x_time[group, k]))

    def _dest_terms(self, beta: float) -> tuple[np.ndarray, np.ndarray]:
        """``ln D_p`` and the mean egress per port (see :func:`.model._dest_terms`)."""
        z = np.where(self.dest_finite, self.ln_size + beta * self.eg, -np.inf)
        top = np.max(z, axis=1)
        top = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ln_d = np.log(np.sum(np.exp(z - top[:, None]), axis=1)) + top
            w = np.exp(z - ln_d[:, None])
            mean_e = np.where(np.isfinite(ln_d), np.sum(w * self.eg, axis=1), np.nan)
        return ln_d, mean_e

    def _probabilities(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``G × K`` probabilities, the time regressor ``∂v/∂β_drive`` and ``ln D_p`` (joint)."""
        if len(theta) != self.n_params:
            raise SchemaError(
                f"{len(theta)} parameters for {self.n_options} options (expected {self.n_params})"
            )
        b_drive = theta[0]
        b_wait = theta[1] if self.separate_wait else theta[0]
        start = 2 if self.separate_wait else 1
        gammas = theta[start : start + self.n_terms]
        alpha = np.r_[0.0, theta[start + self.n_terms :]]
        v = alpha[None, :] + b_wait * self.waits
        for g, c in zip(gammas, self.terms, strict=True):
            v = v + g * c
        ln_d = None
        if self.joint:
            ln_d, mean_e = self._dest_terms(b_drive)
            ln_dk = ln_d[self.pidx]
            ok = self.acc_finite & np.isfinite(ln_dk)[None, :]
            v = v + b_drive * self.acc + np.where(ok, ln_dk[None, :], 0.0)
            x_time = np.where(ok, self.acc + mean_e[self.pidx][None, :], 0.0)
        else:
            ok = self.t_finite
            v = v + b_drive * self.x_time
            x_time = self.x_time
        v = np.where(ok, v, -np.inf)
        top = np.max(v, axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        ev = np.exp(v - top)
        tot = ev.sum(axis=1, keepdims=True)
        prob = np.divide(ev, tot, out=np.zeros_like(ev), where=tot > 0)
        return prob, x_time, ln_d

    def __call__(self, theta) -> tuple[float, np.ndarray]:
        """Log-likelihood and gradient at ``theta`` (``-inf`` and zeros where a chosen option
        has probability 0 or a chosen destination cannot be reached)."""
        theta = np.asarray(theta, dtype=float)
        prob, x_time, ln_d = self._probabilities(theta)
        fail = -np.inf, np.zeros(len(theta))
        if (prob[self.has_cell] <= 0).any():
            return fail
        ll = float(np.sum(self.counts[self.has_cell] * np.log(prob[self.has_cell])))
        if self.joint:
            if self.chosen_unreachable:
                return fail
            # ln P(d, k | o) = ln P(k | o) + ln S_d + b e_pd - ln D_p
            used = self.port_n > 0  # a port no trip used may have no destination (ln D = -inf)
            ll += (
                self.sum_ln_s
                + theta[0] * self.sum_eg
                - float(np.sum(self.port_n[used] * ln_d[used]))
            )
        # expected regressors per group under the model, weighted by the group's trips
        wp = self.group_n[:, None] * prob
        e_time = float(np.sum(wp * x_time))
        e_wait = float(np.sum(wp * self.waits))
        if self.separate_wait:
            grads = [self.chosen_time - e_time, self.chosen_wait - e_wait]
        else:
            grads = [self.chosen_time + self.chosen_wait - e_time - e_wait]
        for chosen, c in zip(self.chosen_terms, self.terms, strict=True):
            grads.append(chosen - float(np.sum(wp * c)))
        g_alpha = (self.option_n - wp.sum(axis=0))[1:]
        return ll, np.r_[np.array(grads, dtype=float), g_alpha]

    def hessian(self, theta) -> np.ndarray:
        """Analytic Hessian of the log-likelihood at ``theta`` (``n_params × n_params``).

        ``-Σ_g N_g Cov_g(z)``: the trip-weighted covariance over options of the regressors
        ``z = ∂v/∂θ`` under the model; for the joint likelihood also the curvature of
        ``ln D_p`` in ``β_drive``, ``-Σ_g N_g Σ_k P_gk Var_p(e)`` (the variance of the egress
        minutes under the destination weights of the option's port).
        """
        theta = np.asarray(theta, dtype=float)
        prob, x_time, ln_d = self._probabilities(theta)
        regs = [x_time, self.waits] if self.separate_wait else [x_time + self.waits]
        z = np.stack(regs + self.terms, axis=2)  # G × K × m
        kk = self.n_options
        alpha = np.zeros((*prob.shape, kk - 1))
        alpha[:, np.arange(1, kk), np.arange(kk - 1)] = 1.0
        z = np.concatenate([z, alpha], axis=2)
        wp = self.group_n[:, None] * prob
        zbar = np.einsum("gk,gki->gi", prob, z)
        hess = np.einsum("g,gi,gj->ij", self.group_n, zbar, zbar) - np.einsum(
            "gk,gki,gkj->ij", wp, z, z
        )
        if self.joint:
            var_e = self._dest_variance(theta[0], ln_d)
            hess[0, 0] -= float(np.sum(wp * np.nan_to_num(var_e[self.pidx])[None, :]))
        return (hess + hess.T) / 2

    def _dest_variance(self, beta: float, ln_d: np.ndarray) -> np.ndarray:
        """Variance of the egress minutes per port under the destination weights."""
        z = np.where(self.dest_finite, self.ln_size + beta * self.eg, -np.inf)
        with np.errstate(invalid="ignore"):
            w = np.where(self.dest_finite, np.exp(z - ln_d[:, None]), 0.0)
            mean_e = np.sum(w * self.eg, axis=1)
            return np.sum(w * (self.eg - mean_e[:, None]) ** 2, axis=1)
