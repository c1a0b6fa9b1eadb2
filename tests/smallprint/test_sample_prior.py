"""``sample_prior = "yes"``: brms's prior draws, ``prior_draws()`` and Savage-Dickey ratios.

References: tests/fixtures/sample_prior (prior_names.R: brms 2.18's generated ``prior_*``
quantities with their ``_rng`` calls and bounds; density_ratio.R: brms's ``density_ratio``
on fixed draws), scipy's distributions, and the normal approximation of a posterior.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.priors.draws import prior_draws
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.methods.hypotheses.hypothesis import hypothesis_table
from brmsjax.methods.hypotheses.savage_dickey import density_ratio, r_density

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sample_prior"
NAMES = json.loads((FIXTURES / "prior_names.json").read_text())
RATIOS = json.loads((FIXTURES / "density_ratio.json").read_text())

# brms's prior_* names after its renaming (change_prior: b__k -> b_<coef>, sd_<id> ->
# sd_<group>, cor_<id> -> cor_<group>), in the order of prior_names.json's Stan names.
CASES: dict[str, dict[str, Any]] = {
    "gauss": {
        "formula": "y ~ x + z + (1 + x | g)",
        "family": "gaussian",
        "prior": [
            bj.prior("normal(0, 1)", class_="b"),
            bj.prior("normal(0, 2)", class_="b", coef="z"),
            bj.prior("exponential(1)", class_="sd"),
        ],
        "names": ["prior_b_x", "prior_b_z", "prior_Intercept", "prior_sigma", "prior_sd_g"]
        + ["prior_cor_g"],
    },
    "student": {
        "formula": "y ~ x + (1 + x | g)",
        "family": "student",
        "prior": [
            bj.prior("normal(0, 1)", class_="b"),
            bj.prior("normal(0, 3)", class_="sd", coef="x", group="g"),
        ],
        "names": ["prior_b", "prior_Intercept", "prior_sigma", "prior_nu"]
        + ["prior_sd_g__Intercept", "prior_sd_g__x", "prior_cor_g"],
    },
    "sigma": {
        "formula": bj.bf("y ~ x", "sigma ~ z"),
        "family": "gaussian",
        "prior": [
            bj.prior("normal(0, 1)", class_="b"),
            bj.prior("normal(0, 1)", class_="b", dpar="sigma"),
        ],
        "names": ["prior_b", "prior_Intercept", "prior_b_sigma", "prior_Intercept_sigma"],
    },
    "ordinal": {
        "formula": "o ~ x",
        "family": "cumulative",
        "prior": [bj.prior("normal(0, 1)", class_="b")],
        "names": ["prior_b", "prior_Intercept"],
    },
    "intercept0": {
        "formula": "y ~ 0 + Intercept + x",
        "family": "gaussian",
        "prior": [bj.prior("normal(0, 1)", class_="b")],
        "names": ["prior_b", "prior_sigma"],
    },
    "poisson": {
        "formula": "count ~ x + (1 | g)",
        "family": "poisson",
        "prior": [bj.prior("normal(0, 0.5)", class_="b")],
        "names": ["prior_b", "prior_Intercept", "prior_sd_g"],
    },
}


def _data() -> pd.DataFrame:
    d = pd.read_csv(FIXTURES / "data.csv")
    d["o"] = pd.Categorical(d["o"], categories=[1, 2, 3, 4], ordered=True)
    return d


def _draws(case: dict[str, Any], n: int = 4000) -> dict[str, np.ndarray]:
    fam = get_family(case["family"])
    design = design_for(case["formula"], _data(), fam)
    priors = resolve_priors(design, fam, case["prior"])
    return prior_draws(priors, design, fam, n, np.random.default_rng(1))


def _reference_cdf(rng: str, lb: float | None) -> Callable[[np.ndarray], np.ndarray]:
    """The CDF of a Stan ``_rng`` call of the fixture, truncated at ``lb``, from scipy."""
    m = re.fullmatch(r"(\w+)_rng\(([^)]*)\)(.*)", rng)
    assert m is not None
    name, args = m.group(1), [float(a) for a in m.group(2).split(",") if a != "M_1"]
    if name == "lkj_corr":  # the [1, 2] element of a 2 x 2 LKJ(eta) matrix
        return stats.uniform(-1, 2).cdf
    make = {
        "normal": stats.norm,
        "student_t": stats.t,
        "exponential": lambda b: stats.expon(scale=1 / b),
        "gamma": lambda a, b: stats.gamma(a, scale=1 / b),
    }[name]
    d = make(*args)
    cut = 0.0 if lb is None else d.cdf(lb)
    return lambda v: np.clip((d.cdf(v) - cut) / (1 - cut), 0, 1)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_prior_draws_have_brms_names(case_id: str) -> None:
    draws = _draws(CASES[case_id])
    assert len(NAMES[case_id]["names"]) == len(CASES[case_id]["names"])
    assert list(draws) == CASES[case_id]["names"]


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_prior_draws_follow_brms_rng_calls(case_id: str) -> None:
    draws = _draws(CASES[case_id])
    ref = NAMES[case_id]
    for stan_name, ours, rng in zip(ref["names"], CASES[case_id]["names"], ref["rng"], strict=True):
        lb = ref["lb"].get(stan_name)
        p = stats.kstest(draws[ours], _reference_cdf(rng, lb)).pvalue
        assert p > 1e-3, (ours, rng, p)
        if lb is not None:
            assert draws[ours].min() >= lb


@pytest.mark.parametrize("case_id", sorted(RATIOS["cases"]))
def test_density_ratio_equals_brms(case_id: str) -> None:
    c = RATIOS["cases"][case_id]
    x, y = np.array(c["x"]), np.array(c["y"])
    assert density_ratio(x, y, c["point"]) == pytest.approx(c["ratio"], rel=1e-9)
    assert density_ratio(x, None, c["point"]) == pytest.approx(c["dens_x"], rel=1e-9)


def test_r_density_equals_r() -> None:
    g = RATIOS["grid"]
    _, dens = r_density(np.array(g["x"]), g["from"], g["to"])
    np.testing.assert_allclose(dens[np.array(g["at"]) - 1], g["y"], rtol=1e-10, atol=1e-14)


@pytest.fixture(scope="module")
def fit() -> bj.BrmsFit:
    rng = np.random.default_rng(11)
    x = rng.normal(size=50)
    d = pd.DataFrame({"x": x, "y": 0.15 * x + rng.normal(size=50)})
    return bj.brm(
        "y ~ x",
        d,
        prior=[bj.prior("normal(0, 1)", class_="b")],
        sample_prior="yes",
        chains=2,
        iter=2000,
        seed=5,
        progress=False,
    )


def test_savage_dickey_ratio_of_a_point_hypothesis(fit: bj.BrmsFit) -> None:
    """Evid.Ratio of ``x = 0`` is p(0 | y) / p(0): near the normal approximation's ratio."""
    h = fit.hypothesis(["x = 0", "x > 0"], seed=1).hypothesis
    b = fit.draws()["b_x"].to_numpy()
    approx = stats.norm(b.mean(), b.std()).pdf(0) / stats.norm(0, 1).pdf(0)
    # two kernel density estimates from 2000 draws each: ~8% noise, so 25% is about 3 sd
    assert h["Evid.Ratio"][0] == pytest.approx(approx, rel=0.25)
    assert h["Post.Prob"][0] == pytest.approx(h["Evid.Ratio"][0] / (1 + h["Evid.Ratio"][0]))
    # one-sided hypotheses keep brms's posterior odds, whatever the prior draws
    assert h["Evid.Ratio"][1] == pytest.approx(np.mean(b > 0) / np.mean(b <= 0))


def test_prior_draws_method(fit: bj.BrmsFit) -> None:
    all_priors = fit.prior_draws()
    assert list(all_priors) == ["b", "Intercept", "sigma"]
    assert len(all_priors) == len(fit.draws())
    one = fit.prior_draws(["b_x", "sigma"], seed=2)
    assert sorted(one["b_x"]) == pytest.approx(sorted(all_priors["b"]))
    with pytest.warns(UserWarning, match="Sampling from the prior of an overall intercept"):
        assert list(fit.prior_draws("b_Intercept")) == []
    posterior = fit.to_arviz(log_likelihood=False, posterior_predictive=False)
    assert "prior_b" in posterior.prior and "prior_b" not in posterior.posterior
    assert "prior_b" not in str(fit.summary())


def test_point_hypothesis_without_prior_draws_is_na() -> None:
    draws = pd.DataFrame({"b_x": np.random.default_rng(0).normal(1, 1, 500)})
    assert np.isnan(hypothesis_table(draws, "x = 0", prefix="b_").hypothesis["Evid.Ratio"][0])
