"""brms priors written in R (``prior()``, ``set_prior()``, ``prior_string()``, ``prior_()``).

``c(prior(normal(0, 1), class = b), prior(cauchy(0, 2), class = sd))``, the same joined with
``+``, and ``rbind()`` of them become :class:`~brmsjax.backend.priors.resolve.Prior` objects and the
Python source ``bj.prior("normal(0, 1)", class_="b")``. As in brms, ``prior()`` takes its
arguments unevaluated (``class = b``), while ``set_prior()`` and ``prior_string()`` take strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from brmsjax.backend.priors.user import Prior
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.formula.syntax.ast import BinOp, Call, Formula, Name, Node, Paren, String
from brmsjax.formula.syntax.parse import deparse

from .rparse import RCodeError, RNode, parse_r
from .rvalues import Ref, match_args, py_name, py_str

__all__ = ["PRIOR_CALLS", "PriorItem", "priors_code", "priors_from_r", "r_priors"]

#: The R calls that make one prior.
PRIOR_CALLS = frozenset({"prior", "set_prior", "prior_string", "prior_"})
_FORMALS = ("prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "check")
_TEXT_FIELDS = ("class", "coef", "group", "resp", "dpar", "nlpar")


@dataclass(frozen=True)
class PriorItem:
    """One translated prior (or a :class:`Ref` to a prior object defined elsewhere)."""

    prior: Prior | Ref
    code: str


def _strip_ns(func: str) -> str:
    return func[len("brms::") :] if func.startswith("brms::") else func


def r_priors(node: RNode, source: str) -> list[PriorItem]:
    """Translate an R prior expression into priors.

    Parameters
    ----------
    node
        ``prior(...)``, ``set_prior(...)``, ``c(...)``/``rbind(...)`` of them, ``p1 + p2``, or
        a name (a prior object defined elsewhere in the script).
    source
        The R code, for caret errors.

    Raises
    ------
    RCodeError
        If the expression is not a prior, or uses an argument or distribution brmsjax lacks.
    """
    out: list[PriorItem] = []
    stack = [node]  # an explicit stack, so that deeply nested c(c(...)) cannot overflow
    while stack:
        node = stack.pop()
        if isinstance(node, Paren):
            stack.append(node.expr)
        elif isinstance(node, BinOp) and node.op == "+":
            stack += [node.right, node.left]
        elif isinstance(node, Name) and node.name != "NULL":
            out.append(PriorItem(Ref(node.name), f"*{py_name(node.name)}"))
        elif isinstance(node, Name):
            pass
        elif isinstance(node, Call) and _strip_ns(node.func) in {"c", "rbind"}:
            stack += [arg.value for arg in reversed(node.args)]
        elif isinstance(node, Call) and _strip_ns(node.func) in PRIOR_CALLS:
            out.append(_one_prior(node, _strip_ns(node.func), source))
        elif not (isinstance(node, Call) and _strip_ns(node.func) == "empty_prior"):
            raise RCodeError(
                "This is not a brms prior; write prior(normal(0, 1), class = b), set_prior(...), "
                "or c() or + of them.",
                source,
                node.span,
            )
    return out


def _text(node: RNode, source: str, func: str, field: str) -> str:
    """A prior field as brms reads it: a string, or (for prior()) the deparsed expression."""
    if isinstance(node, String):
        return node.value
    if isinstance(node, Formula) and func == "prior_" and node.lhs is None:
        return deparse(node.rhs)
    if func == "prior" and isinstance(node, Node):
        return deparse(node)
    raise RCodeError(
        f"The {func}() argument '{field}' must be a string here, as in {func}(\"normal(0, 1)\", "
        'class = "b").',
        source,
        node.span,
    )


def _bound(node: RNode, source: str, field: str) -> float | None:
    from .rvalues import r_value

    value = r_value(node, source, f"the prior bound '{field}'").obj
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise RCodeError(
        f"The prior bound '{field}' must be a number; write e.g. {field} = 0.", source, node.span
    )


def _one_prior(call: Call, func: str, source: str) -> PriorItem:
    matched, rest = match_args(call, _FORMALS, source, dots=False)
    del rest
    if "prior" not in matched:
        raise RCodeError(
            f"{func}() needs a distribution, as in {func}(normal(0, 1)).", source, call.span
        )
    fields: dict[str, str] = {}
    for name in ("prior", *_TEXT_FIELDS):
        if name in matched:
            fields[name] = _text(matched[name].value, source, func, name)
    bounds = {b: _bound(matched[b].value, source, b) for b in ("lb", "ub") if b in matched}
    kwargs = {("class_" if k == "class" else k): v for k, v in fields.items() if k != "prior"}
    kwargs.setdefault("class_", "b")
    try:
        obj = Prior(fields["prior"], **kwargs, **bounds)  # type: ignore[arg-type]
    except BrmsjaxError as err:
        raise RCodeError(str(err).split("\n")[0], source, matched["prior"].value.span) from None
    parts = [py_str(obj.prior)] + [f"{k}={py_str(v)}" for k, v in kwargs.items() if v]
    parts += [f"{k}={v!r}" for k, v in bounds.items() if v is not None]
    return PriorItem(obj, f"bj.prior({', '.join(parts)})")


def priors_code(items: list[PriorItem], indent: str = "    ") -> str:
    """Python source of a list of priors, one per line."""
    if not items:
        return "None"
    if len(items) == 1 and isinstance(items[0].prior, Ref):
        return items[0].code.lstrip("*")
    inner = "".join(f"{indent}    {item.code},\n" for item in items)
    return f"[\n{inner}{indent}]"


def priors_from_r(text: str) -> list[Prior]:
    """Read priors written in R, for ``brm(..., prior="c(prior(normal(0, 1), class = b))")``.

    Parameters
    ----------
    text
        R code: ``prior(...)``, ``set_prior("...")``, ``c(...)`` or ``+`` of them.

    Returns
    -------
    list of Prior
        The priors in order.

    Raises
    ------
    RCodeError
        If the code is not valid R, not a prior, or names a prior object defined elsewhere.

    Examples
    --------
    >>> [str(p) for p in priors_from_r("c(prior(normal(0, 1), class = b))")]
    ['b ~ normal(0, 1)']
    """
    items = r_priors(parse_r(text), text)
    out: list[Prior] = []
    for item in items:
        if isinstance(item.prior, Ref):
            raise RCodeError(
                f"The priors name the R object '{item.prior.name}'; write the priors "
                "themselves, as in c(prior(normal(0, 1), class = b))."
            )
        out.append(item.prior)
    return out
