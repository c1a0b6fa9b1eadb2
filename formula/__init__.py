"""brms formula language: parse, term algebra and design data (no JAX here).

The subfolders are the pipeline, in the order a formula runs through them::

    "y ~ x + (1 | g)", data
      |
      v  syntax/     grammar.lark + parse -> frozen AST with spans (deparse prints it back)
      v  terms/      R's term algebra, brms's addition terms, dpars and group terms (BrmsTerms)
      v  evaluate/   each variable evaluated on the data (values, functions, operators, state)
      v  design/     model matrices, response, group blocks -> the Design IR (ir.py)
      |
      v  Design      lowered by brmsjax.backend; standata() prints it as brms's make_standata

:func:`parse_formula`, :func:`brms_terms` and :func:`build_design` are the stages' entry points;
:func:`model_matrix` is R's ``model.matrix`` and :func:`standata` brms's ``make_standata``.
:mod:`.errors` (the error classes with caret spans) is shared by every stage.

The names below are imported on first use (PEP 562), so that importing one light module (such
as :mod:`.errors`) does not load pandas and the whole design stage.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .design.design import DataWarning, build_design, model_matrix
    from .design.ir import Design, FixedBlock, GroupBlock, Response
    from .design.standata import standata
    from .errors import (
        BrmsjaxError,
        DesignError,
        FormulaError,
        FormulaSyntaxError,
        FormulaTermError,
        ModelError,
        PriorError,
        UnknownVariableError,
    )
    from .syntax.parse import deparse, parse, parse_formula
    from .terms.brmsterms import BrmsFormula, BrmsTerms, bf, brms_terms

#: Each public name and the module it is imported from on first use.
_LAZY: dict[str, str] = {
    "DataWarning": "brmsjax.formula.design.design",
    "build_design": "brmsjax.formula.design.design",
    "model_matrix": "brmsjax.formula.design.design",
    "Design": "brmsjax.formula.design.ir",
    "FixedBlock": "brmsjax.formula.design.ir",
    "GroupBlock": "brmsjax.formula.design.ir",
    "Response": "brmsjax.formula.design.ir",
    "standata": "brmsjax.formula.design.standata",
    "BrmsjaxError": "brmsjax.formula.errors",
    "DesignError": "brmsjax.formula.errors",
    "FormulaError": "brmsjax.formula.errors",
    "FormulaSyntaxError": "brmsjax.formula.errors",
    "FormulaTermError": "brmsjax.formula.errors",
    "ModelError": "brmsjax.formula.errors",
    "PriorError": "brmsjax.formula.errors",
    "UnknownVariableError": "brmsjax.formula.errors",
    "deparse": "brmsjax.formula.syntax.parse",
    "parse": "brmsjax.formula.syntax.parse",
    "parse_formula": "brmsjax.formula.syntax.parse",
    "BrmsFormula": "brmsjax.formula.terms.brmsterms",
    "BrmsTerms": "brmsjax.formula.terms.brmsterms",
    "bf": "brmsjax.formula.terms.brmsterms",
    "brms_terms": "brmsjax.formula.terms.brmsterms",
}

if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all attribute

    def __getattr__(name: str) -> Any:
        """Import the public name ``name`` on first use and keep it in the package."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'brmsjax.formula' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    """The package's names, the ones not imported yet included."""
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "BrmsFormula",
    "BrmsTerms",
    "BrmsjaxError",
    "DataWarning",
    "Design",
    "DesignError",
    "FixedBlock",
    "FormulaError",
    "FormulaSyntaxError",
    "FormulaTermError",
    "GroupBlock",
    "ModelError",
    "PriorError",
    "Response",
    "UnknownVariableError",
    "bf",
    "brms_terms",
    "build_design",
    "deparse",
    "model_matrix",
    "parse",
    "parse_formula",
    "standata",
]
