"""The design data of category-specific group-level terms ``(cs(1) | g)`` of ordinal models.

brms 2.18 (``tidy_ranef`` in R/formula-re.R, ``stan_cs`` in R/stan-predictor.R) gives each
coefficient of such a term one varying effect per threshold: with ``nthres`` thresholds the
coefficients ``c`` of the term's formula become ``c[1], ..., c[nthres]`` in that order
(``Intercept[1]``, ``Intercept[2]``, ..., ``x[1]``, ...), each with its own copy of the
coefficient's ``Z`` column (``Z_1_1 = Z_1_2 = ...``), its own ``sd`` and, with ``|``,
correlations among all of them. Effect ``c[k]`` of a row's level is added to the row's
category-specific predictor ``mucs[n, k]``, which is subtracted from threshold ``k``
(``Intercept - mucs[n]``), as the population-level ``cs()`` effects are.

The draws keep brms's names, ``r_g[a,Intercept[1]]``, ``sd_g__Intercept[1]`` and
``cor_g__Intercept[1]__Intercept[2]``.

:class:`CsGroupBlock` is a group block with such coefficients (a shared ID ``|p|`` may hold
ordinary ones beside them); :func:`cs_thresholds` gives any block's threshold per coefficient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..ir import GroupBlock

__all__ = ["CsGroupBlock", "cs_columns", "cs_repeat", "cs_thresholds"]


@dataclass(frozen=True)
class CsGroupBlock(GroupBlock):
    """A group block with category-specific coefficients (see the module docstring).

    Attributes
    ----------
    cs
        Per coefficient, the 1-based threshold whose predictor its effect enters
        (``Intercept[2]``: 2), or 0 for an ordinary coefficient of mu (a shared ID).
    """

    cs: tuple[int, ...] = ()


def cs_thresholds(block: GroupBlock) -> tuple[int, ...]:
    """Per coefficient of ``block``, its threshold (1-based), 0 where it is not category
    specific; all zeros for a block without ``cs()``."""
    if isinstance(block, CsGroupBlock) and block.cs:
        return block.cs
    return (0,) * block.M


def cs_columns(
    z: np.ndarray, coefs: Sequence[str], nthres: int
) -> tuple[np.ndarray, list[str], list[int]]:
    """A category-specific term's ``Z``, brms's coefficient names and their thresholds.

    Each column of ``z`` (coefficient ``c``, brms-renamed) is repeated once per threshold,
    as ``c[1], ..., c[nthres]``.
    """
    names = [f"{c}[{k}]" for c in coefs for k in range(1, nthres + 1)]
    thresholds = [k for _ in coefs for k in range(1, nthres + 1)]
    return cs_repeat(z, nthres), names, thresholds


def cs_repeat(z: np.ndarray, nthres: int) -> np.ndarray:
    """``z`` with each column repeated ``nthres`` times in place (the copies side by side)."""
    return np.repeat(np.asarray(z, dtype=np.float64), nthres, axis=-1)
