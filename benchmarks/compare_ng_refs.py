"""Fit issue 20's cases with brmsjax and compare with brms 2.18's posterior and end-to-end time.

brms_refs/ng/<case>.json is real brms 2.18's fit of the case (brms_refs/ng/fit_ng.R: 4 chains x
(1000 warmup + ``draws_per_chain``), seed 2026, default priors), with its leapfrog steps per
chain in warmup and sampling, its divergent transitions and ``total_seconds``: the R script's
start (``library(brms)`` included) to the fit's end, compiling the Stan program included.
brmsjax fits the same model with ``brmsjax.brm`` (4 chains x (1000 + 1000), seed 2026) in a
fresh process per case with its compilation cache off (``BRMSJAX_CACHE_DIR=""``), so that its
time is end to end as well: the process's spawn (``import brmsjax`` included) to the draws. The
criteria are compare_brms_refs.py's (``|dmean| <= 0.1 sd``, sd within 10%; group effects 0.15,
at most 40 of them). Both sides' times are wall seconds on whatever load the machine had; the
line gives brmsjax's CPU seconds and the load average, the reference its own.

Cases: bench_nongaussian.py's (``ticks``, ``orth``, ``exam_ln``, ``contra``, ...) and
bench_crossed.py's gaussian ``penicillin`` and ``star_nested``.

Usage: ``python benchmarks/compare_ng_refs.py CASE ...``; one line per case and a last line
``refs k/n cases``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PREFIX = "RESULT "
GAUSSIAN = {
    "penicillin": (
        "diameter ~ 1 + (1 | plate) + (1 | sample)",
        "gaussian",
        str(ROOT / "tests" / "fixtures" / "crossed" / "penicillin.csv"),
    ),
    "star_nested": (
        "score ~ age + female + black + (1 | school/class)",
        "gaussian",
        str(ROOT.parent / "shared" / "data" / "star1.csv"),
    ),
}


def _sibling(name: str):  # noqa: ANN202 - a module loaded by path
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cases() -> dict[str, tuple[str, str, str]]:
    """Every case with its formula, family and CSV."""
    return {**_sibling("bench_nongaussian").CASES, **GAUSSIAN}


def frame(case: str) -> pd.DataFrame:
    """A case's data, factor columns as text (bench_nongaussian.py's ``DTYPES``)."""
    if case in GAUSSIAN:
        return pd.read_csv(GAUSSIAN[case][2])
    return _sibling("bench_nongaussian").frame(case)


def worker(case: str) -> None:
    """Fit one case in this process and print its RESULT line."""
    import brmsjax as bj

    formula, family, _ = cases()[case]
    ref = json.loads((HERE / "brms_refs" / "ng" / f"{case}.json").read_text())
    t0 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(formula, frame(case), family=family, chains=4, iter=2000, seed=2026)
    n, bad = _sibling("compare_brms_refs").compare(
        fit.draws(), {r["variable"]: r for r in ref["summary"]}
    )
    stats = fit.sampler_stats
    out = {
        "fit_s": time.time() - t0,
        "n": n,
        "bad": bad,
        "divergent": int(stats["divergent__"].sum()),
        "steps": float(stats["n_leapfrog__"].mean()),
        "form": fit.model.forms["likelihood"],
    }
    print(PREFIX + json.dumps(out), flush=True)


def run(case: str) -> tuple[bool, str]:
    """Fit a case in a fresh process; whether it agrees and its report line."""
    ref = json.loads((HERE / "brms_refs" / "ng" / f"{case}.json").read_text())
    env = dict(os.environ, BRMSJAX_CACHE_DIR="")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", case],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(PREFIX)]
    if proc.returncode != 0 or not lines:
        return False, f"{case}: worker failed\n{proc.stderr[-2000:]}"
    r = json.loads(lines[-1][len(PREFIX) :])
    brms_steps = float(np.sum(ref["leapfrog_sample"]) / (4 * ref["draws_per_chain"]))
    ok = bool(r["n"]) and not r["bad"] and (r["divergent"] == 0 or ref["divergent"] > 0)
    status = (
        "agrees" if not r["bad"] and r["n"] else f"{len(r['bad'])} off: " + "; ".join(r["bad"][:3])
    )
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    brms_load = " ".join(f"{x:.1f}" for x in ref.get("load_average", [])) or "?"
    ratio = ref["total_seconds"] / wall
    line = (
        f"{case} ({r['form']}): {r['n'] - len(r['bad'])}/{r['n']} agree; brmsjax {wall:.1f} s "
        f"end to end ({r['fit_s']:.1f} s brm(), {cpu:.1f} CPU s, load {load}); brms "
        f"{ref['total_seconds']:.1f} s ({ref['draws_per_chain']} draws/chain, load {brms_load})"
        f": {ratio:.1f}x; divergent {r['divergent']} (brms {ref['divergent']}); leapfrog/draw "
        f"{r['steps']:.1f} (brms {brms_steps:.1f}); {status}"
    )
    return ok, line


def main(argv: list[str]) -> int:
    """Fit and compare the named cases."""
    if argv[:1] == ["--worker"]:
        worker(argv[1])
        return 0
    ok = 0
    for case in argv:
        good, line = run(case)
        print(line, flush=True)
        ok += good
    print(f"refs {ok}/{len(argv)} cases")
    return 0 if ok == len(argv) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
