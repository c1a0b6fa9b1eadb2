"""Model averaging weights (``loo_model_weights``, ``model_weights``) and ``add_criterion``."""
