"""The distribution table: Stan's name -> log density, log CDFs, prior CDF and support.

One entry per distribution, shared by the two places that evaluate densities: prior terms
(:func:`brmsjax.backend.dists.densities.log_prior`, truncation in
:func:`brmsjax.backend.model.transforms.log_mass`) and response families
(:class:`brmsjax.backend.families.base.Family` reads its ``dist``'s entry). A distribution
brms offers as a prior (``prior=True``) is checked against its arity when a prior is parsed;
the others (``skew_normal``, the discrete ones) are response distributions only. ``lkj``,
``lkj_corr_cholesky``, ``dirichlet`` (of a ``mo()`` simplex) and ``constant`` are priors whose
terms are written elsewhere (the correlation factor's density, the simplex's Dirichlet, fixed
values), so they carry no functions here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import jax.numpy as jnp
from jax import Array

from brmsjax.backend.dists import stan as st
from brmsjax.backend.dists import stan_discrete as sd
from brmsjax.backend.dists import stan_families as sf
from brmsjax.backend.dists import stan_gev as sg
from brmsjax.backend.dists import stan_priors as sp

__all__ = ["DISTRIBUTIONS", "DIST_ARITY", "Distribution"]

Fn = Callable[..., Array]
PairFn = Callable[..., tuple[Array, Array]]
_REAL = (-math.inf, math.inf)
_POSITIVE = (0.0, math.inf)


@dataclass(frozen=True)
class Distribution:
    """One of Stan's distributions; every function takes ``(y, *args)`` in Stan's order.

    Attributes
    ----------
    name
        Stan's name (``"normal"``, ``"neg_binomial_2"``).
    arity
        Number of arguments.
    lpdf
        Log density (or mass) with every normalizing constant.
    lcdf, lccdf
        ``log P(Y <= y)`` and ``log P(Y > y)``, where a family censors or truncates with them.
    lcdfs
        Both at once, where they share an expensive evaluation (an incomplete beta function).
    cdf
        ``P(Y <= y)`` on the probability scale, for truncating a bounded prior.
    support
        ``(lower, upper)`` of the variable whatever the arguments; a prior's bound inside it
        truncates the prior (``uniform``'s own bounds are arguments, so it lists the real line).
    prior
        Whether brms offers it as a prior.
    """

    name: str
    arity: int
    lpdf: Fn | None = None
    lcdf: Fn | None = None
    lccdf: Fn | None = None
    lcdfs: PairFn | None = None
    cdf: Fn | None = None
    support: tuple[float, float] = _REAL
    prior: bool = True


def _flat_lpdf(y: Array) -> Array:
    return jnp.zeros_like(y)


_ENTRIES = (
    # priors, in the order brms's documentation lists them
    Distribution("flat", 0, _flat_lpdf),
    Distribution("normal", 2, st.normal_lpdf, st.normal_lcdf, st.normal_lccdf, cdf=sp.normal_cdf),
    Distribution("std_normal", 0, sp.std_normal_lpdf, cdf=sp.std_normal_cdf),
    Distribution(
        "student_t",
        3,
        st.student_t_lpdf,
        st.student_t_lcdf,
        st.student_t_lccdf,
        st.student_t_lcdfs,
        sp.student_t_cdf,
    ),
    Distribution("cauchy", 2, sp.cauchy_lpdf, cdf=sp.cauchy_cdf),
    Distribution(
        "double_exponential", 2, sp.double_exponential_lpdf, cdf=sp.double_exponential_cdf
    ),
    Distribution("logistic", 2, sp.logistic_lpdf, cdf=sp.logistic_cdf),
    Distribution(
        "exponential",
        1,
        st.exponential_lpdf,
        st.exponential_lcdf,
        st.exponential_lccdf,
        cdf=sp.exponential_cdf,
        support=_POSITIVE,
    ),
    Distribution(
        "gamma",
        2,
        st.gamma_lpdf,
        st.gamma_lcdf,
        st.gamma_lccdf,
        cdf=sp.gamma_cdf,
        support=_POSITIVE,
    ),
    Distribution("inv_gamma", 2, sp.inv_gamma_lpdf, cdf=sp.inv_gamma_cdf, support=_POSITIVE),
    Distribution(
        "lognormal",
        2,
        st.lognormal_lpdf,
        st.lognormal_lcdf,
        st.lognormal_lccdf,
        cdf=sp.lognormal_cdf,
        support=_POSITIVE,
    ),
    Distribution("chi_square", 1, sp.chi_square_lpdf, cdf=sp.chi_square_cdf, support=_POSITIVE),
    Distribution(
        "inv_chi_square", 1, sp.inv_chi_square_lpdf, cdf=sp.inv_chi_square_cdf, support=_POSITIVE
    ),
    Distribution(
        "weibull",
        2,
        st.weibull_lpdf,
        st.weibull_lcdf,
        st.weibull_lccdf,
        cdf=sp.weibull_cdf,
        support=_POSITIVE,
    ),
    Distribution(
        "frechet",
        2,
        sp.frechet_lpdf,
        sf.frechet_lcdf,
        sf.frechet_lccdf,
        cdf=sp.frechet_cdf,
        support=_POSITIVE,
    ),
    Distribution(
        "beta",
        2,
        st.beta_lpdf,
        st.beta_lcdf,
        st.beta_lccdf,
        st.beta_lcdfs,
        sp.beta_cdf,
        support=(0.0, 1.0),
    ),
    Distribution("uniform", 2, sp.uniform_lpdf, cdf=sp.uniform_cdf),
    Distribution("lkj", 1),
    Distribution("lkj_corr_cholesky", 1),
    Distribution("constant", 1),
    Distribution("dirichlet", 1),
    # response distributions only
    Distribution(
        "skew_normal",
        3,
        st.skew_normal_lpdf,
        st.skew_normal_lcdf,
        st.skew_normal_lccdf,
        prior=False,
    ),
    Distribution("exp_mod_normal", 3, st.exp_mod_normal_lpdf, prior=False),
    Distribution(
        "shifted_lognormal",
        3,
        sf.shifted_lognormal_lpdf,
        sf.shifted_lognormal_lcdf,
        sf.shifted_lognormal_lccdf,
        prior=False,
    ),
    Distribution(
        "inv_gaussian",
        2,
        sf.inv_gaussian_lpdf,
        sf.inv_gaussian_lcdf,
        sf.inv_gaussian_lccdf,
        support=_POSITIVE,
        prior=False,
    ),
    Distribution(
        "asym_laplace",
        3,
        sf.asym_laplace_lpdf,
        sf.asym_laplace_lcdf,
        sf.asym_laplace_lccdf,
        prior=False,
    ),
    Distribution(
        "gen_extreme_value",
        3,
        sg.gen_extreme_value_lpdf,
        sg.gen_extreme_value_lcdf,
        sg.gen_extreme_value_lccdf,
        prior=False,
    ),
    Distribution("von_mises", 2, st.von_mises_lpdf, support=(-math.pi, math.pi), prior=False),
    Distribution(
        "bernoulli",
        1,
        sd.bernoulli_lpmf,
        sd.bernoulli_lcdf,
        sd.bernoulli_lccdf,
        support=(0.0, 1.0),
        prior=False,
    ),
    Distribution(
        "binomial",
        2,
        sd.binomial_lpmf,
        sd.binomial_lcdf,
        sd.binomial_lccdf,
        sd.binomial_lcdfs,
        support=_POSITIVE,
        prior=False,
    ),
    Distribution("beta_binomial", 3, sd.beta_binomial_lpmf, support=_POSITIVE, prior=False),
    Distribution(
        "poisson",
        1,
        sd.poisson_lpmf,
        sd.poisson_lcdf,
        sd.poisson_lccdf,
        support=_POSITIVE,
        prior=False,
    ),
    Distribution(
        "neg_binomial_2",
        2,
        sd.neg_binomial_2_lpmf,
        sd.neg_binomial_2_lcdf,
        sd.neg_binomial_2_lccdf,
        sd.neg_binomial_2_lcdfs,
        support=_POSITIVE,
        prior=False,
    ),
)

#: Every distribution by Stan's name.
DISTRIBUTIONS: dict[str, Distribution] = {d.name: d for d in _ENTRIES}
#: Number of arguments of every distribution brms offers as a prior, in Stan's order.
DIST_ARITY: dict[str, int] = {d.name: d.arity for d in _ENTRIES if d.prior}
