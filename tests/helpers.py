"""Helpers that several test folders share, so each check is written once.

- :func:`assert_standata_values` and :func:`assert_prior_rows_equal` compare brmsjax's
  make_standata and get_prior with brms 2.18's, recorded as JSON under
  tests/fixtures/<feature>/ (:func:`recorded_reference`); :func:`recorded_case_tests` makes
  a module's two parametrized tests of a recorded case table.
- :func:`log_density_at` is a lowered program's log density (likelihood and priors) at fixed
  parameter values, the number the design tests hold against a transcription of brms's Stan
  model block.
- :func:`assembled_params` assembles a lowered program's parameters from given values, and
  :func:`population_mu` is their population part of mu in numpy.
- :func:`assert_count_predictions_and_loo` checks a count model's posterior_predict and loo.
- :func:`load_bench` imports a script of benchmarks/ (not a package) for tests that reuse its
  cases, data and criteria.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def assert_standata_values(
    got: Mapping[str, Any], want: Mapping[str, Any], order: Literal["C", "F"] = "C"
) -> None:
    """Every entry of a recorded make_standata ``want`` equals ``got``'s, flattened (a data
    frame's values; ``order="F"`` flattens ``got`` by columns, as R's ``as.vector``), to
    ``assert_allclose``'s default relative 1e-7; the key names a mismatch."""
    assert set(want) <= set(got)
    for key, value in want.items():
        ours = got[key].to_numpy() if isinstance(got[key], pd.DataFrame) else got[key]
        np.testing.assert_allclose(
            np.asarray(ours, dtype=float).reshape(-1, order=order),
            np.asarray(value, dtype=float).reshape(-1),
            err_msg=key,
        )


def assert_prior_rows_equal(table: pd.DataFrame, recorded: Any, cols: Sequence[str]) -> None:
    """A get_prior ``table`` has the ``recorded`` brms rows (a JSON data frame) in ``cols``,
    compared as strings with missing values as R's empty strings."""
    got = table[list(cols)].astype(str).replace({"nan": "", "None": ""}).to_dict("records")
    assert got == pd.DataFrame(recorded)[list(cols)].astype(str).to_dict("records")


def assert_case_standata(case: Mapping[str, Any], data: pd.DataFrame) -> None:
    """A recorded case's make_standata (its ``formula`` and ``family`` on ``data``) has the
    recorded values (:func:`assert_standata_values`)."""
    import brmsjax

    got = brmsjax.make_standata(case["formula"], data, family=case["family"])
    assert_standata_values(got, case["standata"])


def assert_case_prior_rows(
    case: Mapping[str, Any], data: pd.DataFrame, cols: Sequence[str]
) -> None:
    """A recorded case's get_prior (its ``formula`` and ``family`` on ``data``) has the
    recorded rows in ``cols`` (:func:`assert_prior_rows_equal`)."""
    import brmsjax

    table = brmsjax.get_prior(case["formula"], data, family=case["family"])
    assert_prior_rows_equal(table, case["prior"], cols)


def recorded_case_tests(
    reference: Mapping[str, Any],
    data: Callable[[], pd.DataFrame],
    cols: Sequence[str] = ("prior", "class", "coef", "group", "lb", "ub"),
) -> tuple[Callable[[str], None], Callable[[str], None]]:
    """The tests of a recorded ``reference``'s cases on ``data()``, each parametrized by the
    case names: make_standata (:func:`assert_case_standata`) and get_prior's rows in ``cols``
    (:func:`assert_case_prior_rows`) equal brms's. A test module binds them to its names
    ``test_standata_equals_brms`` and ``test_get_prior_equals_brms`` (as
    tests/mi_mv/standata_table.py's ``table_tests``)."""
    cases = tuple(reference["cases"])

    @pytest.mark.parametrize("case", cases)
    def standata(case: str) -> None:
        assert_case_standata(reference["cases"][case], data())

    @pytest.mark.parametrize("case", cases)
    def prior_rows(case: str) -> None:
        assert_case_prior_rows(reference["cases"][case], data(), cols)

    return standata, prior_rows


def recorded_reference(feature: str) -> Any:
    """The brms references ``tests/fixtures/<feature>/<feature>.json`` (written by that
    folder's R script)."""
    return json.loads((FIXTURES / feature / f"{feature}.json").read_text())


def log_density_at(
    formula: Any, data: pd.DataFrame, family: str, priors: Sequence[Any], values: Any
) -> float:
    """The log density of ``formula``'s lowered program (``priors`` given, brms's defaults
    for the rest) at the parameter ``values``, in float64."""
    import jax

    from brmsjax.api import design_for, get_family, resolve_priors
    from brmsjax.backend.model.lower import lower

    fam = get_family(family)
    design = design_for(formula, data, fam)
    lowered = lower(design, fam, resolve_priors(design, fam, list(priors)))
    data_, prior_args = lowered.model_args
    with jax.enable_x64(True):
        return float(lowered.program.log_density(values, data_, prior_args))


def assembled_params(model: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """A lowered ``model``'s parameters assembled from the sampled sites that hold
    ``values`` (its ``init_sites``); ``b`` is set after assembling (its site may be QR
    coordinates)."""
    import jax.numpy as jnp

    prog = model.program
    data, prior_args = model.model_args
    sites = prog.init_sites(values, data)
    params = prog.assemble({k: jnp.asarray(v) for k, v in sites.items()}, prior_args, data)
    if "b" in values:
        params["b"] = jnp.asarray(values["b"])
    return params


def population_mu(model: Any, values: Mapping[str, Any]) -> np.ndarray:
    """mu's population part of a lowered ``model``'s rows at ``values``: ``X b`` plus the
    ``Intercept`` (a centred model) and the offset (numpy, for dense references)."""
    data = model.data
    fp = model.structure.fixed[0]
    rows = len(np.asarray(data["y"]))
    mu = np.asarray(data["X"][""]) @ values["b"] if fp.n_b else np.zeros(rows)
    if fp.center:
        mu = mu + values["Intercept"]
    if fp.offset:
        mu = mu + np.asarray(data["offset"][""])
    return mu


def assert_count_predictions_and_loo(fit: Any, draws: int, rows: int) -> None:
    """A count model's posterior_predict has ``draws`` x ``rows`` non-negative whole numbers
    (seed 1), and its loo a finite ``elpd_loo``."""
    pp = np.asarray(fit.posterior_predict(seed=1))
    assert pp.shape == (draws, rows)
    assert np.all(pp >= 0) and np.all(pp == np.round(pp))
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])


def load_bench(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` imported as the module ``brmsjax_bench_<name>`` (registered
    in ``sys.modules``: dataclasses look their module up while decorating)."""
    spec = importlib.util.spec_from_file_location(f"brmsjax_bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
