"""update(): refit a model with a new formula, data or settings, as brms's ``update.brmsfit``.

The fit keeps the arguments of the :func:`~brmsjax.brm` call that made it (``fit.brm_args``);
``update`` starts from them and changes what it is given:

* ``formula`` is read with R's ``update.formula`` rules (``". ~ . + x"``, ``"~ . - x"``), the
  ``.`` standing for the old formula (:func:`brmsjax.formula.update.update_brms_formula`);
* ``newdata`` replaces the data (a formula that needs variables the old data lacks needs it);
* new priors are added to the old user priors, replacing those of the same parameter; old ones
  that no longer match a parameter are dropped (brms's ``allow_invalid_prior``);
* ``control`` settings are merged into the old ones; a new ``iter`` without ``warmup`` gets the
  default warmup ``iter // 2``; every other argument keeps its old value (the seed included).

:func:`~brmsjax.brm` builds a :class:`~brmsjax.fit.BrmsFit` and the fit binds :func:`update` as
its method, so this module cannot import ``brm()`` without an import cycle; ``brmsjax.api`` hands
``brm()`` down with :func:`use_brm` when it is imported (which importing brmsjax always does).

The refit reuses compiled code whenever the model's structure and data shapes are unchanged
(the backend caches the compiled program; see :func:`brmsjax.backend.model.lower.trace_count`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from brmsjax.core import FitLike
from brmsjax.formula.errors import BrmsjaxError, UnknownVariableError
from brmsjax.formula.terms.brmsterms import BrmsFormula

if TYPE_CHECKING:
    from brmsjax.backend.priors.user import Prior

__all__ = ["UpdateError", "update", "use_brm"]

_Fit = TypeVar("_Fit", bound=FitLike)
# The model-fitting function update() calls: brmsjax.api.brm, set by use_brm().
_BRM: dict[str, Callable[..., Any]] = {}

#: The brm() arguments update() accepts (besides formula and newdata).
BRM_ARGS = (
    "family", "prior", "chains", "iter", "warmup", "thin", "cores", "seed", "control", "init",
    "sample_prior", "float32", "progress", "data_name", "algorithm", "output_samples",
    "batch_size", "eta", "shard_rows", "file", "file_refit", "data2",
)  # fmt: skip
_PRIOR_KEYS = ("class_", "coef", "group", "resp", "dpar", "nlpar")


class UpdateError(BrmsjaxError, ValueError):
    """update() is called with arguments it cannot use, or on a fit it cannot refit."""


def use_brm(brm: Callable[..., Any]) -> None:
    """Set the function :func:`update` refits with (``brmsjax.api`` passes its ``brm``).

    The fit layer sits below ``brm()`` (which builds fits), so it receives ``brm()`` here
    instead of importing it.
    """
    _BRM["brm"] = brm


def _as_list(priors: Any) -> list[Prior]:
    from brmsjax.backend.priors.user import as_priors

    return list(as_priors(priors))


def _merge_priors(
    new: Any, old: Any, formula: Any, data: Any, family: Any, *, data2: Any = None
) -> list[Prior]:
    """New priors first, then the old ones for other parameters that the new model has."""
    from brmsjax.backend.families.registry import get_family
    from brmsjax.backend.priors.resolve import resolve_priors
    from brmsjax.formula.design.design import build_design

    fresh = _as_list(new)
    taken = {tuple(getattr(p, k) for k in _PRIOR_KEYS) for p in fresh}
    kept = [p for p in _as_list(old) if tuple(getattr(p, k) for k in _PRIOR_KEYS) not in taken]
    if not kept:
        return fresh
    fam = get_family(family)
    design = build_design(formula, data, family=fam, data2=data2)
    valid = []
    for p in kept:
        try:
            resolve_priors(design, fam, [p])
        except BrmsjaxError:
            continue
        valid.append(p)
    return fresh + valid


def update(
    fit: _Fit,
    formula: str | BrmsFormula | None = None,
    newdata: pd.DataFrame | Mapping[str, Any] | None = None,
    **brm_args: Any,
) -> _Fit:
    """Refit ``fit`` with a new formula, data or sampler settings (brms's ``update``).

    Parameters
    ----------
    fit
        A fit made by :func:`~brmsjax.brm`.
    formula
        An update of the formula with ``.`` for the old sides (``". ~ . + z"``), or a new
        formula; None keeps the old one.
    newdata
        Data replacing the fit's data.
    **brm_args
        Any other :func:`~brmsjax.brm` argument (``family``, ``prior``, ``chains``, ``iter``,
        ``warmup``, ``thin``, ``cores``, ``seed``, ``control``, ``init``, ``sample_prior``,
        ``float32``, ``progress``, ``data_name``, ``algorithm``, ``output_samples``,
        ``batch_size``, ``eta``, ``shard_rows``, ``file``, ``file_refit``, ``data2``); the rest
        keep their old values (``file`` is not kept: the new fit is saved only where it is given).

    Returns
    -------
    BrmsFit
        The new fit.

    Raises
    ------
    UpdateError
        For ``data=`` (use ``newdata``), unknown arguments, a fit without its ``brm()``
        arguments, or a formula with variables the old data lacks and no ``newdata``.
    """
    from brmsjax.formula.terms.update import update_brms_formula

    if "data" in brm_args:
        raise UpdateError("update() takes new data as 'newdata', not 'data'; pass newdata=.")
    unknown = [k for k in brm_args if k not in BRM_ARGS]
    if unknown:
        raise UpdateError(
            f"update() got unknown argument(s) {', '.join(unknown)}; it takes formula, newdata "
            f"and the brm() arguments {', '.join(BRM_ARGS)}."
        )
    old = dict(fit.brm_args)
    if "formula" not in old or fit.data is None:
        raise UpdateError(
            "This fit does not keep its brm() arguments and data, so it cannot be updated; "
            "fit the model again with brm()."
        )
    args = {k: v for k, v in old.items() if k in BRM_ARGS}
    args.update({k: v for k, v in brm_args.items() if k != "control"})
    args["control"] = {**(old.get("control") or {}), **(brm_args.get("control") or {})}
    if "iter" in brm_args and "warmup" not in brm_args:
        args["warmup"] = None
    if newdata is not None and "data_name" not in brm_args:
        args["data_name"] = "newdata"
    new_formula = (
        old["formula"] if formula is None else update_brms_formula(old["formula"], formula)
    )
    data = fit.data if newdata is None else newdata
    try:
        if old.get("prior") is not None:
            args["prior"] = _merge_priors(
                brm_args.get("prior"),
                old["prior"],
                new_formula,
                data,
                args["family"],
                data2=args.get("data2"),
            )
        return _BRM["brm"](new_formula, data, **args)
    except UnknownVariableError as err:
        if newdata is not None:
            raise
        raise UpdateError(
            f"{err.message} The fit's data lacks it: pass the data again with newdata=."
        ) from None
