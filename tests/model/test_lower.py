"""Lowering: the model's log density equals brms's Stan program, written out with scipy."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from functools import partial
from pathlib import Path

import jax
import numpy as np
import numpyro.distributions as dist
import pytest
from numpyro.distributions.transforms import CorrCholeskyTransform
from scipy import integrate, stats

from brmsjax.backend.cache import ONE_OFF_OPTIONS
from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import gaussian
from brmsjax.backend.model.lower import (
    LoweredModel,
    StanCorrCholeskyTransform,
    lkj_corr_cholesky_lpdf,
    lower,
)
from brmsjax.backend.priors.resolve import ParamPrior, prior
from brmsjax.formula.design.ir import Design, FixedBlock, GroupBlock, Response
from brmsjax.formula.errors import ModelError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "brms"
fast_jit = partial(jax.jit, compiler_options=ONE_OFF_OPTIONS)
T_SCALE = 59.3


def sleep_design(case: str) -> Design:
    """The design of a sleepstudy reference fit, from brms's standata and level names."""
    sd = json.loads((FIXTURES / f"{case}.standata.json").read_text())
    ref = json.loads((FIXTURES / f"{case}.json").read_text())
    names = [r["variable"] for r in ref["summary"]]
    levels = tuple(
        m.group(1) for n in names if (m := re.fullmatch(r"r_Subject\[(.+),Intercept\]", n))
    )
    X = np.asarray(sd["X"], dtype=float)
    Z = np.stack([sd["Z_1_1"], sd["Z_1_2"]], axis=1).astype(float)
    group = GroupBlock(
        1,
        "Subject",
        levels,
        ("Intercept", "Days"),
        ("", ""),
        case == "sleep_rs",
        np.asarray(sd["J_1"]) - 1,
        Z,
    )
    return Design(
        Response("Reaction", np.asarray(sd["Y"], dtype=float)),
        (FixedBlock("", ("Intercept", "Days"), X, True),),
        (group,),
        np.arange(len(X)),
    )


def default_priors(design: Design) -> dict[str, ParamPrior]:
    """brms 2.18's defaults for the sleepstudy models."""
    half_t = PriorSpec("student_t", (3.0, 0.0, T_SCALE), lb=0.0)
    out = {
        "Intercept": ParamPrior("Intercept", (PriorSpec("student_t", (3.0, 288.7, T_SCALE)),)),
        "b": ParamPrior("b", (PriorSpec("flat"),)),
        "sigma": ParamPrior("sigma", (half_t,)),
        "sd_1": ParamPrior("sd_1", (half_t, half_t)),
    }
    if design.groups[0].cor:
        out["L_1"] = ParamPrior("L_1", (PriorSpec("lkj", (1.0,)),))
    return out


def scipy_log_density(
    design: Design, pri: dict[str, ParamPrior], v: dict[str, np.ndarray], sigma_x: bool = False
) -> tuple[float, float]:
    """brms's Stan ``target`` (likelihood + lprior + std_normal(z)) and ``lprior``, by hand."""
    block, g = design.fixed[0], design.groups[0]
    x = block.X[:, 1]
    b = np.atleast_1d(v["b"]) if "b" in v else np.array([pri["b"].specs[0].args[0]])
    mu = v["Intercept"] + (x - x.mean()) * b[0]
    z = v["z_1"]
    scaled = v["sd_1"][:, None] * (v["L_1"] @ z if g.cor else z)
    r = scaled.T
    mu = mu + r[g.J, 0] * g.Z[:, 0] + r[g.J, 1] * g.Z[:, 1]
    if sigma_x:
        xs = design.fixed[1].X[:, 1]
        sigma = np.exp(v["Intercept_sigma"] + (xs - xs.mean()) * v["b_sigma"][0])
    else:
        sigma = v["sigma"] if "sigma" in v else pri["sigma"].specs[0].args[0]
    loglik = stats.norm.logpdf(design.response.y, mu, sigma).sum()
    lprior = 0.0
    for name, value in v.items():
        if name not in pri or name.startswith("L_"):
            continue
        for spec, xi in zip(pri[name].specs, np.atleast_1d(value), strict=True):
            lprior += _scipy_prior(spec, xi)
    if "L_1" in pri:
        eta = pri["L_1"].specs[0].args[0]
        r10 = v["L_1"][1, 0]
        lprior += stats.beta.logpdf((r10 + 1) / 2, eta, eta) - math.log(2)
    std_normal = stats.norm.logpdf(z).sum()
    return loglik + lprior + std_normal, lprior


def _scipy_prior(spec: PriorSpec, x: float) -> float:
    if spec.dist in ("flat", "constant"):
        return 0.0
    if spec.dist == "student_t":
        nu, m, s = spec.args
        lp = stats.t.logpdf(x, nu, m, s)
        return lp - (math.log(stats.t.sf(spec.lb, nu, m, s)) if spec.lb is not None else 0.0)
    if spec.dist == "normal":
        m, s = spec.args
        mass = stats.norm.cdf(spec.ub if spec.ub is not None else np.inf, m, s) - stats.norm.cdf(
            spec.lb if spec.lb is not None else -np.inf, m, s
        )
        return stats.norm.logpdf(x, m, s) - math.log(mass)
    if spec.dist == "gamma":
        a, rate = spec.args
        return stats.gamma.logpdf(x, a, scale=1 / rate)
    raise AssertionError(spec.dist)


def _with(pri: dict[str, ParamPrior], **changes: tuple[PriorSpec, ...]) -> dict[str, ParamPrior]:
    out = dict(pri)
    for k, specs in changes.items():
        out[k] = ParamPrior(k, specs)
    return out


def sigma_design(case: str) -> Design:
    """``bf(Reaction ~ Days + (Days | Subject), sigma ~ Days)``."""
    d = sleep_design(case)
    return replace(d, fixed=(*d.fixed, replace(d.fixed[0], dpar="sigma")))


def _sigma_priors(design: Design) -> dict[str, ParamPrior]:
    pri = {k: v for k, v in default_priors(design).items() if k != "sigma"}
    pri["Intercept_sigma"] = ParamPrior("Intercept_sigma", (PriorSpec("student_t", (3, 0, 2.5)),))
    pri["b_sigma"] = ParamPrior("b_sigma", (PriorSpec("normal", (0.0, 1.0)),))
    return pri


HALF = PriorSpec("student_t", (3.0, 0.0, T_SCALE), lb=0.0)
CASES = {
    "sleep_rs defaults": ("sleep_rs", None, False),
    "sleep_uncorr defaults": ("sleep_uncorr", None, False),
    "lkj(2), normal b": (
        "sleep_rs",
        {"L_1": (PriorSpec("lkj", (2.0,)),), "b": (PriorSpec("normal", (10.0, 5.0)),)},
        False,
    ),
    "bounded b, gamma sd": (
        "sleep_rs",
        {
            "b": (PriorSpec("normal", (10.0, 5.0), 0.0, 30.0),),
            "sd_1": (PriorSpec("gamma", (2.0, 0.1), lb=0.0), HALF),
        },
        False,
    ),
    "constant sigma and b": (
        "sleep_uncorr",
        {"sigma": (PriorSpec("constant", (25.0,)),), "b": (PriorSpec("constant", (10.0,)),)},
        False,
    ),
    "sigma ~ Days": ("sleep_rs", {}, True),
}


def brms_z(lowered: LoweredModel, v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Site values with each sheared ``z_k`` replaced by brms's ``z = S^-1 r``.

    Sheared groups sample ``z'`` with ``r = T^-1 chol(T S S' T') z'``; ``z' -> S^-1 r`` is
    orthogonal, so brms's density at ``(sd, L, S^-1 r)`` equals ours at ``(sd, L, z')``.
    """
    prog, out = lowered.program, dict(v)
    params = prog.assemble(
        {k: np.asarray(x) for k, x in v.items()}, lowered.prior_args, lowered.data
    )
    with jax.enable_x64(True):
        r = prog.group_effects(params, lowered.data)
    for g in prog.structure.groups:
        sd = np.asarray(params[f"sd_{g.id}"])
        S = sd[:, None] * np.asarray(params[f"L_{g.id}"]) if g.cor else np.diag(sd)
        out[f"z_{g.id}"] = np.linalg.solve(S, np.asarray(r[g.id]).T)
    return out


@pytest.mark.parametrize("reparam", [False, True], ids=["brms coordinates", "sheared"])
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_log_density_equals_the_stan_program(case: str, reparam: bool) -> None:
    name, changes, sigma_x = CASES[case]
    design = sigma_design(name) if sigma_x else sleep_design(name)
    pri = _sigma_priors(design) if sigma_x else _with(default_priors(design), **(changes or {}))
    lowered = lower(
        design, gaussian(), pri, reparam=reparam, centred=0, shear_cov=False, marginalize=False
    )
    prog = lowered.program
    assert all(g.shear == reparam for g in prog.structure.groups)

    def evaluate(u: jax.Array, data: dict, prior_args: dict) -> tuple[dict, jax.Array, jax.Array]:
        v = prog.constrain(u)
        lprior = prog.lprior(prog.assemble(v, prior_args, data), prior_args)
        return v, prog.log_density(v, data, prior_args), lprior

    data, prior_args = lowered.model_args
    u = np.random.default_rng(1).uniform(-1.5, 1.5, (3, prog.dim))
    with jax.enable_x64(True):
        values, got, lprior = fast_jit(jax.vmap(evaluate, (0, None, None)))(u, data, prior_args)
    for i in range(len(u)):
        v = brms_z(lowered, {k: np.asarray(x[i]) for k, x in values.items()})
        expected, expected_lprior = scipy_log_density(design, pri, v, sigma_x)
        assert float(got[i]) == pytest.approx(expected, rel=1e-12, abs=1e-9)
        assert float(lprior[i]) == pytest.approx(expected_lprior, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("reparam", [False, True], ids=["brms coordinates", "sheared"])
@pytest.mark.parametrize("case", ["sleep_rs", "sleep_uncorr"])
def test_potential_adds_the_jacobians(case: str, reparam: bool) -> None:
    design = sleep_design(case)
    lowered = lower(
        design,
        gaussian(),
        default_priors(design),
        reparam=reparam,
        centred=0,
        shear_cov=False,
        marginalize=False,
    )
    u = np.random.default_rng(7).uniform(-1.5, 1.5, lowered.program.dim)
    with jax.enable_x64(True):
        v = {k: np.asarray(x) for k, x in fast_jit(lowered.program.constrain)(u).items()}
        potential = float(fast_jit(lowered.program.potential)(u, *lowered.model_args))
    v = brms_z(lowered, v)
    target, _ = scipy_log_density(design, default_priors(design), v)
    jacobian = math.log(v["sigma"]) + np.log(v["sd_1"]).sum()
    if "L_1" in v:
        jacobian += math.log(1 - v["L_1"][1, 0] ** 2)  # d tanh(y) / dy
    assert -potential == pytest.approx(target + jacobian, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("eta", [0.5, 1.0, 2.0, 7.5])
def test_lkj_2x2_is_a_normalized_density_of_the_correlation(eta: float) -> None:
    with jax.enable_x64(True):
        r = np.linspace(-1, 1, 2001)[1:-1]
        L = np.zeros((r.size, 2, 2))
        L[:, 0, 0], L[:, 1, 0], L[:, 1, 1] = 1.0, r, np.sqrt(1 - r * r)
        lp = np.asarray(fast_jit(jax.vmap(lkj_corr_cholesky_lpdf, (0, None)))(L, eta))
    kernel = (eta - 1) * np.log1p(-r * r)  # the density's shape, known in closed form
    log_constant = lp - kernel
    np.testing.assert_allclose(log_constant, log_constant[0], atol=1e-12)
    total, _ = integrate.quad(
        lambda x: math.exp(log_constant[0] + (eta - 1) * math.log1p(-x * x)), -1, 1
    )
    assert total == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(("K", "eta"), [(3, 0.5), (3, 1.0), (4, 2.0), (5, 7.5)])
def test_lkj_matches_numpyro_lkj_cholesky(K: int, eta: float) -> None:
    y = np.random.default_rng(K).normal(size=K * (K - 1) // 2)

    def both(y: jax.Array) -> tuple[jax.Array, jax.Array]:
        L = StanCorrCholeskyTransform()(y)
        return lkj_corr_cholesky_lpdf(L, eta), dist.LKJCholesky(K, eta).log_prob(L)

    with jax.enable_x64(True):
        ours, ref = fast_jit(both)(y)
    assert float(ours) == pytest.approx(float(ref), abs=1e-9)


@pytest.mark.parametrize("K", [2, 3, 5])
def test_stan_corr_cholesky_transform_matches_numpyro(K: int) -> None:
    y = np.random.default_rng(K).normal(size=K * (K - 1) // 2)
    ours, ref = StanCorrCholeskyTransform(), CorrCholeskyTransform()

    def both(y: jax.Array) -> tuple[jax.Array, ...]:
        L = ours(y)
        return (
            L,
            ref(y),
            ours._inverse(L),
            ours.log_abs_det_jacobian(y, L),
            ref.log_abs_det_jacobian(y, L),
        )

    with jax.enable_x64(True):
        L, L_ref, back, jac, jac_ref = fast_jit(both)(y)
    np.testing.assert_allclose(L, L_ref, atol=1e-14)
    np.testing.assert_allclose(back, y, atol=1e-12)
    assert float(jac) == pytest.approx(float(jac_ref), abs=1e-12)


def test_equal_structures_share_one_program() -> None:
    design = sleep_design("sleep_rs")
    other_y = replace(design, response=Response("Reaction", design.response.y[::-1].copy()))
    pri = default_priors(design)
    a = lower(design, gaussian(), pri, marginalize=False)
    b = lower(
        other_y,
        gaussian(),
        _with(pri, Intercept=(PriorSpec("student_t", (3, 250, 40)),)),
        marginalize=False,
    )
    uncorr = sleep_design("sleep_uncorr")
    c = lower(uncorr, gaussian(), default_priors(uncorr), marginalize=False)
    assert a.program is b.program
    assert c.program is not a.program
    assert a.prior_args["Intercept"]["p0"].tolist() == [[3.0, 288.7, T_SCALE]]
    assert b.prior_args["Intercept"]["p0"].tolist() == [[3.0, 250.0, 40.0]]
    np.testing.assert_array_equal(b.data["y"], design.response.y[::-1])


def test_centring_and_sites() -> None:
    design = sleep_design("sleep_rs")
    lowered = lower(
        design, gaussian(), default_priors(design), centred=0, shear_cov=False, marginalize=False
    )
    days = design.fixed[0].X[:, 1]
    np.testing.assert_allclose(lowered.data["X"][""][:, 0], days - 4.5)
    assert lowered.data["means_X"][""].tolist() == [4.5]
    assert [(s.name, s.shape, s.ushape) for s in lowered.sites] == [
        ("Intercept", (), ()),
        ("b", (1,), (1,)),
        ("sigma", (), ()),
        ("sd_1", (2,), (2,)),
        ("z_1", (2, 18), (2, 18)),
        ("L_1", (2, 2), (1,)),
    ]
    assert lowered.program.dim == 42


BAD: dict[str, tuple[dict[str, tuple[PriorSpec, ...]], str, str]] = {
    "sample_prior": ({}, "maybe", "sample_prior must be 'no', 'yes' or 'only', not 'maybe'."),
    "count": (
        {"sd_1": (HALF,)},
        "no",
        "The prior of 'sd_1' has 1 element(s) but the parameter has 2; resolve the priors "
        "against this model's design.",
    ),
    "lkj on b": (
        {"b": (PriorSpec("lkj", (1.0,)),)},
        "no",
        "The prior 'lkj(1)' cannot be used for 'b'; use a univariate distribution.",
    ),
    "L not lkj": (
        {"L_1": (PriorSpec("normal", (0.0, 1.0)),)},
        "no",
        "The prior of 'L_1' must be one lkj(eta) prior, not normal(0, 1).",
    ),
    "arity": (
        {"Intercept": (PriorSpec("normal", (0.0,)),)},
        "no",
        "The prior 'normal' of 'Intercept' needs 2 argument(s), not 1.",
    ),
    "bounds": (
        {
            "sd_1": (
                PriorSpec("normal", (0.0, 1.0), lb=0.0),
                PriorSpec("normal", (0.0, 1.0), lb=1.0),
            )
        },
        "no",
        "The elements of 'sd_1' have different bounds [(0.0, None), (1.0, None)]; give all "
        "of them the same lb and ub.",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_priors_raise(case: str) -> None:
    changes, sample_prior, message = BAD[case]
    design = sleep_design("sleep_rs")
    with pytest.raises(ModelError, match=re.escape(message)):
        lower(
            design,
            gaussian(),
            _with(default_priors(design), **changes),
            sample_prior,
            marginalize=False,
        )


@pytest.mark.parametrize(
    "formula", ["Reaction ~ Days + I(Days^2)", "Reaction ~ Days * f + (1 | Subject)"]
)
def test_qr_coordinates_give_brms_density_at_b(formula: str) -> None:
    from brmsjax.backend.priors.resolve import resolve_priors
    from brmsjax.datasets import sleepstudy
    from brmsjax.formula.design.design import build_design

    frame = sleepstudy()
    frame["f"] = np.where(frame["Subject"].str[-1].astype(int) % 2 == 0, "even", "odd")
    design = build_design(formula, frame)
    pri = resolve_priors(design, gaussian(), [prior("normal(0, 20)", class_="b")])
    plain = lower(design, gaussian(), pri, reparam=False, marginalize=False)
    qr = lower(design, gaussian(), pri, reparam=True, centred=0, marginalize=False)
    assert [f.qr for f in qr.program.structure.fixed] == [True]
    assert not any(g.shear for g in qr.program.structure.groups)  # intercept-only groups
    u = np.random.default_rng(3).uniform(-1.5, 1.5, plain.program.dim)
    sites = {s.name: s for s in plain.sites}
    start = sum(s.size for s in plain.sites[: list(sites).index("b")])
    n_b = sites["b"].size
    u_qr = u.copy()
    u_qr[start : start + n_b] = qr.program.site_value("b", u[start : start + n_b], qr.data)
    with jax.enable_x64(True):
        p_plain = float(fast_jit(plain.program.potential)(u, *plain.model_args))
        p_qr = float(fast_jit(qr.program.potential)(u_qr, *qr.model_args))
        b = fast_jit(qr.program.constrain)(u_qr)["b"]
    assert p_qr == pytest.approx(p_plain, rel=1e-12)
    np.testing.assert_allclose(
        qr.data["qr_inv"][""] @ np.asarray(b), u[start : start + n_b], rtol=1e-10
    )
