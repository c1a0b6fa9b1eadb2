"""brms's prior table and the per-parameter priors the sampler uses.

The user's priors (:class:`~brmsjax.backend.priors.user.Prior`, made by ``prior()``) are
re-exported here, where saved fits look for them. :func:`prior_table` is brms 2.18's
``get_prior`` table (with user priors merged in, marked ``source = "user"``);
:func:`resolve_priors` turns defaults and user priors into one :class:`ParamPrior` per model
parameter, with brms's precedence: a coefficient's prior over
a group's over a class's over the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import Family
from brmsjax.backend.priors.check import check_bounds, check_user_priors
from brmsjax.backend.priors.measurement import me_priors
from brmsjax.backend.priors.monotonic import check_dirichlet, dirichlet_specs, sp_priors
from brmsjax.backend.priors.nonlinear import internal_priors, shown_rows
from brmsjax.backend.priors.parse import prior_display
from brmsjax.backend.priors.rows import (
    DF_DEFAULT,
    LKJ_DEFAULT,
    PriorRow,
    arma_prior_rows,
    category_dpars,
    equidistant,
    format_r_number,
    model_rows,
    scalar_dpars,
    spatial_rows,
    threshold_coefs,
)
from brmsjax.backend.priors.special import SPECIAL
from brmsjax.backend.priors.user import (
    Prior,
    PriorList,
    PriorsLike,
    as_priors,
    prior,
    set_prior,
)
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.special.group_by import by_info, group_dist

TABLE_COLUMNS = ("prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "source")


@dataclass(frozen=True)
class ParamPrior:
    """The priors of one internal parameter, one :class:`PriorSpec` per element."""

    # internal parameter: "Intercept", "b", "sigma", "sd_1", "L_1";
    # a predicted dpar: "Intercept_sigma", "b_sigma"; a category of a categorical model:
    # "Intercept_mu2", "b_mu2"
    param: str
    # one per element: b -> one per slope column (FixedBlock.slope_columns order);
    # Intercept of an ordinal model -> one per threshold (FixedBlock.thresholds);
    # bcs -> one per category-specific column and threshold (column by column);
    # sd_k -> one per coef of GroupBlock k (k = GroupBlock.id); scalar params -> one;
    # L_k -> one lkj(eta); bsp<_dpar> -> one per mo() coefficient (SpBlock.coefs);
    # simo<_dpar>_<j> -> one dirichlet(alpha_k) per element of simplex j
    specs: tuple[PriorSpec, ...]


ResolvedPriors = Mapping[str, ParamPrior]  # keyed by param


def _default(
    rows: Mapping[tuple[str, str, str, str, str, str], PriorRow],
    key: tuple[str, str, str, str, str, str],
) -> PriorSpec:
    spec = rows[key].spec
    return PriorSpec("flat") if spec is None else spec


def resolve_priors(design: Design, family: Family, user: PriorsLike = None) -> ResolvedPriors:
    """The prior of every parameter element, from brms's defaults and the user's priors.

    Precedence is brms's: coefficient-level over group-level over class-level user priors over
    defaults. An ordinal model's ``Intercept`` has one prior per threshold (``coef="1"``, ...);
    a categorical model's categories (``Intercept_mu2``, ``b_mu2``, ...) fall back to the
    class-level priors of mu (no dpar) as brms 2.18 does. ``sd`` and ``sigma`` keep their lower
    bound 0 (their priors are truncated there); class ``b`` takes the bounds of its class-level
    user prior; ``cor`` priors become ``lkj(eta)`` on ``L_k``.

    Raises
    ------
    PriorError
        For a prior naming a class, coefficient, group or dpar the model lacks (the message
        lists what exists), a non-lkj ``cor`` prior, misplaced bounds, a constant outside the
        parameter's bounds, or a prior whose support the parameter cannot stay in.
    """
    rows = {row.key: row for row in model_rows(design, family)}
    user = internal_priors(as_priors(user), design)  # nlpar priors keyed as dpar ones
    chosen = check_user_priors(user, tuple(rows.values()), design, family)
    check_dirichlet(chosen)

    def pick(*keys: tuple[str, ...]) -> Prior | None:
        return next((chosen[k] for k in keys if k in chosen), None)

    # brms applies the class-level b and Intercept priors of a categorical model's mu (dpar "")
    # to every category that has none of its own.
    categories = set(category_dpars(design, family))

    def pick_class(cls: str, d: str) -> Prior | None:
        own = pick((cls, "", "", "", d, ""))
        return own if own or d not in categories else pick((cls, "", "", "", "", ""))

    out: dict[str, ParamPrior] = {}
    for block in design.fixed:
        d = block.dpar
        suffix = f"_{d}" if d else ""
        if block.intercept or block.thresholds:
            key = ("Intercept", "", "", "", d, "")
            top = pick_class("Intercept", d)
            specs = []
            for coef in threshold_coefs(family, block.thresholds) or ("",):
                p = pick(("Intercept", coef, "", "", d, "")) or top
                spec = p.spec if p else _default(rows, key)
                where = f"threshold {coef} of class 'Intercept'" if coef else "class 'Intercept'"
                specs.append(check_bounds(spec, None, None, where + _of(d)))
            out["Intercept" + suffix] = ParamPrior("Intercept" + suffix, tuple(specs))
        if block.slope_columns:
            top = pick_class("b", d)
            if top is not None and top.spec.dist in SPECIAL:  # horseshoe(), R2D2(), lasso()
                n_b = len(block.slope_columns)
                out["b" + suffix] = ParamPrior("b" + suffix, (top.spec,) * n_b)
            else:
                lb, ub = (top.lb, top.ub) if top else (None, None)
                specs = []
                for c in block.slope_columns:
                    p = pick(("b", c, "", "", d, "")) or top
                    spec = p.spec if p else PriorSpec("flat")
                    where = f"coefficient '{c}' of class 'b'{_of(d)}"
                    specs.append(check_bounds(spec, lb, ub, where))
                out["b" + suffix] = ParamPrior("b" + suffix, tuple(specs))
        if block.cs_columns:  # bcs: one prior per column and threshold, class b's
            top = pick_class("b", d)
            specs = []
            for c in block.cs_columns:
                p = pick(("b", c, "", "", d, "")) or top
                spec = p.spec if p else PriorSpec("flat")
                where = f"category-specific coefficient '{c}' of class 'b'"
                specs += [check_bounds(spec, *_bounds(top), where)] * block.thresholds
            out["bcs" + suffix] = ParamPrior("bcs" + suffix, tuple(specs))
        for name, sp_specs in sp_priors(block, pick, pick_class("b", d), _of(d)).items():
            out[name] = ParamPrior(name, sp_specs)
    mu = design.block("")
    if mu is not None and mu.thresholds and equidistant(family):
        key = ("delta", "", "", "", "", "")
        p = pick(key)
        spec = p.spec if p else _default(rows, key)
        lb = p.lb if p is not None and p.lb is not None else rows[key].lb
        ub = p.ub if p is not None else None
        out["delta"] = ParamPrior("delta", (check_bounds(spec, lb, ub, "class 'delta'"),))
    for dpar in scalar_dpars(design, family):
        key = (dpar, "", "", "", "", "")
        p = pick(key)
        lb, ub = family.dpar_bounds.get(dpar, (None, None))
        spec = p.spec if p else _default(rows, key)
        out[dpar] = ParamPrior(dpar, (check_bounds(spec, lb, ub, f"class '{dpar}'"),))
    for g in design.groups:
        specs = []
        for c, d in zip(g.coefs, g.dpars, strict=True):
            sd_key = ("sd", "", "", "", d, "")
            p = pick(("sd", c, g.group, "", d, ""), ("sd", "", g.group, "", d, ""), sd_key)
            spec = p.spec if p else _default(rows, sd_key)
            where = f"coefficient '{c}' of class 'sd' in group '{g.group}'"
            specs.append(check_bounds(spec, 0.0, None, where))
        specs *= max(len(by_info(g)[1]), 1)  # gr(g, by = f): the same per level of f
        out[f"sd_{g.id}"] = ParamPrior(f"sd_{g.id}", tuple(specs))
        if g.cor and g.M > 1:
            p = pick(("cor", "", g.group, "", "", ""), ("cor", "", "", "", "", ""))
            spec = LKJ_DEFAULT if p is None else PriorSpec("lkj", p.spec.args)
            out[f"L_{g.id}"] = ParamPrior(f"L_{g.id}", (spec,))
        if group_dist(g) == "student":  # gr(g, dist = "student"): df_k > 1
            p = pick(("df", "", g.group, "", "", ""))
            spec = p.spec if p else DF_DEFAULT
            where = f"class 'df' of group '{g.group}'"
            out[f"df_{g.id}"] = ParamPrior(f"df_{g.id}", (check_bounds(spec, 1.0, None, where),))
    if ("lncor", "", "", "", "", "") in rows:  # logistic_normal's correlations: lkj on L_lncor
        p = pick(("lncor", "", "", "", "", ""))
        spec = LKJ_DEFAULT if p is None else PriorSpec("lkj", p.spec.args)
        out["L_lncor"] = ParamPrior("L_lncor", (spec,))
    for sm in design.smooths:
        sds_key = ("sds", "", "", "", sm.dpar, "")
        p = pick(("sds", sm.term, "", "", sm.dpar, ""), sds_key)
        spec = check_bounds(
            p.spec if p else _default(rows, sds_key), 0.0, None, f"class 'sds' of {sm.term}"
        )
        out[f"sds_{sm.key}"] = ParamPrior(f"sds_{sm.key}", (spec,) * len(sm.knots))
    for gp in design.gps:
        d, p_ = gp.dpar, gp.prefix()
        for cls, names in (("sdgp", gp.sfx1), ("lscale", [n for s in gp.sfx2 for n in s])):
            specs = []
            for name in names:
                # brms: a coefficient's default (lscale's data-tuned one) beats a class prior
                coef_key, class_key = (cls, name, "", "", d, ""), (cls, "", "", "", d, "")
                p = pick(coef_key)
                if p is None and rows[coef_key].spec is None:
                    p = pick(class_key)
                    coef_key = class_key
                spec = p.spec if p else _default(rows, coef_key)
                specs.append(check_bounds(spec, 0.0, None, f"'{name}' of class '{cls}'{_of(d)}"))
            out[f"{cls}{p_}"] = ParamPrior(f"{cls}{p_}", tuple(specs))
    if ("theta", "", "", "", "", "") in rows:  # a mixture's simplex of proportions
        nmix = len(getattr(family, "components", ()))
        out["theta"] = ParamPrior("theta", dirichlet_specs(pick(("theta",) + ("",) * 5), nmix))
    for row, size in [*arma_prior_rows(design, family), *spatial_rows(design, family)]:
        p = pick(row.key)
        spec = p.spec if p else _default(rows, row.key)
        where = f"class '{row.class_}'{_of(row.dpar)}"
        name = f"{row.class_}_{row.dpar}" if row.dpar else row.class_  # sdcar_mu1
        out[name] = ParamPrior(name, (check_bounds(spec, row.lb, row.ub, where),) * size)
    if design.cosy is not None:  # cosy(): the compound symmetry correlation in [0, 1]
        p = pick(("cosy", "", "", "", "", ""))
        spec = check_bounds(p.spec if p else PriorSpec("flat"), 0.0, 1.0, "class 'cosy'")
        out["cosy"] = ParamPrior("cosy", (spec,))
    for name, me_specs in me_priors(design, pick).items():  # me(): meanme, sdme, corme
        out[name] = ParamPrior(name, me_specs)
    return out


def _bounds(top: Prior | None) -> tuple[float | None, float | None]:
    """The bounds a class-level prior gives its class (none without one)."""
    return (top.lb, top.ub) if top else (None, None)


def _shown(spec: PriorSpec | None, p: Prior | None) -> str:
    """The prior column: a shrinkage prior as the user's call deparses (``horseshoe(1)``)."""
    if spec is None:
        return ""
    return prior_display(p.prior) if p is not None else str(spec)


def _of(dpar: str) -> str:
    return f" of dpar '{dpar}'" if dpar else ""


def prior_table(design: Design, family: Family, user: PriorsLike = None) -> pd.DataFrame:
    """brms 2.18's ``get_prior`` table, with user priors merged in.

    Columns are ``prior, class, coef, group, resp, dpar, nlpar, lb, ub, source``, all strings as
    brms's data frame has them: ``prior`` is ``""`` for flat priors and for rows that inherit the
    prior of the class row above them; ``lb``/``ub`` are set on class-level rows. Rows are in
    brms's order. A row that a user prior sets shows that prior (and its bounds) with ``source``
    ``"user"``; all others are ``"default"``.
    """
    priors = internal_priors(as_priors(user), design)
    resolve_priors(design, family, priors)  # the same checks as for sampling
    rows = model_rows(design, family)
    chosen = check_user_priors(priors, rows, design, family)
    records = []
    for row, shown in shown_rows(rows, design):
        p = chosen.get(row.key)
        spec, lb, ub, source = row.spec, row.lb, row.ub, "default"
        label = "" if spec is None else row.shown or str(spec)
        ub_label, lb_label = row.ub_shown, row.lb_shown  # bounds brms names (min_Y)
        if p is not None:
            label, source = p.label, "user"
            if p.lb is not None or p.ub is not None:
                lb, ub, ub_label, lb_label = p.lb, p.ub, "", ""
        records.append(
            {
                "prior": label,
                "class": row.class_,
                "coef": row.coef,
                "group": row.group,
                "resp": row.resp,
                "dpar": shown.dpar,
                "nlpar": shown.nlpar,
                "lb": lb_label or format_r_number(lb),
                "ub": ub_label or format_r_number(ub),
                "source": source,
            }
        )
    return pd.DataFrame.from_records(records, columns=list(TABLE_COLUMNS))


__all__ = [
    "ParamPrior",
    "Prior",
    "PriorList",
    "ResolvedPriors",
    "as_priors",
    "prior",
    "prior_table",
    "resolve_priors",
    "set_prior",
]
