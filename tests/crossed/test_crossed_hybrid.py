"""The hybrid form: the group-level ID with the most effects integrated out, the others sampled.

Given the sampled IDs' effects ``r_d``, the hybrid log likelihood must equal the plain form's
likelihood integrated over the eliminated ID's effects: the multivariate normal density
``y - P beta - Z_d r_d ~ N(0, Z_b Sigma_b Z_b' + sigma^2 W^-1)`` (scipy, dense, up to the
weights' constant), and the drawn ``r_b`` must follow ``N(Q^-1 h, Q^-1)`` with
``Q = Sigma_b^-1 + Z_b'W Z_b / sigma^2`` and ``h = Z_b'W (y - P beta - Z_d r_d) / sigma^2``.
"""

from __future__ import annotations

import re
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.model.crossed.data import AUTO_DENSE_MAX, DENSE_MAX
from brmsjax.backend.model.crossed.hybrid import eliminated_id
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.errors import ModelError
from tests.crossed.test_crossed_fits import assert_posteriors_agree, penicillin_fit
from tests.crossed.test_crossed_forms import PENICILLIN, wide
from tests.crossed.test_crossed_values import CASES, _cov, _values, frame

HYBRID_CASES = [
    "crossed (1 | g) + (1 | h)",
    "three crossed",
    "nested (1 | school/class)",
    "correlated slopes on both",
    "correlated small ID, intercept large",
    "weights, offset, no intercept",
]


def lowered(formula: str, data: pd.DataFrame, family: str = "gaussian", **kw: Any) -> LoweredModel:
    fam = get_family(family)
    design = design_for(formula, data, fam)
    return lower(design, fam, resolve_priors(design, fam, []), **kw)


def _hybrid_params(
    model: LoweredModel, per_id: list, rng: np.random.Generator
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parameter values, with random ``z`` of the sampled IDs, and the assembled params."""
    values = _values(model, per_id, rng)
    prog = model.program
    data, prior_args = model.model_args
    sites = prog.init_sites(values, data)
    for g in model.structure.groups:
        if g.id != eliminated_id(model.structure.groups):
            sites[f"z_{g.id}"] = rng.normal(size=(g.M, g.n_levels))
    params = prog.assemble({k: jnp.asarray(v) for k, v in sites.items()}, prior_args, data)
    if "b" in values:
        params["b"] = jnp.asarray(values["b"])
    return values, params


def _reference(model: LoweredModel, values: dict, per_id: list, sampled: dict) -> tuple:
    """``(e, Z_b, Sigma_b, w)``: residuals given the sampled effects, the eliminated ID's
    design and prior covariance, the weights."""
    data = model.data
    y = np.asarray(data["y"], dtype=float)
    fp = model.structure.fixed[0]
    mu = np.asarray(data["X"][""]) @ values["b"] if fp.n_b else np.zeros_like(y)
    mu = mu + (values["Intercept"] if fp.center else 0.0)
    mu = mu + (np.asarray(data["offset"][""]) if fp.offset else 0.0)
    out = eliminated_id(model.structure.groups)
    Zb = Sb = None
    for g, (sd, rho) in zip(model.structure.groups, per_id, strict=True):
        J, Z = np.asarray(data["J"][str(g.id)]), np.asarray(data["Z"][str(g.id)])
        if g.id != out:
            mu = mu + np.sum(np.asarray(sampled[g.id])[J] * Z, axis=1)
            continue
        Zb = np.zeros((len(y), g.n_levels * g.M))
        for m in range(g.M):
            Zb[np.arange(len(y)), J * g.M + m] = Z[:, m]
        Sb = np.kron(np.eye(g.n_levels), _cov(sd, rho))
    w = np.asarray(data["addition"].get("weights", np.ones_like(y)), dtype=float)
    return y - mu, Zb, Sb, w


@pytest.mark.parametrize("case", HYBRID_CASES)
def test_hybrid_log_lik_is_the_plain_likelihood_integrated_over_the_eliminated_effects(
    case: str,
) -> None:
    formula, per_id = CASES[case]
    model = lowered(formula, frame(), likelihood="hybrid")
    assert model.forms["likelihood"] == model.structure.likelihood == "hybrid"
    out = eliminated_id(model.structure.groups)
    sites = {s.name for s in model.sites}
    assert {f"z_{g.id}" for g in model.structure.groups} - sites == {f"z_{out}"}
    with jax.enable_x64(True):
        values, params = _hybrid_params(model, per_id, np.random.default_rng(1))
        data = model.model_args[0]
        sampled = model.program.group_effects(params, data)
        assert out not in sampled  # drawn only with a key
        ll = float(jax.jit(model.program.log_lik)(params, data))
    e, Zb, Sb, w = _reference(model, values, per_id, sampled)
    var = values["sigma"] ** 2
    cov = Zb @ Sb @ Zb.T + var * np.diag(1 / w)
    ref = stats.multivariate_normal(np.zeros(len(e)), cov).logpdf(e)
    ref += np.sum(-0.5 * w * np.log(2 * np.pi * var) + 0.5 * np.log(2 * np.pi * var / w))
    assert ll == pytest.approx(ref, rel=1e-10, abs=1e-8)


@pytest.mark.parametrize("case", ["three crossed", "correlated small ID, intercept large"])
def test_hybrid_effects_follow_their_exact_conditional(case: str) -> None:
    formula, per_id = CASES[case]
    model = lowered(formula, frame(n=60), likelihood="hybrid")
    out = eliminated_id(model.structure.groups)
    with jax.enable_x64(True):
        values, params = _hybrid_params(model, per_id, np.random.default_rng(2))
        data = model.model_args[0]
        sampled = model.program.group_effects(params, data)

        def draw(k: jax.Array) -> jax.Array:
            r = model.program.group_effects(params, data, k)
            for gid, v in sampled.items():  # the sampled IDs' effects pass through unchanged
                assert r[gid] is not None and v.shape == r[gid].shape
            return r[out].ravel()

        draws = np.asarray(jax.jit(jax.vmap(draw))(jax.random.split(jax.random.key(3), 4000)))
        again = model.program.group_effects(params, data, jax.random.key(5))
    for gid, v in sampled.items():
        np.testing.assert_array_equal(np.asarray(again[gid]), np.asarray(v))
    e, Zb, Sb, w = _reference(model, values, per_id, sampled)
    var = values["sigma"] ** 2
    cov = np.linalg.inv(np.linalg.inv(Sb) + Zb.T @ (w[:, None] * Zb) / var)
    mean = cov @ (Zb.T @ (w * e)) / var
    sd = np.sqrt(np.diag(cov))
    assert np.all(np.abs(draws.mean(0) - mean) < 5 * sd / np.sqrt(4000))
    np.testing.assert_allclose(draws.std(0), sd, rtol=0.07)


AUTO = {  # formula, data, options, likelihood
    "Penicillin (144 rows)": (
        "diameter ~ 1 + (1 | plate) + (1 | sample)",
        PENICILLIN,
        {},
        "hybrid",
    ),
    "nested, 144 rows": ("diameter ~ 1 + (1 | sample/plate)", PENICILLIN, {}, "hybrid"),
    "Penicillin, marginalize = False": (
        "diameter ~ 1 + (1 | plate) + (1 | sample)",
        PENICILLIN,
        {"marginalize": False},
        "plain",
    ),
    "Penicillin, plain asked for": (
        "diameter ~ 1 + (1 | plate) + (1 | sample)",
        PENICILLIN,
        {"likelihood": "plain"},
        "plain",
    ),
    "Penicillin, asked for": (
        "diameter ~ 1 + (1 | plate) + (1 | sample)",
        PENICILLIN,
        {"likelihood": "hybrid"},
        "hybrid",
    ),
    "nested, 2,000 rows: the crossed form": (
        "diameter ~ 1 + (1 | sample/plate)",
        pd.concat([PENICILLIN] * 14, ignore_index=True),
        {},
        "marginal",
    ),
    "dense block past AUTO_DENSE_MAX": (
        "y ~ 1 + (1 | g) + (1 | h)",
        pd.concat([wide(AUTO_DENSE_MAX + 44)] * 4, ignore_index=True),
        {},
        "hybrid",
    ),
    "dense block past DENSE_MAX": (
        "y ~ 1 + (1 | g) + (1 | h)",
        pd.concat([wide(DENSE_MAX + 1)] * 4, ignore_index=True),
        {},
        "hybrid",
    ),
    "past AUTO_DENSE_MAX, marginalize = False": (
        "y ~ 1 + (1 | g) + (1 | h)",
        pd.concat([wide(AUTO_DENSE_MAX + 44)] * 4, ignore_index=True),
        {"marginalize": False},
        "plain",
    ),
    "past AUTO_DENSE_MAX, plain asked for": (
        "y ~ 1 + (1 | g) + (1 | h)",
        pd.concat([wide(AUTO_DENSE_MAX + 44)] * 4, ignore_index=True),
        {"likelihood": "plain"},
        "plain",
    ),
}


@pytest.mark.parametrize("case", AUTO, ids=list(AUTO))
def test_auto_chooses_the_hybrid_form_past_the_crossed_forms_dense_block(case: str) -> None:
    formula, data, options, expected = AUTO[case]
    assert lowered(formula, data, **options).forms["likelihood"] == expected


COORDINATES = {  # formula, each ID's centred coordinates, the sampled sites z_
    # plates (24 x 6 rows) integrated out; samples (6 x 24 rows, sd 2.2 against sigma 0.56)
    # are pinned down by their rows: centred (brmsjax.backend.model.geometry)
    "Penicillin": ("diameter ~ 1 + (1 | plate) + (1 | sample)", {1: 0, 2: 1}, ["z_2"]),
    "nested": ("diameter ~ 1 + (1 | sample/plate)", {1: 1, 2: 0}, ["z_1"]),
}


@pytest.mark.parametrize("case", COORDINATES, ids=list(COORDINATES))
def test_auto_hybrid_samples_the_other_ids_by_the_centring_rule(case: str) -> None:
    formula, centred, sites = COORDINATES[case]
    model = lowered(formula, PENICILLIN)
    assert model.forms["likelihood"] == "hybrid"
    assert {g.id: g.centred for g in model.structure.groups} == centred
    assert [s.name for s in model.sites if s.name.startswith("z_")] == sites


REFUSED = {
    "one ID": (
        "y ~ x1 + (1 | g)",
        "gaussian",
        "The hybrid likelihood cannot be used here: the model has fewer than two group-level IDs.",
    ),
    "student": (
        "y ~ x1 + (1 | g) + (1 | h)",
        "student",
        "The hybrid likelihood cannot be used here: the family is student(identity), not "
        "gaussian(identity).",
    ),
    "mm()": (
        "y ~ x1 + (1 | h) + (1 | mm(g, k))",
        "gaussian",
        "The hybrid likelihood cannot be used here: the model has a multi-membership term mm().",
    ),
    "sigma ~ (1 | g)": (
        "bf(y ~ x1 + (1 | h) + (1 | k), sigma ~ (1 | g))",
        "gaussian",
        "The hybrid likelihood cannot be used here: a distributional parameter other than mu "
        "is predicted.",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_hybrid_refusals_name_the_reason(case: str) -> None:
    formula, family, message = REFUSED[case]
    with pytest.raises(ModelError, match=re.escape(message)):
        lowered(formula, frame(), family, likelihood="hybrid")


@pytest.mark.slow
def test_penicillin_hybrid_posterior_agrees_with_the_plain_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new = penicillin_fit(monkeypatch, {"likelihood": "hybrid"})
    old = penicillin_fit(monkeypatch, {"marginalize": False})
    assert_posteriors_agree(new, old)
