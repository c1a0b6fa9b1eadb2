"""The sampler's first inverse mass matrix: the curvature of the posterior at its mode.

NUTS adapts its metric in Stan's windows: until the first slow window ends (iteration 100 of
a 1000-iteration warmup) it moves with the identity. Where the posterior's scales differ by
orders of magnitude and its coordinates correlate, those first iterations build trees of
hundreds of leapfrog steps. Starting the adaptation from the inverse Hessian of the potential
at the posterior mode on the unconstrained scale (the covariance of the Laplace approximation)
cuts most of them (step counts: benchmarks/RESULTS.md, "Timings moved from backend
docstrings"). Only the metric changes: the chains start from
their own random initial values (Stan's dispersed starts, which R-hat relies on) and the
adaptation replaces the matrix with draw covariances at the end of each window, so the
posterior is untouched.

The mode is found with SciPy's L-BFGS-B on the host from one starting point, using a compiled
``value_and_grad`` of the potential that takes the data and prior values as arguments (a refit
with data of the same shapes compiles nothing); the Hessian is central differences of that
gradient (``2 * dim`` calls) for a dense metric (at most
:data:`brmsjax.backend.infer.nuts.DENSE_MAX_DIM` coordinates). A diagonal metric gets the
reciprocal of the Hessian's diagonal, from Hessian-vector products: one per coefficient of
each group term (a level's group coordinates share no Hessian entry with another level's, so
one product gives all levels at once) and one per other coordinate, whatever the number of
levels. The reciprocal diagonal, not the diagonal of the inverse: at the joint mode of a
hierarchical model the group coordinates and their sd correlate strongly, and the diagonal of
the inverse overstated the typical set's variances up to eightfold (a bernoulli
``(1 + x | g)`` model with 200 levels warmed up in more leapfrog steps than from the identity;
same section of benchmarks/RESULTS.md). Where a potential or
gradient is not finite, the search ends at its iteration limit, or the Hessian is not positive
definite, the adaptation starts from the identity, as NumPyro's does; so it does for models
that sample group-level coordinates (:func:`applies`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import jax
import numpy as np

from brmsjax.backend.cache import compiled
from brmsjax.backend.infer.nuts_programs import potential_fn
from brmsjax.backend.infer.smooth_metric import smooth_moment_metric
from brmsjax.backend.model.lower import LoweredModel

__all__ = [
    "DIAGONAL_PROBES",
    "EXACT_MAX",
    "MODE_MAXITER",
    "applies",
    "laplace_inverse_mass",
    "posterior_mode",
    "value_and_grad_fn",
]

#: L-BFGS-B iterations allowed in the search for the mode (STAR: 129).
MODE_MAXITER = 500
#: Coordinates besides the group terms' whose Hessian diagonal is found exactly (a unit vector
#: each, two gradients); past this many they get Hutchinson's estimate from
#: :data:`DIAGONAL_PROBES` random sign vectors (with 8 it was within 20% of the exact
#: diagonal for 90% of the 405 coordinates of a bernoulli ``(1 + x | g)`` model; 32 within 9%).
EXACT_MAX = 64
DIAGONAL_PROBES = 16
#: Central-difference step of the Hessian on the unconstrained scale.
_STEP = 1e-4

ValueAndGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]


def value_and_grad_fn(
    lowered: LoweredModel,
    data: Any,
    prior_args: Any,
    u: np.ndarray,
    options: dict[str, Any] | None,
    *,
    key: Hashable = (),
) -> ValueAndGrad:
    """Host function ``u -> (potential, gradient)`` backed by one compiled program.

    The program is kept per model structure, argument shapes and ``key`` (the chains' layout:
    row-sharded data compile apart from unsharded data of the same shapes).
    """
    program = lowered.program
    args = (u, data, prior_args)
    exe = compiled(
        ("value_and_grad", lowered.structure, key),
        lambda: jax.jit(jax.value_and_grad(potential_fn(program))),
        args,
        options,
    )

    def call(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = exe(np.asarray(x, u.dtype), data, prior_args)
        return float(value), np.asarray(grad, dtype=float)

    return call


def _hessian(value_and_grad: ValueAndGrad, mode: np.ndarray) -> np.ndarray:
    """Central differences of the gradient at ``mode``, symmetrized."""
    dim = mode.shape[0]
    hess = np.empty((dim, dim))
    for i in range(dim):
        hess[i] = _hessian_product(value_and_grad, mode, np.eye(1, dim, i)[0])
    return (hess + hess.T) / 2


def _hessian_product(
    value_and_grad: ValueAndGrad, mode: np.ndarray, direction: np.ndarray
) -> np.ndarray:
    """``H @ direction`` by central differences of the gradient."""
    ahead = value_and_grad(mode + _STEP * direction)[1]
    behind = value_and_grad(mode - _STEP * direction)[1]
    return (ahead - behind) / (2 * _STEP)


def _colours(lowered: LoweredModel) -> tuple[list[np.ndarray], np.ndarray]:
    """Coordinates whose Hessian entries between each other are zero, and the rest.

    A group term's site ``z_k`` is ``(M, levels)``: the likelihood and prior of one level's
    effects involve no other level's, so the coordinates of coefficient ``m`` over all levels
    form one colour, and ``H @ 1_colour`` is the Hessian's diagonal on it (Curtis, Powell and
    Reid's grouping of a sparse Jacobian).
    """
    colours: list[np.ndarray] = []
    rest: list[int] = []
    offset = 0
    for site in lowered.sites:
        span = np.arange(offset, offset + site.size)
        if site.name.startswith("z_") and len(site.ushape) == 2:
            colours.extend(span.reshape(site.ushape))
        else:
            rest.extend(span.tolist())
        offset += site.size
    return colours, np.asarray(rest, dtype=int)


def _hessian_diagonal(
    value_and_grad: ValueAndGrad, mode: np.ndarray, lowered: LoweredModel, seed: int
) -> np.ndarray:
    """The Hessian's diagonal at ``mode``.

    Exact for the group coordinates (one product per colour of :func:`_colours`) and for up
    to :data:`EXACT_MAX` other coordinates (one unit vector each); more other coordinates get
    Hutchinson's estimate ``mean(v * H v)`` from :data:`DIAGONAL_PROBES` random sign vectors
    supported on them.
    """
    colours, rest = _colours(lowered)
    if len(rest) <= EXACT_MAX:
        colours.extend(rest[:, None])
        rest = rest[:0]
    diagonal = np.zeros(len(mode))
    for colour in colours:
        direction = np.zeros(len(mode))
        direction[colour] = 1.0
        diagonal[colour] = _hessian_product(value_and_grad, mode, direction)[colour]
    if len(rest):
        signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=(DIAGONAL_PROBES, len(rest)))
        for sign in signs:
            direction = np.zeros(len(mode))
            direction[rest] = sign
            diagonal[rest] += sign * _hessian_product(value_and_grad, mode, direction)[rest]
        diagonal[rest] /= DIAGONAL_PROBES
    return diagonal


def posterior_mode(value_and_grad: ValueAndGrad, start: np.ndarray) -> np.ndarray | None:
    """The minimum of the potential from ``start`` (L-BFGS-B), or None.

    None where the potential or its gradient is not finite at ``start`` or the end, or the
    search stops at :data:`MODE_MAXITER` iterations (no mode: a funnel, a flat direction).
    """
    import scipy.optimize  # here: 0.08 CPU s of a fit's import, for models with a mode only

    with np.errstate(all="ignore"):
        value, grad = value_and_grad(start)
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return None
        found = scipy.optimize.minimize(
            value_and_grad,
            np.asarray(start, dtype=float),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": MODE_MAXITER},
        )
    if found.status == 1 or not (np.isfinite(found.fun) and np.all(np.isfinite(found.x))):
        return None
    return np.asarray(found.x)


def applies(lowered: LoweredModel) -> bool:
    """Whether the sampler starts its adaptation from the mode's curvature.

    Not for models that sample group-level coordinates (sites ``z_k``): their joint mode sits
    in the neck of the funnel (small sd), where the curvature misleads (a bernoulli
    ``(1 + x | g)`` model sampled twice as slowly from it: benchmarks/RESULTS.md, "STAR with
    the first metric from the mode"). Models with their group effects integrated out (the marginal
    form) or without group terms keep it.
    """
    return not any(site.name.startswith(("z_", "zgp")) for site in lowered.sites)


def laplace_inverse_mass(
    lowered: LoweredModel,
    data: Any,
    prior_args: Any,
    start: np.ndarray,
    *,
    dense: bool,
    seed: int = 0,
    options: dict[str, Any] | None = None,
    key: Hashable = (),
) -> np.ndarray | None:
    """The first inverse mass matrix from the curvature at the mode, or None.

    Parameters
    ----------
    lowered
        The model.
    data, prior_args
        The model's data and prepared prior values, as the sampler's programs get them.
    start
        A starting point of the search on the unconstrained scale (its dtype is the
        program's).
    dense
        A dense ``(dim, dim)`` matrix (the inverse of the Hessian by central differences), or
        a diagonal ``(dim,)`` one (the reciprocal of the Hessian's diagonal; an entry that is
        not positive stays 1).
    seed
        Seed of the random sign vectors (models with over :data:`EXACT_MAX` coordinates
        besides their group terms').
    options, key
        XLA compile options of the ``value_and_grad`` program, and a key that keeps it apart
        (:func:`value_and_grad_fn`).

    Returns
    -------
    numpy.ndarray or None
        None where the potential or its gradient is not finite along the way, the search
        stops at its iteration limit (no mode: a funnel), or the Hessian is not positive
        definite (dense).
    """
    moments = smooth_moment_metric(lowered, dense)  # no mode to search for: the funnel's neck
    if moments is not None:
        return moments
    value_and_grad = value_and_grad_fn(lowered, data, prior_args, start, options, key=key)
    with np.errstate(all="ignore"):
        mode = posterior_mode(value_and_grad, start)
        if mode is None:
            return None
        if not dense:
            diagonal = _hessian_diagonal(value_and_grad, mode, lowered, seed)
            if not np.all(np.isfinite(diagonal)):
                return None
            return np.where(diagonal > 0.0, 1.0 / diagonal, 1.0)
        hess = _hessian(value_and_grad, mode)
        if not np.all(np.isfinite(hess)):
            return None
        eigval, eigvec = np.linalg.eigh(hess)
    if eigval[0] <= 0.0:
        return None
    inverse = (eigvec / eigval) @ eigvec.T
    return (inverse + inverse.T) / 2
