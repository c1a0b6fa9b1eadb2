"""What ``conditional_effects`` summarizes besides the expected response.

* :mod:`~brmsjax.methods.effects.ce_methods`: brms's ``method =`` (``posterior_epred``,
  ``posterior_predict``, ``posterior_linpred``) with ``ndraws``, ``categorical = TRUE`` (one
  curve per response category of an ordinal or categorical model, ``cats__``) and
  ``spaghetti = TRUE`` (one curve per draw for numeric effects).

:mod:`brmsjax.methods.conditional_effects` builds the grids and the plots and calls these.
"""
