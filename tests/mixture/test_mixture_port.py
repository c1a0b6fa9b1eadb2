"""The porter reads brms's ``mixture()`` families and ``bf()``'s fixed mixing proportions."""

from __future__ import annotations

import pytest

from brmsjax.port import BrmCall, RCodeError, from_r
from brmsjax.rcode.rfamilies import MixtureCall

# (R family, Python source, brms's family line, order)
FAMILIES = [
    (
        "mixture(gaussian, gaussian)",
        'bj.mixture("gaussian", "gaussian")',
        "mixture(gaussian, gaussian)",
        "mu",
    ),
    (
        "mixture(gaussian, nmix = 3)",
        'bj.mixture("gaussian", nmix=3)',
        "mixture(gaussian, gaussian, gaussian)",
        "mu",
    ),
    (
        'mixture(gaussian(), student(), order = "none")',
        'bj.mixture("gaussian", "student", order="none")',
        "mixture(gaussian, student)",
        "none",
    ),
    (
        "brms::mixture(poisson, poisson(identity))",
        'bj.mixture("poisson", families.poisson(link="identity"))',
        "mixture(poisson, poisson)",
        "mu",
    ),
    (
        'mixture("lognormal", Gamma("log"), nmix = c(2, 1))',
        'bj.mixture("lognormal", families.Gamma(link="log"), nmix=(2, 1))',
        "mixture(lognormal, lognormal, gamma)",
        "none",
    ),
]


@pytest.mark.parametrize(("r_family", "python", "display", "order"), FAMILIES)
def test_mixture_translates(r_family: str, python: str, display: str, order: str) -> None:
    call = from_r(f"brm(y ~ x, data = d, family = {r_family})")
    assert isinstance(call, BrmCall)
    assert isinstance(call.family, MixtureCall)
    assert call.family.to_python() == python
    family = call.family.resolve()
    assert (family.display, family.order) == (display, order)  # type: ignore[attr-defined]
    assert f"family={python}," in call.to_python()


def test_fixed_thetas_are_normalized() -> None:
    call = from_r(
        "brm(bf(y ~ x + z, theta1 = 1, theta2 = 3), dat, family = mixture(gaussian, gaussian))"
    )
    assert isinstance(call, BrmCall)
    assert dict(call.formula.fixed) == {"theta1": 0.25, "theta2": 0.75}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("mixture(gaussian, flist = f)", "The mixture() argument 'flist' is not supported"),
        ("mixture(gaussian, nmix = k)", "The mixture() argument 'nmix' must be a value"),
        ("mixture(mixture(gaussian, gaussian), gaussian)", "The components of mixture() must"),
    ],
)
def test_mixture_rejections(code: str, message: str) -> None:
    with pytest.raises(RCodeError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        from_r(f"brm(y ~ x, data = d, family = {code})")


def test_script_ports_a_mixture_family_object() -> None:
    from brmsjax.port.script import port_script

    script = (
        "mix <- mixture(gaussian, gaussian)\n"
        "fit1 <- brm(bf(y ~ x + z), dat, family = mix, chains = 2)\n"
        "ppm <- pp_mixture(fit1)\n"
    )
    result = port_script(script)
    assert not result.problems
    assert 'mix = bj.mixture("gaussian", "gaussian")' in result.code
    assert "family=mix," in result.code
    assert "ppm = fit1.pp_mixture()" in result.code
