"""Row sharding: the data's rows split over 4 simulated host devices give the unsharded model.

``import brmsjax`` asks XLA for at least 4 host CPU devices, so this process has 4 devices;
tests that need another count run a subprocess with its own ``XLA_FLAGS``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from brmsjax.api import brm, design_for
from brmsjax.backend import cache
from brmsjax.backend.cache import ONE_OFF_OPTIONS, RUN_ONCE_OPTIONS, SAMPLER_OPTIONS
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.infer.devices import ChainLayout
from brmsjax.backend.infer.draws import to_draws
from brmsjax.backend.infer.nuts import sample
from brmsjax.backend.infer.nuts_programs import FAST_ROWS, options_for
from brmsjax.backend.infer.sharding import (
    MASK,
    pad_rows,
    replicate,
    row_count,
    row_keys,
    row_layout,
    shard_data,
)
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.errors import ModelError

ROOT = Path(__file__).parents[2]
fast_jit = partial(jax.jit, compiler_options=ONE_OFF_OPTIONS)


def frame(n: int, seed: int = 1) -> pd.DataFrame:
    """Simulated data with a covariate, 7 groups and responses for several families."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.integers(0, 7, n)
    eff = rng.normal(0, 0.5, 7)[g]
    return pd.DataFrame(
        {
            "x": x,
            "g": [f"g{k}" for k in g],
            "y": 1 + 0.5 * x + eff + rng.normal(size=n) * np.exp(0.3 * x),
            "yb": (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.3 + x + eff)))).astype(int),
            "yc": rng.poisson(np.exp(0.5 + 0.3 * x + eff)),
            "w": rng.uniform(0.2, 3.0, n),
            "o": rng.normal(0, 0.1, n),
            "c": rng.choice([-1, 0, 0, 1], n),
        }
    )


MODELS = {
    "gaussian (1 + x | g), N 101": ("y ~ x + (1 + x | g)", "gaussian", 101),
    "gaussian (1 + x | g), N 100": ("y ~ x + (1 + x | g)", "gaussian", 100),
    "bernoulli (1 | g)": ("yb ~ x + (1 | g)", "bernoulli", 101),
    "distributional sigma ~ x": ("bf(y ~ x, sigma ~ x)", "gaussian", 103),
    "weights": ("y | weights(w) ~ x", "gaussian", 102),
    "poisson offset": ("yc ~ x + offset(o) + (1 | g)", "poisson", 99),
    "censored": ("y | cens(c) ~ x", "gaussian", 101),
    "N 5 on 4 devices": ("y ~ x", "gaussian", 5),
}


def lowered_model(case: str) -> LoweredModel:
    formula, family, n = MODELS[case]
    fam = get_family(family)
    design = design_for(formula, frame(n), fam)
    return lower(design, fam, resolve_priors(design, fam, None), marginalize=False)


def test_process_has_four_host_devices() -> None:
    assert jax.device_count() >= 4
    assert row_count(True) == jax.device_count()


@pytest.mark.parametrize("case", MODELS, ids=list(MODELS))
def test_sharded_log_density_and_gradient_equal_unsharded(case: str) -> None:
    lowered = lowered_model(case)
    layout = row_layout(2, 4)
    rng = np.random.default_rng(7)
    with jax.enable_x64(True):
        data, prior_args = lowered.model_args
        sharded, sdata = shard_data(lowered, lowered.data, layout)
        sprior = replicate(prior_args, layout)
        plain = fast_jit(jax.value_and_grad(lowered.program.potential))
        split = fast_jit(jax.value_and_grad(sharded.program.potential))
        for _ in range(3):
            u = jnp.asarray(rng.uniform(-1.5, 1.5, lowered.program.dim))
            v0, g0 = plain(u, data, prior_args)
            v1, g1 = split(u, sdata, sprior)
            assert np.isfinite(float(v0))
            np.testing.assert_allclose(float(v1), float(v0), rtol=1e-12, atol=1e-10)
            np.testing.assert_allclose(np.asarray(g1), np.asarray(g0), rtol=1e-10, atol=1e-10)
    assert sdata["y"].sharding.spec == jax.sharding.PartitionSpec("rows")
    assert sdata["y"].shape[0] % 4 == 0
    assert sdata[MASK].sum() == lowered.data["y"].shape[0]


def test_sum_is_an_all_reduce_and_data_are_never_gathered() -> None:
    lowered = lowered_model("gaussian (1 + x | g), N 101")
    layout = row_layout(2, True)
    with jax.enable_x64(True):
        _, prior_args = lowered.model_args
        sharded, sdata = shard_data(lowered, lowered.data, layout)
        u = jnp.zeros(lowered.program.dim)
        fn = jax.jit(jax.value_and_grad(sharded.program.potential))
        hlo = str(fn.lower(u, sdata, replicate(prior_args, layout)).compile().as_text())
    assert "all-reduce" in hlo
    assert "all-gather" not in hlo and "all-to-all" not in hlo
    shards = {tuple(s.data.shape) for s in sdata["X"][""].addressable_shards}
    assert shards == {(26, 1)}


def test_row_keys_come_from_the_structure() -> None:
    lowered = lowered_model("poisson offset")
    assert row_keys(lowered.structure) == (
        ("y",),
        ("X", ""),
        ("offset", ""),
        ("J", "1"),
        ("Z", "1"),
    )
    assert row_keys(lowered_model("weights").structure)[-1] == ("addition", "weights")


def test_padding_copies_the_first_row_and_contributes_nothing() -> None:
    lowered = lowered_model("gaussian (1 + x | g), N 101")
    padded = pad_rows(lowered.data, lowered.structure, 4)
    n = 101
    assert padded["y"].shape == (104,) and padded["J"]["1"].shape == (104,)
    np.testing.assert_array_equal(
        padded["Z"]["1"][n:], np.repeat(lowered.data["Z"]["1"][:1], 3, axis=0)
    )
    np.testing.assert_array_equal(padded[MASK], np.arange(104) < n)
    np.testing.assert_array_equal(padded["means_X"][""], lowered.data["means_X"][""])
    layout = row_layout(1, 4)
    sharded, _ = shard_data(lowered, lowered.data, layout)
    garbage = {**padded, "y": padded["y"].copy()}
    garbage["y"][n:] = 1e300
    with jax.enable_x64(True):
        _, prior_args = lowered.model_args
        u = jnp.asarray(np.random.default_rng(2).uniform(-1, 1, lowered.program.dim))
        pot = jax.jit(jax.value_and_grad(sharded.program.potential))
        v0, g0 = pot(u, padded, prior_args)
        v1, g1 = pot(u, garbage, prior_args)
        params = lowered.program.assemble(lowered.program.constrain(u), prior_args, lowered.data)
        point = lowered.program.pointwise(params, lowered.data)
        point_padded = sharded.program.pointwise(params, padded)
    assert float(v0) == float(v1)
    np.testing.assert_array_equal(np.asarray(g0), np.asarray(g1))
    np.testing.assert_allclose(np.asarray(point_padded)[:n], np.asarray(point), rtol=1e-14)
    assert np.asarray(point).shape == (n,)


def test_sharded_layouts_never_share_a_program_with_unsharded_ones() -> None:
    layout = row_layout(2, 1)
    assert layout == ChainLayout("vectorized", 1, 2, jax.default_backend(), rows=1)
    assert layout != ChainLayout("vectorized", 1, 2, jax.default_backend())
    assert layout.total == 2 and row_layout(3, True).rows == jax.device_count()


def test_padded_rows_keep_the_unsharded_compile_options() -> None:
    """1,999 rows on 3 devices are padded to 2,001; the programs that run once are still
    compiled as the unsharded model's (without LLVM's optimizations, :data:`FAST_ROWS`),
    else their draws would differ in their last bits."""
    fam = get_family("bernoulli")
    design = design_for("yb ~ x + (1 | g)", frame(FAST_ROWS - 1), fam)
    lowered = lower(design, fam, resolve_priors(design, fam, None), marginalize=False)
    layout = row_layout(2, 3)
    sharded, _ = shard_data(lowered, lowered.data, layout)
    assert lowered.forms["likelihood"] == "plain"
    assert sharded.data["y"].shape == (FAST_ROWS + 1,)
    plain = options_for(lowered, ChainLayout("vectorized", 1, 2, jax.default_backend()))
    assert options_for(sharded, layout) == plain == (SAMPLER_OPTIONS, RUN_ONCE_OPTIONS)


BAD_COUNTS = {"too many": 99, "zero": 0, "fraction": 2.5, "text": "all"}


@pytest.mark.parametrize("case", BAD_COUNTS, ids=list(BAD_COUNTS))
def test_bad_device_counts_raise(case: str) -> None:
    with pytest.raises(ModelError, match="shard_rows must be True, False or a number"):
        row_count(BAD_COUNTS[case], 4)


@pytest.mark.slow
def test_sharded_sampling_follows_the_unsharded_chains() -> None:
    """Short runs: same trees and draws; the sums differ only in their last bits."""
    lowered = lowered_model("N 5 on 4 devices")
    args: dict[str, Any] = {"chains": 2, "iter": 60, "warmup": 10, "seed": 3}
    plain = sample(lowered, cores=1, **args)
    split = sample(lowered, shard_rows=True, **args)
    assert split.layout.rows == 4 and len(split.devices) == 4
    assert plain.layout.rows == 0 and plain.layout.method == "vectorized"
    np.testing.assert_array_equal(split.stats["num_steps"], plain.stats["num_steps"])
    for k, v in plain.samples.items():
        np.testing.assert_allclose(split.samples[k], v, rtol=1e-8, atol=1e-8, err_msg=k)
    programs = [
        exe.as_text()
        for key, exe in cache._FUNCTIONS.items()
        if key[0][0] in ("start", "advance") and split.layout in key[0]
    ]
    assert len(programs) == 2
    for text in programs:
        assert "all-reduce" in text and "all-gather" not in text


def _run(code: str, devices: int) -> dict:
    env = {
        **os.environ,
        "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}",
        "JAX_PLATFORMS": "cpu",
        "PYTHONPATH": str(ROOT),
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_brm_shard_rows_on_one_device() -> None:
    code = (
        "import json, jax, numpy as np\n"
        "from brmsjax import brm\n"
        "from tests.model.test_sharding import frame\n"
        "fit = brm('y ~ x', frame(41), chains=2, iter=100, seed=4, shard_rows=True,"
        " progress=False)\n"
        "print(json.dumps({'devices': jax.device_count(), 'rows': len(fit.model.data['y']),"
        " 'b_x': float(np.mean(fit.draws()['b_x']))}))\n"
    )
    out = _run(code, 1)
    assert out["devices"] == 1 and out["rows"] == 41
    assert 0.2 < out["b_x"] < 0.9


#: brm() calls: formula, family, and the likelihood form of the unsharded fit.
BRM_MODELS = {
    "gaussian (1 | g)": ("y ~ x + (1 | g)", "gaussian", "marginal"),
    "bernoulli (1 | g)": ("yb ~ x + (1 | g)", "bernoulli", "glm"),
}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::brmsjax.backend.infer.diagnostics.SamplerWarning")
@pytest.mark.parametrize("case", BRM_MODELS, ids=list(BRM_MODELS))
def test_brm_sharded_fit_equals_unsharded_fit(case: str) -> None:
    """brm(), same seed, chains 2, iter 200; the fit keeps the unpadded model.

    Row-sharded programs sum per-row log likelihoods, so brm(shard_rows=...) never takes the
    marginal form (:mod:`brmsjax.backend.model.marginal`), which brm() gives a gaussian model
    with one grouping factor: that unsharded fit samples 4 coordinates with the group effects
    integrated out, the sharded one 11 (``z_1`` too). The posterior is the same, the draws are
    not, nor is ``lp__`` (one density has the ``z_1`` terms, the other has not).

    One device: bit for bit the draws of the unsharded sampler on the same (per-row) model,
    which is brm()'s own unsharded fit where that takes the plain form (neither case here:
    bernoulli takes the glm form, whose summed statistics sharding does not split). Four
    devices: the summed log likelihood differs in its last bits (another summation order),
    and over 100 warmup iterations NUTS's trajectories drift apart, so the draws differ
    while the posterior is the same.
    """
    formula, family, form = BRM_MODELS[case]
    data = frame(101)
    args: dict[str, Any] = {"chains": 2, "iter": 200, "seed": 9}
    plain = brm(formula, data, family, cores=1, progress=False, **args)
    one = brm(formula, data, family, shard_rows=1, progress=False, **args)
    split = brm(formula, data, family, shard_rows=True, progress=False, **args)
    assert plain.model.forms["likelihood"] == form
    assert one.model.forms["likelihood"] == split.model.forms["likelihood"] == "plain"
    assert split.brm_args["shard_rows"] is True
    assert split.model.data["y"].shape == (101,) and MASK not in split.model.data
    assert type(split.model.program) is type(plain.model.program)
    same, _ = to_draws(sample(one.model, cores=1, **args), one.model)
    ref = plain.draws()
    keys = ["b_Intercept", "b_x", "sd_g__Intercept", *(["sigma"] if family == "gaussian" else [])]
    for k in [*keys, "lp__"]:
        np.testing.assert_array_equal(one.draws()[k], same[k], err_msg=k)
        if form == "plain":
            np.testing.assert_array_equal(one.draws()[k], ref[k], err_msg=k)
    for k in keys:
        for fit in (one, split):
            assert abs(fit.draws()[k].mean() - ref[k].mean()) < 0.5 * ref[k].std(), k
