"""brmsjax: brms for Python, sampled with NumPyro on JAX.

>>> import brmsjax as bj
>>> fit = bj.brm("Reaction ~ Days + (Days | Subject)", bj.datasets.sleepstudy())  # doctest: +SKIP
>>> print(fit)  # doctest: +SKIP
"""

__version__ = "0.1.0"

# Parallel chains need host devices, which must be set before JAX starts.
from brmsjax.backend.infer.devices import configure_host_devices

configure_host_devices()

from brmsjax import datasets
from brmsjax.api import brm, get_prior, make_standata, model_matrix
from brmsjax.backend.families.mixture import mixture
from brmsjax.backend.families.registry import (
    Beta,
    Family,
    Gamma,
    acat,
    asym_laplace,
    bernoulli,
    beta,
    beta_binomial,
    binomial,
    categorical,
    cratio,
    cumulative,
    dirichlet,
    exgaussian,
    exponential,
    frechet,
    gamma,
    gaussian,
    gen_extreme_value,
    geometric,
    get_family,
    hurdle_gamma,
    hurdle_lognormal,
    hurdle_negbinomial,
    hurdle_poisson,
    inverse_gaussian,
    lognormal,
    multinomial,
    negbinomial,
    poisson,
    shifted_lognormal,
    skew_normal,
    sratio,
    student,
    von_mises,
    weibull,
    zero_inflated_beta,
    zero_inflated_beta_binomial,
    zero_inflated_binomial,
    zero_inflated_negbinomial,
    zero_inflated_poisson,
    zero_one_inflated_beta,
)
from brmsjax.backend.priors.user import Prior, prior, set_prior
from brmsjax.fit import BrmsFit, load
from brmsjax.formula.errors import (
    BrmsjaxError,
    DesignError,
    FormulaError,
    FormulaSyntaxError,
    ModelError,
    PriorError,
    UnknownVariableError,
)
from brmsjax.formula.terms.brmsterms import BrmsFormula, bf
from brmsjax.formula.terms.mv import MvFormula, mvbf, set_rescor
from brmsjax.formula.terms.readers.mecor import set_mecor
from brmsjax.lecture.equations import Equations, equations
from brmsjax.lecture.multilevel import multilevel
from brmsjax.lecture.multilevel_table import multilevel_table
from brmsjax.methods.comparison import loo_compare
from brmsjax.methods.conditional_effects import conditional_effects
from brmsjax.methods.marginal.grid import datagrid
from brmsjax.methods.refit import update
from brmsjax.methods.smooths.conditional_smooths import conditional_smooths, posterior_smooths
from brmsjax.methods.weights import loo_model_weights, model_weights
from brmsjax.port import from_r

__all__ = [
    "Beta",
    "BrmsFit",
    "BrmsFormula",
    "BrmsjaxError",
    "DesignError",
    "Equations",
    "Family",
    "FormulaError",
    "FormulaSyntaxError",
    "Gamma",
    "ModelError",
    "MvFormula",
    "Prior",
    "PriorError",
    "UnknownVariableError",
    "__version__",
    "acat",
    "asym_laplace",
    "bernoulli",
    "beta",
    "beta_binomial",
    "bf",
    "binomial",
    "brm",
    "categorical",
    "conditional_effects",
    "conditional_smooths",
    "posterior_smooths",
    "cratio",
    "cumulative",
    "datagrid",
    "datasets",
    "equations",
    "from_r",
    "exgaussian",
    "exponential",
    "dirichlet",
    "frechet",
    "gen_extreme_value",
    "gamma",
    "gaussian",
    "geometric",
    "get_family",
    "get_prior",
    "hurdle_gamma",
    "hurdle_lognormal",
    "hurdle_negbinomial",
    "hurdle_poisson",
    "inverse_gaussian",
    "load",
    "lognormal",
    "multinomial",
    "loo_compare",
    "loo_model_weights",
    "make_standata",
    "mixture",
    "model_matrix",
    "model_weights",
    "multilevel",
    "multilevel_table",
    "mvbf",
    "negbinomial",
    "poisson",
    "prior",
    "set_mecor",
    "set_prior",
    "set_rescor",
    "shifted_lognormal",
    "skew_normal",
    "sratio",
    "student",
    "update",
    "von_mises",
    "weibull",
    "zero_inflated_beta",
    "zero_inflated_beta_binomial",
    "zero_inflated_binomial",
    "zero_inflated_negbinomial",
    "zero_inflated_poisson",
    "zero_one_inflated_beta",
]
