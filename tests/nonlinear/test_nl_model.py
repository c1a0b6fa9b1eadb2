"""The lowered program of a non-linear model: its log likelihood against SciPy.

The program's pointwise log likelihood at given parameter values is compared with the model
written out in NumPy: ``mu = a * exp(-b * t) + w`` with ``a = X_a b_a``,
``b = X_b b_b + r_g[J]`` and ``sigma = exp(Intercept_sigma + (x - mean(x)) b_sigma)``.
"""

from __future__ import annotations

import jax
import numpy as np
from scipy import stats

import brmsjax as bj
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.design.design import build_design
from tests.nonlinear.fixtures import data_set

FORMULA = "bf(y ~ a * exp(-b * t) + w, a ~ 1 + x, b ~ 1 + (1 | g), sigma ~ x, nl = TRUE)"
PRIORS = [bj.prior("normal(5, 2)", nlpar="a"), bj.prior("normal(0, 1)", nlpar="b", lb=0)]


def test_pointwise_log_lik_is_the_model_written_out() -> None:
    data = data_set("sim")
    design = build_design(FORMULA, data)
    family = bj.gaussian()
    lowered = lower(design, family, resolve_priors(design, family, PRIORS), reparam=False)
    structure = lowered.structure
    assert structure.likelihood == "plain"
    assert [(f.dpar, f.center) for f in structure.fixed] == [
        ("sigma", True),
        ("a", False),
        ("b", False),
    ]
    levels = design.groups[0].levels
    params = {
        "b_a": np.array([4.8, -0.2]),
        "b_b": np.array([0.35]),
        "Intercept_sigma": np.array(-1.2),
        "b_sigma": np.array([0.3]),
        "sd_1": np.array([0.1]),
        "z_1": np.array([[0.5, -1.0, 1.5]]),
    }
    with jax.enable_x64(True):
        got = np.asarray(lowered.program.pointwise(params, lowered.data))
    t, w, x = (data[c].to_numpy() for c in ("t", "w", "x"))
    J = np.array([levels.index(v) for v in data["g"]])
    a = 4.8 - 0.2 * x
    b = 0.35 + 0.1 * np.array([0.5, -1.0, 1.5])[J]
    sigma = np.exp(-1.2 + (x - x.mean()) * 0.3)
    want = stats.norm.logpdf(data["y"].to_numpy(), a * np.exp(-b * t) + w, sigma)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_shared_id_block_spans_two_nlpars() -> None:
    design = build_design(
        "bf(y ~ a * exp(-b * t), a ~ 1 + x + (1 + x | p | g), b ~ 1 + (1 | p | g), nl = TRUE)",
        data_set("sim"),
    )
    family = bj.gaussian()
    lowered = lower(design, family, resolve_priors(design, family, PRIORS))
    (group,) = lowered.structure.groups
    assert (group.M, group.cor, group.dpar_cols) == (3, True, (("a", (0, 1)), ("b", (2,))))
    (spec,) = lowered.names.groups
    assert spec.names == ("a_Intercept", "a_x", "b_Intercept")
    assert spec.r_name("c", 2) == "r_g__b[c,Intercept]"
