"""brms families written in R: ``poisson()``, ``cumulative("probit")``, ``Gamma(link = "log")``.

A family is kept as a :class:`FamilyCall` (the brms family name and its arguments) and is
resolved to a :class:`~brmsjax.backend.families.registry.Family` only when the model runs, so a
script
translates even before brmsjax has every family.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from brmsjax.backend.families import registry as families
from brmsjax.backend.families.registry import Family, get_family
from brmsjax.formula.errors import ModelError
from brmsjax.formula.syntax.ast import Call, Name, Paren, String

from .rparse import RCodeError, RNode
from .rvalues import Ref, match_args, py_literal, py_str, r_value

__all__ = ["BRMS_FAMILIES", "FamilyCall", "MixtureCall", "r_family"]

#: brms 2.18's family functions (R name -> brms family name), including those from stats.
BRMS_FAMILIES: dict[str, str] = {
    name: name for name in (
        "gaussian", "student", "skew_normal", "lognormal", "shifted_lognormal", "exgaussian",
        "gen_extreme_value", "exponential", "weibull", "frechet", "dirichlet", "von_mises",
        "asym_laplace", "binomial", "bernoulli", "beta_binomial", "poisson", "negbinomial",
        "geometric", "categorical", "multinomial", "cumulative", "cratio", "sratio", "acat",
        "hurdle_poisson", "hurdle_negbinomial", "hurdle_gamma", "hurdle_lognormal",
        "zero_inflated_binomial", "zero_inflated_beta", "zero_inflated_negbinomial",
        "zero_inflated_poisson", "zero_inflated_beta_binomial", "zero_one_inflated_beta",
        "wiener", "cox", "logistic_normal", "com_poisson", "discrete_weibull", "negbinomial2",
    )
} | {"Gamma": "gamma", "gamma": "gamma", "Beta": "beta", "beta": "beta",
     "inverse.gaussian": "inverse.gaussian"}  # fmt: skip
_FORMALS = ("link",)


@dataclass(frozen=True)
class FamilyCall:
    """A brms family as written in R: the family name and its arguments.

    Attributes
    ----------
    name
        brms's family name (``"gamma"`` for R's ``Gamma()``).
    func
        The R function as written (``"Gamma"``).
    kwargs
        Its arguments (``{"link": "log"}``).
    """

    name: str
    func: str = ""
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def constructor(self) -> str | None:
        """The name of the brmsjax constructor of this family, or None if brmsjax lacks it."""
        for candidate in (self.func, self.name, self.name.replace(".", "_")):
            if candidate and callable(getattr(families, candidate, None)):
                return candidate
        return None

    def resolve(self) -> Family:
        """The :class:`Family` object.

        Raises
        ------
        ModelError
            If brmsjax lacks the family or rejects an argument.
        """
        ctor = self.constructor()
        if not self.kwargs:
            return get_family(self.name) if ctor is None else getattr(families, ctor)()
        if ctor is None:
            raise ModelError(
                f"The family '{self.name}' is not available in brmsjax; choose another family."
            )
        func = getattr(families, ctor)
        accepted = inspect.signature(func).parameters
        for key in self.kwargs:
            if key not in accepted:
                raise ModelError(
                    f"The {self.func or self.name}() argument '{key}' is not supported by "
                    f"brmsjax; supported: {', '.join(accepted) or 'none'}."
                )
        family: Family = func(**self.kwargs)
        return family

    def to_python(self) -> str:
        """Python source: ``"poisson"``, or ``families.cumulative(link='probit')``."""
        if not self.kwargs:
            return py_str(self.name)
        ctor = self.constructor() or self.name.replace(".", "_")
        args = ", ".join(f"{k}={py_literal(v)}" for k, v in self.kwargs.items())
        return f"families.{ctor}({args})"


@dataclass(frozen=True)
class MixtureCall(FamilyCall):
    """brms's ``mixture(gaussian, gaussian, nmix = 1, order = NULL)`` as written in R.

    Attributes
    ----------
    components
        The component families as written (``nmix`` not yet applied).
    """

    components: tuple[FamilyCall, ...] = ()

    def resolve(self) -> Family:
        """The :class:`~brmsjax.backend.families.mixture.Mixture`.

        Raises
        ------
        ModelError
            As brmsjax's ``mixture()`` (brms's messages), or for a component brmsjax lacks.
        """
        from brmsjax.backend.families.mixture import mixture

        return mixture(*(c.resolve() for c in self.components), **self.kwargs)

    def to_python(self) -> str:
        """Python source: ``bj.mixture("gaussian", "gaussian", nmix=2)``."""
        args = [c.to_python() for c in self.components]
        args += [f"{k}={py_literal(v)}" for k, v in self.kwargs.items()]
        return f"bj.mixture({', '.join(args)})"


def _mixture(call: Call, source: str) -> MixtureCall:
    """``mixture(family, ..., nmix = 1, order = NULL)``: the families are the unnamed
    arguments (or ``flist = list(...)``), ``nmix`` a number or ``c(...)``, ``order`` a string
    or a logical."""
    components: list[FamilyCall] = []
    kwargs: dict[str, Any] = {}
    for arg in call.args:
        value = arg.value
        if arg.name is None:
            family = r_family(value, source)
            if not isinstance(family, FamilyCall) or isinstance(family, MixtureCall):
                raise RCodeError(
                    "The components of mixture() must be brms families such as gaussian or "
                    "poisson().",
                    source,
                    value.span,
                )
            components.append(family)
        elif arg.name in ("nmix", "order"):
            obj = r_value(value, source, f"the mixture() argument '{arg.name}'").obj
            if isinstance(obj, Ref):
                raise RCodeError(
                    f"The mixture() argument '{arg.name}' must be a value such as 2 or \"mu\".",
                    source,
                    value.span,
                )
            if obj is not None:
                kwargs[arg.name] = tuple(obj) if isinstance(obj, list) else obj
        else:
            raise RCodeError(
                f"The mixture() argument '{arg.name}' is not supported by brmsjax; give the "
                "families as arguments, with nmix and order.",
                source,
                arg.span,
            )
    return MixtureCall("mixture", "mixture", kwargs, tuple(components))


def r_family(node: RNode, source: str) -> FamilyCall | Ref:
    """Translate an R family (``poisson``, ``"poisson"``, ``poisson()``, ``brmsfamily(...)``).

    Returns a :class:`Ref` for a name that is not a brms family (a custom family object).

    Raises
    ------
    RCodeError
        For ``mixture()``, ``custom_family()`` and other calls that are not families, and for
        a link given as something other than a string.
    """
    if isinstance(node, Paren):
        return r_family(node.expr, source)
    if isinstance(node, String):
        return _known(node.value, node.value, {}, source, node)
    if isinstance(node, Name):
        func = node.name.removeprefix("brms::").removeprefix("stats::")
        return _known(func, func, {}, source, node) if func in BRMS_FAMILIES else Ref(func)
    if isinstance(node, Call):
        func = node.func.removeprefix("brms::").removeprefix("stats::")
        if func == "brmsfamily":
            if not node.args or node.args[0].name not in (None, "family"):
                raise RCodeError("brmsfamily() needs the family name first.", source, node.span)
            name = r_value(node.args[0].value, source, "the family name").obj
            rest = Call("brmsfamily", node.args[1:], node.span)
            return _known(str(name), str(name), _kwargs(rest, source), source, node)
        if func in BRMS_FAMILIES:
            return _known(func, func, _kwargs(node, source), source, node)
        if func == "mixture":
            return _mixture(node, source)
        if func == "custom_family":
            raise RCodeError(
                f"{func}() families are not supported by brmsjax; choose a built-in family.",
                source,
                node.span,
            )
    raise RCodeError(
        'This is not a brms family; write one such as poisson() or cumulative("probit").',
        source,
        node.span,
    )


def _kwargs(call: Call, source: str) -> dict[str, Any]:
    matched, rest = match_args(call, _FORMALS, source)
    out: dict[str, Any] = {}
    for name, arg in [*matched.items(), *((a.name, a) for a in rest)]:
        if name is None:
            raise RCodeError(
                f"{call.func}() takes one unnamed argument, the link; name this one.",
                source,
                arg.span,
            )
        value = arg.value
        if name.startswith("link") and isinstance(value, Name):
            out[name] = value.name  # poisson(log) is poisson("log") in R
            continue
        obj = r_value(value, source, f"the {call.func}() argument '{name}'").obj
        if isinstance(obj, Ref):
            raise RCodeError(
                f"The {call.func}() argument '{name}' must be a value such as \"log\".",
                source,
                value.span,
            )
        out[name] = obj
    return out


def _known(name: str, func: str, kwargs: dict[str, Any], source: str, node: RNode) -> FamilyCall:
    if name not in BRMS_FAMILIES:
        raise RCodeError(
            f"'{name}' is not a brms family; use one such as 'gaussian' or 'poisson'.",
            source,
            node.span,
        )
    return FamilyCall(BRMS_FAMILIES[name], func, kwargs)
