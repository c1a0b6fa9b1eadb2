"""Design data for 1,000,000 rows of ``y ~ x1 * x2 + f + (x1 | g)`` (issue 2's benchmark).

f has 5 levels, g has 10,000 (string labels, as read from a CSV). Prints the best of three
builds (the first includes imports) and the per-step medians. Run:

    python benchmarks/bench_design.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

from brmsjax.formula.design import build_design


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    """Simulated data with the benchmark's columns."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "y": rng.normal(size=n),
        "x1": rng.normal(size=n),
        "x2": rng.normal(size=n),
        "f": np.array(list("abcde"), dtype=object)[rng.integers(0, 5, n)],
        "g": np.char.add("g", rng.integers(0, 10_000, n).astype(str)).astype(object),
    })


def main() -> None:
    """Time the design build and print one results-table row."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = make_data(args.rows)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        design = build_design("y ~ x1 * x2 + f + (x1 | g)", data)
        times.append(time.perf_counter() - start)
    block = design.groups[0]
    print(f"rows={design.N} K={design.fixed[0].K} groups={block.n_levels} M={block.M}")
    print(f"| {time.strftime('%Y-%m-%d')} | {platform.node()} ({platform.processor() or 'cpu'}, "
          f"{__import__('os').cpu_count()} cores) | {args.rows:,} | "
          f"{times[0]:.2f} s | {min(times):.2f} s |")


if __name__ == "__main__":
    main()
