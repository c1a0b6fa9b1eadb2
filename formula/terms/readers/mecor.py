"""brms's ``set_mecor()``: whether the latent variables of ``me()`` terms correlate.

``bf(y ~ me(x1, sdx) + me(x2, sdx)) + set_mecor(FALSE)`` keeps the latent ``Xme_k``
independent: brms then has no ``Lme_1`` (no ``corme`` prior row, no ``corme__`` draws), each
``Xme_k = meanme_1[k] + sdme_1[k] * zme_k``; its make_standata is unchanged. brms 2.18 stores
the flag as the formula's ``mecor`` attribute (``bf()`` has no such argument), here
:attr:`~.options.FormulaOptions.mecor`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import FormulaTermError

__all__ = ["MecorSpec", "design_mecor", "set_mecor"]


@dataclass(frozen=True)
class MecorSpec:
    """brms's ``set_mecor(mecor)``, added to a ``bf()``."""

    mecor: bool = True

    def __str__(self) -> str:
        return f"set_mecor({'TRUE' if self.mecor else 'FALSE'})"


def set_mecor(mecor: bool = True) -> MecorSpec:
    """brms's ``set_mecor()``: add it to ``bf()`` to set the ``me()`` correlations.

    Examples
    --------
    >>> f = bf("y ~ me(x1, sdx) + me(x2, sdx)") + set_mecor(False)
    >>> f.options.mecor
    False
    """
    if not isinstance(mecor, bool):
        raise FormulaTermError(f"set_mecor() takes TRUE or FALSE, not {mecor!r}.")
    return MecorSpec(mecor)


def design_mecor(design: Any) -> bool:
    """Whether a design's ``me()`` latent variables correlate (brms's default True)."""
    options = getattr(getattr(getattr(design, "state", None), "terms", None), "options", None)
    return bool(getattr(options, "mecor", True))
