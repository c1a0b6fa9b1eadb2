"""Latent variables the model samples beside its coefficients: missing values, noise-free
predictors and latent residuals.

- :mod:`.missing`: ``mi()`` responses (missing responses ``Ymi``, latent responses ``Yl``).
- :mod:`.mv_missing`: the ``mi()`` responses of multivariate models, and ``mi(x)`` predictors
  imputed from another response (``mi(x, idx)`` with ``subset()``/``index()``).
- :mod:`.measurement`: ``me()`` noise-free predictors (``meanme``, ``sdme``, ``zme``, ``Lme``).
- :mod:`.time_err`: latent time-series residuals of ``ar(cov = TRUE)`` and ``cosy()`` in
  families other than gaussian and student (``zerr``, ``sderr``, ``err``).
"""
