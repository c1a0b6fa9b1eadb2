"""More of bayesplot's posterior predictive checks, for ``pp_check(type=...)``.

:mod:`brmsjax.methods.plots` draws the first five types; this folder adds the rest brms users
reach for, each named as bayesplot's ``ppc_`` function:

* :mod:`~brmsjax.methods.ppc.loo_pit`: ``loo_pit()``, the leave-one-out probability integral
  transform (PSIS-weighted ``P(y_rep <= y_i)``; uniform for a well-calibrated model), and the
  ``loo_pit_overlay`` / ``loo_pit_qq`` plots;
* :mod:`~brmsjax.methods.ppc.more_types`: ``ecdf_overlay``, ``stat_grouped``,
  ``scatter_avg``, ``error_scatter_avg``, ``violin_grouped`` and ``boxplot``.

They take the observed ``y`` and draws ``y_rep`` from :func:`~brmsjax.methods.plots.pp_check`
and return a matplotlib Figure.
"""
