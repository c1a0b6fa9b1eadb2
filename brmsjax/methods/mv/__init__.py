"""Post-processing of multivariate fits (``mvbind()``, ``bf() + bf()``): predictions per
response (``resp=``) and jointly, with brms's residual correlations (:mod:`.predict`)."""
