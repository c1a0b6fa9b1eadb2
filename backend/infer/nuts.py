"""NUTS sampling of a lowered model with NumPyro, chains in parallel on host devices.

Four compiled programs run a fit. ``prepare`` adds the prior truncation terms to the prior values
(compiled and run on a thread of its own while the others are traced,
:mod:`brmsjax.backend.infer.prepare`); ``start`` and ``advance``
(:mod:`brmsjax.backend.infer.nuts_programs`, compiled at the same time on two threads) find a
finite initial point per chain around the initial values (:mod:`brmsjax.backend.infer.inits`) and
run warmup and sampling iterations, keeping each kept draw's coordinates; ``derive`` then computes
the draws' quantities from them. NUTS's adaptation starts from the curvature of the posterior at
its mode (:mod:`brmsjax.backend.infer.metric_init`, found on ``start``'s thread while ``advance``
compiles). All take the data and prior values as arguments and are kept per model structure,
sampler settings and argument shapes (:func:`brmsjax.backend.cache.compiled`), so a refit with data
of the same shapes traces and compiles nothing. ``advance`` runs in chunks of about a quarter
second (:mod:`brmsjax.backend.infer.chunks`): the same program, with no host callbacks in it, so a
progress bar can follow (:mod:`brmsjax.backend.infer.progress`, which shows compiling as a phase of
its own) and Ctrl-C stops the run at the end of a chunk (:class:`SamplingInterrupted`). Chains are
sharded over host devices (one chain per CPU core) and vectorized within a device
(:func:`brmsjax.backend.infer.devices.map_chains`). This module is the driver: :func:`sample`
checks brms's arguments, runs the programs and returns the draws.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from brmsjax.backend.cache import enable_persistent_cache
from brmsjax.backend.infer.chunks import SamplingInterrupted, run_chunks
from brmsjax.backend.infer.devices import ChainLayout, chain_layout
from brmsjax.backend.infer.distributed import chunk_start
from brmsjax.backend.infer.inits import cast_floats, check_inits, init_centre, initial_values
from brmsjax.backend.infer.metric_init import applies as metric_applies
from brmsjax.backend.infer.metric_init import laplace_inverse_mass
from brmsjax.backend.infer.nuts_programs import (
    DRAW_KEY,
    DRAW_U,
    WARMUP_STEPS,
    Settings,
    options_for,
    programs,
)
from brmsjax.backend.infer.prepare import prepared_later
from brmsjax.backend.infer.progress import FitProgress
from brmsjax.backend.infer.sharding import replicate, row_layout, shard_data
from brmsjax.backend.model.arguments import check_control, check_int
from brmsjax.backend.model.lower import LoweredModel
from brmsjax.formula.errors import ModelError

__all__ = ["SampleResult", "SamplingInterrupted", "sample"]

PyTree = Any


@dataclass(frozen=True)
class SampleResult:
    """Raw draws of one fit, with a chain dimension.

    Attributes
    ----------
    samples
        ``(chains, draws, ...)`` arrays by internal name: ``b``, ``b_Intercept``, ``Intercept``,
        dpars (``sigma``), ``sd_k``, ``cor_k``, ``r_k`` (``(chains, draws, levels, coefs)``),
        ``lprior`` and ``lp__``. ``lp__`` is minus NumPyro's potential energy: the log density
        on the unconstrained scale with the Jacobians of the constraining transforms and every
        normalizing constant (likelihood, priors, ``std_normal`` for ``z``). brms's programs
        add full ``_lpdf`` terms to ``target`` and the transforms are Stan's (``exp`` for lower
        bounds, ``tanh`` plus stick breaking for ``L_k``), so it estimates the same quantity as
        Stan's ``lp__`` (sleep_rs: -901.8 against brms's -901.7, sd 6.7). It differs where a
        model has no Stan twin: constants of families or priors written differently, or
        parameters brms would treat as data.
    stats
        ``(chains, draws)`` sampler statistics: ``diverging``, ``num_steps`` (leapfrog steps),
        ``treedepth`` (Stan's ``floor(log2(num_steps + 1))``), ``max_treedepth_hit``,
        ``accept_prob`` (mean acceptance over the tree, Stan's ``accept_stat__``), ``energy``
        and ``step_size``.
    step_size, inverse_mass
        Adapted step size ``(chains,)`` and inverse mass matrix: diagonal ``(chains, dim)``, or
        dense ``(chains, dim, dim)`` for models of at most :data:`DENSE_MAX_DIM` coordinates.
    layout, devices
        How chains were placed, and the devices that held them.
    seconds
        Wall time of ``start`` (initialization, compiling included), ``metric`` (the search
        for the first inverse mass matrix, within ``start``) and ``sample``.
    metric
        Where the adaptation of the mass matrix started: ``"laplace"`` (the curvature at the
        posterior mode, :mod:`brmsjax.backend.infer.metric_init`) or ``"identity"`` (NumPyro's
        default, where that search fails).
    warmup_steps
        ``(chains,)`` leapfrog steps (gradient evaluations) each chain took during warmup.
    """

    samples: Mapping[str, np.ndarray]
    stats: Mapping[str, np.ndarray]
    step_size: np.ndarray
    inverse_mass: np.ndarray
    chains: int
    iter: int
    warmup: int
    thin: int
    seed: int
    adapt_delta: float
    max_treedepth: int
    layout: ChainLayout
    float32: bool
    devices: tuple[str, ...] = ()
    seconds: Mapping[str, float] = field(default_factory=dict)
    metric: str = "identity"
    warmup_steps: np.ndarray | None = None

    @property
    def draws_per_chain(self) -> int:
        """Number of kept draws per chain."""
        return int(self.stats["diverging"].shape[1])


#: Models with at most this many unconstrained coordinates adapt a dense mass matrix (Stan's
#: ``dense_e``) instead of a diagonal one: cheap at this size, and it takes out the
#: correlations of population-level effects and covariance parameters (the seed's STAR model
#: with its class effects integrated out, 22 coordinates: 23 -> 16 leapfrog steps per draw).
DENSE_MAX_DIM = 64
#: Models that sample group-level coordinates (sites ``z_k``) adapt a dense mass matrix only
#: up to this many coordinates: the first adaptation window holds 25 draws, whose covariance
#: is singular in the other directions; NUTS then builds trees of 1023 steps until a later
#: window (nlme's Orthodont ``bf(distance ~ age * Sex + (age | Subject), sigma ~ Sex)``, 63
#: coordinates: 159,000 leapfrog steps per chain in warmup, against 38,000 with a diagonal
#: metric; benchmarks/RESULTS.md, "Non-gaussian models with group terms").
DENSE_MAX_DIM_GROUPS = 24


def dense_metric(lowered: LoweredModel) -> bool:
    """Whether NUTS adapts a dense mass matrix (:data:`DENSE_MAX_DIM`,
    :data:`DENSE_MAX_DIM_GROUPS`) rather than a diagonal one."""
    grouped = any(site.name.startswith(("z_", "zgp")) for site in lowered.sites)
    return lowered.program.dim <= (DENSE_MAX_DIM_GROUPS if grouped else DENSE_MAX_DIM)


def sample(
    lowered: LoweredModel,
    *,
    chains: int = 4,
    iter: int = 2000,
    warmup: int | None = None,
    thin: int = 1,
    cores: int | None = None,
    seed: int | None = None,
    control: Mapping[str, Any] | None = None,
    init: Any = None,
    progress: bool | None = False,
    float32: bool = False,
    shard_rows: bool | int = False,
) -> SampleResult:
    """Sample a lowered model with NumPyro's NUTS, with brms's ``brm()`` settings.

    Parameters
    ----------
    lowered
        The model from :func:`brmsjax.backend.model.lower.lower`.
    chains, iter, warmup, thin
        As brms: ``iter`` counts warmup, ``warmup`` defaults to ``iter // 2``, and each chain
        keeps ``ceil((iter - warmup) / thin)`` draws.
    cores
        At most this many devices (CPU cores) in parallel; None uses one per chain as far as
        host devices go (see :func:`brmsjax.backend.infer.devices.configure_host_devices`).
    seed
        Random seed; None draws one (it is stored in the result).
    control
        ``{"adapt_delta": 0.8, "max_treedepth": 10}``: NUTS's target acceptance probability and
        maximum tree depth.
    init
        None or ``"random"``: uniform(-2, 2) on the unconstrained scale (Stan's default)
        around :func:`init_centre` (mu's ``Intercept`` and ``sigma`` centred by their priors);
        ``0``: all unconstrained values 0; a positive number: uniform(-init, init); a dict of
        constrained values by site name (``Intercept``, ``b``, ``sigma``, ``sd_1``, ``z_1``,
        ``L_1``; others random) or a list of such dicts, one per chain.
    progress
        Show the progress (:class:`~brmsjax.backend.infer.progress.FitProgress`: compiling,
        then a sampling bar); None shows it on a terminal or in a Jupyter notebook once a run
        takes over 2 seconds.
    float32
        Compute in float32 instead of float64.
    shard_rows
        Split the data's rows over devices (True: all devices, those of every process after
        :func:`brmsjax.backend.infer.distributed.initialize`; a number: that many), for
        data too big for one device: all chains run vectorized in one program, every device
        holding every chain and a slice of the rows (:mod:`brmsjax.backend.infer.sharding`);
        ``cores`` is then ignored. False (the default) places chains as described above.

    Returns
    -------
    SampleResult
        Draws and sampler statistics with a chain dimension.
    """
    chains = check_int("chains", chains, 1)
    iter = check_int("iter", iter, 1)
    warmup = iter // 2 if warmup is None else check_int("warmup", warmup, 0)
    if warmup >= iter:
        raise ModelError(f"warmup ({warmup}) must be smaller than iter ({iter}).")
    thin = check_int("thin", thin, 1)
    if cores is not None:
        cores = check_int("cores", cores, 1)
    ctrl = check_control(control)
    adapt_delta, max_treedepth = ctrl["adapt_delta"], ctrl["max_treedepth"]
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    seed = check_int("seed", seed, 0)
    settings = Settings(
        warmup,
        math.ceil((iter - warmup) / thin),
        thin,
        max_treedepth,
        dense=dense_metric(lowered),
    )
    layout = row_layout(chains, shard_rows) if shard_rows else chain_layout(chains, cores)
    ftype = np.float32 if float32 else np.float64
    u0, mask, radius = initial_values(lowered, init, layout.total, ftype, chains)
    u0 = np.where(mask, u0, init_centre(lowered)).astype(ftype)
    seeds = np.random.SeedSequence(seed).generate_state(layout.total, dtype=np.uint32)
    chain_args = (seeds, u0, mask)
    data, run_model = cast_floats(lowered.data, float32), lowered
    if layout.rows:
        run_model, data = shard_data(lowered, data, layout, x64=not float32)
    shared = (ftype(radius), ftype(adapt_delta), data, cast_floats(lowered.prior_args, float32))
    display = FitProgress(progress, settings.total, chains)
    display.compiling()
    try:
        state, bufs, devices, times, metric, scale = _run(
            run_model,
            layout,
            settings,
            float32=float32,
            chain_args=chain_args,
            shared=shared,
            chains=chains,
            display=display,
        )
    except SamplingInterrupted:
        raise
    except KeyboardInterrupt:
        # Ctrl-C while compiling or initializing (the compile threads have been joined).
        raise SamplingInterrupted(0, settings.total) from None
    finally:
        display.close()
    out = {k: np.asarray(v)[:chains] for k, v in bufs.items()}
    warmup_steps = out.pop(WARMUP_STEPS)
    step_size = np.asarray(state.adapt_state.step_size)[:chains]
    stats = _stats(out, step_size, max_treedepth)
    return SampleResult(
        samples=out,
        stats=stats,
        step_size=step_size,
        inverse_mass=_unscaled(np.asarray(state.adapt_state.inverse_mass_matrix)[:chains], scale),
        chains=chains,
        iter=iter,
        warmup=warmup,
        thin=thin,
        seed=seed,
        adapt_delta=adapt_delta,
        max_treedepth=max_treedepth,
        layout=layout,
        float32=float32,
        devices=devices,
        seconds=times,
        metric=metric,
        warmup_steps=warmup_steps,
    )


def _run(
    lowered: LoweredModel,
    layout: ChainLayout,
    settings: Settings,
    *,
    float32: bool,
    chain_args: tuple[np.ndarray, ...],
    shared: tuple[Any, ...],
    chains: int,
    display: FitProgress,
) -> tuple[Any, dict[str, np.ndarray], tuple[str, ...], dict[str, float], str, np.ndarray]:
    """Initialize and run the chains; the draws come back as NumPy arrays, with the metric's
    origin and the coordinate scale NUTS ran on (:func:`_scaled`)."""
    enable_persistent_cache()
    radius, target, data, prior_args = shared
    times: dict[str, float] = {}
    info = {"metric": "identity"}
    with jax.enable_x64(not float32):
        t0 = time.perf_counter()
        # The other programs are traced with the prepared prior values' shapes while
        # ``prepare`` compiles and runs on a thread of its own.
        prior_shapes, prepared = prepared_later(lowered, prior_args, layout, float32)
        identity = _identity_mass(lowered.program.dim, settings.dense, chain_args[1].dtype)
        ones = np.ones(lowered.program.dim, dtype=chain_args[1].dtype)
        start_args = (chain_args, (radius, target, data, prior_shapes, identity, ones))

        def metric() -> tuple[np.ndarray, np.ndarray]:
            t_mode = time.perf_counter()
            found = None
            if metric_applies(lowered):
                with jax.enable_x64(not float32):
                    found = laplace_inverse_mass(
                        lowered,
                        data,
                        prepared(),
                        chain_args[1][0],
                        dense=settings.dense,
                        seed=int(chain_args[0][0]),
                        options=start_options,
                        key=layout,
                    )
            times["metric"] = time.perf_counter() - t_mode
            info["metric"] = "identity" if found is None else "laplace"
            return (identity, ones) if found is None else _scaled(found.astype(identity.dtype))

        lo_hi = (np.int32(0), np.int32(settings.total))
        start_options = options_for(lowered, layout)[1]
        start, advance, derive, (inverse_mass, scale) = programs(
            lowered,
            layout,
            settings,
            float32,
            start_args,
            advance_shared=(*lo_hi, target, data, prior_shapes, ones),
            then=metric,
        )
        prior_args = prepared()
        scale = replicate(scale, layout)
        start_args = (
            chain_args,
            (radius, target, data, prior_args, replicate(inverse_mass, layout), scale),
        )
        carry, ok = start(*start_args)
        times["start"] = time.perf_counter() - t0
        check_inits(np.asarray(ok)[:chains])
        run = None

        def step(lo: int, hi: int) -> Any:
            nonlocal carry, run
            args = (carry, (np.int32(lo), np.int32(hi), target, data, prior_args, scale))
            run = advance(args) if run is None else run
            carry = run(*args)
            return carry

        # The sampling bar starts here: its rate and ETA leave out compiling and initializing.
        carry = run_chunks(
            step, settings.total, bar=display.sampling(), first=chunk_start(settings.total)
        )
        devices = tuple(sorted(str(d) for d in carry[1]["lp__"].sharding.device_set))
        state, bufs = carry
        bufs = dict(bufs)
        draws = ((bufs.pop(DRAW_U), bufs.pop(DRAW_KEY)), (data, prior_args))
        bufs.update(derive(draws)(*draws))
        state, bufs = jax.device_get((state, bufs))
        times["sample"] = time.perf_counter() - t0 - times["start"]
    return state, bufs, devices, times, info["metric"], np.asarray(scale)


def _unscaled(inverse_mass: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Adapted inverse mass matrices ``(chains, ...)`` of ``v = u / scale`` on ``u``."""
    if inverse_mass.ndim == 3:
        return inverse_mass * scale[:, None] * scale[None, :]
    return inverse_mass * scale * scale


def _scaled(inverse_mass: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NUTS's first inverse mass matrix and coordinate scale from one on the model's scale.

    NUTS then runs on ``v = u / scale`` with ``scale = sqrt(diag(inverse_mass))``, starting
    from the correlation matrix (dense) or ones (diagonal). Same dynamics as ``u`` with
    ``inverse_mass``, but NumPyro (as Stan) regularizes each window's estimate towards
    ``1e-3 I``, which on ``u`` swamps posterior variances far below ``1e-3``: ``sigma`` at
    1,000,000 rows has a variance of about ``5e-7`` on the log scale, and the step size then
    fell with the number of rows (benchmarks/RESULTS.md, "NUTS on coordinates scaled by the
    mode's curvature").
    """
    diag = np.diagonal(inverse_mass) if inverse_mass.ndim == 2 else inverse_mass
    scale = np.sqrt(diag)
    if inverse_mass.ndim == 2:
        return inverse_mass / np.outer(scale, scale), scale
    return np.ones_like(inverse_mass), scale


def _identity_mass(dim: int, dense: bool, dtype: Any) -> np.ndarray:
    """NumPyro's default first inverse mass matrix: the identity, dense or diagonal."""
    return np.eye(dim, dtype=dtype) if dense else np.ones(dim, dtype=dtype)


def _stats(
    out: dict[str, np.ndarray], step_size: np.ndarray, max_treedepth: int
) -> dict[str, np.ndarray]:
    """Move the per-draw sampler statistics out of ``out``; add Stan's tree depth."""
    num_steps = out.pop("num_steps").astype(np.int64)
    depth = np.floor(np.log2(num_steps + 1)).astype(np.int64)
    return {
        "diverging": out.pop("diverging").astype(bool),
        "num_steps": num_steps,
        "treedepth": depth,
        "max_treedepth_hit": depth >= max_treedepth,
        "accept_prob": out.pop("accept_prob"),
        "energy": out.pop("energy"),
        "step_size": np.broadcast_to(step_size[:, None], num_steps.shape).copy(),
    }
