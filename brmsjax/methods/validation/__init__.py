"""Cross-validation by refitting: brms's ``kfold``, ``reloo`` and ``loo_moment_match``.

PSIS-LOO (:func:`brmsjax.methods.comparison.loo`) reuses one fit; these refit the model:

* :mod:`~brmsjax.methods.validation.kfold`: ``kfold()``, K-fold cross-validation (random,
  stratified or grouped folds, or the user's), one refit per fold with
  :func:`~brmsjax.methods.refit.update`, scored by the held-out rows' log predictive density;
  also loo's fold splitters;
* :mod:`~brmsjax.methods.validation.reloo`: ``reloo()``, exact LOO for the observations whose
  Pareto k is too high, and ``loo_moment_match()``, which refuses with the alternatives (it needs
  Stan's unconstraining transforms of a compiled model).
"""
