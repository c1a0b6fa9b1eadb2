"""The fit's methods as plain functions of a fit, as brms's S3 methods of a ``brmsfit``.

Each function takes a :class:`~brmsjax.core.FitLike` first and reads its draws through the
public :class:`~brmsjax.core.DrawStore`; :class:`~brmsjax.fit.BrmsFit` binds them as its methods
(``ranef(fit)`` is ``fit.ranef()``). The modules import :mod:`brmsjax.core` and each other
(comparisons and plots use predictions, hypotheses the group-level effects), never
:mod:`brmsjax.fit`:

* :mod:`~brmsjax.methods.summary`: ``summary``, ``posterior_summary``, ``fixef`` and brms's
  printed summary layout;
* :mod:`~brmsjax.methods.group_effects`: ``ranef``, ``coef``, ``VarCorr``;
* :mod:`~brmsjax.methods.predictions`: ``posterior_linpred/epred/predict``, ``fitted``,
  ``predict``, ``log_lik``, ``residuals``;
* :mod:`~brmsjax.methods.comparison`: ``loo``, ``waic``, ``loo_compare``, ``bayes_R2``;
* :mod:`~brmsjax.methods.weights`: ``loo_model_weights``, ``model_weights``,
  ``add_criterion``;
* :mod:`~brmsjax.methods.hypotheses`: ``hypothesis``, ``prior_draws`` and the Savage-Dickey
  evidence ratio;
* :mod:`~brmsjax.methods.plots` and :mod:`~brmsjax.methods.conditional_effects`: ``pp_check``,
  ``mcmc_plot``, ``plot``, ``conditional_effects``;
* :mod:`~brmsjax.methods.refit`: ``update``.
"""
