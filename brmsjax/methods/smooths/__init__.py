"""brms's methods for smooth terms: ``posterior_smooths`` and ``conditional_smooths``.

:mod:`.conditional_smooths` evaluates one smooth's contribution to its dpar's linear predictor
(its unpenalized ``Xs`` columns times ``bs`` plus its ``Zs`` parts times ``s``, the
intercept and every other term left out) at new covariate values, per draw, and summarizes it
over a grid of the smooth's covariates as brms 2.18's ``conditional_smooths``.
"""
