"""The lowered program of nlf() models: its log likelihood and log density against SciPy.

Each case's pointwise log likelihood at given parameter values is compared with the model
written out in NumPy as brms's Stan code computes it (tests/fixtures/nlf/stancode_errors.json,
e.g. ``sigma[n] = exp(nlp_a[n] * exp(nlp_b[n] * C_sigma_1[n]))``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.design.design import build_design
from tests.nlf.fixtures import FAMILIES, case, data_set, stancode_errors

D = data_set()
X, Z, Y, YP = (D[c].to_numpy() for c in ("x", "z", "y", "yp"))
G = np.array([["a", "b", "c", "d"].index(v) for v in D["g"]])
LO = (D["f2"] == "lo").to_numpy(dtype=float)  # R's levels hi, lo: lo is 1
XC = X - X.mean()


def _sigma(p: dict[str, Any]) -> np.ndarray:
    sigma = np.exp(p["b_a"][0] * np.exp(p["b_b"][0] * Z))
    return stats.norm.logpdf(Y, p["Intercept"] + XC * p["b"][0], sigma)  # type: ignore[no-any-return]


def _nl_mu(p: dict[str, Any]) -> np.ndarray:
    mu = p["b_a1"][0] * np.exp(p["b_b1"][0] * X)
    sigma = np.exp(p["b_a2"][0] * np.exp(p["b_b2"][0] * Z))
    return stats.norm.logpdf(Y, mu, sigma)  # type: ignore[no-any-return]


def _group(p: dict[str, Any]) -> np.ndarray:
    mu = p["Intercept"] + XC * p["b"][0] + p["sd_1"][0] * p["z_1"][0][G]
    a = p["b_a"][0] + p["sd_2"][0] * p["z_2"][0][G]
    sigma = np.exp(a * np.exp(p["b_b"][0] * Z))
    return stats.norm.logpdf(Y, mu, sigma)  # type: ignore[no-any-return]


def _student_nu(p: dict[str, Any]) -> np.ndarray:
    sigma = np.exp(p["Intercept_sigma"] + (Z - Z.mean()) * p["b_sigma"][0])
    nu = 1 + np.exp(1 + p["b_a"][0] * np.exp((p["b_b"][0] + p["b_b"][1] * X) * Z))  # expp1
    return stats.t.logpdf(Y, nu, p["Intercept"] + XC * p["b"][0], sigma)  # type: ignore[no-any-return]


def _lognormal(p: dict[str, Any]) -> np.ndarray:
    sigma = np.exp(p["b_a"][0] + p["b_b"][0] * LO)
    mu = p["Intercept"] + XC * p["b"][0]
    return stats.lognorm.logpdf(YP, sigma, scale=np.exp(mu))  # type: ignore[no-any-return]


#: (case, parameter values, the pointwise log likelihood written out)
CASES: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], np.ndarray]]] = [
    ("sigma", {"Intercept": 0.9, "b": [1.1], "b_a": [0.4], "b_b": [-0.8]}, _sigma),
    ("nl_mu", {"b_a1": [1.2], "b_b1": [0.3], "b_a2": [-0.2], "b_b2": [0.5]}, _nl_mu),
    (
        "group",
        {
            "Intercept": 0.8,
            "b": [1.0],
            "b_a": [0.3],
            "b_b": [-0.6],
            "sd_1": [0.4],
            "sd_2": [0.7],
            "z_1": [[0.5, -1.0, 1.5, 0.2]],
            "z_2": [[-0.3, 0.8, 0.1, -1.2]],
        },
        _group,
    ),
    (
        "student_nu",
        {
            "Intercept": 1.0,
            "b": [0.9],
            "Intercept_sigma": -0.1,
            "b_sigma": [0.6],
            "b_a": [0.7],
            "b_b": [0.4, -0.3],
        },
        _student_nu,
    ),
    ("lognormal", {"Intercept": 0.5, "b": [0.3], "b_a": [-0.9], "b_b": [0.2]}, _lognormal),
]
NLPARS = {
    "sigma": "ab",
    "group": "ab",
    "student_nu": "ab",
    "lognormal": "ab",
    "nl_mu": ["a1", "b1", "a2", "b2"],
}


def _lowered(case_id: str) -> Any:
    c = case(case_id)
    family = FAMILIES[c["family"]]
    design = build_design(c["formula"], D, family=family)
    priors = [bj.prior("normal(0, 1)", nlpar=p) for p in NLPARS[case_id]]
    return lower(design, family, resolve_priors(design, family, priors), reparam=False)


@pytest.mark.parametrize(("case_id", "values", "written_out"), CASES)
def test_log_lik_is_the_model_written_out(
    case_id: str, values: dict[str, Any], written_out: Callable[[dict[str, Any]], np.ndarray]
) -> None:
    lowered = _lowered(case_id)
    assert lowered.structure.likelihood == "plain"
    params = {k: np.asarray(v, dtype=float) for k, v in values.items()}
    with jax.enable_x64(True):
        point = np.asarray(lowered.program.pointwise(params, lowered.data))
        total = float(lowered.program.log_lik(params, lowered.data))
    want = written_out(params)
    np.testing.assert_allclose(point, want, rtol=1e-10)
    np.testing.assert_allclose(total, want.sum(), rtol=1e-10)


def test_log_density_adds_brms_priors() -> None:
    """The whole log density (no Jacobian) of the sigma case: the likelihood, the nlpars'
    normal(0, 1) priors and brms's default student_t(3, 0.5, 2.5) on the Intercept
    (get_prior in R); the flat prior on b adds nothing."""
    case_id, values, written_out = CASES[0]
    lowered = _lowered(case_id)
    params = {k: np.asarray(v, dtype=float) for k, v in values.items()}
    with jax.enable_x64(True):
        got = float(lowered.program.log_density(params, *lowered.model_args))
    want = written_out(params).sum() + stats.t.logpdf(0.9, 3, 0.5, 2.5)
    want += stats.norm.logpdf(0.4) + stats.norm.logpdf(-0.8)
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_sigma_is_not_a_scalar_parameter() -> None:
    """brms's Stan code computes sigma from the nlpars (no ``real<lower=0> sigma``)."""
    lowered = _lowered("sigma")
    assert [s.name for s in lowered.sites] == ["Intercept", "b", "b_a", "b_b"]
    assert (
        "sigma[n] = exp(nlp_a[n] * exp(nlp_b[n] * C_sigma_1[n]));"
        in (stancode_errors()["stan_lines"]["sigma"])
    )


def test_new_data_covariates_are_encoded() -> None:
    """The covariates of an nlf() formula are read from new data (a two-level factor as 0/1)."""
    from brmsjax.formula.design.newdata import encode_newdata

    design = build_design(case("lognormal")["formula"], D, family=bj.lognormal())
    nd = encode_newdata(design, pd.DataFrame({"x": [0.0, 1.0], "f2": ["hi", "lo"]}))
    np.testing.assert_array_equal(nd.C_nlf["sigma"], [[0.0], [1.0]])
