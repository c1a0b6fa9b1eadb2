"""Approximate posteriors of a lowered model, as brms's ``algorithm`` argument offers them.

=============  ===========================================================================
algorithm      method (on the flat unconstrained vector ``u``)
=============  ===========================================================================
meanfield      SVI with a diagonal normal guide (NumPyro ``AutoDiagonalNormal``); Stan's ADVI
fullrank       SVI with a full normal guide (``AutoMultivariateNormal``); above
               :data:`~brmsjax.backend.infer.approx_fit.LOWRANK_DIM` coordinates a low-rank plus
               diagonal covariance (``AutoLowRankMultivariateNormal``)
laplace        the mode of ``u`` (``AutoLaplaceApproximation``'s optimizer, then Newton steps
               on the full data) and normal draws with the inverse Hessian there as covariance:
               Stan's ``optimize(jacobian = TRUE)`` followed by ``laplace``
pathfinder     Stan's multi-path Pathfinder: 4 L-BFGS paths (BlackJAX's optimizer), the best
               normal approximation of each by its ELBO, draws importance-resampled with
               Pareto-smoothed weights (needs the optional package ``blackjax``;
               :func:`~brmsjax.backend.infer.approx_fit.pathfinder_draws`)
=============  ===========================================================================

The optimizer first finds the mode of ``u`` (Adam, then damped Newton steps with the
full-data gradient) and the Hessian there; meanfield and fullrank then fit their guide in
coordinates scaled by the Hessian's diagonal, in which the posterior has unit scale whatever
the number of rows.

Caveat, hierarchical models: in brms's non-centred coordinates ``(log sd, z)`` the joint mode
has ``sum_j z_j^2 = sd * d/dsd(-log prior(sd)) - 1`` (at most ``nu`` under a half
student-t(``nu``) prior, whatever the number of levels), while the posterior's mean of
``z_j^2`` is about 1: the mode sits at a far too large ``sd`` with collapsed ``z``. Laplace (as
Stan's, on the same coordinates) is then wrong and refuses with a :class:`ModelError` naming
the group-level sd (:func:`z_mean_squares`, :data:`Z_MEAN_SQUARE`); meanfield and fullrank
start there and can stay near it; Pathfinder's best points are early on its paths, nearer the
posterior but still off (warned through Pareto k). Group terms sampled centred (gaussian terms
with informative levels) are not affected, and the marginal form
(:mod:`brmsjax.backend.model.marginal`, group effects integrated out and drawn from their
conditional) removes the problem (pathfinder and laplace are tested on sleepstudy). The
measurements: benchmarks/RESULTS.md, "Timings moved from backend docstrings".
The suffstat and marginal forms cost the same for any number of rows and are never batched.

Data with more than :data:`BATCH_ROWS` rows are mini-batched: each optimizer step uses
:data:`BATCH_SIZE` random rows and scales their log likelihood by ``N / B``. The Hessian is
computed on all rows up to :data:`HESSIAN_ROWS`, else on that many random rows scaled by
``N / rows`` (an unbiased estimate). The draws become a one-chain :class:`ApproxResult` that
:func:`brmsjax.backend.infer.draws.to_draws` turns into brms-named columns, as for NUTS; ``lp__``
is 0
for every draw, as in rstan's variational output.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from brmsjax.backend.cache import enable_persistent_cache
from brmsjax.backend.infer import approx_fit
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.backend.infer.inits import init_centre
from brmsjax.backend.model.arguments import check_int
from brmsjax.backend.model.lower import LoweredModel
from brmsjax.formula.errors import ModelError
from brmsjax.formula.names import sd_name
from brmsjax.formula.warn import user_stacklevel

__all__ = [
    "ALGORITHMS",
    "BATCH_ROWS",
    "BATCH_SIZE",
    "ETA_MODE",
    "ETA_VARIATIONAL",
    "HESSIAN_ROWS",
    "PARETO_K",
    "Z_MEAN_SQUARE",
    "ApproxResult",
    "approximate",
    "check_algorithm",
    "sampler_name",
    "z_mean_squares",
]

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
#: Laplace refuses a fit whose non-centred group effects ``z`` have a mean square (over levels,
#: under the approximation) below this; their posterior's is about 1 (:func:`z_mean_squares`).
Z_MEAN_SQUARE = 0.25
#: Pathfinder warns when the Pareto k of its importance weights exceeds this (Stan's 0.7).
PARETO_K = 0.7


def sampler_name(algorithm: str) -> str:
    """How brms prints ``algorithm`` after ``Draws were sampled using``."""
    return "sampling(NUTS)" if algorithm == "sampling" else ALGORITHMS[algorithm]


@dataclass(frozen=True)
class ApproxResult:
    """Draws of an approximation, shaped as :class:`~brmsjax.backend.infer.nuts.SampleResult`.

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
        The loss of each optimizer step (minus the ELBO; the potential for Laplace); for
        Pathfinder minus the ELBO of each path's chosen approximation.
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
        The model from :func:`brmsjax.backend.model.lower.lower`.
    algorithm
        ``"meanfield"``, ``"fullrank"``, ``"laplace"`` or ``"pathfinder"``.
    iter
        Optimizer steps (brms passes ``iter`` to Stan's ADVI as its maximum number of
        iterations); all of them run (there is no ``tol_rel_obj`` stopping rule). Pathfinder
        takes it as each path's maximum number of L-BFGS iterations (a path stops earlier
        where the potential changes by less than 1e-12 relative).
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
        raise ModelError("algorithm='sampling' runs NUTS; call brmsjax.backend.infer.nuts.sample.")
    iter = check_int("iter", iter, 1)
    draws = check_int("output_samples", output_samples, 1)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    seed = check_int("seed", seed, 0)
    data, prior_args = lowered.model_args
    n = int(np.shape(data["y"])[0])
    batch = None if _summed(lowered) else _batch(batch_size, n)
    default = ETA_MODE if algorithm == "laplace" else ETA_VARIATIONAL
    step = default if eta is None else _check_eta(eta)
    prog = lowered.program
    enable_persistent_cache()
    t0 = time.perf_counter()
    losses = np.zeros(0)
    with jax.enable_x64(True):
        if algorithm == "pathfinder":
            u, info = approx_fit.pathfinder_draws(
                prog,
                data,
                prior_args,
                seed=seed,
                draws=draws,
                steps=iter,
                centre=init_centre(lowered),
            )
            losses = -info.elbo
            _check_pareto_k(info)
        else:
            zero, one = np.zeros(prog.dim), np.ones(prog.dim)
            eta_mode = step if algorithm == "laplace" else ETA_MODE
            u, losses = approx_fit.svi_run(
                prog,
                "laplace",
                data,
                prior_args,
                steps=iter,
                batch=batch,
                eta=eta_mode,
                seed=seed,
                draws=0,
                center=zero,
                D=one,
            )
            mode, H = _mode(lowered, u, data, prior_args, seed)
        if algorithm == "laplace":
            u = _laplace_draws(mode, H, seed, draws)
            _check_funnel(lowered, mode, H)
        elif algorithm != "pathfinder":
            d = np.diag(H)
            D = np.where(d > 0, 1 / np.sqrt(np.where(d > 0, d, 1.0)), 1.0)
            u, more = approx_fit.svi_run(
                prog,
                algorithm,
                data,
                prior_args,
                steps=iter,
                batch=batch,
                eta=step,
                seed=seed + 1,
                draws=draws,
                center=mode,
                D=D,
            )
            losses = np.concatenate([losses, more])
        t1 = time.perf_counter()
        samples = _derive(lowered, u, data, prior_args, seed + 2)
    t2 = time.perf_counter()
    zeros = np.zeros((1, draws))
    stats = {
        "diverging": zeros.astype(bool),
        "accept_prob": zeros,
        "step_size": zeros,
        "treedepth": zeros.astype(np.int64),
        "num_steps": zeros.astype(np.int64),
        "energy": zeros,
    }
    return ApproxResult(
        samples,
        stats,
        algorithm,
        iter,
        batch,
        seed,
        step,
        losses,
        {"fit": t1 - t0, "draws": t2 - t1},
    )


def _check_pareto_k(info: approx_fit.Pathfinder) -> None:
    """Warn, as Stan does, when importance resampling cannot correct Pathfinder's draws."""
    if info.pareto_k > PARETO_K:
        warnings.warn(
            f"Pathfinder's Pareto k is {info.pareto_k:.2f}, greater than {PARETO_K}: importance "
            "resampling could not correct the normal approximations, which may therefore be "
            "poor; compare with algorithm='sampling'.",
            SamplerWarning,
            stacklevel=user_stacklevel(),
        )


def _check_eta(eta: object) -> float:
    if isinstance(eta, bool) or not isinstance(eta, int | float) or not 0 < eta < np.inf:
        raise ModelError(f"eta must be a positive number, not {eta!r}.")
    return float(eta)


def _summed(lowered: LoweredModel) -> bool:
    """Whether the likelihood uses statistics summed over all rows (the suffstat and marginal
    forms, which cost the same for any number of rows, and the glm form's linear part): such
    a likelihood cannot be batched."""
    return getattr(lowered.structure, "likelihood", "plain") in (
        "suffstat",
        "marginal",
        "glm",
        "hybrid",
    )


def _batch(batch_size: int | None, n: int) -> int | None:
    if batch_size is None:
        return BATCH_SIZE if n > BATCH_ROWS else None
    size = check_int("batch_size", batch_size, 1)
    return None if size >= n else size


def _mode(
    lowered: LoweredModel, u: np.ndarray, data: Any, prior_args: Any, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The mode of ``u`` (damped Newton steps from the optimizer's result) and the Hessian
    there."""
    prog = lowered.program
    n = int(np.shape(data["y"])[0])
    sub, scale = data, 1.0
    if n > HESSIAN_ROWS and not _summed(lowered):
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


def z_mean_squares(lowered: LoweredModel, mode: np.ndarray, H: np.ndarray) -> dict[str, float]:
    """The mean over levels of ``E[z^2]`` under the Laplace approximation, per coefficient of
    each non-centred group term, by brms's sd name (``sd_g__Intercept``).

    ``z`` has a standard normal prior, and its posterior mean square over the levels is
    about 1 whether the data are weak (``z`` near its prior) or strong (``z = r / sd``, with
    ``sd`` about the root mean square of the ``r``). At the joint mode of ``(log sd, z)``,
    though, the stationarity in ``log sd`` gives ``sum_j z_j^2 = sd * d/dsd(-log prior(sd))
    - 1`` (at most ``nu`` for brms's half student-t(``nu``) prior, whatever the number of
    levels): where the data pin the effects down, the mode is at a large ``sd`` and small
    ``z`` and the normal there is far from the posterior.
    """
    cov_diag = np.diag(np.linalg.inv(H))
    names = {gn.id: gn for gn in lowered.names.groups}
    offsets, i = {}, 0
    for site in lowered.sites:
        offsets[site.name] = i
        i += site.size
    out = {}
    for g in lowered.structure.groups:
        if g.centred or f"z_{g.id}" not in offsets:
            continue
        start = offsets[f"z_{g.id}"]
        sl = slice(start, start + g.M * g.n_levels)
        ez2 = (mode[sl] ** 2 + cov_diag[sl]).reshape(g.M, g.n_levels).mean(axis=1)
        gn = names[g.id]
        for coef, dpar, value in zip(gn.coefs, gn.dpars, ez2, strict=True):
            out[sd_name(gn.group, coef, dpar)] = float(value)
    return out


def _check_funnel(lowered: LoweredModel, mode: np.ndarray, H: np.ndarray) -> None:
    """Refuse a Laplace approximation whose standardized group effects ``z`` have collapsed
    (see :func:`z_mean_squares`)."""
    bad = {k: v for k, v in z_mean_squares(lowered, mode, H).items() if v < Z_MEAN_SQUARE}
    if bad:
        listed = ", ".join(f"{k} ({v:.2g})" for k, v in bad.items())
        raise ModelError(
            "The Laplace approximation is unreliable here: at the joint mode of brms's "
            "non-centred coordinates the standardized group-level effects z have a mean "
            f"square far below their prior's 1 for {listed}, so the mode sits at too large "
            "a group-level sd (the data pin down each level's effect). Use "
            "algorithm='pathfinder' or 'sampling'."
        )


def _derive(lowered: LoweredModel, u: np.ndarray, data: Any, prior_args: Any, seed: int) -> dict:
    """The per-draw quantities NUTS saves, with a chain dimension of 1 and ``lp__ = 0``.

    The marginal form (group effects integrated out) draws each draw's group effects from
    their conditional, with a key per draw from ``seed``.
    """
    prog = lowered.program
    n = int(np.shape(data["y"])[0])
    small = approx_fit.rows(data, np.arange(min(n, 1)), n)  # derive reads no row-wise data
    keys = jax.random.split(jax.random.key(seed), u.shape[0])
    fn = jax.jit(jax.vmap(prog.derive, in_axes=(0, None, None, 0)))
    out = {k: np.asarray(v)[None] for k, v in fn(u, small, prior_args, keys).items()}
    out["lp__"] = np.zeros((1, u.shape[0]))
    return out
