"""One gradient of InstEval's crossed marginal log likelihood, by the part that costs it.

lme4's InstEval, ``y ~ service + (1 | s) + (1 | d) + (1 | dept)`` (73,421 rows; the 2,972
students are eliminated, the 1,128 lecturers and 14 departments form the dense Schur
complement, ``q2 = 1,142``). At lme4's REML estimates it times, in one process (so the
ratios hold on a loaded machine; CPU seconds of the process, see :func:`_best`): the
host statistics (wall seconds); ``value_and_grad`` of
:func:`~brmsjax.backend.model.crossed.loglik.crossed_log_lik` with the blocked elimination
(the default above ``BLOCK_MIN``) and with the rank-one loop (``dense.BLOCK_MIN`` raised:
the elimination of the first version); the dense part alone (``_dense_part``'s value and
gradient) both ways; and the rest (the pair scatter and the block elimination of the
students) with the dense part replaced by a linear stand-in. With ``--forms``, instead the
gradient of the whole potential (priors included, at zero on the unconstrained space) of the
lowered model in the hybrid form (students integrated out, lecturers and departments
sampled: :mod:`~brmsjax.backend.model.crossed.hybrid`) and in the plain form, side by side.
Run::

    python benchmarks/bench_crossed_gradient.py [--repeats 3] [--json out.json] [--forms]

Results are in benchmarks/RESULTS.md ("InstEval in the crossed marginal form").
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "fixtures" / "crossed" / "insteval.csv.gz"


def _best(fn: Callable[[], Any], repeats: int) -> float:
    """CPU seconds (all threads) of the cheapest of ``repeats`` calls after a first
    (compiling) one: on a machine loaded by other processes the wall time mostly measures
    the wait for a core, the process's CPU time the work."""
    import jax

    jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        jax.block_until_ready(fn())
        times.append(time.process_time() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=None)
    parser.add_argument("--forms", action="store_true", help="hybrid against plain potential")
    args = parser.parse_args(argv)
    import jax

    jax.config.update("jax_enable_x64", True)
    if args.forms:
        return _report(_forms(args.repeats), args.json)
    import jax.numpy as jnp

    from brmsjax.backend.model.crossed import dense, loglik
    from brmsjax.backend.model.crossed.data import crossed_data

    df = pd.read_csv(DATA, dtype=str)
    N = len(df)
    y = df["y"].astype(float).to_numpy()
    P = np.column_stack([np.ones(N), (df["service"] == "1").astype(float)])
    groups = [
        (pd.factorize(df[c])[0], np.ones((N, 1)), df[c].nunique()) for c in ("s", "d", "dept")
    ]
    t0 = time.perf_counter()
    suff = {k: jnp.asarray(v) for k, v in crossed_data(y, P, groups).items()}
    out = {"host_statistics": time.perf_counter() - t0, "pairs": float(suff["pair_s"].shape[0])}
    sizes = [(int(g[2]), 1) for g in groups]
    theta = jnp.log(jnp.asarray([0.3256, 0.5150, 0.0831, 1.1775]))  # lme4's sds

    def ll(x: Any) -> Any:
        As = [jnp.exp(x[2 + k]).reshape(1, 1) for k in range(3)]
        return loglik.crossed_log_lik(x[:2], As, jnp.exp(x[5]), suff, sizes)

    x = jnp.concatenate([jnp.asarray([3.2826, -0.0926]), theta])
    rng = np.random.default_rng(0)
    q2 = int(suff["GD"].shape[0])
    A = rng.normal(size=(q2, q2))
    S, g = jnp.asarray(A @ A.T / q2 + np.eye(q2)), jnp.asarray(rng.normal(size=q2))
    block_min = dense.BLOCK_MIN
    for name, loop in (("blocked", False), ("rank_one_loop", True)):
        dense.BLOCK_MIN = 10**9 if loop else block_min
        grad = jax.jit(jax.value_and_grad(ll))
        out[f"gradient_{name}"] = _best(lambda grad=grad: grad(x), args.repeats)
        # a new function each time: jit would reuse the first trace of the same one
        part = jax.jit(jax.value_and_grad(functools.partial(loglik._dense_part), (0, 1)))
        out[f"dense_part_{name}"] = _best(lambda part=part: part(S, g, 1.3), args.repeats)
    dense.BLOCK_MIN = block_min
    original = loglik._dense_part
    R = jnp.asarray(rng.normal(size=(q2, q2)))
    loglik._dense_part = lambda S, g, var: jnp.sum(S * R) + g @ g / var  # type: ignore[assignment]
    try:
        rest = jax.jit(jax.value_and_grad(ll))
        out["gradient_without_dense_part"] = _best(lambda: rest(x), args.repeats)
    finally:
        loglik._dense_part = original
    out["speedup"] = out["gradient_rank_one_loop"] / out["gradient_blocked"]
    return _report(out, args.json)


def _report(out: dict[str, float], path: str | None) -> dict[str, float]:
    out = {k: round(v, 5) for k, v in out.items()}
    print(json.dumps(out, indent=1))
    if path:
        Path(path).write_text(json.dumps(out, indent=1))
    return out


def _forms(repeats: int) -> dict[str, float]:
    """CPU seconds of one ``value_and_grad`` of the potential in the hybrid and plain forms,
    and the number of sampled coordinates of each."""
    import jax
    import jax.numpy as jnp

    from brmsjax.api import design_for
    from brmsjax.backend.families.registry import get_family
    from brmsjax.backend.model.lower import lower
    from brmsjax.backend.priors.resolve import resolve_priors

    kinds = {"s": str, "d": str, "dept": str, "service": str}
    df = pd.read_csv(DATA, dtype=kinds)
    fam = get_family("gaussian")
    design = design_for("y ~ service + (1 | s) + (1 | d) + (1 | dept)", df, fam)
    out: dict[str, float] = {}
    for form in ("hybrid", "plain"):
        low = lower(design, fam, resolve_priors(design, fam, []), likelihood=form)
        n = sum(int(np.prod(site.ushape)) for site in low.sites)
        pot = jax.jit(
            jax.value_and_grad(lambda u, low=low: low.program.potential(u, *low.model_args))
        )
        u = jnp.zeros(n)
        out[f"gradient_{form}"] = _best(lambda pot=pot, u=u: pot(u), repeats)
        out[f"coordinates_{form}"] = float(n)
    out["plain_over_hybrid"] = out["gradient_plain"] / out["gradient_hybrid"]
    return out


if __name__ == "__main__":
    main()
