"""The model: a Design lowered to one NumPyro program per model structure.

- :mod:`.prior_values`: each parameter vector's plan and prior values (arguments of the program).
- :mod:`.lower`: plans parameters, bounds and priors from a Design and hands out the shared
  program with this fit's data and prior values (:class:`~.lower.LoweredModel`).
- :mod:`.plans`: the static structure of a model (parameter vectors, blocks, group IDs, sites).
- :mod:`.program`: the NumPyro program (parameters, linear predictors, densities).
- :mod:`.group_terms`: group-level coordinates to effects, covariances and correlations.
- :mod:`.predictor`: the one builder of linear predictors, for fitting and prediction.
- :mod:`.terms`: the special terms (``s()``, ``gp()``, ``mo()``, ARMA, ``nl = TRUE``) and the
  shrinkage priors, each with its planning, data and NumPyro code.
- :mod:`.arguments`: checks of the fitting arguments (``chains``, ``control``, ...) that
  ``brm``, the samplers and ``lower`` share.
- :mod:`.transforms`: constraining transforms and their Jacobians (Stan's).
- :mod:`.geometry`: the choice of centred or non-centred group coordinates, and the shear.
- :mod:`.forms`, :mod:`.glm_forms`, :mod:`.marginal`: likelihood forms chosen from the model:
  the plain row-wise sum, sufficient statistics, the exponential-family (glm) sum, and gaussian
  group effects integrated out exactly; :mod:`.crossed` does so for several group-level IDs
  (nested or crossed); :mod:`.glm_families` holds the glm form of negbinomial.
"""
