"""The model side of ``me(x, sdx)`` noise-free predictors.

brms's Stan code (one group, brms's default ``set_mecor(TRUE)``)::

    vector[Mme_1] meanme_1;  vector<lower=0>[Mme_1] sdme_1;
    matrix[Mme_1, N] zme_1;  cholesky_factor_corr[Mme_1] Lme_1;   // Lme_1 if Mme_1 > 1
    Xme = rep_matrix(meanme_1', N) + (diag_pre_multiply(sdme_1, Lme_1) * zme_1)';
    mu += bsp[i] * Xme_k * Csp_j;
    target += normal_lpdf(Xn_k | Xme_k, noise_k) + std_normal_lpdf(to_vector(zme_1));
"""

from __future__ import annotations

from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import ModelError

__all__ = ["check_me"]


def check_me(design: Design) -> None:
    """Refuse ``me()`` terms in a fitted model (their design and priors are brms's)."""
    if any(b.sp is not None and b.sp.Xn for b in design.fixed):
        raise ModelError(
            "me() terms are not supported yet in brm() (make_standata() and get_prior() give "
            "brms's data and priors); remove them from the formula."
        )
