"""brms's ``hypothesis()`` and ``prior_draws()``.

- :mod:`.hypothesis`: the hypothesis grammar (``hypothesis.lark``), its evaluation over draws
  and brms 2.18's summary table;
- :mod:`.prior_draws`: the ``prior_*`` draws of a ``sample_prior = "yes"`` fit, matched to
  parameters as brms matches them;
- :mod:`.savage_dickey`: brms's ``density_ratio`` (R's ``density()`` and ``spline()``), the
  evidence ratio of point hypotheses;
- :mod:`.layout`: R's printing of the result table.
"""
