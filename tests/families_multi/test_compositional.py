"""multinomial and dirichlet against brms 2.18: densities, priors, standata, draws, porter, fits.

References: brms 2.18.0's ``dmultinomial`` and ``ddirichlet`` on a grid, ``get_prior()`` and
``make_standata()`` of ``cbind(...)`` responses in tests/fixtures/families_multi/families.json
(recorded by make_fixtures.R there); scipy's ``multinomial``, ``dirichlet`` and ``beta``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import softmax

import brmsjax as bj
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.priors.resolve import prior_table
from brmsjax.formula.design.design import build_design
from brmsjax.port import from_r
from tests.families_multi.multi_fixtures import (
    assert_prior_rows_equal,
    assert_standata_equal,
    families_fixture,
)

FAMILIES = ["multinomial", "dirichlet"]


def _grid(family: str) -> dict[str, np.ndarray]:
    raw = families_fixture()[family]["density"]
    return {k: np.asarray(v, dtype=np.float64) for k, v in raw.items()}


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("family", FAMILIES)
def test_log_density_equals_brms(family: str) -> None:
    """brms's dmultinomial / ddirichlet with ``eta = (0, eta2, eta3)`` (rows with 0 trials too)."""
    g = _grid(family)
    y = np.column_stack([g["y1"], g["y2"], g["y3"]])
    eta = np.column_stack([np.zeros_like(g["eta2"]), g["eta2"], g["eta3"]])
    dpars = {"phi": jnp.asarray(g["phi"])} if "phi" in g else {}
    fam = get_family(family)
    got = np.asarray(fam.log_lik_eta(jnp.asarray(y), jnp.asarray(eta), dpars, {}))
    np.testing.assert_allclose(got, g["lpdf"], rtol=1e-10, atol=1e-10)
    p = softmax(eta, axis=1)
    if family == "multinomial":
        want = [stats.multinomial.logpmf(r, r.sum(), q) for r, q in zip(y, p, strict=True)]
    else:
        want = [stats.dirichlet.logpdf(r, q * a) for r, q, a in zip(y, p, g["phi"], strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-9)


@pytest.mark.parametrize(("family", "case"), [(f, c) for f in FAMILIES for c in range(3)])
def test_get_prior_equals_brms(family: str, case: int) -> None:
    assert_prior_rows_equal(family, families_fixture()[family]["formulas"][case])


def test_categorical_mu_rows_follow_the_terms() -> None:
    """brms's rows of mu itself: no b without slopes, no Intercept without intercepts."""
    d = pd.DataFrame({"y": pd.Categorical(list("abcabc")), "x": np.arange(6.0)})
    cat = bj.categorical()
    rows = prior_table(build_design("y ~ 1", d, family=cat), cat)
    assert list(zip(rows["class"], rows["dpar"], strict=True)) == [
        ("Intercept", ""),
        ("Intercept", "mub"),
        ("Intercept", "muc"),
    ]
    rows = prior_table(build_design("y ~ 0 + x", d, family=cat), cat)
    assert "Intercept" not in set(rows["class"])


@pytest.mark.parametrize(("family", "case"), [(f, c) for f in FAMILIES for c in range(2)])
def test_standata_equals_brms(family: str, case: int) -> None:
    assert_standata_equal(family, families_fixture()[family]["standata"][case])


def test_multinomial_epred_and_draws() -> None:
    """brms's ``softmax(mu) * trials``; draws are counts summing to the trials."""
    fam = get_family("multinomial")
    eta = jnp.broadcast_to(jnp.asarray([0.0, 0.7, -0.4]), (20_000, 3))
    trials = jnp.full(20_000, 12.0)
    p = softmax(np.array([0.0, 0.7, -0.4]))
    epred = np.asarray(fam.epred(eta, {}, {"trials": trials}))
    np.testing.assert_allclose(epred, np.broadcast_to(12 * p, (20_000, 3)), rtol=1e-6)
    y = np.asarray(fam.rng(jax.random.PRNGKey(1), eta, {}, {"trials": trials}))
    assert y.shape == (20_000, 3) and np.all(y.sum(axis=1) == 12)
    assert np.all(y == np.round(y))
    np.testing.assert_allclose(y.mean(axis=0), 12 * p, atol=0.06)
    counts = np.bincount(y[:, 1].astype(int), minlength=13) / y.shape[0]
    np.testing.assert_allclose(counts, stats.binom.pmf(np.arange(13), 12, p[1]), atol=0.01)


def test_dirichlet_epred_and_draws() -> None:
    """brms's ``softmax(mu)``; each component of a draw is beta(alpha_k, sum(alpha) - alpha_k)."""
    fam = get_family("dirichlet")
    eta = jnp.broadcast_to(jnp.asarray([0.0, 0.7, -0.4]), (20_000, 3))
    dpars = {"phi": jnp.asarray(6.0)}
    p = softmax(np.array([0.0, 0.7, -0.4]))
    np.testing.assert_allclose(np.asarray(fam.epred(eta, dpars, {}))[0], p, rtol=1e-6)
    y = np.asarray(fam.rng(jax.random.PRNGKey(2), eta, dpars, {}), dtype=float)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-6)
    alpha = 6.0 * p
    for k in range(3):
        beta = stats.beta(alpha[k], alpha.sum() - alpha[k])
        assert stats.kstest(y[:, k], beta.cdf).statistic < 0.015


def _counts() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 0], "b": [3, 0, 1], "n": [4, 2, 1], "x": [0.1, 0.2, 0.3]})


@pytest.mark.parametrize(
    ("formula", "family", "data", "message"),
    [
        (
            "cbind(a, b) ~ x",
            "multinomial",
            _counts(),
            "Specifying 'trials' is required in multinomial models; write the response as "
            "'cbind(a, b) | trials(n)'.",
        ),
        (
            "cbind(a, b) | trials(x) ~ 1",
            "multinomial",
            _counts(),
            "trials(x) must be non-negative whole numbers",
        ),
        (
            "cbind(a, b) | trials(n) ~ x",
            "multinomial",
            _counts().assign(n=[4, 2, 2]),
            "Number of trials does not match the number of events: trials() must be the row "
            "sums of 'cbind(a, b)'.",
        ),
        (
            "a | trials(n) ~ x",
            "multinomial",
            _counts(),
            "The multinomial family needs a matrix response with one column per category; "
            "write the response as cbind(y1, y2, ...), not 'a'.",
        ),
        (
            "cbind(a, b + 1) | trials(n) ~ x",
            "multinomial",
            _counts(),
            "The columns of the response 'cbind(a, b + 1)' need distinct names",
        ),
        (
            "cbind(a, b) ~ x",
            "dirichlet",
            pd.DataFrame({"a": [0.2, 0.5], "b": [0.8, 0.6], "x": [0.0, 1.0]}),
            "The rows of the response 'cbind(a, b)' must sum to 1 for the dirichlet family.",
        ),
        (
            "cbind(a, b) ~ x",
            "dirichlet",
            pd.DataFrame({"a": [0.0, 0.5], "b": [1.0, 0.5], "x": [0.0, 1.0]}),
            "The response 'cbind(a, b)' contains 0, but the dirichlet family needs values "
            "strictly between 0 and 1.",
        ),
        ("cbind(a) ~ x", "dirichlet", _counts(), "cbind() needs at least two columns"),
    ],
)
def test_bad_input_is_named(formula: str, family: str, data: pd.DataFrame, message: str) -> None:
    with pytest.raises(bj.BrmsjaxError) as err:
        bj.brm(formula, data, family=family, chains=1, iter=20)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("code", "name", "links"),
    [
        ("brm(cbind(c1, c2, c3) | trials(n) ~ x, data = d, family = multinomial())",
         "multinomial", {}),
        ('brm(cbind(c1, c2) | trials(n) ~ x, data = d, family = "multinomial")', "multinomial", {}),
        ("brm(bf(cbind(p1, p2, p3) ~ x, phi ~ x), data = d, family = dirichlet())", "dirichlet",
         {"phi": "log"}),
        ('brm(cbind(p1, p2) ~ x, data = d, family = dirichlet(link_phi = "identity"))',
         "dirichlet", {"phi": "identity"}),
    ],
)  # fmt: skip
def test_porter_reads_family_and_cbind(code: str, name: str, links: dict[str, str]) -> None:
    call = from_r(code)
    family = call.family.resolve()
    assert (family.name, family.link, dict(family.dpar_links)) == (name, "logit", links)
    assert "cbind(" in call.to_python()


def _simulate_counts(n: int, seed: int, truth: dict[str, float]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    eta = np.column_stack(
        [np.zeros(n)] + [truth[f"b_muc{k}_Intercept"] + truth[f"b_muc{k}_x"] * x for k in (2, 3)]
    )
    trials = rng.integers(5, 20, n).astype(float)
    fam = get_family("multinomial")
    y = np.asarray(
        fam.rng(jax.random.PRNGKey(seed), jnp.asarray(eta), {}, {"trials": jnp.asarray(trials)})
    )
    cols = {f"c{k + 1}": y[:, k].astype(int) for k in range(3)}
    return pd.DataFrame({**cols, "n": trials.astype(int), "x": x})


MN_TRUTH = {"b_muc2_Intercept": 0.5, "b_muc3_Intercept": -0.3, "b_muc2_x": 0.4, "b_muc3_x": -0.6}


def test_multinomial_fit_postprocesses() -> None:
    """Names as brms's, epred/predict with a category axis, log_lik, loo, new data."""
    data = _simulate_counts(80, 3, MN_TRUTH)
    fit = bj.brm(
        "cbind(c1, c2, c3) | trials(n) ~ x", data, family="multinomial", chains=1, iter=300, seed=1
    )
    assert list(fit.draws().columns[:6]) == [*MN_TRUTH, "lprior", "lp__"]
    summ = fit.summary()
    assert list(summ.fixed.index) == [n[2:] for n in MN_TRUTH]
    assert "Links: muc2 = logit; muc3 = logit" in str(summ)
    epred = fit.posterior_epred()
    assert epred.shape == (fit.ndraws, 80, 3)
    np.testing.assert_allclose(epred.sum(axis=2), np.broadcast_to(data["n"], (fit.ndraws, 80)))
    pred = fit.posterior_predict(seed=2)
    assert pred.shape == (fit.ndraws, 80, 3)
    np.testing.assert_array_equal(pred.sum(axis=2), np.broadcast_to(data["n"], pred.shape[:2]))
    draws = fit.draws()
    eta = np.stack(
        [np.zeros((fit.ndraws, 80))]
        + [
            draws[f"b_muc{k}_Intercept"].to_numpy()[:, None]
            + np.outer(draws[f"b_muc{k}_x"], data["x"])
            for k in (2, 3)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(
        epred, softmax(eta, axis=-1) * data["n"].to_numpy()[:, None], rtol=1e-6
    )
    ll = fit.log_lik()
    y = data[["c1", "c2", "c3"]].to_numpy()
    want = stats.multinomial.logpmf(y[None], data["n"].to_numpy()[None], softmax(eta, axis=-1))
    np.testing.assert_allclose(ll, want, rtol=1e-6)
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
    new = pd.DataFrame({"x": [0.0, 1.0], "n": [10, 20]})
    assert fit.posterior_epred(new).shape == (fit.ndraws, 2, 3)
    np.testing.assert_allclose(fit.posterior_epred(new).sum(axis=2)[0], [10, 20])
    with pytest.raises(bj.BrmsjaxError, match="'bayes_R2' is not defined for unordered"):
        fit.bayes_R2()
    with pytest.raises(bj.BrmsjaxError, match="pp_check is not supported for the multinomial"):
        fit.pp_check()


@pytest.mark.slow
def test_multinomial_fit_recovers_truth() -> None:
    data = _simulate_counts(300, 11, MN_TRUTH)
    fit = bj.brm(
        "cbind(c1, c2, c3) | trials(n) ~ x", data, family="multinomial", chains=2, iter=800, seed=3
    )
    draws = fit.draws()
    for name, value in MN_TRUTH.items():
        lo, hi = np.quantile(np.asarray(draws[name]), [0.005, 0.995])
        assert lo < value < hi, (name, lo, hi)


@pytest.mark.slow
def test_dirichlet_fit_recovers_truth() -> None:
    rng = np.random.default_rng(5)
    n = 300
    x = rng.normal(size=n)
    truth = {
        "b_mup2_Intercept": 0.5,
        "b_mup3_Intercept": -0.3,
        "b_mup2_x": 0.4,
        "b_mup3_x": -0.6,
        "phi": 10.0,
    }
    eta = np.column_stack([np.zeros(n), 0.5 + 0.4 * x, -0.3 - 0.6 * x])
    fam = get_family("dirichlet")
    y = np.asarray(fam.rng(jax.random.PRNGKey(5), jnp.asarray(eta), {"phi": jnp.asarray(10.0)}, {}))
    data = pd.DataFrame({"p1": y[:, 0], "p2": y[:, 1], "p3": y[:, 2], "x": x})
    fit = bj.brm("cbind(p1, p2, p3) ~ x", data, family="dirichlet", chains=2, iter=800, seed=3)
    draws = fit.draws()
    for name, value in truth.items():
        lo, hi = np.quantile(np.asarray(draws[name]), [0.005, 0.995])
        assert lo < value < hi, (name, lo, hi)
    assert "Links: mup2 = logit; mup3 = logit; phi = identity" in str(fit.summary())
    epred = fit.posterior_epred()
    assert epred.shape == (fit.ndraws, n, 3)
    np.testing.assert_allclose(epred.sum(axis=2), 1.0, rtol=1e-6)
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
