"""The compiled programs of a NUTS fit: ``start``, ``advance`` and ``derive``, per chain.

``start`` finds a finite initial point per chain (Stan's uniform(-2, 2) on the unconstrained
scale around a centre, up to :data:`~brmsjax.backend.infer.inits.INIT_TRIES` tries),
initializes NumPyro's NUTS kernel and allocates the draw buffers; ``advance`` runs warmup and
sampling iterations ``[lo, hi)`` in one ``fori_loop`` and writes each kept draw's coordinates,
the key of its random quantities and its sampler statistics into the buffers; ``derive`` maps
the kept coordinates to the saved quantities (:meth:`ModelProgram.derive`: constrained
parameters, ``r_k``, ``lprior``) after the run. Kept out of the sampler, they no longer add
to its compile time, the longest of a fit's (sleepstudy: about a quarter of it; the draws are
the same). They take the data and prior values as arguments and are kept per model
structure, sampler settings and argument shapes (:func:`brmsjax.backend.cache.compiled`);
:func:`programs` compiles them on two threads. The driver that calls them is
:func:`brmsjax.backend.infer.nuts.sample`.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from numpyro.infer.hmc import hmc
from numpyro.infer.hmc_util import euclidean_kinetic_energy
from numpyro.infer.util import ParamInfo

from brmsjax.backend.cache import (
    ONE_OFF_OPTIONS,
    RUN_ONCE_OPTIONS,
    SAMPLER_OPTIONS,
    compiled,
    lookup,
)
from brmsjax.backend.infer.devices import ChainLayout, chain_sharding, map_chains
from brmsjax.backend.infer.inits import INIT_TRIES
from brmsjax.backend.infer.sharding import MASK
from brmsjax.backend.model.lower import LoweredModel, ModelProgram

__all__ = [
    "DRAW_KEY",
    "DRAW_U",
    "FAST_ROWS",
    "FAST_SUFF",
    "SMALL_ROWS",
    "WARMUP_STEPS",
    "Settings",
    "kinetic_energy",
    "potential_fn",
    "programs",
]

PyTree = Any
_STATS = ("lp__", "diverging", "num_steps", "accept_prob", "energy")
#: The buffer that counts each chain's leapfrog steps during warmup (gradient evaluations).
WARMUP_STEPS = "warmup_steps"
#: The buffers of each kept draw's unconstrained coordinates and of the key of its quantities.
DRAW_U, DRAW_KEY = "draw_u", "draw_key"


#: On a CPU, samplers of models whose log density is a function of summed statistics (the
#: suffstat and marginal forms) or of at most this many rows are compiled with XLA's legacy
#: emitters (``ONE_OFF_OPTIONS``; up to :data:`FAST_ROWS` rows with LLVM's code generation on
#: one thread too, ``SAMPLER_OPTIONS``): their steps are many small operations, which those
#: emitters compile about 30% faster with no slower steps (timings: benchmarks/RESULTS.md,
#: "Timings moved from backend docstrings").
SMALL_ROWS = 20_000
#: Samplers of one-group or group-free summed forms whose statistics (``data["suff"]``) hold
#: at most this many numbers compile without LLVM's optimizations too (``RUN_ONCE_OPTIONS``):
#: a step costs about 1 ns more per floating-point operation of the gradient, which for these
#: (sleepstudy's: about 3,300, 190 statistics) is 0.2 s over 4 x 2,000 iterations against
#: 0.9 s less compiling; a per-row gradient of a few hundred rows (poisson, 300 rows: 23,000
#: operations) would lose it again (benchmarks/RESULTS.md, "Third session").
FAST_SUFF = 1_000
#: Models of at most this many rows (or summed statistics) compile the programs that run once
#: or a few hundred times on one point (``start``, ``derive``, the mode search's
#: ``value_and_grad``) without LLVM's optimizations (``RUN_ONCE_OPTIONS``): about half the
#: compile time, where a slower evaluation costs milliseconds (benchmarks/RESULTS.md,
#: "Compile and import time"). The sampler keeps them, except as :data:`FAST_SUFF` says.
FAST_ROWS = 2_000
#: Samplers of models of at most this many rows run their loop as one XLA:CPU kernel
#: (:func:`_one_kernel`) where the potential holds no custom call. Above it the gradient is
#: most of a step and the kernel only costs compile time (contra, 1,934 rows: sampling 2.05 ->
#: 2.40 s, compile 1.67 -> 2.38 s; ticks, 403 rows: sampling 4.54 -> 3.06 s; poisson, 300
#: rows: compile 1.79 -> 1.48 s; benchmarks/RESULTS.md, "Eighth session").
KERNEL_ROWS = 1_000
_LEVEL = "xla_backend_optimization_level"
#: The one kernel's compile options: LLVM's optimization level 1. At the default 3 LLVM takes
#: 1-2 s more on the one large function (ticks' ``advance`` 2.06 -> 4.03 s) for no faster
#: steps (ticks' sampling 3.38 s at 3, 3.06 s at 1).
KERNEL_OPTIONS: dict[str, Any] = {**SAMPLER_OPTIONS, _LEVEL: 1}


@dataclass(frozen=True)
class Settings:
    """The sampler settings a compiled program bakes in (part of its cache key).

    ``warmup`` iterations, ``n_save`` kept draws every ``thin`` iterations, NUTS's
    ``max_treedepth``, and whether the metric is ``dense``.
    """

    warmup: int
    n_save: int
    thin: int
    max_treedepth: int
    dense: bool = False

    @property
    def total(self) -> int:
        """Iterations run: warmup, then sampling up to the last kept draw (as Stan)."""
        return self.warmup + (self.n_save - 1) * self.thin + 1


def kinetic_energy(inverse_mass: jax.Array, r: jax.Array) -> jax.Array:
    """NumPyro's Euclidean kinetic energy, ``+inf`` where it is not finite.

    ``r' M^-1 r / 2`` is never negative, but from a point whose gradient is huge (the
    potential of a poisson model grows like ``exp(eta)``: a gradient of about ``1e239`` at
    ``eta = 545``) a leapfrog step gives a momentum of that size and the products of a dense
    ``M^-1 r`` with ``r`` overflow: to NaN (``inf - inf``), or to ``-inf`` where XLA's dot
    fuses a ``+inf`` product into a multiply-add with a partial sum already at ``-inf``.
    NumPyro counts a NaN energy error as ``+inf`` but takes ``-inf`` at its word: acceptance
    probability 1 and no divergence, so the proposal was taken (and
    :func:`numpyro.infer.hmc_util.find_reasonable_step_size` would double its step on it).
    A chain of ``y ~ x + (1 | g)`` (poisson, one outlier) jumped from ``lp__ = -153`` to
    ``-6e237`` (``sd_g__Intercept = 87``) in one such step, where no step size survives the
    gradient: every later transition diverged, the step size fell to ``1e-30`` and the chain
    never moved again. Stan counts a non-finite Hamiltonian as ``+inf``: a divergent,
    rejected transition, as here. Finite energies are returned unchanged, and so are draws.
    """
    ke = euclidean_kinetic_energy(inverse_mass, r)
    return jnp.where(jnp.isfinite(ke), ke, jnp.inf)


# NumPyro's leapfrog takes the momentum's gradient from this attribute (the exact ``M^-1 r``);
# without it, it would differentiate ``kinetic_energy`` and round differently.
kinetic_energy._kinetic_grad = euclidean_kinetic_energy._kinetic_grad  # type: ignore[attr-defined]


_POTENTIALS: weakref.WeakKeyDictionary[ModelProgram, Any] = weakref.WeakKeyDictionary()


def potential_fn(prog: ModelProgram) -> Callable[..., jax.Array]:
    """``prog.potential`` under one ``jax.jit`` per program, for every program of a fit.

    JAX keeps the jaxpr of a jitted function per argument shapes: the NumPyro model's Python
    (many small operations, 0.2-0.6 s per trace for sleepstudy's) then runs once for ``start``,
    ``advance`` and the mode search's ``value_and_grad`` instead of once in each (or twice:
    NumPyro's step size search in ``start`` traces it again). XLA inlines the call.
    """
    fn = _POTENTIALS.get(prog)
    if fn is None:
        fn = _POTENTIALS[prog] = jax.jit(prog.potential)
    return cast(Callable[..., jax.Array], fn)


def _kernel(prog: ModelProgram) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """NUTS on the coordinates ``v = u / scale`` (``scale``, a model argument, from
    :func:`_scaled`), with a :func:`kinetic_energy` that is ``+inf`` where it overflows."""

    def gen(data: PyTree, prior_args: PyTree, scale: jax.Array) -> Callable[[jax.Array], jax.Array]:
        potential = potential_fn(prog)
        return lambda v: potential(v * scale, data, prior_args)

    return hmc(potential_fn_gen=gen, kinetic_fn=kinetic_energy, algo="NUTS")


def _start_fn(prog: ModelProgram, s: Settings) -> Callable[..., Any]:
    """Per chain: a finite initial point, NUTS state and empty draw buffers."""

    def start(chain: tuple[jax.Array, ...], shared: tuple[Any, ...]) -> PyTree:
        seed, u_init, mask = chain
        radius, target, data, prior_args, inverse_mass, scale = shared
        potential = potential_fn(prog)
        value_and_grad = jax.value_and_grad(lambda v: potential(v * scale, data, prior_args))

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
            lambda c: (~c[-1]) & (c[0] < INIT_TRIES), body, (0, key_init, *empty)
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
        key_shape = jax.random.key_data(key_run).shape
        bufs = {
            DRAW_U: jnp.zeros((s.n_save, *u.shape), u.dtype),
            DRAW_KEY: jnp.zeros((s.n_save, *key_shape), jnp.uint32),
        }
        for k, v in zip(_STATS, _stat_values(state), strict=True):
            bufs[k] = jnp.zeros((s.n_save, *jnp.shape(v)), jnp.result_type(v))
        bufs[WARMUP_STEPS] = jnp.zeros((), jnp.result_type(state.num_steps))
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


def _advance_fn(prog: ModelProgram, s: Settings, whole: bool = False) -> Callable[..., Any]:
    """Per chain: NUTS iterations ``[lo, hi)``, writing kept draws into the buffers; with
    ``whole``, their loop is one XLA:CPU kernel (:func:`_one_kernel`)."""

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
            # The draw's coordinates and the key of its quantities (the marginal form draws
            # group effects with each kept draw); :func:`_derive_fn` computes them afterwards.
            vals = {
                DRAW_U: st.z * scale,
                DRAW_KEY: jax.random.key_data(jax.random.fold_in(st.rng_key, 1)),
            }
            vals.update(zip(_STATS, _stat_values(st), strict=True))
            return {
                k: b[k] if k == WARMUP_STEPS else b[k].at[j].set(jnp.asarray(vals[k], b[k].dtype))
                for k in b
            }

        def body(i: jax.Array, c: PyTree) -> PyTree:
            st, b = c
            st = sample_kernel(st, model_args=(data, prior_args, scale))
            keep = (i >= s.warmup) & ((i - s.warmup) % s.thin == 0)
            steps = jnp.where(i < s.warmup, st.num_steps, 0).astype(b[WARMUP_STEPS].dtype)
            b = {**b, WARMUP_STEPS: b[WARMUP_STEPS] + steps}
            j = jnp.clip((i - s.warmup) // s.thin, 0, s.n_save - 1)
            b = lax.cond(keep, write, lambda a: a[1], (st, b, j))
            return st, b

        loop = partial(lax.fori_loop, lo, hi, body)
        if whole and not s.dense and not _custom_calls(prog, state.z * scale, data, prior_args):
            return _one_kernel(loop, (state, bufs))
        return loop((state, bufs))

    return advance


def _one_kernel(fn: Callable[[PyTree], PyTree], arg: PyTree) -> PyTree:
    """``fn(arg)`` as a call that XLA:CPU compiles into one kernel (``xla_cpu_small_call``).

    XLA:CPU's thunk runtime otherwise runs each operation of NUTS's loops as a task of its
    own: with a cheap gradient that dispatch is most of a leapfrog step (a step of a
    67-coordinate normal: about 5 CPU us per step against 0.9 us in one kernel); ticks'
    sampling takes about 30% less CPU (benchmarks/RESULTS.md, "Eighth session"). The kernel
    runs on one thread and cannot hold custom calls (LAPACK's, as the dense metric's
    Cholesky factor): :func:`programs` uses it on small CPU models without them.
    """
    try:
        from jax.experimental.xla_metadata import set_xla_metadata
    except ImportError:  # pragma: no cover - older JAX
        return fn(arg)
    with set_xla_metadata(xla_cpu_small_call="true", inlineable="false"):
        return jax.jit(fn)(arg)


# Custom calls that the partitioner removes; any other one (LAPACK's) cannot be in a kernel.
_NOT_IN_KERNEL = re.compile(r"custom_call @(?!Sharding|SPMD|xla\.sdy|local_xla\.sdy)")


def _custom_calls(prog: ModelProgram, *args: Any) -> bool:
    """Whether the potential at ``args`` lowers to a custom call (LAPACK's: the marginal and
    hybrid forms' Cholesky factors), which cannot be in :func:`_one_kernel`'s kernel.

    Only the potential is lowered (its trace is :func:`potential_fn`'s, kept from ``start``),
    not the sampler's loop a second time; the dense metric's own factor is ``Settings.dense``.
    """
    jitted = cast(Any, potential_fn(prog))  # a jax.jit function: it has ``trace``
    text = jitted.trace(*args).lower().as_text()
    return _NOT_IN_KERNEL.search(text) is not None


def one_kernel(lowered: LoweredModel, advance_options: dict[str, Any] | None) -> bool:
    """Whether the sampler's loop is traced as one kernel (:func:`_one_kernel`, compiled with
    :data:`KERNEL_OPTIONS`): small CPU samplers of summed forms or of at most
    :data:`KERNEL_ROWS` rows; larger ones keep the thunk runtime's threads for their gradient.
    """
    small = _summed(lowered) or _rows(lowered) <= KERNEL_ROWS  # summed: no work per row
    return advance_options in (SAMPLER_OPTIONS, RUN_ONCE_OPTIONS) and small


def _kernel_options(options: dict[str, Any]) -> Callable[[Any], dict[str, Any]]:
    """``options`` for a sampler lowered without the kernel (it holds a custom call), and
    :data:`KERNEL_OPTIONS`' optimization level for one lowered with it."""

    def choose(lowered: Any) -> dict[str, Any]:
        if "xla_cpu_small_call" not in lowered.as_text():
            return options
        level = min(options.get("xla_backend_optimization_level", 3), KERNEL_OPTIONS[_LEVEL])
        return {**KERNEL_OPTIONS, _LEVEL: level}

    return choose


def _summed(lowered: LoweredModel) -> bool:
    """Whether the log density is a function of summed statistics (suffstat, marginal)."""
    return lowered.program.structure.likelihood in ("suffstat", "marginal")


def _rows(lowered: LoweredModel) -> int:
    """The data's real rows (a row-sharded model's padding left out)."""
    mask = lowered.data.get(MASK)
    return np.shape(lowered.data["y"])[0] if mask is None else int(np.sum(mask))


def _derive_fn(prog: ModelProgram) -> Callable[..., Any]:
    """Per chain: the saved quantities of every kept draw (:meth:`ModelProgram.derive`), from
    the coordinates and keys that ``advance`` kept. Outside the sampler, so that ``advance``
    compiles without them (and this program beside it)."""

    def derive(chain: tuple[jax.Array, jax.Array], shared: tuple[Any, ...]) -> PyTree:
        data, prior_args = shared

        def one(draw: tuple[jax.Array, jax.Array]) -> PyTree:
            u, key = draw
            return prog.derive(u, data, prior_args, jax.random.wrap_key_data(key))

        return lax.map(one, chain)

    return derive


def options_for(lowered: LoweredModel, layout: ChainLayout) -> tuple[Any, Any]:
    """XLA options of the sampler (``advance``) and of the programs that run once on a CPU.

    :data:`SMALL_ROWS`, :data:`FAST_SUFF` and :data:`FAST_ROWS` say which models get the
    faster-compiling ones. They count the data's real rows: a row-sharded model's padding
    (:mod:`brmsjax.backend.infer.sharding`) must not move it to other options than the
    unsharded model's (1,999 rows on 3 devices are 2,001), which compile to other bits.
    """
    if layout.platform != "cpu":
        return None, None
    summed, rows = _summed(lowered), _rows(lowered)
    small = summed or rows <= FAST_ROWS
    advance = SAMPLER_OPTIONS if small else ONE_OFF_OPTIONS if rows <= SMALL_ROWS else None
    if summed and len(lowered.data.get("J", {})) <= 1:
        statistics = sum(np.size(a) for a in jax.tree.leaves(lowered.data.get("suff", {})))
        advance = RUN_ONCE_OPTIONS if statistics <= FAST_SUFF else advance
    return advance, RUN_ONCE_OPTIONS if small else ONE_OFF_OPTIONS


def programs(
    lowered: LoweredModel,
    layout: ChainLayout,
    s: Settings,
    float32: bool,
    start_args: tuple[Any, ...],
    *,
    advance_shared: tuple[Any, ...],
    then: Callable[[], Any],
) -> tuple[Any, Callable[[Any], Any], Callable[[Any], Any], Any]:
    """The compiled ``start`` program, getters of ``advance`` for ``start``'s output and of
    ``derive`` for ``advance``'s, and the result of ``then()``.

    On a first run they are compiled on two threads (XLA releases the GIL while it compiles):
    ``advance`` is lowered against the shapes and shardings of ``start``'s output, known from
    ``start``'s trace; ``then`` runs on ``start``'s thread once ``start`` is compiled, and
    ``derive`` is compiled after it, while ``advance`` still compiles or the chains run.
    Programs compiled before for these shapes are reused.
    """
    prog = lowered.program
    # ``layout.rows`` keeps row-sharded programs apart from unsharded ones.
    key = (prog.structure, layout, s, float32)
    advance_options, options = options_for(lowered, layout)

    whole = one_kernel(lowered, advance_options)
    sampler_options: Any = _kernel_options(advance_options) if whole else advance_options

    def advance(advance_args: tuple[Any, ...]) -> Any:
        def build(kernel: bool) -> Callable[[], Any]:
            return lambda: map_chains(_advance_fn(prog, s, kernel), layout, donate=True)

        with jax.enable_x64(not float32):
            if whole:
                try:
                    return compiled(("advance", *key), build(True), advance_args, sampler_options)
                except jax.errors.JaxRuntimeError as err:
                    # An operation XLA:CPU cannot emit inside one kernel (multi-membership's
                    # "Fusion kind not implemented on CPU"): the thunk runtime's program.
                    if "not implemented" not in str(err).lower():
                        raise
            return compiled(("advance", *key), build(False), advance_args, advance_options)

    def derive(derive_args: tuple[Any, ...]) -> Any:
        with jax.enable_x64(not float32):
            return compiled(
                ("derive", *key),
                lambda: map_chains(_derive_fn(prog), layout),
                derive_args,
                options,
            )

    start = lookup(("start", *key), start_args)
    if start is not None:
        return start, advance, derive, then()
    start_jit = map_chains(_start_fn(prog, s), layout)
    sharding = chain_sharding(layout)
    carry = jax.tree.map(
        lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype, sharding=sharding),
        start_jit.trace(*start_args).out_info[0],
    )
    draws = (carry[1][DRAW_U], carry[1][DRAW_KEY])

    def build_start() -> tuple[Any, Any]:
        with jax.enable_x64(not float32):
            fn = compiled(("start", *key), lambda: start_jit, start_args, options)
        return fn, then()

    pool = ThreadPoolExecutor(max_workers=2)
    futures = (pool.submit(build_start), pool.submit(lambda: advance((carry, advance_shared))))
    # Queued behind them, for whichever thread finishes first. ArviZ is not imported here: a
    # fit needs it only for the ESS columns of ``summary()`` (brm()'s R-hat check is NumPy's),
    # and its 1.3 s of interpreter-holding import slowed the tracing and the chains beside it.
    later: Future[Any] = pool.submit(derive, (draws, advance_shared[3:5]))
    pool.shutdown(wait=False)
    try:
        (start, extra), _ = (f.result() for f in futures)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise

    def derive_getter(args: tuple[Any, ...]) -> Any:
        later.result()  # compiled for these shapes, unless it failed (then it raises)
        return derive(args)

    return start, advance, derive_getter, extra
