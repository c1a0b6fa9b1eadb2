"""Marginal effects in the spirit of R's marginaleffects/emmeans and bambi's ``interpret``.

Every quantity is a function of the draws of :meth:`~brmsjax.fit.BrmsFit.posterior_epred`
(``type="response"``) or :meth:`~brmsjax.fit.BrmsFit.posterior_linpred` (``type="link"``), so
it works for every family: :mod:`.grid` builds the data to predict at (``datagrid``: chosen
values, other variables at their mean or mode) and summarizes draws into brms-style tables,
:mod:`.effects` computes predictions, counterfactual comparisons, finite-difference slopes and
emmeans-style marginal means per draw, and :mod:`.result` holds the table, the draws behind it
and a matplotlib ``plot()``.
"""
