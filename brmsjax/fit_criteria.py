"""Criteria stored by ``add_criterion`` in fit files, as brms keeps ``fit$criteria`` in its
``.rds`` file.

A pickle stores ``fit.criteria`` as it is. A netCDF fit file holds only data, so each criterion
is written as JSON text inside the file's spec and rebuilt on loading: a loo, waic or kfold
result (:class:`~brmsjax.methods.comparison.Loo`,
:class:`~brmsjax.methods.validation.kfold.Kfold`: its estimates, pointwise table and
dimensions; a kfold's refits are not kept), a summary table (``bayes_R2``, ``loo_R2``) or an
array of draws (``summary=False``). Anything else is refused with a message naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.core import FitFileError
from brmsjax.methods.comparison import Loo
from brmsjax.methods.validation.kfold import Kfold

__all__ = ["decode_criteria", "encode_criteria"]


def _frame(table: pd.DataFrame) -> dict[str, Any]:
    return {
        "index": [str(i) for i in table.index],
        "columns": {str(c): table[c].tolist() for c in table.columns},
    }


def _frame_from(spec: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(dict(spec["columns"]), index=list(spec["index"]))


def _encode(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, Loo):
        out: dict[str, Any] = {
            "type": "kfold" if isinstance(value, Kfold) else "loo",
            "criterion": value.criterion,
            "estimates": _frame(value.estimates),
            "pointwise": _frame(value.pointwise.reset_index(drop=True)),
            "dims": list(value.dims),
        }
        if isinstance(value, Kfold):
            out["K"] = value.K
        return out
    if isinstance(value, pd.DataFrame):
        return {"type": "frame", "frame": _frame(value)}
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        return {"type": "array", "values": value.ravel().tolist(), "shape": list(value.shape)}
    raise FitFileError(
        f"The criterion '{name}' ({type(value).__name__}) cannot be stored in a netCDF fit "
        "file; save the fit as a pickle, or remove it from fit.criteria."
    )


def encode_criteria(criteria: Mapping[str, Any]) -> dict[str, Any]:
    """``fit.criteria`` as JSON-ready values (see the module docstring)."""
    return {str(name): _encode(str(name), value) for name, value in criteria.items()}


def _decode(spec: Mapping[str, Any]) -> Any:
    kind = spec["type"]
    if kind in ("loo", "kfold"):
        estimates = _frame_from(spec["estimates"])
        pointwise = _frame_from(spec["pointwise"]).reset_index(drop=True)
        dims = (int(spec["dims"][0]), int(spec["dims"][1]))
        if kind == "kfold":
            pointwise["fold"] = pointwise["fold"].astype(int)
            return Kfold(spec["criterion"], estimates, pointwise, dims, K=int(spec["K"]))
        return Loo(spec["criterion"], estimates, pointwise, dims)
    if kind == "frame":
        return _frame_from(spec["frame"])
    return np.asarray(spec["values"], dtype=np.float64).reshape(spec["shape"])


def decode_criteria(spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """The criteria that :func:`encode_criteria` wrote (an empty dict for older files)."""
    return {name: _decode(value) for name, value in (spec or {}).items()}
