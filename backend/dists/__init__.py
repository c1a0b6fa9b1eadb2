"""Distribution densities as Stan writes them, shared by the likelihoods and the priors.

- :mod:`.stan`: continuous lpdfs, lcdfs and lccdfs with Stan's parameterizations.
- :mod:`.stan_discrete`: discrete lpmfs (poisson, negbinomial, binomial, ...).
- :mod:`.densities`: prior densities by brms's prior names (``normal``, ``student_t``,
  ``lkj``, ...) with their supports and truncation constants.
"""
