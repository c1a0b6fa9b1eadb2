"""The design of a multivariate model (``mvbind(y1, y2) ~ x``, ``bf(y1 ~ x) + bf(y2 ~ z)``).

:func:`build_mv_design` builds one univariate :class:`~.ir.Design` per response on the rows
that every response can use (brms drops a row with a missing value in any response's
variables, with one warning), then the flat design that the lowering reads
(:mod:`.ir_mv`): the responses' population-level blocks with brms's combined dpars
(``y1``, ``sigma_y1``), group-level blocks numbered across the responses as brms's IDs (terms
sharing ``|p|`` share an ID, whatever their response), and the ``(N, nresp)`` response matrix.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from ...errors import DesignError, FormulaTermError
from ...terms.brmsterms import brms_terms
from ...terms.family_terms.family_checks import multivariate_part
from ...terms.mv import mv_parts
from ...terms.readers.mi_predictors import mi_responses, response_labels
from ...warn import user_stacklevel
from ..design import NA_WARNING, DataWarning, _evaluate, as_frame, build_design
from ..groups import _group_blocks
from ..intercept import with_reserved_intercept
from ..ir import Design, Response
from ..response import family_kind
from .ir_mv import MvSpec, mv_dpar
from .mv_subset import mv_subset, subset_blocks

__all__ = ["RESCOR_DEFAULT_WARNING", "RESCOR_ERROR", "build_mv_design"]

RESCOR_ERROR = (
    "Currently, estimating 'rescor' is only possible in multivariate gaussian or student models."
)
RESCOR_DEFAULT_WARNING = (
    "Setting 'rescor' to TRUE by default for this model. In the future, 'rescor' will be set "
    "to FALSE by default for all models. It is thus recommended to explicitely set 'rescor' "
    "via 'set_rescor' instead of using the default."
)
_RESCOR_FAMILIES = ("gaussian", "student")


def _refuse_special(resp: str, design: Design) -> None:
    what = None
    if design.arma is not None or design.arcov is not None:
        what = "ARMA terms"
    elif design.nonlinear is not None or design.nlf:
        what = "non-linear formulas (nl = TRUE, nlf())"
    elif design.gps:
        what = "gp() terms"
    elif any(
        (b.sp is not None and any(t.mo or t.me for t in b.sp.terms))
        or b.Xcs is not None
        or b.thresholds
        for b in design.fixed
    ):
        what = "mo() and cs() terms and ordinal families"
    elif design.kind == "categorical":
        what = "categorical families"
    elif set(design.response.addition) - {"subset", "index"}:
        what = "addition terms (weights(), cens(), ...)"
    elif (d2 := design.data2) is not None and (d2.lcov or d2.fcor is not None or d2.sar):
        what = "gr(cov = ), fcor() and sar() terms"
    if what is not None:
        raise FormulaTermError(
            f"Multivariate models with {what} are not supported yet in brmsjax (response "
            f"'{resp}'); fit the responses one by one."
        )


def rescor_of(rescor: bool | None, families: list[Any]) -> bool:
    """brms's ``rescor``: as given (refused for other families than gaussian and student, or
    mixed ones), else True with brms's warning when all responses are gaussian or all student."""
    names = [family_kind(f)[0] for f in families]
    allowed = len(set(names)) == 1 and names[0] in _RESCOR_FAMILIES
    if rescor is None:
        if allowed:
            warnings.warn(RESCOR_DEFAULT_WARNING, UserWarning, stacklevel=user_stacklevel())
        return allowed
    if rescor and not allowed:
        raise FormulaTermError(RESCOR_ERROR)
    return rescor


def build_mv_design(formula: Any, data: Any, family: Any = None, data2: Any = None) -> Design:
    """The flat design of a multivariate formula (``Design.mv`` holds the responses).

    Parameters
    ----------
    formula
        ``"mvbind(y1, y2) ~ x"``, ``bf(...) + bf(...) + set_rescor(...)``, ``mvbf(...)`` or
        such a text.
    data
        A DataFrame or a dict of columns.
    family
        The family of every response without its own ``bf(family = )``.
    data2
        brms's ``data2`` (the ``car()`` terms' adjacency matrices).

    Raises
    ------
    FormulaTermError
        For ``rescor`` with other families than gaussian or student (brms's error), or terms
        brmsjax does not support in multivariate models yet.
    """
    split = mv_parts(formula)
    if split is None:
        raise FormulaTermError("This formula has one response; use build_design().")
    with mi_responses(*response_labels(split[0])), multivariate_part():  # mi(x) may name them
        return _build_mv_design(split, data, family, data2)


def _build_mv_design(split: Any, data: Any, family: Any, data2: Any = None) -> Design:
    parts, rescor_given = split
    frame = as_frame(data)
    if not len(frame):
        raise DesignError("The data have no rows.")
    columns = list(map(str, frame.columns))
    families = [part.family if part.family is not None else family for _, part in parts]
    rescor = rescor_of(rescor_given, families)
    keep = np.ones(len(frame), dtype=bool)
    for _, part in parts:
        bt = brms_terms(part, columns=columns)
        _, rows, _ = _evaluate(bt, with_reserved_intercept(frame, bt), True, warn=False)
        used = np.zeros(len(frame), dtype=bool)
        used[rows] = True
        keep &= used
    rows = np.flatnonzero(keep)
    if not rows.size:
        raise DesignError("No rows are left after excluding rows with missing values.")
    if len(rows) < len(frame):
        warnings.warn(NA_WARNING, DataWarning, stacklevel=user_stacklevel())
    sub = frame.iloc[rows]
    designs = []
    for (resp, part), fam in zip(parts, families, strict=True):
        d = build_design(replace(part, family=None), sub, family=fam, data2=data2)
        _refuse_special(resp, d)
        designs.append(d)
    responses = tuple(r for r, _ in parts)
    values: dict[str, Any] = {}
    dpars = []
    for resp, d in zip(responses, designs, strict=True):
        bt = d.state.terms
        vals, _, _ = _evaluate(bt, with_reserved_intercept(sub, bt), True, warn=False)
        values.update(vals)
        for dp in bt.dpars:
            # brms's get_re orders each predictor's terms by grouping factor (R's order())
            ordered = sorted(dp.groups, key=lambda g: (g.group.lower(), g.group))
            groups = tuple(replace(g, dpar=mv_dpar(g.dpar, resp)) for g in ordered)
            dpars.append(replace(dp, dpar=mv_dpar(dp.dpar, resp), groups=groups))
    first = designs[0].state.terms
    groups = _group_blocks(replace(first, dpars=tuple(dpars)), values, len(rows))
    fixed = tuple(
        replace(b, dpar=mv_dpar(b.dpar, resp))
        for resp, d in zip(responses, designs, strict=True)
        for b in d.fixed
    )
    smooths = tuple(
        replace(sm, dpar=mv_dpar(sm.dpar, resp))
        for resp, d in zip(responses, designs, strict=True)
        for sm in d.smooths
    )
    fixed_dpars = {
        mv_dpar(k, resp): v
        for resp, d in zip(responses, designs, strict=True)
        for k, v in d.fixed_dpars.items()
    }
    if rescor and family_kind(families[0])[0] == "student":  # brms: nu_<resp> = 1, one nu
        fixed_dpars.update({f"nu_{resp}": 1.0 for resp in responses})
    labels = tuple(d.response.name for d in designs)
    lines = tuple(line for d in designs for line in d.state.terms.formula_lines)
    subset = mv_subset(responses, labels, designs, values, rescor)
    fixed = subset_blocks(subset, responses, designs) or fixed  # subset(): centred as brms
    own = list(designs)  # the responses' own designs: a subsetted one on its rows only
    for k, ((_, part), fam) in enumerate(zip(parts, families, strict=True)):
        if subset is not None and (kept := subset.rows[k]) is not None:
            own[k] = build_design(
                replace(part, family=None), sub.iloc[kept], family=fam, data2=data2
            )
    spec = MvSpec(responses, labels, tuple(own), tuple(families), rescor, lines, subset)
    y = np.column_stack([d.response.y for d in designs])
    return Design(
        response=Response(name=", ".join(labels), y=y),
        fixed=fixed,
        groups=groups,
        rows=rows,
        fixed_dpars=fixed_dpars,
        state=designs[0].state,
        kind="multivariate",
        smooths=smooths,
        mv=spec,
    )
