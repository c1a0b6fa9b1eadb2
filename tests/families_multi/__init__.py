"""brms 2.18's families gen_extreme_value, multinomial, dirichlet and logistic_normal."""
