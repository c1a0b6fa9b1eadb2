"""Model checking and comparison: ``loo``, ``waic``, ``loo_compare`` and ``bayes_R2``.

As brms 2.18 with the loo package: PSIS-LOO smooths the importance weights with ArviZ's
``psislw``, using loo's relative efficiency of each observation (``relative_eff(exp(log_lik),
chain_id)``, which only sets the length of the Pareto tail); WAIC is ``lpd - p_waic`` with
``p_waic`` the variance of the log likelihood; standard errors are ``sqrt(N * var(pointwise))``;
``loo_compare`` ranks models by elpd with ``se_diff = sqrt(N) * sd(elpd_i - elpd_best_i)``.
The Pareto k diagnostics use loo >= 2.6's sample-size dependent threshold
``min(1 - 1 / log10(S), 0.7)`` (loo 2.5 used fixed cut-offs at 0.5 and 0.7).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from brmsjax.backend.infer.diagnostics import r_number
from brmsjax.core import FitLike
from brmsjax.formula.errors import BrmsjaxError, ModelError
from brmsjax.methods.predictions import log_lik

__all__ = [
    "ComparisonError",
    "Loo",
    "LooCompare",
    "ess_ratio",
    "fit_waic",
    "k_threshold",
    "loo",
    "loo_compare",
    "psis_loo",
    "psis_smooth",
    "waic",
]

_K_LABELS = ("(good)", "(bad)", "(very bad)")
_K_HELP = "See help('pareto-k-diagnostic') for details."


class ComparisonError(BrmsjaxError, ValueError):
    """Models cannot be compared (different data, unknown criterion)."""


def _fr(values: np.ndarray, digits: int = 1) -> list[str]:
    """R's ``format(round(x, digits), nsmall = digits)`` of a vector or matrix (common width)."""
    text = [f"{round(float(v), digits) + 0.0:.{digits}f}" for v in values]
    width = max(len(t) for t in text)
    return [t.rjust(width) for t in text]


def _table(rows: Sequence[str], columns: dict[str, list[str]], right: bool) -> str:
    """A character matrix as R prints it with ``quote = FALSE``."""
    rw = max(len(r) for r in rows)
    widths = {c: max(len(c), *(len(v) for v in vals)) for c, vals in columns.items()}

    def cell(text: str, width: int) -> str:
        return text.rjust(width) if right else text.ljust(width)

    lines = [" ".join([" " * rw, *(cell(c, widths[c]) for c in columns)])]
    for i, r in enumerate(rows):
        lines.append(" ".join([r.ljust(rw), *(cell(v[i], widths[c]) for c, v in columns.items())]))
    return "\n".join(lines)


def _next_good_size(n: int) -> int:
    """loo's ``fft_next_good_size``: the smallest ``m >= n`` with only factors 2, 3 and 5."""
    if n <= 2:
        return 2
    while True:
        m = n
        for f in (2, 3, 5):
            while m % f == 0:
                m //= f
        if m <= 1:
            return n
        n += 1


def _ess_rfun(acov: np.ndarray, chain_mean: np.ndarray, n: int) -> float:
    """loo's ``ess_rfun`` from per-chain autocovariances ``(lags, chains)`` (Geyer's initial
    positive and monotone sequences)."""
    chains = acov.shape[1]
    mean_var = acov[0].mean() * n / (n - 1)
    var_plus = mean_var * (n - 1) / n
    if chains > 1:
        var_plus += np.var(chain_mean, ddof=1)
    rho = np.zeros(n)
    rho[0] = even = 1.0
    rho[1] = odd = 1 - (mean_var - acov[1].mean()) / var_plus
    t = 0
    while t < n - 5 and not np.isnan(even + odd) and even + odd > 0:
        t += 2
        even = 1 - (mean_var - acov[t].mean()) / var_plus
        odd = 1 - (mean_var - acov[t + 1].mean()) / var_plus
        if even + odd >= 0:
            rho[t], rho[t + 1] = even, odd
    max_t = t
    if even > 0:
        rho[max_t] = even
    t = 0
    while t <= max_t - 4:
        t += 2
        if rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]:
            rho[t] = rho[t + 1] = (rho[t - 2] + rho[t - 1]) / 2
    ess = chains * n
    tau = -1 + 2 * rho[:max_t].sum() + rho[max_t]
    return float(ess / max(tau, 1 / np.log10(ess)))


def ess_ratio(x: np.ndarray, nchains: int) -> np.ndarray:
    """rstan's classic ESS (not rank-normalized, chains not split) over the number of draws, of
    each column of ``x`` ``(draws, columns)``, as loo's ``ess_rfun`` computes it.

    Draws are rows in chain order, ``S / nchains`` per chain.
    """
    S, N = x.shape
    n = S // nchains
    x = np.asarray(x, dtype=np.float64).reshape(nchains, n, N)
    m = _next_good_size(n)
    yc = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(yc, n=2 * m, axis=1)
    acov = np.fft.irfft(f * np.conj(f), n=2 * m, axis=1)[:, :n] * (2 * m) / (n * n * 2)
    chain_mean = x.mean(axis=1)
    return np.array([_ess_rfun(acov[:, :, i].T, chain_mean[:, i], n) for i in range(N)]) / S


def relative_eff(log_lik: np.ndarray, nchains: int) -> np.ndarray:
    """loo's ``relative_eff(exp(log_lik), chain_id)``: ESS / S of each observation's likelihood."""
    return ess_ratio(np.exp(log_lik), nchains)


@dataclass(frozen=True)
class Loo:
    """A PSIS-LOO or WAIC result, printed as the loo package prints it.

    Attributes
    ----------
    criterion
        ``"loo"`` or ``"waic"``.
    estimates
        Rows ``elpd_<c>``, ``p_<c>``, ``<c>ic`` (``waic``), columns ``Estimate`` and ``SE``.
    pointwise
        One row per observation: ``elpd``, ``p`` and, for LOO, ``mcse_elpd``, ``pareto_k``
        and ``n_eff``.
    dims
        ``(draws, observations)`` of the log-likelihood matrix.
    """

    criterion: str
    estimates: pd.DataFrame
    pointwise: pd.DataFrame
    dims: tuple[int, int]

    @property
    def elpd(self) -> float:
        """Expected log pointwise predictive density."""
        return float(self.estimates["Estimate"].iloc[0])

    @property
    def pareto_k(self) -> np.ndarray:
        """Pareto shape estimate per observation (LOO only)."""
        return self.pointwise["pareto_k"].to_numpy()

    def __getattr__(self, name: str) -> float:
        """The loo object's fields by R's names: ``elpd_loo``, ``p_loo``, ``looic`` and their
        ``se_`` versions (``elpd_waic``, ``p_waic``, ``waic``, ... for WAIC)."""
        if name.startswith("__") or "estimates" not in self.__dict__:
            raise AttributeError(name)
        se = name.startswith("se_")
        row = name[3:] if se else name
        if row in self.estimates.index:
            return float(self.estimates["SE" if se else "Estimate"][row])
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def __str__(self) -> str:
        est = self.estimates
        head = f"Computed from {self.dims[0]} by {self.dims[1]} log-likelihood matrix\n\n" + _table(
            list(est.index),
            {"Estimate": _fr(est["Estimate"].to_numpy()), "SE": _fr(est["SE"].to_numpy())},
            right=True,
        )
        if self.criterion == "waic":
            p = self.pointwise["p"].to_numpy()
            n_big = int((p > 0.4).sum())
            if n_big:
                pct = _fr(np.array([100 * n_big / len(p)]))[0].strip()
                head += (
                    f"\n\n{n_big} ({pct}%) p_waic estimates greater than 0.4. We "
                    "recommend trying loo instead."
                )
            return head
        return head + "\n------\n" + self._k_text()

    def __repr__(self) -> str:
        return str(self)

    def _k_text(self) -> str:
        k = self.pareto_k
        threshold = k_threshold(self.dims[0])
        mcse = (
            "NA"
            if (k > threshold).any()
            else _fr(np.array([np.sqrt(np.sum(self.pointwise["mcse_elpd"] ** 2))]))[0].strip()
        )
        out = f"Monte Carlo SE of elpd_loo is {mcse}.\n"
        bins = np.digitize(k, [threshold, 1.0], right=True)
        counts = np.bincount(bins, minlength=3)
        cut = r_number(round(threshold, 2))
        if counts[1:].sum() == 0:
            return out + f"\nAll Pareto k estimates are good (k < {cut}).\n{_K_HELP}"
        n_eff = self.pointwise["n_eff"].to_numpy()
        mins = [
            str(int(np.round(n_eff[bins == b].min()))) if counts[b] else "<NA>" for b in range(3)
        ]
        labels = (f"(-Inf, {cut}]", f"({cut}, 1]", "(1, Inf)")
        rows = [r.rjust(max(map(len, labels))) for r in labels]
        cols = {
            " ": [""] * 3,
            "  ": list(_K_LABELS),
            "Count": [str(c).rjust(len(str(counts.max()))) for c in counts],
            "Pct.   ": [f"{v}%" for v in _fr(100 * counts / len(k))],
            "Min. ESS": mins,
        }
        out += "\nPareto k diagnostic values:\n" + _table(rows, cols, right=False)
        return out + "\n" + _K_HELP


def k_threshold(draws: int) -> float:
    """loo >= 2.6's Pareto k threshold for ``draws`` draws: ``min(1 - 1 / log10(S), 0.7)``.

    Below it PSIS estimates are reliable; with fewer than about 2,200 draws it is below 0.7.
    """
    return min(1 - 1 / np.log10(draws), 0.7)


def _estimates(criterion: str, elpd_i: np.ndarray, p_i: np.ndarray) -> pd.DataFrame:
    n = len(elpd_i)
    rows = [elpd_i, p_i, -2 * elpd_i]
    est = [float(x.sum()) for x in rows]
    se = [float(np.sqrt(n * np.var(x, ddof=1))) if n > 1 else np.nan for x in rows]
    ic = "looic" if criterion == "loo" else "waic"
    return pd.DataFrame(
        {"Estimate": est, "SE": se}, index=[f"elpd_{criterion}", f"p_{criterion}", ic]
    )


def psis_smooth(log_lik: np.ndarray, r_eff: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """loo's ``psis(-log_lik, r_eff)``: normalized log weights ``(observations, draws)`` and k.

    ``r_eff`` (one per observation, or a scalar) sets the Pareto tail length
    ``ceil(min(0.2 S, 3 sqrt(S / r_eff)))``; observations with equal tail lengths are smoothed
    in one call of ArviZ's ``psislw``.
    """
    from brmsjax.backend.infer.diagnostics import import_arviz

    az = import_arviz()
    S, N = log_lik.shape
    reff = np.broadcast_to(np.asarray(r_eff, dtype=np.float64), (N,))
    tail = np.ceil(np.minimum(S / 5.0, 3 * np.sqrt(S / reff))).astype(int)
    lw = np.empty((N, S))
    k = np.empty(N)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in np.unique(tail):
            cols = np.flatnonzero(tail == t)
            w, kk = az.psislw(-log_lik[:, cols].T, reff=float(reff[cols[0]]))
            lw[cols], k[cols] = np.asarray(w), np.asarray(kk)
    return lw, k


def psis_loo(log_lik: np.ndarray, r_eff: np.ndarray | float) -> Loo:
    """PSIS-LOO of a ``(draws, observations)`` log-likelihood matrix (loo's ``loo.matrix``).

    ``r_eff`` is one relative efficiency per observation, or a scalar (:func:`psis_smooth`).
    """
    S, N = log_lik.shape
    reff = np.broadcast_to(np.asarray(r_eff, dtype=np.float64), (N,))
    lw, k = psis_smooth(log_lik, reff)
    elpd_i = logsumexp(lw + log_lik.T, axis=1)
    lpd_i = logsumexp(log_lik, axis=0) - np.log(S)
    w2 = np.exp(2 * lw)
    n_eff = reff / w2.sum(axis=1)
    epd = np.exp(elpd_i)
    sd_epd = np.sqrt(np.sum(w2 * (np.exp(log_lik.T) - epd[:, None]) ** 2, axis=1))
    from scipy.stats import norm  # scipy.stats takes a second to import; load it on use

    zn = norm.ppf((np.arange(1, 1001) - 3 / 8) / (1000 - 2 * 3 / 8 + 1))
    z = epd[:, None] + sd_epd[:, None] * zn[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        var_elpd = np.array([np.var(np.log(zi[zi > 0]), ddof=1) for zi in z])
    pointwise = pd.DataFrame(
        {
            "elpd": elpd_i,
            "p": lpd_i - elpd_i,
            "mcse_elpd": np.sqrt(var_elpd / reff),
            "pareto_k": k,
            "n_eff": n_eff,
        }
    )
    return Loo("loo", _estimates("loo", elpd_i, lpd_i - elpd_i), pointwise, (S, N))


def waic(log_lik: np.ndarray) -> Loo:
    """WAIC of a ``(draws, observations)`` log-likelihood matrix (loo's ``waic.matrix``)."""
    S, N = log_lik.shape
    lpd_i = logsumexp(log_lik, axis=0) - np.log(S)
    p_i = np.var(log_lik, axis=0, ddof=1)
    elpd_i = lpd_i - p_i
    pointwise = pd.DataFrame({"elpd": elpd_i, "p": p_i})
    return Loo("waic", _estimates("waic", elpd_i, p_i), pointwise, (S, N))


@dataclass(frozen=True)
class LooCompare:
    """brms's ``loo_compare``: models ranked by elpd, printed as ``elpd_diff se_diff``.

    Attributes
    ----------
    table
        One row per model (best first), columns ``elpd_diff se_diff elpd_<c> se_elpd_<c>
        p_<c> se_p_<c> <c>ic se_<c>ic``.
    """

    table: pd.DataFrame

    def __str__(self) -> str:
        t = self.table
        both = _fr(np.concatenate([t["elpd_diff"].to_numpy(), t["se_diff"].to_numpy()]))
        cols = {"elpd_diff": both[: len(t)], "se_diff": both[len(t) :]}
        return _table([str(i) for i in t.index], cols, right=False)

    def __repr__(self) -> str:
        return str(self)


def _caller_names(objs: Sequence[Any], depth: int) -> list[str]:
    """Names the caller's variables give ``objs`` (brms deparses the arguments), else
    ``model1``, ``model2``, ..."""
    frame = inspect.currentframe()
    for _ in range(depth):
        frame = frame.f_back if frame is not None else None
    scope = {} if frame is None else {**frame.f_globals, **frame.f_locals}
    del frame
    out = []
    for i, obj in enumerate(objs, 1):
        name = next((k for k, v in scope.items() if v is obj and not k.startswith("_")), None)
        out.append(name or f"model{i}")
    return out


def loo_compare(*fits: Any, criterion: str = "loo", **named: Any) -> LooCompare:
    """Compare fits (or their :class:`Loo` results) by expected log predictive density.

    Parameters
    ----------
    *fits
        Fits or :class:`Loo` results; they are named by the caller's variable names.
    criterion
        ``"loo"`` or ``"waic"`` (for fits; a :class:`Loo` keeps its own).
    **named
        Fits or results named by keyword.

    Returns
    -------
    LooCompare
        The brms table; ``print`` shows ``elpd_diff`` and ``se_diff``.
    """
    if criterion not in ("loo", "waic"):
        raise ComparisonError(f"criterion must be 'loo' or 'waic', not {criterion!r}.")
    names = [*_caller_names(fits, 2), *named]
    objs = [*fits, *named.values()]
    if len(objs) < 2:
        raise ComparisonError("loo_compare needs at least two models; pass two or more fits.")
    results: list[Loo] = []
    for name, obj in zip(names, objs, strict=True):
        if isinstance(obj, Loo):
            results.append(obj)
        elif hasattr(obj, "loo"):
            results.append(obj.loo() if criterion == "loo" else obj.waic())
        else:
            raise ComparisonError(
                f"'{name}' is a {type(obj).__name__}, not a fit or a loo result; pass fits."
            )
    crits = {r.criterion for r in results}
    ns = {r.dims[1] for r in results}
    if len(crits) > 1 or len(ns) > 1:
        raise ComparisonError(
            "The models were evaluated on different criteria or numbers of observations "
            f"({sorted(ns)}); compare models fitted to the same data with one criterion."
        )
    order = np.argsort([-r.elpd for r in results], kind="stable")
    best = results[order[0]].pointwise["elpd"].to_numpy()
    c = results[0].criterion
    rows = []
    for i in order:
        r = results[i]
        diff = r.pointwise["elpd"].to_numpy() - best
        se = float(np.sqrt(len(diff)) * np.std(diff, ddof=1)) if i != order[0] else 0.0
        e = r.estimates
        rows.append(
            [
                diff.sum(),
                se,
                e.iloc[0, 0],
                e.iloc[0, 1],
                e.iloc[1, 0],
                e.iloc[1, 1],
                e.iloc[2, 0],
                e.iloc[2, 1],
            ]
        )
    ic = {"loo": "looic", "waic": "waic"}.get(c, f"{c}ic")
    columns = [
        "elpd_diff",
        "se_diff",
        f"elpd_{c}",
        f"se_elpd_{c}",
        f"p_{c}",
        f"se_p_{c}",
        ic,
        f"se_{ic}",
    ]
    return LooCompare(pd.DataFrame(rows, index=[names[i] for i in order], columns=columns))


def loo(fit: FitLike, r_eff: float | np.ndarray | None = None) -> Loo:
    """PSIS-LOO cross-validation as brms's ``loo``.

    Parameters
    ----------
    r_eff
        Relative efficiency per observation (or one number); by default loo's
        ``relative_eff`` of each observation's likelihood over the chains, as brms.

    Returns
    -------
    Loo
        Prints as brms: ``Computed from S by N log-likelihood matrix``, the
        ``elpd_loo p_loo looic`` table with SEs and the Pareto k diagnostics.
    """
    stored = (getattr(fit, "criteria", None) or {}).get("loo")
    if stored is not None and r_eff is None:  # stored by add_criterion
        return stored
    ll = _without_na(log_lik(fit))
    reff = relative_eff(ll, fit.nchains) if r_eff is None else r_eff
    return psis_loo(ll, reff)


def _without_na(ll: np.ndarray) -> np.ndarray:
    """``ll``, refused as loo refuses NAs: a ``mi()`` response's missing rows have none."""
    if np.isnan(ll).any():
        raise ModelError(
            "NAs not allowed in input. The rows whose response is missing (y | mi()) have no "
            "log likelihood, as in brms; compute the criterion from the observed rows' "
            "columns of log_lik(fit)."
        )
    return ll


def fit_waic(fit: FitLike) -> Loo:
    """WAIC as brms's ``waic``: ``elpd_waic p_waic waic`` with SEs (reusing add_criterion's)."""
    stored = (getattr(fit, "criteria", None) or {}).get("waic")
    return stored if stored is not None else waic(_without_na(log_lik(fit)))
