"""Families and priors: densities against scipy, log likelihoods, random draws, default priors
and get_prior rows against brms."""
