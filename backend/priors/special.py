"""brms's shrinkage priors on population-level coefficients: ``horseshoe``, ``R2D2``, ``lasso``.

They are not distributions of one coefficient but of the whole class ``b`` at once (brms's
"special priors"), with R-style arguments: ``horseshoe(df = 3, par_ratio = 0.1)``,
``R2D2(0.3, 3, cons_D2 = c(1, 2))``, ``autoscale = FALSE``. The prior grammar
(``grammar.lark``) reads the call; this module matches its arguments as R would against brms
2.18's signatures, checks them with brms's messages, and packs them into a
:class:`~brmsjax.backend.dists.densities.PriorSpec` of numbers (:func:`special_spec`), which
:mod:`brmsjax.backend.model.terms.shrinkage` unpacks again for the model::

    horseshoe: (df, scale_global, df_global, scale_slab, df_slab, par_ratio or nan, autoscale)
    R2D2:      (mean_R2, prec_R2, autoscale, *cons_D2)
    lasso:     (df, scale)

brms's table shows the call as R deparses it (``horseshoe(df = 3, par_ratio = 0.1)``):
:func:`special_text`.
"""

from __future__ import annotations

import math

from lark import Token, Tree

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.priors.arith import evaluate
from brmsjax.formula.errors import PriorError

__all__ = ["SPECIAL", "special_spec", "special_text"]


class _Null:
    """R's ``NULL`` as an argument value (``par_ratio = NULL``)."""


_NULL = _Null()
# An argument value: numbers (one, or a c() vector), a logical, or NULL.
Value = tuple[float, ...] | bool | _Null
# brms 2.18's signatures: argument names in order with their defaults.
SIGNATURES: dict[str, tuple[tuple[str, Value], ...]] = {
    "horseshoe": (
        ("df", (1.0,)),
        ("scale_global", (1.0,)),
        ("df_global", (1.0,)),
        ("scale_slab", (2.0,)),
        ("df_slab", (4.0,)),
        ("par_ratio", _NULL),
        ("autoscale", True),
    ),
    "R2D2": (
        ("mean_R2", (0.5,)),
        ("prec_R2", (2.0,)),
        ("cons_D2", (1.0,)),
        ("autoscale", True),
    ),
    "lasso": (("df", (1.0,)), ("scale", (1.0,))),
}
SPECIAL = frozenset(SIGNATURES)

_POSITIVE_MESSAGES = {
    ("horseshoe", "df"): "Invalid horseshoe prior: Degrees of freedom of the local priors must "
    "be a single positive number.",
    ("horseshoe", "df_global"): "Invalid horseshoe prior: Degrees of freedom of the global "
    "prior must be a single positive number.",
    ("horseshoe", "scale_global"): "Invalid horseshoe prior: Scale of the global prior must be "
    "a single positive number.",
    ("horseshoe", "df_slab"): "Invalid horseshoe prior: Degrees of freedom of the slab part "
    "must be a single positive number.",
    ("horseshoe", "scale_slab"): "Invalid horseshoe prior: Scale of the slab part must be a "
    "single positive number.",
    ("horseshoe", "par_ratio"): "Argument 'par_ratio' must be greater 0.",
    ("R2D2", "prec_R2"): "Invalid R2D2 prior: Precision of the R2 prior must be a single "
    "positive number.",
    ("R2D2", "cons_D2"): "Invalid R2D2 prior: Concentration of the D2 prior must be a vector "
    "of positive numbers.",
    ("lasso", "df"): "Invalid lasso prior: Degrees of freedom of the shrinkage parameter prior "
    "must be a single positive number.",
    ("lasso", "scale"): "Invalid lasso prior: Scale of the Laplace priors must be a single "
    "positive number.",
}
_LOGICAL = {"TRUE": True, "T": True, "FALSE": False, "F": False}


def _number_of(node: Tree, text: str) -> float:
    """A numeric argument: a constant expression (``-1``, ``1 / 3``), Stan's arithmetic."""
    return evaluate(node, text).value


def _value(node: Tree | Token, text: str) -> Value:
    if isinstance(node, Tree) and node.data == "func" and str(node.children[0]) == "c":
        return tuple(
            _number_of(child, text) for child in node.children[1:] if isinstance(child, Tree)
        )
    if isinstance(node, Tree) and node.data != "word":
        return (_number_of(node, text),)
    word = str(node.children[0]) if isinstance(node, Tree) else str(node)
    if word == "NULL":
        return _NULL
    if word in _LOGICAL:
        return _LOGICAL[word]
    raise PriorError(f"object '{word}' not found")


def _show(value: Value) -> str:
    if isinstance(value, _Null):
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    nums = [str(int(v)) if float(v).is_integer() else f"{v:.15g}" for v in value]
    return nums[0] if len(nums) == 1 else f"c({', '.join(nums)})"


def _match(name: str, args: Tree | None, text: str) -> tuple[dict[str, Value], str]:
    """Match the call's arguments as R does (exact names, then positions); and its deparse."""
    signature = SIGNATURES[name]
    given: list[tuple[str | None, Value]] = []
    for node in args.children if args is not None else ():
        if isinstance(node, Tree) and node.data == "named":
            given.append((str(node.children[0]), _value(node.children[1], text)))
        else:
            given.append((None, _value(node, text)))
    names = [n for n, _ in signature]
    out: dict[str, Value] = {}
    for arg, value in given:
        if arg is None:
            continue
        if arg not in names:
            raise PriorError(f"unused argument ({arg} = {_show(value)})")
        if arg in out:
            raise PriorError(f'formal argument "{arg}" matched by multiple actual arguments')
        out[arg] = value
    free = [n for n in names if n not in out]
    shown = []
    for arg, value in given:
        if arg is None:
            if not free:
                raise PriorError(f"unused argument ({_show(value)})")
            out[free.pop(0)] = value
            shown.append(_show(value))
        else:
            shown.append(f"{arg} = {_show(value)}")
    return out, f"{name}({', '.join(shown)})"


def _number(kind: str, arg: str, value: Value, *, positive: bool = True) -> float:
    message = _POSITIVE_MESSAGES.get((kind, arg), f"Argument '{arg}' must be a single number.")
    if kind == "R2D2" and not (isinstance(value, tuple) and len(value) == 1):
        raise PriorError(f"Cannot coerce '{arg}' to a single numeric value.")  # as_one_numeric
    if not isinstance(value, tuple) or isinstance(value, bool) or len(value) != 1:
        raise PriorError(message)
    x = float(value[0])
    if not math.isfinite(x) or (positive and x <= 0):
        raise PriorError(message)
    return x


def _logical(arg: str, value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, tuple) and len(value) == 1:
        return value[0] != 0
    raise PriorError(f"Cannot coerce '{arg}' to a single logical value.")


def special_spec(name: str, args: Tree | None, text: str = "") -> PriorSpec:
    """The :class:`PriorSpec` of a parsed ``horseshoe``/``R2D2``/``lasso`` call.

    Raises
    ------
    PriorError
        With brms's (or R's) message for an unknown or surplus argument or a value outside
        its domain.
    """
    matched, _ = _match(name, args, text)
    full = {n: matched.get(n, default) for n, default in SIGNATURES[name]}
    if name == "horseshoe":
        # brms checks df, df_global, scale_global, df_slab, scale_slab in this order
        for a in ("df", "df_global", "scale_global", "df_slab", "scale_slab"):
            _number(name, a, full[a])
        keys = ("df", "scale_global", "df_global", "scale_slab", "df_slab")
        nums = [_number(name, a, full[a]) for a in keys]
        ratio = math.nan
        if full["par_ratio"] is not _NULL:
            ratio = _number(name, "par_ratio", full["par_ratio"])
        auto = _logical("autoscale", full["autoscale"])
        return PriorSpec(name, (*nums, ratio, float(auto)))
    if name == "R2D2":
        mean = _number(name, "mean_R2", full["mean_R2"], positive=False)
        if not 0 < mean < 1:
            raise PriorError(
                "Invalid R2D2 prior: Mean of the R2 prior must be a single number in (0, 1)."
            )
        prec = _number(name, "prec_R2", full["prec_R2"])
        cons = full["cons_D2"]
        if not isinstance(cons, tuple) or not cons or any(not c > 0 for c in cons):
            raise PriorError(_POSITIVE_MESSAGES[(name, "cons_D2")])
        auto = _logical("autoscale", full["autoscale"])
        return PriorSpec(name, (mean, prec, float(auto), *map(float, cons)))
    return PriorSpec(name, (_number(name, "df", full["df"]), _number(name, "scale", full["scale"])))


def special_text(name: str, args: Tree | None, text: str = "") -> str:
    """The call as R deparses it, as brms's prior table shows it (``horseshoe(df = 3)``)."""
    return _match(name, args, text)[1]
