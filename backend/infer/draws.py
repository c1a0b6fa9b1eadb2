"""Raw draws to brms 2.18's variable names, in brms's order.

brms orders draws by parameter class (``reorder_pars`` in brms's ``rename_pars.R``): ``b``
(intercepts first: ``b_Intercept`` or the ordinal thresholds ``b_Intercept[1]``,
``b_sigma_Intercept``, then the slopes of mu and of each predicted dpar, then ``bcs``), ``sd``,
``cor``, the family's scalar dpars (``sigma``), an ordinal model's ``Intercept_stz`` (sum
thresholds) or ``delta`` (equidistant ones), ``r``, ``lprior`` and ``lp__``; ``as_draws_df`` adds
``.chain``, ``.iteration`` and ``.draw``. Names follow
brms-semantics.md 4.2::

    b_Days  b_sigma_x  sd_Subject__Days  sd_g__sigma_Intercept  cor_Subject__Intercept__Days
    r_Subject[s308,Intercept]  r_g__sigma[a,Intercept]
    bs_slstat_1  sds_slstat_1  s_slstat_1[1]   (s() terms: after b, after cor, after r)

Correlations are the upper triangle column by column, ``(1,2), (1,3), (2,3), ...``; group-level
effects list every level of the first coefficient, then of the second; whitespace in level labels
becomes ``.``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from brmsjax.formula import names
from brmsjax.formula.design.special.group_by import by_info, by_names, group_dist
from brmsjax.formula.names import META_COLUMNS

if TYPE_CHECKING:
    from brmsjax.backend.infer.nuts import SampleResult
    from brmsjax.backend.model.lower import LoweredModel, ModelNames

__all__ = [
    "META_COLUMNS",
    "to_draws",
    "variable_names",
]


def _columns(model: ModelNames) -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """``(brms name, internal sample key, index into one draw)`` in brms's order."""
    for f in model.fixed:
        key = names.b_name("Intercept", f.dpar)
        if f.intercept:
            yield key, key, ()
        for k in range(f.thresholds):
            yield f"{key}[{k + 1}]", key, (k,)
    for smooth in (False, True):  # b, mo()'s bsp, then the smooths' unpenalized columns (bs)
        for f in model.fixed:
            prefix = f"b_{f.dpar}" if f.dpar else "b"
            for i, col in enumerate(f.columns):
                if (col in f.smooth) == smooth:
                    yield names.fixed_draw_name(col, f.dpar, f.smooth), prefix, (i,)
        for f in () if smooth else model.fixed:
            s = f"_{f.dpar}" if f.dpar else ""
            for i, coef in enumerate(f.sp):
                yield f"bsp{s}_{coef}", f"bsp{s}", (i,)
    for cls, k in zip(("ar", "ma"), model.arma, strict=True):
        for i in range(k):
            yield f"{cls}[{i + 1}]", cls, (i,)
    if model.err:  # latent ARMA residuals' sd (brms's class sderr)
        yield "sderr", "sderr", ()
    for cls in model.spatial:  # sar(), car(): lagsar/errorsar, car, rhocar, sdcar
        yield cls, cls, ()
    if model.cosy:  # brms's cosy follows the ARMA coefficients
        yield "cosy", "cosy", ()
    for f in model.fixed:  # category-specific effects bcs_<column>[k] (mu only)
        for i, col in enumerate(f.cs_columns):
            for k in range(f.thresholds):
                yield names.bcs_name(col, k + 1), "bcs", (i * f.thresholds + k,)
    for g in model.groups:
        if by_info(g)[0]:  # gr(g, by = f): sd_g__Intercept:fa, ... (brms's change_re)
            yield from ((n, f"sd_{g.id}", (i,)) for i, n in enumerate(by_names(g)[0]))
            continue
        for m, (coef, dpar) in enumerate(zip(g.coefs, g.dpars, strict=True)):
            yield names.sd_name(g.group, coef, dpar), f"sd_{g.id}", (m,)
    for g in model.groups:
        if g.cor and by_info(g)[0]:
            yield from ((n, f"cor_{g.id}", (i,)) for i, n in enumerate(by_names(g)[1]))
        elif g.cor:
            coefs = g.names
            pairs = [(j, k) for k in range(len(coefs)) for j in range(k)]
            for i, (j, k) in enumerate(pairs):
                yield names.cor_name(g.group, coefs[j], coefs[k]), f"cor_{g.id}", (i,)
    for g in model.groups:  # gr(g, dist = "student"): brms's df_<group> after the cors
        if group_dist(g) == "student":
            yield f"df_{g.group}", f"df_{g.id}", ()
    for sm in model.smooths:
        for j in range(len(sm.knots)):
            yield names.sds_name(sm.prefix, j + 1), f"sds_{sm.key}", (j,)
    for cls in ("sdgp", "lscale"):  # brms: every sdgp, then every lscale
        for gp in model.gps:
            yield from (c for c in gp.columns() if c[1].startswith(cls))
    for d in model.aux:
        tmp = f"tmp_{d}" if d in model.tmp_dpars else d  # gen_extreme_value's tmp_xi
        yield tmp, tmp, ()
    pairs = [(j, k) for k in range(len(model.lncor)) for j in range(k)]
    for i, (j, k) in enumerate(pairs):  # logistic_normal's lncor__p2__p3, after its dpars
        yield f"lncor__{model.lncor[j]}__{model.lncor[k]}", "lncor", (i,)
    pairs = [(j, k) for k in range(len(model.rescor)) for j in range(k)]
    for i, (j, k) in enumerate(pairs):  # brms's rescor__y1__y2, after the family's dpars
        yield f"rescor__{model.rescor[j]}__{model.rescor[k]}", "rescor", (i,)
    if any(kind == "lasso" for kind, _ in model.shrink):  # brms's class "lasso"
        yield "lasso_inv_lambda", "lasso_inv_lambda", ()
    for f in model.fixed:  # brms keeps sum-to-zero thresholds (= b_Intercept, X uncentred)
        if f.threshold == "sum":
            for k in range(f.thresholds):
                yield f"Intercept_stz[{k + 1}]", "b_Intercept", (k,)
    for f in model.fixed:
        s = f"_{f.dpar}" if f.dpar else ""
        for j, (label, size) in enumerate(zip(f.simo, f.jmo, strict=True), 1):
            for k in range(size):
                yield f"simo{s}_{label}[{k + 1}]", f"simo{s}_{j}", (k,)
    for g in model.groups:
        for m in range(g.M):
            for lv_i, lv in enumerate(g.levels):
                yield g.r_name(lv, m), f"r_{g.id}", (lv_i, m)
    for gp in model.gps:
        yield from gp.latent_columns()
    for s, n in model.rcar:  # car(): brms's rcar (per structure: rcar_mu1) after zgp
        for i in range(n):
            yield f"rcar{s}[{i + 1}]", f"rcar{s}", (i,)
    for sm in model.smooths:
        start = 0
        for j, size in enumerate(sm.knots):
            for i in range(size):
                yield names.s_name(sm.prefix, j + 1, i + 1), f"s_{sm.key}", (start + i,)
            start += size
    for kind, k in model.shrink:  # brms saves R2D2_phi and R2D2_R2 (class "R2D2") here
        if kind == "R2D2":
            for i in range(k):
                yield f"R2D2_phi[{i + 1}]", "R2D2_phi", (i,)
            yield "R2D2_R2", "R2D2_R2", ()
    for i, name in enumerate(model.missing):  # brms's class Ymi, after R2D2
        yield name, "Ymi", (i,)
    for name, vector, i in model.mv_missing:  # Ymi_<resp>, response by response
        yield name, vector, (i,)
    for cls in ("meanme", "sdme"):  # me() terms: meanme_mex, sdme_mex, corme__mex__mez
        for i, label in enumerate(model.me):
            yield f"{cls}_{label}", f"{cls}_1", (i,)
    pairs = [(j, k) for k in range(len(model.me)) for j in range(k)] if model.mecor else []
    for i, (j, k) in enumerate(pairs):
        yield f"corme__{model.me[j]}__{model.me[k]}", "corme_1", (i,)
    yield "lprior", "lprior", ()
    yield "lp__", "lp__", ()
    for i in range(model.err):  # latent ARMA residuals (brms's err, class unordered: last)
        yield f"err[{i + 1}]", "err", (i,)
    for d in model.tmp_dpars:  # brms's compute_xi adds xi after lp__
        yield d, d, ()


def variable_names(names: ModelNames) -> list[str]:
    """All variable names of a model in brms's order (without the ``.chain`` columns)."""
    return [name for name, _, _ in _columns(names)]


def to_draws(result: SampleResult, lowered: LoweredModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """brms's ``as_draws_df`` and the per-draw NUTS statistics of a sampling run.

    Parameters
    ----------
    result
        The raw draws from :func:`brmsjax.backend.infer.nuts.sample`.
    lowered
        The model that was sampled (for the names).

    Returns
    -------
    draws
        One column per variable with brms's names and order, then ``.chain``,
        ``.iteration`` and ``.draw`` (1-based; chains one after another).
    stats
        Rows aligned with ``draws``: Stan's ``accept_stat__``, ``stepsize__``, ``treedepth__``,
        ``n_leapfrog__``, ``divergent__`` (0/1) and ``energy__``.
    """
    chains, n = result.chains, result.draws_per_chain
    columns: dict[str, np.ndarray] = {}
    flats: dict[str, tuple[np.ndarray, tuple[int, ...]]] = {}
    for name, key, index in _columns(lowered.names):
        if key not in flats:  # one float64 copy per site (float32 draws), not one per column
            values = np.asarray(result.samples[key], dtype=np.float64)
            flats[key] = values.reshape(chains * n, -1), values.shape[2:]
        flat, shape = flats[key]
        column = int(np.ravel_multi_index(index, shape)) if index else 0
        columns[name] = flat[:, column]
    columns[".chain"] = np.repeat(np.arange(1, chains + 1), n)
    columns[".iteration"] = np.tile(np.arange(1, n + 1), chains)
    columns[".draw"] = np.arange(1, chains * n + 1)
    draws = pd.DataFrame(columns)
    st = result.stats
    stats = pd.DataFrame(
        {
            "accept_stat__": st["accept_prob"].reshape(-1).astype(np.float64),
            "stepsize__": st["step_size"].reshape(-1).astype(np.float64),
            "treedepth__": st["treedepth"].reshape(-1),
            "n_leapfrog__": st["num_steps"].reshape(-1),
            "divergent__": st["diverging"].reshape(-1).astype(np.int64),
            "energy__": st["energy"].reshape(-1).astype(np.float64),
        }
    )
    return draws, stats
