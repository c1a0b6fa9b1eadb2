"""Row sharding against one device: gradient time and one short fit for N rows.

The model is ``y ~ x + z + (1 + x | g)`` (gaussian, 100 groups) on simulated data with
``--rows`` rows. Two cases run on the same machine in one process:

* ``1 device``: the unsharded program, all chains vectorized on the first device;
* ``D devices``: the rows split over every local device (``shard_rows=True``).

For each it times the log density and gradient of ``--chains`` points at once (vmapped, as the
sampler evaluates them; the median of ``--repeat`` calls after a warm-up call) and, unless
``--no-fit``, one fit with :func:`brmsjax.backend.infer.nuts.sample` (compilation and sampling
reported apart). On a machine with one accelerator D is 1 and both cases use that device (the
table says so); on CPU ``import brmsjax`` gives at least 4 simulated host devices, which share
the machine's physical cores. Run::

    python benchmarks/bench_sharding.py [--rows 100000] [--chains 4] [--iter 200]
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

import brmsjax  # noqa: F401  (sets the host device count before JAX starts)
from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.infer.nuts import sample
from brmsjax.backend.infer.sharding import replicate, row_layout, shard_data
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.backend.priors.resolve import resolve_priors

FORMULA = "y ~ x + z + (1 + x | g)"


def model(rows: int, seed: int = 1) -> LoweredModel:
    """The benchmark model lowered on ``rows`` simulated rows."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 100, rows)
    x, z = rng.normal(size=rows), rng.normal(size=rows)
    eff = rng.normal(0, 0.5, (100, 2))
    y = 1 + (0.5 + eff[g, 1]) * x - 0.3 * z + eff[g, 0] + rng.normal(size=rows)
    data = pd.DataFrame({"y": y, "x": x, "z": z, "g": [f"g{k}" for k in g]})
    fam = get_family("gaussian")
    design = design_for(FORMULA, data, fam)
    return lower(design, fam, resolve_priors(design, fam, None))


def gradient_seconds(lowered: LoweredModel, chains: int, devices: int, repeat: int) -> float:
    """Median seconds of one vmapped log density and gradient at ``chains`` points."""
    with jax.enable_x64(True):
        data, prior_args = lowered.model_args
        prog = lowered.program
        if devices:
            layout = row_layout(chains, devices)
            sharded, data = shard_data(lowered, lowered.data, layout)
            prog, prior_args = sharded.program, replicate(prior_args, layout)
            u = replicate(jnp.zeros((chains, prog.dim)), layout)
        else:
            data, prior_args = jax.device_put((data, prior_args), jax.devices()[0])
            u = jax.device_put(jnp.zeros((chains, prog.dim)), jax.devices()[0])
        u = u + 0.1
        fn = jax.jit(jax.vmap(jax.value_and_grad(prog.potential), in_axes=(0, None, None)))
        jax.block_until_ready(fn(u, data, prior_args))
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            jax.block_until_ready(fn(u, data, prior_args))
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def fit_seconds(lowered: LoweredModel, chains: int, iter: int, devices: int) -> dict[str, Any]:
    """Start (compile included) and sampling seconds of one fit, and its divergences."""
    extra: dict[str, Any] = {"shard_rows": devices} if devices else {"cores": 1}
    result = sample(lowered, chains=chains, iter=iter, seed=1, **extra)
    return {**result.seconds, "divergent": int(result.stats["diverging"].sum())}


def run(rows: int, chains: int, iter: int, repeat: int, fit: bool) -> str:
    """The markdown table of both cases, each line printed as soon as it is measured."""
    lowered = model(rows)
    d = jax.local_device_count()
    dev = jax.devices()[0]
    cases = [("1 device (unsharded)", 0), (f"{d} devices (rows sharded)", d)]
    lines = [
        f"Row sharding, `{FORMULA}`, N = {rows:,}, {chains} chains, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"Device: {d} x {dev.platform} ({dev.device_kind})"
        + (" - one device only, so D = 1: both rows use it" if d == 1 else "")
        + (" - simulated host devices share the CPU cores" if dev.platform == "cpu" else ""),
        "",
        "| case | gradient ms (all chains) | fit start s | fit sampling s | divergent |",
        "|---|---:|---:|---:|---:|",
    ]
    print("\n".join(lines), flush=True)
    for name, devices in cases:
        grad = gradient_seconds(lowered, chains, devices, repeat) * 1e3
        f = fit_seconds(lowered, chains, iter, devices) if fit else {}
        cells = [f"{f[k]:.1f}" if k in f else "-" for k in ("start", "sample")]
        lines.append(
            f"| {name} | {grad:.2f} | {cells[0]} | {cells[1]} | {f.get('divergent', '-')} |"
        )
        print(lines[-1], flush=True)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--iter", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-fit", action="store_true", help="time the gradient only")
    args = parser.parse_args(argv)
    run(args.rows, args.chains, args.iter, args.repeat, not args.no_fit)


if __name__ == "__main__":
    main()
