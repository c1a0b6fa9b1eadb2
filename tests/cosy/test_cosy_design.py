"""``cosy(time, gr)``: make_standata and get_prior equal brms 2.18's, brms's errors, the log
density equals brms's Stan program (scipy's multivariate normal and t per series) at a fixed
parameter point, the pointwise log_lik is each row given its series' other rows, and the
porter translates the calls.

The references are recorded by ``tests/fixtures/cosy/make_fixtures.R`` (brms 2.18.0) on
``data.csv`` of that folder (unequal series, times out of order); its ``*.stan`` files are
brms's programs.
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax
from brmsjax.api import design_for, get_family, resolve_priors
from brmsjax.backend.model.lower import lower
from brmsjax.backend.model.terms.cosy import cosy_data, cosy_pointwise
from brmsjax.backend.priors.user import prior
from brmsjax.formula.errors import BrmsjaxError, ModelError
from brmsjax.port import from_r
from tests.helpers import assert_case_prior_rows, assert_standata_values, log_density_at

HERE = Path(__file__).parents[1] / "fixtures" / "cosy"
REFERENCE = json.loads((HERE / "cases.json").read_text())
CASES = ("gaussian", "student", "rows")


def data() -> pd.DataFrame:
    return pd.read_csv(HERE / "data.csv")


@pytest.mark.parametrize("case", CASES)
def test_standata_equals_brms(case: str) -> None:
    ref = REFERENCE[case]
    got = brmsjax.make_standata(ref["formula"], data(), family=ref["family"])
    assert list(got) == ref["standata_names"]
    assert_standata_values(got, ref["standata"], order="F")  # R's as.vector


@pytest.mark.parametrize("case", CASES)
def test_get_prior_equals_brms(case: str) -> None:
    cols = ["prior", "class", "coef", "group", "lb", "ub"]
    assert_case_prior_rows(REFERENCE[case], data(), cols)


def _repeated_time() -> pd.DataFrame:
    d = data()
    d.loc[1, "time"] = 4
    return d


ERRORS = [
    (REFERENCE["errors"][0]["formula"], data, REFERENCE["errors"][0]["message"]),
    (REFERENCE["errors"][1]["formula"], _repeated_time, REFERENCE["errors"][1]["message"]),
    ("bf(y ~ x, sigma ~ cosy(time, g))", data, "can only be specified on 'mu'"),
    ("y ~ x + cosy(time, g, 2)", data, "cosy() takes at most 2 arguments (time, gr)."),
    ("y ~ x + cosy(t = time)", data, "cosy() has no argument 't'; its arguments are time and gr."),
]


@pytest.mark.parametrize(("formula", "frame", "message"), ERRORS)
def test_errors(formula: str, frame: object, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, frame())  # type: ignore[operator]
    assert message in str(err.value)


def test_families_with_one_mu_per_category_are_refused() -> None:
    d = data().assign(y=lambda f: np.round(np.abs(f["y"])).astype(int))
    with pytest.raises(BrmsjaxError, match=r"can only be specified on 'mu'"):  # brms's message
        brmsjax.make_standata("y ~ x + cosy(time, g)", d, family="categorical")


PRIORS = [
    prior("normal(2, 2)", "Intercept"),
    prior("normal(0, 1)", "b"),
    prior("exponential(1)", "sigma"),
]


def _series_cov(n: int, rho: float, sigma: float) -> np.ndarray:
    return sigma**2 * ((1 - rho) * np.eye(n) + rho * np.ones((n, n)))


@pytest.mark.parametrize("family", ["gaussian", "student"])
def test_log_density_is_brms(family: str) -> None:
    """brms's ``normal_time_hom`` / ``student_t_time_hom`` with ``cholesky_cor_cosy``."""
    formula = "y ~ x + cosy(time, g)"
    v = {"Intercept": 1.7, "b": np.array([0.3]), "sigma": 0.8, "cosy": 0.45}
    if family == "student":
        v["nu"] = 6.0
    got = log_density_at(formula, data(), family, PRIORS, v)
    sd = brmsjax.make_standata(formula, data(), family=family)
    X = np.asarray(sd["X"], float)[:, 1:]
    mu = v["Intercept"] + (X - X.mean(axis=0)) @ v["b"]
    y = np.asarray(sd["Y"], float)
    target = 0.0
    for b, e in zip(sd["begin_tg"], sd["end_tg"], strict=True):
        rows = slice(b - 1, e)
        cov = _series_cov(e - b + 1, v["cosy"], v["sigma"])
        if family == "gaussian":
            target += stats.multivariate_normal.logpdf(y[rows], mu[rows], cov)
        else:
            target += stats.multivariate_t.logpdf(y[rows], mu[rows], cov, df=v["nu"])
    target += stats.norm.logpdf(v["Intercept"], 2, 2) + stats.norm.logpdf(v["b"][0], 0, 1)
    target += stats.expon.logpdf(v["sigma"])
    if family == "student":  # brms: gamma_lpdf(nu | 2, 0.1) - gamma_lccdf(1 | 2, 0.1)
        target += stats.gamma.logpdf(6.0, 2, scale=10) - stats.gamma.logsf(1, 2, scale=10)
    assert got == pytest.approx(target, rel=1e-10)


@pytest.mark.parametrize("family", ["gaussian", "student"])
def test_pointwise_is_each_row_given_its_series(family: str) -> None:
    """brms's log_lik_<family>_time: the conditional density of each row, here computed as
    the joint density minus the density of the series without the row."""
    rng = np.random.default_rng(5)
    series = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    y, mu = rng.normal(size=9), rng.normal(size=(2, 9))
    sigma, rho, nu = np.array([0.7, 1.3]), np.array([0.2, 0.7]), np.array([4.0, 9.0])
    dpars = {"sigma": sigma[:, None] * np.ones(9), "cosy": rho, "nu": nu}
    with jax.enable_x64(True):
        got = np.asarray(cosy_pointwise(family, y, mu, dpars, cosy_data(series)))
    for s in range(2):
        for i in range(9):
            rows = np.flatnonzero(series == series[i])
            rest = rows[rows != i]

            def dens(idx: np.ndarray, s: int = s) -> float:
                cov = _series_cov(len(idx), rho[s], sigma[s])
                if family == "gaussian":
                    return float(stats.multivariate_normal.logpdf(y[idx], mu[s, idx], cov))
                return float(stats.multivariate_t.logpdf(y[idx], mu[s, idx], cov, df=nu[s]))

            assert got[s, i] == pytest.approx(dens(rows) - dens(rest), rel=1e-9)


def test_other_likelihood_forms_are_refused() -> None:
    fam = get_family("gaussian")
    design = design_for("y ~ x + cosy(time, g)", data(), fam)
    with pytest.raises(ModelError, match=r"The suffstat likelihood cannot be used with cosy"):
        lower(design, fam, resolve_priors(design, fam, None), likelihood="suffstat")


def test_porter_translates_cosy() -> None:
    call = from_r("brm(y ~ x + cosy(time, g), data = d, family = student())")
    assert '"y ~ x + cosy(time, g)"' in call.to_python()
    standata = brmsjax.make_standata(call.formula, data(), family="student")
    assert list(standata["nobs_tg"]) == [3, 4, 5]
