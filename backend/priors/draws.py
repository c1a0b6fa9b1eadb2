"""Draws from the priors, as brms 2.18's ``sample_prior = "yes"`` adds them to a fit.

brms writes one ``prior_<class>`` quantity per distinct prior of a class into the Stan
program's generated quantities (``real prior_b = normal_rng(0, 1);``) and renames them after
sampling: ``prior_b`` when every coefficient of the class shares one prior, else one per
coefficient (``prior_b_zAge``); ``prior_sd_<group>`` (or ``prior_sd_<group>__<coef>``),
``prior_cor_<group>`` (the ``[1, 2]`` element of an LKJ draw), ``prior_Intercept``,
``prior_sigma`` and the other scalar parameters. Bounded priors are truncated to their
bounds (brms redraws until the value is inside). Parameters with flat (improper) or
``constant()`` priors get no draws, as in brms.

Classes brms also draws but brmsjax does not yet (``bsp``, ``simo``, ``sds``, ``sdgp``,
``lscale``, ``bcs``, the ARMA and shrinkage classes) are left out; :func:`prior_draws` lists
what it covers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import Family
from brmsjax.backend.priors.rows import scalar_dpars
from brmsjax.formula import names
from brmsjax.formula.design.ir import Design

__all__ = ["prior_draws", "spec_draws"]


@functools.cache
def _scipy() -> dict[str, Callable[..., Any]]:
    """Stan's name -> the scipy.stats distribution with Stan's arguments (scipy.stats is
    imported on the first use: it is slow to import and most fits never need it)."""
    from scipy import stats

    return {
        "normal": stats.norm,
        "std_normal": lambda: stats.norm(0.0, 1.0),
        "student_t": stats.t,
        "cauchy": stats.cauchy,
        "double_exponential": stats.laplace,
        "logistic": stats.logistic,
        "exponential": lambda beta: stats.expon(scale=1.0 / beta),
        "gamma": lambda alpha, beta: stats.gamma(alpha, scale=1.0 / beta),
        "inv_gamma": lambda alpha, beta: stats.invgamma(alpha, scale=beta),
        "lognormal": lambda mu, sigma: stats.lognorm(sigma, scale=np.exp(mu)),
        "chi_square": stats.chi2,
        "inv_chi_square": lambda nu: stats.invgamma(nu / 2.0, scale=0.5),
        "weibull": lambda alpha, sigma: stats.weibull_min(alpha, scale=sigma),
        "frechet": lambda alpha, sigma: stats.invweibull(alpha, scale=sigma),
        "beta": stats.beta,
        "uniform": lambda a, b: stats.uniform(a, b - a),
        "skew_normal": lambda xi, omega, alpha: stats.skewnorm(alpha, xi, omega),
        "exp_mod_normal": lambda mu, sigma, lam: stats.exponnorm(1.0 / (sigma * lam), mu, sigma),
        "von_mises": lambda mu, kappa: stats.vonmises(kappa, loc=mu),
    }


def spec_draws(spec: PriorSpec, n: int, rng: np.random.Generator) -> np.ndarray | None:
    """``n`` draws of one prior, truncated to its bounds; None for a prior with no draws.

    Flat, ``constant()``, ``lkj``, ``dirichlet`` and brms's shrinkage priors have no
    independent draws here (the correlation prior is drawn by :func:`lkj_marginal_draws`).
    """
    make = _scipy().get(spec.dist)
    if make is None:
        return None
    d = make(*spec.args)
    lo = 0.0 if spec.lb is None else float(d.cdf(spec.lb))
    hi = 1.0 if spec.ub is None else float(d.cdf(spec.ub))
    if spec.lb is None and spec.ub is None:
        return np.asarray(d.rvs(size=n, random_state=rng), dtype=np.float64)
    # inverse-CDF sampling inside the bounds: the distribution of brms's rejection loop
    u = rng.uniform(lo, hi, size=n)
    return np.asarray(d.ppf(u), dtype=np.float64)


def lkj_marginal_draws(eta: float, dim: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """One correlation of an LKJ(``eta``) matrix of size ``dim``: brms's
    ``lkj_corr_rng(M, eta)[1, 2]``, whose marginal is ``2 Beta(b, b) - 1`` with
    ``b = eta - 1 + dim / 2``."""
    b = eta - 1.0 + dim / 2.0
    return 2.0 * rng.beta(b, b, size=n) - 1.0


def _class_draws(
    prefix: str,
    specs: Sequence[PriorSpec],
    labels: Sequence[str],
    n: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """brms's ``prior_<class>`` (one prior shared by every element) or one per element."""
    out: dict[str, np.ndarray] = {}
    if not specs:
        return out
    if all(s == specs[0] for s in specs):
        x = spec_draws(specs[0], n, rng)
        if x is not None:
            out[prefix] = x
        return out
    for spec, label in zip(specs, labels, strict=True):
        x = spec_draws(spec, n, rng)
        if x is not None:
            out[f"{prefix}_{label}"] = x
    return out


def prior_draws(
    priors: Mapping[str, Any],
    design: Design,
    family: Family,
    n: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """brms's ``prior_*`` draws of a model, keyed by brms's names after renaming.

    Parameters
    ----------
    priors
        The resolved priors (``param -> ParamPrior`` of
        :func:`brmsjax.backend.priors.resolve.resolve_priors`).
    design
        The model's design (coefficient, group and level names).
    family
        The model's family (its distributional parameters that are single parameters in
        this model get ``prior_sigma``, ``prior_nu``, ...).
    n
        Number of draws (the fit's posterior draws).
    rng
        The random generator.

    Returns
    -------
    dict
        ``prior_Intercept``, ``prior_b`` / ``prior_b_<coef>``, ``prior_<dpar>``,
        ``prior_Intercept_<dpar>``, ``prior_b_<dpar>``, ``prior_sd_<group>`` /
        ``prior_sd_<group>__<coef>`` and ``prior_cor_<group>``, in brms's order.
    """
    out: dict[str, np.ndarray] = {}
    for block in design.fixed:
        sfx = f"_{block.dpar}" if block.dpar else ""
        smooth = set(block.smooth)
        b = priors.get("b" + sfx)
        if b is not None:
            keep = [i for i, c in enumerate(block.slope_columns) if c not in smooth]
            specs = [b.specs[i] for i in keep]
            labels = [block.slope_columns[i] for i in keep]
            out.update(_class_draws(f"prior_b{sfx}", specs, labels, n, rng))
        icpt = priors.get("Intercept" + sfx)
        if icpt is not None:
            labels = [str(k) for k in range(1, len(icpt.specs) + 1)]
            out.update(_class_draws(f"prior_Intercept{sfx}", icpt.specs, labels, n, rng))
    for dpar in scalar_dpars(design, family):
        p = priors.get(dpar)
        if p is not None:
            out.update(_class_draws(f"prior_{dpar}", p.specs, [""], n, rng))
    lncor = priors.get("L_lncor")  # logistic_normal: brms's lkj_corr_rng(ncat - 1, eta)[1, 2]
    if lncor is not None and lncor.specs[0].dist == "lkj" and len(family.dpars) > 1:
        eta = float(lncor.specs[0].args[0])
        out["prior_Llncor"] = lkj_marginal_draws(eta, len(family.dpars), n, rng)
    for g in design.groups:
        sd = priors.get(f"sd_{g.id}")
        if sd is not None:
            labels = [
                names.sd_name(g.group, c, d).split("__", 1)[1]
                for c, d in zip(g.coefs, g.dpars, strict=True)
            ]
            labels = ["_" + lab for lab in labels]
            for name, x in _class_draws(f"prior_sd_{g.group}", sd.specs, labels, n, rng).items():
                out.setdefault(name, x)
        lkj = priors.get(f"L_{g.id}")
        if lkj is not None and lkj.specs[0].dist == "lkj":
            eta = float(lkj.specs[0].args[0])
            out.setdefault(f"prior_cor_{g.group}", lkj_marginal_draws(eta, g.M, n, rng))
    return out
