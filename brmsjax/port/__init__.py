"""Port brms scripts from R: translate brm() calls and whole scripts to brmsjax, print Python.

R code itself is read by :mod:`brmsjax.rcode`; this folder holds the translation of brm()
calls (:mod:`.translate`, :mod:`.brm_args`) and of scripts (:mod:`.script`, :mod:`.statements`).

>>> from brmsjax.port import from_r
>>> from_r("brm(y ~ x, data = d, chains = 2)").args
{'chains': 2}
"""

from brmsjax.port.translate import BrmCall, FormulaCall, PriorsCall, from_r
from brmsjax.rcode.rfamilies import FamilyCall
from brmsjax.rcode.rparse import RCodeError, RSyntaxError, parse_r
from brmsjax.rcode.rpriors import priors_from_r
from brmsjax.rcode.rvalues import Ref

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
