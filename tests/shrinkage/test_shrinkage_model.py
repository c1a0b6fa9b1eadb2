"""The shrinkage priors' model against brms's Stan code (``fixtures/shrinkage/stancode.txt``).

The log density and ``lprior`` of the lowered model equal brms's program written out with
scipy; the hyperparameters are arguments of one shared program; sampling the prior alone
gives the coefficients' prior as simulated with numpy from brms's definitions; a sparse
regression is recovered.
"""

from __future__ import annotations

import json
import math
from functools import partial
from pathlib import Path

import jax
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from brmsjax import brm, prior
from brmsjax.api import design_for
from brmsjax.backend.cache import ONE_OFF_OPTIONS
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "shrinkage" / "brms_shrinkage.json").read_text()
)
DATA = pd.DataFrame(FIXTURE["data"]).assign(c=lambda d: np.round(np.exp(d["x1"] + 1.0)).astype(int))
fast_jit = partial(jax.jit, compiler_options=ONE_OFF_OPTIONS)
HALF = math.log(0.5)

CASES = {
    "horseshoe": ("y", "gaussian", "horseshoe(1)"),
    "horseshoe_args": (
        "y",
        "gaussian",
        "horseshoe(df = 3, df_global = 2, scale_slab = 1.5, df_slab = 6, par_ratio = 0.2, "
        "autoscale = FALSE)",
    ),
    "horseshoe_poisson": ("c", "poisson", "horseshoe(2, scale_global = 0.5)"),
    "R2D2": ("y", "gaussian", "R2D2(0.3, 3, c(1, 2, 3))"),
    "R2D2_noscale": ("y", "gaussian", "R2D2(autoscale = FALSE)"),
    "lasso": ("y", "gaussian", "lasso(2, 0.5)"),
}


def _t(x: np.ndarray, df: float, loc: float, scale: float) -> float:
    return float(np.sum(stats.t.logpdf(x, df, loc, scale)))


def stan_log_density(case: str, v: dict, resolved: dict) -> tuple[float, float, np.ndarray]:
    """brms's target, lprior and b at the constrained values ``v``, from its Stan code."""
    resp, family, text = CASES[case]
    spec = resolved["b"].specs[0]
    a = spec.args
    X = DATA[["x1", "x2", "x3"]].to_numpy()
    Xc = X - X.mean(axis=0)
    icpt = resolved["Intercept"].specs[0].args
    lprior = _t(v["Intercept"], *icpt)
    sigma = 1.0
    if family == "gaussian":
        sig = resolved["sigma"].specs[0].args
        sigma = float(v["sigma"])
        lprior += _t(sigma, *sig) - HALF
    local = 0.0
    if spec.dist == "horseshoe":
        df, scale_global, df_global, scale_slab, df_slab, ratio, auto = a
        if not math.isnan(ratio):
            scale_global = ratio / math.sqrt(len(DATA))
        scale = scale_global * (sigma if auto and family == "gaussian" else 1.0)
        lprior += _t(v["hs_global"], df_global, 0, scale) - HALF
        lprior += stats.invgamma.logpdf(v["hs_slab"], 0.5 * df_slab, scale=0.5 * df_slab)
        local += float(np.sum(stats.norm.logpdf(v["zb"])))
        local += _t(v["hs_local"], df, 0, 1) - 3 * HALF
        c2 = scale_slab**2 * v["hs_slab"]
        lam2 = v["hs_local"] ** 2
        b = v["zb"] * np.sqrt(c2 * lam2 / (c2 + v["hs_global"] ** 2 * lam2)) * v["hs_global"]
    elif spec.dist == "R2D2":
        mean, prec, auto = a[:3]
        cons = np.asarray(a[3:] if len(a) > 4 else a[3:] * 3)
        lprior += stats.beta.logpdf(v["R2D2_R2"], mean * prec, (1 - mean) * prec)
        local += float(np.sum(stats.norm.logpdf(v["zb"])))
        local += stats.dirichlet.logpdf(v["R2D2_phi"], cons)
        tau2 = (sigma**2 if auto else 1.0) * v["R2D2_R2"] / (1 - v["R2D2_R2"])
        b = v["zb"] * np.sqrt(v["R2D2_phi"] * tau2)
    else:
        df, scale = a
        lprior += stats.chi2.logpdf(v["lasso_inv_lambda"], df)
        b = v["b"]
        local += float(np.sum(stats.laplace.logpdf(b, 0, scale * v["lasso_inv_lambda"])))
    eta = v["Intercept"] + Xc @ b
    y = DATA[resp].to_numpy()
    if family == "gaussian":
        loglik = float(np.sum(stats.norm.logpdf(y, eta, sigma)))
    else:
        loglik = float(np.sum(stats.poisson.logpmf(y, np.exp(eta))))
    return loglik + lprior + local, lprior, b


def lowered_case(case: str, reparam: bool = True):  # noqa: ANN201 - a LoweredModel and priors
    resp, family, text = CASES[case]
    fam = get_family(family)
    design = design_for(f"{resp} ~ x1 + x2 + x3", DATA, fam)
    resolved = resolve_priors(design, fam, prior(text))
    return lower(design, fam, resolved, reparam=reparam), resolved


@pytest.mark.parametrize("reparam", [True, False], ids=["reparam", "brms coordinates"])
@pytest.mark.parametrize("case", CASES)
def test_log_density_equals_brms_stan_code(case: str, reparam: bool) -> None:
    lowered, resolved = lowered_case(case, reparam)
    prog = lowered.program

    def evaluate(u: jax.Array, data: dict, prior_args: dict) -> tuple:
        v = prog.constrain(u)
        params = prog.assemble(v, prior_args, data)
        return v, prog.log_density(v, data, prior_args), prog.lprior(params, prior_args), params

    data, prior_args = lowered.model_args
    u = np.random.default_rng(3).uniform(-1.5, 1.5, (3, prog.dim))
    with jax.enable_x64(True):
        values, got, lprior, params = fast_jit(jax.vmap(evaluate, (0, None, None)))(
            u, data, prior_args
        )
    for i in range(len(u)):
        v = {k: np.asarray(x[i], dtype=float) for k, x in values.items()}
        v["b"] = np.asarray(params["b"][i])  # b itself (a lasso's b site holds R b)
        target, expected_lprior, b = stan_log_density(case, v, resolved)
        assert float(got[i]) == pytest.approx(target, rel=1e-10, abs=1e-8)
        assert float(lprior[i]) == pytest.approx(expected_lprior, rel=1e-10, abs=1e-8)
        np.testing.assert_allclose(v["b"], b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("horseshoe(1)", "horseshoe(3, scale_global = 0.3, scale_slab = 1, par_ratio = 0.5)"),
        ("R2D2()", "R2D2(0.2, 5, c(1, 2, 3))"),
        ("lasso()", "lasso(3, 0.1)"),
    ],
)
def test_hyperparameters_are_program_arguments(first: str, second: str) -> None:
    fam = get_family("gaussian")
    design = design_for("y ~ x1 + x2 + x3", DATA, fam)
    one = lower(design, fam, resolve_priors(design, fam, prior(first)))
    two = lower(design, fam, resolve_priors(design, fam, prior(second)))
    assert one.program is two.program
    assert not all(
        np.array_equal(one.prior_args["shrink"][k], two.prior_args["shrink"][k])
        for k in one.prior_args["shrink"]
    )


def _half_t(rng: np.random.Generator, df: float, scale: np.ndarray | float, n: int) -> np.ndarray:
    return np.abs(scale * rng.standard_t(df, n))


def numpy_prior_b(text: str, n: int) -> np.ndarray:
    """Draws of one coefficient from brms's definition (with brms's default sigma prior)."""
    rng = np.random.default_rng(0)
    sigma = _half_t(rng, 3, 2.5, n)  # student_t(3, 0, 2.5), lb = 0: the data's default
    z = rng.normal(size=n)
    if text.startswith("horseshoe"):
        tau = _half_t(rng, 1, sigma, n)  # hs_scale_global = 1, autoscale
        lam = _half_t(rng, 1, 1.0, n)
        c2 = 4.0 / rng.gamma(2.0, 1 / 2.0, n)  # hs_scale_slab^2 * inv_gamma(2, 2)
        return z * np.sqrt(c2 * lam**2 / (c2 + tau**2 * lam**2)) * tau
    r2 = rng.beta(1.0, 1.0, n)  # mean_R2 = 0.5, prec_R2 = 2
    phi = rng.dirichlet([1.0, 1.0, 1.0], n)[:, 0]
    return z * np.sqrt(phi * sigma**2 * r2 / (1 - r2))


@pytest.mark.slow
@pytest.mark.parametrize("text", ["horseshoe(1)", "R2D2()"])
def test_sampled_prior_is_brms_prior(text: str) -> None:
    # the horseshoe's funnel near tau = 0 needs small steps (as in Stan) to reach the lower tail
    control = {"adapt_delta": 0.99}
    fit = brm(
        "y ~ x1 + x2 + x3", DATA, prior=prior(text), sample_prior="only", seed=2, control=control
    )
    b = np.abs(fit.draws()[["b_x1", "b_x2", "b_x3"]].to_numpy().ravel())
    ref = np.abs(numpy_prior_b(text, 400_000))
    q = [0.1, 0.25, 0.5, 0.75, 0.9]
    np.testing.assert_allclose(np.quantile(b, q), np.quantile(ref, q), rtol=0.1)
