"""ARMA terms of families other than gaussian and student (brms 2.18's latent residuals):
make_standata and get_prior equal brms's, brms's errors, and the log density equals a numpy
reference of brms's Stan program (``err = sderr * zerr`` plus the AR part on the lagged
``err``; ``std_normal(zerr)`` outside ``lprior``) at a fixed parameter point.

The references are recorded by ``tests/fixtures/arma_latent/make_fixtures.R`` (brms 2.18.0);
its JSON holds the data (series out of order, so the rows are sorted by ``gr`` and ``time``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax
from brmsjax.backend.priors.user import prior
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.port import from_r
from tests.helpers import log_density_at, recorded_case_tests, recorded_reference

REFERENCE = recorded_reference("arma_latent")


def data() -> pd.DataFrame:
    return pd.DataFrame(REFERENCE["data"])


test_standata_equals_brms, test_get_prior_equals_brms = recorded_case_tests(REFERENCE, data)


ERRORS = [
    ("count ~ x + arma(time, gr)", "poisson", REFERENCE["errors"]["ma"]),
    ("count ~ x + ma(time, gr)", "poisson", REFERENCE["errors"]["ma"]),
    ("rating ~ x + ar(time, gr)", "categorical", REFERENCE["errors"]["categorical"]),
]


@pytest.mark.parametrize(("formula", "family", "message"), ERRORS)
def test_errors(formula: str, family: str, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, data(), family=family)
    assert message in str(err.value)


PRIORS = [prior("normal(0.5, 2)", "Intercept"), prior("normal(0, 1)", "b")]


def _reference(case: str, v: dict) -> float:
    """brms's Stan model block in numpy: target of the likelihood, priors and zerr."""
    ref = REFERENCE["cases"][case]
    sd = ref["standata"]
    X = np.asarray(sd["X"], float)[:, 1:]
    y = np.asarray(sd["Y"], float)
    err = v["sderr"] * v["zerr"]
    mu = v["Intercept"] + (X - X.mean(axis=0)) @ v["b"] + err
    J_lag, N = np.asarray(sd["J_lag"], int), len(y)
    Err = np.zeros((N + 1, len(v["ar"])))
    for n in range(N):  # Err[n + 1, i] = err[n + 1 - i]; mu[n] += Err[n, 1:Kar] * ar
        for i in range(J_lag[n]):
            Err[n + 1, i] = err[n - i]
        mu[n] += Err[n] @ v["ar"]
    if ref["family"] == "poisson":
        target = stats.poisson.logpmf(y, np.exp(mu)).sum()
    else:  # bernoulli_logit
        target = stats.bernoulli.logpmf(y, 1 / (1 + np.exp(-mu))).sum()
    target += stats.norm.logpdf(v["Intercept"], 0.5, 2) + stats.norm.logpdf(v["b"][0], 0, 1)
    # sderr's default student_t(3, 0, 2.5), halved at 0
    target += stats.t.logpdf(v["sderr"], 3, 0, 2.5) - stats.t.logsf(0, 3, 0, 2.5)
    return float(target + stats.norm.logpdf(v["zerr"]).sum())


@pytest.mark.parametrize("case", ["poisson_ar1", "bernoulli_ar2"])
def test_log_density_is_brms(case: str) -> None:
    ref = REFERENCE["cases"][case]
    rng = np.random.default_rng(3)
    p = len(REFERENCE["cases"][case]["standata"]["X"])
    v = {
        "Intercept": 0.4,
        "b": np.array([0.3]),
        "ar": np.array([0.5, -0.3][: int(np.ravel(ref["standata"]["Kar"])[0])]),
        "sderr": 0.7,
        "zerr": rng.normal(size=p),
    }
    got = log_density_at(ref["formula"], data(), ref["family"], PRIORS, v)
    assert got == pytest.approx(_reference(case, v), rel=1e-10)


def test_porter_translates_latent_arma() -> None:
    call = from_r("brm(count ~ x + ar(time, gr), data = d, family = poisson())")
    assert '"count ~ x + ar(time, gr)"' in call.to_python()
    standata = brmsjax.make_standata(call.formula, data(), family="poisson")
    assert int(np.asarray(standata["Kar"]).reshape(-1)[0]) == 1
