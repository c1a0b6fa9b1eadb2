"""Posterior predictions in JAX, streamed in chunks of draws and rows.

The prediction layer hands over the draws of the parameters (population-level coefficients per
distributional parameter, group-level effects per level, scalar dpars) and the encoded data.
One jitted function per (family, quantity) evaluates a chunk: the linear predictors
``eta = X b + offset + sum_m r[J, m] Z[:, m]``, the dpars, then the linear predictor, expected
value, a response draw or the pointwise log likelihood. Chunks have fixed shapes (the last one
is padded) so a model compiles once per chunk size, and memory stays bounded by the chunk size
plus what the caller asks for: the full ``(S, N)`` array (:func:`compute`) or per-row summaries
(:func:`summarize`, which holds only one block of rows at a time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brmsjax.backend.families.likelihood import pointwise_log_lik
from brmsjax.backend.families.mixture import Mixture
from brmsjax.backend.families.registry import INV_LINKS, Family
from brmsjax.backend.model.predictor import linear_predictors, mu_eta
from brmsjax.backend.model.terms.arcov import series_function
from brmsjax.backend.model.terms.autocor import arma_key, predict_arma
from brmsjax.backend.model.terms.cs_groups import subtract_cs
from brmsjax.backend.model.terms.fcor import fcor_draw, fcor_pointwise
from brmsjax.backend.model.terms.nlf import nlf_eta
from brmsjax.backend.model.terms.nonlinear import NonlinearPlan, nonlinear_eta
from brmsjax.backend.model.terms.spatial import sar_predict
from brmsjax.formula.errors import ModelError

__all__ = ["QUANTITIES", "GroupDraws", "PredictInputs", "compute", "summarize"]

QUANTITIES = ("linpred", "epred", "predict", "log_lik", "pp_mixture")
# Elements of one (draws x rows) chunk; intermediates are a few times this.
CHUNK_ELEMENTS = 1 << 21
_COMPILED: dict[Any, Callable[..., Any]] = {}


@dataclass(frozen=True)
class GroupDraws:
    """Group-level effects of one ID block as used for prediction.

    Attributes
    ----------
    dpars
        Distributional parameter of each column (``""`` for mu).
    r
        ``(S, L, M)`` effects per draw, level and column (new levels appended).
    J
        ``(N,)`` level index of each row.
    Z
        ``(N, M)`` predictor values.
    """

    dpars: tuple[str, ...]
    r: np.ndarray
    J: np.ndarray
    Z: np.ndarray


@dataclass(frozen=True)
class PredictInputs:
    """Parameter draws and encoded data of one prediction.

    Attributes
    ----------
    family
        The response family.
    b
        ``(S, K)`` population-level coefficients per dpar (``""`` is mu), uncentred.
    X
        ``(N, K)`` uncentred population-level matrix per dpar.
    offset
        ``(N,)`` offsets per dpar that has them.
    groups
        Group-level blocks.
    scalars
        ``(S,)`` (or ``(S, k)``) draws of the family's scalar dpars (``sigma``, ``thres``).
    fixed_dpars
        dpars fixed to constants.
    addition
        ``(N,)`` addition-term values (``trials``, ``weights``, ...).
    y
        ``(N,)`` response values (needed for ``log_lik``).
    categories
        The dpars of the non-reference categories of a categorical model (``mu2``, ...), whose
        linear predictors form mu's ``(draws, rows, ncat)`` predictor with a zero first column.
    bcs, Xcs
        ``(S, Kcs, nthres)`` category-specific effects and the ``(N, Kcs)`` category-specific
        design of an ordinal model with ``cs()`` terms (each row's thresholds are
        ``thres - Xcs @ bcs``), else None.
    arma
        An ARMA term's ``ar``/``ma`` draws ``(S, K)`` and lag structure ``lags``
        (:func:`~brmsjax.backend.model.terms.autocor.arma_data`), else None; ``y`` then holds the
        response, NaN where it is missing (drawn row by row, as brms does).
    nonlinear, C
        mu of a non-linear formula and ``(N, k)`` values of its covariates, else None.
    nlf, C_nlf
        The ``nlf()`` parameters' plans (:mod:`~brmsjax.backend.model.terms.nlf`) and the
        ``(N, k)`` covariates of each by parameter; empty without them.
    fcor
        ``fcor(M)``'s ``(N, N)`` matrix ``Mfcor`` of the fitted rows, else None: response draws
        and ``log_lik`` then take all rows at once (:mod:`~brmsjax.backend.model.terms.fcor`);
        an empty ``(0, 0)`` array marks new data, for which they are refused.
    sar
        ``sar()``'s ``(N, N)`` ``Msar`` of the fitted rows, else None (``scalars`` then hold the
        ``lagsar``/``errorsar`` draws); every quantity takes all rows at once.
    cosy
        A ``cosy()`` term's draws ``rho`` ``(S,)`` and the fitted rows' ``series``
        (:mod:`~brmsjax.backend.model.terms.cosy`; empty for new data, refused as for fcor);
        for ``ar(cov = TRUE)`` its draws ``ar``/``ma`` ``(S, 1)`` and the series' data
        (:func:`~brmsjax.backend.model.terms.arcov.arcov_data`) instead of ``rho``.
    """

    family: Family
    b: Mapping[str, np.ndarray]
    X: Mapping[str, np.ndarray]
    offset: Mapping[str, np.ndarray] = field(default_factory=dict)
    groups: tuple[GroupDraws, ...] = ()
    scalars: Mapping[str, np.ndarray] = field(default_factory=dict)
    fixed_dpars: Mapping[str, float] = field(default_factory=dict)
    addition: Mapping[str, np.ndarray] = field(default_factory=dict)
    y: np.ndarray | None = None
    categories: tuple[str, ...] = ()
    bcs: np.ndarray | None = None
    Xcs: np.ndarray | None = None
    arma: Mapping[str, Any] | None = None
    nonlinear: NonlinearPlan | None = None
    C: np.ndarray | None = None
    nlf: tuple[Any, ...] = ()
    C_nlf: Mapping[str, np.ndarray] = field(default_factory=dict)
    fcor: np.ndarray | None = None
    sar: np.ndarray | None = None
    cosy: Mapping[str, np.ndarray] | None = None

    @property
    def S(self) -> int:
        """Number of draws."""
        return int(next(iter(self.b.values())).shape[0])

    @property
    def N(self) -> int:
        """Number of rows."""
        return int(next(iter(self.X.values())).shape[0])

    def draw_part(self, rows: np.ndarray, effects: Sequence[np.ndarray]) -> dict[str, Any]:
        """The draw-indexed arrays at draw indices ``rows``; ``effects`` are the groups'
        effects as ``(M, S, L)`` arrays (one contiguous ``(S, L)`` slab per column)."""
        out = {
            "b": {k: v[rows] for k, v in self.b.items()},
            "r": [r[:, rows] for r in effects],
            "scalars": {k: v[rows] for k, v in self.scalars.items()},
        }
        if self.bcs is not None:
            out["bcs"] = self.bcs[rows]
        if self.arma is not None:
            out["arma"] = {k: self.arma[k][rows] for k in ("ar", "ma", "err") if k in self.arma}
        if self.cosy is not None:
            out["cosy"] = {k: self.cosy[k][rows] for k in ("rho", "ar", "ma") if k in self.cosy}
        return out

    def row_part(self, rows: np.ndarray) -> dict[str, Any]:
        """The row-indexed arrays at row indices ``rows``."""
        return {
            "X": {k: v[rows] for k, v in self.X.items()},
            "offset": {k: v[rows] for k, v in self.offset.items()},
            "J": [g.J[rows] for g in self.groups],
            "Z": [g.Z[rows] for g in self.groups],
            "addition": {k: np.asarray(v)[rows] for k, v in self.addition.items()},
            "y": None if self.y is None else self.y[rows],
            "Xcs": None if self.Xcs is None else self.Xcs[rows],
            **({} if self.arma is None else {"arma": self.arma["lags"]}),  # rows: all, in order
            "C": None if self.C is None else self.C[rows],
            "C_nlf": {k: v[rows] for k, v in self.C_nlf.items()},
            **({} if self.fcor is None else _fcor_data(self.fcor)),  # rows: all, in order
            **({} if self.sar is None else {"Msar": self.sar}),  # rows: all, in order
            **_cosy_rows(self.cosy),  # rows: all, in order
        }


def _cosy_rows(cosy: Mapping[str, np.ndarray] | None) -> dict[str, Any]:
    """A ``cosy()`` term's series of the fitted rows (none for new data)."""
    if cosy is None or not cosy["series"].size:
        return {}
    return {"cosy": {k: v for k, v in cosy.items() if k not in ("rho", "ar", "ma")}}


def _fcor_data(M: np.ndarray) -> dict[str, Any]:
    """``fcor(M)``'s Cholesky factor and inverse for a block of all rows."""
    if M.size == 0:
        return {}
    return {"Lfcor": np.linalg.cholesky(M), "Minv": np.linalg.inv(M)}


def _dpars_of(
    family: Family,
    eta: Mapping[str, Any],
    p: Mapping[str, Any],
    fixed: Mapping[str, float],
    shape: tuple[int, ...],
) -> dict[str, Any]:
    """Every auxiliary dpar on its natural scale, broadcast to ``shape`` (draws x rows)."""
    out: dict[str, Any] = {}
    fixed_by_family = getattr(family, "dpar_fixed", {})
    for d in family.dpars:
        if d in eta:
            out[d] = INV_LINKS[family.dpar_links[d]](eta[d])
        elif d in fixed:
            out[d] = jnp.full(shape, fixed[d])
        elif d in p["scalars"]:
            out[d] = jnp.broadcast_to(p["scalars"][d][:, None], shape)
        elif d in fixed_by_family:
            out[d] = jnp.full(shape, fixed_by_family[d])
    for k, v in p["scalars"].items():
        if k not in family.dpars:  # ordinal thresholds: (draws, 1, nthres)
            out[k] = v.reshape(v.shape[0], 1, *v.shape[1:])
    return out


def _group_part(r: Any, J: Any, Z: Any, m: int) -> Any:
    """``(S, N)`` contribution of column ``m`` of a group's effects ``r`` (``(S, L)``): one
    level per row, or for a multi-membership term (``J`` ``(N, G)``, ``Z`` ``(N, G, M)`` with
    the weights in) the sum over the memberships."""
    if J.ndim == 2:
        return jnp.sum(jnp.take(r, J, axis=1) * Z[None, :, :, m], axis=2)
    return jnp.take(r, J, axis=1) * Z[None, :, m]


def _linear_predictors(
    p: Mapping[str, Any],
    d: Mapping[str, Any],
    group_dpars: tuple[tuple[str, ...], ...],
    categories: tuple[str, ...],
    nonlinear: NonlinearPlan | None = None,
    *,
    nlf: tuple[Any, ...] = (),
) -> dict[str, Any]:
    """``(S, N)`` predictors of a chunk, summed by the fit's builder; mu stacked for categories."""
    n = next(iter(d["X"].values())).shape[0]
    s = next(iter(p["b"].values())).shape[0]
    population = []
    for dpar, X in d["X"].items():
        terms = [jnp.einsum("nk,sk->sn", X, p["b"][dpar])] if X.shape[1] else []
        if dpar in d["offset"]:
            terms.append(d["offset"][dpar][None, :])
        population.append((dpar, terms))
    parts = [
        # a 2-D take per column is far faster than 3-D
        (dpar, _group_part(r[m], J, Z, m))
        for dpars, r, J, Z in zip(group_dpars, p["r"], d["J"], d["Z"], strict=True)
        for m, dpar in enumerate(dpars)
    ]
    eta = linear_predictors(population, parts, jnp.zeros((s, n)), categories)
    if nonlinear is not None:
        eta[""] = nonlinear_eta(nonlinear, eta, d["C"])
    eta.update(nlf_eta(nlf, eta, d))  # nlf(sigma ~ ...)
    if categories:
        eta[""] = mu_eta(eta, categories)
    return eta


def _dpar_link(family: Family, dpar: str) -> str:
    """The link of ``dpar``'s predictor (a mixture's ``mu<k>``: its component's)."""
    if not dpar:
        return family.link
    if isinstance(family, Mixture) and dpar in family.mu_links:
        return family.mu_links[dpar]
    return family.dpar_links.get(dpar, "identity")


def _chunk_function(
    inputs: PredictInputs, what: str, dpar: str, transform: bool
) -> Callable[..., Any]:
    family = inputs.family
    group_dpars = tuple(g.dpars for g in inputs.groups)
    fixed = dict(inputs.fixed_dpars)
    categories = inputs.categories
    arma = None if inputs.arma is None else arma_key(inputs.arma, inputs.y)
    key = (
        repr(family),
        what,
        dpar,
        transform,
        group_dpars,
        tuple(sorted(fixed.items())),
        categories,
        arma,
        inputs.nonlinear,
        inputs.nlf,
        inputs.fcor is not None,
        inputs.sar is not None,
        inputs.cosy is not None,
    )
    fn = _COMPILED.get(key)
    if fn is not None:
        return fn

    def run(p: Mapping[str, Any], d: Mapping[str, Any], rng: Any) -> Any:
        eta = _linear_predictors(p, d, group_dpars, categories, inputs.nonlinear, nlf=inputs.nlf)
        n = next(iter(d["X"].values())).shape[0]
        s = next(iter(p["b"].values())).shape[0]
        if arma is not None:
            rng, key = jax.random.split(rng)
            dp = _dpars_of(family, eta, p, fixed, (s, n))
            eta[""] = predict_arma(family, eta[""], dp, p["arma"], d, key=key, missing=arma[2])
        if what == "linpred":
            out = eta[dpar] if dpar in eta else jnp.zeros((s, n))
            link = _dpar_link(family, dpar)
            return INV_LINKS[link](out) if transform else out
        dpars = _dpars_of(family, eta, p, fixed, (s, n))
        if "bcs" in p:  # category-specific effects: each row's thresholds
            dpars["thres"] = dpars["thres"] - jnp.einsum("nk,skt->snt", d["Xcs"], p["bcs"])
        dpars = subtract_cs(dpars, eta)  # (cs(1) | g): their effects' thresholds
        if "Msar" in d and not dpar and what in ("epred", "predict", "log_lik"):
            return sar_predict(what, family.name, rng, d, (eta[""], dpars))
        if what == "epred":
            if isinstance(family, Mixture) and dpar in family.mu_links:  # mu<k> on its scale
                return INV_LINKS[family.mu_links[dpar]](dpars[dpar])
            return dpars[dpar] if dpar else family.epred(eta[""], dpars, d["addition"])
        if "cosy" in d and what in ("predict", "log_lik"):  # cosy(), ar(cov = TRUE)
            how = series_function(what, "rho" in p["cosy"])
            first = rng if what == "predict" else d["y"]
            return how(family.name, first, eta[""], {**dpars, **p["cosy"]}, d["cosy"])
        if "Lfcor" in d and what == "predict":
            return fcor_draw(family.name, rng, eta[""], dpars, d["Lfcor"])
        if "Lfcor" in d:
            return fcor_pointwise(family.name, d["y"], eta[""], dpars, d["Minv"])
        if what == "predict":
            return family.rng(rng, eta[""], dpars, d["addition"])
        if what == "pp_mixture" and isinstance(family, Mixture):  # log P(K = k | y), (S, N, K)
            return family.membership(d["y"], dpars, d["addition"])
        ll = pointwise_log_lik(family, d["y"], eta[""], dpars, d["addition"])
        if "weights" in d["addition"]:
            ll = ll * d["addition"]["weights"]
        return ll

    fn = _COMPILED[key] = jax.jit(run)
    return fn


def _pad(index: np.ndarray, size: int) -> np.ndarray:
    """``index`` padded to ``size`` entries by repeating its last entry."""
    if len(index) == size:
        return index
    return np.concatenate([index, np.full(size - len(index), index[-1])])


def chunks(
    inputs: PredictInputs,
    what: str,
    *,
    draws: np.ndarray | None = None,
    dpar: str = "",
    transform: bool = False,
    seed: int = 0,
    row_chunk: int | None = None,
    draw_chunk: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(draw indices, row indices, values)`` blocks covering draws x rows.

    Parameters
    ----------
    inputs
        Parameter draws and data.
    what
        One of :data:`QUANTITIES`.
    draws
        Draw indices to use (default all), in output order.
    dpar
        Distributional parameter for ``linpred`` / ``epred`` (``""`` is mu).
    transform
        Apply the inverse link (``linpred`` only).
    seed
        Seed of the response draws (``predict``).
    row_chunk, draw_chunk
        Block sizes; by default all draws and as many rows as keep a block near
        :data:`CHUNK_ELEMENTS` elements.
    """
    draw_idx = np.arange(inputs.S) if draws is None else np.asarray(draws)
    n_draws, n_rows = len(draw_idx), inputs.N
    dc = min(n_draws, draw_chunk or n_draws)
    rc = min(n_rows, row_chunk or max(1, CHUNK_ELEMENTS // dc))
    if inputs.arma is not None:  # a series is predicted row after row: one block of all rows
        rc = n_rows
    if inputs.fcor is not None and what in ("predict", "log_lik"):
        if inputs.fcor.size == 0:
            raise ModelError(
                "Response draws and log_lik of a model with fcor() need the fitted rows: "
                "fcor()'s matrix belongs to them, so new data cannot be used."
            )
        rc = n_rows  # one multivariate draw of all rows
    if inputs.sar is not None:
        rc = n_rows  # sar(): every row depends on all others
    if inputs.cosy is not None and what in ("predict", "log_lik"):
        if not inputs.cosy["series"].size:
            raise ModelError(
                "Response draws and log_lik of a model with cosy() or ARMA terms with cov = TRUE "
                "are computed for the fitted "
                "rows only (their series); use posterior_epred for new data."
            )
        rc = n_rows  # the series' rows together
    fn = _chunk_function(inputs, what, dpar, transform)
    effects = [np.ascontiguousarray(np.moveaxis(g.r, 2, 0)) for g in inputs.groups]
    base = jax.random.key(seed)
    blocks = [(r0, d0) for r0 in range(0, n_rows, rc) for d0 in range(0, n_draws, dc)]
    pending: tuple[np.ndarray, np.ndarray, Any] | None = None
    with jax.enable_x64(True):
        for counter, (r0, d0) in enumerate(blocks):
            rows = np.arange(r0, min(r0 + rc, n_rows))
            dsel = np.arange(d0, min(d0 + dc, n_draws))
            p = inputs.draw_part(_pad(draw_idx[dsel], dc), effects)
            d = inputs.row_part(_pad(rows, rc))
            # JAX dispatches asynchronously: the next block computes while the caller
            # consumes this one.
            out = fn(p, d, jax.random.fold_in(base, counter))
            if pending is not None:
                yield _finish(pending)
            pending = (dsel, rows, out)
        if pending is not None:
            yield _finish(pending)


def _finish(block: tuple[np.ndarray, np.ndarray, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dsel, rows, out = block
    return dsel, rows, np.asarray(out)[: len(dsel), : len(rows)]


def compute(inputs: PredictInputs, what: str, **kwargs: Any) -> np.ndarray:
    """The full ``(S, N)`` (or ``(S, N, ncat)``) array of a quantity; see :func:`chunks`."""
    out: np.ndarray | None = None
    for d, rows, values in chunks(inputs, what, **kwargs):
        if out is None:
            n_draws = inputs.S if kwargs.get("draws") is None else len(kwargs["draws"])
            out = np.empty((n_draws, inputs.N, *values.shape[2:]), dtype=values.dtype)
        out[d[0] : d[-1] + 1, rows[0] : rows[-1] + 1] = values
    assert out is not None
    return out


def summarize(
    inputs: PredictInputs, what: str, probs: Sequence[float], robust: bool = False, **kwargs: Any
) -> np.ndarray:
    """Per-row ``Estimate, Est.Error, quantiles`` computed block by block.

    Every block holds all draws of a few rows, so memory stays at one block however many rows
    there are. Estimate is the mean (median when ``robust``), Est.Error the SD (MAD, scaled as
    R's ``mad``), quantiles as R's type 7.

    Returns
    -------
    numpy.ndarray
        ``(N, 2 + len(probs))``, or ``(N, 2 + len(probs), ncat)`` for category probabilities.
    """
    kwargs = {**kwargs, "draw_chunk": None}
    out: np.ndarray | None = None
    for _, rows, values in chunks(inputs, what, **kwargs):
        stats = summary_stats(values, probs, robust)
        if out is None:
            out = np.empty((inputs.N, *stats.shape[1:]))
        out[rows[0] : rows[-1] + 1] = stats
    assert out is not None
    return out


def summary_stats(values: np.ndarray, probs: Sequence[float], robust: bool) -> np.ndarray:
    """``(n, 2 + len(probs), ...)`` summaries over the draws (axis 0) of ``values``."""
    from brmsjax.backend.summaries import summarise_draws

    return np.moveaxis(summarise_draws(values, probs, robust), -1, 1)
