"""NUTS sampling of a lowered model with NumPyro, chains in parallel on host devices.

Three compiled programs run a fit (``start`` and ``advance`` are compiled at the same time on
two threads). ``prepare`` adds the prior truncation terms to the prior
values; ``start`` finds a finite initial point per chain (Stan's uniform(-2, 2) on the
unconstrained scale, up to 100 tries) and initializes NumPyro's NUTS kernel, its adaptation
starting from the curvature of the posterior at its mode (:mod:`brmsjax.backend.infer.metric_init`,
found on ``start``'s thread while ``advance`` compiles); ``advance`` runs
warmup and sampling iterations ``[lo, hi)`` in one ``fori_loop`` and writes each kept draw's
quantities into preallocated buffers. All take the data and prior values as arguments and are
kept per model structure, sampler settings and argument shapes
(:func:`brmsjax.backend.infer.cache.compiled`), so a refit with data of the same shapes traces and
compiles nothing. A progress bar calls ``advance`` in chunks: the same program, with no host
callbacks in it. Chains are sharded over host devices (one chain per CPU core) and vectorized
within a device (:func:`brmsjax.backend.infer.devices.map_chains`).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from numpyro.infer.hmc import hmc
from numpyro.infer.util import ParamInfo

from brmsjax.backend.infer.cache import ONE_OFF_OPTIONS, compiled, enable_persistent_cache, lookup
from brmsjax.backend.infer.devices import ChainLayout, chain_layout, chain_sharding, map_chains
from brmsjax.backend.infer.diagnostics import import_arviz
from brmsjax.backend.infer.metric_init import applies as metric_applies
from brmsjax.backend.infer.metric_init import laplace_inverse_mass
from brmsjax.backend.infer.sharding import replicate, row_layout, shard_data
from brmsjax.backend.model.arguments import check_control, check_int
from brmsjax.backend.model.lower import LoweredModel, ModelProgram
from brmsjax.formula.errors import ModelError

__all__ = ["SampleResult", "sample"]

PyTree = Any
_INIT_TRIES = 100
_STATS = ("lp__", "diverging", "num_steps", "accept_prob", "energy")


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

    @property
    def draws_per_chain(self) -> int:
        """Number of kept draws per chain."""
        return int(self.stats["diverging"].shape[1])


#: On a CPU, samplers of models whose log density is a function of summed statistics (the
#: suffstat and marginal forms) or of at most this many rows are compiled with XLA's legacy
#: emitters (``ONE_OFF_OPTIONS``): their steps are many small operations, which those
#: emitters compile about 30% faster with no slower steps. Measured cache off on the 2-core VM
#: (2026-11-26): STAR cold fit 45.7 s against 52.6 s (sampling 33.4-34.9 s against
#: 34.1-37.2 s); sleepstudy cold 9.3-10.6 s against 13.4-14.2 s, warm 1.3-1.9 s either way.
SMALL_ROWS = 20_000

#: Models with at most this many unconstrained coordinates adapt a dense mass matrix (Stan's
#: ``dense_e``) instead of a diagonal one: cheap at this size, and it takes out the
#: correlations of population-level effects and covariance parameters (the seed's STAR model
#: with its class effects integrated out, 22 coordinates: 23 -> 16 leapfrog steps per draw).
DENSE_MAX_DIM = 64


@dataclass(frozen=True)
class _Settings:
    warmup: int
    n_save: int
    thin: int
    max_treedepth: int
    dense: bool = False

    @property
    def total(self) -> int:
        """Iterations run: warmup, then sampling up to the last kept draw (as Stan)."""
        return self.warmup + (self.n_save - 1) * self.thin + 1


def _kernel(prog: ModelProgram) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """NUTS on the coordinates ``v = u / scale`` (``scale``, a model argument, from
    :func:`_scaled`)."""

    def gen(data: PyTree, prior_args: PyTree, scale: jax.Array) -> Callable[[jax.Array], jax.Array]:
        return lambda v: prog.potential(v * scale, data, prior_args)

    return hmc(potential_fn_gen=gen, algo="NUTS")


def _start_fn(prog: ModelProgram, s: _Settings) -> Callable[..., Any]:
    """Per chain: a finite initial point, NUTS state and empty draw buffers."""

    def start(chain: tuple[jax.Array, ...], shared: tuple[Any, ...]) -> PyTree:
        seed, u_init, mask = chain
        radius, target, data, prior_args, inverse_mass, scale = shared
        value_and_grad = jax.value_and_grad(lambda v: prog.potential(v * scale, data, prior_args))

        def attempt(key: jax.Array) -> tuple[jax.Array, ...]:
            draw = jax.random.uniform(key, u_init.shape, u_init.dtype, -radius, radius)
            v = jnp.where(mask, u_init, u_init + draw) / scale  # random values around the centre
            pe, grad = value_and_grad(v)
            return v, pe, grad, jnp.isfinite(pe) & jnp.all(jnp.isfinite(grad))

        def body(c: tuple[Any, ...]) -> tuple[Any, ...]:
            key, sub = jax.random.split(c[1])
            return (c[0] + 1, key, *attempt(sub))

        key_init, key_run = jax.random.split(jax.random.key(seed))
        empty = (u_init, jnp.zeros((), u_init.dtype), jnp.zeros_like(u_init), jnp.array(False))
        _, _, u, pe, grad, ok = lax.while_loop(
            lambda c: (~c[-1]) & (c[0] < _INIT_TRIES), body, (0, key_init, *empty)
        )
        init_kernel, _ = _kernel(prog)
        state = init_kernel(
            ParamInfo(u, pe, grad),
            s.warmup,
            target_accept_prob=target,
            max_tree_depth=s.max_treedepth,
            dense_mass=s.dense,
            inverse_mass_matrix=inverse_mass,
            model_args=(data, prior_args, scale),
            rng_key=key_run,
        )
        shapes = jax.eval_shape(prog.derive, u, data, prior_args, key_run)
        bufs = {k: jnp.zeros((s.n_save, *v.shape), v.dtype) for k, v in shapes.items()}
        for k, v in zip(_STATS, _stat_values(state), strict=True):
            bufs[k] = jnp.zeros((s.n_save, *jnp.shape(v)), jnp.result_type(v))
        return (state, bufs), ok

    return start


def _stat_values(state: Any) -> tuple[jax.Array, ...]:
    return (
        -state.potential_energy,
        state.diverging,
        state.num_steps,
        state.accept_prob,
        state.energy,
    )


def _advance_fn(prog: ModelProgram, s: _Settings) -> Callable[..., Any]:
    """Per chain: NUTS iterations ``[lo, hi)``, writing kept draws into the buffers."""

    def advance(carry: PyTree, shared: tuple[Any, ...]) -> PyTree:
        lo, hi, target, data, prior_args, scale = shared
        state, bufs = carry
        init_kernel, sample_kernel = _kernel(prog)
        # Binds the kernel's warmup schedule and tree depth; its result is unused.
        init_kernel(
            ParamInfo(state.z, state.potential_energy, state.z_grad),
            s.warmup,
            target_accept_prob=target,
            max_tree_depth=s.max_treedepth,
            dense_mass=s.dense,
            model_args=(data, prior_args, scale),
            rng_key=state.rng_key,
        )

        def write(args: tuple[Any, ...]) -> PyTree:
            st, b, j = args
            # The marginal form draws group effects with each kept draw (a key of its own).
            vals = dict(
                prog.derive(st.z * scale, data, prior_args, jax.random.fold_in(st.rng_key, 1))
            )
            vals.update(zip(_STATS, _stat_values(st), strict=True))
            return {k: b[k].at[j].set(jnp.asarray(vals[k], b[k].dtype)) for k in b}

        def body(i: jax.Array, c: PyTree) -> PyTree:
            st, b = c
            st = sample_kernel(st, model_args=(data, prior_args, scale))
            keep = (i >= s.warmup) & ((i - s.warmup) % s.thin == 0)
            j = jnp.clip((i - s.warmup) // s.thin, 0, s.n_save - 1)
            b = lax.cond(keep, write, lambda a: a[1], (st, b, j))
            return st, b

        return lax.fori_loop(lo, hi, body, (state, bufs))

    return advance


def _programs(
    lowered: LoweredModel,
    layout: ChainLayout,
    s: _Settings,
    float32: bool,
    start_args: tuple[Any, ...],
    *,
    advance_shared: tuple[Any, ...],
    then: Callable[[], Any],
) -> tuple[Any, Callable[[Any], Any], Any]:
    """The compiled ``start`` program, a getter of ``advance`` for ``start``'s output, and
    the result of ``then()``.

    On a first run both are compiled at once on two threads (XLA releases the GIL while it
    compiles): ``advance`` is lowered against the shapes and shardings of ``start``'s output,
    known from ``start``'s trace; ``then`` runs on ``start``'s thread once ``start`` is
    compiled. Programs compiled before for these shapes are reused.
    """
    prog = lowered.program
    # ``layout.rows`` keeps row-sharded programs apart from unsharded ones.
    key = (prog.structure, layout, s, float32)
    options = ONE_OFF_OPTIONS if layout.platform == "cpu" else None

    small = (
        prog.structure.likelihood in ("suffstat", "marginal")
        or np.shape(lowered.data["y"])[0] <= SMALL_ROWS
    )
    advance_options = options if small else None

    def advance(advance_args: tuple[Any, ...]) -> Any:
        with jax.enable_x64(not float32):
            return compiled(
                ("advance", *key),
                lambda: map_chains(_advance_fn(prog, s), layout, donate=True),
                advance_args,
                advance_options,
            )

    start = lookup(("start", *key), start_args)
    if start is not None:
        return start, advance, then()
    start_jit = map_chains(_start_fn(prog, s), layout)
    sharding = chain_sharding(layout)
    carry = jax.tree.map(
        lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype, sharding=sharding),
        start_jit.trace(*start_args).out_info[0],
    )

    def build_start() -> tuple[Any, Any]:
        with jax.enable_x64(not float32):
            fn = compiled(("start", *key), lambda: start_jit, start_args, options)
        # A core is idle while ``advance`` compiles: load ArviZ for the summary's diagnostics now.
        import_arviz()
        return fn, then()

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = (pool.submit(build_start), pool.submit(advance, (carry, advance_shared)))
        (start, extra), _ = (f.result() for f in futures)
    return start, advance, extra


def _inits(
    lowered: LoweredModel, init: Any, total: int, dtype: type, n_chains: int | None = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Initial unconstrained values, which of them are given, and the random-init radius.

    Rows are the ``total`` chains run; chains past ``n_chains`` (padding) copy the last one.
    """
    n_chains = total if n_chains is None else n_chains
    dim = lowered.program.dim
    u = np.zeros((total, dim), dtype=dtype)
    mask = np.zeros((total, dim), dtype=bool)
    if init is None or (isinstance(init, str) and init == "random"):
        return u, mask, 2.0
    if isinstance(init, str) and init == "0":
        init = 0
    if isinstance(init, int | float) and not isinstance(init, bool):
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
    values = lowered.program.init_sites(values, lowered.data)
    unknown = [k for k in values if k not in sites]
    if unknown:
        raise ModelError(
            f"init names unknown parameter(s) {', '.join(map(repr, unknown))}; the model's "
            f"parameters are: {', '.join(sites)}."
        )
    u = np.zeros(lowered.program.dim, dtype=dtype)
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


def _cast(tree: PyTree, float32: bool) -> PyTree:
    ftype = np.float32 if float32 else np.float64

    def cast(a: Any) -> np.ndarray:
        a = np.asarray(a)
        return a.astype(ftype) if a.dtype.kind == "f" else a

    return jax.tree.map(cast, tree)


def _progress_bar(progress: bool | None, total: int, chains: int) -> Any:
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=f"Sampling {chains} chain{'s' * (chains > 1)}",
        unit="it",
        delay=0 if progress else 2.0,
        leave=False,
    )


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
        Show a progress bar; None shows one on a terminal once a run takes over 2 seconds.
    float32
        Compute in float32 instead of float64.
    shard_rows
        Split the data's rows over devices (True: all local devices; a number: that many), for
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
    settings = _Settings(
        warmup,
        math.ceil((iter - warmup) / thin),
        thin,
        max_treedepth,
        dense=lowered.program.dim <= DENSE_MAX_DIM,
    )
    layout = row_layout(chains, shard_rows) if shard_rows else chain_layout(chains, cores)
    ftype = np.float32 if float32 else np.float64
    u0, mask, radius = _inits(lowered, init, layout.total, ftype, chains)
    u0 = np.where(mask, u0, init_centre(lowered)).astype(ftype)
    seeds = np.random.SeedSequence(seed).generate_state(layout.total, dtype=np.uint32)
    chain_args = (seeds, u0, mask)
    data, run_model = _cast(lowered.data, float32), lowered
    if layout.rows:
        run_model, data = shard_data(lowered, data, layout, x64=not float32)
    shared = (ftype(radius), ftype(adapt_delta), data, _cast(lowered.prior_args, float32))
    bar = _progress_bar(progress, settings.total, chains)
    try:
        state, bufs, devices, times, metric, scale = _run(
            run_model,
            layout,
            settings,
            float32=float32,
            chain_args=chain_args,
            shared=shared,
            chains=chains,
            bar=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    out = {k: np.asarray(v)[:chains] for k, v in bufs.items()}
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
    )


def _run(
    lowered: LoweredModel,
    layout: ChainLayout,
    settings: _Settings,
    *,
    float32: bool,
    chain_args: tuple[np.ndarray, ...],
    shared: tuple[Any, ...],
    chains: int,
    bar: Any,
) -> tuple[Any, dict[str, np.ndarray], tuple[str, ...], dict[str, float], str, np.ndarray]:
    """Initialize and run the chains; the draws come back as NumPy arrays, with the metric's
    origin and the coordinate scale NUTS ran on (:func:`_scaled`)."""
    enable_persistent_cache()
    radius, target, data, prior_args = shared
    times: dict[str, float] = {}
    info = {"metric": "identity"}
    with jax.enable_x64(not float32):
        t0 = time.perf_counter()
        prepare = compiled(
            ("prepare", lowered.structure, float32),
            lambda: jax.jit(lowered.program.prepare),
            (prior_args,),
            ONE_OFF_OPTIONS if layout.platform == "cpu" else None,
        )
        prior_args = replicate(prepare(prior_args), layout)
        identity = _identity_mass(lowered.program.dim, settings.dense, chain_args[1].dtype)
        ones = np.ones(lowered.program.dim, dtype=chain_args[1].dtype)
        start_args = (chain_args, (radius, target, data, prior_args, identity, ones))

        def metric() -> tuple[np.ndarray, np.ndarray]:
            t_mode = time.perf_counter()
            found = None
            if metric_applies(lowered):
                with jax.enable_x64(not float32):
                    found = laplace_inverse_mass(
                        lowered,
                        data,
                        prior_args,
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
        start_options = ONE_OFF_OPTIONS if layout.platform == "cpu" else None
        start, advance, (inverse_mass, scale) = _programs(
            lowered,
            layout,
            settings,
            float32,
            start_args,
            advance_shared=(*lo_hi, target, data, prior_args, ones),
            then=metric,
        )
        scale = replicate(scale, layout)
        start_args = (
            chain_args,
            (radius, target, data, prior_args, replicate(inverse_mass, layout), scale),
        )
        carry, ok = start(*start_args)
        times["start"] = time.perf_counter() - t0
        _check_inits(np.asarray(ok)[:chains])
        step = settings.total if bar is None else max(1, math.ceil(settings.total / 50))
        run = None
        for lo in range(0, settings.total, step):
            hi = min(lo + step, settings.total)
            args = (carry, (np.int32(lo), np.int32(hi), target, data, prior_args, scale))
            run = advance(args) if run is None else run
            carry = run(*args)
            if bar is not None:
                jax.block_until_ready(carry)
                bar.update(hi - lo)
        devices = tuple(sorted(str(d) for d in carry[1]["lp__"].sharding.device_set))
        state, bufs = jax.device_get(carry)
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


def _check_inits(ok: np.ndarray) -> None:
    if not ok.all():
        bad = ", ".join(str(c + 1) for c in np.flatnonzero(~ok))
        raise ModelError(
            f"Chain(s) {bad} found no finite log density in {_INIT_TRIES} random initial "
            "values; give init values (init=0 or a dict) or check the priors and data."
        )


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
