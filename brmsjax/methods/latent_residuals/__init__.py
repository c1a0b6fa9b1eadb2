"""Post-processing of latent time-series residuals (``ar(cov = TRUE)`` and ``cosy()`` in
families other than gaussian and student).

- :mod:`.err_draws`: the ``err`` draws that predictions add to mu: the saved ones for the
  fitting data, new ones drawn per series for new data (brms's ``prepare_predictions_ac``).
"""
