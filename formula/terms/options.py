"""brms's formula options: ``bf(y ~ x, center = FALSE, cmc = FALSE, decomp = "QR")``.

brms 2.18's ``brmsformula()`` stores them as attributes of the main formula only, so they apply
to the population-level terms of ``mu`` (and of every category's ``mu`` in a categorical model,
which copy the main formula), never to a distributional formula such as ``sigma ~ x``:

- ``center = FALSE``: no temporary centred ``Intercept``; the intercept is the uncentred
  coefficient ``b_Intercept`` of class ``b`` (X keeps its ``Intercept`` column). Ordinal
  thresholds are then not centred either (``b_Intercept[k] = Intercept[k]``).
- ``cmc = FALSE``: no cell-mean coding in a formula without an intercept: ``0 + f`` codes ``f``
  by contrasts, as with an intercept, instead of one dummy per level.
- ``decomp = "QR"``: brms samples ``bQ = R b`` with the thin QR decomposition of the centred X,
  and the priors of class ``b`` apply to ``bQ``.

:func:`options_from_call` reads them from a parsed ``bf()`` call; :func:`options_from_kwargs`
from Python keyword arguments of :func:`~.brmsterms.bf`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import FormulaTermError
from ..syntax.ast import Call, Name, String

__all__ = ["OPTION_NAMES", "FormulaOptions", "options_from_call", "options_from_kwargs"]

#: The option arguments of ``bf()`` that brmsjax reads (``sparse`` is refused with a reason).
OPTION_NAMES = ("center", "cmc", "decomp", "sparse")
_DECOMP = ("none", "QR")


@dataclass(frozen=True)
class FormulaOptions:
    """The options of a brms formula, brms's defaults when not given."""

    center: bool = True
    cmc: bool = True
    decomp: str = "none"
    #: ``set_mecor()``: whether ``me()`` latent variables correlate (not a ``bf()`` argument).
    mecor: bool = True

    def as_kwargs(self) -> dict[str, Any]:
        """The options that differ from brms's defaults, as ``bf()`` keyword arguments."""
        default = FormulaOptions()
        return {
            k: v for k, v in vars(self).items() if k in OPTION_NAMES and getattr(default, k) != v
        }

    def r_args(self) -> list[str]:
        """The options that differ from brms's defaults, as R arguments (``center = FALSE``)."""
        return [f"{k} = {_r_value(v)}" for k, v in self.as_kwargs().items()]


def _r_value(value: object) -> str:
    """An option's value as R writes it: ``FALSE``, ``"QR"``."""
    return str(value).upper() if isinstance(value, bool) else f'"{value}"'


def _check(name: str, value: Any) -> Any:
    """Validate one option's Python value, with brms's messages."""
    if name == "sparse":
        if value:
            raise FormulaTermError(
                "bf(sparse = TRUE) is not supported yet; brmsjax uses dense design matrices, "
                "so drop the argument (the posterior is the same)."
            )
        return None
    if name == "decomp":
        if value not in _DECOMP:
            raise FormulaTermError(
                f"bf() argument 'decomp' should be one of 'none', 'QR', not {value!r}."
            )
        return value
    if not isinstance(value, bool):
        raise FormulaTermError(f"Cannot coerce '{name}' to a single logical value.")
    return value


def options_from_kwargs(kwargs: Mapping[str, Any]) -> FormulaOptions:
    """The options among ``bf()``'s Python keyword arguments (``center=False``)."""
    values = {k: _check(k, v) for k, v in kwargs.items() if k in OPTION_NAMES}
    return FormulaOptions(**{k: v for k, v in values.items() if v is not None})


def options_from_call(call: Call, source: str) -> FormulaOptions:
    """The options of a parsed ``bf(...)`` call (``center = FALSE``, ``decomp = "QR"``)."""
    values: dict[str, Any] = {}
    for arg in call.args:
        if arg.name not in OPTION_NAMES:
            continue
        node = arg.value
        value: Any
        if isinstance(node, Name) and node.name in {"TRUE", "FALSE", "T", "F"}:
            value = node.name in {"TRUE", "T"}
        elif isinstance(node, String):
            value = node.value
        elif isinstance(node, Name) and node.name == "NULL":
            continue
        else:
            value = node
        try:
            checked = _check(arg.name, value)
        except FormulaTermError as err:
            raise FormulaTermError(err.message, source, arg.span) from None
        if checked is not None:
            values[arg.name] = checked
    return FormulaOptions(**values)
