"""Warnings name the line of the user's script that called brmsjax, not a brmsjax line.

Each case writes a script into ``tmp_path``, runs it with :func:`runpy.run_path` and checks
that the recorded warning's ``filename`` and ``lineno`` are the script's own line.
"""

from __future__ import annotations

import inspect
import runpy
import warnings
from pathlib import Path

import pytest

from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.backend.priors.parse import PriorWarning
from brmsjax.formula.design.design import DataWarning
from brmsjax.formula.warn import package_dirs, user_stacklevel

SETUP = """\
import numpy as np
import pandas as pd
import brmsjax as bj

rng = np.random.default_rng(1)
d = pd.DataFrame({"y": rng.normal(size=30), "x": rng.normal(size=30),
                  "z": ["1"] * 29 + ["a"], "intercept": 1.0})
"""
CALL_LINE = SETUP.count("\n") + 1


def _run(tmp_path: Path, call: str) -> list[warnings.WarningMessage]:
    script = tmp_path / "user_script.py"
    script.write_text(SETUP + call + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runpy.run_path(str(script))
    return caught


@pytest.mark.parametrize(
    ("call", "category", "message"),
    [
        ('bj.make_standata("y ~ as.numeric(z)", d)', UserWarning, "NAs introduced by coercion"),
        (
            'bj.make_standata("y ~ as.numeric(z)", d)',
            DataWarning,
            "Rows containing NAs were excluded",
        ),
        ('bj.make_standata("y ~ 0 + intercept + x", d)', UserWarning, "Reserved variable name"),
        ('bj.make_standata("y ~ s(x, k = 2)", d)', UserWarning, "basis dimension, k, increased"),
        ('bj.set_prior("normal(7/2, 1)")', PriorWarning, "Stan divides integers as integers"),
        ('bj.get_prior("y ~ as.numeric(z)", d)', UserWarning, "NAs introduced by coercion"),
    ],
)
def test_formula_and_prior_warnings_name_the_users_line(
    tmp_path: Path, call: str, category: type[Warning], message: str
) -> None:
    caught = [w for w in _run(tmp_path, call) if str(w.message).startswith(message)]
    assert caught, f"no warning starting {message!r}"
    for w in caught:
        assert issubclass(w.category, category)
        assert (Path(w.filename).name, w.lineno) == ("user_script.py", CALL_LINE)


def test_sampler_warnings_name_the_users_line(tmp_path: Path) -> None:
    """6 iterations (2 of warmup) of 2 chains: R-hat warning, reported at the brm() call."""
    caught = _run(tmp_path, 'fit = bj.brm("y ~ x", d, chains=2, iter=6, warmup=2, seed=1)')
    sampler = [w for w in caught if issubclass(w.category, SamplerWarning)]
    assert sampler
    assert {(Path(w.filename).name, w.lineno) for w in sampler} == {("user_script.py", CALL_LINE)}


def test_package_dirs_cover_the_three_source_folders() -> None:
    import brmsjax
    import brmsjax.backend
    import brmsjax.formula

    dirs = package_dirs()
    for module in (brmsjax, brmsjax.backend, brmsjax.formula):
        assert any(str(Path(module.__file__).resolve()).startswith(d) for d in dirs)


def test_user_stacklevel_outside_brmsjax_is_the_caller() -> None:
    """Called from a test (outside brmsjax), the warning stays at the calling line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
        warnings.warn("here", UserWarning, stacklevel=user_stacklevel())
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)
