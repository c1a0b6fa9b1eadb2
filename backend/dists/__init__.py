"""Distribution densities as Stan writes them, shared by the likelihoods and the priors.

- :mod:`.table`: the one distribution table, Stan's name -> lpdf, log CDFs, prior CDF,
  support and arity, read by the families and the prior densities.
- :mod:`.stan_math`: Stan's stable ``log1m_exp`` and ``log_diff_exp`` (the links use them too).
- :mod:`.stan`: continuous lpdfs, lcdfs and lccdfs with Stan's parameterizations.
- :mod:`.stan_discrete`: discrete lpmfs (poisson, negbinomial, binomial, ...).
- :mod:`.stan_priors`: densities brms offers only as priors (cauchy, inv_gamma, ...) and the
  CDFs that truncate bounded priors.
- :mod:`.densities`: :class:`~.densities.PriorSpec` and the log prior density of a
  parameter, truncated to its bounds.
"""
