"""Predictions of a fitted model checked against the same quantities computed by hand from the
draws: fitted/predict/posterior_* at the fitting data and new data, new levels for every
``sample_new_levels`` mode, ``re_formula`` subsets, log_lik against scipy, and pinned errors."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.formula.errors import BrmsjaxError

SLEEP = pd.read_csv("brmsjax/data/sleepstudy.csv")
PROBS = (0.025, 0.975)


@pytest.fixture(scope="module")
def fit() -> Any:
    # A short fit for arithmetic on its draws; convergence warnings are not under test here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return bj.brm(
            "Reaction ~ Days + (Days | Subject)", SLEEP, chains=2, iter=400, seed=11, progress=False
        )


def _r(draws: pd.DataFrame, subject: str, coef: str) -> np.ndarray:
    return draws[f"r_Subject[{subject},{coef}]"].to_numpy()


def hand_mu(draws: pd.DataFrame, data: pd.DataFrame, groups: tuple[str, ...]) -> np.ndarray:
    """(draws, rows) mu from the draws: b + r of the coefficients named in ``groups``."""
    b0 = draws["b_Intercept"].to_numpy()[:, None]
    b1 = draws["b_Days"].to_numpy()[:, None]
    days = data["Days"].to_numpy(dtype=float)[None, :]
    mu = b0 + b1 * days
    for j, s in enumerate(data["Subject"]):
        if "Intercept" in groups:
            mu[:, j] += _r(draws, s, "Intercept")
        if "Days" in groups:
            mu[:, j] += _r(draws, s, "Days") * days[0, j]
    return mu


def summary(x: np.ndarray) -> np.ndarray:
    return np.column_stack([x.mean(0), x.std(0, ddof=1), *np.quantile(x, PROBS, axis=0)])


NEW_KNOWN = pd.DataFrame({"Days": [0, 3, 9.5], "Subject": ["s308", "s335", "s372"]})

RE_CASES = [
    ("all", None, ("Intercept", "Days")),
    ("none-nan", np.nan, ()),
    ("none-string", "~0", ()),
    ("none-NA", "NA", ()),
    ("intercept-only", "~ (1 | Subject)", ("Intercept",)),
    ("slope-only", "~ (0 + Days | Subject)", ("Days",)),
]


@pytest.mark.parametrize(
    ("re_formula", "groups"), [c[1:] for c in RE_CASES], ids=[c[0] for c in RE_CASES]
)
@pytest.mark.parametrize("newdata", [None, NEW_KNOWN], ids=["fitdata", "newdata"])
def test_fitted_equals_hand_summary(
    fit: Any, newdata: Any, re_formula: Any, groups: tuple[str, ...]
) -> None:
    data = SLEEP if newdata is None else newdata
    expected = hand_mu(fit.draws(), data, groups)
    got = fit.fitted(newdata, re_formula=re_formula)
    assert list(got.columns) == ["Estimate", "Est.Error", "Q2.5", "Q97.5"]
    np.testing.assert_allclose(got.to_numpy(), summary(expected), rtol=1e-9)
    np.testing.assert_allclose(
        fit.posterior_epred(newdata, re_formula=re_formula), expected, rtol=1e-10
    )
    np.testing.assert_allclose(
        fit.posterior_linpred(newdata, re_formula=re_formula, transform=True), expected, rtol=1e-10
    )


def test_predict_summarizes_posterior_predict_around_hand_mu(fit: Any) -> None:
    draws = fit.draws()
    mu = hand_mu(draws, NEW_KNOWN, ("Intercept", "Days"))
    yrep = fit.posterior_predict(NEW_KNOWN, seed=5)
    np.testing.assert_allclose(fit.predict(NEW_KNOWN, seed=5).to_numpy(), summary(yrep), rtol=1e-12)
    z = (yrep - mu) / draws["sigma"].to_numpy()[:, None]
    assert stats.kstest(z.ravel(), "norm").pvalue > 1e-3
    assert not np.allclose(yrep, fit.posterior_predict(NEW_KNOWN, seed=6))


def test_log_lik_equals_scipy(fit: Any) -> None:
    draws = fit.draws()
    sigma = draws["sigma"].to_numpy()[:, None]
    expected = stats.norm.logpdf(
        SLEEP["Reaction"].to_numpy()[None, :], hand_mu(draws, SLEEP, ("Intercept", "Days")), sigma
    )
    np.testing.assert_allclose(fit.log_lik(), expected, rtol=1e-10)
    new = SLEEP.iloc[[3, 50, 177]].reset_index(drop=True)
    np.testing.assert_allclose(
        fit.log_lik(new, re_formula=np.nan),
        stats.norm.logpdf(new["Reaction"].to_numpy()[None, :], hand_mu(draws, new, ()), sigma),
        rtol=1e-10,
    )


def test_residuals_and_sigma_epred(fit: Any) -> None:
    draws = fit.draws()
    mu = hand_mu(draws, SLEEP, ("Intercept", "Days"))
    res = SLEEP["Reaction"].to_numpy()[None, :] - mu
    np.testing.assert_allclose(fit.residuals().to_numpy(), summary(res), rtol=1e-9)
    sigma = np.broadcast_to(draws["sigma"].to_numpy()[:, None], mu.shape)
    np.testing.assert_allclose(fit.posterior_epred(dpar="sigma"), sigma)
    np.testing.assert_allclose(fit.residuals(type="pearson", summary=False), res / sigma)


def test_draw_subsets(fit: Any) -> None:
    full = fit.posterior_epred(NEW_KNOWN)
    np.testing.assert_allclose(
        fit.posterior_epred(NEW_KNOWN, draw_ids=[1, 5, 400]), full[[0, 4, 399]]
    )
    part = fit.posterior_epred(NEW_KNOWN, ndraws=7, seed=2)
    assert part.shape == (7, 3)
    rows = [int(np.flatnonzero((full == p).all(axis=1))[0]) for p in part]
    assert len(set(rows)) == 7


NEW_SUBJECTS = pd.DataFrame(
    {"Days": np.tile([0.0, 1.0], 60), "Subject": np.repeat([f"new{i}" for i in range(60)], 2)}
)


def _old_level_mus(draws: pd.DataFrame, days: float) -> np.ndarray:
    """(draws, levels) mu of every fitted subject at ``days``."""
    subjects = sorted(SLEEP["Subject"].unique())
    data = pd.DataFrame({"Days": days, "Subject": subjects})
    return hand_mu(draws, data, ("Intercept", "Days"))


@pytest.mark.parametrize("mode", ["uncertainty", "old_levels"])
def test_new_levels_take_effects_of_existing_levels(fit: Any, mode: str) -> None:
    draws = fit.draws()
    got = fit.posterior_epred(NEW_SUBJECTS, allow_new_levels=True, sample_new_levels=mode, seed=8)
    old0, old1 = _old_level_mus(draws, 0.0), _old_level_mus(draws, 1.0)
    chosen = []
    for j in range(60):
        hit0 = np.isclose(got[:, 2 * j, None], old0, rtol=1e-12)
        hit1 = np.isclose(got[:, 2 * j + 1, None], old1, rtol=1e-12)
        both = hit0 & hit1  # one level per draw gives both coefficients
        assert both.any(axis=1).all()
        chosen.append(np.argmax(both, axis=1))
    per_level = np.array(chosen)  # (new level, draw) index of the level drawn
    if mode == "old_levels":
        assert (per_level == per_level[:, :1]).all()
        assert len(np.unique(per_level[:, 0])) > 5
    else:
        assert all(len(np.unique(row)) > 10 for row in per_level)


def test_new_levels_gaussian_follow_fitted_covariance(fit: Any) -> None:
    draws = fit.draws()
    got = fit.posterior_epred(
        NEW_SUBJECTS, allow_new_levels=True, sample_new_levels="gaussian", seed=9
    )
    r_int = got[:, 0::2] - draws["b_Intercept"].to_numpy()[:, None]
    r_days = got[:, 1::2] - got[:, 0::2] - draws["b_Days"].to_numpy()[:, None]
    sd0 = draws["sd_Subject__Intercept"].to_numpy()[:, None]
    sd1 = draws["sd_Subject__Days"].to_numpy()[:, None]
    rho = draws["cor_Subject__Intercept__Days"].to_numpy()[:, None]
    z0 = r_int / sd0
    z1 = (r_days - rho * sd1 * z0) / (sd1 * np.sqrt(1 - rho**2))
    assert stats.kstest(z0.ravel(), "norm").pvalue > 1e-3
    assert stats.kstest(z1.ravel(), "norm").pvalue > 1e-3
    assert abs(np.corrcoef(z0.ravel(), z1.ravel())[0, 1]) < 0.03


def test_known_levels_ignore_sample_new_levels(fit: Any) -> None:
    base = fit.fitted(NEW_KNOWN)
    for mode in ("uncertainty", "gaussian", "old_levels"):
        got = fit.fitted(NEW_KNOWN, allow_new_levels=True, sample_new_levels=mode)
        np.testing.assert_allclose(got.to_numpy(), base.to_numpy())


def test_summary_false_and_linear_scale(fit: Any) -> None:
    np.testing.assert_allclose(fit.fitted(NEW_KNOWN, summary=False), fit.posterior_epred(NEW_KNOWN))
    np.testing.assert_allclose(
        fit.fitted(NEW_KNOWN, scale="linear").to_numpy(), fit.fitted(NEW_KNOWN).to_numpy()
    )
    robust = fit.fitted(NEW_KNOWN, robust=True, probs=(0.1, 0.5, 0.9))
    mu = hand_mu(fit.draws(), NEW_KNOWN, ("Intercept", "Days"))
    assert list(robust.columns) == ["Estimate", "Est.Error", "Q10", "Q50", "Q90"]
    np.testing.assert_allclose(robust["Estimate"], np.median(mu, axis=0))
    np.testing.assert_allclose(
        robust["Est.Error"], stats.median_abs_deviation(mu, axis=0, scale=1 / 1.4826)
    )


ERRORS = [
    (
        "missing-column",
        lambda f: f.fitted(NEW_KNOWN[["Subject"]]),
        "NewDataError",
        "newdata lacks the variable 'Days', which the model uses; add a column 'Days'.",
    ),
    (
        "missing-response",
        lambda f: f.log_lik(NEW_KNOWN),
        "NewDataError",
        "newdata lacks the variable 'Reaction', which the model uses (log_lik and residuals need "
        "the response); add a column 'Reaction'.",
    ),
    (
        "new-level",
        lambda f: f.predict(pd.DataFrame({"Days": [1], "Subject": ["s999"]})),
        "NewDataError",
        "Level(s) 's999' of grouping factor 'Subject' cannot be found in the fitted model; set "
        "allow_new_levels=True to predict for new levels.",
    ),
    (
        "re-formula-group",
        lambda f: f.fitted(NEW_KNOWN, re_formula="~ (1 | Classroom)"),
        "ReFormulaError",
        "re_formula names the grouping factor 'Classroom', which the model lacks (its grouping "
        "factors: Subject); use only the model's group-level terms.",
    ),
    (
        "re-formula-coef",
        lambda f: f.fitted(NEW_KNOWN, re_formula="~ (Days + x | Subject)"),
        "ReFormulaError",
        "re_formula has a group-level effect of 'x' for 'Subject', which the model lacks; use only "
        "the model's group-level terms.",
    ),
    (
        "sample-new-levels",
        lambda f: f.fitted(NEW_KNOWN, sample_new_levels="random"),
        "PredictionError",
        "sample_new_levels must be one of uncertainty, gaussian, old_levels, not 'random'.",
    ),
    (
        "ndraws",
        lambda f: f.posterior_predict(NEW_KNOWN, ndraws=5000),
        "PredictionError",
        "ndraws is 5000 but the fit has 400 draws; ask for at most 400.",
    ),
    (
        "draw-ids",
        lambda f: f.posterior_epred(draw_ids=[0]),
        "PredictionError",
        "draw_ids has 0, but the fit's draws are numbered 1 to 400.",
    ),
    (
        "dpar",
        lambda f: f.posterior_epred(dpar="nu"),
        "PredictionError",
        "dpar 'nu' is not a parameter of the gaussian family; use one of: mu, sigma.",
    ),
    (
        "dpar-linpred",
        lambda f: f.posterior_linpred(dpar="sigma"),
        "PredictionError",
        "dpar 'sigma' has no linear predictor in this model; use posterior_epred(dpar='sigma') "
        "for its draws.",
    ),
    (
        "missing-value",
        lambda f: f.fitted(pd.DataFrame({"Days": [1.0, np.nan], "Subject": ["s308", "s308"]})),
        "NewDataError",
        "newdata has a missing value in 'Days' (row 1); remove or fill the rows with missing "
        "values.",
    ),
    (
        "infinite-value",
        lambda f: f.predict(pd.DataFrame({"Days": [1.0, np.inf], "Subject": ["s308", "s308"]})),
        "NewDataError",
        "newdata's predictor Days has non-finite values (Inf) in row 1 (by the data's index); "
        "remove or fix those rows; predictions for them would be NaN.",
    ),
    (
        "residual-type",
        lambda f: f.residuals(type="deviance"),
        "PredictionError",
        "type must be one of ordinary, pearson, not 'deviance'.",
    ),
]


@pytest.mark.parametrize(
    ("call", "cls", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_errors(fit: Any, call: Any, cls: str, message: str) -> None:
    with pytest.raises(BrmsjaxError, match=re.escape(message)) as info:
        call(fit)
    assert type(info.value).__name__ == cls
