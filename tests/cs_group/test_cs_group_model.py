"""The lowered model of ``(cs(1) | g)`` terms: its log density at fixed parameters equals
brms's Stan program written out in numpy and scipy.

brms's program (``tests/fixtures/cs_group/*.stan``): ``mu = Xc b`` plus the ordinary group
effects, ``mucs[n, k] = Xcs[n] bcs[, k] + sum r_m[J[n]] Z_m[n]`` over the category-specific
coefficients ``m`` of threshold ``k``, and ``Y[n] ~ <family>_logit(mu[n], 1, Intercept -
mucs[n])``; ``r = (diag(sd) L z)'`` (``||``: ``sd z``), ``z ~ N(0, 1)``, ``sd`` half
student-t(3, 0, 2.5), ``Intercept`` student-t(3, 0, 2.5), ``L ~ lkj_corr_cholesky(1)``.
brms 2.18's generated code adds the ``r`` loop twice when mu has population-level slopes (a
partial-matching slip in its ``stan_eta_combine``, fixed upstream); these references add it
once, as brms's own predictions and later brms versions do. ``acat_cs_both.stan`` has no
slope in mu, and there brms 2.18's program is exactly the one below.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import jax
import numpy as np
import pytest
from scipy import special, stats

import brmsjax
from brmsjax.api import design_for, get_family, resolve_priors
from brmsjax.backend.model.lower import lower
from tests.cs_group.test_cs_group_design import data


@pytest.fixture(autouse=True)
def _x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


def _lpmf(family: str, y: np.ndarray, mu: np.ndarray, thres: np.ndarray) -> np.ndarray:
    """brms 2.18's ``<family>_logit_lpmf`` (disc = 1) per row; ``thres`` is ``(N, nthres)``."""
    eta = mu[:, None] - thres  # (N, K)
    n, k = thres.shape
    if family == "cumulative":
        cdf = np.concatenate([np.zeros((n, 1)), special.expit(-eta), np.ones((n, 1))], axis=1)
        p = np.diff(cdf, axis=1)
        return np.log(p[np.arange(n), y - 1])
    if family == "acat":
        p = np.concatenate([np.zeros((n, 1)), np.cumsum(eta, axis=1)], axis=1)
        return p[np.arange(n), y - 1] - special.logsumexp(p, axis=1)
    # sratio: q = log(1 - inv_logit(thres - mu)); cratio: q = log(inv_logit(mu - thres))
    q = special.log_expit(eta) if family == "cratio" else np.log1p(-special.expit(-eta))
    out = np.empty(n)
    for i in range(n):
        j = y[i] - 1
        out[i] = q[i].sum() if j == k else np.log1p(-np.exp(q[i, j])) + q[i, :j].sum()
    return out


def _lkj1_cholesky(L: np.ndarray) -> float:
    """Stan's ``lkj_corr_cholesky_lpdf(L | 1)`` for 2 or 3 dimensions: the uniform density of
    the correlation matrix (volume 2, pi^2 / 2) times the Jacobian ``prod L_kk^(K - k)``."""
    K = L.shape[0]
    volume = {2: 2.0, 3: np.pi**2 / 2}[K]
    return float(-np.log(volume) + sum((K - k) * np.log(L[k - 1, k - 1]) for k in range(1, K + 1)))


def brms_target(sdata: dict, coefs: list[list[str]], family: str, v: dict) -> tuple[float, float]:
    """brms's Stan ``target`` and ``lprior`` (default priors) of the model in numpy/scipy."""
    N, T = sdata["N"], sdata["nthres"]
    X = np.asarray(sdata["X"], float).reshape(N, -1)
    mu = (X - X.mean(axis=0)) @ v["b"] if X.shape[1] else np.zeros(N)
    mucs = (
        np.asarray(sdata["Xcs"], float).reshape(N, -1) @ v["bcs"]
        if "bcs" in v
        else np.zeros((N, T))
    )
    half_t = stats.t.logsf(0.0, 3, 0.0, 2.5)
    lprior = stats.t.logpdf(v["Intercept"], 3, 0, 2.5).sum()
    target = 0.0
    for i, names in enumerate(coefs, 1):
        sd, z = v[f"sd_{i}"], v[f"z_{i}"]
        scale = np.diag(sd) @ v[f"L_{i}"] if f"L_{i}" in v else np.diag(sd)
        r = (scale @ z).T  # (N_i, M_i)
        J = np.asarray(sdata[f"J_{i}"]) - 1
        for m, name in enumerate(names):
            part = r[J, m] * np.asarray(sdata[f"Z_{i}_{m + 1}"], float)
            k = re.search(r"\[(\d+)\]$", name)
            if k:  # a category-specific effect: threshold k's predictor
                mucs[:, int(k.group(1)) - 1] += part
            else:
                mu = mu + part
        lprior += stats.t.logpdf(sd, 3, 0, 2.5).sum() - len(sd) * half_t
        if f"L_{i}" in v:
            lprior += _lkj1_cholesky(v[f"L_{i}"])
        target += stats.norm.logpdf(z).sum()
    thres = v["Intercept"][None, :] - mucs
    loglik = _lpmf(family, np.asarray(sdata["Y"], int), mu, thres).sum()
    return float(target + lprior + loglik), float(lprior)


CASES = [
    ("y ~ x + (cs(1) | g)", "acat"),
    ("y ~ x + (cs(x) || g)", "sratio"),
    ("y ~ x + (1 | g) + (cs(1) || h)", "cratio"),
    ("y ~ x + (cs(1) || g)", "cumulative"),
    ("y ~ cs(x) + (cs(1) || g)", "acat"),
    ("y ~ x + (cs(1) | g) + (cs(x) || h)", "sratio"),
]


def _corr_cholesky(rng: np.random.Generator, K: int) -> np.ndarray:
    A = rng.normal(size=(K, 2 * K))
    S = A @ A.T
    d = np.sqrt(np.diag(S))
    return np.linalg.cholesky(S / np.outer(d, d))


@pytest.mark.parametrize(("formula", "family"), CASES)
def test_log_density_is_brms(formula: str, family: str) -> None:
    d, fam = data(), get_family(family)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # cumulative's cs() warning
        design = design_for(formula, d, fam)
        sdata = brmsjax.make_standata(formula, d, family=family)
    lowered = lower(design, fam, resolve_priors(design, fam, None), reparam=False)
    rng = np.random.default_rng(18)
    v: dict[str, np.ndarray] = {"Intercept": np.array([-0.9, 0.2, 1.1])}
    for site in lowered.sites:
        if site.name == "b":
            v["b"] = np.array([0.45])
        elif site.name == "bcs":
            v["bcs"] = np.array([[0.3, -0.2, 0.5]])
        elif site.name.startswith("sd_"):
            high = 0.15 if family == "cumulative" else 1.5  # cumulative: thresholds in order
            v[site.name] = rng.uniform(0.05, high, site.shape)
        elif site.name.startswith("z_"):
            v[site.name] = rng.normal(size=site.shape)
        elif site.name.startswith("L_"):
            v[site.name] = _corr_cholesky(rng, site.shape[0])
    assert {s.name for s in lowered.sites} == set(v)
    data_, prior_args = lowered.model_args
    values = {k: (a.reshape(-1) if k == "bcs" else a) for k, a in v.items()}
    got = float(lowered.program.log_density(values, data_, prior_args))
    lprior = float(
        lowered.program.lprior(lowered.program.assemble(values, prior_args, data_), prior_args)
    )
    coefs = [list(g.coefs) for g in design.groups]
    target, brms_lprior = brms_target(sdata, coefs, family, v)
    assert lprior == pytest.approx(brms_lprior, rel=1e-10)
    assert got == pytest.approx(target, rel=1e-10)
