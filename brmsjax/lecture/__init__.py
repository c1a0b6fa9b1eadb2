"""The seed lecture's level notation: a brms model written as level-1 and level-2 equations.

* :mod:`~brmsjax.lecture.multilevel`: ``multilevel()``, a two-level model written level by
  level, turned into a brms formula;
* :mod:`~brmsjax.lecture.levels`: the model's structure (betas, gammas, level-2 blocks) read
  from a formula and its data;
* :mod:`~brmsjax.lecture.notation`: symbols and indices (gamma_pq, phi, rho) in text and LaTeX;
* :mod:`~brmsjax.lecture.equations`: ``equations()``, the level-1 and level-2 equations;
* :mod:`~brmsjax.lecture.glosses`: the parameter table with a plain-language meaning per row;
* :mod:`~brmsjax.lecture.multilevel_table`: a fit's estimates in that table.

None of it is part of brms; it depends on :mod:`brmsjax.formula`, and the table on the
summaries of :mod:`brmsjax.methods.summary`.
"""
