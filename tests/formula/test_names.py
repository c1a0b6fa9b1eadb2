"""brms's variable names (brmsjax.formula.names) against names read off brms 2.18 fits."""

import pytest

from brmsjax.formula import names


@pytest.mark.parametrize(
    ("made", "brms"),
    [
        (names.b_name("Intercept"), "b_Intercept"),
        (names.b_name("Days"), "b_Days"),
        (names.b_name("Intercept", "sigma"), "b_sigma_Intercept"),
        (names.b_name("x:f2", "sigma"), "b_sigma_x:f2"),
        (names.coef_name("Intercept", "sigma"), "sigma_Intercept"),
        (names.sd_name("Subject", "Days"), "sd_Subject__Days"),
        (names.sd_name("g", "Intercept", "sigma"), "sd_g__sigma_Intercept"),
        (names.cor_name("Subject", "Intercept", "Days"), "cor_Subject__Intercept__Days"),
        (names.r_name("Subject", "308", "Days"), "r_Subject[308,Days]"),
        (names.r_name("g", "a b", "Intercept", "sigma"), "r_g__sigma[a.b,Intercept]"),
        (names.r_name("school:class", "1_2", "Intercept"), "r_school:class[1_2,Intercept]"),
    ],
)
def test_names_are_brms_names(made: str, brms: str) -> None:
    assert made == brms
