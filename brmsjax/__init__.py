"""brmsjax: brms for Python, sampled with NumPyro on JAX.

>>> import brmsjax as bj
>>> fit = bj.brm("Reaction ~ Days + (Days | Subject)", bj.datasets.sleepstudy())  # doctest: +SKIP
>>> print(fit)  # doctest: +SKIP
"""

__version__ = "0.1.0"

# Parallel chains need host devices, which must be set before JAX starts.
from brmsjax.backend.devices import configure_host_devices

configure_host_devices()

from brmsjax import datasets
from brmsjax.api import brm, get_prior, make_standata, model_matrix
from brmsjax.backend.families import Family, gaussian
from brmsjax.backend.priors import Prior, prior, set_prior
from brmsjax.equations import Equations, equations
from brmsjax.fit import BrmsFit, load
from brmsjax.formula.brmsterms import BrmsFormula, bf
from brmsjax.formula.errors import (
    BrmsjaxError,
    DesignError,
    FormulaError,
    FormulaSyntaxError,
    ModelError,
    PriorError,
    UnknownVariableError,
)
from brmsjax.multilevel import multilevel
from brmsjax.multilevel_table import multilevel_table

__all__ = [
    "BrmsFit",
    "BrmsFormula",
    "BrmsjaxError",
    "DesignError",
    "Equations",
    "Family",
    "FormulaError",
    "FormulaSyntaxError",
    "ModelError",
    "Prior",
    "PriorError",
    "UnknownVariableError",
    "__version__",
    "bf",
    "brm",
    "datasets",
    "equations",
    "gaussian",
    "get_prior",
    "load",
    "make_standata",
    "model_matrix",
    "multilevel",
    "multilevel_table",
    "prior",
    "set_prior",
]
