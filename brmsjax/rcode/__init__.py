"""R code as brms users write it: the R grammar, R values, and brms's prior and family calls.

- ``r_grammar.lark`` and :mod:`.rparse`: R expressions and statements (LALR, R's ``?Syntax``
  precedence), sharing the formula grammar's terminals.
- :mod:`.rvalues`: R values (``c()``, ``list()``, numbers, strings) as Python values and code.
- :mod:`.rpriors`: ``prior()``/``set_prior()`` calls and their ``c()`` and ``+`` as brmsjax priors.
- :mod:`.rfamilies`: brms family calls (``cumulative("probit")``) as brmsjax families.

Below the user API: ``brm(prior = "c(prior(...))")`` reads R priors with it, and the porter
(:mod:`brmsjax.port`) builds on it.
"""
