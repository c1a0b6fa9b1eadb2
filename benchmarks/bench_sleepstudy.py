"""sleepstudy ``Reaction ~ Days + (Days | Subject)``: brmsjax against a hand-written NumPyro model.

Both contenders fit brms's parameterization (see ``handwritten_numpyro.py``) with 4 chains x
(1000 warmup + 1000 draws), NUTS with ``adapt_delta = 0.8`` and ``max_treedepth = 10``, in
float64, chains in parallel on 4 host devices. Every measurement runs in a fresh worker process
(this script with ``--worker``) whose environment asks XLA for the host devices before JAX
starts, so compilation is counted:

* **cold**: from spawning the process to the first fit's result (interpreter start, imports,
  data, tracing, compiling, sampling, draws); with JAX's persistent compilation cache
  **off**, **empty** (a fresh directory, filled by this run; measured once) or **warm** (the
  directory the empty run filled);
* **warm**: a second fit in the same process with another seed (nothing left to compile for
  brmsjax; the hand-written ``MCMC.run`` retraces its ``pmap``);
* **min bulk ESS/s**: the smallest rank-normalized bulk ESS (ArviZ) over every parameter
  (``b_``, ``sd_``, ``cor_``, ``sigma`` and all 36 ``r_Subject[...]``) divided by the time.

Contenders alternate, repeated ``--reps`` times; the table shows medians and the ratio
brmsjax / hand-written. brms's row comes from tests/fixtures/brms/sleep_rs.json. Run:

    python benchmarks/bench_sleepstudy.py [--reps 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FORMULA = "Reaction ~ Days + (Days | Subject)"
CONTENDERS = ("brmsjax", "handwritten")
ALL_CONTENDERS = (*CONTENDERS, "bambi")
BRMS_FIXTURE = ROOT / "tests" / "fixtures" / "brms" / "sleep_rs.json"
_PREFIX = "RESULT "
_DEVICES = re.compile(r"--xla_force_host_platform_device_count=\d+")


# -- worker side: one fresh process, two fits ------------------------------------------------


def _listen() -> dict[str, float]:
    """Sum JAX's compile-phase durations (trace, lowering, XLA compile, cache reads)."""
    import jax

    totals: dict[str, float] = {}

    def record(event: str, duration_secs: float, **_: str | int) -> None:
        key = event.rsplit("/", 1)[-1]
        totals[key] = totals.get(key, 0.0) + duration_secs

    jax.monitoring.register_event_duration_secs_listener(record)
    return totals


def min_bulk_ess(draws: dict[str, np.ndarray]) -> tuple[float, str]:
    """Smallest bulk ESS over ``(chains, draws)`` arrays and the parameter that has it."""
    import arviz as az

    ess = {k: float(az.ess(np.asarray(v, dtype=float), method="bulk")) for k, v in draws.items()}
    worst = min(ess, key=ess.__getitem__)
    return ess[worst], worst


def _brmsjax_fitter(chains: int, warmup: int, draws: int) -> Any:
    import brmsjax as bj

    data = bj.datasets.sleepstudy()

    def fit(seed: int) -> tuple[dict[str, np.ndarray], float]:
        res = bj.brm(
            FORMULA,
            data,
            chains=chains,
            iter=warmup + draws,
            warmup=warmup,
            seed=seed,
            progress=False,
        )
        frame = res.draws()
        skip = {"lp__", "lprior", ".chain", ".iteration", ".draw"}
        out = {str(c): frame[c].to_numpy().reshape(chains, -1) for c in frame if c not in skip}
        stats = res.sampler_stats
        steps = float(stats["n_leapfrog__"].mean()) if stats is not None else float("nan")
        return out, steps

    return fit


def _handwritten_fitter(chains: int, warmup: int, draws: int) -> Any:
    import numpyro

    numpyro.enable_x64()
    path = HERE / "handwritten_numpyro.py"
    spec = importlib.util.spec_from_file_location("handwritten_numpyro", path)
    assert spec is not None and spec.loader is not None
    hw = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = hw  # dataclasses look their module up while decorating
    spec.loader.exec_module(hw)

    data = hw.load_sleepstudy()
    mcmc = hw.make_mcmc(chains, warmup, draws)

    def fit(seed: int) -> tuple[dict[str, np.ndarray], float]:
        out, steps = hw.run(mcmc, data, seed)
        return out, float(steps.mean())

    return fit


def _bambi_fitter(chains: int, warmup: int, draws: int) -> Any:
    """bambi's defaults (its own priors, uncorrelated group effects) with NumPyro's NUTS."""
    import bambi as bmb
    import pandas as pd

    model = bmb.Model(FORMULA, pd.read_csv(ROOT / "brmsjax" / "data" / "sleepstudy.csv"))

    def fit(seed: int) -> tuple[dict[str, np.ndarray], float]:
        idata = model.fit(
            draws=draws,
            tune=warmup,
            chains=chains,
            inference_method="numpyro",
            target_accept=0.8,
            random_seed=seed,
            progressbar=False,
        )
        out = {}
        for name, var in idata.posterior.data_vars.items():
            if "__obs__" in var.dims:
                continue
            flat = var.values.reshape(chains, draws, -1)
            for i in range(flat.shape[2]):
                out[f"{name}[{i}]" if flat.shape[2] > 1 else str(name)] = flat[..., i]
        steps = idata.sample_stats.get("n_steps")
        return out, float(steps.mean()) if steps is not None else float("nan")

    return fit


def worker(
    contender: str, *, chains: int, warmup: int, draws: int, seed: int, spawned: float
) -> dict[str, Any]:
    """Two fits in this process; times, compile phases, ESS and leapfrog steps of each."""
    started = time.time()
    totals = _listen()
    makers = {
        "brmsjax": _brmsjax_fitter,
        "handwritten": _handwritten_fitter,
        "bambi": _bambi_fitter,
    }
    fit = makers[contender](chains, warmup, draws)
    import jax

    out: dict[str, Any] = {
        "contender": contender,
        "devices": jax.local_device_count(),
        "startup_s": started - spawned,
        "import_s": time.time() - started,
    }
    for label, s in (("cold", seed), ("warm", seed + 1)):
        before = dict(totals)
        t0 = time.time()
        fit_draws, steps = fit(s)
        t1 = time.time()
        ess, worst = min_bulk_ess(fit_draws)
        out[label] = {
            "fit_s": t1 - t0,
            "min_ess": ess,
            "min_ess_var": worst,
            "steps": steps,
            "n_params": len(fit_draws),
            "phases": {k: v - before.get(k, 0.0) for k, v in totals.items()},
        }
        if label == "cold":
            out["cold_s"] = t1 - spawned
            out["names"] = sorted(fit_draws)
    return out


# -- driver side ---------------------------------------------------------------------------


def _env(contender: str, mode: str, chains: int, cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    flags = _DEVICES.sub("", env.get("XLA_FLAGS", "")).strip()
    env["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={chains}".strip()
    env["JAX_PLATFORMS"] = "cpu"
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    if contender == "brmsjax":
        env["BRMSJAX_CACHE_DIR"] = "" if mode == "off" else str(cache / contender)
    elif mode != "off":
        env["JAX_COMPILATION_CACHE_DIR"] = str(cache / contender / "jax")
    return env


def spawn(
    contender: str, mode: str, args: argparse.Namespace, cache: Path, seed: int
) -> dict[str, Any]:
    """Run one worker process and return its measurements."""
    python = args.bambi_python if contender == "bambi" else sys.executable
    cmd = [
        str(python),
        str(Path(__file__).resolve()),
        "--worker",
        contender,
        "--chains",
        str(args.chains),
        "--warmup",
        str(args.warmup),
        "--draws",
        str(args.draws),
        "--seed",
        str(seed),
        "--spawned",
        repr(time.time()),
    ]
    proc = subprocess.run(
        cmd,
        env=_env(contender, mode, args.chains, cache),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(_PREFIX)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{contender} worker failed ({proc.returncode}):\n{proc.stderr}")
    result: dict[str, Any] = json.loads(lines[-1][len(_PREFIX) :])
    result["mode"] = mode
    print(
        f"  {contender:11s} cache={mode:5s} cold {result['cold_s']:6.2f} s  warm "
        f"{result['warm']['fit_s']:6.2f} s  min ESS {result['warm']['min_ess']:7.1f}",
        file=sys.stderr,
        flush=True,
    )
    return result


def brms_reference(
    path: Path = BRMS_FIXTURE, warmup: int = 1000, draws: int = 1000
) -> dict[str, float]:
    """brms 2.18's sleep_rs fit (4 x (1000 + 2500)) scaled to ``warmup + draws`` iterations.

    Warmup is 1000 iterations in both, so ``warmup_seconds`` stays; ``sampling_seconds`` is
    scaled linearly by ``draws / 2500`` and the end-to-end time loses the same difference.
    The minimum bulk ESS (over every variable but ``lp__`` and ``lprior``) is scaled by the
    same factor, as ESS grows in proportion to the draws.
    """
    ref = json.loads(path.read_text())
    kept = 2500
    factor = draws / kept
    sampling = ref["warmup_seconds"] * warmup / 1000 + ref["sampling_seconds"] * factor
    total = ref["total_seconds"] - ref["sampling_seconds"] * (1 - factor)
    ess = min(r["ess_bulk"] for r in ref["summary"] if r["variable"] not in {"lp__", "lprior"})
    return {
        "total_s": total,
        "sampler_s": sampling,
        "min_ess": ess * factor,
        "total_recorded_s": ref["total_seconds"],
    }


def _compile_s(phases: dict[str, float]) -> float:
    """Seconds spent tracing, lowering and compiling (compiling includes reading the cache)."""
    return sum(v for k, v in phases.items() if k.endswith("_duration"))


_COLUMNS: dict[str, Any] = {
    "cold (s)": lambda r: r["cold_s"],
    "compile in cold (s)": lambda r: _compile_s(r["cold"]["phases"]),
    "warm (s)": lambda r: r["warm"]["fit_s"],
    "compile in warm (s)": lambda r: _compile_s(r["warm"]["phases"]),
    "warm less compile (s)": lambda r: r["warm"]["fit_s"] - _compile_s(r["warm"]["phases"]),
    "min bulk ESS": lambda r: r["warm"]["min_ess"],
    "ESS/s warm": lambda r: r["warm"]["min_ess"] / r["warm"]["fit_s"],
    "ESS/s cold": lambda r: r["cold"]["min_ess"] / r["cold_s"],
    "leapfrog/draw": lambda r: r["warm"]["steps"],
}


def table(results: list[dict[str, Any]], brms: dict[str, float], machine: str) -> str:
    """Markdown rows: medians per contender and cache mode, paired ratios, brms's row."""
    lines = [
        f"| {time.strftime('%Y-%m-%d')} | {machine} |",
        "",
        "| contender | persistent cache | runs | " + " | ".join(_COLUMNS) + " |",
        "|---|---|---|" + "---|" * len(_COLUMNS),
    ]
    for mode in ("off", "empty", "warm"):
        for c in ALL_CONTENDERS:
            rows = [r for r in results if r["contender"] == c and r["mode"] == mode]
            if rows:
                cells = [f"{statistics.median(f(r) for r in rows):.2f}" for f in _COLUMNS.values()]
                lines.append(f"| {c} | {mode} | {len(rows)} | " + " | ".join(cells) + " |")
    lines.append(
        f"| brms 2.18 (fixture, scaled) | - | 1 | {brms['total_s']:.1f} | - | "
        f"{brms['sampler_s']:.2f} | - | {brms['sampler_s']:.2f} | {brms['min_ess']:.0f} | "
        f"{brms['min_ess'] / brms['sampler_s']:.1f} | {brms['min_ess'] / brms['total_s']:.1f} | - |"
    )
    lines += ["", "| ratio brmsjax / hand-written (median of paired runs) | value |", "|---|---|"]
    for mode in ("off", "warm"):
        pairs = _pairs(results, mode)
        if not pairs:
            continue
        for name, key in (
            ("cold", "cold (s)"),
            ("warm fit", "warm (s)"),
            ("warm fit less compile", "warm less compile (s)"),
        ):
            f = _COLUMNS[key]
            ratio = statistics.median(f(b) / f(h) for b, h in pairs)
            lines.append(f"| {name} time, cache {mode} | {ratio:.2f} |")
        per_ess = statistics.median(_per_ess(b) / _per_ess(h) for b, h in pairs)
        lines.append(f"| warm time per min-ESS draw, cache {mode} | {per_ess:.2f} |")
    return "\n".join(lines)


def _per_ess(r: dict[str, Any]) -> float:
    return float(r["warm"]["fit_s"] / r["warm"]["min_ess"])


def _pairs(results: list[dict[str, Any]], mode: str) -> list[tuple[dict[str, Any], ...]]:
    by_rep: dict[int, dict[str, dict[str, Any]]] = {}
    for r in results:
        if r["mode"] == mode:
            by_rep.setdefault(r["rep"], {})[r["contender"]] = r
    return [
        (d["brmsjax"], d["handwritten"])
        for d in by_rep.values()
        if "brmsjax" in d and "handwritten" in d
    ]


def run_benchmark(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Empty-cache runs once, then ``reps`` rounds of cache-off and warm-cache runs, alternating."""
    cache = Path(tempfile.mkdtemp(prefix="brmsjax-bench-"))
    results: list[dict[str, Any]] = []
    contenders = [c for c in CONTENDERS if c in args.contenders]
    try:
        if "warm" in args.modes:
            for c in contenders:
                results.append({**spawn(c, "empty", args, cache, args.seed), "rep": -1})
        for rep in range(args.reps):
            order = contenders if rep % 2 == 0 else contenders[::-1]
            for mode in args.modes:
                for c in order:
                    seed = args.seed + 10 * (rep + 1)
                    results.append({**spawn(c, mode, args, cache, seed), "rep": rep})
            if args.bambi_python:
                results.append(
                    {**spawn("bambi", "off", args, cache, args.seed + 10 * (rep + 1)), "rep": rep}
                )
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return results


def machine() -> str:
    """Machine and library versions for the results table."""
    import importlib.metadata as md

    versions = ", ".join(f"{p} {md.version(p)}" for p in ("jax", "numpyro"))
    cpu = platform.processor() or platform.machine()
    return (
        f"{platform.node()} ({cpu}, {os.cpu_count()} cores), "
        f"Python {platform.python_version()}, {versions}"
    )


def main(argv: list[str] | None = None) -> None:
    """Parse arguments; run the benchmark (or, with ``--worker``, one worker process)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--modes", nargs="+", default=["off", "warm"], choices=["off", "warm"])
    parser.add_argument("--contenders", nargs="+", default=list(CONTENDERS), choices=CONTENDERS)
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument("--table-from", type=Path, help="print the table of a saved --json run")
    parser.add_argument(
        "--bambi-python",
        type=Path,
        help="python of a separate venv with bambi: adds bambi (cache off)",
    )
    parser.add_argument("--worker", choices=ALL_CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--spawned", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        # this folder's modules (coverage.py) must not shadow installed packages in a worker
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
        spawned = time.time() if args.spawned is None else args.spawned
        out = worker(
            args.worker,
            chains=args.chains,
            warmup=args.warmup,
            draws=args.draws,
            seed=args.seed,
            spawned=spawned,
        )
        print(_PREFIX + json.dumps(out), flush=True)
        return
    if args.table_from:
        saved = json.loads(args.table_from.read_text())
        print(table(saved["results"], saved["brms"], saved.get("machine", "")))
        return
    results = run_benchmark(args)
    brms = brms_reference(warmup=args.warmup, draws=args.draws)
    host = machine()
    print(table(results, brms, host))
    if args.json:
        args.json.write_text(
            json.dumps({"results": results, "brms": brms, "machine": host}, indent=1)
        )


if __name__ == "__main__":
    main()
