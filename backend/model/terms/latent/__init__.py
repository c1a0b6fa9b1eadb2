"""Latent variables the model samples beside its coefficients: missing values and noise-free
predictors.

- :mod:`.missing`: ``mi()`` responses (missing responses ``Ymi``, latent responses ``Yl``).
- :mod:`.mv_missing`: the ``mi()`` responses of multivariate models, and ``mi(x)`` predictors
  imputed from another response (``mi(x, idx)`` with ``subset()``/``index()``).
- :mod:`.measurement`: ``me()`` noise-free predictors (``meanme``, ``sdme``, ``zme``, ``Lme``).
"""
