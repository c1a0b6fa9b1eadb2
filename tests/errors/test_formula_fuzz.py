"""Fuzz the formula front end: any text gives a design or a BrmsjaxError, in bounded time.

Inputs are token soups over the formula alphabet (names of the data, calls, numbers, every
operator, brackets, bars, ``.``), long operator chains and deep nests, so they reach the
parser, the term algebra, the evaluator and the design. The default run takes a few seconds;
the ``slow`` run tries 20,000 inputs, each under 5 s.
"""

from __future__ import annotations

import signal
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brmsjax.formula import build_design
from brmsjax.formula.errors import BrmsjaxError

DATA = pd.DataFrame(
    {
        "y": np.linspace(0.5, 3.0, 8),
        "x": np.linspace(-1.0, 1.0, 8),
        "z": np.arange(8.0),
        "g": list("abab" * 2),
        "f": pd.Categorical(list("uvwu" * 2)),
    }
)

ATOMS = ["x", "z", "g", "f", "y", ".", "0", "1", "-1", "2", "2.5", "1e10", "TRUE", '"s"']
CALLS = ["I(", "log(", "exp(", "poly(", "offset(", "factor(", "scale(", "gr(", "s("]
OPERATORS = [" + ", " - ", " * ", " / ", ":", "^", " %in% ", " | ", " || ", " ~ ", " == ", ", "]
TOKENS = ATOMS + CALLS + OPERATORS + ["(", ")", "(1 | g)", "(x || g)", "(0 | g)", "-", "!"]


@st.composite
def formulas(draw: st.DrawFn) -> str:
    """A right-hand side: a token soup, a long chain or a deep nest, after ``y ~``."""
    kind = draw(st.sampled_from(["soup", "chain", "nest"]))
    if kind == "soup":
        body = "".join(draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25)))
    elif kind == "chain":
        op = draw(st.sampled_from(["+", "-", ":", "*", "^", "/", "%in%"]))
        atom = draw(st.sampled_from(["x", "z", "g", "(x + z)", "I(x)"]))
        body = f" {op} ".join([atom] * draw(st.integers(1, 3000)))
        if draw(st.booleans()):
            body = f"I({body})"
    else:
        opener = draw(st.sampled_from(["(", "I(", "log(", "-", "+"]))
        depth = draw(st.integers(1, 400))
        closer = ")" if opener.endswith("(") else ""
        body = opener * depth + draw(st.sampled_from(["x", "z", "g"])) + closer * depth
    return f"y ~ {body}"


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail the test if the body runs longer than ``seconds`` (a hang, not only slowness)."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check(formula: str, limit: float) -> None:
    start = time.perf_counter()
    with time_limit(int(limit) + 1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            build_design(formula, DATA)
        except BrmsjaxError:
            pass
    assert time.perf_counter() - start < limit, formula


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(formulas())
def test_front_end_gives_a_design_or_a_brmsjax_error(formula: str) -> None:
    check(formula, 5.0)


@pytest.mark.slow
@settings(max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(formulas())
def test_front_end_fuzz_20000(formula: str) -> None:
    check(formula, 5.0)
