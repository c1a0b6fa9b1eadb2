"""``ar()``/``ma()``/``arma()`` with ``cov = TRUE`` and ``cosy()`` in families other than
gaussian and student (brms 2.18's latent residuals ``err = scale_time_err(zerr, sderr,
chol_cor, ...)``): make_standata and get_prior equal brms's, brms's errors, and the log
density equals a numpy transcription of brms's Stan program (``cholesky_cor_*``, the leading
blocks of ``chol_cor`` per series, ``std_normal(zerr)`` outside ``lprior``) at 1e-10.

The references are recorded by ``tests/fixtures/latent_arcov/make_fixtures.R`` (brms 2.18.0);
its data have series of unequal sizes (5, 8 and 11 rows) out of order.
"""

from __future__ import annotations

import jax
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit

import brmsjax
from brmsjax.api import design_for, get_family, resolve_priors
from brmsjax.backend.model.lower import lower
from brmsjax.backend.model.terms.arcov import arcov_data
from brmsjax.backend.model.terms.latent.time_err import scale_time_err
from brmsjax.backend.priors.user import prior
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.port import from_r
from tests.helpers import log_density_at, recorded_case_tests, recorded_reference

REFERENCE = recorded_reference("latent_arcov")
CASES = tuple(REFERENCE["cases"])


def data() -> pd.DataFrame:
    return pd.DataFrame(REFERENCE["data"])


test_standata_equals_brms, test_get_prior_equals_brms = recorded_case_tests(REFERENCE, data)


ERRORS = [
    ("rating ~ x + ar(time, gr, cov = TRUE)", "categorical", "categorical", "make_standata"),
    ("rating ~ x + cosy(time, gr)", "categorical", "categorical_cosy", "make_standata"),
    ("bin ~ x + ma(time, gr)", "bernoulli", "ma_cov_false", "make_standata"),
]


@pytest.mark.parametrize(("formula", "family", "key", "how"), ERRORS)
def test_errors(formula: str, family: str, key: str, how: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        getattr(brmsjax, how)(formula, data(), family=family)
    assert REFERENCE["errors"][key] in str(err.value)


def test_mixture_and_nonlinear_are_refused() -> None:
    mix = brmsjax.mixture("poisson", "poisson")
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata("count ~ x + cosy(time, gr)", data(), family=mix)
    assert REFERENCE["errors"]["mixture"] in str(err.value)
    fam = get_family("poisson")
    nl = brmsjax.bf(
        "count ~ a * exp(b * x)", "a ~ 1", "b ~ 1", autocor="~ ar(time, gr, cov = TRUE)", nl=True
    )
    priors = [prior("normal(0, 1)", "b", nlpar="a"), prior("normal(0, 1)", "b", nlpar="b")]
    design = design_for(nl, data(), fam)
    with pytest.raises(BrmsjaxError) as err:
        lower(design, fam, resolve_priors(design, fam, priors))
    assert REFERENCE["errors"]["nonlinear"] in str(err.value)


# -- brms's Stan functions, transcribed
def cholesky_cor(kind: str, coef: dict[str, float], n: int) -> np.ndarray:
    """``cholesky_cor_ar1``/``_ma1``/``_arma1``/``_cosy`` of brms 2.18's Stan code."""
    ar, ma, rho = coef.get("ar", 0.0), coef.get("ma", 0.0), coef.get("cosy", 0.0)
    k = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    if kind == "cosy":
        mat = np.where(k == 0, 1.0, rho)
    elif kind == "ma1":
        mat = np.where(k == 0, 1 + ma**2, np.where(k == 1, ma, 0.0))
    elif kind == "ar1":
        mat = np.where(k == 0, 1.0, ar ** k.astype(float)) / (1 - ar**2)
    else:
        g1 = (1 + ar * ma) * (ar + ma)
        gamma = np.where(k == 0, 1 + ma**2 + 2 * ar * ma, g1 * ar ** np.maximum(k - 1, 0.0))
        mat = gamma / (1 - ar**2)
    return np.linalg.cholesky(mat)


def scale_time_err_ref(zerr, sderr, chol_cor, tg) -> np.ndarray:
    """brms's ``scale_time_err``; ``tg`` holds ``nobs_tg``, ``begin_tg`` and ``end_tg``."""
    err = np.zeros_like(zerr)
    for n, b, e in zip(*tg, strict=True):
        err[b - 1 : e] = sderr * chol_cor[:n, :n] @ zerr[b - 1 : e]
    return err


KINDS = {"poisson_ar": "ar1", "bernoulli_ma": "ma1", "negbinomial_arma": "arma1"}
KINDS |= {"poisson_cosy": "cosy", "lognormal_ar_group": "ar1", "binomial_ar_single": "ar1"}
KINDS |= {"cumulative_ar": "ar1"}
PRIORS = [prior("normal(0.5, 2)", "Intercept"), prior("normal(0, 1)", "b")]
EXTRA = {
    "negbinomial_arma": [prior("gamma(2, 1)", "shape")],
    "lognormal_ar_group": [prior("exponential(1)", "sigma"), prior("normal(0, 1)", "sd")],
}
COEF = {"ar": 0.6, "ma": -0.4, "cosy": 0.35}


def _values(case: str) -> dict:
    sd = REFERENCE["cases"][case]["standata"]
    rng = np.random.default_rng(5)
    out = {"b": np.array([0.3]), "sderr": 0.7, "zerr": rng.normal(size=sd["N"])}
    out["Intercept"] = np.array([-1.0, 0.2, 1.1]) if case == "cumulative_ar" else 0.4
    if KINDS[case] == "cosy":
        out["cosy"] = COEF["cosy"]
    for cls, key in (("ar", "Kar"), ("ma", "Kma")):
        if np.ravel(sd.get(key, [0]))[0]:
            out[cls] = np.array([COEF[cls]])
    if case == "negbinomial_arma":
        out["shape"] = 3.0
    if case == "lognormal_ar_group":
        out |= {"sigma": 0.6, "sd_1": np.array([0.5]), "z_1": rng.normal(size=(1, 3))}
    return out


def _reference(case: str, v: dict) -> float:
    """brms's Stan model block in numpy: the likelihood, the priors and ``zerr``'s."""
    sd = REFERENCE["cases"][case]["standata"]
    X = np.asarray(sd["X"], float).reshape(sd["N"], -1)
    X = X[:, 1:] if case != "cumulative_ar" else X
    y = np.asarray(sd["Y"], float)
    coef = {k: float(np.ravel(v[k])[0]) for k in ("ar", "ma", "cosy") if k in v}
    nobs, begin, end = (np.ravel(sd[k]).astype(int) for k in ("nobs_tg", "begin_tg", "end_tg"))
    chol = cholesky_cor(KINDS[case], coef, int(nobs.max()))
    err = scale_time_err_ref(v["zerr"], v["sderr"], chol, (nobs, begin, end))
    mu = (X - X.mean(axis=0)) @ v["b"] + err
    target = stats.norm.logpdf(v["b"][0], 0, 1) + np.sum(stats.norm.logpdf(v["Intercept"], 0.5, 2))
    if case != "cumulative_ar":
        mu = mu + v["Intercept"]
    if case in ("poisson_ar", "poisson_cosy"):
        target += stats.poisson.logpmf(y, np.exp(mu)).sum()
    elif case == "bernoulli_ma":
        target += stats.bernoulli.logpmf(y, expit(mu)).sum()
    elif case == "negbinomial_arma":
        s = v["shape"]
        target += stats.nbinom.logpmf(y, s, s / (s + np.exp(mu))).sum()
        target += stats.gamma.logpdf(s, 2, scale=1)
    elif case == "binomial_ar_single":
        target += stats.binom.logpmf(y, np.asarray(sd["trials"], int), expit(mu)).sum()
    elif case == "lognormal_ar_group":
        J = np.asarray(sd["J_1"], int) - 1
        mu = mu + v["sd_1"][0] * v["z_1"][0][J] * np.asarray(sd["Z_1_1"], float)
        target += stats.lognorm.logpdf(y, v["sigma"], scale=np.exp(mu)).sum()
        target += stats.expon.logpdf(v["sigma"])
        target += stats.norm.logpdf(v["sd_1"][0]) - stats.norm.logsf(0)
        target += stats.norm.logpdf(v["z_1"]).sum()
    else:  # cumulative logit: ordered_logistic(y | mu, thresholds)
        th = np.concatenate([[-np.inf], v["Intercept"], [np.inf]])
        k = y.astype(int)
        target += np.log(expit(th[k] - mu) - expit(th[k - 1] - mu)).sum()
    # sderr's default student_t(3, 0, 2.5), halved at 0; std_normal(zerr)
    target += stats.t.logpdf(v["sderr"], 3, 0, 2.5) - stats.t.logsf(0, 3, 0, 2.5)
    return float(target + stats.norm.logpdf(v["zerr"]).sum())


@pytest.mark.parametrize("case", CASES)
def test_log_density_is_brms(case: str) -> None:
    ref = REFERENCE["cases"][case]
    v = _values(case)
    got = log_density_at(ref["formula"], data(), ref["family"], PRIORS + EXTRA.get(case, []), v)
    assert got == pytest.approx(_reference(case, v), rel=1e-10)


@pytest.mark.parametrize(
    ("kind", "coef"),
    [("ar1", {"ar": 0.9}), ("ma1", {"ma": -0.95}), ("arma1", {"ar": -0.7, "ma": 0.5})]
    + [("cosy", {"cosy": 0.9}), ("cosy", {"cosy": 0.0})],
)
def test_scaled_errors_are_the_cholesky_products(kind: str, coef: dict[str, float]) -> None:
    """brmsjax's O(N) recursions give brms's ``chol_cor[1:n, 1:n] * z`` for long series."""
    series = np.repeat([0, 1, 2], [40, 1, 17])
    rng = np.random.default_rng(2)
    z = rng.normal(size=(2, len(series)))
    chol = cholesky_cor(kind, coef, 40)
    nobs = np.array([40, 1, 17])
    want = np.stack(
        [scale_time_err_ref(zz, 1.0, chol, (nobs, [1, 41, 42], [40, 41, 58])) for zz in z]
    )
    coefs = {k: np.full((2, 1) if k != "cosy" else (2,), c) for k, c in coef.items()}
    with jax.enable_x64(True):
        got = np.asarray(scale_time_err(coefs, z, arcov_data(series)))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_porter_translates_latent_cov_terms() -> None:
    call = from_r("brm(count ~ x + ar(time, gr = gr, cov = TRUE), data = d, family = poisson())")
    code = call.to_python()
    assert "ar(time, gr = gr, cov = TRUE)" in code and "poisson" in code
    standata = brmsjax.make_standata(call.formula, data(), family="poisson")
    assert list(np.ravel(standata["nobs_tg"])) == [5, 8, 11]
