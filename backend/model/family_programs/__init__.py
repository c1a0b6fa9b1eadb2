"""Programs of families whose likelihood needs more than a row-wise density of the dpars.

- :mod:`.gev`: gen_extreme_value's scalar ``xi``, sampled as brms's ``tmp_xi`` and scaled
  into the bounds that the response, mu and sigma set.
- :mod:`.logistic_normal`: logistic_normal's correlations of the log ratios, brms's ``Llncor``
  (LKJ prior, class ``lncor``), saved as ``lncor__p2__p3``.
"""
