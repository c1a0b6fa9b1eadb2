"""Model terms and evaluated variables to design data: the last stage of the formula pipeline.

:mod:`.design` builds the :class:`~.ir.Design` of a formula and a data frame (rows with NAs
dropped, brms's group ID order); :mod:`.matrix` is R's ``model.matrix`` for one term list;
:mod:`.response` codes the response and its addition terms; :mod:`.ir` is the Design IR the
backend lowers; :mod:`.newdata` encodes new data with a fitted design's state (into
:mod:`.newdata_ir`'s ``NewData``, which also reads ``re_formula``);
:mod:`.standata` prints a Design as brms's ``make_standata``; :mod:`.intercept` is brms's
reserved ``Intercept`` variable (``0 + Intercept``) and the ``bf()`` options of the blocks;
:mod:`.gp` holds ``gp()`` terms and :mod:`.special` the other special terms (``s()``, ``mo()``,
ARMA, ``nl = TRUE``, ``mi()``); :mod:`.ir_mime` is the IR of ``mi()`` and ``me()``;
:mod:`.data2` the matrices of brms's ``data2`` (``gr(g, cov = A)``, ``fcor(M)``).
"""
