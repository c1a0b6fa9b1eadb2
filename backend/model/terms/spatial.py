"""brms 2.18's spatial terms ``sar()`` and ``car()`` in the model and in predictions.

``sar(M, type = "lag")``: ``y ~ MVN(B^-1 mu, sigma^2 (B'B)^-1)`` with ``B = I - lagsar M``;
``type = "error"``: ``y ~ MVN(mu, sigma^2 (B'B)^-1)`` with ``B = I - errorsar M``; the student
family takes the multivariate t with ``nu`` instead (brms's ``normal_lagsar_lpdf``,
``normal_errorsar_lpdf``, ``student_t_lagsar_lpdf``, ``student_t_errorsar_lpdf``). brms's
functions drop the density's constant ``-N/2 log(2 pi)`` (student: ``-N/2 log(pi)``);
:func:`sar_log_lik` keeps it, so that ``log_lik`` and the model's density agree. The
parameter lies between the smallest and largest eigenvalue of ``M`` (brms's
``min_eigenMsar``/``max_eigenMsar``), which are arguments of the program
(``prior_args[name]["lb"]``/``["ub"]``, :mod:`brmsjax.backend.model.data_bounds`), and
``log |B| = sum log1m(rho eigenMsar)``.

``car(M, gr, type)`` adds ``rcar[Jloc]`` to mu. ``escar``: ``rcar`` is sampled with brms's
``sparse_car_lpdf(rcar | car, sdcar, ...)``; ``esicar``: ``rcar = (zcar, -sum(zcar))`` with
``sparse_icar_lpdf``; ``icar``: ``rcar = zcar sdcar`` with the pairwise-difference density and
a soft sum-to-zero constraint; ``bym2``: ``rcar = (sqrt(1 - rhocar) nszcar + sqrt(rhocar /
car_scale) zcar) sdcar`` with the same ICAR density on ``zcar`` and ``std_normal(nszcar)``.
These terms are brms's model block (not ``lprior``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.special import gammaln
from jax.scipy.stats import norm, t

from brmsjax.backend.model.plans import CarPlans, VectorPlan
from brmsjax.formula.design.data2.car_multi import car_structures
from brmsjax.formula.errors import ModelError

__all__ = [
    "SPATIAL_SCALARS",
    "car_locations",
    "car_log_prior",
    "car_parts",
    "car_rcar",
    "plan_car",
    "plan_spatial",
    "spatial_scalar",
    "sar_draw",
    "sar_epred",
    "sar_log_lik",
    "sar_model",
    "sar_pointwise",
    "sar_predict",
]

#: The scalar parameters of sar() and car(), in brms's order of classes.
SPATIAL_SCALARS = ("lagsar", "errorsar", "car", "rhocar", "sdcar")


def spatial_scalar(name: str) -> bool:
    """Whether ``name`` is a sar()/car() scalar, suffixed or not (``sdcar_mu1``)."""
    return name in SPATIAL_SCALARS or name.partition("_")[0] in SPATIAL_SCALARS[2:]


#: Families with SAR likelihoods in brms 2.18.
SAR_FAMILIES = ("gaussian", "student")


def plan_spatial(
    design: Any,
    family: Any,
    *,
    vector: Callable[..., None],
    vectors: list[VectorPlan],
    prior_args: dict[str, dict[str, np.ndarray]],
    data: dict[str, Any],
) -> tuple[str, CarPlans]:
    """Plan the parameters and data of the design's ``sar()`` and ``car()`` terms.

    Returns brms's sar type (``""`` without the term) and the CAR structures as
    ``(type, suffix, dpar)`` (:data:`CarPlans`; one per mixture component or response
    with ``car()``, suffixed ``_mu1`` or ``_y``). ``vector`` is the planner's
    :meth:`~brmsjax.backend.model.fixed_terms.Planner.vector`.

    Raises
    ------
    ModelError
        For ``sar()`` with a family other than gaussian or student, with predicted ``sigma``
        or ``nu``, or with addition terms (brms's messages); for ``car()`` in non-linear
        models (brms's message).
    """
    data2 = design.data2
    sar = None if data2 is None else data2.sar
    if sar is not None:
        if family.name not in SAR_FAMILIES:
            raise ModelError("SAR terms are not implemented for this family.")
        if any(b.dpar in ("sigma", "nu") for b in design.fixed) or any(
            d in ("sigma", "nu") for g in design.groups for d in g.dpars
        ):
            raise ModelError("SAR models are not implemented when predicting 'sigma' or 'nu'.")
        if design.response.addition:
            raise ModelError("Invalid addition arguments for this model.")
        name = sar.param
        vector(name=name, size=1, scalar=True, natural=(None, None))
        i = next(k for k, v in enumerate(vectors) if v.name == name)
        if vectors[i].free and vectors[i].lb is None and vectors[i].ub is None:
            prior_args[name]["lb"] = np.asarray(np.min(sar.eigen), dtype=float)
            prior_args[name]["ub"] = np.asarray(np.max(sar.eigen), dtype=float)
            vectors[i] = replace(vectors[i], ub_arg=True)
        data["sar"] = {"M": np.asarray(sar.M, dtype=float), "eigen": np.asarray(sar.eigen)}
    structures = car_structures(design)
    if structures and design.nonlinear is not None:
        raise ModelError("CAR terms are not implemented for non-linear models.")
    for s in structures:
        plan_car(s.car, s.suffix, vector, data)
    cars = tuple((s.car.type, s.suffix, s.dpar) for s in structures)
    return ("" if sar is None else sar.type), cars


# -- car()


def plan_car(car: Any, s: str, vector: Callable[..., None], data: dict[str, Any]) -> None:
    """Plan one CAR structure's parameters (brms's names with the suffix ``s``: ``car_mu1``,
    ``sdcar_mu1``, ``rcar_mu1``, ...) and its data ``data["car"][s]`` (0-based indices)."""
    n = car.Nloc
    if car.type == "escar":
        vector(name=f"car{s}", size=1, scalar=True, natural=(0.0, 1.0))
    if car.type == "bym2":
        vector(name=f"rhocar{s}", size=1, scalar=True, natural=(0.0, 1.0))
    vector(name=f"sdcar{s}", size=1, scalar=True, natural=(0.0, None))
    sizes = {"escar": [("rcar", n)], "esicar": [("zcar", n - 1)], "icar": [("zcar", n)]}
    for site, size in sizes.get(car.type, [("zcar", n), ("nszcar", n)]):
        vector(name=f"{site}{s}", size=size, scalar=False, natural=(None, None))
    d = data.setdefault("car", {})[s] = {
        "Jloc": np.asarray(car.Jloc, dtype=np.int32) - 1,
        "edges1": np.asarray(car.edges1, dtype=np.int32) - 1,
        "edges2": np.asarray(car.edges2, dtype=np.int32) - 1,
    }
    if car.Nneigh is not None:
        d["Nneigh"] = np.asarray(car.Nneigh, dtype=float)
        d["eigen"] = np.asarray(car.eigen, dtype=float)
    if car.scale is not None:
        d["scale"] = np.asarray(car.scale, dtype=float)


def car_locations(design: Any) -> tuple[tuple[str, int], ...]:
    """``(suffix, Nloc)`` of each CAR structure: the draws ``rcar_mu1[1]``, ..."""
    return tuple((s.suffix, s.car.Nloc) for s in car_structures(design))


def car_rcar(cars: CarPlans, params: Mapping[str, Array], data: Any) -> dict[str, Array]:
    """``{"rcar_mu1": ...}``: brms's ``rcar`` of each structure from its sampled sites
    (empty without ``car()``)."""
    return {f"rcar{s}": _rcar(kind, s, params, data["car"][s]) for kind, s, _ in cars}


def _rcar(kind: str, s: str, params: Mapping[str, Array], d: Mapping[str, Array]) -> Array:
    if kind == "escar":
        return params[f"rcar{s}"]
    z, sd = params[f"zcar{s}"], params[f"sdcar{s}"]
    if kind == "esicar":
        return jnp.concatenate([z, -jnp.sum(z, keepdims=True)])
    if kind == "icar":
        return z * sd
    rho = params[f"rhocar{s}"]
    scale = jnp.asarray(d["scale"], z.dtype)
    return (jnp.sqrt(1 - rho) * params[f"nszcar{s}"] + jnp.sqrt(rho / scale) * z) * sd


def car_parts(structure: Any, params: Mapping[str, Array], data: Any) -> list[tuple[str, Array]]:
    """``[(dpar, rcar[Jloc])]``: each CAR structure's contribution to its predictor (mu,
    ``mu1``, or a response's mu; none without ``car()``)."""
    return [
        (dpar, jnp.take(params[f"rcar{s}"], data["car"][s]["Jloc"])) for _, s, dpar in structure.car
    ]


def _phi_w_phi(phi: Array, e1: Array, e2: Array) -> Array:
    """``phi' W phi`` of the adjacency ``W`` given by its edges (each counted both ways)."""
    return 2 * jnp.sum(phi[e1] * phi[e2])


def sparse_car_lpdf(phi: Array, car: Array, sdcar: Array, d: Mapping[str, Array]) -> Array:
    """brms's ``sparse_car_lpdf`` (proper CAR; up to brms's additive constant); ``d`` holds
    ``Nneigh``, ``eigen`` (``eigenMcar``) and the 0-based ``edges1``/``edges2``."""
    Nneigh, eigen, e1, e2 = d["Nneigh"], d["eigen"], d["edges1"], d["edges2"]
    tau = 1 / sdcar**2
    quad = jnp.sum(phi * phi * Nneigh) - car * _phi_w_phi(phi, e1, e2)
    return 0.5 * (phi.shape[0] * jnp.log(tau) + jnp.sum(jnp.log1p(-car * eigen)) - tau * quad)


def sparse_icar_lpdf(phi: Array, sdcar: Array, d: Mapping[str, Array]) -> Array:
    """brms's ``sparse_icar_lpdf`` (intrinsic CAR; up to brms's additive constant)."""
    Nneigh, e1, e2 = d["Nneigh"], d["edges1"], d["edges2"]
    tau = 1 / sdcar**2
    quad = jnp.sum(phi * phi * Nneigh) - _phi_w_phi(phi, e1, e2)
    return 0.5 * ((phi.shape[0] - 1) * jnp.log(tau) - tau * quad)


def car_log_prior(cars: CarPlans, params: Mapping[str, Array], data: Any) -> Array:
    """brms's model-block density of the CAR effects: the sum over the structures of each
    one's density by ``type``."""
    return sum(
        (_car_log_prior(kind, s, params, data["car"][s]) for kind, s, _ in cars),
        start=jnp.zeros(()),
    )


def _car_log_prior(kind: str, s: str, params: Mapping[str, Array], d: Mapping[str, Any]) -> Array:
    e1, e2 = d["edges1"], d["edges2"]
    if kind == "escar":
        return sparse_car_lpdf(params[f"rcar{s}"], params[f"car{s}"], params[f"sdcar{s}"], d)
    if kind == "esicar":
        return sparse_icar_lpdf(params[f"rcar{s}"], params[f"sdcar{s}"], d)
    z = params[f"zcar{s}"]
    n = z.shape[0]
    lp = -0.5 * jnp.sum((z[e1] - z[e2]) ** 2) + norm.logpdf(jnp.sum(z), 0.0, 0.001 * n)
    if kind == "bym2":
        lp = lp + jnp.sum(norm.logpdf(params[f"nszcar{s}"]))
    return lp


# -- sar()


def _sar_parts(kind: str, rho: Array, M: Array, y: Array, mu: Array) -> tuple[Array, Array]:
    """``(B (y - E y), B)``: the whitened residuals of one draw and ``B = I - rho M``."""
    B = jnp.eye(M.shape[0], dtype=M.dtype) - rho * M
    e = B @ y - mu if kind == "lag" else B @ (y - mu)
    return e, B


def sar_log_lik(
    family: str, kind: str, *, y: Array, mu: Array, sigma: Array, nu: Array | None,
    rho: Array, sar: Mapping[str, Array],
) -> Array:  # fmt: skip
    """The joint log density of ``y`` given one draw (brms's ``*_lagsar_lpdf`` and
    ``*_errorsar_lpdf`` with the density's constant)."""
    n = y.shape[0]
    e, _ = _sar_parts(kind, rho, sar["M"], y, mu)
    log_det = jnp.sum(jnp.log1p(-rho * sar["eigen"]))
    q = jnp.sum(e * e) / sigma**2
    if family == "gaussian":
        return log_det - n * jnp.log(sigma) - 0.5 * q - 0.5 * n * jnp.log(2 * jnp.pi)
    nu = jnp.asarray(nu)
    return (
        gammaln((nu + n) / 2)
        - gammaln(nu / 2)
        - 0.5 * n * jnp.log(nu * jnp.pi)
        + log_det
        - n * jnp.log(sigma)
        - 0.5 * (nu + n) * jnp.log1p(q / nu)
    )


def sar_model(kind: str, family: str, data: Any, mu: Array, fit: tuple[Any, Any]) -> Array:
    """:func:`sar_log_lik` of the model's data at one parameter value (``fit``: the dpars
    and the parameters)."""
    dpars, params = fit
    return sar_log_lik(
        family,
        kind,
        y=data["y"],
        mu=mu,
        sigma=dpars["sigma"],
        nu=dpars.get("nu"),
        rho=params[f"{kind}sar"],
        sar=data["sar"],
    )


def _per_draw(fn: Callable[..., Array], *args: Array) -> Array:
    return jax.vmap(fn)(*args)


def sar_epred(kind: str, mu: Array, rho: Array, M: Array) -> Array:
    """brms's ``posterior_epred_lagsar``: ``(S, N)`` ``B^-1 mu`` per draw (``mu`` itself for
    the error SAR)."""
    if kind != "lag":
        return mu
    eye = jnp.eye(M.shape[0], dtype=mu.dtype)
    return _per_draw(lambda m, r: jnp.linalg.solve(eye - r * M, m), mu, rho)


def sar_pointwise(
    family: str, kind: str, *, y: Array, mu: Array, sigma: Array, nu: Array | None,
    rho: Array, M: Array,
) -> Array:  # fmt: skip
    """brms's ``log_lik_{gaussian,student}_{lag,error}sar``: ``(S, N)`` log densities of each
    ``y_i`` given the other rows (``mu``: ``(S, N)``; ``sigma``, ``nu``, ``rho``: ``(S,)``)."""
    eye = jnp.eye(M.shape[0], dtype=mu.dtype)
    n = M.shape[0]

    def one(m: Array, s: Array, r: Array, df: Array) -> Array:
        IB = eye - r * M
        Cinv = IB.T @ IB / s**2
        e = y - (jnp.linalg.solve(IB, m) if kind == "lag" else m)
        g = Cinv @ e
        cbar = jnp.diagonal(Cinv)
        yloo = y - g / cbar
        if family == "gaussian":
            return norm.logpdf(y, yloo, jnp.sqrt(1 / cbar))
        beta = jnp.sum(e * g) - g**2 / cbar  # brms's student_t_cov_factor
        sd = jnp.sqrt(1 / cbar * (df + beta) / (df + n - 1))
        return t.logpdf(y, df + n - 1, yloo, sd)

    df = jnp.ones_like(rho) if nu is None else nu
    return jax.vmap(one)(mu, sigma, rho, df)


def sar_draw(
    family: str, kind: str, *, key: Array, mu: Array, sigma: Array, nu: Array | None,
    rho: Array, M: Array,
) -> Array:  # fmt: skip
    """brms's ``posterior_predict_*sar``: one multivariate draw ``(N,)`` per posterior draw,
    ``B^-1 (mu_lag + sigma eps)`` (``eps`` standard normal or t)."""
    eye = jnp.eye(M.shape[0], dtype=mu.dtype)
    k1, k2 = jax.random.split(key)
    eps = jax.random.normal(k1, mu.shape, dtype=mu.dtype) * sigma[:, None]
    if family == "student" and nu is not None:
        chi2 = 2.0 * jax.random.gamma(k2, nu / 2, dtype=mu.dtype)
        eps = eps * jnp.sqrt(nu / chi2)[:, None]

    def one(m: Array, r: Array, e: Array) -> Array:
        IB = eye - r * M
        return jnp.linalg.solve(IB, m + e) if kind == "lag" else m + jnp.linalg.solve(IB, e)

    return jax.vmap(one)(mu, rho, eps)


def sar_predict(what: str, family: str, key: Array, d: Any, fit: tuple[Array, Any]) -> Array:
    """``epred``, ``predict`` or ``log_lik`` ``(S, N)`` of a ``sar()`` model's rows (all of
    them, in order); ``fit`` holds mu ``(S, N)`` and the dpars, with the ``lagsar`` or
    ``errorsar`` draws as ``(S, 1)``."""
    mu, dpars = fit
    kind = "lag" if "lagsar" in dpars else "error"
    rho = jnp.reshape(dpars[f"{kind}sar"], (-1,))
    M = jnp.asarray(d["Msar"], mu.dtype)
    if what == "epred":
        return sar_epred(kind, mu, rho, M)
    sigma = jnp.asarray(dpars["sigma"])[:, 0]
    nu = jnp.asarray(dpars["nu"])[:, 0] if "nu" in dpars else None
    if what == "predict":
        return sar_draw(family, kind, key=key, mu=mu, sigma=sigma, nu=nu, rho=rho, M=M)
    return sar_pointwise(family, kind, y=d["y"], mu=mu, sigma=sigma, nu=nu, rho=rho, M=M)
