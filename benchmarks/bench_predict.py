"""Time and peak memory of predictions for 1,000,000 new rows of the sleepstudy model.

The model ``Reaction ~ Days + (Days | Subject)`` is fitted once (2 chains x 400 iterations);
its draws are resampled to 4 chains x 1000 draws (4000, as brms's default fit) so that the
prediction cost is that of a full-size fit. Each case runs in a fresh subprocess, which reports
its wall time, the peak of NumPy/Python allocations (``tracemalloc``) and the process's peak
resident memory (``ru_maxrss``) above the baseline after loading. Run:

    python benchmarks/bench_predict.py [--rows 1000000] [--draws-predict 250]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

CASES = ("predict_summary", "fitted_summary", "posterior_predict")
SLEEP = Path(__file__).resolve().parents[1] / "brmsjax" / "data" / "sleepstudy.csv"


def _fit() -> Any:
    import brmsjax as bj

    data = pd.read_csv(SLEEP)
    fit = bj.brm(
        "Reaction ~ Days + (Days | Subject)", data, chains=2, iter=400, seed=1, progress=False
    )
    rng = np.random.default_rng(1)
    draws = fit.draws().iloc[rng.integers(0, fit.ndraws, 4000)].reset_index(drop=True)
    draws[".chain"] = np.repeat(np.arange(1, 5), 1000)
    draws[".iteration"] = np.tile(np.arange(1, 1001), 4)
    draws[".draw"] = np.arange(1, 4001)
    info = dataclasses.replace(fit.info, chains=4, iter=2000, warmup=1000)
    return type(fit)(draws, info, design=fit.design, data=fit.data, brm_args=fit.brm_args)


def _newdata(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    subjects = sorted(pd.read_csv(SLEEP)["Subject"].unique())
    return pd.DataFrame(
        {
            "Days": rng.uniform(0, 9, rows),
            "Subject": np.asarray(subjects, dtype=object)[rng.integers(0, len(subjects), rows)],
        }
    )


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(case: str, rows: int, draws_predict: int) -> dict[str, Any]:
    """Run one case in this process and return its measurements."""
    fit = _fit()
    newdata = _newdata(rows)
    fit.fitted(newdata.iloc[:10])  # compile outside the measurement
    base_rss = _maxrss_mib()
    tracemalloc.start()
    start = time.perf_counter()
    if case == "predict_summary":
        out = fit.predict(newdata, seed=1)
    elif case == "fitted_summary":
        out = fit.fitted(newdata)
    else:
        out = fit.posterior_predict(newdata, ndraws=draws_predict, seed=1)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    shape = list(out.shape)
    return {
        "case": case,
        "rows": rows,
        "draws": 4000 if case != "posterior_predict" else draws_predict,
        "shape": shape,
        "seconds": round(seconds, 1),
        "result_mib": round(
            out.to_numpy().nbytes / 2**20 if hasattr(out, "to_numpy") else out.nbytes / 2**20, 1
        ),
        "tracemalloc_peak_mib": round(peak, 1),
        "maxrss_above_base_mib": round(_maxrss_mib() - base_rss, 1),
    }


def main() -> None:
    """Run every case in a subprocess and print one markdown row per case."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--draws-predict", type=int, default=250)
    parser.add_argument("--case", choices=CASES)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.rows, args.draws_predict)))
        return
    print(f"machine: {platform.machine()} {platform.system()}, python {platform.python_version()}")
    print("| case | rows x draws | result | seconds | tracemalloc peak | peak RSS above base |")
    print("|---|---|---|---|---|---|")
    for case in CASES:
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--case",
                case,
                "--rows",
                str(args.rows),
                "--draws-predict",
                str(args.draws_predict),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"| {r['case']} | {r['rows']:,} x {r['draws']} | {r['shape']} "
            f"({r['result_mib']} MiB) | {r['seconds']} | {r['tracemalloc_peak_mib']} MiB | "
            f"{r['maxrss_above_base_mib']} MiB |",
            flush=True,
        )


if __name__ == "__main__":
    main()
