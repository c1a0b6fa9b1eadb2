"""The lowered model's log density of ``car()`` per mixture component and per response equals
a numpy computation of brms's model block (its Stan code in ``tests/fixtures/car_multi``):
lprior, the likelihood with ``rcar_<s>[Jloc_<s>]`` in its predictor, and one CAR density per
structure (``sparse_car_lpdf``, or the ICAR/BYM2 terms), at a fixed parameter point."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.mv_api import mv_design_for, mv_priors
from tests.car_multi.car_multi_fixtures import CASES, case, data, data2, fixture, prior_of

N_LOC = 16


def _lowered(name: str):  # noqa: ANN202
    formula, family = CASES[name]
    if name.startswith("mv"):
        design, fam = mv_design_for(formula, data(), get_family(family), data2())
        priors = mv_priors(design, fam, None)
    else:
        fam = get_family(family)
        design = design_for(formula, data(), fam, data2())
        priors = resolve_priors(design, fam, None)
    return lower(design, fam, priors)


def _half_t(value: float, prior: tuple[float, float, float]) -> float:
    """brms's student_t_lpdf of a positive parameter minus its lccdf at 0."""
    df, loc, scale = prior
    return stats.t(df, loc, scale).logpdf(value) - stats.t(df, loc, scale).logsf(0.0)


def _sparse_car(phi: np.ndarray, alpha: float, sd: float, sdata: dict, s: str) -> float:
    """brms's sparse_car_lpdf (its Stan function) with R's eigenvalues and the dense W."""
    W = np.asarray(fixture()["W"])
    tau = 1 / sd**2
    eig = np.asarray(sdata[f"eigenMcar{s}"])
    quad = phi @ np.diag(W.sum(1)) @ phi - alpha * phi @ W @ phi
    return 0.5 * (len(phi) * np.log(tau) + np.sum(np.log1p(-alpha * eig)) - tau * quad)


def _icar(z: np.ndarray, sdata: dict, s: str) -> float:
    """brms's model-block ICAR terms: pairwise differences and a soft sum-to-zero."""
    e1 = np.asarray(sdata[f"edges1{s}"]) - 1
    e2 = np.asarray(sdata[f"edges2{s}"]) - 1
    return -0.5 * np.sum((z[e1] - z[e2]) ** 2) + stats.norm(0, 0.001 * len(z)).logpdf(z.sum())


def _point(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "phi1": rng.normal(0, 0.5, N_LOC),
        "phi2": rng.normal(0, 0.5, N_LOC),
        "b": np.array([0.4]),
        "b2": np.array([-0.2]),
    }


def _log_density(name: str, values: dict) -> float:
    lowered = _lowered(name)
    prog = lowered.program
    with jax.enable_x64(True):
        v = {k: jnp.asarray(x, dtype=jnp.float64) for k, x in values.items()}
        prior_args = prog.prepare(lowered.prior_args)
        return float(prog.log_density(v, lowered.data, prior_args))


@pytest.mark.parametrize("kind", ["escar", "icar"])
def test_mixture_log_density_equals_brms_model_block(kind: str) -> None:
    name = f"mix_{kind}"
    sd, rng = case(name)["standata"], np.random.default_rng(3)
    p = _point(rng)
    y, x = np.asarray(sd["Y"]), np.asarray(data()["x"])
    xc = x - x.mean()
    icpt, theta, sigma = np.array([1.2, 2.6]), np.array([0.35, 0.65]), (0.7, 1.1)
    sdcar, alpha = (0.8, 1.4), (0.3, 0.6)
    values = {
        "b_mu1": p["b"],
        "b_mu2": p["b2"],
        "ordered_Intercept": icpt,
        "theta": theta,
        "sigma1": sigma[0],
        "sigma2": sigma[1],
    }
    lprior, car_lp, mus = 0.0, 0.0, []
    for k, (phi, b) in enumerate([(p["phi1"], p["b"]), (p["phi2"], p["b2"])]):
        s = f"_mu{k + 1}"
        values[f"sdcar{s}"] = sdcar[k]
        if kind == "escar":
            values[f"car{s}"], values[f"rcar{s}"] = alpha[k], phi
            rcar = phi
            car_lp += _sparse_car(phi, alpha[k], sdcar[k], sd, s)
        else:  # icar: rcar = zcar sdcar
            values[f"zcar{s}"] = phi
            rcar = phi * sdcar[k]
            car_lp += _icar(phi, sd, s)
        mus.append(icpt[k] + xc * b[0] + rcar[np.asarray(sd[f"Jloc{s}"]) - 1])
        lprior += stats.t(*prior_of(name, "Intercept", dpar=f"mu{k + 1}")).logpdf(icpt[k])
        lprior += _half_t(sdcar[k], prior_of(name, "sdcar", dpar=f"mu{k + 1}"))
        lprior += _half_t(sigma[k], prior_of(name, f"sigma{k + 1}"))
    lprior += stats.dirichlet(np.asarray(sd["con_theta"], dtype=float)).logpdf(theta)
    ps = [np.log(theta[k]) + stats.norm(mus[k], sigma[k]).logpdf(y) for k in range(2)]
    want = lprior + logsumexp(np.stack(ps), axis=0).sum() + car_lp
    assert _log_density(name, values) == pytest.approx(want, rel=1e-10)


def test_multivariate_log_density_equals_brms_model_block() -> None:
    """mv_escar (rescor FALSE): one proper CAR per response; mv_bym2_one: BYM2 in y only."""
    frame, rng = data(), np.random.default_rng(5)
    p = _point(rng)
    xc = np.asarray(frame["x"]) - np.asarray(frame["x"]).mean()
    for name in ("mv_escar", "mv_bym2_one"):
        sd = case(name)["standata"]
        values: dict = {}
        want = 0.0
        for k, resp in enumerate(("y", "y2")):
            s, icpt, sigma, b = f"_{resp}", 1.0 + k, 0.9 - 0.2 * k, (p["b"], p["b2"])[k]
            values |= {f"Intercept{s}": icpt, f"b{s}": b, f"sigma{s}": sigma}
            mu = icpt + xc * b[0]
            want += stats.t(*prior_of(name, "Intercept", resp=resp)).logpdf(icpt)
            want += _half_t(sigma, prior_of(name, "sigma", resp=resp))
            phi = (p["phi1"], p["phi2"])[k]
            if name == "mv_escar":
                values |= {f"car{s}": 0.4 + 0.3 * k, f"sdcar{s}": 0.7 + k, f"rcar{s}": phi}
                want += _sparse_car(phi, 0.4 + 0.3 * k, 0.7 + k, sd, s)
                want += _half_t(0.7 + k, prior_of(name, "sdcar", resp=resp))
                mu = mu + phi[np.asarray(sd[f"Jloc{s}"]) - 1]
            elif resp == "y":  # bym2: rcar = (sqrt(1 - rho) nszcar + sqrt(rho / scale) zcar) sd
                rho, sdc, nsz = 0.3, 1.2, p["phi2"][::-1].copy()
                values |= {"rhocar_y": rho, "sdcar_y": sdc, "zcar_y": phi, "nszcar_y": nsz}
                scale = float(sd["car_scale_y"])
                rcar = (np.sqrt(1 - rho) * nsz + np.sqrt(rho / scale) * phi) * sdc
                mu = mu + rcar[np.asarray(sd["Jloc_y"]) - 1]
                want += _icar(phi, sd, s) + stats.norm.logpdf(nsz).sum()
                want += _half_t(sdc, prior_of(name, "sdcar", resp=resp))
                want += stats.beta(1, 1).logpdf(rho)
            want += stats.norm(mu, sigma).logpdf(np.asarray(sd[f"Y{s}"])).sum()
        assert _log_density(name, values) == pytest.approx(want, rel=1e-10), name
