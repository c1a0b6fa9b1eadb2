"""Translated corpus calls on simulated data: their designs build and (slow) their fits run."""

from __future__ import annotations

import re
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.priors.resolve import Prior, prior
from brmsjax.formula.design.design import DataWarning
from brmsjax.formula.errors import BrmsjaxError, FormulaTermError, ModelError
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.formula.terms.mv_formula import MvFormula
from brmsjax.port import BrmCall, FamilyCall, RCodeError, Ref, from_r, parse_r
from brmsjax.port.translate import FormulaCall, r_formula
from brmsjax.rcode.rfamilies import r_family
from tests.port.test_port_corpus import CORPUS, Case

# ---------------------------------------------------------------------------------------------
# Corpus calls on simulated data with the variables they name
# ---------------------------------------------------------------------------------------------

_COUNTS = (
    "poisson",
    "negbinomial",
    "geometric",
    "zero_inflated_poisson",
    "com_poisson",
    "zero_inflated_negbinomial",
    "hurdle_poisson",
    "hurdle_negbinomial",
)
_POSITIVE = (
    "gamma",
    "lognormal",
    "exponential",
    "weibull",
    "frechet",
    "hurdle_gamma",
    "hurdle_lognormal",
    "shifted_lognormal",
    "exgaussian",
    "wiener",
    "gen_extreme_value",
)
_ORDINAL = ("cumulative", "sratio", "cratio", "acat", "categorical")
_ADDITION_ROLES = {
    "trials": "trials",
    "cens": "cens",
    "se": "positive",
    "weights": "positive",
    "rate": "positive",
    "factor": "factor",
    "gr": "group",
    "mm": "group",
    "cat": "trials",
    "thres": "trials",
    "dec": "binary",
    "mo": "factor",  # whole numbers, as mo() needs
    "fcor": "fcor",  # data2 matrices: an N x N correlation matrix
    "sar": "adjacency",  # an N x N neighbourhood matrix
    "car": "adjacency",
    "subset": "subset",  # TRUE but in the first two rows
    "index": "rowid",  # 1, 2, ..., N
}
#: Roles of objects that live in data2, not in the data.
_DATA2_ROLES = ("cov", "fcor", "adjacency")


def _roles(node: Any, role: str, out: dict[str, str]) -> None:
    """Give each variable of a formula tree a role: response, group, factor, trials, ..."""
    from brmsjax.formula.syntax import ast

    if isinstance(node, ast.Name):
        if node.name not in {"TRUE", "FALSE", "Intercept", ".", "pi"}:
            out.setdefault(node.name, role)
    elif isinstance(node, ast.Formula):
        if node.lhs is not None:
            _roles(node.lhs, "response", out)
        _roles(node.rhs, role, out)
    elif isinstance(node, ast.BinOp):
        _roles(node.left, role, out)
        right = role
        if node.op in {"|", "||"}:
            right = "addition" if role == "response" else "group"
        _roles(node.right, right, out)
    elif isinstance(node, ast.UnaryOp | ast.Paren):
        _roles(node.operand if isinstance(node, ast.UnaryOp) else node.expr, role, out)
    elif isinstance(node, ast.Call):
        inner = _ADDITION_ROLES.get(node.func, "number" if role != "response" else role)
        for i, arg in enumerate(node.args):
            sub = inner if (i == 0 or inner == "group") and arg.name in (None, "x") else "number"
            if node.func == "mi" and i == 1:  # mi(x, idx): ids of rows in x's subset
                sub = "mi_idx"
            if node.func == "gr" and arg.name == "cov":
                sub = "cov"  # gr(g, cov = A): the levels' covariance, from data2
            if node.func == "gr" and arg.name == "by" and isinstance(arg.value, ast.Name):
                out[arg.value.name] = "by"  # gr(g, by = f): f constant within each level of g
                continue
            _roles(arg.value, sub, out)


def _call_roles(call: BrmCall) -> dict[str, str]:
    from brmsjax.formula.syntax.parse import parse

    formula = call.formula
    assert not isinstance(formula, Ref)
    roles: dict[str, str] = {}
    if isinstance(formula, MvFormula):
        texts = tuple(t for part in formula.parts for t in part.formulas)
    else:
        texts = formula.formulas if isinstance(formula, BrmsFormula) else (formula,)
    for text in texts:
        _roles(parse(text), "number", roles)
    return roles


def simulate_data2(call: BrmCall, n: int = 24) -> dict[str, Any]:
    """The data2 objects the call's formula names: a covariance of the group levels a-d
    (``gr(g, cov = A)``), an N x N correlation matrix (``fcor``) or neighbourhood (``sar``,
    ``car``: each row's neighbours are the rows before and after it, on a ring)."""
    out: dict[str, Any] = {}
    for name, role in _call_roles(call).items():
        if role == "cov":
            levels = list("abcd")
            A = 0.5 * np.eye(4) + 0.5 * np.exp(-np.abs(np.subtract.outer(range(4), range(4))))
            out[name] = pd.DataFrame(A, index=levels, columns=levels)
        elif role == "fcor":
            out[name] = 0.5 ** np.abs(np.subtract.outer(range(n), range(n)))
        elif role == "adjacency":
            ring = np.abs(np.subtract.outer(range(n), range(n))) % (n - 2)
            out[name] = (ring == 1).astype(float)
    return out


def simulate(call: BrmCall, n: int = 24) -> pd.DataFrame:
    """Small data with every variable the call's formula names, typed as the family needs."""
    formula = call.formula
    roles = _call_roles(call)
    family = call.family.name if isinstance(call.family, FamilyCall) else "gaussian"
    rng = np.random.default_rng(7)
    trials = 1 if re.search(r"trials\(1\)", str(formula)) else 10
    make = {
        "group": lambda: np.array(list("abcd") * (n // 4)),
        "by": lambda: np.array(list("xxyy") * (n // 4)),  # groups a, b in x; c, d in y
        "factor": lambda: np.tile([1, 2, 3], n // 3),
        "trials": lambda: np.full(n, 10),
        "subset": lambda: np.arange(n) >= 2,
        "rowid": lambda: np.arange(1, n + 1),
        "mi_idx": lambda: 3 + (np.arange(n) * 7) % (n - 2),
        "cens": lambda: np.tile([0, 0, 1, -1], n // 4),
        "positive": lambda: rng.uniform(0.5, 2.0, n),
        "binary": lambda: rng.integers(0, 2, n),
    }
    cols: dict[str, Any] = {}
    for name, role in roles.items():
        if role in _DATA2_ROLES:
            continue
        if role == "response":
            cols[name] = _response(family, rng, n, trials)
        elif role == "number" and name == "N":  # a sample size (se(sqrt(1 / (N - 3))))
            cols[name] = rng.integers(10, 50, n)
        else:
            cols[name] = make.get(role, lambda: rng.uniform(0.5, 2.5, n))()
    return pd.DataFrame(cols)


def _response(family: str, rng: np.random.Generator, n: int, trials: int) -> np.ndarray:
    if family in _COUNTS:
        return rng.poisson(3.0, n)
    if family == "bernoulli":
        return rng.integers(0, 2, n)
    if family in ("binomial", "zero_inflated_binomial", "beta_binomial"):
        return rng.integers(0, trials + 1, n)
    if family in _ORDINAL:
        return np.tile([1, 2, 3, 4], n // 4)
    if family in ("beta", "zero_inflated_beta", "zero_one_inflated_beta"):
        return rng.uniform(0.05, 0.95, n)
    if family in _POSITIVE:
        return rng.gamma(2.0, 1.0, n)
    return rng.normal(5.0, 1.0, n)  # positive, for log(y) ~ x


#: Corpus calls whose design brmsjax cannot build yet, with the error and its message's start.
DESIGN_GAPS: dict[str, tuple[type[BrmsjaxError], str]] = {
    "ma-1": (FormulaTermError, "ma() has no argument 'p'; its arguments are time, gr, q, cov."),
}


#: Families that corpus calls name but their source defines in an earlier line (R code).
FAMILY_DEFINITIONS = {
    ("brms 2.18 man/mixture.Rd (examples)", "mix"): "mixture(gaussian, gaussian)",
    ("brms 2.18 man/pp_mixture.brmsfit.Rd (examples)", "mix"): "mixture(gaussian, nmix = 2)",
}


def _defined_family(case: Case, call: BrmCall) -> BrmCall:
    """The call with a family named by reference replaced by its definition in the source."""
    if not isinstance(call.family, Ref):
        return call
    code = FAMILY_DEFINITIONS.get((case.source, call.family.name))
    return call if code is None else replace(call, family=r_family(parse_r(code), code))


#: Formulas that corpus calls name but their source defines in earlier lines (R code copied
#: from the source), by case id and R name: ``brm(bform, ...)`` or ``bf_a + bf_b + set_rescor()``.
FORMULA_DEFINITIONS: dict[str, dict[str, str]] = {
    # brms 2.18 man/mi.Rd (examples)
    "mi-1": {
        "bform1": "bf(bmi | mi() ~ age * mi(chl)) +\n  bf(chl | mi() ~ age) +\n  set_rescor(FALSE)"
    },
    "mi-2": {
        "bform2": "bf(bmi | mi() ~ age * mi(chl)) +\n"
        "  bf(chl | mi(se) ~ age) +\n  set_rescor(FALSE)"
    },
    "mi-3": {
        "bform3": "bf(bmi | mi() ~ age * mi(chl, idx)) +\n"
        "  bf(chl | mi(se) + subset(sub) + index(id) ~ age) +\n  set_rescor(FALSE)"
    },
    # brms 2.18 man/me.Rd (examples)
    "me-2": {"bform": "bf(y ~ me(x1, sdx) + me(x2, sdx)) + set_mecor(FALSE)"},
    # brms 2.18 vignette brms_missings.R
    "brms_missings-1": {
        "bform": "bf(bmi | mi() ~ age * mi(chl)) +\n  bf(chl | mi() ~ age) + set_rescor(FALSE)"
    },
    # brms 2.18 vignette brms_multivariate.R
    "brms_multivariate-1": {
        "bform1": "bf(mvbind(tarsus, back) ~ sex + hatchdate + (1|p|fosternest) + (1|q|dam)) +\n"
        "  set_rescor(TRUE)"
    },
    "brms_multivariate-2": {
        "bf_tarsus": "bf(tarsus ~ sex + (1|p|fosternest) + (1|q|dam))",
        "bf_back": "bf(back ~ hatchdate + (1|p|fosternest) + (1|q|dam))",
    },
    "brms_multivariate-3": {
        "bf_tarsus": "bf(tarsus ~ sex + (1|p|fosternest) + (1|q|dam)) +\n"
        "  lf(sigma ~ 0 + sex) + skew_normal()",
        "bf_back": "bf(back ~ s(hatchdate) + (1|p|fosternest) + (1|q|dam)) +\n  gaussian()",
    },
    # brms 2.18 vignette brms_multilevel.ltx
    "brms_multilevel-4": {
        "bform": "bf(rentsqm ~ t2(area, yearc) + (1|ID1|district),\n"
        "            sigma ~ t2(area, yearc) + (1|ID1|district))"
    },
    "brms_multilevel-5": {
        "nlform": "bf(cum ~ ult * (1 - exp(-(dev / theta)^omega)),\n"
        "             ult ~ 1 + (1|AY), omega ~ 1, theta ~ 1, nl = TRUE)"
    },
}


def _definition(case: Case, name: str) -> FormulaCall:
    code = FORMULA_DEFINITIONS[case.id][name]
    return r_formula(parse_r(code), code)


def _defined_formula(case: Case, call: BrmCall) -> BrmCall:
    """The call with a formula (or the ``bf()`` parts of a formula sum) named by reference
    replaced by its definition in the source."""
    formula = call.formula
    if case.id not in FORMULA_DEFINITIONS:
        return call
    if isinstance(formula, Ref):
        return replace(call, formula_call=_definition(case, formula.name))
    if isinstance(formula, MvFormula):
        parts = [
            _definition(case, p.name).formula if isinstance(p, Ref) else p for p in formula.parts
        ]
        mv = MvFormula((), formula.rescor)
        for part in parts:
            mv = mv + part
        return replace(call, formula_call=FormulaCall(mv, call.formula_call.code))
    return call


def _runnable() -> list[tuple[Case, BrmCall]]:
    """Translated corpus calls with a formula and a family that brmsjax has."""
    out = []
    for case in CORPUS:
        try:
            call = from_r(case.code)
        except RCodeError:
            continue
        assert isinstance(call, BrmCall)
        try:
            call = _defined_formula(case, _defined_family(case, call))
        except RCodeError:
            continue
        if isinstance(call.formula, Ref) or not isinstance(call.family, FamilyCall):
            continue
        if isinstance(call.formula, MvFormula) and any(
            isinstance(p, Ref) for p in call.formula.parts
        ):  # bf_a + bf_b + set_rescor(): bf() objects defined elsewhere
            continue
        try:
            call.family.resolve()
        except BrmsjaxError:
            continue
        out.append((case, call))
    return out


RUNNABLE = _runnable()


def _priors(call: BrmCall) -> list[Prior] | None:
    return None if call.prior is None else [p for p in call.prior if isinstance(p, Prior)]


@pytest.mark.parametrize(("case", "call"), RUNNABLE, ids=[c.id for c, _ in RUNNABLE])
def test_corpus_design_builds(case: Case, call: BrmCall) -> None:
    """make_standata builds each translated call's design on simulated data (or a known gap)."""
    assert isinstance(call.family, FamilyCall)
    data, data2 = simulate(call), simulate_data2(call)
    fam = call.family.resolve()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        if case.id in DESIGN_GAPS:
            error, start = DESIGN_GAPS[case.id]
            with pytest.raises(error, match=re.escape(start)):
                bj.make_standata(call.formula, data, fam, _priors(call), data2=data2)
            return
        standata = bj.make_standata(call.formula, data, fam, _priors(call), data2=data2)
    assert standata["N"] == len(data)


#: R objects that corpus calls name but define in earlier lines of their source.
CALL_ENV: dict[str, dict[str, Any]] = {
    # the vignette's prior1 <- prior(normal(1, 2), nlpar = "b1") + prior(normal(0, 2), ...)
    "brms_nonlinear-1": {
        "prior1": [prior("normal(1, 2)", nlpar="b1"), prior("normal(0, 2)", nlpar="b2")]
    },
    # the vignette's nlprior <- c(prior(normal(5000, 1000), nlpar = "ult"), ...)
    "brms_multilevel-5": {
        "nlprior": [
            prior("normal(5000, 1000)", nlpar="ult"),
            prior("normal(1, 2)", nlpar="omega"),
            prior("normal(45, 10)", nlpar="theta"),
        ]
    },
}


#: Corpus calls that translate but that brmsjax's brm() rejects, with its message.
RUN_GAPS: dict[str, str] = {}


def test_corpus_has_enough_runnable_calls() -> None:
    assert (
        len(RUNNABLE) - len(DESIGN_GAPS) >= 176
    )  # 105 before s(), gp(), mo(), nl, ar(); 135 before mv, mixture, data2, mm, t2, mi/me


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "call"),
    [r for r in RUNNABLE if r[0].id not in DESIGN_GAPS],
    ids=[c.id for c, _ in RUNNABLE if c.id not in DESIGN_GAPS],
)
def test_corpus_call_runs(case: Case, call: BrmCall, tmp_path: Path) -> None:
    """Each translated call fits on simulated data with tiny settings (or brm() rejects it)."""
    refs: dict[str, Any] = {p.name: [] for p in call.prior or () if isinstance(p, Ref)}
    refs.update(simulate_data2(call))
    refs.update(CALL_ENV.get(case.id, {}))
    file = call.args.get("file")
    if isinstance(file, Ref):  # file = fname: a file of this test's
        refs[file.name] = str(tmp_path / "fit")
    tiny = {"chains": 1, "iter": 60, "warmup": 30, "thin": 1, "seed": 1, "progress": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case.id in RUN_GAPS:
            with pytest.raises(ModelError, match=re.escape(RUN_GAPS[case.id])):
                call.run(simulate(call), env=refs, **tiny)
            return
        fit = call.run(simulate(call), env=refs, **tiny)
    assert fit.ndraws == 30
    assert np.isfinite(fit.draws().to_numpy(dtype=float)).all()
