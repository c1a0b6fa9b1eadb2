"""Centred, partially centred and non-centred group terms: the same model as brms's.

A group term sampled with ``GroupPlan.centred = k`` (and with or without the shear) must have,
at its sampled coordinates ``w``, the log density of brms's Stan program (non-centred ``z``)
at the mapped point ``z(w)`` plus ``log|det dz/dw|``. The reference here is the likelihood and
``std_normal(z)`` written with scipy, brms's ``lprior`` from the program in brms's
coordinates (checked against scipy in tests/model/test_lower.py) and the Jacobian by automatic
differentiation of the map ``w -> z = S^-1 r(w)``.
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from brmsjax.api import design_for, get_family, resolve_priors
from brmsjax.backend.cache import ONE_OFF_OPTIONS
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.formula.errors import ModelError

GAUSSIAN = get_family("gaussian")
fast_jit = partial(jax.jit, compiler_options=ONE_OFF_OPTIONS)
# formula, centred, reparam (shear), shear_cov: every kind of term and centring. Sheared
# correlated terms sample the sheared covariance's Cholesky factor unless shear_cov is False.
CASES: dict[str, tuple[str, int | tuple[int, ...], bool, bool | None]] = {
    "correlated, non-centred, sheared": ("y ~ x + (x + w | g)", 0, True, False),
    "correlated, intercept centred, sheared": ("y ~ x + (x + w | g)", 1, True, False),
    "correlated, non-centred, sheared covariance": ("y ~ x + (x + w | g)", 0, True, None),
    "correlated, intercept centred, sheared covariance": ("y ~ x + (x + w | g)", 1, True, None),
    "correlated, centred, sheared": ("y ~ x + (x + w | g)", 3, True, None),
    "correlated, two centred, sheared": ("y ~ x + (x + w | g)", 2, True, None),
    "correlated, intercept centred, no shear": ("y ~ x + (x + w | g)", 1, False, None),
    "correlated, centred, no shear": ("y ~ x + (x + w | g)", 3, False, None),
    "||, intercept centred, sheared": ("y ~ x + (x + w || g)", 1, True, None),
    "||, centred, no shear": ("y ~ x + (x + w || g)", 3, False, None),
    "single term, centred": ("y ~ x + (1 | g)", 1, True, None),
    "two terms, partly centred": ("y ~ x + (1 | g) + (x | h)", (1, 1), True, None),
    "two terms, one centred, no shear": ("y ~ x + (1 | g) + (x | h)", (0, 2), False, None),
}


def small_data(seed: int = 3, levels: int = 5, per: int = 4) -> pd.DataFrame:
    """A small gaussian data set with covariates of non-zero mean and two grouping factors."""
    rng = np.random.default_rng(seed)
    n = levels * per
    g = np.repeat(np.arange(levels), per)
    return pd.DataFrame(
        {
            "y": rng.normal(3.0, 2.0, n),
            "x": rng.normal(2.0, 1.0, n),
            "w": rng.binomial(1, 0.4, n).astype(float),
            "g": [f"g{i}" for i in g],
            "h": [f"h{i}" for i in rng.integers(0, 3, n)],
        }
    )


def lowered_pair(
    formula: str, centred: int | tuple[int, ...], reparam: bool, shear_cov: bool | None = None
) -> tuple[LoweredModel, LoweredModel]:
    """The model in the tested coordinates and in brms's coordinates."""
    design = design_for(formula, small_data(), GAUSSIAN)
    priors = resolve_priors(design, GAUSSIAN, None)
    ours = lower(
        design,
        GAUSSIAN,
        priors,
        reparam=reparam,
        centred=centred,
        shear_cov=shear_cov,
        marginalize=False,
    )
    ref = lower(design, GAUSSIAN, priors, reparam=False, centred=0, marginalize=False)
    return ours, ref


def evaluate(
    ours: LoweredModel, ref: LoweredModel, u: jax.Array, data: dict, prior_args: dict
) -> tuple[jax.Array, dict[str, jax.Array], jax.Array]:
    """Our log density at ``u``, brms's site values at the mapped point, ``log|det|``.

    brms's values are the same parameters with ``z_k = S_k^-1 r_k``; the log Jacobian of
    ``(C_k, z_k) -> (sd_k, L_k, z_k)`` is by automatic differentiation.
    """
    prog = ours.program
    values = prog.constrain(u)
    got = prog.log_density(values, data, prior_args)

    def brms_z(v: dict[str, jax.Array], gid: int) -> jax.Array:
        params = prog.assemble(v, prior_args, data)
        sd = params[f"sd_{gid}"]
        S = sd[:, None] * params[f"L_{gid}"] if f"L_{gid}" in params else jnp.diag(sd)
        return jnp.linalg.solve(S, prog.group_effects(params, data)[gid].T)

    params = prog.assemble(values, prior_args, data)
    mapped = {s.name: params[s.name] for s in ref.sites if s.name in params}
    log_jac = jnp.zeros(())
    for g in prog.structure.groups:
        name = f"z_{g.id}"
        mapped[name] = brms_z(values, g.id)

        def z_of(w: jax.Array, name: str = name, gid: int = g.id) -> jax.Array:
            return brms_z({**values, name: w.reshape(values[name].shape)}, gid).reshape(-1)

        log_jac += jnp.linalg.slogdet(jax.jacfwd(z_of)(values[name].reshape(-1)))[1]
        if g.cov:  # (sd, L) from the C_k site: log|det d(sd, L_strict)/du|

            def hyper(c: jax.Array, gid: int = g.id, M: int = g.M) -> jax.Array:
                par = prog.assemble({**values, f"C_{gid}": c}, prior_args, data)
                rows, cols = np.tril_indices(M, -1)
                return jnp.concatenate([par[f"sd_{gid}"], par[f"L_{gid}"][rows, cols]])

            log_jac += jnp.linalg.slogdet(jax.jacfwd(hyper)(values[f"C_{g.id}"]))[1]
    return got, mapped, log_jac


def brms_log_density(
    ref: LoweredModel, y: np.ndarray, v: dict[str, np.ndarray], family: str = "gaussian"
) -> float:
    """brms's Stan ``target``: scipy likelihood (gaussian or bernoulli) and ``std_normal(z)``,
    brms's lprior."""
    prog = ref.program

    def mu_lprior(v: dict, data: dict, prior_args: dict) -> tuple[jax.Array, jax.Array]:
        params = prog.assemble(v, prior_args, data)
        return prog.linear_predictors(params, data)[""], prog.lprior(params, prior_args)

    with jax.enable_x64(True):
        mu, lprior = fast_jit(mu_lprior)(v, *ref.model_args)
    mu = np.asarray(mu)
    loglik = (
        stats.norm.logpdf(y, mu, float(v["sigma"]))
        if family == "gaussian"
        else stats.bernoulli.logpmf(y, 1.0 / (1.0 + np.exp(-mu)))
    )
    target = loglik.sum() + float(lprior)
    for g in prog.structure.groups:
        target += stats.norm.logpdf(v[f"z_{g.id}"]).sum()
    return float(target)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_log_density_is_brms_at_the_mapped_point_plus_the_jacobian(case: str) -> None:
    formula, centred, reparam, shear_cov = CASES[case]
    ours, ref = lowered_pair(formula, centred, reparam, shear_cov)
    k = centred if isinstance(centred, tuple) else (centred,) * len(ours.structure.groups)
    assert [g.centred for g in ours.structure.groups] == [
        min(c, g.M) for c, g in zip(k, ours.structure.groups, strict=True)
    ]
    assert all(g.shear == reparam for g in ours.structure.groups if g.M > 1)
    assert [g.cov for g in ours.structure.groups] == [
        g.shear and g.cor and shear_cov is None for g in ours.structure.groups
    ]
    data, prior_args = ours.model_args
    rng = np.random.default_rng(11)
    u = rng.uniform(-1.5, 1.5, ours.program.dim)
    with jax.enable_x64(True):
        got, mapped, jac = fast_jit(partial(evaluate, ours, ref))(u, data, prior_args)
    mapped = {k: np.asarray(x) for k, x in mapped.items()}
    expected = brms_log_density(ref, np.asarray(data["y"]), mapped)
    assert float(got) == pytest.approx(expected + float(jac), rel=1e-12, abs=1e-10)


@pytest.mark.parametrize("shear_cov", [False, None])
@pytest.mark.parametrize("centred", [0, 1, 3])
def test_init_values_map_to_brms_effects(centred: int, shear_cov: bool | None) -> None:
    ours, _ = lowered_pair("y ~ x + (x + w | g)", centred, True, shear_cov)
    prog = ours.program
    rng = np.random.default_rng(5)
    sd = np.array([1.5, 0.3, 0.8])
    a, b, c = 0.5, -0.3, 0.2
    L = np.linalg.cholesky(np.array([[1, a, b], [a, 1, c], [b, c, 1]]))
    z = rng.normal(size=(3, 5))
    w = prog.site_value("z_1", z, ours.data, {"sd_1": sd, "L_1": L})
    with jax.enable_x64(True):
        params = {"sd_1": jnp.asarray(sd), "L_1": jnp.asarray(L), "z_1": jnp.asarray(w)}
        T = np.asarray(ours.data["shear"]["1"])
        params["C_1"] = jnp.asarray(
            np.linalg.cholesky(T @ np.diag(sd) @ L @ L.T @ np.diag(sd) @ T.T)
        )
        r = np.asarray(prog.group_effects(params, ours.data)[1])
    np.testing.assert_allclose(r, (sd[:, None] * (L @ z)).T, rtol=1e-12, atol=1e-12)


def test_init_sd_and_cor_map_to_the_sheared_covariance_site() -> None:
    ours, _ = lowered_pair("y ~ x + (x + w | g)", 0, True, None)
    prog = ours.program
    assert any(g.cov for g in prog.structure.groups)
    sd = np.array([1.5, 0.3, 0.8])
    L = np.linalg.cholesky(np.array([[1, 0.5, -0.3], [0.5, 1, 0.2], [-0.3, 0.2, 1]]))
    sites = prog.init_sites({"sd_1": sd, "L_1": L, "sigma": 1.0}, ours.data)
    assert set(sites) == {"C_1", "sigma"}
    with jax.enable_x64(True):
        values = {s.name: jnp.zeros(s.shape) for s in prog.sites} | {
            "C_1": jnp.asarray(sites["C_1"])
        }
        params = prog.assemble(values, ours.prior_args, ours.data)
    np.testing.assert_allclose(np.asarray(params["sd_1"]), sd, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(params["L_1"]), L, atol=1e-12)
    with pytest.raises(ModelError, match=r"init\['sd_1'\] must hold 3 positive values"):
        prog.init_sites({"sd_1": [1.0, -1.0, 1.0]}, ours.data)


def simulated(
    levels: int,
    per: int,
    sd_icpt: float,
    sd_slope: float,
    *,
    seed: int = 1,
    family: str = "gaussian",
) -> tuple[int, ...]:
    """The automatic choice on ``y ~ x + (x | g)`` simulated with the given effects."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(levels), per)
    x = rng.normal(1.0, 1.0, levels * per)
    r = rng.normal(0, 1, (levels, 2)) * [sd_icpt, sd_slope]
    eta = 0.5 + 0.3 * x + r[g, 0] + r[g, 1] * x
    if family == "gaussian":
        y = rng.normal(eta, 1.0)
    elif family == "poisson":
        y = rng.poisson(np.exp(eta / 4))
    else:
        y = (rng.random(levels * per) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    frame = pd.DataFrame({"y": y, "x": x, "g": g.astype(str)})
    fam = get_family(family)
    design = design_for("y ~ x + (x | g)", frame, fam)
    lowered = lower(design, fam, resolve_priors(design, fam, None), marginalize=False)
    return tuple(gp.centred for gp in lowered.structure.groups)


# levels, rows per level, sd of the intercepts and slopes (sigma = 1), family, choice
CHOICES = [
    (100, 3, 0.3, 0.1, "gaussian", 0),  # few rows per level, small effects: non-centred
    (40, 50, 1.0, 1.0, "gaussian", 2),  # many rows per level: fully centred
    (40, 40, 1.0, 0.0, "gaussian", 1),  # informed intercepts, no varying slope: partial
    (60, 2, 0.5, 0.0, "gaussian", 0),  # two rows per level: 2 * 0.5^2 / 1 < 20
    (100, 18, 0.6, 0.1, "gaussian", 0),  # STAR-like: 18 * 0.36 = 6.5 < 20
    (18, 10, 1.4, 0.3, "gaussian", 0),  # sleepstudy-like: 10 * 1.4^2 = 19.6 < 20
    # GLMs: working weights of the population-level fit (poisson: eta / 4, mean about 1.2)
    (40, 50, 1.0, 0.5, "poisson", 0),  # 50 * 1.2 * 0.25^2 = 3.7 < 20
    (20, 2000, 1.0, 0.5, "poisson", 2),  # 2000 * 1.2 * 0.25^2 = 150
    (100, 10, 0.5, 0.3, "bernoulli", 0),  # 10 * 0.2 * 0.25 = 0.5
    (10, 1000, 0.5, 0.5, "bernoulli", 2),  # 1000 * 0.2 * 0.25 = 50
    (10, 2000, 0.5, 0.1, "bernoulli", 1),  # slopes: 2000 * 0.2 * 0.01 = 4
]


@pytest.mark.parametrize("case", CHOICES)
def test_automatic_choice(case: tuple[int, int, float, float, str, int]) -> None:
    levels, per, sd_icpt, sd_slope, family, expected = case
    assert simulated(levels, per, sd_icpt, sd_slope, family=family) == (expected,)


@pytest.mark.parametrize("family", ["bernoulli", "binomial", "poisson"])
def test_glm_working_fit_solves_the_score_equations(family: str) -> None:
    """The centring rule's population-level GLM fit is the maximum likelihood fit: its
    residuals ``w * e = y - E y`` are orthogonal to the design (with an offset)."""
    from brmsjax.backend.model.geometry import _glm_working

    rng = np.random.default_rng(4)
    n = 3000
    X = rng.normal(size=(n, 2))
    trials = rng.integers(1, 6, n) if family == "binomial" else np.ones(n, dtype=int)
    offset = rng.normal(0, 0.3, n)
    eta = 0.4 + X @ [0.7, -0.5] + offset
    y = (
        rng.poisson(np.exp(eta))
        if family == "poisson"
        else rng.binomial(trials, 1.0 / (1.0 + np.exp(-eta)))
    )
    data = {
        "y": y,
        "X": {"": X},
        "offset": {"": offset},
        "addition": {"trials": trials} if family == "binomial" else {},
    }
    resid, w = _glm_working(get_family(family), data)
    D = np.column_stack([np.ones(n), X])
    np.testing.assert_allclose(D.T @ (w * resid), 0.0, atol=1e-7)
    mean = np.exp(eta) if family == "poisson" else trials / (1.0 + np.exp(-eta))
    np.testing.assert_allclose(
        w, mean * (1.0 if family == "poisson" else 1.0 - mean / trials), rtol=0.2
    )  # the fitted weights are near the truth's


def test_centred_bernoulli_term_has_brms_log_density() -> None:
    """Centring is the same map for every family: a centred bernoulli term (glm form) at
    ``w`` has brms's log density at ``z(w)`` plus the log Jacobian."""
    fam = get_family("bernoulli")
    frame = small_data(per=6)
    frame["y"] = (frame["y"] > 3.0).astype(int)
    design = design_for("y ~ x + (x | g)", frame, fam)
    priors = resolve_priors(design, fam, None)
    ours = lower(design, fam, priors, centred=2, marginalize=False, likelihood="glm")
    ref = lower(design, fam, priors, reparam=False, centred=0, marginalize=False)
    assert [g.centred for g in ours.structure.groups] == [2]
    data, prior_args = ours.model_args
    u = np.random.default_rng(2).uniform(-1.5, 1.5, ours.program.dim)
    with jax.enable_x64(True):
        got, mapped, jac = fast_jit(partial(evaluate, ours, ref))(u, data, prior_args)
    v = {k: np.asarray(x) for k, x in mapped.items()}
    expected = brms_log_density(ref, frame["y"].to_numpy(), v, family="bernoulli")
    assert float(got) == pytest.approx(expected + float(jac), rel=1e-12, abs=1e-10)


def test_reparam_off_keeps_brms_coordinates() -> None:
    design = design_for("y ~ x + (x | g)", small_data(per=40), GAUSSIAN)
    lowered = lower(
        design, GAUSSIAN, resolve_priors(design, GAUSSIAN, None), reparam=False, marginalize=False
    )
    assert [g.centred for g in lowered.structure.groups] == [0]
    assert math.isfinite(lowered.program.dim)
