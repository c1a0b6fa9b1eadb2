"""brms's ``mi()`` addition term of a response: which labels keep their missing rows.

``y | mi() ~ x`` keeps the rows whose response is missing (their values become parameters,
brms's ``Ymi``); ``y | mi(sdy) ~ x`` also keeps those whose ``sdy`` is missing, and the
response becomes a latent variable observed with noise ``sdy`` (brms's ``Yl``). brms's
``vars_keep_na`` names the variables of the response and of ``mi()``'s argument; every other
variable with a missing value still drops its row.
"""

from __future__ import annotations

from ...syntax.ast import Node
from ...syntax.parse import deparse
from ..additions import addition_args
from ..brmsterms import BrmsTerms, cens_upper_labels

__all__ = ["has_mi", "keep_na_labels", "mi_sdy"]


def has_mi(bt: BrmsTerms) -> bool:
    """Whether the response has a ``mi()`` addition term."""
    return bt.addition("mi") is not None


def mi_sdy(bt: BrmsTerms) -> Node | None:
    """``mi(sdy)``'s argument, or None for ``mi()`` (and without ``mi()``)."""
    add = bt.addition("mi")
    if add is None:
        return None
    args = addition_args("mi", add.call, bt.source)
    return args[0] if args else None


def keep_na_labels(bt: BrmsTerms) -> set[str]:
    """Labels whose missing values keep their rows (brms's ``vars_keep_na``).

    ``cens(x, y2)``'s ``y2`` (NA where a row is not interval censored) and, with ``mi()``,
    the response and ``mi(sdy)``'s ``sdy``.
    """
    labels = cens_upper_labels(bt)
    if has_mi(bt):
        labels.add(deparse(bt.response))
        sdy = mi_sdy(bt)
        if sdy is not None:
            labels.add(deparse(sdy))
    return labels
