"""A hand-written NumPyro model of brms's sleepstudy program, the benchmark's yardstick.

``Reaction ~ Days + (Days | Subject)`` written the way a NumPyro user would write brms's Stan
program (tests/fixtures/brms/sleep_rs.stan) by hand: centred ``Days`` with a separate
``Intercept``, non-centred correlated subject effects ``r = (diag(sd) L z)^T`` with
``z ~ N(0, 1)`` and ``L ~ LKJCholesky(1)``, half-``student_t(3, 0, 59.3)`` priors on ``sd`` and
``sigma``, ``Intercept ~ student_t(3, 288.7, 59.3)`` and a flat ``b``. The prior constants are
the ones brms computed for this data (``round(median(Reaction), 1)`` and
``max(2.5, round(mad(Reaction), 1))``). It is sampled with NumPyro's NUTS the obvious way:
``MCMC(NUTS(model), chain_method="parallel")`` over host devices, float64.

Import this module only after ``XLA_FLAGS`` asks for enough host devices (the benchmark's
worker processes do), since importing it imports JAX.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pandas as pd
from numpyro.distributions import constraints
from numpyro.infer import MCMC, NUTS
from numpyro.infer.util import log_density

__all__ = [
    "SleepData",
    "brms_draws",
    "joint_log_density",
    "load_sleepstudy",
    "make_mcmc",
    "model",
    "run",
]

CSV = Path(__file__).resolve().parents[1] / "brmsjax" / "data" / "sleepstudy.csv"
INTERCEPT_LOC = 288.7  # round(median(Reaction), 1), as in sleep_rs.stan
SCALE = 59.3  # max(2.5, round(mad(Reaction), 1))
COEFS = ("Intercept", "Days")


@dataclass(frozen=True)
class SleepData:
    """sleepstudy as the model's arrays.

    Attributes
    ----------
    y
        ``Reaction`` (N,).
    xc
        Centred ``Days`` as an (N, 1) design without intercept (brms's ``Xc``).
    means_x
        Column means removed from ``xc`` (brms's ``means_X``).
    subject
        0-based subject index per row (brms's ``J_1 - 1``); levels sorted as R sorts factors.
    z
        Group-level predictors (N, 2): a column of ones and ``Days`` (``Z_1_1``, ``Z_1_2``).
    levels
        Subject labels in index order.
    """

    y: np.ndarray
    xc: np.ndarray
    means_x: np.ndarray
    subject: np.ndarray
    z: np.ndarray
    levels: tuple[str, ...]

    @property
    def args(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        """Arguments of :func:`model`: ``(xc, subject, z, y, n_levels)``."""
        return self.xc, self.subject, self.z, self.y, len(self.levels)


def load_sleepstudy(path: Path | str = CSV) -> SleepData:
    """Read sleepstudy and build the model's arrays (the transformed data of sleep_rs.stan)."""
    frame = pd.read_csv(path)
    days = frame["Days"].to_numpy(dtype=float)
    levels = tuple(sorted(str(s) for s in frame["Subject"].unique()))
    index = {s: i for i, s in enumerate(levels)}
    subject = np.array([index[str(s)] for s in frame["Subject"]], dtype=np.int32)
    means = np.array([days.mean()])
    return SleepData(
        y=frame["Reaction"].to_numpy(dtype=float),
        xc=(days - means[0])[:, None],
        means_x=means,
        subject=subject,
        z=np.column_stack([np.ones_like(days), days]),
        levels=levels,
    )


def _half_t() -> dist.Distribution:
    """brms's half-t: ``student_t(3, 0, 59.3)`` truncated at zero."""
    return dist.TruncatedDistribution(dist.StudentT(3.0, 0.0, SCALE), low=0.0)


def model(xc: Any, subject: Any, z: Any, y: Any, n_levels: int) -> None:
    """brms's sleep_rs program as a NumPyro model.

    Parameters
    ----------
    xc
        Centred population-level design without intercept, (N, K - 1).
    subject
        0-based group index per row, (N,).
    z
        Group-level predictor columns, (N, M).
    y
        Response, (N,).
    n_levels
        Number of groups.
    """
    n_coef = z.shape[1]
    b = numpyro.sample("b", dist.ImproperUniform(constraints.real, (), (xc.shape[1],)))
    intercept = numpyro.sample("Intercept", dist.StudentT(3.0, INTERCEPT_LOC, SCALE))
    sigma = numpyro.sample("sigma", _half_t())
    sd = numpyro.sample("sd_1", _half_t().expand([n_coef]).to_event(1))
    z_1 = numpyro.sample("z_1", dist.Normal(0.0, 1.0).expand([n_coef, n_levels]).to_event(2))
    chol = numpyro.sample("L_1", dist.LKJCholesky(n_coef, 1.0))
    r = ((sd[:, None] * chol) @ z_1).T  # (n_levels, n_coef)
    mu = intercept + xc @ b + jnp.sum(r[subject] * z, axis=1)
    numpyro.sample("Y", dist.Normal(mu, sigma), obs=y)


def joint_log_density(values: dict[str, Any], data: SleepData) -> float:
    """Log density of :func:`model` at constrained parameter values (no Jacobian)."""
    with jax.enable_x64(True):
        lp, _ = log_density(model, data.args, {}, values)
        return float(lp)


def make_mcmc(
    chains: int, warmup: int, draws: int, *, adapt_delta: float = 0.8, max_treedepth: int = 10
) -> MCMC:
    """NUTS with brms's defaults, chains in parallel over host devices."""
    kernel = NUTS(model, target_accept_prob=adapt_delta, max_tree_depth=max_treedepth)
    method = "parallel" if jax.local_device_count() >= chains else "vectorized"
    return MCMC(
        kernel,
        num_warmup=warmup,
        num_samples=draws,
        num_chains=chains,
        chain_method=method,
        progress_bar=False,
    )


def brms_draws(samples: dict[str, np.ndarray], data: SleepData) -> dict[str, np.ndarray]:
    """brms's variables from the grouped draws, each ``(chains, draws)``.

    ``b_Intercept = Intercept - means_X . b`` and ``cor = (L L^T)[0, 1] = L[1, 0]`` as in
    the Stan program's generated quantities; ``r_Subject[level,coef]`` from ``(diag(sd) L z)^T``.
    """
    b = np.asarray(samples["b"])
    sd = np.asarray(samples["sd_1"])
    chol = np.asarray(samples["L_1"])
    r = np.einsum("cdk,cdkj,cdjl->cdlk", sd, chol, np.asarray(samples["z_1"]))
    out = {
        "b_Intercept": np.asarray(samples["Intercept"]) - b @ data.means_x,
        "b_Days": b[..., 0],
        "sd_Subject__Intercept": sd[..., 0],
        "sd_Subject__Days": sd[..., 1],
        "cor_Subject__Intercept__Days": chol[..., 1, 0],
        "sigma": np.asarray(samples["sigma"]),
    }
    for k, coef in enumerate(COEFS):
        for g, level in enumerate(data.levels):
            out[f"r_Subject[{level},{coef}]"] = r[..., g, k]
    return out


def run(mcmc: MCMC, data: SleepData, seed: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One fit: brms-named draws ``(chains, draws)`` and leapfrog steps per draw."""
    with jax.enable_x64(True):
        mcmc.run(jax.random.key(seed), *data.args, extra_fields=("num_steps",))
        samples = jax.device_get(mcmc.get_samples(group_by_chain=True))
        steps = np.asarray(mcmc.get_extra_fields(group_by_chain=True)["num_steps"])
    return brms_draws(samples, data), steps
