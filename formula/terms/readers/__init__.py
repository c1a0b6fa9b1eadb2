"""Readers of single special terms that the formula's terms stage calls, each on its own.

:mod:`.cosy` (``cosy(time, gr)``: compound symmetry residuals), :mod:`.mecor` (``set_mecor()``:
whether ``me()`` latent variables correlate) and :mod:`.mi_predictors` (``mi(x)`` used as a
predictor, the variables multivariate ``mi()`` models impute). They import only the formula's
syntax, errors and :mod:`..additions`; :mod:`..terms`, :mod:`..encode`, :mod:`..bf` and
:mod:`..brmsterms` import them.
"""
