"""The :class:`Family` interface and the response checks every family shares.

A family turns mu's linear predictor ``eta`` and the other distributional parameters into the
arguments of one Stan distribution (:meth:`Family.args`) and evaluates that distribution
(:meth:`Family.lpdf`, :meth:`Family.lcdf`, :meth:`Family.lccdf`, :meth:`Family.mean`,
:meth:`Family.draw`). The public methods (:meth:`Family.log_lik_eta`, :meth:`Family.epred`,
:meth:`Family.rng`, ...) compose the two; families override them for stable link-scale forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from jax import Array

from brmsjax.backend.dists.table import DISTRIBUTIONS
from brmsjax.backend.families.links import INV_LINKS
from brmsjax.formula.errors import ModelError
from brmsjax.formula.terms.family_terms.family_checks import BRMS_ADDITIONS, FAMILY_ADDITIONS

Args = tuple[Array, ...]

# What each response support needs, for check_response's messages.
_NEEDS = {
    "positive": "positive values",
    "nonneg": "non-negative values",
    "unit": "values strictly between 0 and 1",
    "unit_zero": "values in [0, 1)",
    "unit_closed": "values in [0, 1]",
    "count": "non-negative whole numbers",
    "binary": "0 or 1 (or a factor with two levels)",
    "trials": "non-negative whole numbers",
    "circular": "angles between -pi and pi",
}
_TODO = {
    "positive": "Fix the data, or choose a family for real values such as gaussian.",
    "nonneg": "Fix the data, or choose a family for real values such as gaussian.",
    "unit": "Rescale the response into the open interval (0, 1).",
    "unit_zero": "Rescale the response into [0, 1), or use zero_one_inflated_beta for ones.",
    "unit_closed": "Rescale the response into [0, 1].",
    "count": "Fix the data, or choose a family for real values such as gaussian.",
    "binary": "Recode the response to 0 and 1.",
    "trials": "Fix the data, or choose a family for real values such as gaussian.",
    "circular": "Convert the angles to radians in [-pi, pi].",
}


@dataclass(frozen=True)
class Family:
    """A brms family with its links.

    Attributes
    ----------
    name
        brms family name as the summary's ``Family:`` line prints it (``"gaussian"``).
    link
        Link of mu.
    dpars
        Auxiliary distributional parameters besides mu, in brms's order (``("sigma",)``).
    dpar_links
        Link of each auxiliary parameter when it is predicted (``{"sigma": "log"}``).
    dpar_bounds
        Lower and upper bound of each auxiliary parameter on its natural scale.
    allowed_links
        Links brms allows for mu.
    dpar_priors
        brms 2.18's default prior of each auxiliary parameter when it is a scalar
        (``{"nu": "gamma(2, 0.1)"}``); ``sigma``'s data-dependent default is computed by the
        priors code and is absent here.
    kind
        ``"continuous"``, ``"discrete"`` (counts and binary), ``"ordinal"`` (thresholds
        ``Intercept[k]``, mu without intercept, ``dpars["thres"]`` holds the ordered
        thresholds) or ``"categorical"`` (one linear predictor per non-reference category;
        ``eta`` is ``(N, ncat)`` with a zero first column).
    dpar_fixed
        Auxiliary parameters that brms fixes to a value unless they are predicted
        (``{"disc": 1.0}`` for ordinal families); they are never sampled as scalars.
    """

    name: str
    link: str
    dpars: tuple[str, ...] = ()
    dpar_links: Mapping[str, str] = field(default_factory=dict)
    dpar_bounds: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    allowed_links: tuple[str, ...] = ("identity",)
    dpar_priors: Mapping[str, str] = field(default_factory=dict)
    kind: str = "continuous"
    dpar_fixed: Mapping[str, float] = field(default_factory=dict)

    # Response support checked by check_response (see _NEEDS) and whether the family has
    # Stan CDFs for cens() and trunc().
    support: ClassVar[str] = "real"
    has_cdf: ClassVar[bool] = False
    #: Stan's distribution of the response in the distribution table
    #: (:data:`~brmsjax.backend.dists.table.DISTRIBUTIONS`), whose lpdf and log CDFs
    #: :meth:`args` feeds; None where the family writes its own (inflated, ordinal, ...).
    dist: ClassVar[str | None] = None
    #: Addition terms brmsjax implements for the family besides ``cens()`` and ``trunc()``
    #: (which need :attr:`has_cdf`); see :attr:`implemented_additions`.
    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights"})
    #: Auxiliary parameters whose upper bound is a statistic of the response, by brms's name
    #: of it (``{"ndt": "min_Y"}``); see :mod:`brmsjax.backend.model.data_bounds`.
    data_bounds: ClassVar[Mapping[str, str]] = {}
    #: Scalar dpars that brms samples as ``tmp_<dpar>`` and transforms with the data (brms's
    #: ``family$tmp_dpars``: gen_extreme_value's ``xi``); the draws hold both.
    tmp_dpars: ClassVar[tuple[str, ...]] = ()

    @property
    def ad(self) -> tuple[str, ...]:
        """brms 2.18's allowed addition terms of the family (its ``ad`` list).

        A name brms does not know (a family built for a test) allows every term.
        """
        return FAMILY_ADDITIONS.get(self.name, BRMS_ADDITIONS)

    @property
    def implemented_additions(self) -> frozenset[str]:
        """The addition terms brmsjax implements for the family, within :attr:`ad`.

        brms allows some that brmsjax does not implement yet (``subset()``,
        ``cens()`` of beta_binomial); the design refuses those rather than ignore them.
        """
        terms = set(self.addition_terms) | ({"cens", "trunc"} if self.has_cdf else set())
        terms.add("mi")  # every family whose ``ad`` has mi() (formula/design/special/missing)
        return frozenset(terms & set(self.ad))

    def links_line(self, predicted: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> str:
        """The ``Links:`` line of brms's summary, e.g. ``mu = identity; sigma = identity``.

        A predicted auxiliary parameter shows its link (``sigma = log``); a scalar one shows
        ``identity`` as brms prints it. ``categories`` (the non-reference categories) is read
        by the categorical family only.
        """
        parts = [f"mu = {self.link}"] + [
            f"{d} = {self.dpar_links.get(d, 'identity') if d in predicted else 'identity'}"
            for d in self.dpars
        ]
        return "; ".join(parts)

    @property
    def discrete(self) -> bool:
        """Whether the response is discrete (brms truncates such responses at ``lb - 1``)."""
        return self.kind != "continuous"

    def inv_link(self, eta: Array) -> Array:
        """mu on the response scale from its linear predictor."""
        return INV_LINKS[self.link](eta)

    # -- the distribution: subclasses define these
    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        """Arguments of the Stan distribution from mu (response scale) and the dpars."""
        raise NotImplementedError

    def lpdf(self, y: Array, args: Args) -> Array:
        """Log density or mass of ``y`` (the table's entry for :attr:`dist`)."""
        fn = _table_fn(self.dist, "lpdf")
        if fn is None:
            raise NotImplementedError
        return fn(y, *args)

    def lcdf(self, y: Array, args: Args) -> Array:
        """Log CDF ``log P(Y <= y)``."""
        fn = _table_fn(self.dist, "lcdf")
        if fn is None:
            raise ModelError(
                f"The {self.name} family does not support cens() or trunc() in brmsjax; remove "
                "them or choose a family such as gaussian, poisson or lognormal."
            )
        return fn(y, *args)

    def lccdf(self, y: Array, args: Args) -> Array:
        """Log complementary CDF ``log P(Y > y)``."""
        fn = _table_fn(self.dist, "lccdf")
        return self.lcdf(y, args) if fn is None else fn(y, *args)

    def lcdfs(self, y: Array, args: Args) -> tuple[Array, Array]:
        """``(lcdf, lccdf)``; distributions whose CDF is expensive compute both at once."""
        fn = _table_fn(self.dist, "lcdfs")
        return (self.lcdf(y, args), self.lccdf(y, args)) if fn is None else fn(y, *args)

    def mean(self, args: Args) -> Array:
        """Expected value of the response."""
        raise NotImplementedError

    def draw(self, key: Array, args: Args) -> Array:
        """One draw of the response per element of the broadcast arguments."""
        raise NotImplementedError

    # -- the public interface
    def stan_args(
        self, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Args:
        """:meth:`args` from mu's linear predictor."""
        return self.args(self.inv_link(eta), dpars, addition)

    def log_lik(self, y: Array, mu: Array, dpars: Mapping[str, Array]) -> Array:
        """Pointwise log likelihood of ``y`` given mu on the response scale and the dpars."""
        return self.lpdf(y, self.args(mu, dpars, {}))

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """Pointwise log likelihood given mu's linear predictor ``eta`` (link scale).

        Reads the addition terms the family needs (``trials``, ``se``, ``denom``) but not
        ``cens``, ``lb``/``ub`` or ``weights`` (see :func:`~brmsjax.backend.families.likelihood.
        pointwise_log_lik`). ``dpars`` are on their natural scale.
        """
        return self.lpdf(y, self.stan_args(eta, dpars, addition))

    def log_cdf(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """Pointwise ``log P(Y <= y)`` (brms's ``<family>_lcdf``)."""
        return self.lcdf(y, self.stan_args(eta, dpars, addition))

    def log_ccdf(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """Pointwise ``log P(Y > y)`` (brms's ``<family>_lccdf``)."""
        return self.lccdf(y, self.stan_args(eta, dpars, addition))

    def log_cdfs(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> tuple[Array, Array]:
        """Pointwise ``(log P(Y <= y), log P(Y > y))`` in one evaluation."""
        return self.lcdfs(y, self.stan_args(eta, dpars, addition))

    def epred(self, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Array:
        """Expected value of the response (brms's ``posterior_epred``) per observation.

        ``(N,)`` for most families; ``(N, ncat)`` category probabilities for ordinal and
        categorical families. Broadcasts over leading draw dimensions of ``eta``.
        """
        return self.mean(self.stan_args(eta, dpars, addition))

    def rng(
        self, key: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """Draws of the response (brms's ``posterior_predict``), shaped like ``eta``'s rows."""
        return self.draw(key, self.stan_args(eta, dpars, addition))

    def response_values(self, y: Any, levels: tuple[str, ...] | None) -> np.ndarray:
        """The response as the likelihood reads it (a factor's codes become numbers)."""
        return np.asarray(y, dtype=float)

    def check_response(
        self, name: str, y: Any, levels: tuple[str, ...] | None, addition: Mapping[str, Any]
    ) -> None:
        """Raise :class:`ModelError` naming ``name`` when the response does not suit the family."""
        if levels is not None:
            raise ModelError(
                f"The response '{name}' is not numeric; the {self.name} family needs a numeric "
                "response. Convert it, or choose a family for categories."
            )
        values = np.asarray(y, dtype=float)
        check_support(self.name, self.support, name, values)
        if self.support == "trials":
            check_trials(self.name, name, values, addition)


def _table_fn(dist: str | None, what: str) -> Any:
    """The table's function ``what`` of ``dist``, or None (no ``dist``, or none in the table)."""
    return None if dist is None else getattr(DISTRIBUTIONS[dist], what)


def _bad(family: str, support: str, name: str, value: float) -> ModelError:
    return ModelError(
        f"The response '{name}' contains {value:g}, but the {family} family needs "
        f"{_NEEDS[support]}. {_TODO[support]}"
    )


def check_support(family: str, support: str, name: str, y: np.ndarray) -> None:
    """Raise :class:`ModelError` at the first value of ``y`` outside ``support``."""
    whole = np.isfinite(y) & (y == np.round(y))
    bad = {
        "real": ~np.isfinite(y),
        "positive": ~(y > 0),
        "nonneg": ~(y >= 0),
        "unit": ~((y > 0) & (y < 1)),
        "unit_zero": ~((y >= 0) & (y < 1)),
        "unit_closed": ~((y >= 0) & (y <= 1)),
        "count": ~(whole & (y >= 0)),
        "trials": ~(whole & (y >= 0)),
        "binary": ~((y == 0) | (y == 1)),
        "circular": ~((y >= -np.pi) & (y <= np.pi)),
    }.get(support)
    if bad is not None and bad.any():
        if support == "real":
            raise ModelError(
                f"The response '{name}' contains {y[bad][0]:g}; the {family} family needs "
                "finite values. Remove or replace them."
            )
        raise _bad(family, support, name, float(y[bad][0]))


def check_trials(family: str, name: str, y: np.ndarray, addition: Mapping[str, Any]) -> None:
    """Check that binomial-type responses have ``trials()`` and do not exceed them."""
    if "trials" not in addition:
        raise ModelError(
            f"The {family} family needs the number of trials; write the response as "
            f"'{name} | trials(n)'."
        )
    trials = np.broadcast_to(np.asarray(addition["trials"], dtype=float), y.shape)
    bad = y > trials
    if bad.any():
        i = int(np.argmax(bad))
        raise ModelError(
            f"The response '{name}' contains {y[i]:g}, which exceeds its number of trials "
            f"{trials[i]:g}; the {family} family needs {name} <= trials. Fix the data or the "
            "trials() term."
        )
