"""brms 2.18's families: links, distributional parameters, likelihoods and random draws.

- :mod:`.registry`: the family constructors (``gaussian()``, ``cumulative("probit")``, ...),
  their allowed links and default priors, :func:`~.registry.get_family`.
- :mod:`.base`: the :class:`~.base.Family` type every family is an instance of.
- :mod:`.continuous`, :mod:`.discrete`, :mod:`.ordinal`, :mod:`.inflated`: the families'
  log densities, means and random number generators by kind.
- :mod:`.links`: link and inverse-link functions by brms's names.
- :mod:`.likelihood`: the log likelihood of a family given its linear predictors, with
  censoring, truncation and weights.
"""
