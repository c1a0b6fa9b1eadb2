"""``ar()``/``ma()``/``arma()`` with ``cov = TRUE``: make_standata and get_prior equal brms
2.18's, brms's errors, brms's residual matrices, the log density equals brms's Stan program
(scipy's multivariate normal and t per series, homogeneous and predicted sigma) at a fixed
parameter point, the pointwise log_lik is each row given its series' other rows, and the
porter translates the calls.

The references are recorded by ``tests/fixtures/arcov/make_arcov.R`` (brms 2.18.0) in
``arcov.json`` (its data: three series of unequal length, rows shuffled, a gap in time).
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
from brmsjax.backend.model.terms.arcov import (
    arcov_data,
    arcov_log_lik,
    arcov_matrix,
    arcov_pointwise,
)
from brmsjax.backend.priors.user import prior
from brmsjax.formula.errors import BrmsjaxError, ModelError
from brmsjax.port import from_r
from tests.helpers import assert_prior_rows_equal, assert_standata_values, log_density_at

REFERENCE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "arcov" / "arcov.json").read_text()
)
CASES = tuple(REFERENCE["cases"])
#: The cases' formulas as brmsjax reads them (bf() calls with string formulas).
FORMULAS = {
    "ar_gr": "y ~ x + ar(t, g, cov = TRUE)",
    "ma": "y ~ x + ma(cov = TRUE)",
    "arma_student": "y ~ x + arma(t, g, cov = TRUE)",
    "ar_sigma": brmsjax.bf("y ~ x + ar(t, g, cov = TRUE)", "sigma ~ x"),
    "autocor": brmsjax.bf("y ~ x", autocor="~ arma(time = t, gr = g, cov = TRUE)"),
    "arma_student_sigma": brmsjax.bf("y ~ x + arma(t, g, cov = TRUE)", "sigma ~ x"),
}


def data() -> pd.DataFrame:
    return pd.DataFrame(REFERENCE["data"])


@pytest.mark.parametrize("case", CASES)
def test_standata_equals_brms(case: str) -> None:
    ref = REFERENCE["cases"][case]
    got = brmsjax.make_standata(FORMULAS[case], data(), family=ref["family"])
    assert list(got) == list(ref["standata"])
    assert_standata_values(got, ref["standata"])


@pytest.mark.parametrize("case", CASES)
def test_get_prior_equals_brms(case: str) -> None:
    ref = REFERENCE["cases"][case]
    table = brmsjax.get_prior(FORMULAS[case], data(), family=ref["family"])
    cols = ["prior", "class", "coef", "group", "dpar", "lb", "ub"]
    assert_prior_rows_equal(table, ref["prior"], cols)


def _repeated_time() -> pd.DataFrame:
    d = data()
    return d.assign(t=np.where(d["g"] == "a", 1, d["t"]))


def _counts() -> pd.DataFrame:
    return data().assign(y=lambda f: np.round(np.abs(f["y"] * 3)).astype(int))


ERRORS = [
    ("y ~ ar(t, g, p = 2, cov = TRUE)", data, "gaussian", REFERENCE["errors"]["p2"]),
    ("y ~ ma(t, g, q = 2, cov = TRUE)", data, "gaussian", REFERENCE["errors"]["q2"]),
    ("y ~ x + ar(t, g, cov = TRUE)", _repeated_time, "gaussian", "Time points within groups"),
    ("y ~ x + ar(t, g, cov = TRUE) + cosy(t, g)", data, "gaussian", "one time-series term"),
    ("y ~ x + ar(t, g, cov = TRUE)", _counts, "categorical", "only be specified on 'mu'"),
    ("y ~ x + ar(t, g, cov = 2)", data, "gaussian", "Argument 'cov' of ar() must be TRUE"),
]


@pytest.mark.parametrize(("formula", "frame", "family", "message"), ERRORS)
def test_errors(formula: str, frame: object, family: str, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, frame(), family=family)  # type: ignore[operator]
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("kind", "ar", "ma"), [("ar1", 0.6, 0.0), ("ma1", 0.0, -0.4), ("arma1", 0.6, -0.4)]
)
def test_matrix_is_brms(kind: str, ar: float, ma: float) -> None:
    """brms's ``get_cor_matrix_ar1``/``_ma1``/``_arma1`` (as its Stan ``cholesky_cor_*``)."""
    with jax.enable_x64(True):
        got = np.asarray(arcov_matrix(np.float64(ar), np.float64(ma), 5))
    np.testing.assert_allclose(got, np.asarray(REFERENCE["cor"][kind]), rtol=1e-12)


PRIORS = [
    prior("normal(2, 2)", "Intercept"),
    prior("normal(0, 1)", "b"),
    prior("exponential(1)", "sigma"),
]


def _cov(n: int, ar: float, ma: float) -> np.ndarray:
    """The ARMA(1, 1) autocovariance with unit innovations, written out."""
    k = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    g0 = (1 + ma**2 + 2 * ar * ma) / (1 - ar**2)
    gk = (1 + ar * ma) * (ar + ma) * ar ** np.maximum(k - 1, 0) / (1 - ar**2)
    return np.where(k == 0, g0, gk)


DENSITY = [
    ("ar_gr", "gaussian", {"ar": np.array([0.55])}),
    ("ma", "gaussian", {"ma": np.array([-0.35])}),
    ("arma_student", "student", {"ar": np.array([0.4]), "ma": np.array([0.3]), "nu": 6.0}),
    (
        "ar_sigma",
        "gaussian",
        {"ar": np.array([-0.3]), "Intercept_sigma": -0.2, "b_sigma": np.array([0.4])},
    ),
    (
        "arma_student_sigma",
        "student",
        {
            "ar": np.array([0.7]),
            "ma": np.array([-0.5]),
            "nu": 6.0,
            "Intercept_sigma": 0.1,
            "b_sigma": np.array([-0.6]),
        },
    ),
]


@pytest.mark.parametrize(("case", "family", "values"), DENSITY)
def test_log_density_is_brms(case: str, family: str, values: dict[str, object]) -> None:
    """brms's ``normal_time_hom``/``_het`` and ``student_t_time_hom``/``_het`` per series."""
    formula = FORMULAS[case]
    priors = (
        PRIORS
        if "sigma" not in case
        else [*PRIORS[:2], prior("normal(0, 1)", "Intercept", dpar="sigma")]
    )
    v: dict[str, object] = {"Intercept": 1.7, "b": np.array([0.3]), **values}
    if "sigma" not in case:
        v["sigma"] = 0.8
    got = log_density_at(formula, data(), family, priors, v)
    sd = brmsjax.make_standata(formula, data(), family=family)
    X = np.asarray(sd["X"], float)[:, 1:]
    mu = v["Intercept"] + (X - X.mean(axis=0)) @ v["b"]
    if "sigma" in case:
        Xs = np.asarray(sd["X_sigma"], float)[:, 1:]
        sigma = np.exp(v["Intercept_sigma"] + (Xs - Xs.mean(axis=0)) @ v["b_sigma"])
    else:
        sigma = np.full(len(mu), 0.8)
    ar = float(np.asarray(values.get("ar", [0.0]))[0])
    ma = float(np.asarray(values.get("ma", [0.0]))[0])
    y = np.asarray(sd["Y"], float)
    target = 0.0
    for b, e in zip(np.atleast_1d(sd["begin_tg"]), np.atleast_1d(sd["end_tg"]), strict=True):
        rows = slice(b - 1, e)
        cov = _cov(e - b + 1, ar, ma) * np.outer(sigma[rows], sigma[rows])
        if family == "gaussian":
            target += stats.multivariate_normal.logpdf(y[rows], mu[rows], cov)
        else:
            target += stats.multivariate_t.logpdf(y[rows], mu[rows], cov, df=v["nu"])
    target += stats.norm.logpdf(v["Intercept"], 2, 2) + stats.norm.logpdf(v["b"][0], 0, 1)
    if "sigma" in case:
        target += stats.norm.logpdf(v["Intercept_sigma"])
    else:
        target += stats.expon.logpdf(0.8)
    if family == "student":  # brms: gamma_lpdf(nu | 2, 0.1) - gamma_lccdf(1 | 2, 0.1)
        target += stats.gamma.logpdf(6.0, 2, scale=10) - stats.gamma.logsf(1, 2, scale=10)
    assert got == pytest.approx(target, rel=1e-10)


@pytest.mark.parametrize("family", ["gaussian", "student"])
@pytest.mark.parametrize(
    ("ar", "ma"),
    [
        (np.array([0.5, -0.3]), None),
        (None, np.array([0.4, 0.2])),
        (np.array([0.5, -0.3]), np.array([0.4, 0.2])),
    ],
)
def test_pointwise_is_each_row_given_its_series(family: str, ar: object, ma: object) -> None:
    """brms's log_lik_<family>_time: the conditional density of each row, here computed as
    the joint density minus the density of the series without the row (sigma per row)."""
    rng = np.random.default_rng(5)
    series = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    y, mu = rng.normal(size=9), rng.normal(size=(2, 9))
    sigma, nu = np.exp(rng.normal(scale=0.3, size=(2, 9))), np.array([4.0, 9.0])
    dpars = {"sigma": sigma, "nu": nu}
    if ar is not None:
        dpars["ar"] = np.asarray(ar)[:, None]
    if ma is not None:
        dpars["ma"] = np.asarray(ma)[:, None]
    with jax.enable_x64(True):
        got = np.asarray(arcov_pointwise(family, y, mu, dpars, arcov_data(series)))
    for s in range(2):
        a = 0.0 if ar is None else float(np.asarray(ar)[s])
        m = 0.0 if ma is None else float(np.asarray(ma)[s])
        for i in range(9):
            rows = np.flatnonzero(series == series[i])
            full = _cov(len(rows), a, m) * np.outer(sigma[s, rows], sigma[s, rows])
            rest = rows != i
            joint = _density(family, y[rows], mu[s, rows], full, nu[s])
            marginal = _density(
                family, y[rows[rest]], mu[s, rows[rest]], full[np.ix_(rest, rest)], nu[s]
            )
            assert got[s, i] == pytest.approx(joint - marginal, rel=1e-9)


def _density(family: str, y: np.ndarray, mu: np.ndarray, cov: np.ndarray, nu: float) -> float:
    if family == "gaussian":
        return float(stats.multivariate_normal.logpdf(y, mu, cov))
    return float(stats.multivariate_t.logpdf(y, mu, cov, df=nu))


def test_other_likelihood_forms_and_se_are_refused() -> None:
    fam = get_family("gaussian")
    design = design_for("y ~ x + ar(t, g, cov = TRUE)", data(), fam)
    with pytest.raises(ModelError, match=r"The suffstat likelihood cannot be used with ARMA"):
        lower(design, fam, resolve_priors(design, fam, None), likelihood="suffstat")
    d = data().assign(s=0.3)
    design = design_for("y | se(s, sigma = TRUE) ~ x + ar(t, g, cov = TRUE)", d, fam)
    with pytest.raises(ModelError, match=r"se\(\) cannot be combined with ARMA terms with cov"):
        lower(design, fam, resolve_priors(design, fam, None))


PORTS = [
    ("brm(y ~ x + ar(t, g, cov = TRUE), data = d)", '"y ~ x + ar(t, g, cov = TRUE)"'),
    ("brm(y ~ x + arma(t, g, cov = T), data = d, family = student())", "arma(t, g, cov = T)"),
    (
        "brm(bf(y ~ x, autocor = ~ ma(t, g, cov = TRUE)), data = d)",
        "autocor",
    ),
]


@pytest.mark.parametrize(("code", "expected"), PORTS)
def test_porter_translates_cov_terms(code: str, expected: str) -> None:
    call = from_r(code)
    assert expected in call.to_python()
    standata = brmsjax.make_standata(call.formula, data(), family=call.family.name)
    assert list(standata["nobs_tg"]) == [7, 5, 5]


@pytest.mark.parametrize("family", ["gaussian", "student"])
@pytest.mark.parametrize(("ar", "ma"), [(0.97, None), (None, -0.95), (0.95, -0.9), (-0.9, 0.8)])
def test_long_series_near_the_bounds(family: str, ar: float | None, ma: float | None) -> None:
    """The innovations recursion equals the dense density on a long series (400 rows) and a
    short one, with coefficients near +-1."""
    rng = np.random.default_rng(9)
    series = np.repeat([0, 1], [400, 3])
    y = rng.normal(size=403)
    sigma = np.exp(rng.normal(scale=0.2, size=403))
    dpars: dict[str, object] = {"sigma": sigma, "nu": np.array([5.0])}
    if ar is not None:
        dpars["ar"] = np.array([ar])
    if ma is not None:
        dpars["ma"] = np.array([ma])
    with jax.enable_x64(True):
        got = float(arcov_log_lik(family, y, np.zeros(403), dpars, arcov_data(series)))
    a, m = ar or 0.0, ma or 0.0
    target = 0.0
    for rows in (slice(0, 400), slice(400, 403)):
        n = len(sigma[rows])
        cov = _cov(n, a, m) * np.outer(sigma[rows], sigma[rows])
        target += _density(family, y[rows], np.zeros(n), cov, 5.0)
    assert got == pytest.approx(target, rel=1e-9)
