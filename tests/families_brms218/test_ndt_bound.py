"""shifted_lognormal's ``ndt < min_Y``: the bound is an argument of the program, not code.

brms 2.18 declares ``real<lower=0,upper=min_Y> ndt`` with ``min_Y = min(Y)`` in transformed
data and the default prior ``uniform(0, min_Y)``. The checks: two responses with different
minima share one structure (one compiled program) and differ only in ``prior_args``; the
potential at a point equals Stan's ``-lp__`` written out with scipy (likelihood, priors with
their truncation, the Jacobians of ``sigma``'s log and ``ndt``'s scaled logit transform); a
user prior on ndt is truncated at the data's bound; initial values are mapped to the site.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit

import brmsjax as bj
from brmsjax.backend.infer.inits import _init_values
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.backend.priors.resolve import PriorsLike, resolve_priors
from brmsjax.formula.design.design import build_design


def _data(seed: int, shift: float, n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"y": shift + np.exp(0.2 + 0.5 * x + 0.4 * rng.normal(size=n)), "x": x})


def _lowered(data: pd.DataFrame, priors: PriorsLike = None) -> LoweredModel:
    family = bj.shifted_lognormal()
    design = build_design("y ~ x", data, family=family)
    return lower(design, family, resolve_priors(design, family, priors), reparam=False)


def test_min_y_is_an_argument_not_structure() -> None:
    a, b = _data(1, 0.3), _data(2, 0.9)
    la, lb = _lowered(a), _lowered(b)
    assert la.structure == lb.structure
    assert la.program is lb.program
    assert float(la.prior_args["ndt"]["ub"]) == a["y"].min()
    assert float(lb.prior_args["ndt"]["ub"]) == b["y"].min()
    np.testing.assert_allclose(la.prior_args["ndt"]["p0"], [[0.0, a["y"].min()]])
    (ndt,) = [v for v in la.structure.vectors if v.name == "ndt"]
    assert (ndt.lb, ndt.ub, ndt.ub_arg) == (0.0, None, True)


def _stan_lp(
    data: pd.DataFrame, b: float, icpt: float, sigma: float, *, u: float, ndt_prior: str
) -> float:
    """brms's Stan ``lp__`` (unconstrained, with Jacobians) at ``ndt = min_Y * u``."""
    y, x = data["y"].to_numpy(), data["x"].to_numpy()
    min_y = y.min()
    ndt = min_y * u
    mu = icpt + b * (x - x.mean())
    lp = stats.lognorm.logpdf(y - ndt, sigma, scale=np.exp(mu)).sum()
    lp += stats.t.logpdf(icpt, 3, 0.6, 2.5)  # the default prior here
    lp += stats.t.logpdf(sigma, 3, 0, 2.5) - stats.t.logsf(0, 3, 0, 2.5)
    if ndt_prior == "default":  # uniform(0, min_Y), truncated to [0, min_Y]: no mass lost
        lp += -math.log(min_y)
    else:  # normal(0.2, 0.1) truncated to [0, min_Y]
        dist = stats.norm(0.2, 0.1)
        lp += dist.logpdf(ndt) - math.log(dist.cdf(min_y) - dist.cdf(0.0))
    lp += math.log(sigma)  # Jacobian of sigma = exp(.)
    lp += math.log(min_y) + math.log(u) + math.log1p(-u)  # of ndt = min_Y * inv_logit(.)
    return float(lp)


@pytest.mark.parametrize("ndt_prior", ["default", "normal"])
def test_potential_equals_stans_lp(ndt_prior: str) -> None:
    data = _data(3, 0.4)
    priors = None if ndt_prior == "default" else bj.prior("normal(0.2, 0.1)", class_="ndt")
    low = _lowered(data, priors)
    assert bj.get_prior("y ~ x", data, family=bj.shifted_lognormal())["prior"].iloc[2] == (
        "student_t(3, 0.6, 2.5)"
    )
    names = [s.name for s in low.sites]
    assert names == ["Intercept", "b", "sigma", "ndt"]
    raw = {"b": np.array([0.45]), "Intercept": 0.3, "sigma": math.log(0.5), "ndt": -0.4}
    with jax.enable_x64(True):
        u = jnp.concatenate([jnp.atleast_1d(jnp.asarray(raw[n], dtype=float)) for n in names])
        got = float(low.program.potential(u, *low.model_args))
    want = _stan_lp(data, 0.45, 0.3, 0.5, u=float(expit(-0.4)), ndt_prior=ndt_prior)
    assert -got == pytest.approx(want, rel=1e-10)


def test_init_ndt_maps_into_the_bound() -> None:
    data = _data(4, 0.5)
    low = _lowered(data)
    min_y = data["y"].min()
    u, mask = _init_values(low, {"ndt": 0.25 * min_y, "sigma": 0.5}, np.float64)
    offsets = {s.name: i for i, s in enumerate(low.sites)}  # one element each after b
    assert u[offsets["ndt"]] == pytest.approx(math.log(0.25 / 0.75))
    assert u[offsets["sigma"]] == pytest.approx(math.log(0.5))
    assert mask.sum() == 2
