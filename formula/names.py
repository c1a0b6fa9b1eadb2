"""brms 2.18's variable names, built in one place.

Every name a fit shows (``b_Intercept``, ``b_sigma_x``, ``sd_Subject__Days``,
``cor_Subject__Intercept__Days``, ``r_Subject[308,Days]``, ``r_g__sigma[a,Intercept]``) is made
here, so the draws, the prior table, the summaries and the group-level extractors cannot drift
apart. The rules are brms's:

- a coefficient of a distributional parameter other than ``mu`` carries the parameter as a
  prefix (``sigma_Intercept``); population-level names prefix ``b_``;
- group-level standard deviations are ``sd_<group>__<coef>``, correlations
  ``cor_<group>__<coef1>__<coef2>`` with the earlier coefficient first;
- group-level effects are ``r_<group>[<level>,<coef>]`` (``r_<group>__<dpar>`` for other
  parameters, with the coefficient name unprefixed), each space, tab or newline in a level
  label becoming ``.``.
"""

from __future__ import annotations

import re

_SPACE = re.compile(r"[ \t\r\n]")

#: The columns ``posterior::as_draws_df`` adds to a draws frame, as brms's draws have them.
META_COLUMNS = (".chain", ".iteration", ".draw")


def coef_name(coef: str, dpar: str = "") -> str:
    """A group-level coefficient as ``sd_`` names show it: ``Days``, ``sigma_Intercept``."""
    return f"{dpar}_{coef}" if dpar else coef


def b_name(coef: str, dpar: str = "") -> str:
    """A population-level coefficient: ``b_Intercept``, ``b_Days``, ``b_sigma_Intercept``."""
    return f"b_{dpar}_{coef}" if dpar else f"b_{coef}"


def bs_name(coef: str, dpar: str = "") -> str:
    """A smooth's unpenalized coefficient: ``bs_slstat_1``, ``bs_sigma_srm_1``."""
    return f"bs_{dpar}_{coef}" if dpar else f"bs_{coef}"


def fixed_draw_name(coef: str, dpar: str = "", smooth: tuple[str, ...] = ()) -> str:
    """A population-level column's draw: ``bs_`` for smooths' columns, else ``b_``."""
    return bs_name(coef, dpar) if coef in smooth else b_name(coef, dpar)


def sds_name(prefix: str, j: int) -> str:
    """A smooth's standard deviation: ``sds_slstat_1``, ``sds_sigma_srm_1``."""
    return f"sds_{prefix}_{j}"


def s_name(prefix: str, j: int, i: int) -> str:
    """A smooth's penalized coefficient: ``s_slstat_1[3]``."""
    return f"s_{prefix}_{j}[{i}]"


def bcs_name(coef: str, k: int) -> str:
    """A category-specific effect at threshold ``k``: ``bcs_contactyes[1]`` (``fixef()``
    shows it as ``contactyes[1]``)."""
    return f"bcs_{coef}[{k}]"


def sd_name(group: str, coef: str, dpar: str = "") -> str:
    """A group-level standard deviation: ``sd_Subject__Days``, ``sd_g__sigma_Intercept``."""
    return f"sd_{group}__{coef_name(coef, dpar)}"


def cor_name(group: str, first: str, second: str) -> str:
    """A group-level correlation between two coefficient names (as :func:`coef_name` gives)."""
    return f"cor_{group}__{first}__{second}"


def level_label(level: str) -> str:
    """A level as brms writes it inside ``r_`` names (whitespace becomes ``.``)."""
    return _SPACE.sub(".", level)


def r_prefix(group: str, dpar: str = "") -> str:
    """The stem of a group's effects: ``r_Subject``, ``r_g__sigma``."""
    return f"r_{group}__{dpar}" if dpar else f"r_{group}"


def r_name(group: str, level: str, coef: str, dpar: str = "") -> str:
    """One group-level effect: ``r_Subject[308,Days]``, ``r_g__sigma[a.b,Intercept]``.

    ``coef`` is the coefficient without the ``dpar`` prefix, as brms writes it inside brackets.
    """
    return f"{r_prefix(group, dpar)}[{level_label(level)},{coef}]"


def gp_name(cls: str, suffix: str, dpar: str = "") -> str:
    """A Gaussian process parameter (``cls`` ``sdgp``, ``lscale`` or ``zgp``) as brms names it:
    ``sdgp_gpx``, ``lscale_sigma_gpx1x2fa``; ``zgp`` names take ``[m]`` after them."""
    return f"{cls}_{dpar}_{suffix}" if dpar else f"{cls}_{suffix}"
