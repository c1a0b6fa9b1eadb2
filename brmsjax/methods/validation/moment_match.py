"""brms's ``loo_moment_match``: PSIS-LOO improved by moment matching (loo 2.5's algorithm).

For each observation whose Pareto k exceeds ``k_threshold``, the posterior draws on the
sampler's unconstrained coordinates are moved by affine maps that match the moments of the
leave-one-out posterior as the importance weights estimate them (Paananen et al. 2021,
"Implicitly adaptive importance sampling"): first the mean (``shift``), then the mean and the
marginal variances (``scale``), then the mean and the covariance (``cov``, when there are at
least ten draws per coordinate). A map is kept when the Pareto k of the new weights
``log p(T u) - log_lik_i(T u) - log p(u)`` is lower; the loop starts again from ``shift`` and
stops when k is below the threshold, no map helps, or after ``max_iters`` maps. With
``split = True`` (loo's default) half of the draws are mapped by the total transformation
and half by its inverse, and the two halves are combined by multiple importance sampling.
The observation's ``elpd`` is ``log sum exp(lw + log_lik_i)``, ``p`` the lpd at the final draws
minus it (as loo), ``n_eff`` loo's minimum over the observation's and the full posterior's
weights, and its Pareto k becomes the one of the last kept map.

The unconstrained draws are rebuilt from the fit's draws (brms's names) by inverting the
constraining transforms of the program's sites, and checked: minus the program's potential
at them must give the draws' ``lp__`` and its pointwise log likelihood must give
``log_lik(fit)``. Group-level terms' coordinates come from ``r_k``, ``sd_k`` and ``cor_k``
(:mod:`~brmsjax.methods.validation.moment_match_groups`). Models where the check fails or
whose coordinates are not saved (smooths, QR, gaussian models whose group-level effects the
``marginal`` form integrates out) are refused with a message naming ``reloo()``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from scipy.special import logsumexp

from brmsjax.core import FitLike
from brmsjax.methods.comparison import (
    ComparisonError,
    Loo,
    _estimates,
    psis_smooth,
    relative_eff,
)
from brmsjax.methods.comparison import loo as psis_loo_of
from brmsjax.methods.predictions import log_lik
from brmsjax.methods.validation.moment_match_groups import group_values, unconstrain_draws

__all__ = ["loo_moment_match"]

_REFUSE = "Use fit.reloo() instead (exact refits for the observations with high Pareto k)."


def _refuse(reason: str) -> ComparisonError:
    return ComparisonError(f"loo_moment_match(): {reason} {_REFUSE}")


def _site_draws(fit: FitLike, lowered: Any) -> dict[str, np.ndarray]:
    """Each sampled site's constrained value per draw, rebuilt from the draws' columns."""
    from brmsjax.backend.infer.draws import _columns

    by_key: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    for name, key, index in _columns(lowered.names):
        by_key.setdefault(key, []).append((name, index))
    prog = lowered.program
    fixed = {fp.dpar: fp for fp in prog.structure.fixed}
    out: dict[str, np.ndarray] = {}
    S = fit.ndraws

    def gather(key: str, shape: tuple[int, ...]) -> np.ndarray:
        cols = by_key.get(key)
        if not cols or len(cols) != int(np.prod(shape, dtype=int)):
            raise _refuse(f"the sampled parameter '{key}' is not among the saved draws.")
        values = fit.store.matrix([c for c, _ in cols])
        arr = np.empty((S, len(cols)))
        for j, (_, index) in enumerate(cols):
            arr[:, int(np.ravel_multi_index(index, shape)) if index else 0] = values[:, j]
        return arr.reshape(S, *shape)

    group_sites = {f"{c}_{g.id}" for g in prog.structure.groups for c in ("z", "L", "sd", "C")}
    for s in prog.sites:
        if s.name in group_sites:  # from r_k, sd_k and cor_k below
            continue
        dpar = s.name[len("Intercept_") :] if s.name.startswith("Intercept_") else ""
        if s.name == "Intercept" or (dpar and dpar in fixed):
            fp = fixed[dpar]
            if fp.thresholds or getattr(fp, "qr", False):
                raise _refuse("ordinal thresholds and QR coordinates are not rebuilt.")
            sfx = f"_{dpar}" if dpar else ""
            icpt = gather(f"b{sfx}_Intercept", ())
            if fp.center and fp.n_b:
                b = gather(f"b{sfx}", (fp.n_b,))
                icpt = icpt + b @ np.asarray(lowered.data["means_X"][dpar])
            out[s.name] = icpt.reshape(S, *s.shape)
        else:
            out[s.name] = gather(s.name, s.shape)
    if prog.structure.groups:
        out.update(group_values(prog.structure, gather, S))
    return out


class _Target:
    """The jitted log density and pointwise log likelihood of a fit on its coordinates."""

    def __init__(self, fit: FitLike) -> None:
        import jax

        lowered = getattr(fit, "model", None)
        if lowered is None:
            raise _refuse("the fit holds no lowered model (a loaded fit); refit it first.")
        prog = lowered.program
        # the glm form samples every parameter and its density is the plain form's, exactly
        if prog.structure.likelihood not in ("plain", "glm"):
            raise _refuse(
                "moment matching needs every parameter as a coordinate of the plain "
                f"likelihood; the '{prog.structure.likelihood}' form (gaussian models with "
                "group-level effects integrated out, or large data) is not supported."
            )
        data, prior_args = lowered.model_args
        self.prog, self.data, self.prior_args = prog, data, prior_args
        with jax.enable_x64(True):
            self._lp = jax.jit(jax.vmap(lambda u: -prog.potential(u, data, prior_args)))
            self._ll = jax.jit(jax.vmap(self._pointwise))
        values = _site_draws(fit, lowered)
        if prog.structure.groups:
            self.upars = unconstrain_draws(lowered, values, fit.ndraws)
        else:
            self.upars = self._unconstrain(values)
        lp = self.log_prob(self.upars)
        lp_saved = fit.store.matrix(["lp__"])[:, 0]
        if not np.allclose(lp, lp_saved, rtol=1e-5, atol=1e-3):  # float32 fits: lp__ in float32
            raise _refuse("the model's coordinates cannot be rebuilt from the saved draws.")

    def _pointwise(self, u: Any) -> Any:
        params = self.prog.assemble(self.prog.constrain(u), self.prior_args, self.data)
        ll = self.prog.pointwise(params, self.data)
        weights = self.data["addition"].get("weights")
        return ll if weights is None else ll * weights

    def _unconstrain(self, values: dict[str, np.ndarray]) -> np.ndarray:
        import jax
        import jax.numpy as jnp
        from numpyro.distributions.transforms import biject_to

        parts = []
        with jax.enable_x64(True):
            for s in self.prog.sites:
                inv = biject_to(s.constraint).inv(jnp.asarray(values[s.name]))
                parts.append(np.asarray(inv, dtype=np.float64).reshape(len(inv), -1))
        return np.concatenate(parts, axis=1)

    def log_prob(self, upars: np.ndarray) -> np.ndarray:
        """Log density on the unconstrained space (Jacobians included) per draw."""
        import jax

        with jax.enable_x64(True):
            return np.asarray(self._lp(upars), dtype=np.float64)

    def log_lik(self, upars: np.ndarray) -> np.ndarray:
        """Pointwise log likelihood ``(draws, observations)``."""
        import jax

        with jax.enable_x64(True):
            return np.asarray(self._ll(upars), dtype=np.float64)


def _psis(log_ratio: np.ndarray, r_eff: float) -> tuple[np.ndarray, float]:
    """loo's ``importance_sampling(log_ratios, "psis")``: normalized log weights and k."""
    lw, k = psis_smooth(-log_ratio[:, None], r_eff)
    return lw[0], float(k[0])


def _shift(upars: np.ndarray, lw: np.ndarray) -> dict[str, Any]:
    shift = np.exp(lw) @ upars - upars.mean(axis=0)
    return {"upars": upars + shift, "shift": shift}


def _shift_and_scale(upars: np.ndarray, lw: np.ndarray) -> dict[str, Any]:
    S = len(upars)
    mean, w = upars.mean(axis=0), np.exp(lw)
    wmean = w @ upars
    var_w = (w @ upars**2 - wmean**2) * S / (S - 1)
    scaling = np.sqrt(var_w / upars.var(axis=0, ddof=1))
    return {
        "upars": (upars - mean) * scaling + wmean,
        "shift": wmean - mean,
        "scaling": scaling,
    }


def _shift_and_cov(upars: np.ndarray, lw: np.ndarray) -> dict[str, Any]:
    mean, w = upars.mean(axis=0), np.exp(lw)
    wmean = w @ upars
    cov = np.cov(upars, rowvar=False)
    d = upars - wmean
    wcov = (d * w[:, None]).T @ d / (1 - np.sum(w**2))  # R's cov.wt (unbiased)
    try:
        chol1 = np.linalg.cholesky(wcov)
        mapping = chol1 @ np.linalg.inv(np.linalg.cholesky(cov))
    except np.linalg.LinAlgError:
        mapping = np.eye(upars.shape[1])
    return {
        "upars": (upars - mean) @ mapping.T + wmean,
        "shift": wmean - mean,
        "mapping": mapping,
    }


def _mcse_elpd(lw: np.ndarray, ll: np.ndarray, r_eff: float) -> float:
    """loo's ``mcse_elpd`` of one observation."""
    from scipy.stats import norm

    w2 = np.exp(2 * lw)
    epd = float(np.exp(logsumexp(lw + ll)))
    sd = float(np.sqrt(np.sum(w2 * (np.exp(ll) - epd) ** 2)))
    zn = norm.ppf((np.arange(1, 1001) - 3 / 8) / (1000 - 2 * 3 / 8 + 1))
    z = epd + sd * zn
    with np.errstate(invalid="ignore", divide="ignore"):
        var = float(np.var(np.log(z[z > 0]), ddof=1))
    return float(np.sqrt(var / r_eff))


def _split(
    target: _Target,
    upars: np.ndarray,
    i: int,
    total: dict[str, np.ndarray],
    r_eff: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """loo's ``loo_moment_match_split``: half the draws mapped forwards, half backwards.

    Returns the log weights of the observation and of the full posterior, the observation's
    log likelihood at the mixed draws and the relative efficiency.
    """
    S = len(upars)
    half = S // 2
    mean = upars.mean(axis=0)
    shift, scaling, mapping = total["shift"], total["scaling"], total["mapping"]
    fwd = ((upars - mean) * scaling) @ mapping.T + shift + mean
    inv = ((upars - mean) @ np.linalg.inv(mapping).T) / scaling + mean - shift
    trans_half = upars.copy()
    trans_half[:half] = fwd[:half]
    trans_half_inv = upars.copy()
    trans_half_inv[half:] = inv[half:]
    lp_trans = target.log_prob(trans_half)
    lp_inv = target.log_prob(trans_half_inv)
    lp_inv = lp_inv - np.sum(np.log(scaling)) - np.log(np.linalg.det(mapping))
    ll = target.log_lik(trans_half)[:, i]
    # loo's r_eff of the two halves (loo 2.5 takes the second half twice; both are used here)
    r_eff = min(relative_eff(ll[:half, None], 1)[0], relative_eff(ll[half:, None], 1)[0])
    lr = -ll + lp_trans - np.logaddexp(lp_trans, lp_inv)
    lw, _ = _psis(lr, r_eff)
    lwf, _ = _psis(lw + ll, r_eff)
    return lw, lwf, ll, float(r_eff)


def _match_one(
    target: _Target,
    i: int,
    k: float,
    threshold: float,
    *,
    max_iters: int,
    split: bool,
    cov: bool,
    nchains: int,
    orig_lp: np.ndarray,
    orig_ll: np.ndarray,
) -> tuple[float, float, float, float, float]:
    """elpd, p, Pareto k, mcse and n_eff of observation ``i`` after moment matching."""
    upars0 = target.upars
    upars = upars0
    S, D = upars.shape
    ll = orig_ll[:, i]
    r_eff = float(relative_eff(ll[:, None], nchains)[0])
    lw, _ = _psis(-ll, r_eff)
    lwf = np.full(S, -np.log(S))
    total = {"shift": np.zeros(D), "scaling": np.ones(D), "mapping": np.eye(D)}
    moves = [_shift, _shift_and_scale]
    if cov and S >= 10 * D:
        moves.append(_shift_and_cov)
    it = 1
    while it <= max_iters and k > threshold:
        for move in moves:
            trans = move(upars, lw)
            ll_new = target.log_lik(trans["upars"])[:, i]
            lr_full = target.log_prob(trans["upars"]) - orig_lp
            lw_new, k_new = _psis(lr_full - ll_new, r_eff)
            if k_new < k:
                upars, lw, k, ll = trans["upars"], lw_new, k_new, ll_new
                lwf = _psis(lr_full, r_eff)[0]
                total["shift"] = total["shift"] + trans["shift"]
                if "scaling" in trans:
                    total["scaling"] = total["scaling"] * trans["scaling"]
                if "mapping" in trans:
                    total["mapping"] = trans["mapping"] @ total["mapping"]
                it += 1
                break
        else:
            break
    if split and it > 1:
        lw, lwf, ll, r_eff = _split(target, upars0, i, total, r_eff)
    else:
        r_eff = float(relative_eff(ll[:, None], nchains)[0])
    elpd = float(logsumexp(lw + ll))
    mcse = _mcse_elpd(lw, ll, r_eff)
    n_eff = min(1 / np.sum(np.exp(2 * lw)), 1 / np.sum(np.exp(2 * lwf))) * r_eff
    lpd = float(logsumexp(ll) - np.log(S))  # loo: at the final draws of the observation
    return elpd, lpd - elpd, k, mcse, float(n_eff)


def loo_moment_match(
    fit: FitLike,
    loo: Loo | None = None,
    k_threshold: float = 0.7,
    *,
    newdata: Any = None,
    resp: str | None = None,
    check: bool = True,
    max_iters: int = 30,
    split: bool = True,
    cov: bool = True,
) -> Loo:
    """PSIS-LOO with moment matching for the observations with high Pareto k (brms's
    ``loo_moment_match``, loo 2.5's ``loo_moment_match.default``).

    Parameters
    ----------
    loo
        A ``fit.loo()`` result of this fit (default: ``fit.loo()``).
    k_threshold
        Observations whose Pareto k exceeds this are moment matched (brms's 0.7).
    newdata
        Not supported (brms computes moment matching on the fitted data only too when it is
        None); any value other than None is refused.
    resp
        Multivariate models are not supported; must be None.
    check
        brms checks that the fit's model can evaluate ``log_prob``; here the rebuilt
        coordinates are always checked against the draws' ``lp__`` and log likelihood.
    max_iters, split, cov
        loo's arguments: most maps per observation (30), whether to combine the mapped and
        inversely mapped halves of the draws (True), whether to try the covariance map
        (True; used when there are at least ten draws per coordinate).

    Returns
    -------
    Loo
        The loo result with the matched observations' ``elpd``, ``p``, ``mcse_elpd``,
        ``pareto_k`` and ``n_eff`` replaced and the estimates summed again.
    """
    del check
    if newdata is not None:
        raise _refuse("newdata is not supported; moment matching uses the fitted data.")
    if resp is not None:
        raise _refuse("multivariate models (resp) are not supported.")
    if isinstance(k_threshold, bool) or not isinstance(k_threshold, (int, float)):
        raise ComparisonError(
            f"loo_moment_match: k_threshold must be a number, not {k_threshold!r}."
        )
    result = psis_loo_of(fit) if loo is None else loo
    if not isinstance(result, Loo) or result.criterion != "loo":
        raise ComparisonError("loo_moment_match: loo must be a loo() result of this fit.")
    orig_ll = log_lik(fit)
    if result.dims != orig_ll.shape:
        raise ComparisonError(
            f"loo_moment_match: loo has {result.dims[1]} observations, the fit "
            f"{orig_ll.shape[1]}; pass the loo() result of this fit."
        )
    obs = np.flatnonzero(result.pareto_k > k_threshold)
    if obs.size == 0:
        return result
    target = _Target(fit)
    if not np.allclose(target.log_lik(target.upars), orig_ll, rtol=1e-6, atol=1e-6):
        raise _refuse("the model's log likelihood cannot be evaluated on its coordinates.")
    orig_lp = target.log_prob(target.upars)
    pointwise = result.pointwise.copy()
    for i in obs:
        elpd, p, k, mcse, n_eff = _match_one(
            target,
            int(i),
            float(result.pareto_k[i]),
            float(k_threshold),
            max_iters=max_iters,
            split=split,
            cov=cov,
            nchains=fit.nchains,
            orig_lp=orig_lp,
            orig_ll=orig_ll,
        )
        pointwise.loc[i, ["elpd", "p", "mcse_elpd", "pareto_k", "n_eff"]] = [
            elpd,
            p,
            mcse,
            k,
            n_eff,
        ]
    elpd_i, p_i = pointwise["elpd"].to_numpy(), pointwise["p"].to_numpy()
    return replace(result, estimates=_estimates("loo", elpd_i, p_i), pointwise=pointwise)
