"""Fits of brms 2.18's logistic_normal family: porter, draws, summary, predictions, loo.

The fast fit is the porter's ``from_r("brm(cbind(q1, q2, q3, q4) ~ x, ...)").run()`` on case
B's data of tests/fixtures/logistic_normal_fit (brms's names of the draws recorded there).
``log_lik`` is checked against scipy's ``multivariate_normal`` of the log ratios minus
``sum(log(y))`` at each draw's parameters (so the prediction path rebuilds ``Llncor`` from the
``lncor`` draws as brms's ``get_Sigma`` does); the slow fit recovers a simulated truth.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.families.registry import get_family
from brmsjax.port import from_r
from tests.logistic_normal_fit.test_logistic_normal_model import case_data, fixture

CODE = "brm(cbind(q1, q2, q3, q4) ~ x, data = d, family = logistic_normal())"
CATS = ("q2", "q3", "q4")
PAIRS = (("q2", "q3"), ("q2", "q4"), ("q3", "q4"))


@cache
def fit() -> bj.BrmsFit:
    return from_r(CODE).run(case_data("B"), chains=1, iter=300, seed=1, progress=False)


def test_porter_translates_and_runs() -> None:
    assert from_r(CODE).to_python() == (
        "import brmsjax as bj\n\nfit = bj.brm(\n"
        '    "cbind(q1, q2, q3, q4) ~ x",\n'
        "    data=d,\n"
        '    family="logistic_normal",\n'
        '    data_name="d",\n'
        ")\n"
    )
    assert list(fit().draws().columns) == [
        *fixture()["cases"]["B"]["variables"],
        ".chain",
        ".iteration",
        ".draw",
    ]


def test_porter_translates_a_category_sigma_formula() -> None:
    call = from_r(
        "brm(bf(cbind(q1, q2, q3, q4) ~ x, sigmaq2 ~ x), data = d, "
        'family = logistic_normal(link_sigma = "identity"))'
    )
    assert call.to_python(imports=False) == (
        "fit = bj.brm(\n"
        '    bj.bf("cbind(q1, q2, q3, q4) ~ x", "sigmaq2 ~ x"),\n'
        "    data=d,\n"
        '    family=families.logistic_normal(link_sigma="identity"),\n'
        '    data_name="d",\n'
        ")\n"
    )
    family = call.family.resolve()
    assert (family.name, dict(family.dpar_links)) == ("logistic_normal", {"sigma": "identity"})


def test_summary_rows_as_brms() -> None:
    summ = fit().summary()
    assert list(summ.spec_pars.index) == [
        "sigmaq2",
        "sigmaq3",
        "sigmaq4",
        "lncor(q2,q3)",
        "lncor(q2,q4)",
        "lncor(q3,q4)",
    ]
    assert (
        "Links: muq2 = identity; muq3 = identity; muq4 = identity; sigmaq2 = identity; "
        "sigmaq3 = identity; sigmaq4 = identity"
    ) in str(summ)
    lncor = fit().draws()[[f"lncor__{a}__{b}" for a, b in PAIRS]].to_numpy()
    assert np.all(np.abs(lncor) < 1.0)


def _cov(draws: pd.DataFrame, s: int) -> np.ndarray:
    C = np.eye(3)
    for (a, b), (j, k) in zip(PAIRS, [(0, 1), (0, 2), (1, 2)], strict=True):
        C[j, k] = C[k, j] = draws[f"lncor__{a}__{b}"].iloc[s]
    sd = np.array([draws[f"sigma{c}"].iloc[s] for c in CATS])
    return np.diag(sd) @ C @ np.diag(sd)


def test_log_lik_equals_scipy_at_the_draws() -> None:
    data = case_data("B")
    draws = fit().draws()
    y = data[["q1", "q2", "q3", "q4"]].to_numpy()
    ratios = np.log(y[:, 1:]) - np.log(y[:, :1])
    ll = fit().log_lik()
    assert ll.shape == (fit().ndraws, len(data))
    for s in (0, 77, fit().ndraws - 1):
        mu = np.column_stack(
            [
                draws[f"b_mu{c}_Intercept"].iloc[s] + draws[f"b_mu{c}_x"].iloc[s] * data["x"]
                for c in CATS
            ]
        )
        want = [
            stats.multivariate_normal(mu[n], _cov(draws, s)).logpdf(ratios[n]) - np.log(y[n]).sum()
            for n in range(len(y))
        ]
        np.testing.assert_allclose(ll[s], want, rtol=1e-6)
    assert np.isfinite(fit().loo().estimates.loc["elpd_loo", "Estimate"])


def test_predictions_are_simplexes_and_epred_is_refused_as_in_brms() -> None:
    pred = fit().posterior_predict(seed=2)
    assert pred.shape == (fit().ndraws, 40, 4)
    assert np.all(pred > 0)
    np.testing.assert_allclose(pred.sum(axis=2), 1.0, rtol=1e-6)
    new = fit().posterior_predict(pd.DataFrame({"x": [0.0, 1.5]}), seed=3)
    assert new.shape == (fit().ndraws, 2, 4)
    np.testing.assert_allclose(new.sum(axis=2), 1.0, rtol=1e-6)
    with pytest.raises(bj.BrmsjaxError) as err:
        fit().posterior_epred()
    assert str(err.value) == (
        "Cannot compute expected values of the posterior predictive distribution for family "
        "'logistic_normal'."
    )


def test_prior_summary_and_prior_draws_as_brms() -> None:
    """brms's fit$prior: ``lkj_corr_cholesky(1)`` of class ``Llncor`` and one row per
    ``sigma<cat>``; sample_prior = "yes" adds brms's ``prior_Llncor``
    (``lkj_corr_rng(ncat - 1, 1)[1, 2]``) after the sigmas' prior draws."""
    table = fit().prior_summary(all=False)
    rows = table[table["class"].isin(["Llncor", "sigmaq2", "sigmaq3", "sigmaq4"])]
    assert rows[["prior", "class", "lb"]].values.tolist() == [
        ["lkj_corr_cholesky(1)", "Llncor", ""],
        ["student_t(3, 0, 2.5)", "sigmaq2", "0"],
        ["student_t(3, 0, 2.5)", "sigmaq3", "0"],
        ["student_t(3, 0, 2.5)", "sigmaq4", "0"],
    ]
    with_prior = bj.brm(
        "cbind(q1, q2, q3, q4) ~ x",
        case_data("B"),
        family="logistic_normal",
        chains=1,
        iter=300,
        seed=1,
        sample_prior="yes",
        progress=False,
    ).draws()
    names = [c for c in with_prior.columns if c.startswith("prior_")]
    assert names[-4:] == ["prior_sigmaq2", "prior_sigmaq3", "prior_sigmaq4", "prior_Llncor"]
    assert np.all(np.abs(with_prior["prior_Llncor"]) < 1.0)


def test_saved_fit_predicts_and_loads_its_priors(tmp_path: Path) -> None:
    """A loaded fit (no model program) rebuilds ``sigma<cat>`` and ``Llncor`` from its draws."""
    fit().save(tmp_path / "ln.nc")
    loaded = bj.load(tmp_path / "ln.nc")
    np.testing.assert_allclose(loaded.log_lik(), fit().log_lik(), rtol=1e-6)
    pred = loaded.posterior_predict(ndraws=5, seed=1)
    assert pred.shape == (5, 40, 4)
    np.testing.assert_allclose(pred.sum(axis=2), 1.0, rtol=1e-6)
    assert list(loaded.prior_summary()["class"]) == list(fit().prior_summary()["class"])


def test_pp_check_is_refused_for_the_matrix_response() -> None:
    with pytest.raises(bj.BrmsjaxError, match="pp_check is not supported for the logistic_normal"):
        fit().pp_check()


TRUTH = {
    "b_mup2_Intercept": 0.4,
    "b_mup3_Intercept": -0.3,
    "b_mup2_x": 0.6,
    "b_mup3_x": -0.5,
    "sigmap2": 0.7,
    "sigmap3": 1.1,
    "lncor__p2__p3": 0.5,
}


@pytest.mark.slow
def test_fit_recovers_truth() -> None:
    """``cbind(p1, p2, p3) ~ x`` on 300 rows drawn with the family's rng."""
    rng = np.random.default_rng(7)
    n = 300
    x = rng.normal(size=n)
    eta = np.column_stack(
        [np.zeros(n)]
        + [TRUTH[f"b_mu{c}_Intercept"] + TRUTH[f"b_mu{c}_x"] * x for c in ("p2", "p3")]
    )
    r = TRUTH["lncor__p2__p3"]
    dpars = {
        "sigma": jnp.asarray([TRUTH["sigmap2"], TRUTH["sigmap3"]]),
        "Llncor": jnp.asarray(np.linalg.cholesky(np.array([[1.0, r], [r, 1.0]]))),
    }
    fam = get_family("logistic_normal")
    y = np.asarray(fam.rng(jax.random.PRNGKey(7), jnp.asarray(eta), dpars, {}), dtype=float)
    y = y / y.sum(axis=1, keepdims=True)
    data = pd.DataFrame({"p1": y[:, 0], "p2": y[:, 1], "p3": y[:, 2], "x": x})
    fitted = bj.brm(
        "cbind(p1, p2, p3) ~ x", data, family="logistic_normal", chains=2, iter=800, seed=3
    )
    draws = fitted.draws()
    for name, value in TRUTH.items():
        lo, hi = np.quantile(np.asarray(draws[name]), [0.005, 0.995])
        assert lo < value < hi, (name, lo, hi)
    assert fitted.sampler_stats["divergent__"].sum() == 0


@pytest.mark.slow
def test_fit_with_a_predicted_category_sigma() -> None:
    """Case C, ``bf(cbind(q1, q2, q3, q4) ~ x, sigmaq2 ~ x)``: brms's names and links."""
    fitted = bj.brm(
        bj.bf("cbind(q1, q2, q3, q4) ~ x", "sigmaq2 ~ x"),
        case_data("B"),
        family="logistic_normal",
        chains=1,
        iter=300,
        seed=1,
        progress=False,
    )
    assert list(fitted.draws().columns[:-3]) == fixture()["cases"]["C"]["variables"]
    assert (
        "Links: muq2 = identity; muq3 = identity; muq4 = identity; sigmaq2 = log; "
        "sigmaq3 = identity; sigmaq4 = identity"
    ) in str(fitted.summary())
    pred = fitted.posterior_predict(pd.DataFrame({"x": [0.0, 2.0]}), seed=1)
    np.testing.assert_allclose(pred.sum(axis=2), 1.0, rtol=1e-6)
    assert np.isfinite(fitted.loo().estimates.loc["elpd_loo", "Estimate"])
