"""Model averaging weights and stored criteria: ``loo_model_weights``, ``model_weights`` and
``add_criterion``.

As loo 2.5.1 and brms 2.18. Stacking (Yao et al. 2018) maximizes
``sum_i log(sum_k w_k exp(elpd_loo_ik))`` over the simplex (loo runs ``constrOptim``; here BFGS
on a softmax parameterization reaches the same optimum). Pseudo-BMA normalizes
``exp(elpd_loo_k)``; with the Bayesian bootstrap (``BB=True``) it averages that over ``BB_n``
Dirichlet(1) reweightings of the observations, ``z_k = N * sum_i u_i elpd_loo_ik``. brms's
``model_weights(weights = "loo" | "waic")`` is ``exp(-(ic_k - min ic) / 2)`` normalized.
``add_criterion`` stores criteria in ``fit.criteria`` (brms's ``fit$criteria``); ``fit.loo()``,
``fit.waic()`` and ``loo_compare`` then reuse them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp, softmax

from brmsjax.methods.comparison import ComparisonError, Loo, _caller_names

__all__ = ["add_criterion", "loo_model_weights", "model_weights", "pseudobma_bb", "stacking"]

_CRITERIA = ("loo", "waic", "kfold", "bayes_R2", "loo_R2")
_BRMS_ONLY = ("loo_subsample", "marglik")


def stacking(lpd: np.ndarray) -> np.ndarray:
    """Stacking weights of an ``N x K`` matrix of pointwise elpd (loo's ``stacking_weights``)."""
    k = lpd.shape[1]

    def objective(z: np.ndarray) -> tuple[float, np.ndarray]:
        w = softmax(np.append(z, 0.0))
        logp = logsumexp(lpd + np.log(np.maximum(w, 1e-300)), axis=1)
        share = np.exp(lpd - logp[:, None]) * w  # posterior share of model k at point i
        grad = -(share.sum(axis=0) - lpd.shape[0] * w)
        return -float(logp.sum()), grad[:-1]

    from scipy.optimize import minimize  # on first use: scipy.optimize loads slowly

    res = minimize(objective, np.zeros(k - 1), jac=True, method="BFGS", options={"gtol": 1e-10})
    return np.asarray(softmax(np.append(res.x, 0.0)))


def pseudobma_bb(lpd: np.ndarray, dirichlet: np.ndarray) -> np.ndarray:
    """Pseudo-BMA+ weights from given Bayesian bootstrap weights (``BB_n x N``, rows sum to 1)."""
    z = dirichlet @ lpd * lpd.shape[0]
    return np.asarray(softmax(z, axis=1).mean(axis=0))


def _results(objs: Sequence[Any], names: list[str], criterion: str) -> list[Loo]:
    out: list[Loo] = []
    for name, obj in zip(names, objs, strict=True):
        if isinstance(obj, Loo):
            out.append(obj)
        elif hasattr(obj, "loo"):
            out.append(obj.loo() if criterion == "loo" else obj.waic())
        else:
            raise ComparisonError(
                f"'{name}' is a {type(obj).__name__}, not a fit or a loo result; pass fits."
            )
    if len(out) < 2:
        raise ComparisonError("At least two models are required for model weights.")
    if len({r.dims[1] for r in out}) > 1:
        raise ComparisonError(
            "The models have different numbers of observations; weight models fitted to the "
            "same data."
        )
    return out


def _weights(
    objs: Sequence[Any],
    names: list[str],
    method: str,
    *,
    BB: bool,
    BB_n: int,
    seed: int | None,
) -> pd.Series:
    if method not in ("stacking", "pseudobma", "loo", "waic"):
        raise ComparisonError(
            f"weights must be 'stacking', 'pseudobma', 'loo' or 'waic', not {method!r}."
        )
    results = _results(objs, names, "waic" if method == "waic" else "loo")
    lpd = np.column_stack([r.pointwise["elpd"].to_numpy() for r in results])
    if method == "stacking":
        w = stacking(lpd)
    elif method in ("loo", "waic") or not BB:
        w = softmax(lpd.sum(axis=0))
    else:
        if int(BB_n) < 1:
            raise ComparisonError(f"BB_n must be a positive number of draws, not {BB_n!r}.")
        rng = np.random.default_rng(seed)
        w = pseudobma_bb(lpd, rng.dirichlet(np.ones(lpd.shape[0]), size=int(BB_n)))
    return pd.Series(w / w.sum(), index=names)


def loo_model_weights(
    *fits: Any,
    method: str = "stacking",
    BB: bool = True,
    BB_n: int = 1000,
    seed: int | None = None,
    **named: Any,
) -> pd.Series:
    """Stacking or pseudo-BMA weights as loo's ``loo_model_weights``.

    Parameters
    ----------
    *fits
        Fits or their :class:`Loo` results, named by the caller's variable names.
    method
        ``"stacking"`` or ``"pseudobma"``.
    BB, BB_n
        Pseudo-BMA+ with ``BB_n`` Bayesian bootstrap draws (``BB=False``: plain
        ``exp(elpd_loo)`` normalized).
    seed
        Seed of the Dirichlet draws (loo uses R's RNG, so BB weights agree with loo in
        distribution, not draw for draw).
    **named
        Fits or results named by keyword.

    Returns
    -------
    pandas.Series
        One weight per model, summing to 1.
    """
    if method not in ("stacking", "pseudobma"):
        raise ComparisonError(f"method must be 'stacking' or 'pseudobma', not {method!r}.")
    names = [*_caller_names(fits, 2), *named]
    return _weights([*fits, *named.values()], names, method, BB=BB, BB_n=BB_n, seed=seed)


def model_weights(
    *fits: Any,
    weights: str = "stacking",
    BB: bool = True,
    BB_n: int = 1000,
    seed: int | None = None,
    **named: Any,
) -> pd.Series:
    """Model weights as brms's ``model_weights``.

    ``weights`` is ``"stacking"`` or ``"pseudobma"`` (:func:`loo_model_weights`), or ``"loo"``
    or ``"waic"`` (``exp(elpd)`` normalized, brms's ``exp(-delta ic / 2)``).
    """
    names = [*_caller_names(fits, 2), *named]
    return _weights([*fits, *named.values()], names, weights, BB=BB, BB_n=BB_n, seed=seed)


def add_criterion(
    fit: Any,
    criterion: str | Sequence[str],
    overwrite: bool = False,
    file: str | None = None,
    force_save: bool = False,
    **kwargs: Any,
) -> Any:
    """Compute criteria and store them on the fit, as brms's ``add_criterion``.

    Parameters
    ----------
    criterion
        One or several of ``"loo"``, ``"waic"``, ``"kfold"``, ``"bayes_R2"``, ``"loo_R2"``.
    overwrite
        Recompute criteria already stored (brms keeps them otherwise).
    file
        Save the fit with its criteria there (``.nc`` is added unless the name ends in
        ``.nc`` or ``.pkl``); by default the file of ``brm(file=)``, as brms. The fit is saved
        only when criteria were added, or with ``force_save``.
    force_save
        Save even if no criterion was added.
    **kwargs
        Passed to each criterion's method (e.g. ``r_eff`` for ``loo``).

    Returns
    -------
    BrmsFit
        The same fit, with ``fit.criteria[name]`` set.
    """
    names = [criterion] if isinstance(criterion, str) else list(criterion)
    for name in names:
        if name in _BRMS_ONLY:
            raise ComparisonError(
                f"Criterion '{name}' is not supported yet; use one of {list(_CRITERIA)}."
            )
        if name not in _CRITERIA:
            raise ComparisonError(
                f"Argument 'criterion' should be a subset of {list(_CRITERIA)}, not {name!r}."
            )
    if getattr(fit, "criteria", None) is None:
        fit.criteria = {}
    added = False
    for name in names:
        if overwrite or name not in fit.criteria:
            fit.criteria.pop(name, None)  # so loo/waic recompute rather than reuse
            fit.criteria[name] = getattr(fit, name)(**kwargs)
            added = True
    target = file if file is not None else getattr(fit, "file", None)
    if target is not None and (added or force_save):
        path = Path(target)
        fit.save(path if path.suffix.lower() in (".nc", ".pkl") else Path(f"{path}.nc"))
    return fit
