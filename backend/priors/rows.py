"""The prior rows of a model: brms's ``get_prior`` table before user priors.

Each :class:`PriorRow` is one row of brms 2.18's table, keyed by ``(class, coef, group, resp,
dpar, nlpar)``. Class-level rows carry the default prior; rows below them (``b`` per coefficient,
``sd`` per group and per coefficient, ``cor`` per group) carry none and inherit it. Rows are in
brms's order: sorted by ``(resp, dpar, nlpar, class, group, coef)`` under R's collation (ICU root:
case-insensitive first, punctuation before digits before letters).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.mixture import Mixture, theta_mode, theta_names
from brmsjax.backend.families.registry import Family
from brmsjax.backend.priors.defaults import default_dpar_prior, family_scale_prior
from brmsjax.backend.priors.parse import parse_prior
from brmsjax.formula.design.data2.car_multi import car_structures
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.special.autocor import ARMA_FAMILIES
from brmsjax.formula.design.special.group_by import group_dist
from brmsjax.formula.terms.readers.mecor import design_mecor

# ICU root order of ASCII whitespace, punctuation and symbols (before digits, then letters).
_PUNCTUATION = "\t\n\v\f\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"
_RANK = {c: i for i, c in enumerate(_PUNCTUATION)}

LKJ_DEFAULT = PriorSpec("lkj", (1.0,))
#: brms's default prior of a student-t group's ``df`` (``gr(g, dist = "student")``), lb = 1.
DF_DEFAULT = PriorSpec("gamma", (2.0, 0.1))
DIRICHLET_DEFAULT = PriorSpec("dirichlet", (1.0,))


def r_collate_key(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...]]:
    """Sort key that orders ASCII strings as R's ``order()`` does with ICU root collation.

    Strings compare first by their characters ignoring case (punctuation < digits < letters),
    then by case, lower before upper, from the left.
    """
    primary: list[tuple[int, int]] = []
    tertiary: list[int] = []
    for c in text:
        if c in _RANK:
            primary.append((0, _RANK[c]))
        elif c.isdigit():
            primary.append((1, ord(c)))
        elif c.isalpha():
            primary.append((2, ord(c.lower())))
        else:
            primary.append((3, ord(c)))
        tertiary.append(1 if c.isupper() else 0)
    return tuple(primary), tuple(tertiary)


def format_r_number(x: float | None) -> str:
    """A bound or prior argument as R's ``as.character`` writes it; ``""`` for None."""
    if x is None:
        return ""
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.15g}"


@dataclass(frozen=True)
class PriorRow:
    """One row of brms's prior table.

    Attributes
    ----------
    class_, coef, group, resp, dpar, nlpar
        The row's key, as brms writes it.
    spec
        Default prior of a class-level row; None for rows that inherit it.
    lb, ub
        Bounds shown in the table (class-level rows of bounded classes).
    shown, ub_shown, lb_shown
        The prior and the bounds as brms writes them where they are statistics of the data
        (``uniform(0, min_Y)`` and ``min_Y`` for shifted_lognormal's ``ndt``,
        ``min_eigenMsar``/``max_eigenMsar`` for ``sar()``'s parameter); ``""`` otherwise.
    """

    class_: str
    coef: str = ""
    group: str = ""
    resp: str = ""
    dpar: str = ""
    nlpar: str = ""
    spec: PriorSpec | None = None
    lb: float | None = None
    ub: float | None = None
    shown: str = ""
    ub_shown: str = ""
    lb_shown: str = ""

    @property
    def key(self) -> tuple[str, str, str, str, str, str]:
        """``(class, coef, group, resp, dpar, nlpar)``."""
        return (self.class_, self.coef, self.group, self.resp, self.dpar, self.nlpar)

    def sort_key(self) -> tuple[object, ...]:
        """brms's ``order(resp, dpar, nlpar, class, group, coef)``."""
        fields = (self.resp, self.dpar, self.nlpar, self.class_, self.group, self.coef)
        return tuple(r_collate_key(f) for f in fields)


def predicted_dpars(design: Design) -> tuple[str, ...]:
    """Auxiliary parameters with their own formula (``sigma ~ x``), in design order; in a
    categorical model also the category dpars (``mu2``, ...)."""
    return tuple(b.dpar for b in design.fixed if b.dpar)


def is_categorical(design: Design, family: Family) -> bool:
    """Whether the model has one mu per non-reference category (``mu2``, ...)."""
    return design.kind == "categorical" or family.kind == "categorical"


def category_dpars(design: Design, family: Family) -> tuple[str, ...]:
    """The mu dpars of a categorical model (``mu2``, ``mu3``, ...), else ``()``."""
    if not is_categorical(design, family):
        return ()
    return tuple(b.dpar for b in design.fixed if b.dpar.startswith("mu"))


def scalar_dpars(design: Design, family: Family) -> tuple[str, ...]:
    """Auxiliary parameters estimated as one scalar: neither predicted nor fixed (by the
    formula, by ``se()``, or by the family as ordinal ``disc``)."""
    predicted = set(predicted_dpars(design)) | {d.dpar for d in design.nlf}  # nlf(sigma ~ ..)
    fixed = {**getattr(family, "dpar_fixed", {}), **design.fixed_dpars}
    if isinstance(family, Mixture):  # mu<k> are always predicted; a theta simplex is one class
        predicted |= {f"mu{k}" for k in range(1, family.nmix + 1)}
        if theta_mode(family, predicted, fixed) == "simplex":
            predicted |= set(theta_names(family.nmix))
    return tuple(d for d in family.dpars if d not in predicted and d not in fixed)


def dpar_link(family: Family, dpar: str) -> str:
    """Link of a distributional parameter when it is predicted (mu's link for ``""`` and for
    the ``mu<category>`` dpars of a categorical model)."""
    if dpar == "" or (family.kind == "categorical" and dpar.startswith("mu")):
        return family.link
    return family.dpar_links.get(dpar, "identity")


def default_prior(design: Design, family: Family, dpar: str, link: str) -> PriorSpec:
    """brms's default for ``dpar`` (``""`` is mu): the prior of the scalar parameter, or of its
    ``Intercept`` when it is predicted on ``link``'s scale.

    A scalar parameter takes the family's ``dpar_priors`` entry when it has one.
    """
    block = design.block(dpar)
    if link == "identity" and dpar and dpar in family.dpar_priors:
        return parse_prior(family.dpar_priors[dpar])
    role = "" if dpar in category_dpars(design, family) else dpar
    if family.name == "logistic_normal" and dpar.startswith("sigma"):  # sigma<cat>: sigma's
        role = "sigma"
    family_link, family_name = family.link, family.name
    if isinstance(family, Mixture):  # the component's link of mu<k>
        family_link, family_name = family.prior_scale(dpar)
    return default_dpar_prior(
        role,
        link,
        design.response.y,
        family_link=family_link,
        family_name=family_name,
        factor_like=design.response.levels is not None,
        offset=None if block is None else block.offset,
    )


def equidistant(family: Family) -> bool:
    """Whether an ordinal family has brms's equidistant thresholds (``first_Intercept``
    and ``delta``)."""
    return getattr(family, "threshold", "flexible") == "equidistant"


def threshold_coefs(family: Family, nthres: int) -> tuple[str, ...]:
    """The ``coef`` of each threshold prior (``"1"``, ``"2"``, ...); none when the thresholds
    are equidistant (one prior for ``first_Intercept``)."""
    return () if equidistant(family) else tuple(str(k) for k in range(1, nthres + 1))


def _fixed_rows(design: Design, family: Family) -> list[PriorRow]:
    """Rows of mu's population-level block: ``Intercept`` (with one row per ordinal threshold)
    and ``b``; a categorical model adds brms's flat ``b`` and ``Intercept`` rows of mu itself."""
    rows: list[PriorRow] = []
    cats = [b for b in design.fixed if b.dpar in category_dpars(design, family)]
    if cats:  # brms's rows of mu itself: b where the categories have slopes, Intercept where
        flat = PriorSpec("flat")  # they have intercepts (``y ~ 1``: no b; ``y ~ 0 + x``: no
        if any(b.slope_columns or b.cs_columns or b.sp is not None for b in cats):  # Intercept)
            rows.append(PriorRow("b", spec=flat))
        if any(b.intercept for b in cats):
            rows.append(PriorRow("Intercept", spec=flat))
    for block in design.fixed:
        link = dpar_link(family, block.dpar)
        if block.intercept or block.thresholds:
            spec = default_prior(design, family, block.dpar, link)
            rows.append(PriorRow("Intercept", dpar=block.dpar, spec=spec))
            rows += [
                PriorRow("Intercept", coef=str(k), dpar=block.dpar)
                for k in threshold_coefs(family, block.thresholds)
            ]
            if block.thresholds and equidistant(family):  # first_Intercept and delta
                lb = 0.0 if getattr(family, "ordered_thresholds", True) else None
                rows.append(PriorRow("delta", spec=PriorSpec("flat"), lb=lb))
        # category-specific effects cs() share class b with the slopes (brms's prior_cs)
        if block.slope_columns or block.cs_columns or block.sp is not None:
            rows.append(PriorRow("b", dpar=block.dpar, spec=PriorSpec("flat")))
            rows += [
                PriorRow("b", coef=c, dpar=block.dpar)
                for c in (*block.slope_columns, *block.cs_columns)
            ]
        if block.sp is not None:  # mo() terms: bsp under class b, and a simplex each
            rows += [PriorRow("b", coef=c, dpar=block.dpar) for c in block.sp.coefs]
            rows += [
                PriorRow("simo", coef=label, dpar=block.dpar, spec=DIRICHLET_DEFAULT)
                for label in block.sp.prior_coefs
            ]
    rows += me_rows(design)
    return rows


def me_rows(design: Design) -> list[PriorRow]:
    """brms's ``prior_Xme``: flat ``meanme`` and ``sdme`` (lb 0) with a row per ``me()``
    variable, and ``lkj(1)`` on ``corme`` with two or more."""
    labels = [lb for b in design.fixed if b.sp is not None for lb in b.sp.me_labels]
    if not labels:
        return []
    flat = PriorSpec("flat")
    rows = [PriorRow("meanme", spec=flat), PriorRow("sdme", spec=flat, lb=0.0)]
    rows += [PriorRow("meanme", coef=lb) for lb in labels]
    rows += [PriorRow("sdme", coef=lb, lb=0.0) for lb in labels]
    if len(labels) > 1 and design_mecor(design):  # set_mecor(FALSE): no corme
        rows.append(PriorRow("corme", spec=LKJ_DEFAULT))
        gr = next((b.sp.me_gr for b in design.fixed if b.sp is not None and b.sp.me_gr), "")
        if gr:  # me(x, sdx, gr = g): brms's row of the group
            rows.append(PriorRow("corme", group=gr))
    return rows


def mixture_rows(design: Design, family: Mixture) -> list[PriorRow]:
    """A mixture's ``theta`` row: brms's ``dirichlet(1)`` of the simplex of mixing proportions,
    where they are neither predicted nor fixed."""
    predicted = set(predicted_dpars(design))
    if theta_mode(family, predicted, design.fixed_dpars) != "simplex":
        return []
    return [PriorRow("theta", spec=DIRICHLET_DEFAULT)]


def arma_classes(design: Design) -> tuple[tuple[str, int], ...]:
    """The ARMA coefficient classes of the model and their sizes: ``ar`` (``Kar``) and ``ma``
    (``Kma``) where the order is positive; brms 2.18's default priors are flat, unbounded."""
    arma = design.arma if design.arma is not None else design.arcov  # cov = FALSE or TRUE
    if arma is None:
        return ()
    return tuple((cls, k) for cls, k in (("ar", arma.p), ("ma", arma.q)) if k)


def arma_prior_rows(design: Design, family: Family) -> list[tuple[PriorRow, int]]:
    """The ARMA class rows (brms 2.18's ``prior_ac``) with each class's size: ``ar``/``ma``
    flat (on ``[-1, 1]`` with latent residuals or ``cov = TRUE``) and, with latent residuals
    (families other than gaussian and student), ``sderr`` with the sd's default prior."""
    series = (design.arma, design.arcov, design.cosy) != (None, None, None)  # cov: also TRUE
    latent = series and family.name not in ARMA_FAMILIES
    lb, ub = (-1.0, 1.0) if latent or design.arcov is not None else (None, None)
    rows = [(PriorRow(c, spec=PriorSpec("flat"), lb=lb, ub=ub), k) for c, k in arma_classes(design)]
    if latent:
        sd_spec = family_scale_prior(
            design.response.y,
            family.link,
            family_name=family.name,
            factor_like=design.response.levels is not None,
        )
        rows.append((PriorRow("sderr", spec=sd_spec, lb=0.0), 1))
    return rows


def spatial_rows(design: Design, family: Family) -> list[tuple[PriorRow, int]]:
    """The class rows of ``sar()`` and ``car()`` (brms 2.18's ``prior_ac``) with each class's
    size: ``lagsar``/``errorsar`` flat within ``[min_eigenMsar, max_eigenMsar]``; ``car``
    (escar) flat on ``[0, 1]``; ``sdcar`` the sd default; ``rhocar`` (bym2) ``beta(1, 1)``."""
    data2 = design.data2
    rows: list[tuple[PriorRow, int]] = []
    if data2 is not None and data2.sar is not None:
        lo, hi = "min_eigenMsar", "max_eigenMsar"
        row = PriorRow(data2.sar.param, spec=PriorSpec("flat"), lb_shown=lo, ub_shown=hi)
        rows.append((row, 1))
    for s in car_structures(design):  # per mixture component: dpar mu1, ...
        d = s.prior_dpar
        if s.car.type == "escar":
            rows.append((PriorRow("car", dpar=d, spec=PriorSpec("flat"), lb=0.0, ub=1.0), 1))
        if s.car.type == "bym2":
            beta = PriorSpec("beta", (1.0, 1.0))
            rows.append((PriorRow("rhocar", dpar=d, spec=beta, lb=0.0, ub=1.0), 1))
        sd_spec = family_scale_prior(
            design.response.y,
            family.link,
            family_name=family.name,
            factor_like=design.response.levels is not None,
        )
        rows.append((PriorRow("sdcar", dpar=d, spec=sd_spec, lb=0.0), 1))
    return rows


def model_rows(design: Design, family: Family) -> tuple[PriorRow, ...]:
    """All prior rows of the model in brms 2.18's ``get_prior`` order."""
    rows = _fixed_rows(design, family)
    if isinstance(family, Mixture):
        rows += mixture_rows(design, family)
    if family.name == "logistic_normal":  # the latent normals' correlations, lkj(1)
        rows.append(PriorRow("lncor", spec=LKJ_DEFAULT))
    for dpar in scalar_dpars(design, family):
        lb, ub = family.dpar_bounds.get(dpar, (None, None))
        if dpar.startswith("theta"):  # brms's dpar_bounds of a mixture's theta<k>
            lb, ub = -math.inf, math.inf
        spec = default_prior(design, family, dpar, "identity")
        bound = family.data_bounds.get(dpar, "")  # brms's "min_Y": ndt < min(Y)
        shown = f"uniform(0, {bound})" if bound and spec.dist == "uniform" else ""
        rows.append(PriorRow(dpar, spec=spec, lb=lb, ub=ub, shown=shown, ub_shown=bound))
    if design.groups:
        sd_spec = family_scale_prior(
            design.response.y,
            family.link,
            family_name=family.name,
            factor_like=design.response.levels is not None,
        )
        for dpar in dict.fromkeys(d for g in design.groups for d in g.dpars):
            rows.append(PriorRow("sd", dpar=dpar, spec=sd_spec, lb=0.0))
        for g in design.groups:
            rows += [PriorRow("sd", group=g.group, dpar=d) for d in dict.fromkeys(g.dpars)]
            rows += [
                PriorRow("sd", coef=c, group=g.group, dpar=d)
                for c, d in zip(g.coefs, g.dpars, strict=True)
            ]
            if g.cor and g.M > 1:
                rows += [PriorRow("cor", spec=LKJ_DEFAULT), PriorRow("cor", group=g.group)]
            if group_dist(g) == "student":  # gr(g, dist = "student"): brms's df per group
                rows.append(PriorRow("df", group=g.group, spec=DF_DEFAULT, lb=1.0))
    rows += gp_rows(design, family)
    if design.smooths:  # brms's class sds: the sd default, one row per smooth (its mgcv label)
        sds_spec = family_scale_prior(
            design.response.y,
            family.link,
            family_name=family.name,
            factor_like=design.response.levels is not None,
        )
        for sm in design.smooths:
            rows.append(PriorRow("sds", dpar=sm.dpar, spec=sds_spec, lb=0.0))
            rows.append(PriorRow("sds", coef=sm.term, dpar=sm.dpar))
    rows += [row for row, _ in arma_prior_rows(design, family)]
    rows += [row for row, _ in spatial_rows(design, family)]
    if design.cosy is not None:  # cosy(): brms's flat prior on [0, 1]
        rows.append(PriorRow("cosy", spec=PriorSpec("flat"), lb=0.0, ub=1.0))
    unique: dict[tuple[str, ...], PriorRow] = {}
    for row in sorted(rows, key=PriorRow.sort_key):
        unique.setdefault(row.key, row)
    return tuple(unique.values())


def gp_rows(design: Design, family: Family) -> list[PriorRow]:
    """brms's rows of the GP terms (``prior_gp``): per dpar a class-level ``sdgp`` row with
    the data-scaled default and a flat ``lscale`` row, both bounded at 0, then per term a row
    per sub-GP (``sdgp``) and per length-scale (``lscale``, with its data-tuned default)."""
    from brmsjax.backend.priors.gp import gp_rows_specs

    if not design.gps:
        return []
    sd_spec = family_scale_prior(
        design.response.y,
        family.link,
        family_name=family.name,
        factor_like=design.response.levels is not None,
    )
    rows: list[PriorRow] = []
    for dpar in dict.fromkeys(b.dpar for b in design.gps):
        rows.append(PriorRow("sdgp", dpar=dpar, spec=sd_spec, lb=0.0))
        rows.append(PriorRow("lscale", dpar=dpar, lb=0.0))
    for block in design.gps:
        rows += [
            PriorRow(cls, coef=coef, dpar=block.dpar, spec=spec)
            for cls, coef, spec in gp_rows_specs(block)
        ]
    return rows
