"""brms's ``data2`` structures in the design: matrices read from ``data2``, not the data.

:mod:`.ir` holds their design IR (:class:`~.ir.Data2Design`, the ``Design.data2`` field);
:mod:`.build` checks ``data2`` and builds brms's ``Lcov_k`` of ``gr(g, cov = A)`` and
``Mfcor`` of ``fcor(M)``; :mod:`.spatial` builds the data of ``sar(M)`` and ``car(M, gr)``
(IR in :mod:`.ir_spatial`); :mod:`.car_multi` lists a model's CAR structures (one per
mixture component or response with ``car()``, brms's ``_mu1``/``_y`` suffixes).
"""
