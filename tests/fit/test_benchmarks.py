"""The sleepstudy benchmark: its hand-written NumPyro yardstick, its table, and a smoke run.

``benchmarks/`` is not a package, so its modules are loaded by path. The hand-written model must
be brms's sleep_rs program (same data transform as brms's standata, same log density as the
Stan program, term by term with scipy); the driver's table must report medians and paired
ratios; and the script must run end to end with tiny settings in fresh worker processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

import brmsjax  # noqa: F401  (sets up host devices before JAX starts, when it can)
from tests.helpers import BENCH, load_bench

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brms"


hw = load_bench("handwritten_numpyro")
bench = load_bench("bench_sleepstudy")
DATA = hw.load_sleepstudy()
STANDATA = json.loads((FIXTURES / "sleep_rs.standata.json").read_text())
DAYS = np.asarray(STANDATA["X"], dtype=float)[:, 1:]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("y", np.asarray(STANDATA["Y"], dtype=float)),
        ("xc", DAYS - DAYS.mean()),
        ("subject", np.asarray(STANDATA["J_1"]) - 1),
        ("z", np.column_stack([STANDATA["Z_1_1"], STANDATA["Z_1_2"]])),
        ("means_x", np.array([4.5])),
    ],
)
def test_handwritten_data_is_brms_standata(field: str, expected: np.ndarray) -> None:
    np.testing.assert_allclose(getattr(DATA, field), expected, rtol=0, atol=1e-12)


def _stan_log_density(v: dict[str, Any]) -> float:
    """sleep_rs.stan's target (all constants kept), written with scipy."""
    scale = 59.3
    r = ((v["sd_1"][:, None] * v["L_1"]) @ v["z_1"]).T
    mu = v["Intercept"] + DATA.xc @ v["b"] + np.sum(r[DATA.subject] * DATA.z, axis=1)
    half_t = np.log(2.0) + stats.t.logpdf(np.r_[v["sigma"], v["sd_1"]], 3, 0, scale)
    return float(
        stats.norm.logpdf(DATA.y, mu, v["sigma"]).sum()
        + stats.t.logpdf(v["Intercept"], 3, 288.7, scale)
        + half_t.sum()
        + np.log(0.5)  # lkj_corr_cholesky_lpdf(L | 1) for 2 x 2: uniform correlation on (-1, 1)
        + stats.norm.logpdf(v["z_1"]).sum()
    )


@pytest.mark.parametrize(
    ("intercept_b_sigma", "sd", "rho", "z_seed"),
    [
        ((251.0, 10.4, 25.9), (26.9, 6.6), 0.08, 1),
        ((288.7, 0.0, 1.0), (1.0, 1.0), 0.0, 2),
        ((200.0, -3.0, 60.0), (80.0, 0.5), -0.9, 3),
        ((310.0, 25.0, 5.0), (3.0, 15.0), 0.95, 4),
    ],
)
def test_handwritten_log_density_is_the_stan_program(
    intercept_b_sigma: tuple[float, float, float],
    sd: tuple[float, float],
    rho: float,
    z_seed: int,
) -> None:
    intercept, b, sigma = intercept_b_sigma
    values = {
        "Intercept": np.array(intercept),
        "b": np.array([b]),
        "sigma": np.array(sigma),
        "sd_1": np.array(sd),
        "L_1": np.array([[1.0, 0.0], [rho, np.sqrt(1.0 - rho**2)]]),
        "z_1": np.random.default_rng(z_seed).normal(size=(2, 18)),
    }
    expected = _stan_log_density(values)
    assert hw.joint_log_density(values, DATA) == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_brms_reference_scales_to_1000_draws() -> None:
    ref = bench.brms_reference(warmup=1000, draws=1000)
    # 85.535 s end to end minus 1500/2500 of 8.17152 s sampling; 7.50711 s warmup kept.
    assert ref["total_s"] == pytest.approx(85.5350575447083 - 8.17152 * 0.6, rel=1e-12)
    assert ref["sampler_s"] == pytest.approx(7.50711 + 8.17152 * 0.4, rel=1e-12)
    # smallest bulk ESS in the fixture: cor_Subject__Intercept__Days, 2427.96 of 10,000 draws
    assert ref["min_ess"] == pytest.approx(2427.96368901933 * 0.4, rel=1e-12)


def _result(contender: str, rep: int, cold: float, warm: float, ess: float) -> dict[str, Any]:
    fit = {"fit_s": warm, "min_ess": ess, "steps": 15.0, "phases": {"x_duration": 1.0}}
    return {
        "contender": contender,
        "mode": "off",
        "rep": rep,
        "cold_s": cold,
        "cold": {**fit, "fit_s": cold - 1.0},
        "warm": fit,
    }


# brmsjax / hand-written per rep: cold 2.0, 1.0, 12/11 -> median 1.09 (ratio of medians 1.2);
# warm 3/2, 4/4, 5/8 -> median 1.0; less 1 s compile 2/1, 3/3, 4/7 -> 1.0; time per ESS
# (3/100)/(2/200) = 3, 1, 0.625 -> median 1.0. bambi has a row but takes no part in ratios.
RESULTS = [
    _result("brmsjax", 0, 16.0, 3.0, 100.0),
    _result("handwritten", 0, 8.0, 2.0, 200.0),
    _result("bambi", 0, 30.0, 6.0, 50.0),
    _result("handwritten", 1, 10.0, 4.0, 100.0),
    _result("brmsjax", 1, 10.0, 4.0, 100.0),
    _result("brmsjax", 2, 12.0, 5.0, 100.0),
    _result("handwritten", 2, 11.0, 8.0, 100.0),
]


@pytest.mark.parametrize(
    "row",
    [
        "| brmsjax | off | 3 | 12.00 | 1.00 | 4.00 | 1.00 | 3.00 | 100.00 | 25.00 | 8.33 | 15.00 |",
        "| handwritten | off | 3 | 10.00 | 1.00 | 4.00 | 1.00 | 3.00 | 100.00 | 25.00 | 10.00 "
        "| 15.00 |",
        "| bambi | off | 1 | 30.00 | 1.00 | 6.00 | 1.00 | 5.00 | 50.00 | 8.33 | 1.67 | 15.00 |",
        "| cold time, cache off | 1.09 |",
        "| warm fit time, cache off | 1.00 |",
        "| warm fit less compile time, cache off | 1.00 |",
        "| warm time per min-ESS draw, cache off | 1.00 |",
        "| brms 2.18 (fixture, scaled) | - | 1 | 80.6 | - | 10.78 | - | 10.78 | 971 | 90.1 | 12.0 "
        "| - |",
    ],
)
def test_table_reports_medians_and_paired_ratios(row: str) -> None:
    text = bench.table(RESULTS, bench.brms_reference(), "test machine")
    assert row in text.splitlines()


@pytest.mark.slow  # two worker processes, each compiling NUTS twice: about 90 s on 2 cores
def test_script_runs_both_contenders_with_tiny_settings(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    cmd = [
        sys.executable,
        str(BENCH / "bench_sleepstudy.py"),
        "--chains",
        "2",
        "--warmup",
        "30",
        "--draws",
        "30",
        "--reps",
        "1",
        "--modes",
        "off",
        "--json",
        str(out),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())["results"]
    assert sorted(r["contender"] for r in results) == ["brmsjax", "handwritten"]
    brms_names = {
        r["variable"] for r in json.loads((FIXTURES / "sleep_rs.json").read_text())["summary"]
    } - {"lp__", "lprior"}
    for r in results:
        assert r["devices"] == 2  # chains ran in parallel on two host devices
        assert set(r["names"]) == brms_names and len(brms_names) == 42
        assert r["cold_s"] > r["cold"]["fit_s"] > 0
        assert r["warm"]["min_ess"] > 0
    assert "| warm fit time, cache off |" in proc.stdout
