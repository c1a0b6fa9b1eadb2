"""Family objects: names, links, dpars, default priors, response checks and the link functions.

``tests/fixtures/family_priors.json`` holds brms 2.18's ``get_prior`` rows of every family's
auxiliary parameters, their bounds and dpar links (made by ``family_priors.R``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest
from scipy import special, stats

from brmsjax.backend.families import registry as fam
from brmsjax.backend.families.links import INV_LINKS, LINKS, LOG_CCDF, LOG_CDF
from brmsjax.formula.errors import BrmsjaxError, ModelError

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "family_priors.json").read_text())


@pytest.fixture(autouse=True)
def _x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


@pytest.mark.parametrize("name", sorted(FIXTURE))
def test_family_matches_brms(name: str) -> None:
    ref = FIXTURE[name]
    family = fam.get_family(name)
    assert family.name == ref["family"]
    assert family.link == ref["link"]
    assert list(family.dpars) == ref["dpars"]
    assert dict(family.dpar_priors) == dict(ref["priors"])
    for dpar, lb in ref["lb"].items():
        bounds = family.dpar_bounds[dpar]
        assert bounds == (
            float(lb) if lb else None,
            float(ref["ub"][dpar]) if ref["ub"][dpar] else None,
        )
    assert dict(family.dpar_links) == (ref["dpar_links"] or {})


@pytest.mark.parametrize(
    ("spelling", "name", "kind"),
    [
        ("gaussian", "gaussian", "continuous"),
        (" student ", "student", "continuous"),
        ("Gamma", "gamma", "continuous"),
        ("gamma", "gamma", "continuous"),
        ("Beta", "beta", "continuous"),
        ("beta", "beta", "continuous"),
        ("negbinomial", "negbinomial", "discrete"),
        ("bernoulli", "bernoulli", "discrete"),
        ("zero_inflated_poisson", "zero_inflated_poisson", "discrete"),
        ("hurdle_lognormal", "hurdle_lognormal", "continuous"),
        ("cumulative", "cumulative", "ordinal"),
        ("categorical", "categorical", "categorical"),
    ],
)
def test_get_family_spellings(spelling: str, name: str, kind: str) -> None:
    family = fam.get_family(spelling)
    assert (family.name, family.kind) == (name, kind)
    assert fam.get_family(family) is family


ALL = (
    "acat, asym_laplace, bernoulli, beta, beta_binomial, binomial, categorical, cratio, "
    "cumulative, dirichlet, exgaussian, exponential, frechet, gamma, gaussian, gen_extreme_value, "
    "geometric, "
    "hurdle_gamma, "
    "hurdle_lognormal, hurdle_negbinomial, hurdle_poisson, inverse.gaussian, logistic_normal, "
    "lognormal, "
    "multinomial, negbinomial, poisson, shifted_lognormal, skew_normal, sratio, student, "
    "von_mises, weibull, wiener, "
    "zero_inflated_beta, zero_inflated_beta_binomial, zero_inflated_binomial, "
    "zero_inflated_negbinomial, zero_inflated_poisson, zero_one_inflated_beta"
)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: fam.get_family("gaussain"),
            f"Unknown family 'gaussain'; supported families are: {ALL}.",
        ),
        (
            lambda: fam.get_family(3),
            "A family must be a name such as 'gaussian' or a family object, not 3.",
        ),
        (
            lambda: fam.bernoulli("log1p"),
            "Link 'log1p' is not allowed for family 'bernoulli'; use "
            "one of: logit, probit, probit_approx, cloglog, cauchit, identity, log.",
        ),
        (
            lambda: fam.cumulative("identity"),
            "Link 'identity' is not allowed for family "
            "'cumulative'; use one of: logit, probit, probit_approx, cloglog, cauchit.",
        ),
        (
            lambda: fam.poisson("logit"),
            "Link 'logit' is not allowed for family 'poisson'; use one "
            "of: log, identity, sqrt, softplus.",
        ),
        (
            lambda: fam.student(link_nu="log"),
            "Link 'log' is not allowed for 'nu' in family 'student'; use one of: logm1, identity.",
        ),
        (
            lambda: fam.lognormal("log"),
            "Link 'log' is not allowed for family 'lognormal'; use one of: identity, inverse.",
        ),
    ],
)
def test_family_errors(make: Any, message: str) -> None:
    with pytest.raises(ModelError, match=re.escape(message)):
        make()


@pytest.mark.parametrize(
    ("family", "predicted", "categories", "line"),
    [
        (fam.gaussian(), (), (), "mu = identity; sigma = identity"),
        (fam.gaussian("log"), ("sigma",), (), "mu = log; sigma = log"),
        (fam.student(), ("nu",), (), "mu = identity; sigma = identity; nu = logm1"),
        (fam.cumulative("probit"), (), (), "mu = probit; disc = identity"),
        (fam.cumulative(), ("disc",), (), "mu = logit; disc = log"),
        (fam.categorical(), (), ("b", "c"), "mub = logit; muc = logit"),
        (fam.zero_inflated_poisson(), (), (), "mu = log; zi = identity"),
        (fam.hurdle_gamma(), ("hu",), (), "mu = log; shape = identity; hu = logit"),
        (fam.bernoulli("probit"), (), (), "mu = probit"),
    ],
)
def test_links_line(
    family: fam.Family, predicted: tuple[str, ...], categories: tuple[str, ...], line: str
) -> None:
    assert family.links_line(predicted, categories) == line


def test_cumulative_fixes_disc() -> None:
    assert dict(fam.cumulative().dpar_fixed) == {"disc": 1.0}
    assert dict(fam.gaussian().dpar_fixed) == {}


TRIALS = {"trials": np.array([5.0, 5.0, 5.0])}
NEEDS_COUNT = "needs non-negative whole numbers. Fix the data, or choose a family for real values"


@pytest.mark.parametrize(
    ("family", "y", "levels", "addition", "message"),
    [
        (
            fam.poisson(),
            [1, -1, 2],
            None,
            {},
            f"The response 'y' contains -1, but the poisson family {NEEDS_COUNT}",
        ),
        (
            fam.negbinomial(),
            [1, 2.5, 2],
            None,
            {},
            f"The response 'y' contains 2.5, but the negbinomial family {NEEDS_COUNT}",
        ),
        (
            fam.bernoulli(),
            [0, 1, 2],
            None,
            {},
            "The response 'y' contains 2, but the bernoulli "
            "family needs 0 or 1 (or a factor with two levels). Recode the response to 0 and 1.",
        ),
        (
            fam.bernoulli(),
            [1, 2, 3],
            ("a", "b", "c"),
            {},
            "The response 'y' is a factor with 3 "
            "levels, but the bernoulli family needs two levels. Use the categorical family",
        ),
        (
            fam.binomial(),
            [1, 2, 3],
            None,
            {},
            "The binomial family needs the number of trials; "
            "write the response as 'y | trials(n)'.",
        ),
        (
            fam.binomial(),
            [1, 6, 3],
            None,
            TRIALS,
            "The response 'y' contains 6, which exceeds its "
            "number of trials 5; the binomial family needs y <= trials.",
        ),
        (
            fam.Beta(),
            [0.2, 1.0],
            None,
            {},
            "The response 'y' contains 1, but the beta family needs "
            "values strictly between 0 and 1. Rescale the response into the open interval (0, 1).",
        ),
        (
            fam.Gamma(),
            [0.2, 0.0],
            None,
            {},
            "The response 'y' contains 0, but the gamma family needs positive values.",
        ),
        (
            fam.hurdle_lognormal(),
            [0.0, -0.5],
            None,
            {},
            "The response 'y' contains -0.5, but the "
            "hurdle_lognormal family needs non-negative values.",
        ),
        (
            fam.gaussian(),
            [1, 2],
            ("a", "b"),
            {},
            "The response 'y' is not numeric; the gaussian family needs a numeric response.",
        ),
        (
            fam.cumulative(),
            [1, 0, 2],
            None,
            {},
            "The response 'y' contains 0, but the cumulative "
            "family needs an ordered factor or whole numbers from 1.",
        ),
        (
            fam.categorical(),
            [1, 2],
            None,
            {},
            "The response 'y' is numeric, but the categorical "
            "family needs a factor response. Convert it with pandas.Categorical.",
        ),
    ],
)
def test_check_response_errors(
    family: fam.Family, y: list[float], levels: Any, addition: dict[str, Any], message: str
) -> None:
    with pytest.raises(ModelError, match=re.escape(message)) as err:
        family.check_response("y", np.asarray(y, dtype=float), levels, addition)
    assert isinstance(err.value, BrmsjaxError)


@pytest.mark.parametrize(
    ("family", "y", "levels", "addition", "values"),
    [
        (fam.bernoulli(), [1, 2, 2], ("no", "yes"), {}, [0, 1, 1]),
        (fam.bernoulli(), [0, 1, 1], None, {}, [0, 1, 1]),
        (fam.binomial(), [0, 5, 3], None, TRIALS, [0, 5, 3]),
        (fam.cumulative(), [1, 3, 2], ("lo", "mid", "hi"), {}, [1, 3, 2]),
        (fam.cumulative(), [1, 4, 2], None, {}, [1, 4, 2]),
        (fam.categorical(), [2, 1, 3], ("a", "b", "c"), {}, [2, 1, 3]),
        (fam.hurdle_gamma(), [0.0, 2.5, 0.1], None, {}, [0.0, 2.5, 0.1]),
    ],
)
def test_accepted_responses(
    family: fam.Family, y: list[float], levels: Any, addition: dict[str, Any], values: list[float]
) -> None:
    family.check_response("y", np.asarray(y, dtype=float), levels, addition)
    np.testing.assert_array_equal(family.response_values(np.asarray(y), levels), values)


X = np.array([-2.5, -0.7, 0.0, 0.4, 1.9])
UNIT = np.array([0.03, 0.3, 0.5, 0.77, 0.99])
INVERSES = {
    "identity": X,
    "log": np.exp(X),
    "inverse": 1 / X[X != 0],
    "sqrt": X**2,
    "softplus": np.log1p(np.exp(X)),
    "logit": special.expit(X),
    "probit": stats.norm.cdf(X),
    "probit_approx": special.expit(0.07056 * X**3 + 1.5976 * X),
    "cloglog": 1 - np.exp(-np.exp(X)),
    "cauchit": stats.cauchy.cdf(X),
    "logm1": np.exp(X) + 1,
    "log1p": np.expm1(X),
}


@pytest.mark.parametrize("link", sorted(INVERSES))
def test_inverse_links_and_round_trip(link: str) -> None:
    x = {"inverse": X[X != 0], "sqrt": np.abs(X)}.get(link, X)
    got = np.asarray(INV_LINKS[link](x))
    np.testing.assert_allclose(got, INVERSES[link], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(LINKS[link](got)), x, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("link", sorted(LOG_CDF))
def test_ordinal_log_cdfs(link: str) -> None:
    p = np.asarray(INV_LINKS[link](X))
    np.testing.assert_allclose(np.asarray(LOG_CDF[link](X)), np.log(p), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(LOG_CCDF[link](X)), np.log1p(-p), rtol=1e-10)
    assert np.all(np.isfinite(np.asarray(LOG_CDF[link](np.array([-40.0])))))
    np.testing.assert_allclose(np.asarray(INV_LINKS[link](LINKS[link](UNIT))), UNIT, rtol=1e-8)
