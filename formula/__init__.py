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
"""

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
