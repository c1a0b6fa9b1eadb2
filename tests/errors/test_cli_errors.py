"""The command line reports every user failure as ``brmsjax: error: ...`` with exit status 2.

Files that are directories, not UTF-8, empty or not writable used to end in a raw traceback
(exit 1); ``fit.save()`` to a directory raised a bare IsADirectoryError.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import brmsjax as bj
from brmsjax.cli import main
from brmsjax.core import FitFileError

FITS = Path(__file__).parents[1] / "fixtures" / "fits"


def _files(tmp: Path) -> dict[str, str]:
    (tmp / "folder").mkdir()
    (tmp / "latin1.R").write_bytes(b"x <- 1\n# caf\xe9\n")
    (tmp / "ok.R").write_text("library(brms)\nfit <- brm(y ~ x, data = d)\n")
    (tmp / "empty.csv").write_text("")
    (tmp / "header.csv").write_text("y,x\n")
    return {"tmp": str(tmp)}


CASES = [
    (["port", "{tmp}/folder"], "The R script '{tmp}/folder' is a directory; give an .R file."),
    (
        ["port", "{tmp}/latin1.R"],
        "The R script '{tmp}/latin1.R' is not UTF-8 text (byte 13); save it as UTF-8.",
    ),
    (
        ["port", "{tmp}/ok.R", "-o", "/nonexistent/x.py"],
        "Cannot write the Python to '/nonexistent/x.py': No such file or directory.",
    ),
    (
        ["fit", "y ~ x", "--data", "{tmp}/folder"],
        "The data file '{tmp}/folder' is a directory; give a CSV file.",
    ),
    (
        ["fit", "y ~ x", "--data", "{tmp}/empty.csv"],
        "The data file '{tmp}/empty.csv' is empty; give a CSV file with a header row.",
    ),
    (["fit", "y ~ x", "--data", "{tmp}/header.csv"], "The data have no rows."),
]


@pytest.mark.parametrize(("argv", "message"), CASES, ids=[" ".join(c[0][:2]) for c in CASES])
def test_cli_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = _files(tmp_path)
    status = main([a.format(**names) for a in argv])
    err = capsys.readouterr().err
    assert status == 2
    assert err == f"brmsjax: error: {message.format(**names)}\n"


def test_save_to_a_directory_names_the_path(tmp_path: Path) -> None:
    fit = bj.load(FITS / "sleepstudy_before_move.pkl")
    with pytest.raises(FitFileError) as err:
        fit.save(tmp_path)
    assert str(err.value) == f"Cannot save the fit to '{tmp_path}': Is a directory."
    with pytest.raises(FitFileError, match="No such file or directory"):
        fit.save(tmp_path / "missing" / "fit.pkl")


def test_any_os_error_reaches_the_boundary(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(path: str) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr("pandas.read_csv", refuse)
    assert main(["fit", "y ~ x", "--data", "locked.csv"]) == 2
    assert capsys.readouterr().err == "brmsjax: error: Permission denied: 'locked.csv'\n"
