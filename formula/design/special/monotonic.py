"""brms's monotonic effects ``mo(x)``: the special-effects (``sp``) part of a block's design.

brms takes every term with a ``mo()`` call out of the population-level matrix ``X`` into its
special effects (``tidy_spef``): the term ``mo(x):z`` gets the coefficient ``bsp_mox:z``, a
simplex ``simo_mox:z1`` of its own and the covariate column ``Csp_k = z``. A monotonic variable
is an ordered factor (``Xmo`` is its level index from 0) or a whole-number variable
(``Xmo = x - min(x)``); the simplex has ``Jmo = max(Xmo)`` elements (``get_mo_values``,
``data_sp``). On new data, an integer variable is shifted by the fitting data's minimum and
must stay inside the fitted range (brms's ``validate_newdata``).

The covariates are brms's ``sp_model_matrix``: R's model matrix of the special terms with each
``mo()`` call replaced by a constant 1, whose column names become the coefficients. ``me()``
terms (:mod:`.measurement`) join the same special effects: their calls are replaced by 1 too,
and each term records its latent variables (``SpTerm.me``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from ...errors import DesignError, FormulaTermError
from ...evaluate.variables import Factor, Numeric, Value
from ...syntax.ast import Call, Name, Node, String, strip_parens
from ...syntax.parse import deparse
from ...terms.mv import resp_name
from ...terms.readers.mi_predictors import is_mi, mi_variable
from ...terms.terms import Term, TermList
from ..ir import FixedBlock, GroupBlock, SpBlock, SpTerm
from ..matrix import brms_rename, build_matrix
from .measurement import is_me, me_group, me_grouped, me_label, me_values

__all__ = [
    "build_sp",
    "check_group_sp",
    "group_matrix",
    "is_mo",
    "is_sp",
    "mo_argument",
    "split_sp",
    "with_sp",
]


def is_mo(node: Node) -> bool:
    """Whether ``node`` is a ``mo()`` call."""
    node = strip_parens(node)
    return isinstance(node, Call) and node.func == "mo"


def mo_argument(node: Node, source: str | None) -> Node:
    """The variable of ``mo(x)``, checked: one positional argument, an optional string ``id``."""
    call = strip_parens(node)
    if not isinstance(call, Call):  # pragma: no cover - guarded by is_mo
        raise TypeError(type(call).__name__)
    positional = [a for a in call.args if a.name is None]
    named = [a for a in call.args if a.name is not None]
    if len(positional) != 1 or any(a.name != "id" for a in named):
        raise FormulaTermError(
            "mo() takes one variable, as in mo(x) (an ordered factor or a whole-number variable).",
            source,
            call.span,
        )
    if named and mo_id(call) is None:
        raise FormulaTermError(
            'The id of mo(x, id = "i") must be a string or a name.', source, named[0].value.span
        )
    return positional[0].value


def mo_id(node: Node) -> str | None:
    """The ``id`` of ``mo(x, id = "i")`` (strings and names alike, as brms's deparse), or None."""
    call = strip_parens(node)
    for arg in call.args if isinstance(call, Call) else ():
        value = strip_parens(arg.value)
        if arg.name == "id" and isinstance(value, String | Name):
            return value.value if isinstance(value, String) else value.name
    return None


def is_sp(node: Node) -> bool:
    """Whether ``node`` is a special-effects call: ``mo()`` or ``me()``."""
    return is_mo(node) or is_me(node) or is_mi(node)


def split_sp(terms: TermList) -> tuple[TermList, tuple[Term, ...]]:
    """The block's terms without ``mo()`` or ``me()`` calls (``X``) and those with one
    (brms's ``sp``)."""
    sp = tuple(t for t in terms.terms if any(is_sp(v) for v in t.variables))
    if not sp:
        return terms, ()
    rest = tuple(t for t in terms.terms if t not in sp)
    return replace(terms, terms=rest), sp


def _mo_values(
    inner: str, value: Value, fitted_min: float | None, fitted: bool, error: type[DesignError]
) -> tuple[np.ndarray, float | None]:
    """``Xmo`` of the variable ``inner`` and the minimum it was shifted by (None: an ordered
    factor)."""
    if isinstance(value, Factor) and value.ordered:
        return value.codes.astype(np.int64), None
    x = value.values if isinstance(value, Numeric) else None
    whole = None if x is None or x.ndim != 1 else np.abs(x - np.round(x)) < 1.5e-8
    if fitted and x is not None and whole is not None and not whole.all():
        shown = ", ".join(f"{v:g}" for v in x[~whole][:10])
        raise error(f"Invalid values in variable '{inner}': {shown}")
    if x is None or whole is None or not whole.all():
        raise error(
            "Monotonic predictors must be integers or ordered factors. Error occurred for "
            f"variable '{inner}'."
        )
    low = float(np.min(x)) if fitted_min is None else fitted_min
    return np.round(x - low).astype(np.int64), low


def build_sp(
    sp_terms: Sequence[Term],
    values: Mapping[str, Value],
    n: int,
    fitted: SpBlock | None = None,
    error: type[DesignError] = DesignError,
) -> SpBlock:
    """brms's special-effects data of the ``mo()`` terms of one block.

    ``fitted`` is the block of the fitting data: new data keeps its minimums and simplex
    lengths and must stay inside the fitted range of each integer variable.

    A term's covariate is brms's ``Csp_{Ic}`` with ``Ic`` the cumulative count of terms that
    have one: brms 2.18 multiplies a later term without a covariate by the last covariate too
    (``mo(x) * z + mo(a):mo(x)`` gives ``mo(a):mo(x)`` the factor ``z``), as reproduced here.
    """
    sp_terms = sp_order(sp_terms)
    mo_labels = [
        lb for t in sp_terms for lb, v in zip(t.labels, t.variables, strict=True) if is_sp(v)
    ]
    me_nodes = list(
        {deparse(v): v for t in sp_terms for v in t.variables if is_me(v)}.values()
    )  # brms's uni_me: each distinct me() call is one latent variable
    ones = {lb: Numeric(np.ones(n)) for lb in mo_labels}
    matrix, names, assign = build_matrix(
        TermList(terms=tuple(sp_terms), intercept=True), {**values, **ones}, n
    )
    terms: list[SpTerm] = []
    xmo: list[np.ndarray] = []
    mins: list[float | None] = []
    ids: list[str | None] = []
    has_cov: list[bool] = []
    for k in range(1, matrix.shape[1]):
        term = sp_terms[assign[k] - 1]
        indices = []
        me = tuple(
            [deparse(m) for m in me_nodes].index(deparse(v)) for v in term.variables if is_me(v)
        )
        for label, var in zip(term.labels, term.variables, strict=True):
            if not is_mo(var):
                continue
            j = len(xmo)
            prior_min = fitted.mins[j] if fitted is not None else None
            value = values[label]
            if fitted is not None and prior_min is None and isinstance(value, Factor):
                # an ordered factor in fitting: new data's levels are already the fitted ones
                value = Factor(value.codes, value.levels, True, value.logical)
            inner = deparse(mo_argument(var, None))
            x, low = _mo_values(inner, value, prior_min, fitted is not None, error)
            if fitted is not None:
                _check_range(inner, x, low, fitted.Jmo[j], error)
            xmo.append(x)
            mins.append(low)
            ids.append(mo_id(var))
            indices.append(j)
        column = matrix[:, k]
        has_cov.append(any(not is_sp(v) for v in term.variables) or bool(np.any(column != 1)))
        mi = tuple(resp_name(deparse(mi_variable(v))) for v in term.variables if is_mi(v))
        terms.append(SpTerm(brms_rename(names[k]), tuple(indices), me=me, mi=mi))
    ic = np.cumsum(has_cov)
    csp = tuple(matrix[:, k + 1] for k in range(len(terms)) if ic[k] > 0)
    terms = [replace(t, csp=int(c)) for t, c in zip(terms, ic, strict=True)]
    jmo = fitted.Jmo if fitted is not None else tuple(int(x.max()) if x.size else 0 for x in xmo)
    if fitted is None:
        for t in terms:
            for j in t.mo:
                if jmo[j] < 1:
                    raise error(
                        f"The monotonic term '{t.coef}' needs at least two distinct values of "
                        "its variable in the data."
                    )
    grs = {deparse(g) if (g := me_group(m)) is not None else "" for m in me_nodes}
    if len(grs) > 1:
        raise FormulaTermError(
            "me() terms with different gr (or some without gr) are not supported yet in "
            "brmsjax; give every me() term the same gr."
        )
    me_J = None
    if grs and grs != {""}:  # me(x, sdx, gr = g): values per level of g
        grouped = [me_grouped(m, values, n) for m in me_nodes]
        xn_noise = [(x, s) for x, s, _ in grouped]
        me_J = grouped[0][2]
    else:
        xn_noise = [me_values(m, values, n) for m in me_nodes]
    block = SpBlock(
        tuple(terms),
        tuple(xmo),
        tuple(jmo),
        csp,
        tuple(mins),
        tuple(ids) if any(ids) else (),
        Xn=tuple(x for x, _ in xn_noise),
        noise=tuple(s for _, s in xn_noise),
        me_labels=tuple(me_label(m) for m in me_nodes),
        me_J=me_J,
        me_gr="" if me_J is None else next(iter(grs)),
    )
    for j, size in enumerate(jmo):
        if size != jmo[block.owner(j)]:
            raise error(
                f"The monotonic terms with id '{ids[j]}' share a simplex, so their variables need "
                f"the same number of values; they have {jmo[block.owner(j)] + 1} and {size + 1}."
            )
    return block


def sp_order(sp_terms: Sequence[Term]) -> tuple[Term, ...]:
    """The terms with their variables in order of first appearance among the special terms.

    brms's ``sp_model_matrix`` is R's model matrix of a formula of the special terms alone,
    so an interaction's name follows that formula's variable order: ``chl * mo(age)`` gives
    ``moage:chl`` (``mo(age)`` comes first among the terms ``mo(age)``, ``chl:mo(age)``).
    """
    rank: dict[str, int] = {}
    for t in sp_terms:
        for label in t.labels:
            rank.setdefault(label, len(rank))
    out = []
    for t in sp_terms:
        pairs = sorted(zip(t.labels, t.variables, strict=True), key=lambda p: rank[p[0]])
        out.append(
            replace(t, labels=tuple(p[0] for p in pairs), variables=tuple(p[1] for p in pairs))
        )
    return tuple(out)


def _check_range(
    inner: str, x: np.ndarray, low: float | None, jmo: int, error: type[DesignError]
) -> None:
    bad = (x < 0) | (x > jmo)
    if low is None or not bad.any():
        return
    shown = ", ".join(f"{v + low:g}" for v in x[bad][:10])
    raise error(f"Invalid values in variable '{inner}': {shown}")


def with_sp(block: FixedBlock) -> np.ndarray:
    """The block's ``X`` and, after it, the expanded columns of its ``mo()`` terms: the matrix
    that prediction multiplies by the coefficients and then the simplex products."""
    X = np.asarray(block.X, dtype=np.float64)
    return X if block.sp is None else np.concatenate([X, block.sp.expanded(len(X))], axis=1)


def group_matrix(
    coefs: TermList, values: Mapping[str, Value], n: int
) -> tuple[np.ndarray, list[str], list[int], int]:
    """``Z`` of a group-level term whose coefficients may include ``mo()`` terms.

    brms's ``(mo(x) + z | g)`` has the coefficients of the terms without ``mo()`` first (their
    ``Z`` columns), then one per ``mo()`` term (``mox``), which multiplies that term's
    population-level predictor instead of a data column; its column here is a placeholder of
    ones. Returns ``Z``, R's column names, R's ``assign`` (1-based into ``coefs.terms``, 0 for
    the intercept) and the number of trailing ``mo()`` columns.
    """
    regular, sp_terms = split_sp(coefs)
    z, names, assign = build_matrix(regular, values, n)
    index = {id(t): i for i, t in enumerate(coefs.terms, 1)}
    assign = [0 if a == 0 else index[id(regular.terms[a - 1])] for a in assign]
    if not sp_terms:
        return z, names, assign, 0
    ones = {
        lb: Numeric(np.ones(n))
        for t in sp_terms
        for lb, v in zip(t.labels, t.variables, strict=True)
        if is_mo(v)
    }
    sp_terms_list = TermList(terms=tuple(sp_terms), intercept=True)
    _, sp_names, sp_assign = build_matrix(sp_terms_list, {**values, **ones}, n)
    extra = [index[id(sp_terms[a - 1])] for a in sp_assign[1:]]
    z = np.concatenate([z, np.ones((n, len(extra)))], axis=1)
    return z, [*names, *sp_names[1:]], [*assign, *extra], len(extra)


def check_group_sp(fixed: Sequence[FixedBlock], groups: Sequence[GroupBlock]) -> None:
    """brms's check that every ``mo()`` coefficient of a group-level term has the same
    population-level term (whose simplexes it uses).

    brms 2.18 checks only where the dpar has some ``mo()`` term; without any (``y ~ z +
    (mo(x) | g)``) it samples ``r_g[,mox]`` unused in the model. Here that is refused too.
    """
    have = {b.dpar: b.sp.coefs if b.sp is not None else () for b in fixed}
    invalid = [
        c
        for g in groups
        for c, d, flag in zip(g.coefs, g.dpars, g.sp or [False] * g.M, strict=True)
        if flag and c not in have.get(d, ())
    ]
    if invalid:
        raise DesignError(
            "Special group-level terms require corresponding population-level terms:\n"
            f"Occured for {', '.join(repr(c) for c in dict.fromkeys(invalid))}"
        )
