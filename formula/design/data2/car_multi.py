"""brms's CAR structures of a design: one per ``car()`` term's predictor of mu.

brms 2.18 gives a mixture model one CAR structure per component whose ``mu<k>`` formula has
the ``car()`` term (data ``Nloc_mu1``, ``Jloc_mu1``, ...; parameters ``sdcar_mu1``,
``rcar_mu1``, ``car_mu1``), and a multivariate model one per response whose formula has it
(``Nloc_y``, ``sdcar_y``, ...). A univariate model has one structure without a suffix.
:func:`car_structures` lists them as :class:`CarStructure` objects: the suffix of brms's
names, the predictor the effects ``rcar[Jloc]`` add to, the prior rows' ``resp``/``dpar``
and the :class:`~.ir_spatial.CarDesign` of the data. Standata, the lowering, the priors and
the predictions all read the structures from here, so each reuses its single-structure code
with a suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...errors import DesignError
from .ir_spatial import CarDesign

__all__ = ["CarStructure", "car_structures"]

_MIXTURE_MU = re.compile(r"mu[0-9]+")


@dataclass(frozen=True)
class CarStructure:
    """One CAR structure of a model.

    Attributes
    ----------
    suffix
        The suffix of brms's names: ``""``, ``"_mu1"`` (mixture component) or ``"_y"``
        (response ``y``).
    dpar
        The predictor the effects add to, as the lowering and predictions key it: ``""``
        (mu), ``"mu1"`` or the response ``"y"`` (a flat multivariate design's mu).
    resp, prior_dpar
        The ``resp`` and ``dpar`` columns of the structure's prior rows.
    car
        The structure's data (brms's ``data_ac`` of ``car()``).
    """

    suffix: str
    dpar: str
    resp: str
    prior_dpar: str
    car: CarDesign

    def standata(self) -> dict[str, object]:
        """brms's ``data_ac`` entries of the structure with its suffix (``Nloc_mu1``, ...)."""
        return {f"{k}{self.suffix}": v for k, v in self.car.standata().items()}


def _has_car(dp: Any) -> bool:
    return any(getattr(c, "func", None) == "car" for c in dp.fixed.autocor)


def car_structures(design: Any) -> tuple[CarStructure, ...]:
    """The CAR structures of a design (a :class:`~brmsjax.formula.design.ir.Design`).

    Raises
    ------
    DesignError
        For ``car()`` in a multivariate model with ``subset()`` (the responses' rows differ).
    """
    mv = getattr(design, "mv", None)
    if mv is not None:
        if mv.subset is not None and any(car_structures(d) for d in mv.designs):
            raise DesignError(
                "car() terms in multivariate models with subset() or index() are not "
                "supported in brmsjax."
            )
        return tuple(
            CarStructure(f"_{resp}", resp, resp, "", s.car)
            for resp, d in zip(mv.responses, mv.designs, strict=True)
            for s in car_structures(d)
        )
    data2 = getattr(design, "data2", None)
    car = None if data2 is None else data2.car
    terms = getattr(getattr(design, "state", None), "terms", None)
    mus = [
        dp
        for dp in getattr(terms, "dpars", ())
        if _MIXTURE_MU.fullmatch(dp.dpar) is not None and design.kind != "categorical"
    ]
    if not mus:
        return () if car is None else (CarStructure("", "", "", "", car),)
    if car is None:
        return ()
    # the components whose formula is the main one's (a mu<k> formula of its own cannot hold
    # car(): brms's "Explicit covariance terms can only be specified on 'mu'.")
    return tuple(
        CarStructure(f"_{dp.dpar}", dp.dpar, "", dp.dpar, car) for dp in mus if _has_car(dp)
    )
