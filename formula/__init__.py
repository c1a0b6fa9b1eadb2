"""brms formula language: parse, term algebra and design data (no JAX here).

The pipeline is text -> :func:`parse_formula` (frozen AST with spans) -> :func:`brms_terms`
(R's term algebra and brms's group terms) -> :func:`build_design` (the :class:`Design` IR that
the backend lowers). :func:`model_matrix` is R's ``model.matrix`` and :func:`standata` brms's
``make_standata``.
"""

from .brmsterms import BrmsFormula, BrmsTerms, bf, brms_terms
from .design import DataWarning, build_design, model_matrix
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
from .ir import Design, FixedBlock, GroupBlock, Response
from .parse import deparse, parse, parse_formula
from .standata import standata

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
