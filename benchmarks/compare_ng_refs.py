"""Fit bench_nongaussian.py's cases with brmsjax and compare with brms 2.18's posterior.

brms_refs/ng/<case>.json is real brms 2.18's fit of the case (brms_refs/ng/fit_ng.R: 4 chains x
(1000 warmup + 2500 draws), seed 2026, default priors), with its leapfrog steps per chain in
warmup and sampling. brmsjax fits the same model with ``brmsjax.brm`` (4 chains x (1000 +
1000), seed 2026); the criteria are compare_brms_refs.py's (``|dmean| <= 0.1 sd``, sd within
10%; group effects 0.15, at most 40 of them).

Usage: ``python benchmarks/compare_ng_refs.py CASE ...``; one line per case and a last line
``refs k/n cases``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def _sibling(name: str):  # noqa: ANN202 - a module loaded by path
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    """Fit and compare the named cases."""
    import brmsjax as bj

    cases = _sibling("bench_nongaussian").CASES
    compare = _sibling("compare_brms_refs").compare
    ok = 0
    for case in argv:
        formula, family, csv = cases[case]
        ref = json.loads((HERE / "brms_refs" / "ng" / f"{case}.json").read_text())
        rows = {r["variable"]: r for r in ref["summary"]}
        t0 = time.time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = bj.brm(formula, pd.read_csv(csv), family=family, chains=4, iter=2000, seed=2026)
        secs = time.time() - t0
        n, bad = compare(fit.draws(), rows)
        stats = fit.sampler_stats
        divergent = int(stats["divergent__"].sum())
        steps = float(stats["n_leapfrog__"].mean())
        brms_steps = float(np.sum(ref["leapfrog_sample"]) / (4 * ref["draws_per_chain"]))
        status = "agrees" if not bad and n else f"{len(bad)} off: " + "; ".join(bad[:3])
        print(
            f"{case}: {n - len(bad)}/{n} agree; {secs:.1f} s; divergent {divergent} (brms "
            f"{ref['divergent']}); leapfrog/draw {steps:.1f} (brms {brms_steps:.1f}); {status}"
        )
        ok += bool(n) and not bad
    print(f"refs {ok}/{len(argv)} cases")
    return 0 if ok == len(argv) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
