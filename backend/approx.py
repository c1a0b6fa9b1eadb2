"""Approximate posteriors of a lowered model, as brms's ``algorithm`` argument offers them.

=============  ===========================================================================
algorithm      method (on the flat unconstrained vector ``u``)
=============  ===========================================================================
meanfield      SVI with a diagonal normal guide (NumPyro ``AutoDiagonalNormal``); Stan's ADVI
fullrank       SVI with a full normal guide (``AutoMultivariateNormal``); above
               :data:`~brmsjax.backend.approx_fit.LOWRANK_DIM` coordinates a low-rank plus
               diagonal covariance (``AutoLowRankMultivariateNormal``)
laplace        the mode of ``u`` (``AutoLaplaceApproximation``'s optimizer, then Newton steps
               on the full data) and normal draws with the inverse Hessian there as covariance:
               Stan's ``optimize(jacobian = TRUE)`` followed by ``laplace``
pathfinder     BlackJAX's single-path Pathfinder (needs the optional package ``blackjax``)
=============  ===========================================================================

The optimizer first finds the mode of ``u`` (Adam, then damped Newton steps with the
full-data gradient) and the Hessian there; meanfield and fullrank then fit their guide in
coordinates scaled by the Hessian's diagonal, in which the posterior has unit scale whatever
the number of rows. Caveat: in a hierarchical model with much data per level the joint mode of
the non-centred ``(log sd, z)`` lies at a far too large ``sd``; Laplace (as Stan's, on the
same coordinates) is then wrong, and meanfield started there stays near it. Data with more
than :data:`BATCH_ROWS` rows are mini-batched: each optimizer step uses
:data:`BATCH_SIZE` random rows and scales their log likelihood by ``N / B``. The Hessian is
computed on all rows up to :data:`HESSIAN_ROWS`, else on that many random rows scaled by
``N / rows`` (an unbiased estimate). A gaussian model whose likelihood is in the ``suffstat``
form (:mod:`brmsjax.backend.forms`) costs the same for any number of rows and is never
batched. The draws become a one-chain :class:`ApproxResult` that
:func:`brmsjax.backend.draws.to_draws` turns into brms-named columns, as for NUTS; ``lp__`` is 0
for every draw, as in rstan's variational output.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from brmsjax.backend import approx_fit
from brmsjax.backend.cache import enable_persistent_cache
from brmsjax.backend.lower import LoweredModel
from brmsjax.formula.errors import ModelError

__all__ = ["ALGORITHMS", "BATCH_ROWS", "BATCH_SIZE", "ETA_MODE", "ETA_VARIATIONAL",
           "HESSIAN_ROWS", "ApproxResult", "approximate", "check_algorithm", "sampler_name"]

#: Approximations and how brms prints them (``Draws were sampled using ...``).
ALGORITHMS = {
    "meanfield": "variational(meanfield)",
    "fullrank": "variational(fullrank)",
    "laplace": "laplace",
    "pathfinder": "pathfinder",
}
#: Data with more rows than this are mini-batched unless ``batch_size`` is given.
BATCH_ROWS = 100_000
#: Rows per optimizer step when mini-batching by default.
BATCH_SIZE = 10_000
#: Laplace's Hessian uses at most this many rows.
HESSIAN_ROWS = 100_000
#: Adam's initial step size: of the mode search (laplace; the first stage of the others) and of
#: the variational fit, whose coordinates have about unit posterior scale.
ETA_MODE = 0.05
ETA_VARIATIONAL = 0.01


def sampler_name(algorithm: str) -> str:
    """How brms prints ``algorithm`` after ``Draws were sampled using``."""
    return "sampling(NUTS)" if algorithm == "sampling" else ALGORITHMS[algorithm]


@dataclass(frozen=True)
class ApproxResult:
    """Draws of an approximation, shaped as :class:`~brmsjax.backend.inference.SampleResult`.

    Attributes
    ----------
    samples
        ``(1, draws, ...)`` arrays by internal name (``b``, ``sigma``, ``r_1``, ``lprior``,
        ``lp__``), one chain as brms stores variational draws.
    stats
        Zero-filled NUTS statistics (there are none), so that ``to_draws`` works.
    algorithm, iter, batch_size, seed, eta
        The settings used (``iter`` optimizer steps; ``batch_size`` None when every step saw all
        rows).
    losses
        The loss of each optimizer step (minus the ELBO; the potential for Laplace).
    seconds
        Wall time of the fit and of the draws.
    """

    samples: Mapping[str, np.ndarray]
    stats: Mapping[str, np.ndarray]
    algorithm: str
    iter: int
    batch_size: int | None
    seed: int
    eta: float
    losses: np.ndarray
    seconds: Mapping[str, float] = field(default_factory=dict)
    chains: int = 1

    @property
    def draws_per_chain(self) -> int:
        """Number of draws."""
        return int(self.stats["diverging"].shape[1])


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ModelError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return int(value)


def check_algorithm(algorithm: object) -> str:
    """``algorithm`` if brmsjax knows it, else a :class:`ModelError` listing the choices."""
    choices = ("sampling", *ALGORITHMS)
    if not isinstance(algorithm, str) or algorithm not in choices:
        raise ModelError(
            f"algorithm must be one of {', '.join(map(repr, choices))}, not {algorithm!r}."
        )
    return algorithm


def approximate(
    lowered: LoweredModel,
    *,
    algorithm: str = "meanfield",
    iter: int = 2000,
    output_samples: int = 1000,
    batch_size: int | None = None,
    eta: float | None = None,
    seed: int | None = None,
) -> ApproxResult:
    """Approximate the posterior of a lowered model and draw from the approximation.

    Parameters
    ----------
    lowered
        The model from :func:`brmsjax.backend.lower.lower`.
    algorithm
        ``"meanfield"``, ``"fullrank"``, ``"laplace"`` or ``"pathfinder"``.
    iter
        Optimizer steps (brms passes ``iter`` to Stan's ADVI as its maximum number of
        iterations); all of them run (there is no ``tol_rel_obj`` stopping rule). Pathfinder
        takes it as L-BFGS's maximum number of iterations.
    output_samples
        Number of draws (brms's default 1000).
    batch_size
        Rows per optimizer step; None: all rows up to :data:`BATCH_ROWS` rows, else
        :data:`BATCH_SIZE` (at least all rows). Pathfinder uses all rows.
    eta
        Adam's initial step size, decaying to ``eta / 100`` over the steps: of the variational
        fit for meanfield and fullrank (default :data:`ETA_VARIATIONAL`, in coordinates where
        the posterior has about unit scale; their mode search uses :data:`ETA_MODE`), of the
        mode search for laplace (default :data:`ETA_MODE`).
    seed
        Random seed; None draws one.

    Returns
    -------
    ApproxResult
        ``output_samples`` draws as one chain.
    """
    if algorithm not in ALGORITHMS:
        check_algorithm(algorithm)
        raise ModelError("algorithm='sampling' runs NUTS; call brmsjax.backend.inference.sample.")
    iter = _check_int("iter", iter, 1)
    draws = _check_int("output_samples", output_samples, 1)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    seed = _check_int("seed", seed, 0)
    data, prior_args = lowered.model_args
    n = int(np.shape(data["y"])[0])
    suffstat = getattr(lowered.structure, "likelihood", "plain") == "suffstat"
    batch = None if suffstat else _batch(batch_size, n)
    default = ETA_MODE if algorithm == "laplace" else ETA_VARIATIONAL
    step = default if eta is None else _check_eta(eta)
    prog = lowered.program
    enable_persistent_cache()
    t0 = time.perf_counter()
    losses = np.zeros(0)
    with jax.enable_x64(True):
        if algorithm == "pathfinder":
            u = approx_fit.pathfinder_draws(prog, data, prior_args, seed=seed, draws=draws,
                                            steps=iter)
        else:
            zero, one = np.zeros(prog.dim), np.ones(prog.dim)
            eta_mode = step if algorithm == "laplace" else ETA_MODE
            u, losses = approx_fit.svi_run(prog, "laplace", data, prior_args, steps=iter,
                                           batch=batch, eta=eta_mode, seed=seed, draws=0,
                                           center=zero, D=one)
            mode, H = _mode(lowered, u, data, prior_args, seed)
        if algorithm == "laplace":
            u = _laplace_draws(mode, H, seed, draws)
        elif algorithm != "pathfinder":
            d = np.diag(H)
            D = np.where(d > 0, 1 / np.sqrt(np.where(d > 0, d, 1.0)), 1.0)
            u, more = approx_fit.svi_run(prog, algorithm, data, prior_args, steps=iter,
                                         batch=batch, eta=step, seed=seed + 1, draws=draws,
                                         center=mode, D=D)
            losses = np.concatenate([losses, more])
        t1 = time.perf_counter()
        samples = _derive(lowered, u, data, prior_args)
    t2 = time.perf_counter()
    zeros = np.zeros((1, draws))
    stats = {"diverging": zeros.astype(bool), "accept_prob": zeros, "step_size": zeros,
             "treedepth": zeros.astype(np.int64), "num_steps": zeros.astype(np.int64),
             "energy": zeros}
    return ApproxResult(samples, stats, algorithm, iter, batch, seed, step, losses,
                        {"fit": t1 - t0, "draws": t2 - t1})


def _check_eta(eta: object) -> float:
    if isinstance(eta, bool) or not isinstance(eta, int | float) or not 0 < eta < np.inf:
        raise ModelError(f"eta must be a positive number, not {eta!r}.")
    return float(eta)


def _batch(batch_size: int | None, n: int) -> int | None:
    if batch_size is None:
        return BATCH_SIZE if n > BATCH_ROWS else None
    size = _check_int("batch_size", batch_size, 1)
    return None if size >= n else size


def _mode(lowered: LoweredModel, u: np.ndarray, data: Any, prior_args: Any,
          seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The mode of ``u`` (damped Newton steps from the optimizer's result) and the Hessian
    there."""
    prog = lowered.program
    n = int(np.shape(data["y"])[0])
    sub, scale = data, 1.0
    if n > HESSIAN_ROWS and getattr(lowered.structure, "likelihood", "plain") != "suffstat":
        idx = np.sort(np.random.default_rng(seed).choice(n, HESSIAN_ROWS, replace=False))
        sub, scale = approx_fit.rows(data, idx, n), n / HESSIAN_ROWS

    def hess(x: np.ndarray) -> np.ndarray:
        return approx_fit.hessian(prog, x, sub, prior_args, scale)

    u = approx_fit.newton(prog, u, data, prior_args, hess)
    return u, hess(u)


def _laplace_draws(mode: np.ndarray, H: np.ndarray, seed: int, draws: int) -> np.ndarray:
    """Normal draws around the mode with the inverse Hessian of the potential as covariance."""
    rng = np.random.default_rng(seed)
    try:
        L = np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        raise ModelError(
            "The Hessian at the posterior mode is not positive definite, so the Laplace "
            "approximation does not exist; use algorithm='meanfield' or 'sampling'."
        ) from None
    eps = rng.standard_normal((draws, mode.shape[0]))
    # u = mode + L^-T eps has covariance (L L^T)^-1 = H^-1.
    return mode + np.linalg.solve(L.T, eps.T).T


def _derive(lowered: LoweredModel, u: np.ndarray, data: Any, prior_args: Any) -> dict:
    """The per-draw quantities NUTS saves, with a chain dimension of 1 and ``lp__ = 0``."""
    prog = lowered.program
    n = int(np.shape(data["y"])[0])
    small = approx_fit.rows(data, np.arange(min(n, 1)), n)  # derive reads no row-wise data
    fn = jax.jit(jax.vmap(prog.derive, in_axes=(0, None, None)))
    out = {k: np.asarray(v)[None] for k, v in fn(u, small, prior_args).items()}
    out["lp__"] = np.zeros((1, u.shape[0]))
    return out
