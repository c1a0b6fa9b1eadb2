"""Issue 3's simulation check: 90% intervals cover the seed model's truth at a rate near 90%.

The simulation helpers live in ``benchmarks/coverage.py`` (loaded here by path; benchmarks/ is
not a package). The fast tests check the simulation itself; the ``slow`` test fits 20
replications of 300 classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.helpers import load_bench

cov = load_bench("coverage")
TRUTH = cov.SEED_TRUTH
OTHER = cov.Truth(
    gamma={
        "Intercept": 1.0,
        "age": 0.5,
        "size": 0.0,
        "exp": -1.0,
        "female": 0.2,
        "black": 0.0,
        "tblack": 0.0,
        "propblack": 0.0,
        "age:size": -0.3,
        "black:tblack": 0.0,
        "black:propblack": 0.7,
    },
    phi=(1.0, 0.5, 2.0, 0.3),
    rho=((1.0, 0.6, 0.0, 0.0), (0.6, 1.0, -0.5, 0.0), (0.0, -0.5, 1.0, 0.3), (0.0, 0.0, 0.3, 1.0)),
    sigma=0.5,
)
CLASS_COLUMNS = ["size", "exp", "tblack", "propblack"]
STUDENT_COLUMNS = ["age", "female", "black", "score"]


def _mean(truth: Any, d: pd.DataFrame, eta: np.ndarray) -> np.ndarray:
    """The seed model's mean, written out term by term (independently of ``simulate``)."""
    g = truth.gamma
    codes = d["class"].str[1:].astype(int).to_numpy() - 1
    e = eta[codes]
    return (
        g["Intercept"]
        + g["age"] * d.age
        + g["size"] * d["size"]
        + g["exp"] * d.exp
        + g["female"] * d.female
        + g["black"] * d.black
        + g["tblack"] * d.tblack
        + g["propblack"] * d.propblack
        + g["age:size"] * d.age * d["size"]
        + g["black:tblack"] * d.black * d.tblack
        + g["black:propblack"] * d.black * d.propblack
        + e[:, 0]
        + e[:, 1] * d.age
        + e[:, 2] * d.female
        + e[:, 3] * d.black
    ).to_numpy()


@pytest.mark.parametrize("truth", [TRUTH, OTHER], ids=["seed", "other"])
def test_etas_have_covariance_phi_p_phi(truth: Any) -> None:
    n = 200_000
    eta = cov.simulate_etas(truth, n, np.random.default_rng(3))
    want = np.diag(truth.phi) @ np.asarray(truth.rho) @ np.diag(truth.phi)
    got = np.cov(eta, rowvar=False)
    se = np.sqrt((np.outer(np.diag(want), np.diag(want)) + want**2) / n)
    assert eta.shape == (n, 4)
    assert np.all(np.abs(got - want) < 4.5 * se)
    assert np.all(np.abs(eta.mean(axis=0)) < 4.5 * np.sqrt(np.diag(want) / n))


@pytest.mark.parametrize(("n_classes", "n_students"), [(300, 10), (40, 25)])
def test_class_columns_are_constant_within_class(n_classes: int, n_students: int) -> None:
    data, eta = cov.simulate(TRUTH, n_classes, n_students, np.random.default_rng(5))
    by_class = data.groupby("class")
    assert len(data) == n_classes * n_students
    assert eta.shape == (n_classes, 4)
    assert by_class.size().eq(n_students).all()
    assert by_class[CLASS_COLUMNS].nunique().eq(1).all().all()
    # student-level predictors vary within (almost) every class
    assert by_class[["age", "score"]].nunique().eq(n_students).all().all()
    assert (by_class[["female", "black"]].nunique() == 2).mean().min() > 0.8


@pytest.mark.parametrize("truth", [TRUTH, OTHER], ids=["seed", "other"])
def test_residuals_around_the_model_mean_have_sd_sigma(truth: Any) -> None:
    data, eta = cov.simulate(truth, 4000, 10, np.random.default_rng(7))
    resid = data["score"].to_numpy() - _mean(truth, data, eta)
    n = resid.size
    sigma = truth.sigma
    assert abs(resid.mean()) < 4.5 * sigma / np.sqrt(n)
    assert abs(resid.std() - sigma) < 4.5 * sigma / np.sqrt(2 * n)
    assert abs(np.corrcoef(resid, data["age"])[0, 1]) < 4.5 / np.sqrt(n)


def test_propblack_is_the_centred_chance_of_a_black_student() -> None:
    data, _ = cov.simulate(TRUTH, 2000, 50, np.random.default_rng(11))
    share = data.groupby("class")[["black", "propblack"]].mean()
    slope, intercept = np.polyfit(share["propblack"], share["black"], 1)
    assert slope == pytest.approx(1.0, abs=0.05)
    assert intercept == pytest.approx(0.5, abs=0.01)
    assert share["propblack"].between(-0.4, 0.4).all()


def test_truth_values_use_brms_names_and_order() -> None:
    values = TRUTH.values()
    assert list(values)[:3] == ["b_Intercept", "b_age", "b_size"]
    assert values["b_age:size"] == 1.5
    assert [(k, v) for k, v in values.items() if k.startswith(("sd_", "cor_"))] == [
        ("sd_class__Intercept", 20.0),
        ("sd_class__age", 8.0),
        ("sd_class__female", 12.0),
        ("sd_class__black", 14.0),
        ("cor_class__Intercept__age", -0.3),
        ("cor_class__Intercept__female", 0.2),
        ("cor_class__age__female", 0.1),
        ("cor_class__Intercept__black", -0.4),
        ("cor_class__age__black", 0.2),
        ("cor_class__female__black", -0.1),
    ]
    assert list(values)[-1] == "sigma" and len(values) == 11 + 4 + 6 + 1


def test_covered_compares_the_truth_with_both_quantiles() -> None:
    summary = pd.DataFrame(
        {
            "Estimate": [0.0, 0.0, 0.0, 0.0],
            "Est.Error": [1.0] * 4,
            "Q5": [-1.0, -1.0, 0.5, -2.0],
            "Q95": [1.0, -0.5, 2.0, 2.0],
        },
        index=["a", "b", "c", "unused"],
    )
    got = cov.covered(summary, {"c": 0.5, "a": 0.0, "b": 0.0})
    assert got.to_dict() == {"c": True, "a": True, "b": False}


@pytest.mark.parametrize(
    ("n", "p", "level", "band"),
    [(20, 0.9, 0.99, (14, 20)), (440, 0.9, 0.99, (379, 411)), (100, 0.5, 0.95, (40, 60))],
)
def test_binomial_band(n: int, p: float, level: float, band: tuple[int, int]) -> None:
    lo, hi = cov.binomial_band(n, p, level)
    tail = (1 - level) / 2
    assert (lo, hi) == band
    assert stats.binom.cdf(lo - 1, n, p) <= tail < stats.binom.cdf(lo, n, p)
    assert stats.binom.cdf(hi - 1, n, p) < 1 - tail <= stats.binom.cdf(hi, n, p)


@pytest.mark.slow
def test_ninety_percent_intervals_cover_the_truth() -> None:
    reps = cov.run_check(20, 300, 10, chains=2, iter=2000, seed=2026)
    hit, n = cov.pooled(reps)
    lo, hi = cov.binomial_band(n, 0.9, 0.99)
    assert n == 20 * len(TRUTH.values())
    assert lo <= hit <= hi, f"{hit}/{n} intervals cover the truth; band [{lo}, {hi}]"
    # A convergence guard, not the acceptance: the slowest quantity (b_Intercept, traded
    # against the class intercepts and the class-level predictors) reached Rhat 1.119 with
    # bulk ESS 14 in one replicate of 2 chains x 500 draws; with 2 x 1000 draws (about 14 s per
    # fit) max Rhat was 1.030 and min bulk ESS 96. The classic 1.1 flags a failed fit.
    rhats = [round(r.max_rhat, 3) for r in reps]
    assert max(rhats) < 1.1, f"max Rhat per replication: {rhats}"
