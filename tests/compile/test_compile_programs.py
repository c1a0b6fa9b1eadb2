"""The sampler's programs: compile options by model size and platform, one trace of the model.

``options_for`` gives the one-off programs (``start``, ``derive``, the mode search's
``value_and_grad``) LLVM without optimizations for small models or summed statistics, the
sampler the legacy emitters (and one code generation thread up to ``FAST_ROWS`` rows), and
LLVM without optimizations where its summed statistics are few (``FAST_SUFF``);
``potential_fn`` is one jitted potential per program, whose jaxpr JAX reuses in every
program that calls it; small samplers run their loop as one XLA:CPU kernel where it holds no
custom call.
"""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brmsjax as bj
from brmsjax.backend.cache import ONE_OFF_OPTIONS, RUN_ONCE_OPTIONS, SAMPLER_OPTIONS
from brmsjax.backend.families.registry import gaussian
from brmsjax.backend.infer.devices import ChainLayout
from brmsjax.backend.infer.inits import init_centre
from brmsjax.backend.infer.nuts_programs import (
    FAST_SUFF,
    KERNEL_OPTIONS,
    KERNEL_ROWS,
    _custom_calls,
    _kernel_options,
    _one_kernel,
    one_kernel,
    options_for,
    potential_fn,
)
from brmsjax.backend.model.lower import lower
from brmsjax.backend.model.program import trace_count
from tests.model.test_forms import lowered as forms_lowered
from tests.model.test_lower import default_priors, sleep_design

CPU = ChainLayout("parallel", 4, 1, "cpu")
GPU = ChainLayout("vectorized", 1, 4, "gpu")


@pytest.fixture(scope="module")
def sleep_rs():  # type: ignore[no-untyped-def]
    design = sleep_design("sleep_rs")
    return lower(design, gaussian(), default_priors(design))


@pytest.mark.parametrize(
    ("likelihood", "rows", "layout", "expected"),
    [
        ("marginal", 180, CPU, (RUN_ONCE_OPTIONS, RUN_ONCE_OPTIONS)),
        ("marginal", 1_000_000, CPU, (RUN_ONCE_OPTIONS, RUN_ONCE_OPTIONS)),
        ("suffstat", 1_000_000, CPU, (RUN_ONCE_OPTIONS, RUN_ONCE_OPTIONS)),
        ("rows", 2_000, CPU, (SAMPLER_OPTIONS, RUN_ONCE_OPTIONS)),
        ("rows", 2_001, CPU, (ONE_OFF_OPTIONS, ONE_OFF_OPTIONS)),
        ("rows", 20_001, CPU, (None, ONE_OFF_OPTIONS)),
        ("marginal", 180, GPU, (None, None)),
    ],
)
def test_options_by_likelihood_rows_and_platform(sleep_rs, likelihood, rows, layout, expected):  # type: ignore[no-untyped-def]
    structure = replace(sleep_rs.program.structure, likelihood=likelihood)
    program = replace_program(sleep_rs.program, structure)
    lowered = replace(sleep_rs, program=program, data={**sleep_rs.data, "y": np.zeros(rows)})
    assert options_for(lowered, layout) == expected


@pytest.mark.parametrize(
    ("statistics", "groups", "expected"),
    [
        (None, 1, RUN_ONCE_OPTIONS),  # sleepstudy's own: 190 numbers
        (FAST_SUFF, 1, RUN_ONCE_OPTIONS),
        (FAST_SUFF + 1, 1, SAMPLER_OPTIONS),
        (None, 2, SAMPLER_OPTIONS),  # crossed groups: a costlier step
    ],
)
def test_sampler_without_llvm_optimizations_by_statistics(sleep_rs, statistics, groups, expected):  # type: ignore[no-untyped-def]
    """The summed form's sampler compiles without LLVM's optimizations (half the compile
    time) only where its statistics, hence the work of a step, are few."""
    data = dict(sleep_rs.data)
    assert data["suff"] and sum(np.size(a) for a in jax.tree.leaves(data["suff"])) == 190
    if statistics is not None:
        data["suff"] = {"ZZ": np.zeros(statistics)}
    data["J"] = {str(k): data["J"]["1"] for k in range(1, groups + 1)}
    lowered = replace(sleep_rs, data=data)
    assert lowered.program.structure.likelihood == "marginal"
    assert options_for(lowered, CPU)[0] == expected


def replace_program(program, structure):  # type: ignore[no-untyped-def]
    """A copy of ``program`` whose structure is ``structure`` (options_for reads only that)."""
    clone = object.__new__(type(program))
    clone.__dict__.update(program.__dict__, structure=structure)
    return clone


def test_potential_is_one_jitted_function_equal_to_the_model(sleep_rs) -> None:  # type: ignore[no-untyped-def]
    prog = sleep_rs.program
    assert potential_fn(prog) is potential_fn(prog)
    with jax.enable_x64(True):
        u = np.asarray(init_centre(sleep_rs), dtype=np.float64) + 0.1
        jitted = float(potential_fn(prog)(u, sleep_rs.data, prog.prepare(sleep_rs.prior_args)))
        direct = float(prog.potential(u, sleep_rs.data, prog.prepare(sleep_rs.prior_args)))
    np.testing.assert_allclose(jitted, direct, rtol=1e-12)


def test_model_traced_once_for_programs_in_one_context(sleep_rs) -> None:  # type: ignore[no-untyped-def]
    """A second program that calls the shared potential (here differentiated, as in ``start``
    and ``advance``) does not run the NumPyro model's Python again."""
    prog = sleep_rs.program
    with jax.enable_x64(True):
        u = np.asarray(init_centre(sleep_rs), dtype=np.float64)
        args = (sleep_rs.data, prog.prepare(sleep_rs.prior_args))
        pot = potential_fn(prog)
        before = trace_count()
        jax.jit(lambda v, d, p: pot(v * 2.0, d, p)).trace(u, *args)
        first = trace_count()
        jax.jit(jax.grad(lambda v, d, p: pot(v + 1.0, d, p))).trace(u, *args)
        jax.jit(jax.value_and_grad(pot)).trace(u, *args)
    assert (first - before, trace_count() - first) in ((0, 0), (1, 0))


def _loop(x):  # type: ignore[no-untyped-def]
    """NUTS-like small steps: a loop of elementwise special functions and a reduction."""
    body = lambda i, c: c + 1e-3 * jax.scipy.special.gammaln(jnp.exp(c) + 1.0) - jnp.sum(c) * 1e-4  # noqa: E731
    return jax.lax.fori_loop(0, 50, body, x)


def test_one_kernel_runs_the_loop_as_one_call() -> None:
    """``_one_kernel`` marks the loop ``xla_cpu_small_call``, which XLA:CPU keeps in the
    compiled program, and gives the thunk runtime's numbers to rounding."""
    arg = np.linspace(-1.0, 1.0, 7)
    with jax.enable_x64(True):
        lowered = jax.jit(lambda a: _one_kernel(_loop, a)).lower(arg)
        assert "xla_cpu_small_call" in lowered.as_text()
        compiled = lowered.compile(SAMPLER_OPTIONS)
        assert "xla_cpu_small_call" in compiled.as_text()
        np.testing.assert_allclose(compiled(arg), jax.jit(_loop)(arg), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(
    ("formula", "likelihood", "custom"),
    [
        ("Reaction ~ Days + (Days | Subject)", "marginal", True),  # LAPACK's Cholesky
        ("Reaction ~ Days + (1 | Subject)", "plain", False),
    ],
)
def test_custom_calls_of_the_potential(formula, likelihood, custom) -> None:  # type: ignore[no-untyped-def]
    """The sampler's loop is one kernel only where the potential lowers to no custom call,
    read off the potential alone (the loop is traced once)."""
    model = forms_lowered(formula, bj.datasets.sleepstudy(), likelihood=likelihood)
    prog = model.program
    with jax.enable_x64(True):
        u = np.asarray(init_centre(model), dtype=np.float64)
        assert _custom_calls(prog, u, model.data, prog.prepare(model.prior_args)) is custom


@pytest.mark.parametrize(
    ("likelihood", "rows", "expected"),
    [
        ("rows", KERNEL_ROWS, True),
        ("rows", KERNEL_ROWS + 1, False),  # a per-row gradient: the kernel costs compile time
        ("marginal", 1_000_000, True),  # summed statistics: no work per row
    ],
)
def test_one_kernel_by_rows(sleep_rs, likelihood, rows, expected):  # type: ignore[no-untyped-def]
    structure = replace(sleep_rs.program.structure, likelihood=likelihood)
    program = replace_program(sleep_rs.program, structure)
    lowered = replace(sleep_rs, program=program, data={**sleep_rs.data, "y": np.zeros(rows)})
    assert one_kernel(lowered, options_for(lowered, CPU)[0]) is expected
    assert not one_kernel(lowered, options_for(lowered, GPU)[0])


@pytest.mark.parametrize("options", [SAMPLER_OPTIONS, RUN_ONCE_OPTIONS])
def test_kernel_compile_options(options) -> None:  # type: ignore[no-untyped-def]
    """The kernel compiles at LLVM's level 1 (or the options' lower one); a sampler lowered
    without it (a custom call) keeps its options."""
    arg = np.linspace(-1.0, 1.0, 7)
    choose = _kernel_options(options)
    with jax.enable_x64(True):
        kernel = jax.jit(lambda a: _one_kernel(_loop, a)).lower(arg)
        plain = jax.jit(_loop).lower(arg)
    level = min(options.get("xla_backend_optimization_level", 3), 1)
    assert choose(kernel) == {**KERNEL_OPTIONS, "xla_backend_optimization_level": level}
    assert choose(plain) is options
