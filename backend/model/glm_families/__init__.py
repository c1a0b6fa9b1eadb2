"""glm forms of families beyond :mod:`~brmsjax.backend.model.glm_forms`'s exponential families.

- :mod:`.negbinomial_glm`: negbinomial(log) with one shape for all rows: the distinct counts'
  ``lgamma(y + phi)`` and the linear part from host statistics, one ``logaddexp`` per row.
"""
