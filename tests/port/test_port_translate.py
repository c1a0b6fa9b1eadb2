"""brm()/bf()/prior()/family calls written in R, translated to brmsjax (``from_r``)."""

from __future__ import annotations

import json
import math
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.priors.resolve import Prior
from brmsjax.formula.design.design import DataWarning
from brmsjax.formula.errors import BrmsjaxError, FormulaTermError, ModelError
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.port import BrmCall, FamilyCall, PriorsCall, RCodeError, Ref, from_r, priors_from_r
from brmsjax.port.brm_args import BRM_FORMALS, DEFAULT_ONLY, IGNORED, SUPPORTED

FIXTURE = Path(__file__).parents[1] / "fixtures" / "port_corpus" / "calls.json"


@dataclass(frozen=True)
class Case:
    """One corpus call: its R code, where it was published, and what brms 2.18 made of it."""

    id: str
    code: str
    source: str
    args: tuple[str, ...]
    truth: dict[str, Any]


def _short(source: str) -> str:
    name = re.split(r"[ /]", source.split(" (", maxsplit=1)[0])[-1]
    return re.sub(r"(\.brmsfit)?\.(Rd|R|ltx)$", "", name)


def _load() -> tuple[list[Case], list[str]]:
    raw = json.loads(FIXTURE.read_text())
    seen: Counter[str] = Counter()
    cases = []
    for c in raw["calls"]:
        short = _short(c["source"])
        seen[short] += 1
        cases.append(
            Case(
                f"{short}-{seen[short]}",
                c["code"],
                c["source"],
                tuple(c["brms"]["args"]),
                c["brms"],
            )
        )
    return cases, raw["brm_formals"]


CORPUS, FORMALS = _load()

#: Why corpus calls are rejected: the culprit the message names, and how many calls.
REJECTIONS = {
    "data2": 9,
    "nl": 6,
    "autocor": 4,
    "stanvars": 3,
    "empty": 2,
    "Adding formula parts with '+'": 2,
    "theta1": 1,
    "threshold": 1,
    "data": 1,
}

FROM_R: list[tuple[str, dict[str, Any]]] = [
    (
        "fit1 <- brm(count ~ zAge + zBase * Trt + (1|patient), data = epilepsy, "
        "family = poisson())",
        {
            "formula": "count ~ zAge + zBase * Trt + (1 | patient)",
            "family": ("poisson", {}),
            "data_name": "epilepsy",
            "args": {},
            "prior": None,
        },
    ),
    (
        "brm(y ~ x, d, student, chains = 2, iter = 1000, warmup = 500, thin = 2, seed = 1)",
        {
            "formula": "y ~ x",
            "family": ("student", {}),
            "data_name": "d",
            "args": {"chains": 2, "iter": 1000, "warmup": 500, "thin": 2, "seed": 1},
        },
    ),
    (
        'brm(bf(y ~ x, sigma ~ x, nu = 4), data = d, family = student(link = "identity"))',
        {
            "formula": BrmsFormula(("y ~ x", "sigma ~ x"), {"nu": 4}),
            "family": ("student", {"link": "identity"}),
        },
    ),
    (
        'brm(y ~ x, data = d, family = cumulative("probit"), inits = "0", sample_prior = TRUE)',
        {"family": ("cumulative", {"link": "probit"}), "args": {"init": 0, "sample_prior": "yes"}},
    ),
    (
        'brm(y ~ x, data = d, family = Gamma(link = "log"), init = "random", seed = NA)',
        {"family": ("gamma", {"link": "log"}), "args": {"init": None, "seed": None}},
    ),
    (
        'brm(y ~ x, data = d, family = brmsfamily("negbinomial", "log"), '
        "control = list(adapt_delta = 0.95, max_treedepth = 12), cores = parallel::detectCores())",
        {
            "family": ("negbinomial", {"link": "log"}),
            "args": {"control": {"adapt_delta": 0.95, "max_treedepth": 12}},
            "notes": (
                "brm() argument cores = parallel::detectCores() is ignored: brmsjax uses one "
                "core per chain up to the machine's.",
            ),
        },
    ),
    (
        'brm(y ~ x, data = d, prior = bprior, family = "bernoulli", backend = "cmdstanr", '
        "refresh = 0, file_refit = 'on_change', sparse = FALSE, algorithm = \"sampling\")",
        {
            "family": ("bernoulli", {}),
            "prior": [Ref("bprior")],
            "notes": (
                'brm() argument backend = "cmdstanr" is ignored: brmsjax always samples with '
                "NumPyro.",
                'brm() argument file_refit = "on_change" is ignored: save the fit '
                "with fit.save(path) instead.",
                "brm() argument refresh is ignored: brmsjax has its own progress output.",
            ),
        },
    ),
    ("brm(y ~ x, data = d, family = my_family)", {"family": Ref("my_family")}),
    (
        "brm(formula = form, data = d, fam = binomial(probit))",
        {"formula": Ref("form"), "family": ("binomial", {"link": "probit"})},
    ),
]


@pytest.mark.parametrize(("code", "want"), FROM_R, ids=[c[:40] for c, _ in FROM_R])
def test_from_r_brm(code: str, want: dict[str, Any]) -> None:
    call = from_r(code)
    assert isinstance(call, BrmCall)
    if "formula" in want:
        assert call.formula == want["formula"]
    if isinstance(want.get("family"), tuple):
        assert isinstance(call.family, FamilyCall)
        assert (call.family.name, dict(call.family.kwargs)) == want["family"]
    elif "family" in want:
        assert call.family == want["family"]
    for key in ("data_name", "args", "prior", "notes"):
        if key in want:
            assert getattr(call, key) == want[key]


PRIORS = [
    (
        "c(prior(normal(0, 10), class = b), prior(cauchy(0, 2), class = sd))",
        [("normal(0, 10)", "b", "", ""), ("cauchy(0, 2)", "sd", "", "")],
    ),
    (
        "prior(normal(0,5), class = b, coef = Days) + prior(lkj(2), class = cor, group = Subject)",
        [("normal(0, 5)", "b", "Days", ""), ("lkj(2)", "cor", "", "Subject")],
    ),
    (
        'set_prior("student_t(3, 0, 2.5)", class = "Intercept")',
        [("student_t(3, 0, 2.5)", "Intercept", "", "")],
    ),
    ('prior_string("normal(0, 1)", class = "b", coef = "x")', [("normal(0, 1)", "b", "x", "")]),
    ("prior_(~normal(0, 1), class = ~sd)", [("normal(0, 1)", "sd", "", "")]),
    (
        'rbind(prior(gamma(2, 0.1), class = nu), set_prior("normal(0, 1)", dpar = "sigma"))',
        [("gamma(2, 0.1)", "nu", "", ""), ("normal(0, 1)", "b", "", "")],
    ),
    ("prior(normal(0, 1), sd, group = g)", [("normal(0, 1)", "sd", "", "g")]),
]


@pytest.mark.parametrize(("code", "want"), PRIORS, ids=[c[:40] for c, _ in PRIORS])
def test_priors_from_r(code: str, want: list[tuple[str, ...]]) -> None:
    got = priors_from_r(code)
    assert [(p.prior, p.class_, p.coef, p.group) for p in got] == want
    assert all(isinstance(p, Prior) for p in got)


def test_prior_bounds_and_dpar() -> None:
    (p,) = priors_from_r('set_prior("normal(0, 1)", class = "b", dpar = "sigma", lb = 0, ub = NA)')
    assert (p.dpar, p.lb, p.ub) == ("sigma", 0.0, None)
    call = from_r("c(prior(normal(0, 1), class = b, lb = -1, ub = 1))")
    assert isinstance(call, PriorsCall) and call.prior[0].lb == -1.0
    assert call.to_python() == '[\n    bj.prior("normal(0, 1)", class_="b", lb=-1.0, ub=1.0),\n]'


REJECTED = [
    (
        "brm(y ~ x, data = d, autocor = cor_ar(~ 1 | g))",
        "The brm() argument 'autocor' is not supported by brmsjax (autocorrelation structures are "
        "not supported); remove it.\n  brm(y ~ x, data = d, autocor = cor_ar(~ 1 | g))\n"
        "                       ^^^^^^^^^^^^^^^^^^^^^^^^^",
    ),
    ("brm(y ~ x, data = d, stanvars = sv)", "The brm() argument 'stanvars' is not supported"),
    (
        "brm(y ~ x, data = d, algorithm = 'meanfield')",
        "The brm() argument 'algorithm' is not "
        "supported by brmsjax (brmsjax only samples with NUTS); remove it.",
    ),
    ("brm(y ~ x, data = d, empty = TRUE)", "The brm() argument 'empty' is not supported"),
    ("brm(y ~ x, data = d, drop_unused_levels = FALSE)", "'drop_unused_levels' is not supported"),
    (
        "brm(y ~ x, data = d, adapt_delta = 0.9)",
        "'adapt_delta' is not an argument that brmsjax's brm() supports; remove it.",
    ),
    (
        "brm(bf(y ~ a * exp(b * x), a + b ~ 1, nl = TRUE), data = d)",
        "The bf() argument 'nl' is not supported by brmsjax; bf() takes formulas and fixed "
        "parameters such as nu = 4.",
    ),
    (
        "brm(mvbf(y1 ~ x, y2 ~ x), data = d)",
        "mvbf() (multivariate and non-linear formula "
        "parts) is not supported by brmsjax; write one bf() formula.",
    ),
    ("brm(bf(y1 ~ x) + bf(y2 ~ x), data = d)", "Adding formula parts with '+'"),
    (
        "brm(y ~ x, data = d, family = mixture(gaussian, gaussian))",
        "mixture() families are not supported by brmsjax; choose a built-in family.",
    ),
    ("brm(y ~ x, data = d[d$x > 0, ])", "The brm() argument 'data' must name a data frame"),
    ("brm(y ~ x, data = d, chains = 2.5)", "The brm() argument 'chains' must be a int, not 2.5."),
    ("brm(y ~ x, data = d, init = 0.5)", "The brm() argument 'init' must be NULL"),
    ("brm(y ~ x, data = d, family = foo())", "This is not a brms family"),
    ("brm(data = d)", "brm() needs a formula, as in brm(y ~ x, data = d)."),
    (
        "brm(y ~ x, data = d, iter = 100, iter = 200)",
        "The argument 'iter' is given twice; keep one.",
    ),
    ("brm(y ~ x, data = d,)", "This argument is empty; remove the extra ',' or give a value."),
    (
        "brm(y ~ x, prior = prior(horseshoe(1), class = b))",
        "Unknown prior distribution 'horseshoe'; supported distributions are: beta, cauchy,",
    ),
    (
        "brm(y ~ x, prior = prior(normal(0, 1), klass = b))",
        "'klass' is not an argument of prior(); its arguments are: prior, class, coef, group,"
        " resp, "
        "dpar, nlpar, lb, ub, check.",
    ),
    (
        "brm(y ~ x, prior = set_prior(normal(0, 1)))",
        "The set_prior() argument 'prior' must be a string here",
    ),
    ("summary(fit)", "from_r() reads a brm() call, a formula or bf(), or priors"),
]


@pytest.mark.parametrize(("code", "message"), REJECTED, ids=[c[:40] for c, _ in REJECTED])
def test_rejected_with_a_message_naming_the_culprit(code: str, message: str) -> None:
    with pytest.raises(RCodeError, match=re.escape(message)):
        from_r(code)


def test_every_brm_argument_of_brms_2_18_is_classified() -> None:
    assert tuple(FORMALS) == BRM_FORMALS
    groups = [SUPPORTED, set(IGNORED), set(DEFAULT_ONLY)]
    for name in BRM_FORMALS:
        assert sum(name in g for g in groups) == 1, name
    assert set().union(*groups) == set(BRM_FORMALS)


RUN_ERRORS = [
    (
        "brm(y ~ x, data = d)",
        {},
        "The brm() argument 'data' names the R object 'd'; pass it "
        "from Python, e.g. env={'d': ...}.",
    ),
    ("brm(y ~ x)", {}, "The brm() call names no data; pass the data to run()."),
    (
        "brm(y ~ x, data = d, prior = bp)",
        {"d": pd.DataFrame({"y": [1.0, 2.0], "x": [0.0, 1.0]})},
        "The brm() argument 'prior' names the R object 'bp'; pass it from Python",
    ),
    (
        "brm(y ~ x, data = d, family = sratio('cloglog'))",
        {"d": pd.DataFrame({"y": [1, 2], "x": [0.0, 1.0]})},
        "The family 'sratio' is not available",
    ),
]


@pytest.mark.parametrize(
    ("code", "frames", "message"), RUN_ERRORS, ids=[c for c, _, _ in RUN_ERRORS]
)
def test_run_needs_the_named_objects(code: str, frames: dict[str, Any], message: str) -> None:
    call = from_r(code)
    assert isinstance(call, BrmCall)
    with pytest.raises(bj.BrmsjaxError, match=re.escape(message)):
        call.run(frames or None)


def test_priors_from_r_refuses_a_name() -> None:
    with pytest.raises(RCodeError, match=re.escape("The priors name the R object 'bprior'")):
        priors_from_r("c(bprior, prior(normal(0, 1)))")


def test_to_python_is_readable() -> None:
    call = from_r(
        'fit <- brm(count ~ zAge + (1|patient), data = epilepsy, family = poisson("sqrt"),\n'
        "           prior = c(prior(normal(0, 1), class = b), prior(cauchy(0, 2), class = sd)),\n"
        "           chains = 2, silent = 2)"
    )
    assert isinstance(call, BrmCall)
    assert call.to_python() == (
        "import brmsjax as bj\n"
        "from brmsjax.backend.families import registry as families\n"
        "\n"
        "# NOTE (port): brm() argument silent = 2 is ignored: brmsjax has its own progress "
        "output.\n"
        "fit = bj.brm(\n"
        '    "count ~ zAge + (1 | patient)",\n'
        "    data=epilepsy,\n"
        '    family=families.poisson(link="sqrt"),\n'
        "    prior=[\n"
        '        bj.prior("normal(0, 1)", class_="b"),\n'
        '        bj.prior("cauchy(0, 2)", class_="sd"),\n'
        "    ],\n"
        "    chains=2,\n"
        '    data_name="epilepsy",\n'
        ")\n"
    )


class _Recorder:
    """Stands in for ``brmsjax`` when the translated source runs: records brm()'s arguments."""

    prior = staticmethod(bj.prior)
    bf = staticmethod(bj.bf)

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def brm(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_corpus_call_translates_like_brms(case: Any) -> None:
    """Each corpus call translates to what brms 2.18 makes of it, or is rejected by name."""
    try:
        call = from_r(case.code)
    except RCodeError as err:
        culprit = _culprit(err)
        assert culprit in REJECTIONS, err
        assert culprit.startswith("Adding") or re.search(rf"\b{culprit}\s*=", case.code), err
        return
    assert isinstance(call, BrmCall)
    truth = case.truth
    if "formula" in truth and not isinstance(call.formula, Ref):
        formula = call.formula
        texts = formula.formulas if isinstance(formula, BrmsFormula) else (formula,)
        assert texts[0] == truth["formula"]
        assert list(texts[1:]) == list((truth["dpars"] or {}).values())
        fixed = dict(formula.fixed) if isinstance(formula, BrmsFormula) else {}
        assert fixed == (truth["pfix"] or {})
    if "family" in truth and isinstance(call.family, FamilyCall):
        assert call.family.name == truth["family"]["family"]
        assert call.family.kwargs.get("link", truth["family"]["link"]) == truth["family"]["link"]
    if "prior" in truth:
        rows = [(p.prior, p.class_, p.coef, p.group, p.dpar, p.lb, p.ub) for p in call.prior or ()]
        want = [
            (
                r["prior"],
                r["class"],
                r["coef"],
                r["group"],
                r["dpar"],
                None if r["lb"] in ("", None) else float(r["lb"]),
                None if r["ub"] in ("", None) else float(r["ub"]),
            )
            for r in truth["prior"]
        ]
        assert rows == want
    for r_key, value in truth.get("sampler", {}).items():
        key = "init" if r_key == "inits" else r_key
        assert call.args[key] == _R_TO_PYTHON.get((key, json.dumps(value)), value)
    _check_python_source(call)


#: brms values that brmsjax spells differently.
_R_TO_PYTHON = {
    ("init", '"0"'): 0,
    ("init", '"random"'): None,
    ("sample_prior", "true"): "yes",
    ("sample_prior", "false"): "no",
}


def _check_python_source(call: BrmCall) -> None:
    """Run the translated source against recorders: it makes the same brm() arguments."""
    recorder = _Recorder()
    env = {"bj": recorder, "families": _Families(), "math": math}
    exec(call.to_python(imports=False), env, _Names(env))  # noqa: S102
    ((args, kwargs),) = recorder.calls
    assert args[0] == call.formula
    assert {k: kwargs[k] for k in call.args} == call.args
    if isinstance(call.family, FamilyCall):
        family = kwargs.get("family", "gaussian")
        want = (
            call.family.name
            if not call.family.kwargs
            else (call.family.constructor() or call.family.name, dict(call.family.kwargs))
        )
        assert family == want
    if call.prior is not None:
        got = kwargs["prior"] if isinstance(kwargs["prior"], list) else [kwargs["prior"]]
        assert got == call.prior


class _Families:
    """Stands in for ``brmsjax.backend.families.registry``: a constructor call gives (name,
    kwargs)."""

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: (name, kwargs)


class _Names(dict):  # type: ignore[type-arg]
    """Locals for the translated source: any unknown name (a data frame) is a Ref."""

    def __init__(self, env: dict[str, Any]) -> None:
        super().__init__()
        self.env = env

    def __missing__(self, key: str) -> Any:
        return self.env.get(key, Ref(key))


def _culprit(err: RCodeError) -> str:
    if err.message.startswith("Adding formula parts"):
        return "Adding formula parts with '+'"
    found = re.search(r"argument '([\w.]+)'|^'([\w.]+)' is not an argument", err.message)
    return (found.group(1) or found.group(2)) if found else err.message


def _rejections() -> Counter[str]:
    out: Counter[str] = Counter()
    for case in CORPUS:
        try:
            from_r(case.code)
        except RCodeError as err:
            out[_culprit(err)] += 1
    return out


def test_corpus_size_and_sources() -> None:
    rejected = _rejections()
    assert rejected == REJECTIONS
    assert len(CORPUS) == 184 and len(CORPUS) - rejected.total() == 155
    assert len({c.source.split(" (")[0] for c in CORPUS}) >= 100
    assert sum(c.source.startswith("ASKurz") for c in CORPUS) == 9


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
}


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
            _roles(arg.value, sub, out)


def simulate(call: BrmCall, n: int = 24) -> pd.DataFrame:
    """Small data with every variable the call's formula names, typed as the family needs."""
    from brmsjax.formula.syntax.parse import parse

    formula = call.formula
    assert not isinstance(formula, Ref)
    roles: dict[str, str] = {}
    for text in formula.formulas if isinstance(formula, BrmsFormula) else (formula,):
        _roles(parse(text), "number", roles)
    family = call.family.name if isinstance(call.family, FamilyCall) else "gaussian"
    rng = np.random.default_rng(7)
    trials = 1 if re.search(r"trials\(1\)", str(formula)) else 10
    make = {
        "group": lambda: np.array(list("abcd") * (n // 4)),
        "factor": lambda: np.tile([1, 2, 3], n // 3),
        "trials": lambda: np.full(n, 10),
        "cens": lambda: np.tile([0, 0, 1, -1], n // 4),
        "positive": lambda: rng.uniform(0.5, 2.0, n),
        "binary": lambda: rng.integers(0, 2, n),
    }
    cols: dict[str, Any] = {}
    for name, role in roles.items():
        if role == "response":
            cols[name] = _response(family, rng, n, trials)
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
    "ar-1": (FormulaTermError, "The brms term 'ar()' is not supported"),
    "arma-1": (FormulaTermError, "The brms term 'arma()' is not supported"),
    "conditional_smooths-1": (FormulaTermError, "The brms term 's()' is not supported"),
    "conditional_smooths-2": (FormulaTermError, "The brms term 't2()' is not supported"),
    "cosy-1": (FormulaTermError, "The brms term 'cosy()' is not supported"),
    "gp-1": (FormulaTermError, "The brms term 'gp()' is not supported"),
    "gp-2": (FormulaTermError, "The brms term 'gp()' is not supported"),
    "gp-3": (FormulaTermError, "The brms term 'gp()' is not supported"),
    "gp-4": (FormulaTermError, "The brms term 'gp()' is not supported"),
    "gr-3": (FormulaTermError, "gr(by = ) is not supported yet"),
    "ma-1": (FormulaTermError, "The brms term 'ma()' is not supported"),
    "me-1": (FormulaTermError, "The brms term 'me()' is not supported"),
    "mm-1": (FormulaTermError, "Multi-membership terms mm() are not supported"),
    "mm-2": (FormulaTermError, "Multi-membership terms mm() are not supported"),
    "mm-3": (FormulaTermError, "The brms term 'mmc()' is not supported"),
    "mmc-1": (FormulaTermError, "The brms term 'mmc()' is not supported"),
    "mo-1": (FormulaTermError, "The brms term 'mo()' is not supported"),
    "mo-2": (FormulaTermError, "The brms term 'mo()' is not supported"),
    "mo-3": (FormulaTermError, "The brms term 'mo()' is not supported"),
    "posterior_smooths-1": (FormulaTermError, "The brms term 's()' is not supported"),
    "s-1": (FormulaTermError, "The brms term 's()' is not supported"),
    "s-2": (FormulaTermError, "The brms term 't2()' is not supported"),
    "brms_distreg-4": (FormulaTermError, "The brms term 's()' is not supported"),
    "brms_monotonic-1": (FormulaTermError, "The brms term 'mo()' is not supported"),
    "brms_monotonic-4": (FormulaTermError, "The brms term 'mo()' is not supported"),
    "brms_monotonic-5": (FormulaTermError, "The brms term 'mo()' is not supported"),
    "brms_monotonic-6": (FormulaTermError, "The brms term 'mo()' is not supported"),
    "brms_multilevel-3": (FormulaTermError, "The brms term 't2()' is not supported"),
    "brms_multilevel-6": (FormulaTermError, "Multi-membership terms mm() are not supported"),
    "brms_multilevel-7": (FormulaTermError, "Multi-membership terms mm() are not supported"),
}


def _runnable() -> list[tuple[Case, BrmCall]]:
    """Translated corpus calls with a formula and a family that brmsjax has."""
    out = []
    for case in CORPUS:
        try:
            call = from_r(case.code)
        except RCodeError:
            continue
        assert isinstance(call, BrmCall)
        if isinstance(call.formula, Ref) or not isinstance(call.family, FamilyCall):
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
    data = simulate(call)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        if case.id in DESIGN_GAPS:
            error, start = DESIGN_GAPS[case.id]
            with pytest.raises(error, match=re.escape(start)):
                bj.make_standata(call.formula, data, call.family.resolve(), _priors(call))
            return
        standata = bj.make_standata(call.formula, data, call.family.resolve(), _priors(call))
    assert standata["N"] == len(data)


#: Corpus calls that translate but that brmsjax's brm() rejects, with its message.
RUN_GAPS = {
    "hypothesis-1": "sample_prior must be 'no' or 'only', not 'yes'.",
    "prior_draws-1": "sample_prior must be 'no' or 'only', not 'yes'.",
}


def test_corpus_has_enough_runnable_calls() -> None:
    assert len(RUNNABLE) - len(DESIGN_GAPS) >= 105


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "call"),
    [r for r in RUNNABLE if r[0].id not in DESIGN_GAPS],
    ids=[c.id for c, _ in RUNNABLE if c.id not in DESIGN_GAPS],
)
def test_corpus_call_runs(case: Case, call: BrmCall) -> None:
    """Each translated call fits on simulated data with tiny settings (or brm() rejects it)."""
    refs: dict[str, Any] = {p.name: [] for p in call.prior or () if isinstance(p, Ref)}
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


def test_api_reads_priors_given_as_r_code() -> None:
    import brmsjax as bj

    data = bj.datasets.sleepstudy()
    formula = "Reaction ~ Days + (Days | Subject)"
    as_r = bj.get_prior(
        formula,
        data,
        prior="c(prior(normal(0, 5), class = b), "
        "prior(exponential(1), class = sd, group = Subject))",
    )
    as_python = bj.get_prior(
        formula,
        data,
        prior=[
            bj.prior("normal(0, 5)", class_="b"),
            bj.prior("exponential(1)", class_="sd", group="Subject"),
        ],
    )
    pd.testing.assert_frame_equal(as_r, as_python)
    assert "exponential(1)" in set(as_r["prior"])
