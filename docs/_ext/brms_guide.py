"""Sphinx extension: the brms -> brmsjax guide's table, generated from what brmsjax exposes.

Every name in ``brms_names.txt`` (brms 2.18's exports and ``brmsfit`` methods, recorded from R)
gets a row: from :data:`brms_guide_table.ROWS` where listed, else by rule (families, the
``d/p/q/r`` distribution functions, ``is.*`` checks, the deprecated ``cor_*`` structures). Each
row's probe runs at build time, so a counterpart is shown only while brmsjax has it and the row
says *not yet* otherwise. The table goes to ``_generated/brms_guide.inc`` (``brms_guide.rst``
includes it).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from brms_guide_table import ROWS

import brmsjax as bj

HERE = Path(__file__).resolve().parent
SECTIONS = (
    "Fitting and formulas",
    "Formula terms",
    "Families",
    "Priors",
    "Methods of a fit",
    "Model comparison",
    "Draws and sampler",
    "Plots",
    "Distributions",
    "Utilities",
    "Deprecated in brms",
)
# Families R's stats package provides (brms uses them; they are not brms exports).
STATS_FAMILIES = ("gaussian", "poisson", "binomial", "Gamma", "inverse.gaussian")
FAMILIES = frozenset(
    """acat asym_laplace bernoulli Beta beta_binomial categorical cox cratio cumulative dirichlet
    exgaussian exponential frechet gen_extreme_value geometric hurdle_gamma hurdle_lognormal
    hurdle_negbinomial hurdle_poisson logistic_normal lognormal multinomial negbinomial
    shifted_lognormal skew_normal sratio student von_mises weibull wiener zero_inflated_beta
    zero_inflated_beta_binomial zero_inflated_binomial zero_inflated_negbinomial
    zero_inflated_poisson zero_one_inflated_beta""".split()
)


@dataclass(frozen=True)
class Row:
    """One brms name, where it belongs, how to check brmsjax has it, and what to write."""

    name: str
    section: str
    probe: str
    text: str


def brms_names() -> list[str]:
    """brms 2.18's exports and ``brmsfit`` methods, as recorded from R."""
    lines = (HERE / "brms_names.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _listed() -> dict[str, Row]:
    rows = {}
    for line in ROWS.strip().splitlines():
        name, section, probe, text = (part.strip() for part in (line + " ").split(" :: ", 3))
        rows[name] = Row(name, section, probe, text)
    return rows


def _by_rule(name: str) -> Row:
    py = name.replace(".", "_")
    if name in FAMILIES or name in STATS_FAMILIES:
        return Row(name, "Families", f"bj.{py}", f'``bj.{py}()`` or ``family="{name}"``')
    if name.startswith("is."):
        return Row(name, "Utilities", "n/a", "``isinstance(x, ...)`` with brmsjax's classes")
    if name.startswith("cor_"):
        return Row(name, "Deprecated in brms", "dep", "autocorrelation terms in the formula")
    if name[0] in "dpqr" and len(name) > 1:
        hint = "``scipy.stats`` or ``numpyro.distributions``"
        return Row(name, "Distributions", f"bj.{name}", hint)
    raise KeyError(f"brms's {name!r} has no row in docs/_ext/brms_guide_table.py; add one.")


def rows() -> list[Row]:
    """One row per brms name (and R's stats families), listed ones first by section."""
    listed = _listed()
    names = [*brms_names(), *STATS_FAMILIES]
    return [listed[n] if n in listed else _by_rule(n) for n in dict.fromkeys(names)]


def probe_data() -> pd.DataFrame:
    """A small data set for formula probes (every column a probe formula may name)."""
    rng = np.random.default_rng(1)
    n = 24
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "g": np.repeat(["a", "b", "c", "d"], 6),
            "g2": np.tile(["a", "b", "c", "d"], 6),
            "h": np.repeat(["u", "v"], 12),
            "t": np.tile(np.arange(1, 7), 4),
            "n": np.full(n, 10),
            "yc": rng.integers(0, 10, size=n),
            "yo": np.tile([1, 2, 3, 4], 6),
            "m": np.tile([0, 1, 2, 3], 6),
            "s": np.full(n, 0.5),
            "w": np.full(n, 1.0),
            "c": np.zeros(n, dtype=int),
        }
    )


def probe_data2() -> dict[str, object]:
    """``data2`` of the formula probes: ``Mcar``, the adjacency of ``g``'s levels a-d (a ring),
    ``Msar``, a ring adjacency of the 24 rows, and ``Mfcor``, a 24 x 24 correlation matrix."""
    ring = np.abs(np.subtract.outer(range(4), range(4))) % 2 == 1
    rows = np.abs(np.subtract.outer(range(24), range(24)))
    return {
        "Mcar": pd.DataFrame(ring.astype(float), index=list("abcd"), columns=list("abcd")),
        "Msar": ((rows == 1) | (rows == 23)).astype(float),
        "Mfcor": 0.5**rows,
    }


def available(probe: str, data: pd.DataFrame) -> bool:
    """Whether brmsjax has the counterpart the probe names (see brms_guide_table)."""
    if probe.startswith("fit."):
        return hasattr(bj.BrmsFit, probe[4:]) or probe[4:] in _FIT_ATTRIBUTES
    if probe.startswith("bj."):
        return hasattr(bj, probe[3:])
    if probe.startswith(("f:", "p:")):
        formula, _, family = probe[2:].partition(" ; ")
        prior = None
        if probe.startswith("p:"):
            formula, prior = "y ~ x + z", bj.prior(probe[2:])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bj.make_standata(
                    formula,
                    data,
                    family=family.strip() or "gaussian",
                    prior=prior,
                    data2=probe_data2(),
                )
        except Exception:
            return False
        return True
    return False


# Attributes a fit sets in __init__ (not class attributes).
_FIT_ATTRIBUTES = frozenset({"data", "design", "info", "brm_args", "criteria", "model"})


def _cell(row: Row, data: pd.DataFrame) -> str:
    if row.probe == "n/a":
        return f"n/a: {row.text}"
    if row.probe == "dep":
        return f"deprecated in brms; use {row.text}"
    if row.probe != "-" and available(row.probe, data):
        return row.text or "yes"
    return f"*not yet*; {row.text}" if row.text and row.probe == "-" else "*not yet*"


def guide_text() -> str:
    """The reStructuredText of the guide's tables, one per section."""
    data = probe_data()
    table = [(r, _cell(r, data)) for r in rows()]
    have = sum(1 for r, c in table if r.probe not in ("n/a", "dep") and "not yet" not in c)
    todo = sum(1 for _, c in table if "not yet" in c)
    out = [
        f"Of {len(table)} rows, {have} have a brmsjax counterpart, {todo} are not yet there and "
        "the rest are deprecated in brms or have nothing to port.",
        "",
    ]
    for section in SECTIONS:
        part = [(r, c) for r, c in table if r.section == section]
        if not part:
            continue
        out += [
            section,
            "-" * len(section),
            "",
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 30 70",
            "",
            "   * - brms",
            "     - brmsjax",
        ]
        for r, c in part:
            out += [f"   * - ``{r.name}``", f"     - {c}"]
        out.append("")
    return "\n".join(out)


def _write(app: Any) -> None:
    target = Path(app.srcdir) / "_generated" / "brms_guide.inc"
    target.parent.mkdir(exist_ok=True)
    text = guide_text()
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    """Register the table generator with Sphinx."""
    app.connect("builder-inited", _write)
    return {"parallel_read_safe": True, "version": "1"}
