"""brmsjax against brms 2.18 (R, rstan) on the same data and model, side by side in one run.

Needs ``Rscript`` with the R packages brms, posterior and jsonlite (R 4.2.2, brms 2.18, rstan
2.21 here); without them the script exits with a message. If rstan cannot compile (Debian's
r-cran-bh keeps the Boost headers in /usr/include), ``ln -s /usr/include
/usr/lib/R/site-library/BH/include`` fixes it. Run from the main environment::

    python benchmarks/bench_brms.py [--model sleepstudy|star] [--reps 1] [--cores 2]
        [--out results.jsonl]

Models, with brms's default priors in both:

* ``sleepstudy``: ``Reaction ~ Days + (Days | Subject)`` (brmsjax/data/sleepstudy.csv);
* ``star``: bench_star.py's formula on brmsjax/data/star1.csv (brms needs about 15 to 25
  minutes on 2 cores for it).

The data are read with pandas and written to a temporary CSV that R reads. Each fit runs in a
fresh process: brmsjax as bench_bambi.py's worker (4 XLA host devices, compilation cache off),
brms as ``Rscript benchmarks/brms_fit.R`` (``brm(..., chains = 4, iter = 2000, warmup = 1000,
cores = 2)``, rstan backend). Each prints a JSON line (``RESULT {...}``) in bench_bambi.py's
format:

* **process (s)**: spawn to result: for brms, R start, ``library(brms)``, reading the CSV,
  ``brm()`` (Stan code, C++ compilation, sampling), ``as_draws_df``; for brmsjax, interpreter
  start, imports, ``brm()`` (design, lowering, XLA compilation, sampling, draws);
* **fit (s)**: the ``brm()`` call alone (brms: includes compiling the Stan program);
* **min bulk ESS** over every parameter (``r_`` included) and over ``b_``, ``sd_``, ``cor_``,
  ``sigma`` ("hyper"), max Rhat of the latter (brms: posterior::summarise_draws; brmsjax:
  ArviZ; the same rank-normalized estimators), divergent transitions, mean leapfrog steps;
* brms's extra fields: ``load_s`` (R packages), ``warmup_s`` and ``sample_s`` (rstan, per chain).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
R_SCRIPT = HERE / "brms_fit.R"
PREFIX = "RESULT "
R_PACKAGES = ("brms", "posterior", "jsonlite")


def _load(name: str) -> ModuleType:
    """Import a sibling benchmark script by path."""
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def model_spec(model: str) -> tuple[str, Path]:
    """The formula and bundled CSV of ``--model``."""
    if model == "sleepstudy":
        return "Reaction ~ Days + (Days | Subject)", ROOT / "brmsjax" / "data" / "sleepstudy.csv"
    if model == "star":
        return str(_load("bench_star").FORMULA), ROOT / "brmsjax" / "data" / "star1.csv"
    raise ValueError(f"unknown model {model!r}")


def check_r(rscript: str | None) -> str:
    """The path of ``Rscript`` if it and the R packages are installed; exits otherwise."""
    if rscript is None or shutil.which(rscript) is None:
        sys.exit("bench_brms.py needs Rscript (R >= 4) on the PATH, or --rscript PATH.")
    path = str(shutil.which(rscript))
    check = (
        "pk <- c(" + ", ".join(f'"{p}"' for p in R_PACKAGES) + "); "
        "miss <- pk[!vapply(pk, requireNamespace, logical(1), quietly = TRUE)]; "
        "cat(miss, sep = ' '); quit(status = length(miss) > 0)"
    )
    proc = subprocess.run([path, "-e", check], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        missing = proc.stdout.strip() or proc.stderr.strip()
        sys.exit(
            f"R packages missing for bench_brms.py: {missing}. "
            f"Install them with install.packages(c({', '.join(repr(p) for p in R_PACKAGES)}))"
            "."
        )
    return path


def run_brms(
    rscript: str,
    formula: str,
    csv: Path,
    *,
    chains: int,
    warmup: int,
    draws: int,
    cores: int,
    seed: int,
    folder: Path,
) -> dict[str, Any]:
    """Fit with brms through ``brms_fit.R`` in a fresh R process; its JSON plus ``process_s``.

    Parameters
    ----------
    rscript
        Path of ``Rscript``.
    formula, csv
        The model and the data file.
    chains, warmup, draws, cores, seed
        ``brm()``'s settings (``iter = warmup + draws``).
    folder
        Where the R script writes its JSON.

    Returns
    -------
    dict
        The R script's result with ``process_s`` (spawn to exit) added.
    """
    out = folder / f"brms_{seed}.json"
    cmd = [
        rscript,
        str(R_SCRIPT),
        str(csv),
        formula,
        str(chains),
        str(warmup + draws),
        str(warmup),
        str(cores),
        str(seed),
        str(out),
    ]
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    process_s = time.time() - t0
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"brms failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.read_text())
    result["process_s"] = process_s
    return result


def main(argv: list[str] | None = None) -> None:
    """Parse arguments; fit brmsjax and brms in turn and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="sleepstudy", choices=["sleepstudy", "star"])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--cores", type=int, default=2, help="brm()'s cores")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--rscript", default="Rscript")
    parser.add_argument("--only-brms", action="store_true", help="skip the brmsjax fit")
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    parser.add_argument(
        "--table",
        type=Path,
        default=None,
        help="print the markdown table of a JSON-lines file and exit",
    )
    args = parser.parse_args(argv)
    bench = _load("bench_bambi")
    if args.table is not None:
        rows = [json.loads(ln) for ln in args.table.read_text().splitlines() if ln.strip()]
        print(bench.table(rows, other="brms"))
        return
    rscript = check_r(args.rscript)
    formula, source = model_spec(args.model)
    import pandas as pd

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="brmsjax-brms-") as tmp:
        folder = Path(tmp)
        frame = pd.read_csv(source, keep_default_na=True, na_values=["NA"])
        csv = folder / f"{args.model}.csv"
        frame.to_csv(csv, index=False, na_rep="NA")
        size = {"rows": len(frame)}
        order = ["brms"] if args.only_brms else ["brmsjax", "brms"]
        for rep in range(args.reps):
            seed = args.seed + rep
            for contender in order if rep % 2 == 0 else order[::-1]:
                if contender == "brms":
                    res = run_brms(
                        rscript,
                        formula,
                        csv,
                        chains=args.chains,
                        warmup=args.warmup,
                        draws=args.draws,
                        cores=args.cores,
                        seed=seed,
                        folder=folder,
                    )
                else:
                    res = bench.spawn(
                        "brmsjax",
                        Path(sys.executable),
                        formula=formula,
                        csv=csv,
                        chains=args.chains,
                        warmup=args.warmup,
                        draws=args.draws,
                        seed=seed,
                    )
                res.update(
                    case=args.model,
                    rep=rep,
                    date=dt.date.today().isoformat(),
                    host=bench.machine(),
                    **size,
                )
                line = json.dumps(res)
                print(PREFIX + line, flush=True)
                if args.out is not None:
                    with args.out.open("a") as fh:
                        fh.write(line + "\n")
                results.append(res)
    print(f"\n{bench.machine()}\n")
    print(bench.table(results, other="brms"))


if __name__ == "__main__":
    main()
