"""The marginal form of gaussian models with several group-level IDs (nested or crossed).

Every group effect is integrated out of the likelihood exactly, as the one-term marginal form
(:mod:`brmsjax.backend.model.marginal`) does; the effects are drawn from their exact gaussian
conditional with each saved draw.

- :mod:`.data`: the host statistics (``Z'WZ``, ``Z'We``, ``Z'WP`` by block) and the sparsity
  pattern of the block elimination, computed once in float64.
- :mod:`.loglik`: the marginal log likelihood and the conditional draw of the effects.
- :mod:`.dense`: the dense Schur complement's inverse and log determinant (a blocked
  Gauss-Jordan elimination in XLA for large ones) and the effects' draw from it.
"""
