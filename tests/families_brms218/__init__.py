"""brms 2.18's further families (shifted_lognormal, inverse.gaussian, frechet, asym_laplace):
densities, priors, standata, the response-bounded ndt, post-processing and the porter."""
