"""brms's reserved variable ``Intercept``: ``y ~ 0 + Intercept + x``.

In a formula without R's intercept (``0 +`` or ``- 1``), brms reads the variable ``Intercept``
(or the deprecated ``intercept``) as a column of ones: an ordinary population-level coefficient
``b_Intercept`` (class ``b``, coef ``Intercept``), not centred and without the temporary
``Intercept`` parameter. brms 2.18 does it in two steps that this module mirrors:

- ``terms_fe`` marks a parameter's population-level formula as having a reserved intercept
  (``has_rsv_intercept``: no intercept, and ``Intercept`` or ``intercept`` among R's
  ``all.vars`` of its terms): :func:`has_reserved_intercept`;
- ``data_rsv_intercept`` then adds the columns ``intercept`` and ``Intercept``, both ones, to
  the data, after refusing a data column of that name with other values:
  :func:`with_reserved_intercept`, used for the fitting data and for new data alike.

The same coding serves ``bf(cmc = FALSE)`` (:func:`coded_with_intercept`); :func:`with_options`
applies the main formula's other options (``center = FALSE``, ``decomp = "QR"``, see
:mod:`..terms.options`) to its population-level blocks.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

from ..errors import DesignError
from ..evaluate.variables import variable_names
from ..terms.brmsterms import BrmsTerms, DparTerms
from ..terms.options import FormulaOptions
from ..terms.terms import TermList
from ..warn import user_stacklevel
from .ir import FixedBlock

__all__ = [
    "RESERVED_INTERCEPTS",
    "coded_with_intercept",
    "has_reserved_intercept",
    "is_main",
    "with_options",
    "with_reserved_intercept",
]

#: The variable names brms reserves for the intercept column, as ``data_rsv_intercept``.
RESERVED_INTERCEPTS = ("intercept", "Intercept")


def has_reserved_intercept(terms: TermList) -> bool:
    """brms's ``has_rsv_intercept``: no intercept, and ``Intercept`` used by a fixed term."""
    if terms.intercept:
        return False
    used = {name for node in terms.variables() for name in variable_names(node)}
    return any(name in used for name in RESERVED_INTERCEPTS)


def coded_with_intercept(terms: TermList, *, cmc: bool = True) -> bool:
    """Whether brms codes the terms' factors as if the formula had an intercept.

    brms's ``validate_terms``: with a reserved intercept, or without an intercept and with
    ``cmc = FALSE`` (no cell-mean coding), ``model.matrix`` runs with R's intercept, whose
    column ``(Intercept)`` is then dropped. A factor is then coded by contrasts
    (``0 + Intercept + f`` has ``fb``, ``fc`` but not ``fa``), not by R's full dummies.
    """
    return not terms.intercept and (not cmc or has_reserved_intercept(terms))


def with_reserved_intercept(frame: pd.DataFrame, bt: BrmsTerms) -> pd.DataFrame:
    """``frame`` with the columns ``intercept`` and ``Intercept`` set to one, where brms adds
    them (a parameter's formula has a reserved intercept); else ``frame`` itself.

    Raises
    ------
    DesignError
        With brms's message, when the data have an ``Intercept`` (or ``intercept``) column
        whose values are not all one.
    """
    dpars = [dp for dp in bt.dpars if has_reserved_intercept(dp.fixed)]
    if not dpars:
        return frame
    if any("intercept" in variable_names(node) for dp in dpars for node in dp.fixed.variables()):
        warnings.warn(
            "Reserved variable name 'intercept' is deprecated. Please use 'Intercept' instead.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    for name in RESERVED_INTERCEPTS:
        if name in frame.columns:
            values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
            if not np.all(values == 1):
                raise DesignError(
                    f"Variable name '{name}' is reserved in models without a population-level "
                    f"intercept; rename the data column '{name}' (brms adds it as a column of "
                    "ones for '0 + Intercept')."
                )
    return frame.assign(**{name: np.ones(len(frame)) for name in RESERVED_INTERCEPTS})


def is_main(dp: DparTerms) -> bool:
    """Whether ``dp`` is the main formula's (``mu``, or a category's ``mu2`` in a categorical
    model), to which brms applies ``bf()``'s options."""
    return dp.dpar == "" or dp.dpar.startswith("mu")


def with_options(block: FixedBlock, options: FormulaOptions | None) -> FixedBlock:
    """``block`` as the main formula's options make it: ``center = FALSE`` turns the centred
    intercept into the uncentred ``b_Intercept`` (its X column stays), ``decomp = "QR"`` marks
    the block for sampling and priors on the QR scale."""
    if options is None:
        return block
    if not options.center:
        block = replace(block, intercept=False, center=False)
    if options.decomp == "QR":
        block = replace(block, qr=True)
    return block
