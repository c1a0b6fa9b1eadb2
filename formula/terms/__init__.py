"""A formula's syntax tree to model terms: the second stage of the formula pipeline.

:mod:`.terms` is R's term algebra (``terms.formula``: ``*``, ``/``, ``^``, ``-``, ``%in%``,
``.``); :mod:`.additions` reads brms's addition terms (``y | weights(w) ~ ...``);
:mod:`.brmsterms` reads a brms formula (:mod:`.bf`: ``bf()``) into response, dpars and group
terms; :mod:`.update` is brms's ``update()`` of a formula (``. ~ . + x``); :mod:`.options` reads
``bf()``'s ``center``, ``cmc`` and ``decomp``; :mod:`.family_terms` says what the terms mean for the
family (brms's family checks, ``mi()``, ``mixture()`` components); :mod:`.readers` reads single
special terms (``cosy()``, ``set_mecor()``, ``mi()`` predictors).
"""
