"""The IR of a multivariate model: one univariate design per response, and how they join.

A multivariate :class:`~.ir.Design` (``Design.mv`` set) is *flat*: its population-level blocks
are the responses' blocks with brms's combined prefixes as dpars (``y1`` for mu of ``y1``,
``sigma_y1``), its group-level blocks number brms's IDs across the responses (``(1 | p | g)``
in two responses is one ID with the coefficients ``y1_Intercept`` and ``y2_Intercept``), and
its response ``y`` is the ``(N, nresp)`` matrix. So the lowering, the draws' names and the
prediction layer read it as one model whose dpars carry the response. :class:`MvSpec` keeps the
univariate designs (unprefixed; standata, priors and predictions per response read them),
the responses' names and families, and ``rescor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..ir import Design

__all__ = ["MvSpec", "mv_dpar", "split_dpar"]


def mv_dpar(dpar: str, resp: str) -> str:
    """brms's combined prefix of a response's dpar: ``y1`` for mu, ``sigma_y1`` for sigma."""
    return f"{dpar}_{resp}" if dpar else resp


def split_dpar(flat: str, responses: tuple[str, ...]) -> tuple[str, str]:
    """``(resp, dpar)`` of a flat dpar (:func:`mv_dpar`'s inverse)."""
    if flat in responses:
        return flat, ""
    for resp in responses:
        if flat.endswith(f"_{resp}"):
            return resp, flat[: -len(resp) - 1]
    raise KeyError(flat)


@dataclass(frozen=True)
class MvSpec:
    """The responses of a multivariate design.

    Attributes
    ----------
    responses
        brms's names of the responses (``SepalLength``), in formula order.
    labels
        The responses as written (``Sepal.Length``).
    designs
        One univariate design per response, on the same rows (brms drops a row with a missing
        value in any response's variables).
    families
        The family object (or name) of each response.
    rescor
        Whether the residuals correlate (gaussian or student responses).
    formula_lines
        The formula as brms's summary prints it, one line per formula.
    subset
        The rows of responses with ``subset()`` and the ``mi(x, idx)`` lookups
        (:class:`~.mv_subset.MvSubset`; None without them). ``designs`` of such responses are
        on their subset rows.
    """

    responses: tuple[str, ...]
    labels: tuple[str, ...]
    designs: tuple[Design, ...]
    families: tuple[Any, ...]
    rescor: bool
    formula_lines: tuple[str, ...] = ()
    subset: Any = None  # a .mv_subset.MvSubset: subset()/index() and mi(x, idx)

    @property
    def nresp(self) -> int:
        """Number of responses (brms's ``nresp``)."""
        return len(self.responses)

    def design(self, resp: str) -> Design:
        """The univariate design of response ``resp``."""
        return self.designs[self.responses.index(resp)]
