"""Reading fits saved by earlier brmsjax versions.

A saved fit is a pickle, which names each class by its module and its fields by name. Modules
have moved since fits were first saved (backend/ and formula/ into folders by stage), and the
fit's group type changed: :class:`SavedFitUnpickler` maps the old module paths to the new ones
and reads the old ``GroupInfo`` (coefficient names with the dpar prefix) into the design's
:class:`~brmsjax.formula.design.ir.GroupSpec`.
"""

from __future__ import annotations

import pickle
from typing import Any

from brmsjax.formula.design.ir import GroupSpec

__all__ = ["SavedFitUnpickler"]

# Modules that moved since fits were first saved: a pickle names each class by its module.
_MOVED_MODULES = {
    f"brmsjax.backend.{old}": f"brmsjax.backend.{new}"
    for old, new in {
        "family_base": "families.base",
        "family_continuous": "families.continuous",
        "family_discrete": "families.discrete",
        "family_inflated": "families.inflated",
        "family_ordinal": "families.ordinal",
        "families": "families.registry",
        "links": "families.links",
        "priors": "priors.user",
        "prior_parse": "priors.parse",
        "prior_rows": "priors.rows",
        "densities": "dists.densities",
        "lower": "model.lower",
        "draws": "infer.draws",
        "model.autocor": "model.terms.autocor",
        "model.gp": "model.terms.gp",
        "model.monotonic": "model.terms.monotonic",
        "model.nonlinear": "model.terms.nonlinear",
        "model.shrinkage": "model.terms.shrinkage",
        "model.smooth_terms": "model.terms.smooth_terms",
    }.items()
} | {
    f"brmsjax.formula.{old}": f"brmsjax.formula.{new}"
    for old, new in {
        "ast": "syntax.ast",
        "parse": "syntax.parse",
        "deparse": "syntax.deparse",
        "terms": "terms.terms",
        "brmsterms": "terms.brmsterms",
        "update": "terms.update",
        "values": "evaluate.values",
        "variables": "evaluate.state",
        "functions": "evaluate.functions",
        "operators": "evaluate.operators",
        "design": "design.design",
        "matrix": "design.matrix",
        "response": "design.response",
        "newdata": "design.newdata",
        "ir": "design.ir",
        "standata": "design.standata",
        "design.autocor": "design.special.autocor",
        "design.monotonic": "design.special.monotonic",
        "design.nonlinear": "design.special.nonlinear",
        "design.smooth_terms": "design.special.smooth_terms",
    }.items()
}


class _SavedGroupInfo(GroupSpec):
    """A fit's group as brmsjax saved it before :class:`GroupSpec` (``brmsjax.fit.GroupInfo``).

    Its ``coefs`` carried the dpar prefix (``sigma_Intercept``); unpickling strips it, so the
    loaded group is a :class:`GroupSpec` like a new fit's.
    """

    def __setstate__(self, state: dict[str, Any]) -> None:
        coefs = tuple(state["coefs"])
        dpars = tuple(state.get("dpars") or ("",) * len(coefs))
        fields = {
            "id": state.get("id", 1),
            "group": state["group"],
            "levels": tuple(state["levels"]),
            "coefs": tuple(c[len(d) + 1 :] if d else c for c, d in zip(coefs, dpars, strict=True)),
            "dpars": dpars,
            "cor": state.get("cor", True),
        }
        for name, value in fields.items():
            object.__setattr__(self, name, value)


class SavedFitUnpickler(pickle.Unpickler):
    """Reads fits saved before a module move or a type change (see the module docstring)."""

    def find_class(self, module: str, name: str) -> Any:
        if name == "GroupInfo" and module in ("brmsjax.fit", "brmsjax.core"):
            return _SavedGroupInfo
        return super().find_class(_MOVED_MODULES.get(module, module), name)
