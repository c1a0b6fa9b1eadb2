"""The R porter translates brms's kfold, reloo, add_criterion, loo_moment_match and the new
pp_check / conditional_effects arguments into the fit's methods."""

from __future__ import annotations

import pytest

from brmsjax.port.script import port_script


@pytest.mark.parametrize(
    ("r_line", "python"),
    [
        (
            'kf <- kfold(fit, K = 5, folds = "grouped", group = "g")',
            'kf = fit.kfold(K=5, folds="grouped", group="g")',
        ),
        (
            'fit <- add_criterion(fit, c("loo", "kfold"))',
            'fit = fit.add_criterion(["loo", "kfold"])',
        ),
        ("reloo(fit, loo1, k_threshold = 0.6)", "print(fit.reloo(loo1, k_threshold=0.6))"),
        ("loo_moment_match(fit)", "print(fit.loo_moment_match())"),
        (
            'pp_check(fit, type = "stat_grouped", group = "g", stat = "sd")',
            'fit.pp_check(type="stat_grouped", group="g", stat="sd")',
        ),
        (
            'conditional_effects(fit, method = "posterior_predict", spaghetti = TRUE, ndraws = 50)',
            'fit.conditional_effects(method="posterior_predict", spaghetti=True, ndraws=50)',
        ),
    ],
)
def test_port_translates_the_methods(r_line: str, python: str) -> None:
    result = port_script(f"fit <- brm(y ~ x + (1 | g), data = d)\n{r_line}\n")
    assert python in result.code.splitlines()
    assert result.problems == []


def test_port_names_an_unknown_argument() -> None:
    result = port_script('fit <- brm(y ~ x, data = d)\npp_check(fit, grp = "g")\n')
    assert (
        "'grp' is not an argument of brmsjax's fit.pp_check(); its arguments are: group,"
        in (result.problems[0])
    )
