"""What a brms formula's terms mean for its family, read after :mod:`..brmsterms`.

:mod:`.family_checks` (brms's checks of terms against the family: addition terms a family
cannot take, ``cs()`` outside ordinal families, ...), :mod:`.missing` (``mi()`` responses and
brms's message for ``mi()`` predictors) and :mod:`.mixture` (the per-component formulas of
``mixture()`` families).
"""
