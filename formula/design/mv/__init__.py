"""Multivariate designs (``mvbind(y1, y2) ~ x``, ``bf(y1 ~ x) + bf(y2 ~ z)``).

:mod:`.ir_mv` is the IR (one univariate design per response, joined into a flat design whose
dpars carry the response), :mod:`.mv_design` builds it, :mod:`.mv_standata` prints it as
brms's ``make_standata`` and :mod:`.mv_newdata` encodes new data for it.
"""
