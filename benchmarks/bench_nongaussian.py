"""Where the time of a non-gaussian or distributional fit goes, variant against variant (issue 20).

Each fit runs in a fresh process (4 XLA host devices, compilation cache off, as
bench_bambi.py's worker) and reports, besides the end-to-end time of a cold fit:

* ``start_s``: tracing and compiling the sampler's programs, initializing the chains and the
  search for the first metric (``metric_s``, on a thread beside ``advance``'s compile);
* ``warmup_s`` and ``sample_s``: the warmup and sampling iterations, split in proportion to
  their gradient evaluations (leapfrog steps), whose counts are exact;
* ``grads``: leapfrog steps (gradient evaluations) per chain in warmup and in sampling;
* ``us_per_grad``: seconds of the iterations per leapfrog step of the 4 chains (2 cores);
* step size, mean tree depth, divergent transitions, min bulk ESS over every parameter and
  ``ess_per_grad``: min bulk ESS over all gradient evaluations (warmup included), which does not
  depend on the machine's load.

Cases (data in benchmarks/data, from R's lme4, nlme and mlmRev; brms's shared references in
../shared/data):

* ``ticks``: negbinomial ``TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | LOCATION)``, lme4's
  grouseticks (403 rows, 118 x 63 levels);
* ``orth``: gaussian ``bf(distance ~ age * Sex + (age | Subject), sigma ~ Sex)``, nlme's
  Orthodont (108 rows, 27 subjects);
* ``exam_ln``: lognormal ``score ~ standLRT + sex + (1 | school)``, mlmRev's Exam (4,059 rows,
  65 schools; ``score = exp(normexam)``);
* ``epil_pois``, ``cbpp_binom``, ``wine_cumul``: the brms reference cases;
* ``contra``: bernoulli ``use ~ age + urban + livch + (1 | district)``, mlmRev's Contraception
  (1,934 rows, 60 districts; ``use`` as 0/1).

Variants (``--variants``): ``new`` (the code as it is) and ``old`` (the rules before issue 20:
a dense metric up to 64 coordinates whether or not group coordinates are sampled, lognormal
models in the plain form, centring only for gaussian, bernoulli, binomial and poisson), run
alternately in one invocation so that their ratio is measured under the same load::

    python benchmarks/bench_nongaussian.py --cases ticks orth exam_ln --variants old new \\
        --out ng.jsonl
    python benchmarks/bench_nongaussian.py --table ng.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "data"
PREFIX = "RESULT "

CASES: dict[str, tuple[str, str, str]] = {
    "ticks": (
        "TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | LOCATION)",
        "negbinomial",
        str(HERE / "data" / "grouseticks.csv"),
    ),
    "orth": (
        "bf(distance ~ age * Sex + (age | Subject), sigma ~ Sex)",
        "gaussian",
        str(HERE / "data" / "orthodont.csv"),
    ),
    "exam_ln": (
        "score ~ standLRT + sex + (1 | school)",
        "lognormal",
        str(HERE / "data" / "exam.csv"),
    ),
    "epil_pois": (
        "y ~ trt * lbase + lage + V4 + (1 | subject)",
        "poisson",
        str(SHARED / "epil.csv"),
    ),
    "cbpp_binom": (
        "incidence | trials(size) ~ period + (1 | herd)",
        "binomial",
        str(SHARED / "cbpp.csv"),
    ),
    "wine_cumul": ("rating ~ temp + contact + (1 | judge)", "cumulative", str(SHARED / "wine.csv")),
    "contra": (
        "use ~ age + urban + livch + (1 | district)",
        "bernoulli",
        str(HERE / "data" / "contraception.csv"),
    ),
}

#: Columns read as text (R's factors and characters): grouseticks's ``YEAR`` (95, 96, 97) is a
#: factor in lme4 and in fit_ng.R; read as numbers it would be one linear slope, a different
#: model (whose fit had 111-264 divergent transitions and a posterior unlike brms's).
DTYPES: dict[str, dict[str, type]] = {
    "ticks": {"YEAR": str, "BROOD": str, "LOCATION": str},
    "contra": {"urban": str, "livch": str, "district": str},
}


def frame(case: str) -> Any:
    """The case's data, with its factor columns as text (:data:`DTYPES`)."""
    import pandas as pd

    return pd.read_csv(CASES[case][2], dtype=DTYPES.get(case))


def _old_rules() -> None:
    """Patch in the rules before issue 20 (the ``old`` variant)."""
    from brmsjax.backend.infer import nuts
    from brmsjax.backend.model import forms, geometry, lower

    nuts.dense_metric = lambda lowered: lowered.program.dim <= nuts.DENSE_MAX_DIM
    rule = geometry.centred_coordinates
    forms.LOG_RESPONSE = frozenset()  # type: ignore[misc]
    old = {("gaussian", "identity"), ("bernoulli", "logit"), ("binomial", "logit")}
    old.add(("poisson", "log"))

    def centred(family: Any, data: Any, g: Any, shear: Any) -> int:
        if (family.name, family.link) not in old:
            return 0
        return int(rule(family, data, g, shear))

    lower.centred_coordinates = centred


def worker(case: str, variant: str, *, seed: int, chains: int, warmup: int, draws: int) -> None:
    """One cold fit in this process; prints the RESULT line."""
    if variant == "old":
        _old_rules()
    import arviz as az

    from brmsjax.api import design_for
    from brmsjax.backend.families.registry import get_family
    from brmsjax.backend.infer.nuts import sample
    from brmsjax.backend.model.lower import lower
    from brmsjax.backend.priors.resolve import resolve_priors

    formula, family, _ = CASES[case]
    t0 = time.perf_counter()
    data = frame(case)
    fam = get_family(family)
    design = design_for(formula, data, fam)
    lowered = lower(design, fam, resolve_priors(design, fam, None))
    res = sample(lowered, chains=chains, iter=warmup + draws, warmup=warmup, seed=seed)
    total = time.perf_counter() - t0
    grads_w = np.asarray(res.warmup_steps, dtype=float)
    grads_s = res.stats["num_steps"].sum(axis=1).astype(float)
    per_chain = float(np.mean(grads_w + grads_s))
    iterate_s = res.seconds["sample"]
    skip = ("lp__", "lprior")
    ess = {}
    for name, v in res.samples.items():
        if name in skip:
            continue
        arr = np.asarray(v, dtype=float).reshape(chains, draws, -1)
        for j in range(arr.shape[2]):
            ess[f"{name}[{j}]"] = float(az.ess(arr[:, :, j], method="bulk"))
    ess = {k: e for k, e in ess.items() if np.isfinite(e)}
    worst = min(ess, key=ess.__getitem__)
    out = {
        "case": case,
        "variant": variant,
        "seed": seed,
        "form": lowered.forms["likelihood"],
        "centred": [g.centred for g in lowered.structure.groups],
        "metric": res.metric,
        "total_s": total,
        "start_s": res.seconds["start"],
        "metric_s": res.seconds.get("metric", 0.0),
        "warmup_s": iterate_s * float(grads_w.mean()) / per_chain,
        "sample_s": iterate_s * float(grads_s.mean()) / per_chain,
        "grads_warmup": float(grads_w.mean()),
        "grads_sample": float(grads_s.mean()),
        "us_per_grad": 1e6 * iterate_s / per_chain,
        "step_size": [float(x) for x in res.step_size],
        "treedepth": float(res.stats["treedepth"].mean()),
        "divergent": int(res.stats["diverging"].sum()),
        "min_ess": ess[worst],
        "min_ess_var": worst,
        "ess_per_grad": ess[worst] / float((grads_w + grads_s).sum()),
        "load": os.getloadavg()[0],
    }
    print(PREFIX + json.dumps(out), flush=True)


def spawn(case: str, variant: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one worker process."""
    env = dict(os.environ)
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={args.chains}"
    env["JAX_PLATFORMS"] = "cpu"
    env["BRMSJAX_CACHE_DIR"] = ""
    cmd = [sys.executable, __file__, "--worker", case, variant, "--seed", str(args.seed)]
    cmd += ["--chains", str(args.chains), "--warmup", str(args.warmup), "--draws", str(args.draws)]
    t0 = time.time()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(PREFIX)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"worker failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1][len(PREFIX) :])
    result["process_s"] = time.time() - t0
    return result


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one row per fit."""
    head = (
        "| case | variant | form / centred / metric | process s | start s | warmup s | sample s "
        "| grads warmup + sample (per chain) | us/grad | step size | depth | div | min ESS "
        "| ESS/grad |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        steps = "-".join(f"{x:.2f}" for x in (min(r["step_size"]), max(r["step_size"])))
        lines.append(
            f"| {r['case']} | {r['variant']} | {r['form']} / {r['centred']} / {r['metric']} "
            f"| {r['process_s']:.1f} | {r['start_s']:.1f} | {r['warmup_s']:.1f} "
            f"| {r['sample_s']:.1f} | {r['grads_warmup']:.0f} + {r['grads_sample']:.0f} "
            f"| {r['us_per_grad']:.0f} | {steps} | {r['treedepth']:.2f} | {r['divergent']} "
            f"| {r['min_ess']:.0f} ({r['min_ess_var']}) | {r['ess_per_grad']:.4f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse arguments; run the workers or print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--variants", nargs="+", default=["old", "new"])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--table", type=Path)
    parser.add_argument("--worker", nargs=2)
    args = parser.parse_args()
    if args.worker:
        worker(
            *args.worker, seed=args.seed, chains=args.chains, warmup=args.warmup, draws=args.draws
        )
        return
    if args.table:
        print(table([json.loads(ln) for ln in args.table.read_text().splitlines() if ln]))
        return
    rows = []
    for rep in range(args.reps):
        for case in args.cases:
            order = args.variants if rep % 2 == 0 else args.variants[::-1]
            for variant in order:
                r = spawn(case, variant, args)
                r["rep"] = rep
                print(json.dumps(r), flush=True)
                if args.out:
                    with args.out.open("a") as fh:
                        fh.write(json.dumps(r) + "\n")
                rows.append(r)
    print(table(rows))


if __name__ == "__main__":
    main()
