"""mixture() families: designs, priors, likelihood, post-processing and fits against brms."""
