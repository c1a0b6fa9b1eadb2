"""The optimizers behind :mod:`brmsjax.backend.approx`: SVI, Laplace and Pathfinder on ``u``.

Every approximation works on the flat unconstrained vector ``u`` of a lowered model, whose
potential (minus the log density with the Jacobians of the constraining transforms) is the
program's own NumPyro model. Mini-batching scales the ``log_lik`` factor of that model by
``N / B`` on a random batch of ``B`` rows (drawn with replacement, so each step's potential is
unbiased for the full-data potential); the priors, the ``z`` terms and the Jacobians are counted
once. Data and prior values are arguments of every jitted function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import lax
from numpyro.distributions import constraints
from numpyro.infer import SVI, Trace_ELBO
from numpyro.infer.autoguide import (
    AutoDiagonalNormal,
    AutoLaplaceApproximation,
    AutoLowRankMultivariateNormal,
    AutoMultivariateNormal,
)
from numpyro.infer.initialization import init_to_value
from numpyro.infer.util import potential_energy
from numpyro.primitives import Messenger

from brmsjax.backend.cache import compiled
from brmsjax.backend.lower import ModelProgram
from brmsjax.formula.errors import ModelError

__all__ = ["LOWRANK_DIM", "hessian", "newton", "pathfinder_draws", "rows", "svi_run"]

PyTree = Any
#: Above this many unconstrained coordinates ``fullrank`` uses a low-rank plus diagonal
#: covariance (``AutoLowRankMultivariateNormal``, rank ``sqrt(dim)``) instead of a full one.
LOWRANK_DIM = 500
_ROW_KEYS = ("X", "offset", "J", "Z", "addition")


class _ScaleSite(Messenger):
    """Multiply the log density of one site (the ``log_lik`` factor) by ``scale``."""

    def __init__(self, fn: Callable[..., Any], name: str, scale: Any) -> None:
        self.name, self.scale = name, scale
        super().__init__(fn)

    def process_message(self, msg: dict[str, Any]) -> None:
        if msg["name"] == self.name:
            msg["scale"] = self.scale if msg["scale"] is None else msg["scale"] * self.scale


def potential(prog: ModelProgram, u: jax.Array, data: PyTree, prior_args: PyTree,
              scale: Any) -> jax.Array:
    """The potential at ``u`` with the log likelihood of ``data``'s rows times ``scale``."""
    model = _ScaleSite(prog.model, "log_lik", scale)
    # block: the program's sites stay inside this call, unseen by an enclosing model's handlers.
    with numpyro.handlers.block():
        return potential_energy(model, (data, prior_args), {}, prog.unflatten(u))


def rows(data: PyTree, idx: Any, n: int) -> PyTree:
    """``data`` with its row-wise arrays (``y``, ``X``, ``offset``, ``J``, ``Z``, additions)
    taken at the row indices ``idx``; per-model arrays (``means_X``, ``qr_inv``) unchanged.

    ``idx`` must be sorted where a group gathers its effects as ``"sorted"``; a model whose
    likelihood is in the ``suffstat`` form (whose statistics sum all rows) cannot be batched.
    """
    out = dict(data)
    out["y"] = data["y"][idx]
    for key in _ROW_KEYS:
        out[key] = {k: v[idx] if np.ndim(v) and np.shape(v)[0] == n else v
                    for k, v in data[key].items()}
    return out


def _flat_model(prog: ModelProgram) -> Callable[..., None]:
    """The model of ``v`` with ``u = center + D * v`` (a constant Jacobian, left out)."""

    def model(data: PyTree, prior_args: PyTree, scale: Any, center: Any, D: Any) -> None:
        shape = (prog.dim,)
        v = numpyro.sample("u", dist.ImproperUniform(constraints.real_vector, (), shape))
        numpyro.factor("target", -potential(prog, center + D * v, data, prior_args, scale))

    return model


def _guide(kind: str, model: Callable[..., None], dim: int) -> Any:
    init = init_to_value(values={"u": np.zeros(dim)})
    if kind == "meanfield":
        return AutoDiagonalNormal(model, init_loc_fn=init, init_scale=1.0)
    if kind == "fullrank" and dim <= LOWRANK_DIM:
        return AutoMultivariateNormal(model, init_loc_fn=init, init_scale=1.0)
    if kind == "fullrank":
        return AutoLowRankMultivariateNormal(model, init_loc_fn=init, init_scale=1.0)
    return AutoLaplaceApproximation(model, init_loc_fn=init)


def svi_run(prog: ModelProgram, kind: str, data: PyTree, prior_args: PyTree, *, steps: int,
            batch: int | None, eta: float, seed: int, draws: int, center: np.ndarray,
            D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit a guide with SVI in the coordinates ``v = (u - center) / D`` and draw from it.

    Laplace's guide returns its mode instead. ``center`` and ``D`` (the mode and the
    posterior scales, or 0 and 1) make ``v`` about standard normal, so one step size suits
    every data size; a diagonal or full normal guide of ``v`` is one of ``u``. Adam's step
    size decays from ``eta`` to ``eta / 100`` over the ``steps`` steps, and the guide's
    parameters are averaged over the second half of them. Each step uses a fresh batch of
    ``batch`` rows (None: all rows).

    Returns
    -------
    u
        ``(draws, dim)`` draws of ``u`` (``(dim,)``: the mode, for ``kind="laplace"``).
    losses
        The loss (minus the ELBO, on the batch) of every step.
    """
    n = int(np.shape(data["y"])[0])
    model = _flat_model(prog)
    guide = _guide(kind, model, prog.dim)
    decay = 0.01 ** (1.0 / max(steps, 1))
    half = steps // 2

    def run(key: jax.Array, data: PyTree, prior_args: PyTree,
            settings: tuple[jax.Array, ...]) -> tuple[Any, jax.Array]:
        center, D, eta = settings
        optim = numpyro.optim.Adam(lambda i: eta * decay ** i)
        svi = SVI(model, guide, optim, Trace_ELBO())
        scale = jnp.asarray(1.0 if batch is None else n / batch)

        def take(k: jax.Array) -> PyTree:
            if batch is None:
                return data
            # sorted, so that a group's "sorted" gather still sees sorted levels
            return rows(data, jnp.sort(jax.random.randint(k, (batch,), 0, n)), n)

        key, k0, k1 = jax.random.split(key, 3)
        state = svi.init(k0, take(k1), prior_args, scale, center, D)
        mean = jax.tree.map(jnp.zeros_like, svi.get_params(state))

        def body(i: jax.Array, c: tuple[Any, ...]) -> tuple[Any, ...]:
            st, mean, losses, k = c
            k, sub = jax.random.split(k)
            st, loss = svi.update(st, take(sub), prior_args, scale, center, D)
            w = jnp.where(i >= half, 1.0 / (i - half + 1.0), 1.0)
            mean = jax.tree.map(lambda m, p: m + w * (p - m), mean, svi.get_params(st))
            return st, mean, losses.at[i].set(loss), k

        losses = jnp.zeros(steps, dtype=jnp.result_type(float))
        _, params, losses, key = lax.fori_loop(0, steps, body, (state, mean, losses, key))
        if kind == "laplace":
            return center + D * params["auto_loc"], losses
        v = guide.sample_posterior(key, params, sample_shape=(draws,))["u"]
        return center + D * v, losses

    args = (jax.random.key(seed), data, prior_args, (center, D, np.asarray(eta)))
    key = ("approx", prog.structure, kind, steps, batch, draws)
    u, losses = compiled(key, lambda: jax.jit(run), args)(*args)
    return np.asarray(u), np.asarray(losses)


def hessian(prog: ModelProgram, u: np.ndarray, data: PyTree, prior_args: PyTree,
            scale: float) -> np.ndarray:
    """The Hessian of the potential at ``u`` (rows of ``data`` weighted by ``scale``).

    Built one Hessian-vector product per coordinate, 16 at a time, so memory stays at 16
    gradients.
    """
    def fn(u: jax.Array, data: PyTree, prior_args: PyTree, scale: jax.Array) -> jax.Array:
        grad = jax.grad(lambda x: potential(prog, x, data, prior_args, scale))

        def hvp(v: jax.Array) -> jax.Array:
            return jax.jvp(grad, (u,), (v,))[1]

        return lax.map(hvp, jnp.eye(u.shape[0], dtype=u.dtype), batch_size=16)

    args = (u, data, prior_args, np.asarray(scale, dtype=u.dtype))
    H = np.asarray(compiled(("hessian", prog.structure), lambda: jax.jit(fn), args)(*args))
    return (H + H.T) / 2


def newton(prog: ModelProgram, u: np.ndarray, data: PyTree, prior_args: PyTree,
           hess: Callable[[np.ndarray], np.ndarray], *, tries: int = 20) -> np.ndarray:
    """Damped Newton steps to the mode: the full-data gradient, ``hess(u)`` (ridged where it
    is not positive definite) and a backtracking line search on the full-data potential."""
    def fn(x: jax.Array, d: PyTree, p: PyTree) -> tuple[jax.Array, jax.Array]:
        return jax.value_and_grad(lambda v: potential(prog, v, d, p, 1.0))(x)

    vg = compiled(("value_grad", prog.structure), lambda: jax.jit(fn), (u, data, prior_args))
    f, g = (np.asarray(a) for a in vg(u, data, prior_args))
    for _ in range(tries):
        if not (np.isfinite(f) and np.all(np.isfinite(g))):
            break
        H = hess(u)
        low = float(np.linalg.eigvalsh(H)[0])
        if low <= 0:
            H = H + (1e-6 * np.max(np.abs(np.diag(H))) - low) * np.eye(len(u))
        step, t = np.linalg.solve(H, g), 1.0
        while t > 1e-6:
            f_new, g_new = (np.asarray(a) for a in vg(u - t * step, data, prior_args))
            if np.isfinite(f_new) and f_new <= f + 1e-10 * abs(f):
                break
            t /= 2
        else:
            break
        u, f, g = u - t * step, f_new, g_new
        if np.max(np.abs(t * step)) < 1e-9 * max(1.0, float(np.max(np.abs(u)))):
            break
    return u


def pathfinder_draws(prog: ModelProgram, data: PyTree, prior_args: PyTree, *, seed: int,
                     draws: int, steps: int) -> np.ndarray:
    """``(draws, dim)`` draws from BlackJAX's single-path Pathfinder (full data only)."""
    try:
        import blackjax
    except ImportError:
        raise ModelError(
            "algorithm='pathfinder' needs the optional package 'blackjax', which is not "
            "installed; install it (pip install blackjax) or choose 'meanfield', 'fullrank' "
            "or 'laplace'."
        ) from None

    def run(key: jax.Array, data: PyTree, prior_args: PyTree) -> jax.Array:
        def logdensity(u: jax.Array) -> jax.Array:
            return -potential(prog, u, data, prior_args, 1.0)

        k0, k1 = jax.random.split(key)
        state, _ = blackjax.vi.pathfinder.approximate(k0, logdensity, jnp.zeros(prog.dim),
                                                      maxiter=steps)
        return blackjax.vi.pathfinder.sample(k1, state, draws)[0]

    return np.asarray(jax.jit(run)(jax.random.key(seed), data, prior_args))
