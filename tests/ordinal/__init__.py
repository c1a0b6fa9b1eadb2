"""The ordinal families sratio, cratio and acat and category-specific effects cs(): densities,
design, priors, fits and predictions against brms 2.18."""
