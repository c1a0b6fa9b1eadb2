"""Prior constants computed once: the programs the sampler compiles hold no log-gamma function.

Student's t (brms's default prior of intercepts, ``sd`` and ``sigma``) and the LKJ prior have
log-gamma functions of the prior values in their constants; ``prepare`` computes them once
(:mod:`brmsjax.backend.dists.prior_constants`), so XLA does not compile the long expansion of
``lgamma`` into every program that evaluates ``lprior``. The constant plus the kernel must give
the full density (scipy's), and ``lprior`` must not change.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.extend.core import ClosedJaxpr, Jaxpr
from scipy import stats

import brmsjax
from brmsjax.api import design_for
from brmsjax.backend.dists.prior_constants import prior_constant, prior_kernel
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.model.lower import lower
from brmsjax.backend.model.prior_values import structure_lprior
from brmsjax.backend.model.transforms import (
    lkj_corr_cholesky_constant,
    lkj_corr_cholesky_kernel,
    lkj_corr_cholesky_lpdf,
)
from brmsjax.backend.priors.resolve import resolve_priors


@pytest.mark.parametrize(
    ("x", "args"),
    [
        (np.array([0.3, -2.0, 250.0]), np.array([3.0, 288.7, 59.3])),
        (np.array([1.5]), np.array([7.5, 0.0, 2.5])),
        # one argument vector per element
        (np.array([0.1, 4.0]), np.array([[3.0, 0.0, 1.0], [10.0, 2.0, 0.5]])),
    ],
)
def test_student_t_constant_plus_kernel_is_the_density(x: np.ndarray, args: np.ndarray) -> None:
    with jax.enable_x64(True):
        value = prior_constant("student_t", jnp.asarray(args), x.size) + prior_kernel(
            "student_t", jnp.asarray(x), jnp.asarray(args)
        )
    nu, mu, sigma = np.moveaxis(np.broadcast_to(args, (x.size, 3)), -1, 0)
    expected = stats.t.logpdf(x, nu, mu, sigma).sum()
    assert float(value) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(("K", "eta"), [(2, 1.0), (3, 2.0), (4, 0.5)])
def test_lkj_constant_plus_kernel_is_the_density(K: int, eta: float) -> None:
    rng = np.random.default_rng(K)
    A = rng.normal(size=(K, 2 * K))
    cor = np.corrcoef(A)
    L = np.linalg.cholesky(cor)
    with jax.enable_x64(True):
        split = lkj_corr_cholesky_constant(K, jnp.asarray(eta)) + lkj_corr_cholesky_kernel(
            jnp.asarray(L), jnp.asarray(eta)
        )
        full = lkj_corr_cholesky_lpdf(jnp.asarray(L), jnp.asarray(eta))
    assert float(split) == pytest.approx(float(full), rel=1e-13)
    if K == 2 and eta == 1.0:  # a uniform correlation on (-1, 1)
        assert float(full) == pytest.approx(-math.log(2.0), rel=1e-13)


def _primitives(jaxpr: Jaxpr, out: set[str]) -> set[str]:
    for eqn in jaxpr.eqns:
        out.add(eqn.primitive.name)
        for value in eqn.params.values():
            for sub in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(sub, ClosedJaxpr):
                    _primitives(sub.jaxpr, out)
                elif isinstance(sub, Jaxpr):
                    _primitives(sub, out)
    return out


# The binomial likelihood's log-gamma functions of the data (its binomial coefficient) are
# host constants in the glm form that likelihood="auto" gives it on a CPU; the plain form
# keeps them.
MODELS = [
    ("Reaction ~ Days + (Days | Subject)", "sleepstudy", "gaussian", False),
    ("rating ~ temp + contact + (1 | judge)", "wine", "cumulative", False),
    (
        "incidence | trials(size) ~ period + (1 | herd)",
        "cbpp",
        "binomial",
        jax.default_backend() != "cpu",
    ),
]


@pytest.mark.parametrize(("formula", "data", "family", "lgamma"), MODELS)
def test_prepared_lprior_equals_the_full_one_and_the_gradient_has_no_lgamma(
    formula: str, data: str, family: str, lgamma: bool
) -> None:
    fam = get_family(family)
    design = design_for(formula, getattr(brmsjax.datasets, data)(), fam)
    lowered = lower(design, fam, resolve_priors(design, fam, None))
    prog = lowered.program
    data_args, prepared = lowered.model_args
    full_args = {
        name: {k: v for k, v in group.items() if not (k == "const" or k[0] == "c")}
        for name, group in prepared.items()
    }
    u = np.random.default_rng(1).normal(size=prog.dim)
    with jax.enable_x64(True):
        params = prog.assemble(prog.constrain(jnp.asarray(u)), prepared, data_args)
        split = structure_lprior(prog.structure, params, prepared)
        full = structure_lprior(prog.structure, params, full_args)
        jaxpr = jax.make_jaxpr(jax.value_and_grad(prog.potential))(u, data_args, prepared)
    assert float(split) == pytest.approx(float(full), rel=1e-13)
    assert ("lgamma" in _primitives(jaxpr.jaxpr, set())) is lgamma
