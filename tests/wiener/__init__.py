"""brms 2.18's wiener() family with dec(): the density against RWiener and 60-digit mpmath,
the draws against RWiener's CDF and draws, brms's get_prior/make_standata, fits and the porter."""
