"""mo() terms fitted: recovery of a simulated monotonic effect, brms's draws names, and
posterior_epred at new data equal to brms's predictor computed from the draws."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.port import from_r

LEVELS = ["low", "mid", "high"]


def simulated(n: int = 240, seed: int = 7) -> pd.DataFrame:
    """y = 1 + 2 mo(x) with simplex (0.6, 0.3, 0.1) over x in 1..4, + 0.5 z mo(o)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 5, n)
    o = rng.integers(0, 3, n)
    z = rng.normal(size=n)
    cum = np.array([0.0, 0.6, 0.9, 1.0])
    y = 1 + 2 * 3 * cum[x - 1] + 0.5 * z * 2 * np.array([0.0, 0.3, 1.0])[o]
    y = y + rng.normal(size=n) * 0.4
    d = pd.DataFrame({"y": y, "x": x, "z": z})
    d["o"] = pd.Categorical(np.array(LEVELS)[o], categories=LEVELS, ordered=True)
    return d


@pytest.fixture(scope="module")
def fit() -> brmsjax.BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return brmsjax.brm(
            "bf(y ~ mo(x) + mo(o):z, sigma ~ mo(o))",
            simulated(),
            chains=2,
            iter=700,
            warmup=350,
            seed=11,
        )


def test_draws_names_are_brms(fit: brmsjax.BrmsFit) -> None:
    assert fit.variables() == [
        "b_Intercept",
        "b_sigma_Intercept",
        "bsp_mox",
        "bsp_moo:z",
        "bsp_sigma_moo",
        "simo_mox1[1]",
        "simo_mox1[2]",
        "simo_mox1[3]",
        "simo_moo:z1[1]",
        "simo_moo:z1[2]",
        "simo_sigma_moo1[1]",
        "simo_sigma_moo1[2]",
        "lprior",
        "lp__",
    ]


TRUTH = [
    ("b_Intercept", 1.0, 0.15),
    ("bsp_mox", 2.0, 0.1),
    ("simo_mox1[1]", 0.6, 0.06),
    ("simo_mox1[2]", 0.3, 0.06),
    ("simo_mox1[3]", 0.1, 0.06),
    ("bsp_moo:z", 0.5, 0.12),
    ("simo_moo:z1[1]", 0.3, 0.2),
]


@pytest.mark.parametrize(("name", "truth", "tol"), TRUTH)
def test_recovers_simulated_truth(
    fit: brmsjax.BrmsFit, name: str, truth: float, tol: float
) -> None:
    assert abs(fit.draws()[name].mean() - truth) < tol


def _mo(simo: np.ndarray, x: np.ndarray) -> np.ndarray:
    """brms's mo(): D * sum(simo[1:x]), per draw (rows) and observation (columns)."""
    cum = np.concatenate([np.zeros((simo.shape[0], 1)), np.cumsum(simo, axis=1)], axis=1)
    return simo.shape[1] * cum[:, x]


NEWDATA = pd.DataFrame(
    {
        "x": [1, 2, 3, 4, 4, 1],
        "z": [0.5, -1.0, 2.0, 0.0, 1.5, -0.3],
        "o": pd.Categorical(["mid", "low", "high", "mid", "high", "low"], categories=LEVELS),
    }
)


@pytest.mark.parametrize("dpar", [None, "sigma"])
def test_epred_at_newdata_is_brms_predictor(fit: brmsjax.BrmsFit, dpar: str | None) -> None:
    dr = fit.draws()
    o = NEWDATA["o"].cat.codes.to_numpy()
    x = NEWDATA["x"].to_numpy() - 1  # the fitting data's minimum is 1
    s1 = dr[[f"simo_mox1[{k}]" for k in (1, 2, 3)]].to_numpy()
    s2 = dr[["simo_moo:z1[1]", "simo_moo:z1[2]"]].to_numpy()
    s3 = dr[["simo_sigma_moo1[1]", "simo_sigma_moo1[2]"]].to_numpy()
    if dpar is None:
        want = (
            dr["b_Intercept"].to_numpy()[:, None]
            + dr["bsp_mox"].to_numpy()[:, None] * _mo(s1, x)
            + dr["bsp_moo:z"].to_numpy()[:, None] * _mo(s2, o) * NEWDATA["z"].to_numpy()
        )
        got = fit.posterior_epred(newdata=NEWDATA)
    else:
        want = np.exp(
            dr["b_sigma_Intercept"].to_numpy()[:, None]
            + dr["bsp_sigma_moo"].to_numpy()[:, None] * _mo(s3, o)
        )
        got = fit.posterior_linpred(newdata=NEWDATA, dpar="sigma", transform=True)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_fitted_data_predictions_and_loo(fit: brmsjax.BrmsFit) -> None:
    d = simulated()
    np.testing.assert_allclose(
        fit.posterior_epred(), fit.posterior_epred(newdata=d), rtol=1e-9, atol=1e-12
    )
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])


def test_porter_reads_monotonic_terms_and_dirichlet_priors() -> None:
    code = (
        "brm(log(salary) ~ mo(rank) + discipline, data = d, "
        "prior = prior(dirichlet(c(1, 2)), class = simo, coef = morank1))"
    )
    text = from_r(code).to_python()
    assert '"log(salary) ~ mo(rank) + discipline"' in text
    assert 'bj.prior("dirichlet(c(1, 2))", class_="simo", coef="morank1")' in text


def test_summary_has_brms_simplex_section(fit: brmsjax.BrmsFit) -> None:
    s = fit.summary()
    assert list(s.fixed.index) == ["Intercept", "sigma_Intercept", "mox", "moo:z", "sigma_moo"]
    assert list(s.mo.index) == [
        "mox1[1]",
        "mox1[2]",
        "mox1[3]",
        "moo:z1[1]",
        "moo:z1[2]",
        "sigma_moo1[1]",
        "sigma_moo1[2]",
    ]
    text = str(s)
    assert text.index("Population-Level Effects:") < text.index("Simplex Parameters: \n")
    assert "\nmox1[1] " in text


@pytest.fixture(scope="module")
def group_fit() -> brmsjax.BrmsFit:
    """y = 1 + r_g + (1 + r_g,mox) mo(x) with the simplex (0.5, 0.3, 0.2), six groups."""
    rng = np.random.default_rng(3)
    n = 240
    g = rng.integers(0, 6, n)
    x = rng.integers(1, 5, n)
    cum = np.array([0.0, 0.5, 0.8, 1.0])
    slope = 1.0 + rng.normal(size=6) * 0.5
    y = 1 + rng.normal(size=6)[g] * 0.5 + slope[g] * 3 * cum[x - 1] + rng.normal(size=n) * 0.3
    d = pd.DataFrame({"y": y, "x": x, "g": np.array(list("abcdef"))[g]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return brmsjax.brm("y ~ mo(x) + (mo(x) | g)", d, chains=2, iter=600, warmup=300, seed=1)


def test_group_term_names_and_simplex(group_fit: brmsjax.BrmsFit) -> None:
    names = group_fit.variables()
    assert "sd_g__mox" in names and "cor_g__Intercept__mox" in names
    assert "r_g[a,mox]" in names and "r_g[f,Intercept]" in names
    dr = group_fit.draws()
    for k, truth in enumerate((0.5, 0.3, 0.2), 1):
        assert abs(dr[f"simo_mox1[{k}]"].mean() - truth) < 0.05


def test_group_term_epred_is_brms_predictor(group_fit: brmsjax.BrmsFit) -> None:
    """brms: (bsp + r_g[J, mox]) * mo(simo, Xmo) + r_g[J, Intercept]."""
    dr = group_fit.draws()
    nd = pd.DataFrame({"x": [1, 2, 3, 4, 2], "g": ["a", "b", "c", "d", "f"]})
    simo = dr[[f"simo_mox1[{k}]" for k in (1, 2, 3)]].to_numpy()
    mo = _mo(simo, nd["x"].to_numpy() - 1)
    want = np.stack(
        [
            dr["b_Intercept"]
            + dr[f"r_g[{lv},Intercept]"]
            + (dr["bsp_mox"] + dr[f"r_g[{lv},mox]"]) * mo[:, i]
            for i, lv in enumerate(nd["g"])
        ],
        axis=1,
    )
    np.testing.assert_allclose(group_fit.posterior_epred(newdata=nd), want, rtol=1e-9)
    fresh = pd.DataFrame({"x": [3], "g": ["new"]})
    out = group_fit.posterior_epred(newdata=fresh, allow_new_levels=True)
    assert out.shape == (len(dr), 1) and np.isfinite(out).all()


def test_conditional_effects_treat_mo_variables_as_integers(fit: brmsjax.BrmsFit) -> None:
    """brms's prepare_cond_data: an integer effect runs over min:max, conditions at the
    rounded median; the second of two integer effects at round(median + (-1, 0, 1) mad)."""
    ce = fit.conditional_effects(["x", "o", "z"])
    assert list(ce["x"]["effect1__"]) == [1.0, 2.0, 3.0, 4.0]
    assert list(ce["o"]["effect1__"]) == LEVELS
    d = simulated()
    assert set(ce["z"]["x"]) == {float(np.round(d["x"].median()))}
    dr = fit.draws()
    s1 = dr[[f"simo_mox1[{k}]" for k in (1, 2, 3)]].to_numpy()
    mu = dr["b_Intercept"].to_numpy()[:, None] + dr["bsp_mox"].to_numpy()[:, None] * _mo(
        s1, np.arange(4)
    )
    # z at its mean, so the mo(o):z term adds bsp * mo(o) * mean(z) at o's first level: 0
    np.testing.assert_allclose(ce["x"]["estimate__"], np.median(mu, axis=0), rtol=1e-9)


def test_shared_simplex_of_an_id() -> None:
    """mo(x, id = "i") * z: both terms use one simplex; brms saves it under both names."""
    d = simulated(n=120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shared = brmsjax.brm('y ~ mo(x, id = "i") * z', d, chains=1, iter=300, warmup=150, seed=3)
    dr = shared.draws()
    first = dr[[f"simo_moxidEQi1[{k}]" for k in (1, 2, 3)]].to_numpy()
    second = dr[[f"simo_moxidEQi:z1[{k}]" for k in (1, 2, 3)]].to_numpy()
    np.testing.assert_array_equal(first, second)
    nd = NEWDATA[["x", "z"]]
    mo = _mo(first, nd["x"].to_numpy() - 1)
    want = (
        dr["b_Intercept"].to_numpy()[:, None]
        + dr["b_z"].to_numpy()[:, None] * nd["z"].to_numpy()
        + dr["bsp_moxidEQi"].to_numpy()[:, None] * mo
        + dr["bsp_moxidEQi:z"].to_numpy()[:, None] * mo * nd["z"].to_numpy()
    )
    np.testing.assert_allclose(shared.posterior_epred(newdata=nd), want, rtol=1e-9)
