"""Predictions from a fit: posterior_linpred/epred/predict, fitted, predict, log_lik, residuals.

As brms 2.18 (``prepare_predictions``): new data is encoded with the fitted state, ``re_formula``
chooses the group-level terms (None all, NA or ``"~0"`` none, or a subset formula), and levels
the fitting data lacks get effects as ``sample_new_levels`` says. The work is streamed in blocks
of draws and rows by :mod:`brmsjax.backend.predict`; summaries (``fitted``, ``predict``) are
computed block by block and never hold the full draws-by-rows matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from brmsjax.backend import predict as bp
from brmsjax.formula.design.newdata import NewData, encode_newdata, from_design, parse_re_formula
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.summary import check_probs, stat_names

if TYPE_CHECKING:
    from brmsjax.backend.families.registry import Family
    from brmsjax.fit import BrmsFit, GroupInfo

_RESIDUAL_TYPES = ("ordinary", "pearson")


class PredictionError(BrmsjaxError, ValueError):
    """A prediction argument is invalid (draws, new levels, dpar, type)."""


def _family(fit: BrmsFit) -> Family:
    from brmsjax.backend.families.registry import Family, get_family

    model = getattr(fit, "model", None)
    if model is not None:
        return model.program.family  # type: ignore[no-any-return]
    fam = fit.brm_args.get("family")
    return fam if isinstance(fam, Family) else get_family(fit.info.family)


def _draw_index(
    fit: BrmsFit, ndraws: int | None, draw_ids: Sequence[int] | None, rng: np.random.Generator
) -> np.ndarray:
    """0-based rows of the draws to use (``draw_ids`` are brms's 1-based ``.draw`` ids)."""
    total = fit.ndraws
    if draw_ids is not None:
        ids = np.asarray(draw_ids).reshape(-1)
        if not np.issubdtype(ids.dtype, np.integer) or ids.size == 0:
            raise PredictionError("draw_ids must be whole numbers (brms's 1-based draw ids).")
        bad = ids[(ids < 1) | (ids > total)]
        if bad.size:
            raise PredictionError(
                f"draw_ids has {int(bad[0])}, but the fit's draws are numbered 1 to {total}."
            )
        return ids.astype(np.int64) - 1
    if ndraws is None:
        return np.arange(total)
    if isinstance(ndraws, bool) or not isinstance(ndraws, int | np.integer) or ndraws < 1:
        raise PredictionError(f"ndraws must be a positive whole number, not {ndraws!r}.")
    if ndraws > total:
        raise PredictionError(
            f"ndraws is {ndraws} but the fit has {total} draws; ask for at most {total}."
        )
    return np.sort(rng.choice(total, size=int(ndraws), replace=False))


def _check_trunc(fit: BrmsFit, what: str) -> None:
    """brms's truncated expectations and draws need quantile functions brmsjax lacks yet."""
    terms = getattr(fit.design, "state", None)
    if terms is not None and any(a.name == "trunc" for a in terms.terms.additions):
        raise PredictionError(
            f"{what}() does not support models with trunc() yet; use posterior_linpred() or "
            "log_lik() for this model."
        )


def _group_r(fit: BrmsFit, block: GroupInfo, rows: np.ndarray) -> np.ndarray:
    """``(S, L, M)`` draws of one ID block's effects at the draw rows ``rows``."""
    names = [block.r_name(lv, k) for lv in block.levels for k in range(len(block.coefs))]
    return fit._matrix(names)[rows].reshape(len(rows), block.n_levels, len(block.coefs))


def _gaussian_chol(fit: BrmsFit, group: str, coefs: list[str], rows: np.ndarray) -> np.ndarray:
    sd = fit._matrix([f"sd_{group}__{c}" for c in coefs])[rows]
    M = len(coefs)
    cor = np.broadcast_to(np.eye(M), (len(rows), M, M)).copy()
    names = set(fit.variables())
    for j in range(1, M):
        for i in range(j):
            name = f"cor_{group}__{coefs[i]}__{coefs[j]}"
            if name in names:
                cor[:, i, j] = cor[:, j, i] = fit._matrix([name])[rows, 0]
    return bp.cov_cholesky(sd, cor)


def _group_draws(
    fit: BrmsFit, nd: NewData, rows: np.ndarray, mode: str, rng: np.random.Generator
) -> tuple[bp.GroupDraws, ...]:
    """Effects of the kept blocks, new levels appended per grouping factor."""
    blocks = {g.id: g for g in fit.info.groups}
    r_all = {gid: _group_r(fit, blocks[gid], rows) for gid in {e.id for e in nd.groups}}
    new_r: dict[int, np.ndarray] = {}
    for group in dict.fromkeys(e.group for e in nd.groups):
        enc = [e for e in nd.groups if e.group == group]
        n_new = len(enc[0].new_levels)
        if not n_new:
            continue
        ids = [g.id for g in fit.info.blocks(group)]
        r = np.concatenate([r_all.get(i, _group_r(fit, blocks[i], rows)) for i in ids], axis=2)
        coefs = [c for i in ids for c in blocks[i].coefs]
        chol = _gaussian_chol(fit, group, coefs, rows) if mode == "gaussian" else None
        new = bp.new_level_effects(r, n_new, mode, rng, chol)
        start = 0
        for i in ids:
            width = len(blocks[i].coefs)
            new_r[i] = new[:, :, start : start + width]
            start += width
    out = []
    for e in nd.groups:
        r = r_all[e.id]
        if e.id in new_r:
            r = np.concatenate([r, new_r[e.id]], axis=1)
        cols = np.asarray(e.columns)
        dpars = tuple(blocks[e.id].dpars[c] for c in e.columns)
        out.append(bp.GroupDraws(dpars, np.ascontiguousarray(r[:, :, cols]), e.J, e.Z))
    return tuple(out)


class PredictionMethods:
    """Methods of :class:`~brmsjax.fit.BrmsFit` described in this module."""

    def _newdata(
        self, newdata: Any, re_formula: Any, response: bool, allow_new_levels: bool
    ) -> NewData:
        from brmsjax.fit import FitError

        fit = cast("BrmsFit", self)
        if fit.design is None:
            raise FitError("Predictions need the fit's design; refit the model with brm().")
        if newdata is None:
            re_terms = parse_re_formula(re_formula)
            if re_terms is None or not re_terms.dpars[0].groups:
                return from_design(fit.design, re_formula)
            if fit.data is None:
                raise FitError("This re_formula needs the fit's data; refit with brm().")
            newdata = fit.data.iloc[np.asarray(fit.design.rows)]
        return encode_newdata(
            fit.design,
            newdata,
            re_formula=re_formula,
            response=response,
            allow_new_levels=allow_new_levels,
        )

    def _inputs(
        self,
        newdata: Any,
        re_formula: Any,
        *,
        response: bool = False,
        allow_new_levels: bool = False,
        sample_new_levels: str = "uncertainty",
        ndraws: int | None = None,
        draw_ids: Sequence[int] | None = None,
        seed: int | None = None,
    ) -> tuple[bp.PredictInputs, int]:
        """Parameter draws and encoded data for one prediction, and a seed for the JAX draws."""
        if sample_new_levels not in bp.SAMPLE_NEW_LEVELS:
            raise PredictionError(
                f"sample_new_levels must be one of {', '.join(bp.SAMPLE_NEW_LEVELS)}, not "
                f"{sample_new_levels!r}."
            )
        fit = cast("BrmsFit", self)
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        rng = np.random.default_rng(seed)
        rows = _draw_index(fit, ndraws, draw_ids, rng)
        nd = self._newdata(newdata, re_formula, response, allow_new_levels)
        family = _family(fit)
        b = {}
        for block in fit.design.fixed:
            prefix = f"b_{block.dpar}_" if block.dpar else "b_"
            b[block.dpar] = fit._matrix([prefix + c for c in block.columns])[rows]
        have = set(fit.variables())
        scalars = {d: fit._matrix([d])[rows, 0] for d in fit.info.spec_pars if d in have}
        thres = [v for v in fit.variables() if v.startswith("b_Intercept[")]
        if family.kind == "ordinal" and thres:
            scalars["thres"] = fit._matrix(thres)[rows]
        groups = _group_draws(fit, nd, rows, sample_new_levels, rng)
        inputs = bp.PredictInputs(
            family=family,
            b=b,
            X=dict(nd.X),
            offset=dict(nd.offset),
            groups=groups,
            scalars=scalars,
            fixed_dpars=dict(fit.design.fixed_dpars),
            addition=dict(nd.addition),
            y=None if nd.y is None else family.response_values(nd.y, fit.design.response.levels),
            categories=tuple(b.dpar for b in fit.design.fixed if b.dpar.startswith("mu"))
            if family.kind == "categorical"
            else (),
        )
        return inputs, int(rng.integers(0, 2**31 - 1))

    def posterior_linpred(
        self,
        newdata: Any = None,
        *,
        re_formula: Any = None,
        transform: bool = False,
        allow_new_levels: bool = False,
        sample_new_levels: str = "uncertainty",
        ndraws: int | None = None,
        draw_ids: Sequence[int] | None = None,
        seed: int | None = None,
        dpar: str | None = None,
    ) -> np.ndarray:
        """Draws of the linear predictor (brms's ``posterior_linpred``), ``(draws, rows)``.

        Parameters
        ----------
        newdata
            Data to predict for (default: the fitting data); the response is not needed.
        re_formula
            Group-level terms: None (all), NA / ``"~0"`` (none) or a formula such as
            ``"~ (1 | Subject)"``.
        transform
            Apply the inverse link.
        allow_new_levels, sample_new_levels
            Allow levels of grouping factors the fit lacks, and how to give them effects:
            ``"uncertainty"``, ``"gaussian"`` or ``"old_levels"`` (as brms).
        ndraws, draw_ids, seed
            Use ``ndraws`` random draws or the draws with brms's 1-based ids ``draw_ids``;
            ``seed`` makes random choices reproducible.
        dpar
            A predicted distributional parameter (default mu).
        """
        inputs, key = self._inputs(
            newdata,
            re_formula,
            allow_new_levels=allow_new_levels,
            sample_new_levels=sample_new_levels,
            ndraws=ndraws,
            draw_ids=draw_ids,
            seed=seed,
        )
        d = _check_dpar(inputs, dpar, linear=True)
        return bp.compute(inputs, "linpred", dpar=d, transform=transform, seed=key)

    def posterior_epred(
        self,
        newdata: Any = None,
        *,
        re_formula: Any = None,
        allow_new_levels: bool = False,
        sample_new_levels: str = "uncertainty",
        ndraws: int | None = None,
        draw_ids: Sequence[int] | None = None,
        seed: int | None = None,
        dpar: str | None = None,
    ) -> np.ndarray:
        """Draws of the expected response (brms's ``posterior_epred``), ``(draws, rows)``.

        ``(draws, rows, categories)`` for ordinal and categorical families. With ``dpar``, the
        draws of that distributional parameter on its natural scale. Arguments as
        :meth:`posterior_linpred`.
        """
        inputs, key = self._inputs(
            newdata,
            re_formula,
            allow_new_levels=allow_new_levels,
            sample_new_levels=sample_new_levels,
            ndraws=ndraws,
            draw_ids=draw_ids,
            seed=seed,
        )
        d = _check_dpar(inputs, dpar, linear=False)
        if not d:
            _check_trunc(cast("BrmsFit", self), "posterior_epred")
        return bp.compute(inputs, "epred", dpar=d, seed=key)

    def posterior_predict(
        self,
        newdata: Any = None,
        *,
        re_formula: Any = None,
        allow_new_levels: bool = False,
        sample_new_levels: str = "uncertainty",
        ndraws: int | None = None,
        draw_ids: Sequence[int] | None = None,
        seed: int | None = None,
    ) -> np.ndarray:
        """Draws from the posterior predictive distribution, ``(draws, rows)``.

        Arguments as :meth:`posterior_linpred`.
        """
        inputs, key = self._inputs(
            newdata,
            re_formula,
            allow_new_levels=allow_new_levels,
            sample_new_levels=sample_new_levels,
            ndraws=ndraws,
            draw_ids=draw_ids,
            seed=seed,
        )
        _check_trunc(cast("BrmsFit", self), "posterior_predict")
        return bp.compute(inputs, "predict", seed=key)

    def _summary(
        self,
        what: str,
        newdata: Any,
        probs: Sequence[float],
        robust: bool,
        dpar: str | None,
        **kwargs: Any,
    ) -> pd.DataFrame | np.ndarray:
        probs = check_probs(probs)
        inputs, key = self._inputs(newdata, **kwargs)
        d = _check_dpar(inputs, dpar, linear=what == "linpred")
        if what != "linpred" and not d:
            _check_trunc(cast("BrmsFit", self), "fitted" if what == "epred" else "predict")
        stats = bp.summarize(inputs, what, probs, robust, dpar=d, seed=key)
        if stats.ndim == 2:
            return pd.DataFrame(stats, columns=stat_names(probs))
        return stats

    def fitted(
        self,
        newdata: Any = None,
        *,
        re_formula: Any = None,
        scale: str = "response",
        allow_new_levels: bool = False,
        sample_new_levels: str = "uncertainty",
        ndraws: int | None = None,
        draw_ids: Sequence[int] | None = None,
        seed: int | None = None,
        dpar: str | None = None,
        summary: bool = True,
        robust: bool = False,
        probs: Sequence[float] = (0.025, 0.975),
    ) -> pd.DataFrame | np.ndarray:
        """brms's ``fitted``: a summary of :meth:`posterior_epred` (``scale="linear"``:
        of :meth:`posterior_linpred`) per row.

        Returns
        -------
        pandas.DataFrame or numpy.ndarray
            Columns ``Estimate, Est.Error, Q2.5, Q97.5`` (one row per data row); with
            ``summary=False`` the draws.
        """
        if scale not in ("response", "linear"):
            raise PredictionError(f"scale must be 'response' or 'linear', not {scale!r}.")
        args = {
            "re_formula": re_formula,
            "allow_new_levels": allow_new_levels,
            "sample_new_levels": sample_new_levels,
            "ndraws": ndraws,
            "draw_ids": draw_ids,
            "seed": seed,
        }
        if not summary:
            if scale == "linear":
                return self.posterior_linpred(newdata, dpar=dpar, **args)
            return self.posterior_epred(newdata, dpar=dpar, **args)
        what = "linpred" if scale == "linear" else "epred"
        return self._summary(what, newdata, probs, robust, dpar, **args)

    def predict(
        self,
        newdata: Any = None,
        *,
        re_formula: Any = None,
        allow_new_levels: bool = False,
        sample_new_levels: str = "uncertainty",
        ndraws: int | None = None,
        draw_ids: Sequence[int] | None = None,
        seed: int | None = None,
        summary: bool = True,
        robust: bool = False,
        probs: Sequence[float] = (0.025, 0.975),
    ) -> pd.DataFrame | np.ndarray:
        """brms's ``predict``: a summary of :meth:`posterior_predict` per row (computed in
        blocks of rows, so it fits in memory for millions of rows)."""
        args = {
            "re_formula": re_formula,
            "allow_new_levels": allow_new_levels,
            "sample_new_levels": sample_new_levels,
            "ndraws": ndraws,
            "draw_ids": draw_ids,
            "seed": seed,
        }
        if not summary:
            return self.posterior_predict(newdata, **args)
        return self._summary("predict", newdata, probs, robust, None, **args)

    def log_lik(
        self,
        newdata: Any = None,
        *,
        re_formula: Any = None,
        allow_new_levels: bool = False,
        sample_new_levels: str = "uncertainty",
        ndraws: int | None = None,
        draw_ids: Sequence[int] | None = None,
        seed: int | None = None,
    ) -> np.ndarray:
        """Pointwise log likelihood ``(draws, rows)`` (weighted as brms when the response has
        ``weights``); ``newdata`` must hold the response."""
        inputs, key = self._inputs(
            newdata,
            re_formula,
            response=True,
            allow_new_levels=allow_new_levels,
            sample_new_levels=sample_new_levels,
            ndraws=ndraws,
            draw_ids=draw_ids,
            seed=seed,
        )
        return bp.compute(inputs, "log_lik", seed=key)

    def residuals(
        self,
        newdata: Any = None,
        *,
        re_formula: Any = None,
        type: str = "ordinary",
        allow_new_levels: bool = False,
        sample_new_levels: str = "uncertainty",
        ndraws: int | None = None,
        draw_ids: Sequence[int] | None = None,
        seed: int | None = None,
        summary: bool = True,
        robust: bool = False,
        probs: Sequence[float] = (0.025, 0.975),
    ) -> pd.DataFrame | np.ndarray:
        """brms's ``residuals``: ``y - posterior_epred`` per draw (``type="pearson"`` divides by
        the predictive SD, gaussian ``sigma``); ``newdata`` must hold the response."""
        if type not in _RESIDUAL_TYPES:
            raise PredictionError(
                f"type must be one of {', '.join(_RESIDUAL_TYPES)}, not {type!r}."
            )
        _check_trunc(cast("BrmsFit", self), "residuals")
        probs = check_probs(probs)
        inputs, key = self._inputs(
            newdata,
            re_formula,
            response=True,
            allow_new_levels=allow_new_levels,
            sample_new_levels=sample_new_levels,
            ndraws=ndraws,
            draw_ids=draw_ids,
            seed=seed,
        )
        if inputs.y is None:  # pragma: no cover - response=True always reads y
            raise PredictionError("residuals need the response.")
        res = inputs.y[None, :] - bp.compute(inputs, "epred", seed=key)
        if type == "pearson":
            if inputs.family.name != "gaussian":
                raise PredictionError(
                    f"type='pearson' is available for the gaussian family only, not "
                    f"{inputs.family.name}; use type='ordinary'."
                )
            res = res / bp.compute(inputs, "epred", dpar="sigma", seed=key)
        if not summary:
            return res
        return pd.DataFrame(bp.summary_stats(res, probs, robust), columns=stat_names(probs))


def _check_dpar(inputs: bp.PredictInputs, dpar: str | None, *, linear: bool) -> str:
    """``dpar`` as the backend names it (``""`` is mu), checked against the model."""
    if dpar is None or dpar == "mu":
        return ""
    family = inputs.family
    if dpar not in family.dpars:
        valid = ", ".join(["mu", *family.dpars])
        raise PredictionError(
            f"dpar '{dpar}' is not a parameter of the {family.name} family; use one of: {valid}."
        )
    predicted = dpar in inputs.X or any(dpar in g.dpars for g in inputs.groups)
    if linear and not predicted:
        raise PredictionError(
            f"dpar '{dpar}' has no linear predictor in this model; use posterior_epred(dpar="
            f"'{dpar}') for its draws."
        )
    return dpar
