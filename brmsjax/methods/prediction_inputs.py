"""What a prediction from a fit computes with: the chosen draws and the encoded data.

As brms 2.18's ``prepare_predictions``: new data is encoded with the fitted state
(:func:`encode_data`), ``re_formula`` chooses the group-level terms, draws are chosen by
``ndraws`` or ``draw_ids``, and levels the fitting data lacks get effects as
``sample_new_levels`` says (brms's ``get_new_rdraws``). :func:`prediction_inputs` hands all of
it to :mod:`brmsjax.backend.predict` as one :class:`~brmsjax.backend.predict.PredictInputs`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from brmsjax.backend import new_levels as nl
from brmsjax.backend import predict as bp
from brmsjax.backend.families.compositional.logistic_normal import family_for_design
from brmsjax.backend.model.family_programs.logistic_normal import lncor_cholesky
from brmsjax.backend.model.terms.arcov import arcov_data
from brmsjax.backend.model.terms.cosy import cosy_data
from brmsjax.backend.model.terms.cs_groups import cs_dpars
from brmsjax.backend.model.terms.monotonic import mo_coefficients, sp_columns
from brmsjax.backend.model.terms.nlf import nlf_plans
from brmsjax.backend.model.terms.nonlinear import nonlinear_plan
from brmsjax.core import FitError, FitLike
from brmsjax.formula.design.data2.car_multi import car_structures
from brmsjax.formula.design.design import as_frame
from brmsjax.formula.design.ir import GroupSpec
from brmsjax.formula.design.mv.mv_newdata import encode_mv_newdata
from brmsjax.formula.design.newdata import NewData, encode_newdata, from_design, parse_re_formula
from brmsjax.formula.design.special.group_by import by_info, group_dist
from brmsjax.formula.design.special.smooth_terms import smooth_draws
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.formula.names import bcs_name, cor_name, fixed_draw_name, sd_name
from brmsjax.methods.autocor import arma_draws, has_response, without_arma
from brmsjax.methods.gp_predict import gp_group_draws
from brmsjax.methods.latent_residuals.err_draws import is_latent_fit, latent_err_draws
from brmsjax.mv_api import mv_mi_draws

if TYPE_CHECKING:
    from brmsjax.backend.families.registry import Family

__all__ = ["PredictionError", "encode_data", "prediction_inputs"]


class PredictionError(BrmsjaxError, ValueError):
    """A prediction argument is invalid (draws, new levels, dpar, type)."""


def _family(fit: FitLike) -> Family:
    from brmsjax.backend.families.registry import Family, get_family

    model = getattr(fit, "model", None)
    if model is not None:
        return model.program.family  # type: ignore[no-any-return]
    mv = getattr(fit.design, "mv", None)
    if mv is not None:  # a loaded multivariate fit: its responses' families
        from brmsjax.backend.families.mv import mv_family

        return mv_family(mv.responses, mv.families, mv.rescor)
    fam = fit.brm_args.get("family")
    fam = fam if isinstance(fam, Family) else get_family(fit.info.family)
    return family_for_design(fam, fit.design)  # type: ignore[no-any-return]


def _draw_index(
    fit: FitLike, ndraws: int | None, draw_ids: Sequence[int] | None, rng: np.random.Generator
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


def _group_r(fit: FitLike, block: GroupSpec, rows: np.ndarray) -> np.ndarray:
    """``(S, L, M)`` draws of one ID block's effects at the draw rows ``rows``."""
    names = [block.r_name(lv, k) for lv in block.levels for k in range(len(block.coefs))]
    return fit.store.matrix(names)[rows].reshape(len(rows), block.n_levels, len(block.coefs))


def _gaussian_chol(fit: FitLike, group: str, coefs: list[str], rows: np.ndarray) -> np.ndarray:
    sd = fit.store.matrix([sd_name(group, c) for c in coefs])[rows]
    M = len(coefs)
    cor = np.broadcast_to(np.eye(M), (len(rows), M, M)).copy()
    names = set(fit.variables())
    for j in range(1, M):
        for i in range(j):
            name = cor_name(group, coefs[i], coefs[j])
            if name in names:
                cor[:, i, j] = cor[:, j, i] = fit.store.matrix([name])[rows, 0]
    return nl.cov_cholesky(sd, cor)


def _group_draws(
    fit: FitLike, nd: NewData, rows: np.ndarray, mode: str, rng: np.random.Generator
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
        by_ids = [e for e in enc if by_info(blocks[e.id])[0]]
        Jby = fit.design.groups[by_ids[0].id - 1].Jby if by_ids else None
        pools = [np.flatnonzero(Jby == b) for b in by_ids[0].new_by] if by_ids else None
        if mode == "gaussian" and any(group_dist(blocks[i]) == "student" for i in ids):
            raise PredictionError(
                f"sample_new_levels='gaussian' draws normal effects, but those of '{group}' are "
                "student-t (gr(dist = 'student')); use 'uncertainty' or 'old_levels'."
            )
        r = np.concatenate([r_all.get(i, _group_r(fit, blocks[i], rows)) for i in ids], axis=2)
        coefs = [c for i in ids for c in blocks[i].names]
        chol: Any = None
        if mode == "gaussian" and by_ids:  # the covariance of each new level's by level
            chol = [
                _gaussian_chol(fit, group, _by_coefs(blocks, ids, b), rows)
                for b in by_ids[0].new_by
            ]
        elif mode == "gaussian":
            chol = _gaussian_chol(fit, group, coefs, rows)
        new = nl.new_level_effects(r, n_new, mode, rng, chol=chol, pools=pools)
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
        dpars = tuple(cs_dpars(fit.design.groups[e.id - 1])[c] for c in e.columns)  # cs: tags
        r, Z = np.ascontiguousarray(r[:, :, cols]), e.Z
        sp = fit.design.groups[e.id - 1].sp
        if any(sp[c] for c in e.columns if sp):
            dpars, r, Z = _mo_group_columns(fit, nd, e, rows, (dpars, r, Z))
        out.append(bp.GroupDraws(dpars, r, e.J, Z))
    return tuple(out)


def _by_coefs(blocks: dict[int, GroupSpec], ids: list[int], b: int) -> list[str]:
    """brms's names of the coefficients of blocks ``ids`` within ``by`` level ``b``
    (``Intercept:fa``; blocks without ``by`` keep their names)."""
    out = []
    for i in ids:
        by, levels = by_info(blocks[i])
        tag = f":{by}{levels[b]}" if by else ""
        out += [f"{c}{tag}" for c in blocks[i].names]
    return out


def _mo_group_columns(
    fit: FitLike,
    nd: NewData,
    e: Any,
    rows: np.ndarray,
    parts: tuple[tuple[str, ...], np.ndarray, np.ndarray],
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """A block's ``mo()`` coefficients as ordinary columns: ``r[J, m] * prod_j mo(simo_j, x_j)``
    is, per expanded ``mo()`` column ``p``, ``(r[J, m] * c_p) * Xsp[:, p]`` with ``c_p`` the
    draw's simplex products (the term's coefficients at ``bsp = 1``)."""
    dpars, r, Z = parts
    g = fit.design.groups[e.id - 1]
    new_dpars, new_r, new_Z = [], [], []
    for k, c in enumerate(e.columns):
        if not g.sp[c]:
            new_dpars.append(dpars[k])
            new_r.append(r[:, :, k : k + 1])
            new_Z.append(Z[:, k : k + 1])
            continue
        block = fit.design.block(g.dpars[c])
        sp, s = block.sp, f"_{block.dpar}" if block.dpar else ""
        term = sp.coefs.index(g.coefs[c])
        mo = [t.mo for t in sp.terms]
        simos = [
            fit.store.matrix([f"simo{s}_{label}[{k}]" for k in range(1, size + 1)])[rows]
            for label, size in zip(sp.simo_labels, sp.Jmo, strict=True)
        ]
        cols = sp_columns(mo, sp.Jmo)[term]
        unit = mo_coefficients(np.ones((len(rows), len(mo))), simos, mo, sp.Jmo, xp=np)[:, cols]
        K = len(block.columns)
        new_Z.append(nd.X[block.dpar][:, K + cols.start : K + cols.stop])
        new_r.append(r[:, :, k : k + 1] * unit[:, None, :])
        new_dpars.extend([dpars[k]] * unit.shape[1])
    return (
        tuple(new_dpars),
        np.ascontiguousarray(np.concatenate(new_r, axis=2)),
        np.ascontiguousarray(np.concatenate(new_Z, axis=1)),
    )


def _mo_draws(fit: FitLike, block: Any, rows: np.ndarray) -> np.ndarray:
    """``(S, P)`` coefficients of a block's expanded ``mo()`` columns at the draw rows."""
    sp, s = block.sp, f"_{block.dpar}" if block.dpar else ""
    bsp = fit.store.matrix([f"bsp{s}_{c}" for c in sp.coefs])[rows]
    simos = [
        fit.store.matrix([f"simo{s}_{label}[{k}]" for k in range(1, size + 1)])[rows]
        for label, size in zip(sp.simo_labels, sp.Jmo, strict=True)
    ]
    return mo_coefficients(bsp, simos, [t.mo for t in sp.terms], sp.Jmo, xp=np)


def encode_data(
    fit: FitLike,
    newdata: Any,
    re_formula: Any,
    response: bool,
    allow_new_levels: bool,
    *,
    incl_autocor: bool = True,
) -> NewData:
    """The data to predict for, encoded with the fit's design (the fitting data if None).

    ``re_formula`` chooses the group-level terms kept; ``response`` reads the response too
    (``log_lik``, ``residuals``, ``bayes_R2``); ``allow_new_levels`` admits levels of grouping
    factors the fitting data lacks; ``incl_autocor=False`` leaves an ARMA term out (brms's
    ``incl_autocor``).
    """
    if fit.design is None:
        raise FitError("Predictions need the fit's design; refit the model with brm().")
    design = fit.design if incl_autocor else without_arma(fit.design)
    if newdata is None:
        re_terms = parse_re_formula(re_formula)
        if re_terms is None or not re_terms.dpars[0].groups:
            nd = from_design(fit.design, re_formula)
            return nd if incl_autocor else replace(nd, arma=None)
        if fit.data is None:
            raise FitError("This re_formula needs the fit's data; refit with brm().")
        newdata = fit.data.iloc[np.sort(np.asarray(fit.design.rows))]
    encode = encode_newdata if design.mv is None else encode_mv_newdata
    return encode(
        design,
        newdata,
        re_formula=re_formula,
        response=response,
        allow_new_levels=allow_new_levels,
    )


def prediction_inputs(
    fit: FitLike,
    newdata: Any,
    re_formula: Any,
    *,
    response: bool = False,
    allow_new_levels: bool = False,
    sample_new_levels: str = "uncertainty",
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    seed: int | None = None,
    incl_autocor: bool = True,
) -> tuple[bp.PredictInputs, int]:
    """Parameter draws and encoded data for one prediction, and a seed for the JAX draws."""
    if sample_new_levels not in nl.SAMPLE_NEW_LEVELS:
        raise PredictionError(
            f"sample_new_levels must be one of {', '.join(nl.SAMPLE_NEW_LEVELS)}, not "
            f"{sample_new_levels!r}."
        )
    if seed is None:
        seed = int(np.random.randint(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    rows = _draw_index(fit, ndraws, draw_ids, rng)
    arma = incl_autocor and fit.design is not None and fit.design.arma is not None
    if arma and not response:  # ARMA predictions use the observed residuals, where given
        response = newdata is None or has_response(fit.design, newdata)
    nd = encode_data(
        fit, newdata, re_formula, response, allow_new_levels, incl_autocor=incl_autocor
    )
    family = _family(fit)
    b = {}
    for block in fit.design.fixed:
        coefs = [fixed_draw_name(c, block.dpar, block.smooth) for c in block.columns]
        coefs += smooth_draws(fit.design, block.dpar)  # X ends with their Zs columns
        b[block.dpar] = fit.store.matrix(coefs)[rows]
        if block.sp is not None:  # the coefficients of the expanded mo() columns of NewData.X
            b[block.dpar] = np.concatenate([b[block.dpar], _mo_draws(fit, block, rows)], axis=1)
    have = set(fit.variables())
    scalars = {d: fit.store.matrix([d])[rows, 0] for d in fit.info.spec_pars if d in have}
    rescor = [v for v in fit.variables() if v.startswith("rescor__")]
    if rescor:  # a multivariate model's residual correlations (brmsjax.methods.mv)
        scalars["rescor"] = fit.store.matrix(rescor)[rows]
    if family.name == "logistic_normal":  # brms's get_Sigma(cor_name = "lncor")
        lncor = [v for v in fit.variables() if v.startswith("lncor__")]
        scalars["Llncor"] = lncor_cholesky(fit.store.matrix(lncor)[rows], len(family.dpars))
    thres = [v for v in fit.variables() if v.startswith("b_Intercept[")]
    if family.kind == "ordinal" and thres:
        scalars["thres"] = fit.store.matrix(thres)[rows]
    bcs = None
    cs_columns = fit.design.fixed[0].cs_columns
    if family.kind == "ordinal" and cs_columns and nd.Xcs is not None:
        names = [bcs_name(c, k) for c in cs_columns for k in range(1, len(thres) + 1)]
        bcs = fit.store.matrix(names)[rows].reshape(len(rows), len(cs_columns), len(thres))
    groups = _group_draws(fit, nd, rows, sample_new_levels, rng)
    groups += _me_draws(fit, nd, rows, rng, b, warn=newdata is None)
    groups += mv_mi_draws(fit, nd, newdata, rows, b)  # mi(x) terms: bsp * Csp * Yl_x
    groups += gp_group_draws(fit, nd, rows, rng)
    groups += car_group_draws(fit, newdata, rows, nd.n) if incl_autocor else ()
    if incl_autocor:  # ar(cov = TRUE), cosy() with latent residuals: err in mu
        groups += latent_err_draws(fit, family, newdata, re_formula, rows=rows, rng=rng)
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
        arma=None if nd.arma is None else arma_draws(fit, nd, rows, newdata is not None),
        categories=tuple(b.dpar for b in fit.design.fixed if b.dpar.startswith("mu"))
        if family.kind == "categorical"
        else (),
        bcs=bcs,
        Xcs=None if bcs is None else nd.Xcs,
        nonlinear=nonlinear_plan(fit.design),
        C=nd.C,
        nlf=nlf_plans(fit.design),
        C_nlf=dict(nd.C_nlf),
        fcor=_fcor(fit, newdata, incl_autocor),
        sar=spatial_sar(fit, newdata, incl_autocor, scalars, rows),
        cosy=None if is_latent_fit(fit, family) else _cosy(fit, newdata, rows, incl_autocor),
    )
    return inputs, int(rng.integers(0, 2**31 - 1))


def _me_draws(
    fit: FitLike,
    nd: NewData,
    rows: np.ndarray,
    rng: np.random.Generator,
    b: dict[str, np.ndarray],
    *,
    warn: bool,
) -> tuple[bp.GroupDraws, ...]:
    """mu's ``me()`` terms ``bsp * Xme * Csp`` as per-draw effects of one level per row.

    The latent values are not saved (brms's ``save_pars(latent = FALSE)``), so each draw takes
    ``Xme ~ normal(Xn, noise)`` of the rows predicted for, as brms does (with brms's warning
    at the fitting data). The terms' columns of ``b`` are zeroed: their effect is here.
    """
    block = fit.design.fixed[0] if fit.design.fixed else None
    sp = nd.sp.get("") if block is not None and block.sp is not None else None
    if sp is None or not sp.Xn or block is None or block.sp is None:
        return ()
    if warn:
        warnings.warn(
            "Noise-free latent variables were not saved. You can control saving those "
            "variables via 'save_pars()'. Treating original data as if it was new data as a "
            "workaround.",
            UserWarning,
            stacklevel=4,
        )
    expanded = sp.expanded()
    cols = sp_columns([t.mo for t in block.sp.terms], block.sp.Jmo)
    start = b[""].shape[1] - expanded.shape[1]
    bsp = fit.store.matrix([f"bsp_{c}" for c in block.sp.coefs])[rows]
    n = expanded.shape[0]
    xn, noise = np.stack(sp.Xn, axis=1), np.stack(sp.noise, axis=1)
    xme = rng.normal(xn[None], noise[None], size=(len(rows), *xn.shape))
    if sp.me_J is not None:  # me(x, sdx, gr = g): the level's latent value for each row
        xme = xme[:, sp.me_J, :]
    r = np.zeros((len(rows), n))
    for i, term in enumerate(block.sp.terms):
        if not term.me:
            continue
        effect = bsp[:, i : i + 1] * expanded[None, :, cols[i].start]
        r += effect * np.prod(xme[:, :, list(term.me)], axis=2)
        b[""][:, start + cols[i].start] = 0.0
    J = np.arange(n, dtype=np.int64)
    return (bp.GroupDraws(("",), r[:, :, None], J, np.ones((n, 1))),)


def _cosy(
    fit: FitLike, newdata: Any, rows: np.ndarray, incl_autocor: bool
) -> dict[str, np.ndarray] | None:
    """A ``cosy()`` term's draws and the fitted rows' series (none for new data), or an ARMA
    term's with ``cov = TRUE`` (its ``ar``/``ma`` draws), else None."""
    cosy, arcov = fit.design.cosy, fit.design.arcov
    if not incl_autocor or (cosy is None and arcov is None):
        return None
    if arcov is not None:
        draws = {
            k: fit.store.matrix([f"{k}[1]"])[rows]
            for k, n in (("ar", arcov.p), ("ma", arcov.q))
            if n
        }
        series = arcov_data(arcov.series) if newdata is None else {"series": np.zeros(0, np.int32)}
        return {**draws, **series}
    series = cosy_data(cosy.series) if newdata is None else {"series": np.zeros(0, np.int32)}
    return {"rho": fit.store.matrix(["cosy"])[rows, 0], **series}


def _fcor(fit: FitLike, newdata: Any, incl_autocor: bool) -> np.ndarray | None:
    """``fcor(M)``'s matrix of the fitted rows (empty with new data), None without fcor()."""
    data2 = getattr(fit.design, "data2", None)
    if not incl_autocor or data2 is None or data2.fcor is None:
        return None
    return np.asarray(data2.fcor) if newdata is None else np.zeros((0, 0))


def spatial_sar(
    fit: FitLike, newdata: Any, incl_autocor: bool, scalars: dict[str, Any], rows: np.ndarray
) -> np.ndarray | None:
    """``sar()``'s ``Msar`` of the fitted rows (its ``lagsar``/``errorsar`` draws are added to
    ``scalars``); None without ``sar()`` or with ``incl_autocor = False``.

    Raises
    ------
    PredictionError
        For new data: ``Msar`` belongs to the fitted rows.
    """
    data2 = getattr(fit.design, "data2", None)
    if not incl_autocor or data2 is None or data2.sar is None:
        return None
    if newdata is not None:
        raise PredictionError(
            "Predictions of a model with sar() need the fitted rows: sar()'s matrix M belongs "
            "to them, so new data cannot be used (or set incl_autocor = False)."
        )
    scalars[data2.sar.param] = fit.store.matrix([data2.sar.param])[rows, 0]
    return np.asarray(data2.sar.M, dtype=float)


def car_group_draws(
    fit: FitLike, newdata: Any, rows: np.ndarray, n: int
) -> tuple[bp.GroupDraws, ...]:
    """``car()``'s effects ``rcar[Jloc]`` of mu as one group-level block per CAR structure
    (``rcar_mu1`` of ``mu1``, ``rcar_y`` of response ``y``'s mu; none without ``car()``;
    ``incl_autocor = False`` leaves them out, as brms does).

    New data take the fitted locations by ``gr``'s values (brms's ``data_ac`` with the fit's
    locations).

    Raises
    ------
    PredictionError
        With brms's messages: new data without ``gr``, or with locations the fit lacks.
    """
    out = []
    for s in car_structures(fit.design):
        car = s.car
        r = fit.store.matrix([f"rcar{s.suffix}[{i}]" for i in range(1, car.Nloc + 1)])[rows]
        J = np.asarray(car.Jloc, dtype=np.int64) - 1
        if newdata is not None:
            own = fit.design.mv.design(s.resp) if s.resp else fit.design
            term = own.state.terms.car
            if term is None or term.gr is None or car.locations is None:
                raise PredictionError(
                    "Cannot handle new data in CAR terms without a grouping factor."
                )
            values = as_frame(newdata)[term.gr.name].to_numpy()
            text = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
            if any(t not in car.locations for t in text) or len(text) != n:
                raise PredictionError("Cannot handle new locations in CAR models.")
            J = np.array([car.locations.index(t) for t in text], dtype=np.int64)
        out.append(bp.GroupDraws((s.dpar,), r[:, :, None], J, np.ones((len(J), 1))))
    return tuple(out)
