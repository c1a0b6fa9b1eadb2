"""The glm form of negbinomial(log): its log density against the plain form and scipy, and
where ``likelihood="auto"`` chooses it."""
