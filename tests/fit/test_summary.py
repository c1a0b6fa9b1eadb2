"""brms 2.18's printed summary, its number formatting, diagnostics and warnings.

Table layouts are pinned against summaries printed by real brms (R's default width of 80, so
wide row names wrap the columns into blocks); R-hat and ESS are checked against ArviZ called
directly; the whole layout is pinned for small deterministic synthetic fits.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from brmsjax.backend.infer.diagnostics import (
    RHAT_MESSAGE,
    divergence_message,
    ess_bulk,
    ess_tail,
    import_arviz,
    rhat,
    sampler_warnings,
    treedepth_from_steps,
    treedepth_message,
)
from brmsjax.fit import BrmsFit
from brmsjax.fit import group_spec as GroupInfo
from brmsjax.methods.summary import (
    ci_bounds,
    fit_warnings,
    print_format,
    quantile_names,
    summary_table,
)
from tests.fit.test_fit_methods import SLEEP_TRUTH, sleep_info, synthetic_fit

COLS = ["Estimate", "Est.Error", "l-95% CI", "u-95% CI", "Rhat", "Bulk_ESS", "Tail_ESS"]

# Tables as brms printed them (values typed in from the printed output).
PRINTED = [
    (
        ["Intercept", "median_age_std"],
        [
            [0.001, 0.10, -0.20, 0.20, 1.00, 3936, 2758],
            [-0.57, 0.11, -0.79, -0.34, 1.00, 3906, 3129],
        ],
        "               Estimate Est.Error l-95% CI u-95% CI Rhat Bulk_ESS Tail_ESS\n"
        "Intercept          0.00      0.10    -0.20     0.20 1.00     3936     2758\n"
        "median_age_std    -0.57      0.11    -0.79    -0.34 1.00     3906     3129\n",
    ),
    (
        ["sd(Intercept)", "sd(voicingvoiced)", "cor(Intercept,voicingvoiced)"],
        [
            [14.82, 2.24, 11.07, 19.92, 1.00, 925, 1721],
            [9.47, 7.21, 0.46, 26.96, 1.00, 398, 822],
            [-0.06, 0.42, -0.78, 0.77, 1.00, 916, 1194],
        ],
        "                             Estimate Est.Error l-95% CI u-95% CI Rhat Bulk_ESS\n"
        "sd(Intercept)                   14.82      2.24    11.07    19.92 1.00      925\n"
        "sd(voicingvoiced)                9.47      7.21     0.46    26.96 1.00      398\n"
        "cor(Intercept,voicingvoiced)    -0.06      0.42    -0.78     0.77 1.00      916\n"
        "                             Tail_ESS\n"
        "sd(Intercept)                    1721\n"
        "sd(voicingvoiced)                 822\n"
        "cor(Intercept,voicingvoiced)     1194\n",
    ),
    (
        ["sd(scale_Intercept)", "sd(scale_time)", "cor(scale_Intercept,scale_time)"],
        [
            [1.49, 0.81, 0.60, 3.73, 1.02, 193, 363],
            [0.01, 0.01, 0.01, 0.03, 1.02, 242, 441],
            [-0.87, 0.24, -1.00, -0.07, 1.03, 133, 95],
        ],
        "                                Estimate Est.Error l-95% CI u-95% CI Rhat\n"
        "sd(scale_Intercept)                 1.49      0.81     0.60     3.73 1.02\n"
        "sd(scale_time)                      0.01      0.01     0.01     0.03 1.02\n"
        "cor(scale_Intercept,scale_time)    -0.87      0.24    -1.00    -0.07 1.03\n"
        "                                Bulk_ESS Tail_ESS\n"
        "sd(scale_Intercept)                  193      363\n"
        "sd(scale_time)                       242      441\n"
        "cor(scale_Intercept,scale_time)      133       95\n",
    ),
    (
        ["disc", "sigma"],
        [
            [1.0, 0.0, 1.0, 1.0, np.nan, np.nan, np.nan],
            [-0.004, 12345.678, -1e4, 2.5, 1.005, 2562.5, 0.4],
        ],
        "      Estimate Est.Error  l-95% CI u-95% CI Rhat Bulk_ESS Tail_ESS\n"
        "disc      1.00      0.00      1.00     1.00   NA       NA       NA\n"
        "sigma    -0.00  12345.68 -10000.00     2.50 1.00     2562        0\n",
    ),
]


@pytest.mark.parametrize(("rows", "values", "expected"), PRINTED)
def test_print_format_matches_r(rows: list[str], values: list[list[float]], expected: str) -> None:
    table = pd.DataFrame(values, index=rows, columns=COLS)
    assert print_format(table) == expected


LABELS = [
    (0.95, "l-95% CI", "u-95% CI"),
    (0.9, "l-90% CI", "u-90% CI"),
    (0.5, "l-50% CI", "u-50% CI"),
    (0.8, "l-80% CI", "u-80% CI"),
    (0.99, "l-99% CI", "u-99% CI"),
]


@pytest.mark.parametrize(("prob", "lower", "upper"), LABELS)
def test_interval_labels_follow_prob(prob: float, lower: str, upper: str) -> None:
    x = np.random.RandomState(2).standard_normal((2, 50, 1))
    table = summary_table(x, ["b"], prob)
    assert list(table.columns) == ["Estimate", "Est.Error", lower, upper, *COLS[4:]]
    lo, hi = ci_bounds(prob)
    np.testing.assert_allclose(table.iloc[0, 2:4], np.quantile(x.ravel(), [lo, hi]), rtol=1e-12)


@pytest.mark.parametrize(
    ("probs", "names"),
    [
        ((0.025, 0.975), ["Q2.5", "Q97.5"]),
        ((0.05, 0.5, 0.95), ["Q5", "Q50", "Q95"]),
        ((0.07,), ["Q7"]),
    ],
)
def test_quantile_names(probs: tuple[float, ...], names: list[str]) -> None:
    assert quantile_names(probs) == names


@pytest.fixture(scope="module")
def sleep_fit() -> BrmsFit:
    return synthetic_fit(sleep_info(), SLEEP_TRUTH, draws=1000, seed=5)


def test_rhat_and_ess_equal_arviz(sleep_fit: BrmsFit) -> None:
    az = import_arviz()
    smry = sleep_fit.summary()
    rows = {
        "b_Intercept": smry.fixed.loc["Intercept"],
        "b_Days": smry.fixed.loc["Days"],
        "sd_Subject__Days": smry.random["Subject"].loc["sd(Days)"],
        "cor_Subject__Intercept__Days": smry.random["Subject"].loc["cor(Intercept,Days)"],
        "sigma": smry.spec_pars.loc["sigma"],
    }
    draws = sleep_fit.draws()
    for name, row in rows.items():
        x = draws[name].to_numpy().reshape(4, 1000)
        assert row["Rhat"] == pytest.approx(az.rhat(x, method="rank"), rel=1e-12)
        assert row["Bulk_ESS"] == pytest.approx(az.ess(x, method="bulk"), rel=1e-12)
        assert row["Tail_ESS"] == pytest.approx(az.ess(x, method="tail"), rel=1e-12)
        assert row["Estimate"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["l-95% CI"] == pytest.approx(np.quantile(x, 0.025), rel=1e-12)


def test_summary_tables_and_robust(sleep_fit: BrmsFit) -> None:
    smry = sleep_fit.summary(prob=0.9, robust=True)
    assert list(smry.fixed.index) == ["Intercept", "Days"]
    assert list(smry.random) == ["Subject"]
    assert list(smry.random["Subject"].index) == [
        "sd(Intercept)",
        "sd(Days)",
        "cor(Intercept,Days)",
    ]
    assert list(smry.spec_pars.index) == ["sigma"]
    assert list(smry.fixed.columns) == ["Estimate", "Est.Error", "l-90% CI", "u-90% CI", *COLS[4:]]
    x = sleep_fit.draws()["b_Days"].to_numpy()
    est, err = smry.fixed.loc["Days"].to_numpy()[:2]
    assert est == pytest.approx(np.median(x), rel=1e-12)
    assert err == pytest.approx(1.4826 * np.median(np.abs(x - np.median(x))), rel=1e-12)
    assert smry.warnings == ()


SLEEP_TEXT = (
    " Family: gaussian \n"
    "  Links: mu = identity; sigma = identity \n"
    "Formula: Reaction ~ Days + (Days | Subject) \n"
    "   Data: data (Number of observations: 30) \n"
    "  Draws: 2 chains, each with iter = 400; warmup = 200; thin = 1;\n"
    "         total post-warmup draws = 400\n"
    "\n"
    "Group-Level Effects: \n"
    "~Subject (Number of levels: 3) \n"
    "                    Estimate Est.Error l-95% CI u-95% CI Rhat Bulk_ESS Tail_ESS\n"
    "sd(Intercept)          27.05      6.69    13.80    39.71 1.00      280      312\n"
    "sd(Days)                6.59      1.55     3.77     9.65 1.01      400      377\n"
    "cor(Intercept,Days)     0.06      0.28    -0.48     0.65 1.00      369      353\n"
    "\n"
    "Population-Level Effects: \n"
    "          Estimate Est.Error l-95% CI u-95% CI Rhat Bulk_ESS Tail_ESS\n"
    "Intercept   250.88      7.38   236.97   264.58 1.00      414      349\n"
    "Days         10.25      1.67     7.11    13.25 1.00      437      379\n"
    "\n"
    "Family Specific Parameters: \n"
    "      Estimate Est.Error l-95% CI u-95% CI Rhat Bulk_ESS Tail_ESS\n"
    "sigma    25.91      1.59    22.72    28.81 1.00      344      346\n"
    "\n"
    "Draws were sampled using sampling(NUTS). For each parameter, Bulk_ESS\n"
    "and Tail_ESS are effective sample size measures, and Rhat is the potential\n"
    "scale reduction factor on split chains (at convergence, Rhat = 1).\n"
    "Warning message:\n"
    "There were 3 divergent transitions after warmup. Increasing adapt_delta above 0.8 may "
    "help. See http://mc-stan.org/misc/warnings.html#divergent-transitions-after-warmup\n"
)

DISTREG_TEXT = (
    " Family: gaussian \n"
    "  Links: mu = identity; sigma = log \n"
    "Formula: y ~ x + (1 | g) \n"
    "         sigma ~ x + (1 | g)\n"
    "   Data: data (Number of observations: 40) \n"
    "  Draws: 2 chains, each with iter = 300; warmup = 150; thin = 1;\n"
    "         total post-warmup draws = 300\n"
    "\n"
    "Group-Level Effects: \n"
    "~g (Number of levels: 2) \n"
    "                               Estimate Est.Error l-90% CI u-90% CI Rhat\n"
    "sd(Intercept)                      1.51      0.31     0.97     1.99 1.00\n"
    "sd(sigma_Intercept)                0.06      1.02    -1.75     1.68 1.00\n"
    "cor(Intercept,sigma_Intercept)     0.00      1.02    -1.69     1.62 1.00\n"
    "                               Bulk_ESS Tail_ESS\n"
    "sd(Intercept)                       240      198\n"
    "sd(sigma_Intercept)                 267      281\n"
    "cor(Intercept,sigma_Intercept)      327      293\n"
    "\n"
    "Population-Level Effects: \n"
    "                Estimate Est.Error l-90% CI u-90% CI Rhat Bulk_ESS Tail_ESS\n"
    "Intercept          -0.00      0.97    -1.59     1.60 1.00      295      227\n"
    "sigma_Intercept    -0.01      1.01    -1.67     1.63 1.00      328      230\n"
    "x                  -0.04      1.06    -1.80     1.61 1.01      252      261\n"
    "sigma_x             0.03      0.97    -1.80     1.58 1.01      357      296\n"
    "\n"
    "Draws were sampled using sampling(NUTS). For each parameter, Bulk_ESS\n"
    "and Tail_ESS are effective sample size measures, and Rhat is the potential\n"
    "scale reduction factor on split chains (at convergence, Rhat = 1).\n"
    "Warning message:\n"
    "There were 2 transitions after warmup that exceeded the maximum treedepth. Increase "
    "max_treedepth above 10. See\n"
    "http://mc-stan.org/misc/warnings.html#maximum-treedepth-exceeded\n"
)


def _small_sleep() -> str:
    info = sleep_info(
        chains=2,
        iter=400,
        warmup=200,
        nobs=30,
        groups=(GroupInfo("Subject", ("s308", "s309", "s310"), ("Intercept", "Days")),),
    )
    return str(synthetic_fit(info, SLEEP_TRUTH, draws=200, seed=7, divergent=3))


def _small_distreg() -> str:
    info = sleep_info(
        chains=2,
        iter=300,
        warmup=150,
        nobs=40,
        formula="y ~ x + (1 | g)\nsigma ~ x + (1 | g)",
        links="mu = identity; sigma = log",
        response="y",
        fixed={"": ("Intercept", "x"), "sigma": ("sigma_Intercept", "sigma_x")},
        groups=(GroupInfo("g", ("a", "b"), ("Intercept", "sigma_Intercept"), ("", "sigma")),),
        spec_pars=(),
    )
    fit = synthetic_fit(info, {"sd_g__Intercept": (1.5, 0.3)}, draws=150, seed=11, treedepth_hits=2)
    return str(fit.summary(prob=0.9))


@pytest.mark.parametrize(
    ("make", "expected"), [(_small_sleep, SLEEP_TEXT), (_small_distreg, DISTREG_TEXT)]
)
def test_whole_layout_is_pinned(make: object, expected: str) -> None:
    assert callable(make)
    assert make() == expected


def test_constant_parameter_prints_na() -> None:
    info = sleep_info(
        formula="rating ~ temp + (1 | judge)",
        family="cumulative",
        links="mu = logit; disc = identity",
        fixed={"": ("Intercept[1]", "Intercept[2]", "temp")},
        groups=(GroupInfo("judge", ("j1", "j2"), ("Intercept",)),),
        spec_pars=("disc",),
    )
    fit = synthetic_fit(info, {"disc": (1.0, 0.0)}, draws=100)
    smry = fit.summary()
    assert np.isnan(smry.spec_pars.loc["disc", ["Rhat", "Bulk_ESS", "Tail_ESS"]].to_numpy()).all()
    assert "disc     1.00      0.00     1.00     1.00   NA       NA       NA\n" in str(smry)
    assert list(smry.fixed.index) == ["Intercept[1]", "Intercept[2]", "temp"]


def test_unconverged_chains_warn_in_brms_order() -> None:
    fit = synthetic_fit(sleep_info(), SLEEP_TRUTH, draws=200, divergent=7, treedepth_hits=4)
    d = fit.draws()
    d.loc[d[".chain"] == 2, "b_Days"] += 5.0
    assert fit.sampler_stats is not None
    bad = BrmsFit(d, fit.info, fit.sampler_stats)
    smry = bad.summary()
    assert smry.fixed.loc["Days"].to_numpy()[4] > 1.05
    assert smry.warnings == (
        RHAT_MESSAGE,
        divergence_message(7, 0.8),
        treedepth_message(4, 10),
    )
    # brm() warns with fit_warnings (R-hat only, no tables): the same messages
    assert fit_warnings(bad) == smry.warnings
    assert fit_warnings(fit) == (divergence_message(7, 0.8), treedepth_message(4, 10))
    tail = str(smry).split("(at convergence, Rhat = 1).\n", 1)[1]
    assert tail == (
        "Warning messages:\n"
        f"1: {RHAT_MESSAGE}\n"
        f"2: {divergence_message(7, 0.8)}\n"
        f"3: {treedepth_message(4, 10)}\n"
    )


MESSAGES = [
    (
        divergence_message(12, 0.95),
        "There were 12 divergent transitions after warmup. Increasing adapt_delta above 0.95 may "
        "help. See http://mc-stan.org/misc/warnings.html#divergent-transitions-after-warmup",
    ),
    (
        treedepth_message(3, 12),
        "There were 3 transitions after warmup that exceeded the maximum treedepth. Increase "
        "max_treedepth above 12. See\nhttp://mc-stan.org/misc/warnings.html#maximum-treedepth-exceeded",
    ),
    (
        RHAT_MESSAGE,
        "Parts of the model have not converged (some Rhats are > 1.05). Be careful when analysing "
        "the results! We recommend running more iterations and/or setting stronger priors.",
    ),
]


@pytest.mark.parametrize(("message", "expected"), MESSAGES)
def test_warning_texts(message: str, expected: str) -> None:
    assert message == expected


WARNING_CASES = [
    ([1.0, np.nan, 1.049], [0, 0], [9, 3], ()),
    ([1.051], None, None, (RHAT_MESSAGE,)),
    ([1.0], [0, 1, 1], [3, 10, 11], (divergence_message(2, 0.8), treedepth_message(2, 10))),
]


@pytest.mark.parametrize(("rhats", "div", "depth", "expected"), WARNING_CASES)
def test_sampler_warnings(
    rhats: list[float], div: list[int] | None, depth: list[int] | None, expected: tuple[str, ...]
) -> None:
    d = None if div is None else np.array(div)
    t = None if depth is None else np.array(depth)
    assert sampler_warnings(np.array(rhats), d, t, 0.8, 10) == expected


@pytest.mark.parametrize(
    ("steps", "depth"),
    [(0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (7, 3), (8, 4), (511, 9), (1023, 10), (1024, 11)],
)
def test_treedepth_from_steps(steps: int, depth: int) -> None:
    assert treedepth_from_steps(np.array([steps]))[0] == depth


def test_bad_prob_names_the_value() -> None:
    with pytest.raises(
        ValueError, match=re.escape("prob must be a single number in [0, 1]; got -0.1.")
    ):
        ci_bounds(-0.1)


def _draws_with(kind: str) -> np.ndarray:
    x = np.random.RandomState(4).standard_normal((4, 100))
    if kind == "nan":
        x[1, 5] = np.nan
    elif kind == "inf":
        x[0, 0] = np.inf
    elif kind == "constant":
        x[:] = 2.0
    return x


@pytest.mark.parametrize("kind", ["nan", "inf", "constant"])
def test_diagnostics_are_na_for_unusable_draws(kind: str) -> None:
    x = _draws_with(kind)
    good = np.random.RandomState(5).standard_normal((4, 100))
    both = np.stack([x, good], axis=-1)
    for fn in (rhat, ess_bulk, ess_tail):
        out = fn(both)
        assert np.isnan(out[0])
        assert out[1] == pytest.approx(fn(good)[0], rel=1e-12)


FAMILY_SUMMARIES = {
    "cumulative": (
        "mu = logit; disc = identity",
        ["Intercept[1]", "Intercept[2]", "Intercept[3]", "x"],
        ["disc"],
        ["sd(Intercept)"],
    ),
    "categorical": (
        "mu2 = logit; mu3 = logit",
        ["mu2_Intercept", "mu3_Intercept", "mu2_x", "mu3_x"],
        [],
        ["sd(mu2_Intercept)", "sd(mu3_Intercept)"],
    ),
    "negbinomial shape": (
        "mu = log; shape = identity",
        ["Intercept", "x"],
        ["shape"],
        ["sd(Intercept)"],
    ),
    "student nu = 4": (
        "mu = identity; sigma = identity; nu = identity",
        ["Intercept", "x"],
        ["sigma", "nu"],
        [],
    ),
    "zero_inflated_poisson zi": ("mu = log; zi = identity", ["Intercept", "x"], ["zi"], []),
    "gaussian sigma ~ x + (1 | g)": (
        "mu = identity; sigma = log",
        ["Intercept", "sigma_Intercept", "x", "sigma_x"],
        [],
        ["sd(sigma_Intercept)"],
    ),
}


@pytest.mark.parametrize("name", FAMILY_SUMMARIES, ids=list(FAMILY_SUMMARIES))
def test_family_summaries_follow_brms(name: str) -> None:
    from brmsjax.api import fit_info
    from brmsjax.backend.families.registry import get_family
    from brmsjax.backend.model.lower import lower
    from tests.model.test_lower_families import CASES

    links, fixed, spec, random = FAMILY_SUMMARIES[name]
    case = CASES[name]
    family = get_family(case.family)
    design = case.design()
    lowered = lower(design, family, case.resolved())
    info = fit_info(
        design, family, lowered.names, formula_lines=("y ~ x",), chains=2, iter=200, warmup=100
    )
    smry = synthetic_fit(info, {}, draws=100, seed=3).summary()
    text = str(smry)
    assert text.startswith(f" Family: {family.name} \n  Links: {links} \n")
    assert list(smry.fixed.index) == fixed
    assert list(smry.spec_pars.index) == spec
    assert ("Family Specific Parameters: \n" in text) == bool(spec)
    assert [list(t.index) for t in smry.random.values()] == ([random] if random else [])
