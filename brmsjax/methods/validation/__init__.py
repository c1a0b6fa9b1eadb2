"""Cross-validation by refitting: brms's ``kfold``, ``reloo`` and ``loo_moment_match``.

PSIS-LOO (:func:`brmsjax.methods.comparison.loo`) reuses one fit; these refit the model (or,
``loo_moment_match``, transform its draws):

* :mod:`~brmsjax.methods.validation.kfold`: ``kfold()``, K-fold cross-validation (random,
  stratified or grouped folds, or the user's), one refit per fold with
  :func:`~brmsjax.methods.refit.update`, scored by the held-out rows' log predictive density;
  also loo's fold splitters;
* :mod:`~brmsjax.methods.validation.reloo`: ``reloo()``, exact LOO for the observations whose
  Pareto k is too high;
* :mod:`~brmsjax.methods.validation.moment_match`: ``loo_moment_match()``, which improves those
  observations' PSIS-LOO values without refitting by moment matching the draws on the
  sampler's unconstrained coordinates (loo 2.5's algorithm).
"""
