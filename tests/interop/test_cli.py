"""``brmsjax fit`` for pipelines: options as brm()'s, draws/JSON/fit files, parquet, --version."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.cli import main
from brmsjax.cli.fit import parse_family

FORMULA = "Reaction ~ Days + (1 | Subject)"
PRIOR = "c(prior(normal(0, 10), class = b))"


@pytest.fixture(scope="module")
def cli_fit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One small fit through ``main``, with every output written."""
    tmp = tmp_path_factory.mktemp("cli")
    data = tmp / "sleep.csv"
    bj.datasets.sleepstudy().to_csv(data, index=False)
    files = {k: str(tmp / n) for k, n in [("d", "d.csv"), ("s", "s.json"), ("f", "f.nc")]}
    argv = ["fit", FORMULA, "--data", str(data), "--prior", PRIOR, "--chains", "1"]
    argv += ["--iter", "100", "--seed", "1", "--no-progress", "--prob", "0.9"]
    argv += ["--draws", files["d"], "--summary-json", files["s"], "--save", files["f"]]
    status = main(argv)
    with warnings.catch_warnings():  # 100 iterations do not converge; main() warns too
        warnings.simplefilter("ignore")
        same = bj.brm(
            FORMULA, pd.read_csv(data), prior=PRIOR, chains=1, iter=100, seed=1, progress=False
        )
    return {"status": status, "files": files, "fit": same, "data": data, "tmp": tmp}


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"brmsjax {bj.__version__}\n"


def test_python_m_brmsjax_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "brmsjax", "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: brmsjax")
    assert "{fit,demo,port}" in done.stdout


def test_every_fit_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    out = capsys.readouterr().out
    for option in ["--family", "--prior", "--cores", "--algorithm", "--no-progress", "--save"]:
        assert option in out
    assert "--draws FILE          write the draws" in out


def test_draws_csv_equal_the_same_brm_call(cli_fit: dict[str, Any]) -> None:
    assert cli_fit["status"] == 0
    written = pd.read_csv(cli_fit["files"]["d"])
    expected = cli_fit["fit"].draws()
    assert list(written.columns) == list(expected.columns)
    # exact under pandas 3; pandas 2.2 (the lowest allowed) writes or reads the last digit or two
    # differently (relative differences of 1e-14)
    np.testing.assert_allclose(written.to_numpy(), expected.to_numpy(), rtol=1e-13, atol=0)


def test_summary_json_matches_fixef_and_settings(cli_fit: dict[str, Any]) -> None:
    summary = json.loads(Path(cli_fit["files"]["s"]).read_text())
    fixef = cli_fit["fit"].fixef(probs=(0.05, 0.95))
    assert list(summary["fixed"]) == list(fixef.index)
    for coef, row in fixef.iterrows():
        got = summary["fixed"][coef]
        assert list(got)[:4] == ["Estimate", "Est.Error", "Q5", "Q95"]
        assert [got[c] for c in fixef.columns] == list(row)
        assert {"Rhat", "Bulk_ESS", "Tail_ESS"} <= set(got)
    assert set(summary["random"]["Subject"]) == {"sd(Intercept)"}
    assert set(summary["spec_pars"]) == {"sigma"}
    settings = summary["settings"]
    assert (settings["chains"], settings["iter"], settings["warmup"]) == (1, 100, 50)
    assert settings["seed"] == 1
    assert settings["algorithm"].startswith("sampling")
    assert summary["prob"] == 0.9


def test_saved_netcdf_loads(cli_fit: dict[str, Any]) -> None:
    loaded = bj.load(cli_fit["files"]["f"])
    pd.testing.assert_frame_equal(loaded.draws(), cli_fit["fit"].draws())


def test_family_call_in_r_syntax() -> None:
    family = parse_family('cumulative("probit")')
    assert family.name == "cumulative"
    assert "probit" in family.links_line(("mu",), ())
    assert parse_family("poisson") == "poisson"


def test_bad_outputs_stop_before_the_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "d.csv").write_text("y,x\n1,2\n")
    status = main(["fit", "y ~ x", "--data", str(tmp_path / "d.csv"), "--draws", "out.txt"])
    assert status == 2
    assert "needs a .csv or .parquet suffix" in capsys.readouterr().err
    status = main(["fit", "y ~ x", "--data", str(tmp_path / "d.csv"), "--family", "foo(1)"])
    assert status == 2
    assert capsys.readouterr().err.startswith("brmsjax: error: ")


def test_parquet_without_pyarrow_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError
    (tmp_path / "d.csv").write_text("y,x\n1,2\n")
    status = main(["fit", "y ~ x", "--data", str(tmp_path / "d.parquet")])
    assert status == 2
    assert capsys.readouterr().err == (
        f"brmsjax: error: The data file '{tmp_path}/d.parquet' is a parquet file, which needs "
        "pyarrow; install it (pip install pyarrow) or use a CSV file.\n"
    )
    status = main(["fit", "y ~ x", "--data", str(tmp_path / "d.csv"), "--draws", "o.parquet"])
    assert status == 2
    assert "The draws file 'o.parquet' is a parquet file, which needs pyarrow" in (
        capsys.readouterr().err
    )


def test_parquet_data_and_draws(cli_fit: dict[str, Any]) -> None:
    pytest.importorskip("pyarrow")  # the error without it: the test above
    tmp = cli_fit["tmp"]
    pd.read_csv(cli_fit["data"]).to_parquet(tmp / "sleep.parquet", index=False)
    argv = ["fit", FORMULA, "--data", str(tmp / "sleep.parquet"), "--prior", PRIOR]
    argv += ["--chains", "1", "--iter", "100", "--seed", "1", "--draws", str(tmp / "d.parquet")]
    assert main(argv) == 0
    written = pd.read_parquet(tmp / "d.parquet")
    np.testing.assert_array_equal(written.to_numpy(), cli_fit["fit"].draws().to_numpy())
