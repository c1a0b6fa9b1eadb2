"""brmsjax against bambi (NumPyro NUTS) on the same data, side by side in one run.

bambi lives in its own virtual environment (``benchmarks/requirements-bambi.txt``)::

    python -m venv benchmarks/.venv-bambi
    benchmarks/.venv-bambi/bin/pip install -r benchmarks/requirements-bambi.txt

Run from the main environment (the one with brmsjax)::

    python benchmarks/bench_bambi.py [--cases sleepstudy sim] [--rows 10000 --groups 100]
        [--reps 1] [--bambi-python benchmarks/.venv-bambi/bin/python] [--out results.jsonl]

Cases:

* ``sleepstudy``: ``Reaction ~ Days + (Days | Subject)`` on brmsjax/data/sleepstudy.csv (read
  with pandas in both environments, so the bambi venv does not need brmsjax);
* ``sim``: ``y ~ x + (1 + x | g)``, gaussian, simulated by bench_scale.py's generator
  (``--rows`` x ``--groups``), written once to a temporary CSV that both contenders read.

Both fit 4 chains x (1000 warmup + 1000 draws) with NUTS, target acceptance 0.8, maximum tree
depth 10, float64, chains in parallel on 4 XLA host devices. Each fit runs in a fresh process
(this script with ``--worker``; the brmsjax worker in this interpreter, the bambi worker in
``--bambi-python``; the fits are in bambi_fits.py), brmsjax first in even reps and bambi first
in odd ones, so each reports:

* **process (s)**: from spawning the process to the fit's result (interpreter start, imports,
  reading the CSV, model build, compiling, sampling, collecting the draws);
* **fit (s)**: model build + compile + sampling + draws inside the process
  (``brmsjax.brm(...)``; ``bambi.Model(...)`` and ``Model.fit(inference_method="numpyro")``);
* **min bulk ESS**: the smallest rank-normalized bulk ESS (ArviZ) over every sampled parameter
  (population-level, hyperparameters and all group-level effects), and over the population-level
  and hyperparameters only ("hyper": brms's ``b_``, ``sd_``, ``cor_``, ``sigma``; bambi's
  common terms, ``*_sigma`` and ``sigma``), with the largest Rhat over the latter;
* **divergent**: divergent transitions after warmup, summed over chains.

The two are **not** the same model. brmsjax uses brms's default priors (flat ``b``,
``student_t(3, ., .)`` on the intercept, half-``student_t(3, 0, .)`` on ``sd`` and ``sigma``,
``lkj(1)`` on the correlation) and models the correlation of the group effects; bambi 0.17 uses
its own weakly informative defaults (normal priors scaled by the data on the common terms,
``HalfNormal`` on the group sds, ``HalfStudentT(4, sd(y))`` on ``sigma``) and **uncorrelated**
group effects (no ``cor_`` parameter). Each worker prints its model's priors to stderr
(``--show-priors``). brmsjax's compilation cache is off (``BRMSJAX_CACHE_DIR=""``) and JAX's
persistent cache is unset for bambi, so both compile everything; PyTensor's own C cache
(``~/.pytensor``) is left as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SLEEPSTUDY_CSV = ROOT / "brmsjax" / "data" / "sleepstudy.csv"
SLEEPSTUDY_FORMULA = "Reaction ~ Days + (Days | Subject)"
SIM_FORMULA = "y ~ x + (1 + x | g)"
DEFAULT_BAMBI_PYTHON = HERE / ".venv-bambi" / "bin" / "python"
CONTENDERS = ("brmsjax", "bambi")
PREFIX = "RESULT "
_DEVICES = re.compile(r"--xla_force_host_platform_device_count=\d+")


def _sibling(name: str) -> ModuleType:
    """Import a module of this folder by path (as a script, as a worker, or loaded by path)."""
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: The worker side: the two contenders' fits, their convergence and versions.
fits = _sibling("bambi_fits")


# -- driver side -----------------------------------------------------------------------------


def worker_env(contender: str, chains: int) -> dict[str, str]:
    """The environment of a worker: ``chains`` XLA host devices on CPU, no persistent caches."""
    env = dict(os.environ)
    flags = _DEVICES.sub("", env.get("XLA_FLAGS", "")).strip()
    env["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={chains}".strip()
    env["JAX_PLATFORMS"] = "cpu"
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    if contender == "brmsjax":
        env["BRMSJAX_CACHE_DIR"] = ""
    return env


def spawn(
    contender: str,
    python: Path,
    *,
    formula: str,
    csv: Path,
    chains: int,
    warmup: int,
    draws: int,
    seed: int,
    show_priors: bool = False,
) -> dict[str, Any]:
    """Run one worker process (this script with ``--worker``) and return its result.

    Parameters
    ----------
    contender
        ``"brmsjax"`` or ``"bambi"``.
    python
        The interpreter of the worker's environment.
    formula, csv, chains, warmup, draws, seed
        What to fit and how.
    show_priors
        Let the worker print its model's priors to stderr (passed through).

    Returns
    -------
    dict
        The worker's JSON result.
    """
    cmd = [
        str(python),
        str(Path(__file__).resolve()),
        "--worker",
        contender,
        "--formula",
        formula,
        "--csv",
        str(csv),
        "--chains",
        str(chains),
        "--warmup",
        str(warmup),
        "--draws",
        str(draws),
        "--seed",
        str(seed),
        "--spawned",
        repr(time.time()),
    ]
    if show_priors:
        cmd.append("--show-priors")
    proc = subprocess.run(
        cmd,
        env=worker_env(contender, chains),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(PREFIX)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{contender} worker failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    if show_priors:
        print(proc.stderr, file=sys.stderr)
    result: dict[str, Any] = json.loads(lines[-1][len(PREFIX) :])
    return result


def simulate_csv(rows: int, groups: int, seed: int, folder: Path) -> Path:
    """Write bench_scale.py's gaussian ``y ~ x + (1 + x | g)`` data to a CSV in ``folder``."""
    spec = importlib.util.spec_from_file_location("bench_scale", HERE / "bench_scale.py")
    assert spec is not None and spec.loader is not None
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    path = folder / f"sim_{rows}_{groups}.csv"
    scale.simulate("gaussian", rows, groups, seed).to_csv(path, index=False)
    return path


_COLUMNS: dict[str, Callable[[dict[str, Any]], str]] = {
    "process (s)": lambda r: f"{r['process_s']:.1f}",
    "fit (s)": lambda r: f"{r['fit_s']:.1f}",
    "min bulk ESS": lambda r: f"{r['min_bulk_ess']:.0f} ({r['min_bulk_ess_var']})",
    "min bulk ESS, hyper": lambda r: f"{r['min_bulk_ess_hyper']:.0f}",
    "max Rhat, hyper": lambda r: f"{r['max_rhat_hyper']:.3f}",
    "divergent": lambda r: str(r["divergent"]),
    "leapfrog/draw": lambda r: f"{r['mean_leapfrog']:.1f}",
    "fit s per 1000 min-ESS": lambda r: f"{1000 * r['fit_s'] / r['min_bulk_ess']:.1f}",
}


def table(results: list[dict[str, Any]], other: str = "bambi") -> str:
    """A markdown table: one row per fit, then per case the median ratios brmsjax / ``other``.

    Parameters
    ----------
    results
        Worker results with ``case`` and ``rep`` added, as :func:`run` prints them.
    other
        The contender brmsjax is divided by.

    Returns
    -------
    str
        The markdown.
    """
    head = "| case | contender | rep | " + " | ".join(_COLUMNS) + " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        cells = " | ".join(f(r) for f in _COLUMNS.values())
        lines.append(f"| {r['case']} | {r['contender']} | {r['rep']} | {cells} |")
    lines += ["", f"| case | ratio brmsjax / {other} (median over reps) | value |", "|---|---|---|"]
    for case in dict.fromkeys(r["case"] for r in results):
        pairs = []
        for rep in sorted({r["rep"] for r in results if r["case"] == case}):
            by = {r["contender"]: r for r in results if r["case"] == case and r["rep"] == rep}
            if "brmsjax" in by and other in by:
                pairs.append((by["brmsjax"], by[other]))
        if not pairs:
            continue
        for name, key in (("process time", "process_s"), ("fit time", "fit_s")):
            ratio = statistics.median(b[key] / m[key] for b, m in pairs)
            lines.append(f"| {case} | {name} | {ratio:.2f} |")
        per_ess = statistics.median(
            (b["fit_s"] / b["min_bulk_ess"]) / (m["fit_s"] / m["min_bulk_ess"]) for b, m in pairs
        )
        lines.append(f"| {case} | fit time per min-ESS draw | {per_ess:.2f} |")
    return "\n".join(lines)


def machine() -> str:
    """Host, CPU count, load average and Python version for the results."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.node()} ({platform.machine()}, {os.cpu_count()} cores, load average "
        f"{load}), Python {platform.python_version()}"
    )


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every case and rep, contenders alternating; each result printed as a JSON line."""
    results: list[dict[str, Any]] = []
    pythons = {"brmsjax": Path(sys.executable), "bambi": args.bambi_python}
    with tempfile.TemporaryDirectory(prefix="brmsjax-bambi-") as tmp:
        cases: dict[str, tuple[str, Path, dict[str, int]]] = {}
        if "sleepstudy" in args.cases:
            cases["sleepstudy"] = (SLEEPSTUDY_FORMULA, SLEEPSTUDY_CSV, {"rows": 180, "groups": 18})
        if "sim" in args.cases:
            csv = simulate_csv(args.rows, args.groups, args.seed, Path(tmp))
            cases["sim"] = (SIM_FORMULA, csv, {"rows": args.rows, "groups": args.groups})
        for case, (formula, csv, size) in cases.items():
            for rep in range(args.reps):
                order = [c for c in CONTENDERS if c in args.contenders]
                for contender in order if rep % 2 == 0 else order[::-1]:
                    res = spawn(
                        contender,
                        pythons[contender],
                        formula=formula,
                        csv=csv,
                        chains=args.chains,
                        warmup=args.warmup,
                        draws=args.draws,
                        seed=args.seed + rep,
                        show_priors=args.show_priors,
                    )
                    res.update(
                        case=case, rep=rep, date=dt.date.today().isoformat(), host=machine(), **size
                    )
                    line = json.dumps(res)
                    print(PREFIX + line, flush=True)
                    if args.out is not None:
                        with args.out.open("a") as fh:
                            fh.write(line + "\n")
                    results.append(res)
    return results


def main(argv: list[str] | None = None) -> None:
    """Parse arguments; run the comparison (or, with ``--worker``, one fit)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", nargs="+", default=["sleepstudy"], choices=["sleepstudy", "sim"])
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the sim case")
    parser.add_argument("--groups", type=int, default=100, help="groups of the sim case")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--contenders", nargs="+", default=list(CONTENDERS), choices=CONTENDERS)
    parser.add_argument(
        "--bambi-python",
        type=Path,
        default=DEFAULT_BAMBI_PYTHON,
        help="python of the venv with bambi (default: %(default)s)",
    )
    parser.add_argument(
        "--show-priors", action="store_true", help="print each contender's priors (stderr)"
    )
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    parser.add_argument(
        "--table",
        type=Path,
        default=None,
        help="print the markdown table of a JSON-lines file and exit",
    )
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--formula", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--spawned", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        # this folder's modules (coverage.py) must not shadow installed packages in a worker
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
        print(PREFIX + json.dumps(fits.worker(args)), flush=True)
        return
    if args.table is not None:
        print(table([json.loads(ln) for ln in args.table.read_text().splitlines() if ln.strip()]))
        return
    if "bambi" in args.contenders and not args.bambi_python.exists():
        sys.exit(
            f"No bambi environment at {args.bambi_python}; create it with\n"
            f"  python -m venv {HERE / '.venv-bambi'}\n"
            f"  {HERE / '.venv-bambi' / 'bin' / 'pip'} install -r "
            f"{HERE / 'requirements-bambi.txt'}\nor pass --bambi-python."
        )
    results = run(args)
    print(f"\n{machine()}\n")
    print(table(results))


if __name__ == "__main__":
    main()
