"""brm() rejects bad input before sampling, with one clear error naming the culprit."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj

SLEEP = bj.datasets.sleepstudy()
F = "Reaction ~ Days + (Days | Subject)"

ERRORS = [
    (
        {"family": "gaussain"},
        bj.ModelError,
        "Unknown family 'gaussain'; supported families are: acat, asym_laplace, bernoulli, beta, "
        "beta_binomial, binomial, categorical, cratio, cumulative, dirichlet, exgaussian, "
        "exponential, "
        "frechet, gamma, gaussian, gen_extreme_value, geometric, hurdle_gamma, hurdle_lognormal, "
        "hurdle_negbinomial, "
        "hurdle_poisson, inverse.gaussian, logistic_normal, lognormal, multinomial, negbinomial, "
        "poisson, "
        "shifted_lognormal, "
        "skew_normal, sratio, student, von_mises, weibull, wiener, zero_inflated_beta, "
        "zero_inflated_beta_binomial, zero_inflated_binomial, zero_inflated_negbinomial, "
        "zero_inflated_poisson, zero_one_inflated_beta.",
    ),
    (
        {"prior": bj.prior("normal(0, 10)", class_="b", coef="Dayz")},
        bj.PriorError,
        "The prior for class 'b' names coefficient 'Dayz', which the model lacks; its "
        "coefficients are: Days.",
    ),
    ({"chains": 0}, bj.ModelError, "chains must be a whole number of at least 1, not 0."),
    ({"iter": 100, "warmup": 100}, bj.ModelError, "warmup (100) must be smaller than iter (100)."),
    (
        {"control": {"adapt_delta": 1.5}},
        bj.ModelError,
        "control['adapt_delta'] must be between 0 and 1, not 1.5.",
    ),
    (
        {"control": {"stepsize": 0.1}},
        bj.ModelError,
        "Unknown control setting 'stepsize'; brmsjax supports: adapt_delta, max_treedepth.",
    ),
    (
        {"sample_prior": "all"},
        bj.ModelError,
        "sample_prior must be 'no', 'yes' or 'only', not 'all'.",
    ),
]


@pytest.mark.parametrize(("kwargs", "kind", "message"), ERRORS, ids=[str(e[0]) for e in ERRORS])
def test_bad_arguments(kwargs: dict, kind: type, message: str) -> None:
    with pytest.raises(kind, match=re.escape(message)):
        bj.brm(F, SLEEP, **kwargs)


def test_non_numeric_response_for_gaussian() -> None:
    data = SLEEP.assign(Reaction=SLEEP["Reaction"].map(lambda v: "fast" if v < 300 else "slow"))
    with pytest.raises(
        bj.ModelError,
        match=re.escape(
            "The response 'Reaction' is not numeric; the gaussian family needs a numeric response."
        ),
    ):
        bj.brm(F, data)


def test_too_few_rows() -> None:
    data = pd.DataFrame({"y": [1.0], "x": [2.0]})
    with pytest.raises(
        bj.ModelError,
        match=re.escape(
            "The model has 1 usable row; it needs at least 2 rows without missing values."
        ),
    ):
        bj.brm("y ~ x", data)


def test_unknown_variable_shows_caret() -> None:
    with pytest.raises(
        bj.UnknownVariableError,
        match=re.escape(
            "Unknown variable 'Dayz' in the formula; the data has 'Days'.\n"
            "  Reaction ~ Dayz + (Days | Subject)\n             ^^^^"
        ),
    ):
        bj.brm("Reaction ~ Dayz + (Days | Subject)", SLEEP)


@pytest.mark.filterwarnings("ignore::brmsjax.backend.infer.diagnostics.SamplerWarning")
def test_numpy_integers_are_accepted_for_every_integer_argument() -> None:
    # A NumPy integer is an integer: iter=np.int64(100) used to be refused.
    ints = {
        "chains": np.int64(2),
        "iter": np.int64(40),
        "warmup": np.int32(20),
        "thin": np.int64(1),
        "cores": np.int64(1),
        "seed": np.int64(3),
        "init": np.int64(0),
        "control": {"max_treedepth": np.int64(4)},
    }
    fit = bj.brm("Reaction ~ Days", SLEEP, **ints)
    plain = bj.brm(
        "Reaction ~ Days", SLEEP, chains=2, iter=40, warmup=20, thin=1, cores=1, seed=3,
        init=0, control={"max_treedepth": 4},
    )  # fmt: skip
    assert fit.draws().shape == (40, plain.draws().shape[1])
    pd.testing.assert_frame_equal(fit.draws(), plain.draws())
