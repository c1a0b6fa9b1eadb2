"""brmsjax: brms for Python, sampled with NumPyro on JAX.

>>> import brmsjax as bj
>>> fit = bj.brm("Reaction ~ Days + (Days | Subject)", bj.datasets.sleepstudy())  # doctest: +SKIP
>>> print(fit)  # doctest: +SKIP

The public names are imported on first use (PEP 562's module ``__getattr__``): ``import
brmsjax`` loads neither JAX nor pandas, so that scripts and the command line start fast;
``bj.brm`` or ``from brmsjax import brm`` imports what a fit needs. ``_LAZY`` says where each
name lives, and the ``TYPE_CHECKING`` imports repeat it for type checkers (a test keeps the
two equal).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Parallel chains need host devices, which must be set before JAX starts.
from brmsjax.backend.infer.devices import configure_host_devices

configure_host_devices()

if TYPE_CHECKING:
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
        logistic_normal,
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
        wiener,
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
    from brmsjax.formula.terms.nlf import lf, nlf
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

#: Each public name and the module it is imported from on first use.
_LAZY: dict[str, str] = {
    "brm": "brmsjax.api",
    "get_prior": "brmsjax.api",
    "make_standata": "brmsjax.api",
    "model_matrix": "brmsjax.api",
    "mixture": "brmsjax.backend.families.mixture",
    "Beta": "brmsjax.backend.families.registry",
    "Family": "brmsjax.backend.families.registry",
    "Gamma": "brmsjax.backend.families.registry",
    "acat": "brmsjax.backend.families.registry",
    "asym_laplace": "brmsjax.backend.families.registry",
    "bernoulli": "brmsjax.backend.families.registry",
    "beta": "brmsjax.backend.families.registry",
    "beta_binomial": "brmsjax.backend.families.registry",
    "binomial": "brmsjax.backend.families.registry",
    "categorical": "brmsjax.backend.families.registry",
    "cratio": "brmsjax.backend.families.registry",
    "cumulative": "brmsjax.backend.families.registry",
    "dirichlet": "brmsjax.backend.families.registry",
    "exgaussian": "brmsjax.backend.families.registry",
    "exponential": "brmsjax.backend.families.registry",
    "frechet": "brmsjax.backend.families.registry",
    "gamma": "brmsjax.backend.families.registry",
    "gaussian": "brmsjax.backend.families.registry",
    "gen_extreme_value": "brmsjax.backend.families.registry",
    "geometric": "brmsjax.backend.families.registry",
    "get_family": "brmsjax.backend.families.registry",
    "hurdle_gamma": "brmsjax.backend.families.registry",
    "hurdle_lognormal": "brmsjax.backend.families.registry",
    "hurdle_negbinomial": "brmsjax.backend.families.registry",
    "hurdle_poisson": "brmsjax.backend.families.registry",
    "inverse_gaussian": "brmsjax.backend.families.registry",
    "logistic_normal": "brmsjax.backend.families.registry",
    "lognormal": "brmsjax.backend.families.registry",
    "multinomial": "brmsjax.backend.families.registry",
    "negbinomial": "brmsjax.backend.families.registry",
    "poisson": "brmsjax.backend.families.registry",
    "shifted_lognormal": "brmsjax.backend.families.registry",
    "skew_normal": "brmsjax.backend.families.registry",
    "sratio": "brmsjax.backend.families.registry",
    "student": "brmsjax.backend.families.registry",
    "von_mises": "brmsjax.backend.families.registry",
    "weibull": "brmsjax.backend.families.registry",
    "wiener": "brmsjax.backend.families.registry",
    "zero_inflated_beta": "brmsjax.backend.families.registry",
    "zero_inflated_beta_binomial": "brmsjax.backend.families.registry",
    "zero_inflated_binomial": "brmsjax.backend.families.registry",
    "zero_inflated_negbinomial": "brmsjax.backend.families.registry",
    "zero_inflated_poisson": "brmsjax.backend.families.registry",
    "zero_one_inflated_beta": "brmsjax.backend.families.registry",
    "Prior": "brmsjax.backend.priors.user",
    "prior": "brmsjax.backend.priors.user",
    "set_prior": "brmsjax.backend.priors.user",
    "datasets": "brmsjax.datasets",
    "BrmsFit": "brmsjax.fit",
    "load": "brmsjax.fit",
    "BrmsjaxError": "brmsjax.formula.errors",
    "DesignError": "brmsjax.formula.errors",
    "FormulaError": "brmsjax.formula.errors",
    "FormulaSyntaxError": "brmsjax.formula.errors",
    "ModelError": "brmsjax.formula.errors",
    "PriorError": "brmsjax.formula.errors",
    "UnknownVariableError": "brmsjax.formula.errors",
    "BrmsFormula": "brmsjax.formula.terms.brmsterms",
    "bf": "brmsjax.formula.terms.brmsterms",
    "MvFormula": "brmsjax.formula.terms.mv",
    "mvbf": "brmsjax.formula.terms.mv",
    "set_rescor": "brmsjax.formula.terms.mv",
    "lf": "brmsjax.formula.terms.nlf",
    "nlf": "brmsjax.formula.terms.nlf",
    "set_mecor": "brmsjax.formula.terms.readers.mecor",
    "Equations": "brmsjax.lecture.equations",
    "equations": "brmsjax.lecture.equations",
    "multilevel": "brmsjax.lecture.multilevel",
    "multilevel_table": "brmsjax.lecture.multilevel_table",
    "loo_compare": "brmsjax.methods.comparison",
    "conditional_effects": "brmsjax.methods.conditional_effects",
    "datagrid": "brmsjax.methods.marginal.grid",
    "update": "brmsjax.methods.refit",
    "conditional_smooths": "brmsjax.methods.smooths.conditional_smooths",
    "posterior_smooths": "brmsjax.methods.smooths.conditional_smooths",
    "loo_model_weights": "brmsjax.methods.weights",
    "model_weights": "brmsjax.methods.weights",
    "from_r": "brmsjax.port",
}

if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all attribute

    def __getattr__(name: str) -> Any:
        """Import the public name ``name`` on first use and keep it in the module."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'brmsjax' has no attribute {name!r}")
        if module == f"brmsjax.{name}":
            value = importlib.import_module(module)
        else:
            value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    """The module's names, the ones not imported yet included (``dir(brmsjax)``)."""
    return sorted(set(globals()) | set(_LAZY))


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
    "lf",
    "load",
    "logistic_normal",
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
    "nlf",
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
    "wiener",
    "zero_inflated_beta",
    "zero_inflated_beta_binomial",
    "zero_inflated_binomial",
    "zero_inflated_negbinomial",
    "zero_inflated_poisson",
    "zero_one_inflated_beta",
]
