"""Predictions beyond sleepstudy: trials and ordinal new data, newdata encoding, trunc(), chunks."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.formula.errors import BrmsjaxError
from tests.fit.test_predictions import PROBS, summary


def _simulated() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    x = rng.normal(size=40)
    trials = rng.integers(5, 15, size=40)
    return pd.DataFrame(
        {
            "x": x,
            "trials": trials,
            "k": rng.binomial(trials, 1 / (1 + np.exp(-(0.2 - 0.6 * x)))),
            "o": np.digitize(x + rng.logistic(size=40), [-1, 0.8]) + 1,
        }
    )


SIM = _simulated()
NEW_TRIALS = pd.DataFrame({"x": [-1.0, 0.0, 2.0], "trials": [1, 20, 50]})


@pytest.fixture(scope="module")
def binomial_fit() -> Any:
    return bj.brm(
        "k | trials(trials) ~ x", SIM, family="binomial", chains=2, iter=300, seed=2, progress=False
    )


def test_binomial_reads_trials_from_newdata(binomial_fit: Any) -> None:
    draws = binomial_fit.draws()
    eta = (
        draws["b_Intercept"].to_numpy()[:, None]
        + draws["b_x"].to_numpy()[:, None] * (NEW_TRIALS["x"].to_numpy()[None, :])
    )
    p = 1 / (1 + np.exp(-eta))
    n = NEW_TRIALS["trials"].to_numpy()[None, :]
    np.testing.assert_allclose(binomial_fit.posterior_epred(NEW_TRIALS), n * p, rtol=1e-10)
    np.testing.assert_allclose(
        binomial_fit.fitted(NEW_TRIALS, scale="linear").to_numpy(), summary(eta), rtol=1e-10
    )
    yrep = binomial_fit.posterior_predict(NEW_TRIALS, seed=1)
    assert ((yrep >= 0) & (yrep <= n) & (yrep == np.round(yrep))).all()
    assert (yrep[:, 0] <= 1).all() and yrep[:, 2].mean() == pytest.approx(
        (n * p)[:, 2].mean(), rel=0.05
    )
    new = NEW_TRIALS.assign(k=[1, 7, 30])
    expected = stats.binom.logpmf(new["k"].to_numpy()[None, :], n, p)
    np.testing.assert_allclose(binomial_fit.log_lik(new), expected, rtol=1e-9)


@pytest.mark.slow
def test_cumulative_epred_gives_category_probabilities() -> None:
    fit = bj.brm("o ~ x", SIM, family="cumulative", chains=2, iter=300, seed=2, progress=False)
    draws = fit.draws()
    x = NEW_TRIALS["x"].to_numpy()[None, :]
    eta = draws["b_x"].to_numpy()[:, None] * x
    cdf = [
        1 / (1 + np.exp(-(draws[f"b_Intercept[{k}]"].to_numpy()[:, None] - eta))) for k in (1, 2)
    ]
    expected = np.stack([cdf[0], cdf[1] - cdf[0], 1 - cdf[1]], axis=-1)
    np.testing.assert_allclose(fit.posterior_epred(NEW_TRIALS), expected, rtol=1e-9)
    assert fit.fitted(NEW_TRIALS).shape == (3, 4, 3)
    assert set(np.unique(fit.posterior_predict(NEW_TRIALS))) <= {1.0, 2.0, 3.0}


def _design_data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 30
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "z": rng.uniform(1, 2, size=n),
            "f": np.array(["lo", "mid", "hi"], dtype=object)[rng.integers(0, 3, n)],
            "g": rng.integers(1, 6, n),
            "h": np.array(["a", "b"], dtype=object)[np.arange(n) % 2],
            "k": rng.integers(0, 5, n),
            "n": rng.integers(5, 9, n),
        }
    )


DESIGN_CASES = [
    ("factor-slopes", "y ~ x + f + (1 + x | g)", "gaussian"),
    ("poly-scale-interaction-group", "y ~ poly(x, 2) + scale(z) + (1 | g:h)", "gaussian"),
    ("offset-uncorrelated", "y ~ x * f + offset(log(z)) + (x || g)", "gaussian"),
    ("distributional", "bf(y ~ x + (1 | g), sigma ~ f)", "gaussian"),
    ("trials", "k | trials(n) ~ x + (1 | h)", "binomial"),
]


@pytest.mark.parametrize(
    ("formula", "family"), [c[1:] for c in DESIGN_CASES], ids=[c[0] for c in DESIGN_CASES]
)
def test_newdata_encoding_reproduces_fitted_design(formula: str, family: str) -> None:
    from brmsjax.backend.families.registry import get_family
    from brmsjax.formula.design.design import build_design
    from brmsjax.formula.design.newdata import encode_newdata

    data = _design_data()
    design = build_design(formula, data, family=get_family(family))
    rows = np.array([3, 0, 7, 7, 12])
    new = data.iloc[rows].drop(columns=["y", "k"]).reset_index(drop=True)
    encoded = encode_newdata(design, new)
    for block in design.fixed:
        np.testing.assert_allclose(encoded.X[block.dpar], block.X[rows], rtol=1e-12)
        if block.offset is not None:
            np.testing.assert_allclose(encoded.offset[block.dpar], block.offset[rows])
    assert [g.id for g in encoded.groups] == [g.id for g in design.groups]
    for enc, block in zip(encoded.groups, design.groups, strict=True):
        np.testing.assert_array_equal(enc.J, block.J[rows])
        np.testing.assert_allclose(enc.Z, block.Z[rows])
    for key, values in encoded.addition.items():
        np.testing.assert_allclose(values, design.response.addition[key][rows])
    full = encode_newdata(design, data.iloc[rows], response=True)
    np.testing.assert_allclose(full.y, design.response.y[rows])


def _trunc_fit() -> Any:
    """A fit of ``y | trunc(lb = 0) ~ x`` built from given draws (no sampling)."""
    from brmsjax.fit import BrmsFit, FitInfo
    from brmsjax.formula.design.design import build_design

    data = pd.DataFrame({"y": [0.5, 1.0, 2.0, 3.5], "x": [0.0, 1.0, 2.0, 3.0]})
    draws = pd.DataFrame(
        {
            "b_Intercept": [0.4, 0.6],
            "b_x": [1.0, 0.9],
            "sigma": [0.5, 0.7],
            ".chain": [1, 1],
            ".iteration": [1, 2],
            ".draw": [1, 2],
        }
    )
    info = FitInfo(
        formula="y | trunc(lb = 0) ~ x",
        family="gaussian",
        links="mu = identity; sigma = identity",
        response="y",
        data_name="data",
        nobs=4,
        chains=1,
        iter=4,
        warmup=2,
        fixed={"": ("Intercept", "x")},
        spec_pars=("sigma",),
    )
    design = build_design("y | trunc(lb = 0) ~ x", data)
    return BrmsFit(draws, info, design=design, data=data)


def test_truncated_models_keep_linpred_and_refuse_draws() -> None:
    fit = _trunc_fit()
    np.testing.assert_allclose(
        fit.posterior_linpred(), [[0.4, 1.4, 2.4, 3.4], [0.6, 1.5, 2.4, 3.3]]
    )
    mu = np.array([[0.4, 1.4, 2.4, 3.4], [0.6, 1.5, 2.4, 3.3]])
    sigma = np.array([[0.5], [0.7]])
    y = np.array([0.5, 1.0, 2.0, 3.5])
    expected = stats.norm.logpdf(y, mu, sigma) - stats.norm.logsf(0.0, mu, sigma)
    np.testing.assert_allclose(fit.log_lik(), expected, rtol=1e-10)
    for call, name in (
        (fit.posterior_predict, "posterior_predict"),
        (fit.posterior_epred, "posterior_epred"),
        (fit.predict, "predict"),
        (fit.residuals, "residuals"),
    ):
        with pytest.raises(
            BrmsjaxError,
            match=re.escape(
                f"{name}() does not support models with trunc() yet; use posterior_linpred() "
                "or log_lik() for this model."
            ),
        ):
            call()


CHUNKS = [(None, None), (3, None), (3, 4), (1, 1), (7, 5)]


@pytest.mark.parametrize(
    ("row_chunk", "draw_chunk"), CHUNKS, ids=[f"rows{r}-draws{d}" for r, d in CHUNKS]
)
def test_blocks_of_any_size_give_the_same_results(
    row_chunk: int | None, draw_chunk: int | None
) -> None:
    from brmsjax.backend import predict as bp
    from brmsjax.backend.families.registry import gaussian

    rng = np.random.default_rng(3)
    S, N, L = 9, 11, 4
    X = np.column_stack([np.ones(N), rng.normal(size=N)])
    b = rng.normal(size=(S, 2))
    r = rng.normal(size=(S, L, 2))
    J = rng.integers(0, L, N)
    Z = np.column_stack([np.ones(N), rng.normal(size=N)])
    sigma = rng.uniform(0.5, 1.5, S)
    y = rng.normal(size=N)
    inputs = bp.PredictInputs(
        family=gaussian(),
        b={"": b},
        X={"": X},
        groups=(bp.GroupDraws(("", ""), r, J, Z),),
        scalars={"sigma": sigma},
        y=y,
    )
    mu = b @ X.T + np.einsum("snm,nm->sn", r[:, J, :], Z)
    kw = {"row_chunk": row_chunk, "draw_chunk": draw_chunk}
    np.testing.assert_allclose(bp.compute(inputs, "epred", **kw), mu, rtol=1e-12)
    np.testing.assert_allclose(
        bp.compute(inputs, "log_lik", **kw), stats.norm.logpdf(y, mu, sigma[:, None]), rtol=1e-12
    )
    np.testing.assert_allclose(
        bp.summarize(inputs, "epred", PROBS, row_chunk=row_chunk), summary(mu), rtol=1e-12
    )
    draws = np.array([8, 0, 3])
    np.testing.assert_allclose(
        bp.compute(inputs, "linpred", draws=draws, **kw), mu[draws], rtol=1e-12
    )
