"""brm()/bf()/prior()/family calls written in R, translated to brmsjax (``from_r``)."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.priors.resolve import Prior
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.port import BrmCall, FamilyCall, PriorsCall, RCodeError, Ref, from_r, priors_from_r

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
        "The brm() argument 'autocor' is not supported by brmsjax (cor_brms objects are not "
        "supported; write autocor = ~ ar(...)); remove it.\n"
        "  brm(y ~ x, data = d, autocor = cor_ar(~ 1 | g))\n"
        "                       ^^^^^^^^^^^^^^^^^^^^^^^^^",
    ),
    ("brm(y ~ x, data = d, stanvars = sv)", "The brm() argument 'stanvars' is not supported"),
    (
        "brm(y ~ x, data = d, algorithm = 'laplace')",
        "The brm() argument 'algorithm' must be one of 'sampling', 'meanfield', 'fullrank' in "
        "brms 2.18.",
    ),
    ("brm(y ~ x, data = d, empty = TRUE)", "The brm() argument 'empty' is not supported"),
    ("brm(y ~ x, data = d, drop_unused_levels = FALSE)", "'drop_unused_levels' is not supported"),
    (
        "brm(y ~ x, data = d, adapt_delta = 0.9)",
        "'adapt_delta' is not an argument that brmsjax's brm() supports; remove it.",
    ),
    (
        "brm(bf(y ~ a * exp(b * x), a + b ~ 1, nl = flag), data = d)",
        "The bf() argument 'nl' must be TRUE or FALSE.",
    ),
    (
        "brm(set_rescor(TRUE), data = d)",
        "set_rescor() (multivariate and non-linear formula "
        "parts) is not supported by brmsjax; write one bf() formula.",
    ),
    (
        'brm(y ~ x, data = d, family = custom_family("f", dpars = "mu"))',
        "custom_family() families are not supported by brmsjax; choose a built-in family.",
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
        "brm(y ~ x, prior = prior(horseshoo(1), class = b))",
        "Unknown prior distribution 'horseshoo'; supported distributions are: beta, cauchy,",
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
        "brm(y ~ x, data = d, family = com_poisson('log'))",
        {"d": pd.DataFrame({"y": [1, 2], "x": [0.0, 1.0]})},
        "The family 'com_poisson' is not available",
    ),
    (  # brms's message for a wiener model without its decisions
        "brm(y ~ x, data = d, family = wiener('identity'))",
        {"d": pd.DataFrame({"y": [1, 2], "x": [0.0, 1.0]})},
        "Addition argument 'dec' is required for family 'wiener'.",
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


def test_deeply_nested_priors_do_not_overflow_the_stack() -> None:
    prior = "prior(normal(0, 1), class = b)"
    deep = "c(" * 5000 + prior + ")" * 5000
    assert from_r(deep) == from_r(prior).__class__(from_r(prior).items, deep)
    with pytest.raises(RCodeError) as err:
        from_r("c(" * 5000 + "1" + ")" * 5000)
    assert str(err.value).startswith(
        "This is not a brms prior; write prior(normal(0, 1), class = b), set_prior(...), or "
        "c() or + of them.\n  c(c(c("
    )
