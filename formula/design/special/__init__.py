"""The design data of brms's special terms, each beside the others.

- :mod:`.smooth_terms`: ``s()`` and ``t2()`` terms (mgcv's bases, brms's ``Xs`` and ``Zs``).
- :mod:`.monotonic`: ``mo()`` terms (brms's ``Xmo``, ``Jmo`` and the ``bsp`` columns).
- :mod:`.autocor`: ``ar()``, ``ma()`` and ``arma()`` terms (time and group order, brms's
  ``J_lag``).
- :mod:`.nonlinear`: the covariates (``C``) and parameter blocks of ``nl = TRUE`` formulas.
- :mod:`.measurement`: ``me(x, sdx)`` terms, special effects beside ``mo()`` (``Xn_k``,
  ``noise_k``).
- :mod:`.missing`: ``y | mi()`` and ``y | mi(sdy)`` responses (brms's ``Jmi``, ``Jme``, ``noise``).
- :mod:`.group_by`: group terms ``gr(g, by = f)`` with ``sd`` and ``cor`` per level of ``f``
  (brms's ``Nby``, ``Jby``).
- :mod:`.cs_groups`: category-specific group terms ``(cs(1) | g)`` of ordinal models (one
  effect per coefficient and threshold, ``r_g[a,Intercept[1]]``).

``gp()`` terms stay in :mod:`brmsjax.formula.design.gp` (the Design IR refers to their blocks,
and these modules import the IR, so the IR never imports this package).
"""
