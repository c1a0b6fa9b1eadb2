"""Start-up cost of brmsjax: import time, tracing plus compiling, and sampling, cold.

Each measurement runs in a fresh process with the compile cache off (``BRMSJAX_CACHE_DIR=``),
so nothing compiled earlier is reused. Several source trees can be measured side by side in
one run (``--tree``): a tree is a brmsjax checkout, imported through a temporary folder laid out
as pip installs it, so the ratios of "before" and "after" come from the same machine at the same
time::

    mkdir /tmp/before && git archive <commit> | tar -x -C /tmp/before
    python benchmarks/bench_compile.py --tree /tmp/before --tree . [--reps 3]

Cases (4 chains x (1000 + 1000), seed 2026, brms's default priors):

* ``sleepstudy``: ``Reaction ~ Days + (Days | Subject)``, gaussian, 180 rows;
* ``bernoulli``: ``y ~ x + (1 | g)``, 2,000 simulated rows in 40 groups;
* ``poisson``: ``y ~ x + (1 | g)``, 300 simulated rows in 20 groups;
* ``binomial``: ``incidence | trials(size) ~ period + (1 | herd)`` (lme4's cbpp, 56 rows);
* ``cumulative``: ``rating ~ temp + contact + (1 | judge)`` (ordinal's wine, 72 rows);
* ``ticks``, ``penicillin``, ``contra``, ``orth``, ``star_nested``: compare_ng_refs.py's
  real-data models (issue 20), with the same data and formulas.

Per case and tree the worker reports:

* **import (s)**: ``import brmsjax`` alone, and ``from brmsjax import brm`` (what a fit needs),
  each in a fresh interpreter (best of ``--reps``);
* **compile (s)**: wall time inside :func:`brmsjax.backend.cache.compiled` (tracing, lowering and
  XLA compilation of every program of the fit; programs compiled at the same time on two
  threads count once), the number of programs, and each program's wall seconds by name;
* **startup (s)**: wall time from the ``brm()`` call to the sampler's first iteration (design,
  lowering, every trace and compile, including those outside ``compiled``, the mode search);
* **sample (s)**: the sampler's run after start-up (``SampleResult.seconds["sample"]``);
* **fit (s)**: the whole ``brm()`` call, and the process's CPU seconds during it (all threads),
  and until the sampler's first iteration (design, lowering, tracing, compiling, the mode
  search): CPU seconds count the work done whatever the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PREFIX = "RESULT "
CASES = ("sleepstudy", "poisson", "bernoulli", "binomial", "cumulative")
#: compare_ng_refs.py's real-data cases with brms 2.18 references, timed the same way.
NG_CASES = ("ticks", "penicillin", "contra", "orth", "star_nested")


def case_data(case: str) -> tuple[str, Any, str]:
    """Formula, data frame and family of a case."""
    import numpy as np
    import pandas as pd

    data = ROOT / "brmsjax" / "data"
    if case == "sleepstudy":
        return (
            "Reaction ~ Days + (Days | Subject)",
            pd.read_csv(data / "sleepstudy.csv"),
            "gaussian",
        )
    if case == "binomial":
        frame = pd.read_csv(data / "cbpp.csv")
        return "incidence | trials(size) ~ period + (1 | herd)", frame, "binomial"
    if case == "cumulative":
        return "rating ~ temp + contact + (1 | judge)", pd.read_csv(data / "wine.csv"), "cumulative"
    if case == "bernoulli":
        rng = np.random.default_rng(1)
        n, levels = 2000, 40
        g = rng.integers(0, levels, n)
        x = rng.normal(size=n)
        eta = -0.3 + 0.8 * x + rng.normal(0.0, 0.7, levels)[g]
        y = rng.binomial(1, 1.0 / (1.0 + np.exp(-eta)))
        frame = pd.DataFrame({"y": y, "x": x, "g": [f"g{i}" for i in g]})
        return "y ~ x + (1 | g)", frame, "bernoulli"
    if case == "poisson":
        rng = np.random.default_rng(1)
        n, levels = 300, 20
        g = rng.integers(0, levels, n)
        x = rng.normal(size=n)
        y = rng.poisson(np.exp(0.5 + 0.3 * x + rng.normal(0.0, 0.5, levels)[g]))
        return "y ~ x + (1 | g)", pd.DataFrame({"y": y, "x": x, "g": g}), "poisson"
    if case in NG_CASES:
        refs = _ng_refs()
        formula, family, _ = refs.cases()[case]
        return formula, refs.frame(case), family
    raise ValueError(f"unknown case {case!r}")


def _ng_refs():  # noqa: ANN202 - a module loaded by path
    """compare_ng_refs.py, whose cases (issue 20's real-data models) this script can time too."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("compare_ng_refs", HERE / "compare_ng_refs.py")
    if spec is None or spec.loader is None:
        raise ImportError("compare_ng_refs")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _union(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of time intervals (overlapping compiles count once)."""
    total, end = 0.0, -float("inf")
    for lo, hi in sorted(intervals):
        if hi > end:
            total += hi - max(lo, end)
            end = hi
    return total


def worker(case: str, likelihood: str | None = None) -> None:
    """Fit one case in this (fresh) process and print its timings as a ``RESULT`` line.

    ``likelihood`` forces :func:`~brmsjax.backend.model.lower.lower`'s likelihood form (None:
    its ``"auto"`` rule), e.g. ``"glm"`` against ``"plain"`` for the glm form's row threshold.
    """
    os.environ["BRMSJAX_CACHE_DIR"] = ""
    t0 = time.perf_counter()
    from brmsjax import brm

    import_s = time.perf_counter() - t0
    if likelihood is not None:
        _force_likelihood(likelihood)
    import brmsjax.backend.infer.metric_init
    import brmsjax.backend.infer.nuts_programs  # noqa: F401
    from brmsjax.backend import cache
    from brmsjax.backend.infer import nuts

    original = cache.compiled
    spans: list[tuple[float, float]] = []
    names: dict[str, float] = {}

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spans.append((start, time.perf_counter()))
            name = str(args[0][0] if args and isinstance(args[0], tuple) else args[0])
            names[name] = names.get(name, 0.0) + spans[-1][1] - start

    for name, module in list(sys.modules.items()):
        if name.startswith("brmsjax.backend") and getattr(module, "compiled", None) is original:
            module.compiled = timed  # type: ignore[attr-defined]
    results: dict[str, Any] = {}
    sample = nuts.sample

    def keep(*args: Any, **kwargs: Any) -> Any:
        results["likelihood"] = args[0].forms["likelihood"]  # the LoweredModel
        results["result"] = out = sample(*args, **kwargs)
        return out

    nuts.sample = keep  # brm() imports it from the module when called
    chunks = nuts.run_chunks

    def sampling(*args: Any, **kwargs: Any) -> Any:
        results["sampling_cpu"] = time.process_time()
        results["sampling_wall"] = time.perf_counter()
        return chunks(*args, **kwargs)

    nuts.run_chunks = sampling
    formula, data, family = case_data(case)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    fit = brm(formula, data, family=family, chains=4, iter=2000, warmup=1000, seed=2026)
    fit_s, cpu_s = time.perf_counter() - wall0, time.process_time() - cpu0
    result = results["result"]
    fixed = fit.fixef()
    line = {
        "case": case,
        "likelihood": results["likelihood"],
        "brmsjax": str(Path(sys.modules["brmsjax"].__file__ or "").parent),
        "import_s": import_s,
        "compile_s": _union(spans),
        "programs": len(spans),
        "program_s": names,
        "startup_s": results["sampling_wall"] - wall0,
        "sample_s": float(result.seconds["sample"]),
        "fit_s": fit_s,
        "fit_cpu_s": cpu_s,
        "startup_cpu_s": results["sampling_cpu"] - cpu0,
        "divergent": int(result.stats["diverging"].sum()),
        "estimates": {str(k): float(v) for k, v in fixed["Estimate"].items()},
    }
    print(PREFIX + json.dumps(line), flush=True)


def _force_likelihood(likelihood: str) -> None:
    """Make every ``lower()`` call of this process ask for ``likelihood``."""
    import brmsjax.backend.model.lower as lower_module

    original = lower_module.lower

    def forced(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **{**kwargs, "likelihood": likelihood})

    lower_module.lower = forced  # type: ignore[assignment]  # brm() imports it when called


def _env(tree: Path, layout: Path) -> dict[str, str]:
    """The environment of a process importing brmsjax from ``tree`` (not the installed one).

    ``layout/brmsjax`` mirrors the installed package: links to the tree's ``brmsjax/``
    entries, plus ``formula`` and ``backend`` (pyproject's ``package-dir``).
    """
    package = layout / "brmsjax"
    package.mkdir(parents=True, exist_ok=True)
    for entry in (tree / "brmsjax").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name in ("formula", "backend"):
        (package / name).symlink_to(tree / name)
    env = dict(os.environ, BRMSJAX_CACHE_DIR="", PYTHONPATH=str(layout))
    env.pop("XLA_FLAGS", None)
    return env


def _run(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False
    )
    for row in out.stdout.splitlines():
        if row.startswith(PREFIX):
            return dict(json.loads(row[len(PREFIX) :]))
    raise RuntimeError(f"no result from {args}:\n{out.stderr[-2000:]}")


def import_seconds(env: dict[str, str], statement: str) -> float:
    """Wall seconds of ``statement`` in a fresh interpreter."""
    code = (
        "import json, time; t = time.perf_counter()\n"
        f"{statement}\n"
        f"print({PREFIX!r} + json.dumps({{'s': time.perf_counter() - t}}))"
    )
    return float(_run(["-c", code], env)["s"])


def main(argv: list[str] | None = None) -> None:
    """Measure every tree on every case, interleaved, and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--tree", action="append", default=None, help="brmsjax checkout")
    parser.add_argument("--case", nargs="+", default=list(CASES), choices=CASES + NG_CASES)
    parser.add_argument("--reps", type=int, default=1, help="fits per case and tree")
    parser.add_argument("--out", default=None, help="append the rows as JSON lines here")
    parser.add_argument(
        "--likelihood",
        nargs="+",
        default=None,
        help="likelihood forms to force, each measured in turn (default: lower()'s auto rule)",
    )
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.likelihood[0] if args.likelihood else None)
        return
    trees = [Path(t).resolve() for t in (args.tree or [str(ROOT)])]
    scratch = Path(tempfile.mkdtemp(prefix="bench_compile_"))
    try:
        envs = {tree: _env(tree, scratch / str(i)) for i, tree in enumerate(trees)}
        rows = measure(trees, envs, args.case, args.reps, args.likelihood)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")


def measure(
    trees: list[Path],
    envs: dict[Path, dict[str, str]],
    cases: list[str],
    reps: int,
    likelihoods: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Import times, then every case on every tree (interleaved); prints and returns rows.

    With ``likelihoods``, each tree runs each case once per forced form, and the variants
    (``<tree>:<form>``) take the trees' place in the table and the ratios.
    """
    rows: list[dict[str, Any]] = []
    forms: list[str | None] = list(likelihoods) if likelihoods else [None]
    for tree in trees:
        for statement in ("import brmsjax", "from brmsjax import brm"):
            best = min(import_seconds(envs[tree], statement) for _ in range(max(3, reps)))
            rows.append({"tree": str(tree), "case": statement, "import_s": best})
            print(f"{tree}: {statement}: {best:.2f} s (best of {max(3, reps)})", flush=True)
    for case in cases:
        for _ in range(reps):
            for tree, form in [(t, f) for t in trees for f in forms]:  # interleaved
                force = ["--likelihood", form] if form else []
                worker_args = [str(Path(__file__).resolve()), "--worker", case, *force]
                row = _run(worker_args, envs[tree])
                row["tree"] = f"{tree}:{form}" if form else str(tree)
                rows.append(row)
                print(
                    f"{row['tree']} ({row['likelihood']}): {case}: compile "
                    f"{row['compile_s']:.2f} s ({row['programs']} "
                    f"programs: {_programs(row)}), startup {row['startup_s']:.2f} s, "
                    f"sample {row['sample_s']:.2f} s, fit {row['fit_s']:.2f} s "
                    f"(cpu {row['fit_cpu_s']:.2f} s, {row['startup_cpu_s']:.2f} s of it before "
                    f"sampling), divergent {row['divergent']}",
                    flush=True,
                )
    if likelihoods:
        trees = [Path(f"{t}:{f}") for t in trees for f in forms]
    print("\nmedians:")
    for case in cases:
        for tree in trees:
            mine = [r for r in rows if r["case"] == case and r["tree"] == str(tree)]
            med = {
                k: statistics.median(r[k] for r in mine)
                for k in (
                    "compile_s",
                    "startup_s",
                    "sample_s",
                    "fit_s",
                    "fit_cpu_s",
                    "startup_cpu_s",
                )
            }
            print(
                f"  {case:10s} {tree.name:12s} compile {med['compile_s']:.2f}  startup "
                f"{med['startup_s']:.2f}  sample "
                f"{med['sample_s']:.2f}  fit {med['fit_s']:.2f}  cpu {med['fit_cpu_s']:.2f}  "
                f"cpu before sampling {med['startup_cpu_s']:.2f}"
            )
    ratios(rows, trees, cases)
    return rows


def _programs(row: dict[str, Any]) -> str:
    """Each program's wall seconds, ``name 1.23``, comma separated."""
    return ", ".join(f"{k} {v:.2f}" for k, v in row.get("program_s", {}).items())


def ratios(rows: list[dict[str, Any]], trees: list[Path], cases: list[str]) -> None:
    """Print the median of the paired ratios last tree / first tree (same case and rep)."""
    if len(trees) < 2:
        return
    first, last = str(trees[0]), str(trees[-1])
    for case in cases:
        pairs = list(
            zip(
                [r for r in rows if r["case"] == case and r["tree"] == first],
                [r for r in rows if r["case"] == case and r["tree"] == last],
                strict=False,
            )
        )
        text = "  ".join(
            f"{k} {statistics.median(b[k] / a[k] for a, b in pairs):.2f}"
            for k in ("compile_s", "startup_s", "startup_cpu_s", "fit_s")
            if all(k in a for a, _ in pairs)
        )
        print(f"  ratio {trees[-1].name}/{trees[0].name} {case:10s} {text}")


if __name__ == "__main__":
    main()
