"""A formula that asks a family for what it lacks is refused with brms 2.18's message.

The tables are generated from brms's own per-family ``ad`` lists
(:data:`~brmsjax.formula.terms.family_terms.family_checks.FAMILY_ADDITIONS`, from brms's
R/family-lists.R): every addition term a family does not allow is refused, every term brms
allows but brmsjax does not implement for the family is refused as not supported yet, and
every implemented one still builds. Before these checks brmsjax ignored such terms and sampled
formulas of unknown parameters with flat priors (silently another model).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.families.registry import _FAMILIES, get_family
from brmsjax.backend.model.lower import lower
from brmsjax.formula.design.design import build_design
from brmsjax.formula.errors import FormulaTermError, ModelError
from brmsjax.formula.terms.brmsterms import bf
from brmsjax.formula.terms.family_terms.family_checks import BRMS_ADDITIONS, FAMILY_ADDITIONS

N = 12
RNG = np.random.default_rng(7)
DATA = pd.DataFrame(
    {
        "x": RNG.normal(size=N),
        "y": RNG.normal(size=N),
        "ypos": RNG.gamma(2.0, 1.0, size=N),
        "yunit": RNG.uniform(0.1, 0.9, size=N),
        "k": np.tile([0.0, 1.0, 2.0, 5.0], N // 4),
        "b": np.tile([0.0, 1.0], N // 2),
        "ord": np.tile([1.0, 2.0, 3.0], N // 3),
        "cat": np.tile(["a", "b", "c"], N // 3),
        "n": np.full(N, 10.0),
        "w": np.linspace(0.5, 1.5, N),
        "s": np.full(N, 0.5),
        "c": np.tile([0.0, 1.0, -1.0, 0.0], N // 4),
    }
)
DATA["k2"] = 10.0 - DATA["k"]  # counts of a second category out of n = 10
DATA["yunit2"] = 1.0 - DATA["yunit"]  # proportions of a second category

# One addition term of each kind, written so that it parses and evaluates on DATA.
TERM_CALLS = {
    "cat": "cat(3)",
    "cens": "cens(c)",
    "dec": "dec(b)",
    "index": "index(n)",
    "mi": "mi()",
    "rate": "rate(n)",
    "se": "se(s)",
    "subset": "subset(b)",
    "thres": "thres(2)",
    "trials": "trials(n)",
    "trunc": "trunc(ub = 1000)",
    "vint": "vint(n)",
    "vreal": "vreal(x)",
    "weights": "weights(w)",
}
# A response that suits each family's support.
RESPONSE = {"real": "y", "positive": "ypos", "nonneg": "ypos", "unit": "yunit", "count": "k"}
RESPONSE |= {"binary": "b", "trials": "k", "ordinal": "ord", "categorical": "cat"}
RESPONSE["circular"] = "yunit"  # von_mises: angles in [-pi, pi]
RESPONSE |= {"unit_zero": "yunit", "unit_closed": "yunit"}  # inflated beta families
RESPONSE |= {"multinomial": "cbind(k, k2)", "dirichlet": "cbind(yunit, yunit2)"}  # matrices
RESPONSE["logistic_normal"] = "cbind(yunit, yunit2)"


def _response(name: str) -> str:
    family = get_family(name)
    if type(family).support in ("multinomial", "dirichlet", "logistic_normal"):
        return RESPONSE[type(family).support]
    if family.kind in {"ordinal", "categorical"}:
        return RESPONSE[family.kind]
    return RESPONSE[type(family).support]


def _formula(name: str, term: str) -> str:
    """``resp | term ~ x``, with ``trials(n)`` (``dec(b)``) for the families that need it."""
    terms = [TERM_CALLS[term]]
    if type(get_family(name)).support in ("trials", "multinomial") and term != "trials":
        terms.append("trials(n)")
    if name == "wiener" and term != "dec":  # brms requires wiener's decisions
        terms.append(TERM_CALLS["dec"])
    return f"{_response(name)} | {' + '.join(terms)} ~ x"


def _summary(name: str) -> str:
    return f"{name}({get_family(name).link})"


FAMILIES = sorted(_FAMILIES)
REFUSED = [
    (name, term) for name in FAMILIES for term in BRMS_ADDITIONS if term not in get_family(name).ad
]
NOT_YET = [
    (name, term)
    for name in FAMILIES
    for term in get_family(name).ad
    if term not in get_family(name).implemented_additions
]
ALLOWED = [(name, term) for name in FAMILIES for term in get_family(name).implemented_additions]


def test_family_tables_are_brms() -> None:
    """Each family's ``ad`` is brms 2.18's list, and brmsjax implements the common terms."""
    assert all(get_family(name).ad == FAMILY_ADDITIONS[name] for name in FAMILIES)
    assert FAMILY_ADDITIONS["poisson"] == ("weights", "subset", "cens", "trunc", "rate", "index")
    assert FAMILY_ADDITIONS["bernoulli"] == ("weights", "subset", "index")
    assert get_family("gaussian").implemented_additions == {"weights", "se", "cens", "trunc", "mi"}
    assert get_family("beta_binomial").implemented_additions == {"weights", "trials"}
    assert len(REFUSED) > 150 and len(ALLOWED) > 60


@pytest.mark.parametrize(("family", "term"), REFUSED, ids=[f"{f}-{t}" for f, t in REFUSED])
def test_unsupported_addition_refused(family: str, term: str) -> None:
    message = f"Argument '{term}' is not supported for family '{_summary(family)}'."
    with pytest.raises(FormulaTermError, match="^" + re.escape(message) + "\n"):
        bj.make_standata(_formula(family, term), DATA, family=family)


@pytest.mark.parametrize(("family", "term"), NOT_YET, ids=[f"{f}-{t}" for f, t in NOT_YET])
def test_addition_not_implemented_refused(family: str, term: str) -> None:
    message = (
        f"Argument '{term}' of family '{_summary(family)}' is not supported yet in brmsjax "
        "(brms allows it); remove it from the formula."
    )
    with pytest.raises(FormulaTermError, match="^" + re.escape(message)):
        bj.make_standata(_formula(family, term), DATA, family=family)


@pytest.mark.parametrize(("family", "term"), ALLOWED, ids=[f"{f}-{t}" for f, t in ALLOWED])
def test_supported_addition_builds(family: str, term: str) -> None:
    sdata = bj.make_standata(_formula(family, term), DATA, family=family)
    key = {"rate": "denom", "trunc": "ub", "thres": "nthres", "mi": "Nmi"}.get(term, term)
    assert key in sdata


REPRODUCERS = [
    ("k | se(s) ~ x", "poisson", "Argument 'se' is not supported for family 'poisson(log)'."),
    (
        "k | trials(n) ~ x",
        "poisson",
        "Argument 'trials' is not supported for family 'poisson(log)'.",
    ),
    (
        "y | trials(n) ~ x",
        "gaussian",
        "Argument 'trials' is not supported for family 'gaussian(identity)'.",
    ),
    ("b | se(s) ~ x", "bernoulli", "Argument 'se' is not supported for family 'bernoulli(logit)'."),
    (
        "y | rate(n) ~ x",
        "gaussian",
        "Argument 'rate' is not supported for family 'gaussian(identity)'.",
    ),
    (
        "b | rate(n) ~ x",
        "bernoulli",
        "Argument 'rate' is not supported for family 'bernoulli(logit)'.",
    ),
    (
        "b | cens(c) ~ x",
        "bernoulli",
        "Argument 'cens' is not supported for family 'bernoulli(logit)'.",
    ),
    (
        "b | trunc(lb = 0) ~ x",
        "bernoulli",
        "Argument 'trunc' is not supported for family 'bernoulli(logit)'.",
    ),
    (
        "ord | se(s) ~ x",
        "cumulative",
        "Argument 'se' is not supported for family 'cumulative(logit)'.",
    ),
    (
        "ord | rate(n) ~ x",
        "cumulative",
        "Argument 'rate' is not supported for family 'cumulative(logit)'.",
    ),
    (
        "bf(k ~ x, sigma ~ x)",
        "poisson",
        "The parameter 'sigma' is not a valid distributional or non-linear parameter. "
        "Did you forget to set 'nl = TRUE'?\n  bf(k ~ x, sigma ~ x)\n            ^^^^^",
    ),
    (
        bf("b ~ x", "phi ~ x"),
        "bernoulli",
        "The parameter 'phi' is not a valid distributional or non-linear parameter. "
        "Did you forget to set 'nl = TRUE'?\n  phi ~ x\n  ^^^",
    ),
    (bf("y ~ x", foo=1), "gaussian", "Invalid fixed parameters: 'foo'"),
    (bf("k ~ x", sigma=2), "poisson", "Invalid fixed parameters: 'sigma'"),
    (
        bf("y | se(s) ~ x", "sigma ~ x"),
        "gaussian",
        "Cannot predict or fix 'sigma' in this model.",
    ),
]


@pytest.mark.parametrize(("formula", "family", "message"), REPRODUCERS, ids=range(len(REPRODUCERS)))
def test_reproducers_refused(formula: str, family: str, message: str) -> None:
    with pytest.raises(FormulaTermError, match="^" + re.escape(message)):
        bj.make_standata(formula, DATA, family=family)
    with pytest.raises(FormulaTermError, match="^" + re.escape(message)):
        bj.get_prior(formula, DATA, family=family)


def test_brm_refuses_before_sampling() -> None:
    with pytest.raises(FormulaTermError, match=re.escape("Argument 'se' is not supported")):
        bj.brm("k | se(s) ~ x", DATA, family="poisson", chains=1, iter=20)


FIXED = [
    (bf("y ~ x", sigma=-1), "gaussian", "Parameter 'sigma' must be positive."),
    (bf("y ~ x", sigma=0), "gaussian", "Parameter 'sigma' must be positive."),
    (bf("y ~ x", nu=0), "student", "Parameter 'nu' must be positive."),
    (bf("y ~ x", nu=float("nan")), "student", "Parameter 'nu' must be a finite number, not nan."),
    (bf("k ~ x", zi=1.5), "zero_inflated_poisson", "Parameter 'zi' must be between 0 and 1."),
    (bf("k ~ x", shape=-2), "negbinomial", "Parameter 'shape' must be positive."),
]


@pytest.mark.parametrize(("formula", "family", "message"), FIXED, ids=range(len(FIXED)))
def test_fixed_dpar_out_of_bounds(formula: object, family: str, message: str) -> None:
    with pytest.raises(ModelError, match="^" + re.escape(message) + "$"):
        bj.make_standata(formula, DATA, family=family)


@pytest.mark.parametrize(
    ("formula", "family", "dpar", "value"),
    [
        (bf("y ~ x", sigma=2), "gaussian", "sigma", 2),
        (bf("y ~ x", nu=4), "student", "nu", 4),
        (bf("y ~ x", nu=0.5), "student", "nu", 0.5),
        (bf("k ~ x", zi=0), "zero_inflated_poisson", "zi", 0),
        (bf("y ~ x", alpha=-3), "skew_normal", "alpha", -3),
        (bf("y | se(s) ~ x"), "gaussian", "sigma", 0),
    ],
)
def test_fixed_dpar_in_bounds(formula: object, family: str, dpar: str, value: float) -> None:
    assert bj.make_standata(formula, DATA, family=family)[dpar] == value


def test_lower_refuses_a_design_of_another_family() -> None:
    """A design built without the family cannot smuggle its terms past lower()."""
    design = build_design("k | se(s) ~ x", DATA)
    with pytest.raises(ModelError, match=re.escape("Argument 'se' is not supported")):
        lower(design, get_family("poisson"), {})
    design = build_design("bf(y ~ x, sigma ~ x)", DATA)
    with pytest.raises(ModelError, match=re.escape("The parameter 'sigma' is not a valid")):
        lower(design, get_family("poisson"), {})
