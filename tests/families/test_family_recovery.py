"""The families issue's simulated-truth recovery: 90% intervals cover each family's truth.

The simulation helpers live in ``benchmarks/family_recovery.py`` (loaded here by path;
benchmarks/ is not a package). The fast tests check the simulation itself; the ``slow`` test
fits every family twice (400 rows, 20 groups) and pools the intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from tests.helpers import load_bench

fr = load_bench("family_recovery")
CASES = {c.family: c for c in fr.CASES}
FAMILIES = [
    "gaussian",
    "student",
    "skew_normal",
    "bernoulli",
    "binomial",
    "beta_binomial",
    "poisson",
    "negbinomial",
    "geometric",
    "Gamma",
    "lognormal",
    "exponential",
    "weibull",
    "Beta",
    "cumulative",
    "categorical",
    "zero_inflated_poisson",
    "zero_inflated_negbinomial",
    "zero_inflated_binomial",
    "hurdle_poisson",
    "hurdle_negbinomial",
    "hurdle_lognormal",
    "hurdle_gamma",
    "shifted_lognormal",
    "asym_laplace",
    "zero_inflated_beta",
    "zero_one_inflated_beta",
    "gen_extreme_value",
    "sratio",
    "cratio",
    "acat",
    "exgaussian",
    "wiener",
    "von_mises",
    "frechet",
    "inverse_gaussian",
    "zero_inflated_beta_binomial",
    "multinomial",
    "dirichlet",
    "logistic_normal",
]


def _big(family: str) -> pd.DataFrame:
    return fr.simulate(CASES[family], 400, 100, 17)


def test_cases_cover_every_family_once() -> None:
    assert list(CASES) == FAMILIES
    assert len(fr.CASES) == 40
    assert sum(len(c.truth) for c in fr.CASES) == 179
    names = [f.lower().replace("inverse_gaussian", "inverse.gaussian") for f in FAMILIES]
    assert [c.make_family().name for c in fr.CASES] == names


@pytest.mark.parametrize(
    ("family", "formula", "truth"),
    [
        ("gaussian", "y ~ x + (1 | g)", ["b_Intercept", "b_x", "sd_g__Intercept", "sigma"]),
        ("binomial", "y | trials(n) ~ x + (1 | g)", ["b_Intercept", "b_x", "sd_g__Intercept"]),
        ("categorical", "y ~ x", ["b_mub_Intercept", "b_muc_Intercept", "b_mub_x", "b_muc_x"]),
        (
            "multinomial",
            "cbind(y1, y2, y3) | trials(n) ~ x",
            ["b_muy2_Intercept", "b_muy3_Intercept", "b_muy2_x", "b_muy3_x"],
        ),
        (
            "cumulative",
            "y ~ x + (1 | g)",
            ["b_Intercept[1]", "b_Intercept[2]", "b_Intercept[3]", "b_x", "sd_g__Intercept"],
        ),
        (
            "hurdle_negbinomial",
            "y ~ x + (1 | g)",
            ["b_Intercept", "b_x", "sd_g__Intercept", "shape", "hu"],
        ),
    ],
)
def test_case_formula_and_checked_names(family: str, formula: str, truth: list[str]) -> None:
    case = CASES[family]
    assert case.formula == formula
    assert list(case.truth) == truth


@pytest.mark.parametrize(
    ("family", "columns", "dtype"),
    [
        ("gaussian", ["y", "x", "g"], "float64"),
        ("poisson", ["y", "x", "g"], "int64"),
        ("zero_inflated_binomial", ["y", "x", "g", "n"], "int64"),
        ("categorical", ["y", "x", "g"], "category"),
        ("multinomial", ["y1", "y2", "y3", "x", "g", "n"], "int64"),
        ("dirichlet", ["y1", "y2", "y3", "x", "g"], "float64"),
        ("sratio", ["y", "x", "g"], "int64"),
        ("zero_inflated_beta_binomial", ["y", "x", "g", "n"], "int64"),
        ("logistic_normal", ["y1", "y2", "y3", "x", "g"], "float64"),
        ("wiener", ["y", "x", "g", "d"], "float64"),
    ],
)
def test_simulated_layout(family: str, columns: list[str], dtype: str) -> None:
    data = fr.simulate(CASES[family], 20, 20, 1)
    assert list(data.columns) == columns
    assert str(data[columns[0]].dtype) == dtype
    assert data.shape == (400, len(columns))
    assert data.groupby("g").size().eq(20).all()
    assert data["g"].iloc[[0, 399]].tolist() == ["g01", "g20"]


@pytest.mark.parametrize(
    ("family", "share"),
    [
        ("hurdle_poisson", 0.3),
        ("hurdle_negbinomial", 0.3),
        ("hurdle_lognormal", 0.25),
        ("hurdle_gamma", 0.25),
    ],
)
def test_hurdle_zeros_have_probability_hu(family: str, share: float) -> None:
    y = _big(family)["y"].to_numpy()
    assert abs(np.mean(y == 0) - share) < 4.5 * np.sqrt(share * (1 - share) / y.size)
    assert np.all(y >= 0)


def test_logistic_normal_log_ratios_follow_the_truth() -> None:
    """``log(y_k / y1)`` is ``b_muyk_Intercept + b_muyk_x x`` plus normal noise with sds
    ``sigmayk`` and correlation ``lncor__y2__y3``."""
    data = _big("logistic_normal")
    t = CASES["logistic_normal"].truth
    X = np.column_stack([np.ones(len(data)), data["x"]])
    resid = []
    for k in ("y2", "y3"):
        ratio = np.log(data[k] / data["y1"]).to_numpy()
        coef, *_ = np.linalg.lstsq(X, ratio, rcond=None)
        np.testing.assert_allclose(coef, [t[f"b_mu{k}_Intercept"], t[f"b_mu{k}_x"]], atol=0.05)
        resid.append(ratio - X @ coef)
        assert np.std(resid[-1]) == pytest.approx(t[f"sigma{k}"], rel=0.03)
    assert np.corrcoef(resid)[0, 1] == pytest.approx(t["lncor__y2__y3"], abs=0.03)


def _conditional_sd(data: pd.DataFrame, column: str = "y") -> float:
    """Residual sd after removing group means and the slope on x (within-group regression)."""
    y = data[column] - data.groupby("g")[column].transform("mean")
    x = data["x"] - data.groupby("g")["x"].transform("mean")
    slope = float((x * y).sum() / (x * x).sum())
    return float(np.std(y - slope * x))


@pytest.mark.parametrize(
    ("family", "transform", "sd", "slope"),
    [
        ("gaussian", "identity", 1.0, 0.5),
        ("lognormal", "log", 0.6, 0.4),
        # skew normal: sigma is the sd and mu the mean, so the same checks hold
        ("skew_normal", "identity", 1.0, 0.5),
    ],
)
def test_location_scale_families_have_slope_and_sd(
    family: str, transform: str, sd: float, slope: float
) -> None:
    data = _big(family)
    if transform == "log":
        data["y"] = np.log(data["y"])
    got_sd = _conditional_sd(data)
    y = data["y"] - data.groupby("g")["y"].transform("mean")
    x = data["x"] - data.groupby("g")["x"].transform("mean")
    got_slope = float((x * y).sum() / (x * x).sum())
    n = len(data)
    assert abs(got_sd - sd) < 4.5 * sd * np.sqrt(2.0 / n)
    assert abs(got_slope - slope) < 4.5 * sd / np.sqrt(n)


def test_skew_normal_is_right_skewed_with_alpha_three() -> None:
    data = _big("skew_normal")
    resid = (
        data["y"]
        - data.groupby("g")["y"].transform("mean")
        - 0.5 * (data["x"] - data.groupby("g")["x"].transform("mean"))
    )
    delta = 3.0 / np.sqrt(10.0)
    b = np.sqrt(2 / np.pi) * delta
    want = (4 - np.pi) / 2 * b**3 / (1 - b**2) ** 1.5
    assert float(stats.skew(resid)) == pytest.approx(want, abs=0.05)


@pytest.mark.parametrize(
    ("family", "link", "share"),
    [
        ("poisson", "log", 1.0),
        ("negbinomial", "log", 1.0),
        ("geometric", "log", 1.0),
        ("Gamma", "log", 1.0),
        ("weibull", "log", 1.0),
        ("exponential", "log", 1.0),
        ("zero_inflated_poisson", "log", 0.7),
        ("zero_inflated_negbinomial", "log", 0.75),
        ("Beta", "logit", 1.0),
    ],
)
def test_mean_follows_the_link(family: str, link: str, share: float) -> None:
    """The mean of y is ``share * E[inv_link(eta)]`` with the group effects integrated out.

    ``share`` is ``1 - zi`` for zero-inflated families; mu is the mean for Gamma, weibull,
    exponential, negbinomial (shape) and Beta (phi) in brms's parameterizations.
    """
    inv_link = {"log": np.exp, "logit": special.expit}[link]
    case = CASES[family]
    data = _big(family)
    t = case.truth
    sd = t["sd_g__Intercept"]
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    eta = t["b_Intercept"] + t["b_x"] * data["x"].to_numpy()[:, None] + sd * nodes[None, :]
    want = share * (inv_link(eta) @ weights).mean()
    got = data["y"].mean()
    # 400 groups: the group effects dominate the error of the mean; 4.5 standard errors of
    # the between-group spread of the group means.
    se = data.groupby("g")["y"].mean().std() / np.sqrt(400)
    assert abs(got - want) < 4.5 * se


@pytest.mark.parametrize(
    ("family", "want"),
    [
        # P(y = k) = F(thres_k - mu) - F(thres_{k-1} - mu) with mu = 0.7 x + group effect
        ("cumulative", "ordinal"),
        ("categorical", "softmax"),
    ],
)
def test_category_shares_follow_the_truth(family: str, want: str) -> None:
    case = CASES[family]
    data = _big(family)
    t = case.truth
    x = data["x"].to_numpy()
    if want == "ordinal":
        nodes, weights = np.polynomial.hermite_e.hermegauss(40)
        weights = weights / weights.sum()
        thres = np.array([t["b_Intercept[1]"], t["b_Intercept[2]"], t["b_Intercept[3]"]])
        mu = t["b_x"] * x[:, None] + t["sd_g__Intercept"] * nodes[None, :]
        cdf = special.expit(thres[None, None, :] - mu[:, :, None])
        cum = np.concatenate([np.zeros((*mu.shape, 1)), cdf, np.ones((*mu.shape, 1))], axis=2)
        probs = (np.diff(cum, axis=2) * weights[None, :, None]).sum(axis=1).mean(axis=0)
        got = data["y"].value_counts(normalize=True).sort_index().to_numpy()
    else:
        eta = np.column_stack(
            [
                np.zeros_like(x),
                t["b_mub_Intercept"] + t["b_mub_x"] * x,
                t["b_muc_Intercept"] + t["b_muc_x"] * x,
            ]
        )
        probs = special.softmax(eta, axis=1).mean(axis=0)
        got = data["y"].value_counts(normalize=True).reindex(list(fr.CATEGORIES)).to_numpy()
    n = len(data)
    assert np.all(np.abs(got - probs) < 4.5 * np.sqrt(probs * (1 - probs) / n) + 0.01)


def test_covered_reports_truth_interval_and_hit() -> None:
    summary = pd.DataFrame(
        {
            "Estimate": [0.0] * 4,
            "Est.Error": [1.0] * 4,
            "Q5": [-1.0, -1.0, 0.5, -2.0],
            "Q95": [1.0, -0.5, 2.0, 2.0],
        },
        index=["a", "b", "c", "unused"],
    )
    got = fr.covered(summary, {"c": 0.5, "a": 0.0, "b": 0.0})
    assert list(got.index) == ["c", "a", "b"]
    assert got["covered"].tolist() == [True, True, False]
    assert got.loc["b", ["truth", "lower", "upper"]].tolist() == [0.0, -1.0, -0.5]


@pytest.mark.parametrize(
    ("n", "p", "level", "band"),
    [(94, 0.9, 0.99, (76, 91)), (188, 0.9, 0.99, (158, 179)), (100, 0.5, 0.95, (40, 60))],
)
def test_binomial_band(n: int, p: float, level: float, band: tuple[int, int]) -> None:
    lo, hi = fr.binomial_band(n, p, level)
    tail = (1 - level) / 2
    assert (lo, hi) == band
    assert stats.binom.cdf(lo - 1, n, p) <= tail < stats.binom.cdf(lo, n, p)
    assert stats.binom.cdf(hi - 1, n, p) < 1 - tail <= stats.binom.cdf(hi, n, p)


@pytest.mark.slow
def test_ninety_percent_intervals_recover_every_family() -> None:
    recs = fr.run_check(
        fr.CASES,
        reps=2,
        chains=2,
        iter=1000,
        seed=2026,
        log=lambda rec: print(fr.log_line(rec), flush=True),
    )
    print()
    print(fr.markdown(recs, chains=2, iter=1000))
    hit, n = fr.pooled(recs)
    lo, hi = fr.binomial_band(n, 0.9, 0.99)
    assert n == 2 * 129
    assert lo <= hit <= hi, f"{hit}/{n} intervals cover the truth; band [{lo}, {hi}]"
    rhats = {f"{r.family} rep {r.rep + 1}": round(r.max_rhat, 3) for r in recs}
    assert max(rhats.values()) < 1.05, f"max Rhat per fit: {rhats}"
    # a family whose intervals miss every parameter in both replications is a bug, not chance
    for family in CASES:
        mine = [r for r in recs if r.family == family]
        assert sum(r.hits for r in mine) > 0, f"{family} missed every interval"
