"""Time :func:`build_design` on large data (issues 2 and 7), optionally against a git revision.

Two cases:

``str`` (issue 2)
    ``y ~ x1 * x2 + f + (x1 | g)``: f has 5 levels and g ``--levels`` levels, both string labels
    as read from a CSV.
``int`` (issue 7, ``brm(..., algorithm="meanfield")`` at 10^7 rows)
    ``y ~ x1 + x2 + x3 + (1 + x1 | g)``: g an integer column with ``--levels`` levels.

Each build runs in a fresh child process, which prints its best-of-``--repeats`` time, the
resident memory just before the build and its peak (``ru_maxrss``). ``--baseline REV`` also
builds with the ``formula/`` package of the git revision ``REV`` (copied out of git into a
temporary folder), alternating the two so that both see the same machine load. Run:

    python benchmarks/bench_design.py --rows 10000000 --case int --baseline HEAD
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FORMULAS = {
    "str": "y ~ x1 * x2 + f + (x1 | g)",
    "int": "y ~ x1 + x2 + x3 + (1 + x1 | g)",
}


def make_data(n: int, seed: int = 1, case: str = "str", levels: int = 10_000) -> pd.DataFrame:
    """Simulated data with the columns of the benchmark ``case``."""
    rng = np.random.default_rng(seed)
    if case == "int":
        return pd.DataFrame(
            {
                "y": rng.normal(size=n),
                "x1": rng.normal(size=n),
                "x2": rng.normal(size=n),
                "x3": rng.normal(size=n),
                "g": rng.integers(0, levels, n),
            }
        )
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "f": np.array(list("abcde"), dtype=object)[rng.integers(0, 5, n)],
            "g": np.char.add("g", rng.integers(0, levels, n).astype(str)).astype(object),
        }
    )


def _rss_gib() -> float:
    """The resident memory of this process now, in GiB (Linux)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def child(args: argparse.Namespace) -> dict[str, float | str]:
    """Build the design ``args.repeats`` times in this process and return the numbers."""
    # The working tree's formula/ is imported as the top-level package ``formula`` (not as
    # brmsjax.formula, whose parent imports JAX) so that both versions start from the same memory.
    sys.path.insert(0, args.package_dir or str(ROOT))
    module = "baseline_formula.design" if args.package_dir else "formula.design.design"
    build_design = importlib.import_module(module).build_design
    formula = FORMULAS[args.case]
    build_design(formula, make_data(100, case=args.case, levels=args.levels))  # imports, grammar
    data = make_data(args.rows, case=args.case, levels=args.levels)
    before = _rss_gib()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        design = build_design(formula, data)
        times.append(time.perf_counter() - start)
        del design
    design = build_design(formula, data.iloc[:1000])
    block = design.groups[0]
    return {
        "seconds": min(times),
        "rss_before_gib": before,
        "peak_gib": _peak_gib(),
        "shape": f"K={design.fixed[0].K} M={block.M}",
    }


def _baseline_package(rev: str, folder: str) -> str:
    """Copy ``formula/`` at git revision ``rev`` into ``folder/baseline_formula``."""
    target = Path(folder) / "baseline_formula"
    target.mkdir()
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{rev}:formula"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in names:
        if name.endswith((".py", ".lark")):
            text = subprocess.run(
                ["git", "show", f"{rev}:formula/{name}"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            (target / name).write_text(text)
    return folder


def _run_child(args: argparse.Namespace, package_dir: str = "") -> dict[str, float | str]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--rows",
        str(args.rows),
        "--case",
        args.case,
        "--levels",
        str(args.levels),
        "--repeats",
        str(args.repeats),
    ]
    if package_dir:
        cmd += ["--package-dir", package_dir]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    """Time the design build (and the baseline's) and print one results-table row each."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--case", choices=sorted(FORMULAS), default="str")
    parser.add_argument("--levels", type=int, default=10_000, help="levels of g")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--baseline", default="", help="a git revision to compare with")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--package-dir", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    host = f"{platform.node()} ({platform.processor() or 'cpu'}, {os.cpu_count()} cores)"
    print(
        f"{FORMULAS[args.case]}  rows={args.rows:,} g levels={args.levels:,} "
        f"best of {args.repeats}, each version in its own process"
    )
    print(
        "| date | machine | version | rows | build | RSS before | peak RSS | build's peak "
        "over RSS before | design |"
    )
    with tempfile.TemporaryDirectory() as folder:
        runs = [("working tree", "")]
        if args.baseline:
            runs.insert(0, (args.baseline, _baseline_package(args.baseline, folder)))
        for label, package_dir in runs:
            res = _run_child(args, package_dir)
            print(
                f"| {time.strftime('%Y-%m-%d')} | {host} | {label} | {args.rows:,} | "
                f"{res['seconds']:.2f} s | {res['rss_before_gib']:.2f} GiB | "
                f"{res['peak_gib']:.2f} GiB | "
                f"{float(res['peak_gib']) - float(res['rss_before_gib']):.2f} GiB | "
                f"{res['shape']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
