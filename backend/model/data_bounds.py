"""Parameters whose upper bound the response sets: brms's ``real<lower=0,upper=min_Y> ndt``.

shifted_lognormal's non-decision time must stay below the smallest response (brms's
``transformed data { real min_Y = min(Y); }``). The bound is data, so it is an *argument* of
the compiled program, never a constant of its code: a refit with another response reuses it.
:func:`plan_data_bounds` marks such a scalar's :class:`~brmsjax.backend.model.plans.VectorPlan`
(``ub_arg``) and puts the bound's value in ``prior_args[name]["ub"]``; the program then samples
the parameter on ``(0, 1)`` and maps it to ``lb + (ub - lb) u`` (:func:`to_bounds`), which with
the log Jacobian ``log(ub - lb)`` (:func:`log_jacobian`) is Stan's ``lb``/``ub`` transform; the
prior is truncated to ``[lb, ub]`` with the bound's value (:func:`log_mass_to`), as brms writes
``- log_diff_exp(uniform_lcdf(min_Y | 0, min_Y), uniform_lcdf(0 | 0, min_Y))``.
Where ``prior_args[name]`` also holds ``"lb"`` (``sar()``'s ``lagsar``/``errorsar`` between
brms's ``min_eigenMsar`` and ``max_eigenMsar``, set by
:func:`brmsjax.backend.model.terms.spatial.plan_spatial`), the lower bound is an argument too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol

import jax.numpy as jnp
import numpy as np
from jax import Array

from brmsjax.backend.dists.densities import prior_cdf
from brmsjax.backend.dists.table import DISTRIBUTIONS
from brmsjax.backend.model.plans import Structure, VectorPlan

__all__ = [
    "DATA_BOUNDS",
    "bound_value",
    "log_jacobian",
    "log_mass_to",
    "plan_data_bounds",
    "scale_init",
    "to_bounds",
]

#: brms's statistics of the response that bound a parameter, by brms's name.
DATA_BOUNDS: dict[str, Callable[[np.ndarray], float]] = {
    "min_Y": lambda y: float(np.min(y)),
}


class _HasDataBounds(Protocol):
    @property
    def data_bounds(self) -> Mapping[str, str]: ...


def bound_value(name: str, y: Any) -> float:
    """The value of brms's bound ``name`` (``"min_Y"``) for the response values ``y``."""
    return DATA_BOUNDS[name](np.asarray(y, dtype=float))


def plan_data_bounds(
    vectors: list[VectorPlan],
    prior_args: dict[str, dict[str, np.ndarray]],
    family: _HasDataBounds,
    y: np.ndarray,
) -> None:
    """Give each sampled scalar the family bounds by the response its bound as an argument.

    Only where the prior leaves the upper bound open (a user's ``ub`` stays a constant) and
    the parameter is sampled (not ``constant()``).
    """
    for i, vp in enumerate(vectors):
        name = family.data_bounds.get(vp.name)
        if name is None or not vp.scalar or not vp.free or vp.ub is not None:
            continue
        prior_args[vp.name]["ub"] = np.asarray(bound_value(name, y), dtype=float)
        vectors[i] = replace(vp, ub_arg=True, lb=0.0 if vp.lb is None else vp.lb)


def _lb(vp: VectorPlan, prior_args: Any = None) -> Any:
    """The lower bound: the argument ``prior_args[name]["lb"]`` where the data set it too
    (``sar()``'s ``min_eigenMsar``), else the constant (0 by default)."""
    if prior_args is not None and "lb" in prior_args[vp.name]:
        return jnp.asarray(prior_args[vp.name]["lb"])
    return 0.0 if vp.lb is None else float(vp.lb)


def to_bounds(vp: VectorPlan, u: Array, prior_args: Any) -> Array:
    """The parameter ``lb + (ub - lb) u`` from its sampled value ``u`` in ``(0, 1)``."""
    ub, lb = jnp.asarray(prior_args[vp.name]["ub"]), _lb(vp, prior_args)
    return lb + (ub - lb) * u


def log_jacobian(structure: Structure, prior_args: Any) -> Array:
    """``sum log(ub - lb)`` over the structure's data-bounded parameters (Stan's Jacobian of
    the scaling from ``(0, 1)``; constant given the data)."""
    total = jnp.zeros(())
    for vp in structure.vectors:
        if vp.ub_arg:
            total = total + jnp.log(jnp.asarray(prior_args[vp.name]["ub"]) - _lb(vp, prior_args))
    return total


def log_mass_to(name: str, args: Array, lb: Any, ub: Array) -> Array:
    """Per element ``log(F(ub) - F(lb))`` with ``ub`` (and ``lb`` where it is not a number or
    None: ``sar()``'s eigenvalue bound) an array (the bound's value)."""
    a = jnp.moveaxis(args, -1, 0)
    lo, _ = DISTRIBUTIONS[name].support
    upper = prior_cdf(name, jnp.asarray(ub, args.dtype), a)
    given = lb is not None and (not isinstance(lb, int | float) or lb > lo)
    lower = prior_cdf(name, jnp.asarray(lb, args.dtype), a) if given else 0.0
    return jnp.broadcast_to(jnp.log(jnp.asarray(upper) - jnp.asarray(lower)), args.shape[:1])


def scale_init(structure: Structure, values: Mapping[str, Any], prior_args: Any) -> dict[str, Any]:
    """Initial values with each data-bounded parameter mapped to its sampled value in ``(0, 1)``."""
    out = dict(values)
    for vp in structure.vectors:
        if vp.ub_arg and vp.name in out:
            ub = float(np.asarray(prior_args[vp.name]["ub"]))
            lb = float(np.asarray(_lb(vp, prior_args)))
            out[vp.name] = (np.asarray(out[vp.name], dtype=float) - lb) / (ub - lb)
    return out
