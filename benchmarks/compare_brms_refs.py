"""Fit the reference cases of benchmarks/brms_refs through the R porter and compare with brms.

Each case in brms_refs/cases.json is a real brm() call on real data (brms_refs/data, written by
prep_data.R); brms_refs/<id>.json is real brms 2.18's posterior summary of it (fit_brms.R, 4
chains x 2500 draws after 1000 warmup, seed 2026). brmsjax fits the same call with
``from_r(code).run(d)`` (4 chains x (1000 + 1000), seed 2026) and the posterior agrees when, for
every parameter, ``|mean - mean_brms| <= 0.1 sd_brms`` and the sd is within 10% (latent
coefficients ``r_``, ``s_``, ``Ymi``, at most 40 of them, 0.15), the criteria of
../shared/tools/compare_breadth_with_brms.py, except that smooth coefficients (``s_``, ``bs_``)
are compared up to sign: the sign of a basis column is LAPACK's choice in mgcv, which neither
R nor scipy fixes (formula/smooths/__init__.py), and flipping it flips the coefficient only.
Cases whose brms reference needed ``adapt_delta = 0.99`` are fitted with it here too.

Usage: ``python benchmarks/compare_brms_refs.py [CASE_ID ...]``; one line per case and a last
line ``refs k/n cases``. brms's time is its recorded total with the sampling scaled to 1000
draws per chain, from its run at default settings (default_runs/ holds it for the cases whose
reference posterior is brms's divergence-free adapt_delta = 0.99 run).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent / "brms_refs"
SKIP = ("lp__", "lprior", "z_", "L_", "Cor_", "zs_", "zgp_", "Intercept_", "err_", "Xme_")
LATENT = ("r_", "s_", "Ymi", "Yl")
SIGNED = ("s_", "bs_")


def compare(draws: pd.DataFrame, rows: dict[str, Any], base: float = 0.1) -> tuple[int, list[str]]:
    """How many parameters were compared and the ones that disagree, with their numbers."""
    names = [v for v in rows if not v.startswith(SKIP) and not v.startswith("prior_")]
    fixed = [v for v in names if not v.startswith(LATENT)]
    latent = sorted(v for v in names if v.startswith(LATENT))
    latent = latent[:: max(1, len(latent) // 40)][:40]
    bad, n = [], 0
    for v in fixed + latent:
        r = rows[v]
        if not r["sd"]:
            continue
        n += 1
        tol = max(0.15, base) if v.startswith(LATENT) else base
        if v not in draws.columns:
            bad.append(f"{v} missing")
            continue
        x = draws[v].to_numpy(dtype=float)
        if v.startswith(SIGNED) and (x.mean() > 0) != (r["mean"] > 0):
            x = -x  # a smooth's basis column has mgcv's LAPACK sign (formula/smooths/__init__.py)
        dz = abs(x.mean() - r["mean"]) / r["sd"]
        ds = abs(x.std(ddof=1) / r["sd"] - 1)
        if dz > tol or ds > tol:
            sd = x.std(ddof=1)
            bad.append(f"{v} mean {x.mean():.4g} vs {r['mean']:.4g}, sd {sd:.3g} vs {r['sd']:.3g}")
    return n, bad


def main(argv: list[str]) -> int:
    """Fit and compare the named cases (every case with a recorded brms fit by default)."""
    from brmsjax.port import from_r

    cases = {c["id"]: c for c in json.loads((HERE / "cases.json").read_text())}
    ids = argv or [c for c in cases if (HERE / f"{c}.json").exists()]
    ok = 0
    for cid in ids:
        case = cases[cid]
        ref = json.loads((HERE / f"{cid}.json").read_text())
        rows = {r["variable"]: r for r in ref["summary"]}
        d = pd.read_csv(HERE / "data" / case["data"])
        t0 = time.time()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                control = (
                    {"adapt_delta": case["ref_adapt_delta"]} if "ref_adapt_delta" in case else None
                )
                fit = from_r(case["code"]).run(
                    d, chains=4, iter=2000, warmup=1000, seed=2026, control=control
                )
            draws = fit.draws()
        except Exception as e:  # report and go on with the next case
            msg = str(e).strip().splitlines()[0][:160] if str(e).strip() else ""
            print(f"{cid}: raised {type(e).__name__}: {msg}")
            continue
        secs = time.time() - t0
        n, bad = compare(draws, rows, case.get("tol", 0.1))
        # brms's time at its defaults (cases whose reference needed adapt_delta = 0.99 keep the
        # default run in default_runs/)
        default = HERE / "default_runs" / f"{cid}.json"
        t = json.loads(default.read_text()) if default.exists() else ref
        brms = t["total_seconds"] - t["sampling_seconds"] * (1 - 1000 / 2500)
        divergent = int(fit.nuts_params().query("Parameter == 'divergent__'")["Value"].sum())
        status = "agrees" if not bad and n else f"{len(bad)} off: " + "; ".join(bad[:3])
        print(
            f"{cid}: {n - len(bad)}/{n} agree; {secs:.1f} s vs brms ~{brms:.0f} s "
            f"(x{brms / secs:.1f}); divergent {divergent} (brms {ref['divergent']}); {status}"
        )
        ok += bool(n) and not bad
    print(f"refs {ok}/{len(ids)} cases")
    return 0 if ok == len(ids) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
