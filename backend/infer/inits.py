"""Initial values of NUTS chains: brms's ``init`` argument on the unconstrained scale.

Stan draws every unconstrained value from uniform(-2, 2) (or uniform(-init, init)); brms's
``init`` may instead give 0 or constrained values per parameter, for all chains or one dict per
chain. :func:`initial_values` turns ``init`` into per-chain values and a mask of the given ones,
:func:`init_centre` places the random ones around a better centre, and :func:`check_inits`
reports chains that found no finite log density. :func:`cast_floats` casts the data and prior
values to the fit's float type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brmsjax.backend.model.lower import LoweredModel
from brmsjax.formula.errors import ModelError

__all__ = ["INIT_TRIES", "cast_floats", "check_inits", "init_centre", "initial_values"]

PyTree = Any
#: Random initial values a chain tries before it gives up (as Stan).
INIT_TRIES = 100


def initial_values(
    lowered: LoweredModel, init: Any, total: int, dtype: type, n_chains: int | None = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Initial unconstrained values, which of them are given, and the random-init radius.

    Rows are the ``total`` chains run; chains past ``n_chains`` (padding) copy the last one.
    """
    n_chains = total if n_chains is None else n_chains
    dim = lowered.program.dim
    u: np.ndarray = np.zeros((total, dim), dtype=dtype)
    mask = np.zeros((total, dim), dtype=bool)
    if init is None or (isinstance(init, str) and init == "random"):
        return u, mask, 2.0
    if isinstance(init, str) and init == "0":
        init = 0
    if isinstance(init, int | float | np.integer | np.floating) and not isinstance(init, bool):
        if init == 0:
            return u, np.ones_like(mask), 2.0
        if init > 0:
            return u, mask, float(init)
    per_chain: list[Any] = [init] * total if isinstance(init, Mapping) else init
    if not isinstance(per_chain, list | tuple) or not all(
        isinstance(d, Mapping) for d in per_chain
    ):
        raise ModelError(
            f"init must be None, 'random', 0, a positive radius, a dict of parameter values or "
            f"a list of dicts (one per chain), not {init!r}."
        )
    given = [_init_values(lowered, d, dtype) for d in per_chain]
    if len(given) not in (1, n_chains):
        raise ModelError(
            f"init has {len(given)} dicts; give one dict for all chains or one per chain "
            f"({n_chains})."
        )
    for c in range(total):
        u[c], mask[c] = given[min(c, len(given) - 1)]
    return u, mask, 2.0


_LOCATION = {"normal": 0, "student_t": 1, "cauchy": 0}  # index of the location argument


def init_centre(lowered: LoweredModel) -> np.ndarray:
    """Centre of the random initial values on the unconstrained scale.

    Stan draws every unconstrained value from uniform(-2, 2). Here two scalars are drawn
    around a better centre (the posterior is the same; warmup is shorter): mu's ``Intercept``
    around the location of its normal, student-t or Cauchy prior (brms's default prior is
    centred at the response's median, so a gaussian chain no longer starts about
    ``median(y)`` away and spends its first warmup windows travelling), and a family's
    ``sigma`` around the log of the scale of its half normal, half student-t or half Cauchy
    prior (brms's default: the response's MAD). Everything else is centred at 0.
    """
    centre = np.zeros(lowered.program.dim)
    vectors = {vp.name: vp for vp in lowered.structure.vectors}
    offset = 0
    for site in lowered.sites:
        vp = vectors.get(site.name)
        if (
            vp is not None
            and vp.scalar
            and not vp.ordered
            and len(vp.priors) == 1
            and site.name in ("Intercept", "sigma")
            and vp.priors[0][0] in _LOCATION
        ):
            dist_name = vp.priors[0][0]
            args = np.asarray(lowered.prior_args[vp.name]["p0"], dtype=float).reshape(-1)
            loc, scale = args[_LOCATION[dist_name]], args[_LOCATION[dist_name] + 1]
            if site.name == "Intercept" and vp.lb is None and vp.ub is None:
                centre[offset] = loc
            elif site.name == "sigma" and vp.lb == 0 and vp.ub is None and loc == 0 < scale:
                centre[offset] = math.log(scale)
        offset += site.size
    return centre


def _init_values(
    lowered: LoweredModel, values: Mapping[str, Any], dtype: type
) -> tuple[np.ndarray, np.ndarray]:
    from numpyro.distributions.transforms import biject_to

    sites = {s.name: s for s in lowered.sites}
    given = values
    values = lowered.program.init_sites(values, lowered.data, lowered.prior_args)
    unknown = [k for k in values if k not in sites]
    if unknown:
        raise ModelError(
            f"init names unknown parameter(s) {', '.join(map(repr, unknown))}; the model's "
            f"parameters are: {', '.join(sites)}."
        )
    u: np.ndarray = np.zeros(lowered.program.dim, dtype=dtype)
    mask = np.zeros(lowered.program.dim, dtype=bool)
    offset = 0
    for s in lowered.sites:
        if s.name in values:
            x = np.asarray(values[s.name], dtype=float)
            if x.shape != s.shape:
                raise ModelError(
                    f"init['{s.name}'] has shape {x.shape}; the parameter has shape {s.shape}."
                )
            inv = np.asarray(biject_to(s.constraint).inv(jnp.asarray(x)))
            inv = lowered.program.site_value(s.name, inv, lowered.data, given)
            if not np.all(np.isfinite(inv)):
                raise ModelError(f"init['{s.name}'] is outside the parameter's support.")
            u[offset : offset + s.size] = inv.reshape(-1)
            mask[offset : offset + s.size] = True
        offset += s.size
    return u, mask


def cast_floats(tree: PyTree, float32: bool) -> PyTree:
    ftype = np.float32 if float32 else np.float64

    def cast(a: Any) -> np.ndarray:
        a = np.asarray(a)
        return a.astype(ftype) if a.dtype.kind == "f" else a

    return jax.tree.map(cast, tree)


def check_inits(ok: np.ndarray) -> None:
    if not ok.all():
        bad = ", ".join(str(c + 1) for c in np.flatnonzero(~ok))
        raise ModelError(
            f"Chain(s) {bad} found no finite log density in {INIT_TRIES} random initial "
            "values; give init values (init=0 or a dict) or check the priors and data."
        )
