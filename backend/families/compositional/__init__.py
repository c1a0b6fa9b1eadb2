"""brms 2.18's families of a response with one column per category, ``cbind(y1, y2, y3)``.

- :mod:`.multinomial`: ``multinomial()`` (counts out of ``trials()``) and ``dirichlet()``
  (proportions with precision ``phi``), both with mu's softmax over the categories' predictors
  ``mu<y2>``, ``mu<y3>``, ... against the first (reference) category.
- :mod:`.logistic_normal`: ``logistic_normal()`` (proportions whose log ratios to the first
  category are multivariate normal with sds ``sigma<y2>``, ... and correlations ``lncor``):
  density, draws, ``get_prior`` and ``make_standata``; not fitted yet.

Their kind is ``"categorical"``: the design replicates mu's formula per non-reference category
as for ``categorical()``, and ``eta`` is ``(..., N, ncat)`` with a zero reference column.
"""
