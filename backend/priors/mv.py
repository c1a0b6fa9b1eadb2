"""brms 2.18's priors of a multivariate model: the ``resp`` column and the ``rescor`` class.

brms lists, without a response, the classes every response inherits from (``b`` and
``Intercept``, flat), the group-level correlations (``cor``), a student model's shared ``nu``
and the residual correlations (``rescor``, ``lkj(1)``); then each response's own rows (its
univariate rows with ``resp`` set). A prior without ``resp`` applies to every response that
has no prior of its own for the same class, coefficient and group (brms's base priors).
:func:`resolve_mv_priors` resolves each response's priors on its univariate design and
renames them to the flat design's parameters (``b_y1``, ``sigma_y1``); the group-level
standard deviations are taken per coefficient from the response's design, since brms numbers
the IDs across the responses.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.mv import MvFamily
from brmsjax.backend.priors.rows import LKJ_DEFAULT, PriorRow, format_r_number, model_rows
from brmsjax.backend.priors.user import Prior, PriorsLike, as_priors
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.mv.ir_mv import mv_dpar, split_dpar
from brmsjax.formula.errors import PriorError

__all__ = ["mv_prior_rows", "mv_prior_table", "resolve_mv_priors"]

_GLOBAL = ("cor", "rescor")
_NU_DEFAULT = PriorSpec("gamma", (2.0, 0.1))


def _check_resp(user: tuple[Prior, ...], family: MvFamily) -> None:
    for p in user:
        if p.resp and p.resp not in family.responses:
            raise PriorError(
                f"The prior for class '{p.class_}' names response '{p.resp}', but the model's "
                f"responses are: {', '.join(family.responses)}."
            )
        if p.class_ == "rescor" and not family.rescor:
            raise PriorError(
                "The model has no residual correlations (class 'rescor'); use set_rescor(TRUE)."
            )


def _user_of(user: tuple[Prior, ...], resp: str, family: MvFamily) -> list[Prior]:
    """The priors a response's univariate model sees: its own (``resp`` dropped), then those
    without ``resp`` that it has no own prior for."""
    own = [replace(p, resp="") for p in user if p.resp == resp]
    keys = {(p.class_, p.coef, p.group, p.dpar, p.nlpar) for p in own}
    shared = [
        p
        for p in user
        if not p.resp
        and p.class_ not in _GLOBAL
        and not (family.student and p.class_ == "nu")
        and (p.class_, p.coef, p.group, p.dpar, p.nlpar) not in keys
    ]
    return own + shared


def resolve_mv_priors(design: Design, family: MvFamily, user: PriorsLike = None) -> dict:
    """The priors of the flat multivariate design's parameters (keyed as
    :func:`~brmsjax.backend.priors.resolve.resolve_priors` keys them)."""
    from brmsjax.backend.priors.resolve import ParamPrior, resolve_priors

    priors = as_priors(user)
    _check_resp(priors, family)
    mv = design.mv
    out: dict[str, Any] = {}
    per: dict[str, Any] = {}
    for resp, d in zip(mv.responses, mv.designs, strict=True):
        resolved = resolve_priors(d, family.member(resp), _user_of(priors, resp, family))
        per[resp] = resolved
        for key, value in resolved.items():
            if key.startswith("sds_"):  # sds_<dpar>_<k>: the flat smooth's key
                own, _, j = key[4:].rpartition("_")
                flat = f"sds_{mv_dpar(own, resp)}_{j}"
                out[flat] = replace(value, param=flat)
            elif not key.startswith(("sd_", "L_")):
                out[f"{key}_{resp}"] = replace(value, param=f"{key}_{resp}")
    for g in design.groups:
        specs = []
        for c, flat in zip(g.coefs, g.dpars, strict=True):
            resp, dpar = split_dpar(flat, mv.responses)
            own = mv.design(resp).groups
            pairs = {b.id: list(zip(b.coefs, b.dpars, strict=True)) for b in own}
            block = next(b for b in own if b.group == g.group and (c, dpar) in pairs[b.id])
            k = pairs[block.id].index((c, dpar))
            specs.append(per[resp][f"sd_{block.id}"].specs[k])
        out[f"sd_{g.id}"] = ParamPrior(f"sd_{g.id}", tuple(specs))
        if g.cor and g.M > 1:
            p = _pick(priors, "cor", g.group)
            spec = LKJ_DEFAULT if p is None else PriorSpec("lkj", p.spec.args)
            out[f"L_{g.id}"] = ParamPrior(f"L_{g.id}", (spec,))
    if family.rescor:
        p = _pick(priors, "rescor", "")
        spec = LKJ_DEFAULT if p is None else PriorSpec("lkj", p.spec.args)
        out["L_rescor"] = ParamPrior("L_rescor", (spec,))
    if family.student:
        p = _pick(priors, "nu", "")
        out["nu"] = ParamPrior("nu", (_NU_DEFAULT if p is None else p.spec,))
    return out


def _pick(priors: tuple[Prior, ...], cls: str, group: str) -> Prior | None:
    for key in ((cls, group), (cls, "")):
        for p in priors:
            if (p.class_, p.group) == key and not p.resp and not p.coef:
                return p
    return None


def mv_prior_rows(design: Design, family: MvFamily) -> tuple[PriorRow, ...]:
    """All prior rows of a multivariate model in brms 2.18's ``get_prior`` order."""
    mv = design.mv
    flat = PriorSpec("flat")
    rows = [PriorRow("b", spec=flat), PriorRow("Intercept", spec=flat)]
    for g in design.groups:
        if g.cor and g.M > 1:
            rows += [PriorRow("cor", spec=LKJ_DEFAULT), PriorRow("cor", group=g.group)]
    if family.student:
        rows.append(PriorRow("nu", spec=_NU_DEFAULT, lb=1.0))
    if family.rescor:
        rows.append(PriorRow("rescor", spec=LKJ_DEFAULT))
    for resp, d in zip(mv.responses, mv.designs, strict=True):
        for row in model_rows(d, family.member(resp)):
            if row.class_ in _GLOBAL or (family.student and row.class_ == "nu"):
                if row.class_ == "cor":
                    rows.append(row)
                continue
            rows.append(replace(row, resp=resp))
    unique: dict[tuple[str, ...], PriorRow] = {}
    for row in sorted(rows, key=PriorRow.sort_key):
        unique.setdefault(row.key, row)
    return tuple(unique.values())


def mv_prior_table(design: Design, family: MvFamily, user: PriorsLike = None) -> pd.DataFrame:
    """brms 2.18's ``get_prior`` table of a multivariate model, user priors merged in."""
    from brmsjax.backend.priors.resolve import TABLE_COLUMNS

    resolve_mv_priors(design, family, user)  # the same checks as for sampling
    priors = {(p.class_, p.coef, p.group, p.resp, p.dpar, p.nlpar): p for p in as_priors(user)}
    records = []
    for row in mv_prior_rows(design, family):
        p = priors.get(row.key)
        label = "" if row.spec is None else str(row.spec)
        lb, ub, source = row.lb, row.ub, "default"
        if p is not None:
            label, source = p.label, "user"
            if p.lb is not None or p.ub is not None:
                lb, ub = p.lb, p.ub
        records.append(
            {
                "prior": label,
                "class": row.class_,
                "coef": row.coef,
                "group": row.group,
                "resp": row.resp,
                "dpar": row.dpar,
                "nlpar": row.nlpar,
                "lb": format_r_number(lb),
                "ub": format_r_number(ub),
                "source": source,
            }
        )
    return pd.DataFrame.from_records(records, columns=list(TABLE_COLUMNS))
