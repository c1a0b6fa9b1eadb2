"""mi() predictors in multivariate models, set_mecor() and the corpus's formula sums."""
