"""The fit's progress display: Jupyter detection, tqdm's notebook bar there, and compiling as
a phase of its own before the sampling bar, whose clock starts with the iterations."""

from __future__ import annotations

import builtins
import re
import time

import numpy as np
import pandas as pd
import pytest
from tqdm import notebook
from tqdm.std import tqdm as text_tqdm

import brmsjax as bj
from brmsjax.backend.infer import progress as prog
from brmsjax.backend.infer.progress import FitProgress, bar_class, in_notebook, shows


class ZMQInteractiveShell:
    """A Jupyter kernel's shell, by its class name (as IPython's)."""


class TerminalInteractiveShell:
    """A terminal IPython's shell."""


@pytest.mark.parametrize(
    ("shell", "notebook_shell"),
    [(ZMQInteractiveShell, True), (TerminalInteractiveShell, False), (None, False)],
)
def test_in_notebook_reads_the_ipython_shell(
    monkeypatch: pytest.MonkeyPatch, shell: type | None, notebook_shell: bool
) -> None:
    if shell is None:
        monkeypatch.delattr(builtins, "get_ipython", raising=False)
    else:
        monkeypatch.setattr(builtins, "get_ipython", shell, raising=False)
    assert in_notebook() is notebook_shell


@pytest.mark.parametrize(
    ("shell", "widgets", "expected"),
    [
        (ZMQInteractiveShell, True, notebook.tqdm),  # Jupyter with ipywidgets: the widget
        (ZMQInteractiveShell, False, text_tqdm),  # Jupyter without ipywidgets: text on stderr
        (TerminalInteractiveShell, True, text_tqdm),
    ],
)
def test_bar_class_is_tqdms_notebook_bar_in_jupyter(
    monkeypatch: pytest.MonkeyPatch, shell: type, widgets: bool, expected: type
) -> None:
    monkeypatch.setattr(builtins, "get_ipython", shell, raising=False)
    monkeypatch.setattr(notebook, "IProgress", object if widgets else None)
    assert bar_class() is expected


@pytest.mark.parametrize(
    ("progress", "shell", "expected"),
    [
        (None, ZMQInteractiveShell, True),  # stderr is no terminal in Jupyter: still shown
        (None, TerminalInteractiveShell, False),  # pytest's captured stderr is no terminal
        (False, ZMQInteractiveShell, False),
        (True, TerminalInteractiveShell, True),
    ],
)
def test_default_progress_shows_in_a_notebook(
    monkeypatch: pytest.MonkeyPatch, progress: bool | None, shell: type, expected: bool
) -> None:
    monkeypatch.setattr(builtins, "get_ipython", shell, raising=False)
    assert shows(progress) is expected


def test_compile_phase_comes_before_the_sampling_bar(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The compile line ticks while compiling; the sampling bar's clock starts after it."""
    monkeypatch.setattr(prog, "TICK", 0.05)
    display = FitProgress(True, total=10, chains=2)
    display.compiling()
    time.sleep(0.3)
    bar = display.sampling()
    bar.update(10)
    elapsed = bar.format_dict["elapsed"]
    display.close()
    err = capsys.readouterr().err
    assert "Compiling model... 00:00" in err
    assert err.index("Compiling model") < err.index("Sampling 2 chains: ")
    assert display.compile_seconds == pytest.approx(0.3, abs=0.2)
    assert elapsed < 0.1  # tqdm's clock and rate: the sampling phase only


def test_quiet_progress_shows_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    display = FitProgress(False, total=10, chains=1)
    display.compiling()
    assert display.sampling() is None
    display.close()
    assert capsys.readouterr().err == ""


def test_brm_shows_compiling_then_sampling(capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"y": rng.normal(size=20), "x": rng.normal(size=20)})
    bj.brm("y ~ x", data, chains=1, iter=200, seed=1, progress=True)
    err = capsys.readouterr().err
    assert err.index("Compiling model...") < err.index("Sampling 1 chain: ")
    # The sampling bar starts at 0 iterations and 00:00, after the compile line.
    assert re.search(r"Sampling 1 chain: +0%\|[ ]+\| 0/200 \[00:00<", err)
