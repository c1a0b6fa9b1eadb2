"""Which form and metric each model gets (issue 20), and the lognormal forms' values.

Lognormal is gaussian on ``log y``: its suffstat and marginal forms take their statistics of
``log y`` and add ``-sum(log y)``; references are the plain form's per-row density (brms's
``lognormal_lpdf``) and the gaussian model on ``log y`` with the same priors. Models that sample
group coordinates adapt a dense metric only up to 24 coordinates (the first window's draws).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.infer.nuts import dense_metric, sample
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.backend.priors.resolve import resolve_priors


def frame(n: int = 240, levels: int = 12, seed: int = 5) -> pd.DataFrame:
    """Positive ``y`` (lognormal with one group term), ``yb`` (bernoulli), ``x``, ``g``, ``h``."""
    rng = np.random.default_rng(seed)
    g = np.arange(n) % levels
    x = rng.normal(1.0, 1.0, n)
    eta = 0.5 + rng.normal(0.0, 0.6, levels)[g] + 0.4 * x
    return pd.DataFrame(
        {
            "y": np.exp(eta + rng.normal(0.0, 0.5, n)),
            "yb": (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float),
            "x": x,
            "cens": np.where(rng.uniform(size=n) < 0.1, "right", "none"),
            "g": [f"g{k:02d}" for k in g],
            "h": [f"h{k}" for k in rng.integers(0, 5, n)],
        }
    )


PRIORS = [
    bj.prior("normal(0, 2)", class_="Intercept"),
    bj.prior("normal(0, 1)", class_="sd"),
    bj.prior("normal(0, 1)", class_="sigma"),
]


def lowered(
    formula: str, family: str, data: pd.DataFrame, priors: Any = None, **options: Any
) -> LoweredModel:
    fam = get_family(family)
    design = design_for(formula, data, fam)
    return lower(design, fam, resolve_priors(design, fam, priors), **options)


@pytest.mark.parametrize(
    ("formula", "family", "levels", "form", "centred", "dense"),
    [
        # lognormal: gaussian on log y, so the gaussian forms (one term: marginal, no z sampled)
        ("y ~ x + (1 | g)", "lognormal", 12, "marginal", [0], True),
        ("y ~ x + (1 + x | g)", "lognormal", 12, "marginal", [0], True),
        ("y ~ x", "lognormal", 12, "plain", [], True),  # as gaussian's rule at 240 rows
        # two IDs: g (the most effects) integrated out, h sampled by the centring rule,
        # which reads log y (h: no effect, non-centred)
        ("y ~ x + (1 | g) + (1 | h)", "lognormal", 12, "hybrid", [0, 0], True),
        ("bf(y ~ x + (1 | g), sigma ~ x)", "lognormal", 12, "plain", [1], True),  # 17 coords
        ("y | cens(cens) ~ x + (1 | g)", "lognormal", 12, "plain", [1], True),
        ("y ~ x + (1 | g)", "shifted_lognormal", 12, "plain", [0], True),
        ("y ~ x + (1 | g)", "gaussian", 12, "marginal", [0], True),
        # sampled group coordinates: dense up to 24 coordinates (12 levels: 15), else diagonal
        # (bernoulli: the glm form, glm_forms.GLM_MIN_ROWS)
        ("yb ~ x + (1 | g)", "bernoulli", 12, "glm", [0], True),
        ("yb ~ x + (1 | g)", "bernoulli", 30, "glm", [0], False),
        ("bf(y ~ x + (x | g), sigma ~ x)", "gaussian", 12, "plain", [0], False),
    ],
)
def test_form_and_metric(
    formula: str, family: str, levels: int, *, form: str, centred: list[int], dense: bool
) -> None:
    model = lowered(formula, family, frame(levels=levels))
    assert model.forms["likelihood"] == form
    assert [g.centred for g in model.structure.groups] == centred
    assert dense_metric(model) is dense


def _potential(model: LoweredModel, u: np.ndarray) -> tuple[float, np.ndarray]:
    with jax.enable_x64(True):
        data, prior_args = model.model_args
        value, grad = jax.value_and_grad(model.program.potential)(u, data, prior_args)
        return float(value), np.asarray(grad)


def test_lognormal_suffstat_equals_plain() -> None:
    data = frame()
    priors = [PRIORS[0], PRIORS[2]]
    fast = lowered("y ~ x", "lognormal", data, priors, likelihood="suffstat")
    plain = lowered("y ~ x", "lognormal", data, priors, likelihood="plain")
    assert fast.forms["likelihood"] == "suffstat"
    u = np.random.default_rng(1).normal(0.0, 0.3, fast.program.dim)
    (v1, g1), (v2, g2) = _potential(fast, u), _potential(plain, u)
    assert v1 == pytest.approx(v2, rel=1e-10)
    np.testing.assert_allclose(g1, g2, rtol=1e-8, atol=1e-8)


def test_lognormal_marginal_is_gaussian_on_log_y_with_the_jacobian() -> None:
    data = frame()
    logged = data.assign(y=np.log(data["y"]))
    model = lowered("y ~ x + (1 + x | g)", "lognormal", data, PRIORS)
    gauss = lowered("y ~ x + (1 + x | g)", "gaussian", logged, PRIORS)
    assert model.forms["likelihood"] == gauss.forms["likelihood"] == "marginal"
    u = np.random.default_rng(2).normal(0.0, 0.3, model.program.dim)
    (v1, g1), (v2, g2) = _potential(model, u), _potential(gauss, u)
    # potential = -log density: lognormal's is the gaussian's plus sum(log y)
    assert v1 - v2 == pytest.approx(float(np.sum(np.log(data["y"]))), rel=1e-10)
    np.testing.assert_allclose(g1, g2, rtol=1e-8, atol=1e-8)


def test_lognormal_marginal_posterior_agrees_with_the_plain_form() -> None:
    # The same posterior by two routes: group effects integrated out (and drawn from their
    # exact conditional) against brms's non-centred z sampled with the per-row density.
    data = frame(n=200, levels=10)
    out = {}
    for likelihood in ("auto", "plain"):
        model = lowered("y ~ x + (1 | g)", "lognormal", data, PRIORS, likelihood=likelihood)
        res = sample(model, chains=2, iter=1500, warmup=500, seed=11)
        if likelihood == "auto":
            assert not res.stats["diverging"].any()
        out[likelihood] = {
            "b": res.samples["b"][..., 0].ravel(),
            "Intercept": res.samples["b_Intercept"].ravel(),
            "sd": res.samples["sd_1"][..., 0].ravel(),
            "sigma": res.samples["sigma"].ravel(),
            "r": res.samples["r_1"][..., 3, 0].ravel(),
        }
    for name, ref in out["plain"].items():
        new = out["auto"][name]
        sd = ref.std()
        assert abs(new.mean() - ref.mean()) < 0.2 * sd, name
        assert new.std() == pytest.approx(sd, rel=0.15), name
