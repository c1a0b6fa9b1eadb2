"""The optimizers behind :mod:`brmsjax.backend.infer.approx`: SVI, Laplace and Pathfinder on ``u``.

Every approximation works on the flat unconstrained vector ``u`` of a lowered model, whose
potential (minus the log density with the Jacobians of the constraining transforms) is the
program's own NumPyro model. Mini-batching scales the ``log_lik`` factor of that model by
``N / B`` on a random batch of ``B`` rows (drawn with replacement, so each step's potential is
unbiased for the full-data potential); the priors, the ``z`` terms and the Jacobians are counted
once. Data and prior values are arguments of every jitted function.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
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
from brmsjax.backend.model.lower import ModelProgram
from brmsjax.formula.errors import ModelError

__all__ = [
    "ELBO_DRAWS",
    "HISTORY",
    "LOWRANK_DIM",
    "PATHS",
    "Pathfinder",
    "hessian",
    "newton",
    "pathfinder_draws",
    "rows",
    "svi_run",
]

PyTree = Any
#: Above this many unconstrained coordinates ``fullrank`` uses a low-rank plus diagonal
#: covariance (``AutoLowRankMultivariateNormal``, rank ``sqrt(dim)``) instead of a full one.
LOWRANK_DIM = 500
#: Pathfinder's settings, Stan's defaults: paths (brms passes ``num_paths = chains``, 4),
#: L-BFGS history size, and draws per ELBO estimate.
PATHS = 4
HISTORY = 5
ELBO_DRAWS = 25
_ROW_KEYS = ("X", "Xsp", "offset", "J", "Z", "addition")


class _ScaleSite(Messenger):
    """Multiply the log density of one site (the ``log_lik`` factor) by ``scale``."""

    def __init__(self, fn: Callable[..., Any], name: str, scale: Any) -> None:
        self.name, self.scale = name, scale
        super().__init__(fn)

    def process_message(self, msg: dict[str, Any]) -> None:
        if msg["name"] == self.name:
            msg["scale"] = self.scale if msg["scale"] is None else msg["scale"] * self.scale


def potential(
    prog: ModelProgram, u: jax.Array, data: PyTree, prior_args: PyTree, scale: Any
) -> jax.Array:
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
    for key in (k for k in _ROW_KEYS if k in data):  # Xsp only with mo() terms
        out[key] = {
            k: v[idx] if np.ndim(v) and np.shape(v)[0] == n else v for k, v in data[key].items()
        }
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


def svi_run(
    prog: ModelProgram,
    kind: str,
    data: PyTree,
    prior_args: PyTree,
    *,
    steps: int,
    batch: int | None,
    eta: float,
    seed: int,
    draws: int,
    center: np.ndarray,
    D: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
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

    def run(
        key: jax.Array, data: PyTree, prior_args: PyTree, settings: tuple[jax.Array, ...]
    ) -> tuple[Any, jax.Array]:
        center, D, eta = settings
        optim = numpyro.optim.Adam(lambda i: eta * decay**i)
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


def hessian(
    prog: ModelProgram, u: np.ndarray, data: PyTree, prior_args: PyTree, scale: float
) -> np.ndarray:
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


def newton(
    prog: ModelProgram,
    u: np.ndarray,
    data: PyTree,
    prior_args: PyTree,
    hess: Callable[[np.ndarray], np.ndarray],
    *,
    tries: int = 20,
) -> np.ndarray:
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


def pathfinder_draws(
    prog: ModelProgram,
    data: PyTree,
    prior_args: PyTree,
    *,
    seed: int,
    draws: int,
    steps: int,
    centre: np.ndarray,
    paths: int = PATHS,
) -> tuple[np.ndarray, Pathfinder]:
    """``(draws, dim)`` draws of ``u`` from multi-path Pathfinder, as Stan's ``pathfinder``.

    Each of ``paths`` paths runs L-BFGS (BlackJAX's, history :data:`HISTORY`, at most
    ``steps`` iterations) on the full-data potential from ``centre`` plus uniform(-2, 2)
    noise, estimates the ELBO of the normal approximation at every point of its path from
    :data:`ELBO_DRAWS` draws, and draws ``draws`` times from the best one. The ``paths *
    draws`` draws are then importance-resampled (Pareto-smoothed weights ``p / q``, with
    replacement) to ``draws``, Stan's defaults (``num_paths`` is brms's ``chains``, 4).

    The approximation at a path point ``x`` with inverse-Hessian estimate ``S`` has mean
    ``x + S grad log p(x)`` (Zhang et al. 2022, algorithm 1); BlackJAX's own
    ``pathfinder.approximate`` passes the potential's gradient, the opposite sign, which is
    harmless only at the mode, so its pieces (``minimize_lbfgs``,
    ``lbfgs_inverse_hessian_factors``, ``bfgs_sample``) are used directly.

    Returns
    -------
    u
        The resampled draws.
    info
        The ELBO, L-BFGS iterations and point chosen of each path, and the Pareto k of the
        importance weights.
    """
    try:
        from blackjax.optimizers.lbfgs import (
            bfgs_sample,
            lbfgs_inverse_hessian_factors,
            minimize_lbfgs,
        )
    except ImportError:
        raise ModelError(
            "algorithm='pathfinder' needs the optional package 'blackjax', which is not "
            "installed; install it (pip install blackjax) or choose 'meanfield', 'fullrank' "
            "or 'laplace'."
        ) from None
    n = int(np.shape(data["y"])[0])
    chunk = max(1, min(draws, 2**22 // max(n, 1)))  # rows x draws per potential batch

    def run(
        key: jax.Array, x0: jax.Array, data: PyTree, prior_args: PyTree
    ) -> tuple[jax.Array, ...]:
        def f(u: jax.Array) -> jax.Array:
            return potential(prog, u, data, prior_args, 1.0)

        last, hist = minimize_lbfgs(
            f, x0, maxiter=steps, maxcor=HISTORY, gtol=1e-8, ftol=1e-12, maxls=1000
        )
        n_iter = last.state.iter_num
        mask = hist.update_mask[1:]
        pad = ((HISTORY, 0), (0, 0))
        s = jnp.pad(jnp.where(mask, jnp.diff(hist.x, axis=0), 0.0), pad)
        z = jnp.pad(jnp.where(mask, jnp.diff(hist.g, axis=0), 0.0), pad)

        def approx_at(i: jax.Array, k: jax.Array, size: int) -> tuple[jax.Array, jax.Array]:
            # the updates that led to point i, at most HISTORY of them
            S = lax.dynamic_slice_in_dim(s, i, HISTORY)
            Z = lax.dynamic_slice_in_dim(z, i, HISTORY)
            alpha = hist.alpha[i]
            beta, gamma = lbfgs_inverse_hessian_factors(S.T, Z.T, alpha)
            return bfgs_sample(k, size, hist.x[i], -hist.g[i], alpha, beta, gamma)

        def elbo(args: tuple[jax.Array, jax.Array]) -> jax.Array:
            i, k = args

            def estimate(_: None) -> jax.Array:
                phi, logq = approx_at(i, k, ELBO_DRAWS)
                return jnp.mean(-jax.vmap(f)(phi) - logq)

            value = lax.cond(i <= n_iter, estimate, lambda _: jnp.asarray(-jnp.inf), None)
            return jnp.where(jnp.isfinite(value), value, -jnp.inf)

        k0, k1 = jax.random.split(key)
        points = jnp.arange(steps + 1)
        elbos = lax.map(elbo, (points, jax.random.split(k0, steps + 1)))
        best = jnp.argmax(elbos)
        phi, logq = approx_at(best, k1, draws)
        logp = -lax.map(f, phi, batch_size=chunk)
        return phi, logp - logq, elbos[best], n_iter, best

    rng = np.random.default_rng(seed)
    out = []
    for p in range(paths):
        x0 = centre + rng.uniform(-2.0, 2.0, centre.shape)
        args = (jax.random.key(seed + p), x0, data, prior_args)
        key = ("pathfinder", prog.structure, steps, draws)
        out.append([np.asarray(a) for a in compiled(key, lambda: jax.jit(run), args)(*args)])
    u = np.concatenate([o[0] for o in out])
    lw = np.concatenate([o[1] for o in out])
    lw = np.where(np.isfinite(lw), lw, -np.inf)
    elbos = np.array([float(o[2]) for o in out])
    if not np.any(np.isfinite(lw)):
        raise ModelError(
            "Pathfinder found no normal approximation with a finite density on any of its "
            f"{paths} paths (ELBOs {', '.join(f'{e:.4g}' for e in elbos)}); use "
            "algorithm='laplace', 'meanfield' or 'sampling'."
        )
    lw_smooth, k = _psis(lw)
    idx = rng.choice(len(lw), size=draws, replace=True, p=np.exp(lw_smooth))
    info = Pathfinder(
        elbo=elbos,
        iterations=np.array([int(o[3]) for o in out]),
        best=np.array([int(o[4]) for o in out]),
        pareto_k=k,
    )
    return u[idx], info


@dataclass(frozen=True)
class Pathfinder:
    """What Pathfinder reports besides its draws.

    Attributes
    ----------
    elbo
        The ELBO estimate of each path's chosen approximation.
    iterations
        L-BFGS iterations of each path.
    best
        The path point (iteration) each path's approximation was taken at.
    pareto_k
        The Pareto k of the importance weights of all draws (above 0.7: the resampling could
        not correct the approximation, which is then likely poor).
    """

    elbo: np.ndarray
    iterations: np.ndarray
    best: np.ndarray
    pareto_k: float


def _psis(lw: np.ndarray) -> tuple[np.ndarray, float]:
    """Pareto-smoothed, normalized log weights of ``lw`` (``-inf`` kept) and their k."""
    from brmsjax.backend.infer.diagnostics import import_arviz

    ok = np.isfinite(lw)
    out = np.full(lw.shape, -np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ArviZ warns about k > 0.7; the caller does
        smooth, k = import_arviz().psislw(lw[ok])
    out[ok] = np.asarray(smooth)
    out -= np.logaddexp.reduce(out[ok])
    return out, float(k)
