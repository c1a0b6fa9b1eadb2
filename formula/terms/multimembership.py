"""brms's multi-membership group terms: ``(1 + mmc(x1, x2) | mm(g1, g2, weights = cbind(w1, w2)))``.

An observation of ``mm(g1, ..., gG)`` belongs to G levels of one grouping structure at once
(the union of the levels of ``g1`` ... ``gG``); its effect is the weighted sum of those levels'
effects, ``sum_m W_m r[J_m] Z_m`` (brms 2.18, ``R/formula-re.R``). :func:`read_mm` reads the
call as brms's ``mm(..., weights = NULL, scale = TRUE, by = NULL, cor = TRUE, id = NA,
dist = "gaussian")`` does; ``mmc(x1, ..., xG)`` inside the term's left-hand side is a
coefficient whose predictor is ``x_m`` for membership ``m`` (:func:`mmc_arguments`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import FormulaTermError, Span
from ..syntax.ast import Call, Name, Node, String, strip_parens
from ..syntax.parse import deparse
from .terms import TermList

__all__ = ["MmTerm", "is_mmc", "mmc_arguments", "mmc_last", "read_mm", "refuse_mmc"]

_MM_ARGS = ("weights", "scale", "by", "cor", "id", "dist", "cov")


@dataclass(frozen=True)
class MmTerm:
    """The membership structure of an ``mm()`` grouping term.

    Attributes
    ----------
    members
        The grouping variables ``g1``, ..., ``gG`` (at least two).
    weights
        The columns of ``cbind(w1, ..., wG)``, one per member, or None (equal weights 1/G).
    scale
        Whether each row's weights are divided by their sum (brms's ``scale = TRUE``).
    """

    members: tuple[Node, ...]
    weights: tuple[Node, ...] | None
    scale: bool

    @property
    def name(self) -> str:
        """brms's name of the grouping structure: ``mm`` and the members (``mmg1g2``)."""
        return "mm" + "".join(deparse(m) for m in self.members)


def _flag(value: Node, what: str, source: str, span: Span) -> bool:
    value = strip_parens(value)
    if not (isinstance(value, Name) and value.name in {"TRUE", "FALSE", "T", "F"}):
        raise FormulaTermError(f"mm({what} = ) must be TRUE or FALSE.", source, span)
    return value.name in {"TRUE", "T"}


def read_mm(call: Call, source: str) -> tuple[MmTerm, bool | None, str | None]:
    """Read ``mm(g1, ..., gG, weights = cbind(w1, ..., wG), scale = TRUE, cor = , id = )``.

    Returns the membership structure, ``cor`` (None when not given) and the ``id`` (None for
    ``NA``). ``by``, ``cov`` and a ``dist`` other than gaussian are refused.
    """
    members = tuple(strip_parens(a.value) for a in call.args if a.name is None)
    if len(members) < 2:
        raise FormulaTermError(
            "Multi-membership terms require at least two grouping variables.", source, call.span
        )
    for m in members:
        if not isinstance(m, Name):
            raise FormulaTermError(
                "The grouping variables of mm() must be variables.", source, m.span
            )
    weights: tuple[Node, ...] | None = None
    scale, cor, gid = True, None, None
    for arg in call.args:
        if arg.name is None:
            continue
        value = strip_parens(arg.value)
        if arg.name == "weights":
            if isinstance(value, Name) and value.name == "NULL":
                continue
            cols = (
                tuple(a.value for a in value.args if a.name is None)
                if isinstance(value, Call) and value.func == "cbind"
                else ()
            )
            if len(cols) != len(members):
                raise FormulaTermError(
                    "Grouping structure 'mm' expects 'weights' to be a matrix with as many "
                    "columns as grouping factors.",
                    source,
                    arg.span,
                )
            weights = cols
        elif arg.name == "scale":
            scale = _flag(value, "scale", source, arg.span)
        elif arg.name == "cor":
            cor = _flag(value, "cor", source, arg.span)
        elif arg.name == "id":
            gid = value.value if isinstance(value, String) else deparse(value)
            gid = None if gid == "NA" else gid
        elif arg.name == "dist":
            if not (isinstance(value, String) and value.value == "gaussian"):
                raise FormulaTermError('Only mm(dist = "gaussian") is supported.', source, arg.span)
        elif arg.name in {"by", "cov"}:
            if not (isinstance(value, Name) and value.name == "NULL"):
                raise FormulaTermError(f"mm({arg.name} = ) is not supported yet.", source, arg.span)
        else:
            raise FormulaTermError(
                f"mm() has no argument '{arg.name}'; its arguments are the grouping variables "
                f"and {', '.join(_MM_ARGS)}.",
                source,
                arg.span,
            )
    return MmTerm(members, weights, scale), cor, gid


def is_mmc(node: Node) -> bool:
    """Whether ``node`` is an ``mmc(x1, ..., xG)`` call."""
    return isinstance(node, Call) and node.func == "mmc"


def mmc_arguments(node: Call) -> tuple[Node, ...]:
    """The variables of ``mmc(x1, ..., xG)``, one per membership."""
    return tuple(a.value for a in node.args if a.name is None)


def refuse_mmc(coefs: TermList, mm: MmTerm | None, source: str) -> None:
    """brms's checks of ``mmc()``: only in multi-membership terms, with one variable per
    grouping variable."""
    for node in coefs.variables():
        if not is_mmc(node):
            continue
        if mm is None:
            raise FormulaTermError(
                "'mmc' is only supported in multi-membership terms.", source, node.span
            )
        if not isinstance(node, Call):  # pragma: no cover - is_mmc checked it
            continue
        found = len(mmc_arguments(node))
        if found != len(mm.members):
            raise FormulaTermError(
                f"Invalid term '{deparse(node)}': Expected {len(mm.members)} coefficients but "
                f"found {found}.",
                source,
                node.span,
            )


def mmc_last(coefs: TermList) -> TermList:
    """The coefficients with the ``mmc()`` terms last: brms splits them off into a term of
    their own (type ``"mmc"``), which sorts after the ordinary terms (``split_re_terms``)."""
    plain = [t for t in coefs.terms if not any(is_mmc(v) for v in t.variables)]
    mmc = [t for t in coefs.terms if any(is_mmc(v) for v in t.variables)]
    return replace(coefs, terms=(*plain, *mmc)) if mmc else coefs
