"""Priors as brms takes them: ``prior()``, brms 2.18's prior table, the priors the sampler uses.

- :mod:`.user`: the user's priors, :class:`~.user.Prior` made by ``prior()``/``set_prior()``.
- :mod:`.resolve`: the ``get_prior`` table, and the resolution of defaults and user priors to
  one prior per parameter.
- ``grammar.lark`` and :mod:`.parse`: the prior language (``normal(0, 10)``, ``lkj(2)``, ...);
  :mod:`.arith` evaluates arguments written as Stan expressions (``normal(log(9), 0.5)``).
- :mod:`.defaults`: brms's data-dependent default priors (``student_t(3, 257.6, 25.8)``).
- :mod:`.rows`: the rows of the prior table a design has (class, coef, group, dpar).
- :mod:`.check`: brms's checks of user priors (unknown classes, bounds, improper priors).
- :mod:`.special`: brms's shrinkage priors on the whole class ``b`` (``horseshoe()``,
  ``R2D2()``, ``lasso()``): R-style arguments matched and checked as brms 2.18 does.
"""
