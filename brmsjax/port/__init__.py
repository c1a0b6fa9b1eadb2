"""Port brms scripts from R: read R calls, translate them to brmsjax, print Python.

>>> from brmsjax.port import from_r
>>> from_r("brm(y ~ x, data = d, chains = 2)").args
{'chains': 2}
"""

from brmsjax.port.rfamilies import FamilyCall
from brmsjax.port.rparse import RCodeError, RSyntaxError, parse_r
from brmsjax.port.rpriors import priors_from_r
from brmsjax.port.rvalues import Ref
from brmsjax.port.translate import BrmCall, FormulaCall, PriorsCall, from_r

__all__ = [
    "BrmCall",
    "FamilyCall",
    "FormulaCall",
    "PriorsCall",
    "RCodeError",
    "RSyntaxError",
    "Ref",
    "from_r",
    "parse_r",
    "priors_from_r",
]
