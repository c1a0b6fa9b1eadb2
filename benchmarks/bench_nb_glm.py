"""Gradient cost of negbinomial(log) in the plain and glm forms, side by side.

The glm form (:mod:`brmsjax.backend.model.glm_families.negbinomial_glm`) against the plain
per-row ``neg_binomial_2_log_lpmf``: value and gradient of the potential in float64, as NUTS
evaluates them, ``--calls`` of them inside one ``lax.fori_loop`` (no dispatch per call), both
forms compiled with the sampler's options and timed in turn ``--reps`` times (the best of each),
so that the ratio holds on a loaded machine. Cases: ``ticks`` (lme4's grouseticks,
``TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | LOCATION)``, 403 rows) and simulated
``y ~ x1 + x2 + (1 | g) + (1 | h)`` with ``--rows`` rows (counts of mean about 5, shape 2;
``g`` with rows / 4 levels, ``h`` with 20)::

    python benchmarks/bench_nb_glm.py [--rows 100 1000 10000 100000] [--calls 2000] [--reps 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def simulated(rows: int, seed: int = 0) -> tuple[str, pd.DataFrame]:
    """``y ~ x1 + x2 + (1 | g) + (1 | h)`` with negbinomial counts."""
    rng = np.random.default_rng(seed)
    levels = max(rows // 4, 2)
    g, h = rng.integers(0, levels, rows), rng.integers(0, 20, rows)
    x = rng.normal(size=(rows, 2))
    eta = 1.5 + x @ [0.4, -0.3] + rng.normal(size=levels)[g] * 0.5 + rng.normal(size=20)[h] * 0.3
    y = rng.poisson(rng.gamma(2.0, np.exp(eta) / 2.0))
    data = pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1], "g": g.astype(str)})
    data["h"] = h.astype(str)
    return "y ~ x1 + x2 + (1 | g) + (1 | h)", data


def timed(formula: str, data: pd.DataFrame, calls: int, reps: int) -> dict[str, float]:
    """Best microseconds per value-and-gradient call of each form."""
    from brmsjax.api import design_for
    from brmsjax.backend.cache import SAMPLER_OPTIONS
    from brmsjax.backend.families.registry import get_family
    from brmsjax.backend.model.lower import lower
    from brmsjax.backend.priors.resolve import resolve_priors

    fam = get_family("negbinomial")
    design = design_for(formula, data, fam)
    priors = resolve_priors(design, fam, [])
    runs: dict[str, Any] = {}
    with jax.enable_x64(True):
        for form in ("plain", "glm"):
            model = lower(design, fam, priors, likelihood=form)
            args, prior_args = model.model_args
            program = model.program

            def loop(u: Any, program: Any = program, args: Any = args, pa: Any = prior_args) -> Any:
                grad = jax.value_and_grad(lambda v: program.potential(v, args, pa))
                return jax.lax.fori_loop(0, calls, lambda i, c: c - 1e-9 * grad(c)[1], u)

            u = jnp.full(program.dim, 0.01)
            run = jax.jit(loop).lower(u).compile(compiler_options=SAMPLER_OPTIONS)
            run(u).block_until_ready()
            runs[form] = (run, u)
        best = dict.fromkeys(runs, np.inf)
        for _ in range(reps):
            for form, (run, u) in runs.items():
                start = time.perf_counter()
                run(u).block_until_ready()
                best[form] = min(best[form], (time.perf_counter() - start) / calls * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100, 1000, 10000, 100000])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    from bench_compile import case_data

    formula, data, _ = case_data("ticks")
    cases = [("ticks", 403, formula, data)]
    cases += [("simulated", n, *simulated(n)) for n in args.rows]
    print("| case | rows | plain us | glm us | plain / glm |")
    print("|---|---:|---:|---:|---:|")
    for name, rows, formula, data in cases:
        calls = max(20, args.calls * 1000 // max(rows, 1000))
        best = timed(formula, data, calls, args.reps)
        ratio = best["plain"] / best["glm"]
        print(f"| {name} | {rows:,} | {best['plain']:.1f} | {best['glm']:.1f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
