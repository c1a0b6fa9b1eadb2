"""BrmsFit's extractors on synthetic draws whose truth is known.

The draws are independent normal variates with chosen means and SDs, laid out like a brms 2.18
sleepstudy fit (``Reaction ~ Days + (Days | Subject)``: names, order and ``.chain`` columns as in
tests/fixtures/brms/sleep_rs.json). Summaries are checked against numpy on the same draws (exact)
and against the generating truth (within Monte Carlo error).
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brmsjax.backend.infer.diagnostics import import_arviz
from brmsjax.fit import BrmsFit, FitError, FitFileError, FitInfo, load
from brmsjax.fit import group_spec as GroupInfo
from brmsjax.formula.errors import ModelError

SUBJECTS = tuple(
    f"s{i}"
    for i in (308, 309, 310, 330, 331, 332, 333, 334, 335, 337, 349, 350, 351, 352, 369, 370, 371)
) + ("s372",)

# Means and SDs of the sleep_rs reference posterior (rounded), used as the synthetic truth.
SLEEP_TRUTH = {
    "b_Intercept": (251.25, 7.47),
    "b_Days": (10.36, 1.74),
    "sd_Subject__Intercept": (26.90, 6.80),
    "sd_Subject__Days": (6.59, 1.52),
    "cor_Subject__Intercept__Days": (0.09, 0.28),
    "sigma": (25.87, 1.56),
    "lprior": (-20.0, 1.0),
    "lp__": (-880.0, 5.0),
}


def sleep_info(**changes: object) -> FitInfo:
    """FitInfo of ``Reaction ~ Days + (Days | Subject)``, gaussian, 4 x (1000 + 1000)."""
    base: dict[str, object] = {
        "formula": "Reaction ~ Days + (Days | Subject)",
        "family": "gaussian",
        "links": "mu = identity; sigma = identity",
        "response": "Reaction",
        "data_name": "data",
        "nobs": 180,
        "chains": 4,
        "iter": 2000,
        "warmup": 1000,
        "fixed": {"": ("Intercept", "Days")},
        "groups": (GroupInfo("Subject", SUBJECTS, ("Intercept", "Days")),),
        "spec_pars": ("sigma",),
    }
    base.update(changes)
    return FitInfo(**base)  # type: ignore[arg-type]


def variable_names(info: FitInfo) -> list[str]:
    """brms's variable order for ``info``: b (intercepts first), sd, cor, family parameters, r,
    lprior, lp__."""
    coefs = [c for cs in info.fixed.values() for c in cs]
    names = [f"b_{c}" for c in coefs if c.split("_")[-1].startswith("Intercept")]
    names += [f"b_{c}" for c in coefs if f"b_{c}" not in names]
    for g in info.group_names:
        blocks = info.blocks(g)
        names += [f"sd_{g}__{c}" for b in blocks for c in b.names]
        for b in blocks:
            if b.cor:
                cs = b.names
                names += [f"cor_{g}__{cs[j]}__{cs[i]}" for i in range(1, len(cs)) for j in range(i)]
    names += list(info.spec_pars)
    for b in info.groups:
        names += [b.r_name(lv, k) for k in range(len(b.coefs)) for lv in b.levels]
    return [*names, "lprior", "lp__"]


def synthetic_fit(
    info: FitInfo,
    truth: dict[str, tuple[float, float]],
    *,
    draws: int = 1000,
    seed: int = 1,
    divergent: int = 0,
    treedepth_hits: int = 0,
    design: object = None,
) -> BrmsFit:
    """Independent normal draws per variable (mean, sd from ``truth``, else (0, 1))."""
    rng = np.random.RandomState(seed)
    n = info.chains * draws
    cols = {v: truth.get(v, (0.0, 1.0)) for v in variable_names(info)}
    df = pd.DataFrame({v: m + s * rng.standard_normal(n) for v, (m, s) in cols.items()})
    df[".chain"] = np.repeat(np.arange(1, info.chains + 1), draws)
    df[".iteration"] = np.tile(np.arange(1, draws + 1), info.chains)
    df[".draw"] = np.arange(1, n + 1)
    div = np.zeros(n, dtype=np.int64)
    div[rng.choice(n, divergent, replace=False)] = 1
    depth = np.full(n, 3)
    depth[rng.choice(n, treedepth_hits, replace=False)] = info.max_treedepth
    stats = pd.DataFrame({"divergent__": div, "treedepth__": depth})
    return BrmsFit(df, info, stats, design=design)


@pytest.fixture(scope="module")
def sleep_fit() -> BrmsFit:
    return synthetic_fit(sleep_info(), SLEEP_TRUTH)


def numpy_summary(x: np.ndarray, probs: tuple[float, ...], robust: bool) -> np.ndarray:
    """Reference summary along axis 0 written directly with numpy."""
    if robust:
        est = np.median(x, axis=0)
        err = 1.4826 * np.median(np.abs(x - est), axis=0)
    else:
        est, err = x.mean(axis=0), x.std(axis=0, ddof=1)
    return np.stack([est, err, *np.quantile(x, probs, axis=0)], axis=-1)


PROB_CASES = [
    ((0.025, 0.975), False, ["Estimate", "Est.Error", "Q2.5", "Q97.5"]),
    ((0.05, 0.5, 0.95), False, ["Estimate", "Est.Error", "Q5", "Q50", "Q95"]),
    ((0.1, 0.9), True, ["Estimate", "Est.Error", "Q10", "Q90"]),
]


@pytest.mark.parametrize(("probs", "robust", "columns"), PROB_CASES)
def test_fixef_matches_numpy_and_truth(
    sleep_fit: BrmsFit, probs: tuple[float, ...], robust: bool, columns: list[str]
) -> None:
    table = sleep_fit.fixef(probs=probs, robust=robust)
    assert list(table.columns) == columns
    assert list(table.index) == ["Intercept", "Days"]
    draws = sleep_fit.draws()[["b_Intercept", "b_Days"]].to_numpy()
    np.testing.assert_allclose(table.to_numpy(), numpy_summary(draws, probs, robust), rtol=1e-12)
    for coef in ("Intercept", "Days"):
        mean, sd = SLEEP_TRUTH[f"b_{coef}"]
        est, err = table.loc[coef].to_numpy()[:2]
        assert abs(est - mean) < 4 * sd / np.sqrt(4000)
        assert abs(err / sd - 1) < 0.05


def test_fixef_draws_are_the_b_columns(sleep_fit: BrmsFit) -> None:
    draws = sleep_fit.fixef(summary=False)
    assert list(draws.columns) == ["Intercept", "Days"]
    np.testing.assert_array_equal(draws["Days"].to_numpy(), sleep_fit.draws()["b_Days"].to_numpy())


@pytest.mark.parametrize(("probs", "robust", "columns"), PROB_CASES)
def test_posterior_summary_covers_every_variable(
    sleep_fit: BrmsFit, probs: tuple[float, ...], robust: bool, columns: list[str]
) -> None:
    table = sleep_fit.posterior_summary(probs=probs, robust=robust)
    assert list(table.index) == sleep_fit.variables()
    assert list(table.columns) == columns
    values = sleep_fit.draws()[sleep_fit.variables()].to_numpy()
    np.testing.assert_allclose(table.to_numpy(), numpy_summary(values, probs, robust), rtol=1e-12)
    assert abs(table.loc["sigma"].to_numpy()[0] - 25.87) < 4 * 1.56 / np.sqrt(4000)


def test_variables_follow_brms_order(sleep_fit: BrmsFit) -> None:
    names = sleep_fit.variables()
    assert names[:6] == [
        "b_Intercept",
        "b_Days",
        "sd_Subject__Intercept",
        "sd_Subject__Days",
        "cor_Subject__Intercept__Days",
        "sigma",
    ]
    assert names[6] == "r_Subject[s308,Intercept]" and names[-3] == "r_Subject[s372,Days]"
    assert names[-2:] == ["lprior", "lp__"]
    assert list(sleep_fit.draws().columns[-3:]) == [".chain", ".iteration", ".draw"]
    assert (sleep_fit.nchains, sleep_fit.ndraws) == (4, 4000)


def test_ranef_is_level_stat_coef(sleep_fit: BrmsFit) -> None:
    ranef = sleep_fit.ranef()
    arr = ranef["Subject"]
    assert arr.dims == ("level", "stat", "coef")
    assert arr.shape == (18, 4, 2)
    assert list(arr.coords["coef"].values) == ["Intercept", "Days"]
    assert list(arr.coords["level"].values) == list(SUBJECTS)
    draws = sleep_fit.draws()
    got = arr.sel(level="s331", coef="Days").to_numpy()
    want = numpy_summary(draws["r_Subject[s331,Days]"].to_numpy(), (0.025, 0.975), False)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    raw = sleep_fit.ranef(summary=False)["Subject"]
    assert raw.dims == ("draw", "level", "coef") and raw.shape == (4000, 18, 2)


def test_coef_is_b_plus_r(sleep_fit: BrmsFit) -> None:
    coef = sleep_fit.coef(summary=False)["Subject"]
    draws = sleep_fit.draws()
    for level in ("s308", "s352"):
        for name in ("Intercept", "Days"):
            want = draws[f"b_{name}"] + draws[f"r_Subject[{level},{name}]"]
            got = coef.sel(level=level, coef=name).to_numpy()
            np.testing.assert_allclose(got, want.to_numpy(), rtol=1e-14)
    summ = sleep_fit.coef(probs=(0.1, 0.9))["Subject"]
    ref = numpy_summary(coef.sel(coef="Days").to_numpy(), (0.1, 0.9), False)
    np.testing.assert_allclose(summ.sel(coef="Days").to_numpy(), ref, rtol=1e-12)


def partial_info() -> FitInfo:
    """``y ~ x + w + (1 + z | g)``: w has no group effect, z no population effect."""
    return sleep_info(
        formula="y ~ x + w + (1 + z | g)",
        fixed={"": ("Intercept", "x", "w")},
        groups=(GroupInfo("g", ("a", "b c"), ("Intercept", "z")),),
        response="y",
    )


def test_coef_fills_missing_terms_as_brms() -> None:
    fit = synthetic_fit(partial_info(), {}, draws=50)
    coef = fit.coef(summary=False)["g"]
    assert list(coef.coords["coef"].values) == ["Intercept", "z", "x", "w"]
    d = fit.draws()
    np.testing.assert_allclose(coef.sel(level="b c", coef="z"), d["r_g[b.c,z]"], rtol=1e-14)
    np.testing.assert_allclose(coef.sel(level="a", coef="w"), d["b_w"], rtol=1e-14)


ORDINAL_CASES = [("cumulative", -1.0), ("sratio", -1.0), ("cratio", 1.0), ("acat", 1.0)]


@pytest.mark.parametrize(("family", "sign"), ORDINAL_CASES)
def test_coef_thresholds_follow_family_sign(family: str, sign: float) -> None:
    info = sleep_info(
        formula="rating ~ temp + (1 | judge)",
        family=family,
        links="mu = logit; disc = identity",
        fixed={"": ("Intercept[1]", "Intercept[2]", "temp")},
        groups=(GroupInfo("judge", ("j1", "j2"), ("Intercept",)),),
        spec_pars=(),
    )
    fit = synthetic_fit(info, {}, draws=40)
    coef = fit.coef(summary=False)["judge"]
    assert list(coef.coords["coef"].values) == ["Intercept[1]", "Intercept[2]", "temp"]
    d = fit.draws()
    r = d["r_judge[j2,Intercept]"].to_numpy()
    want = sign * (r - d["b_Intercept[2]"].to_numpy())
    np.testing.assert_allclose(coef.sel(level="j2", coef="Intercept[2]"), want, rtol=1e-14)
    np.testing.assert_allclose(coef.sel(level="j2", coef="temp"), d["b_temp"], rtol=1e-14)


def test_varcorr_sd_cor_cov_and_residual(sleep_fit: BrmsFit) -> None:
    vc = sleep_fit.VarCorr()
    assert list(vc) == ["Subject", "residual__"]
    d = sleep_fit.draws()
    sd = vc["Subject"]["sd"]
    assert list(sd.index) == ["Intercept", "Days"]
    want = numpy_summary(
        d[["sd_Subject__Intercept", "sd_Subject__Days"]].to_numpy(), (0.025, 0.975), False
    )
    np.testing.assert_allclose(sd.to_numpy(), want, rtol=1e-12)
    cor = vc["Subject"]["cor"]
    assert cor.dims == ("row", "stat", "col")
    rho = d["cor_Subject__Intercept__Days"].to_numpy()
    np.testing.assert_allclose(cor.sel(row="Days", col="Intercept", stat="Estimate"), rho.mean())
    np.testing.assert_allclose(cor.sel(row="Days", col="Days").to_numpy(), [1.0, 0.0, 1.0, 1.0])
    cov = vc["Subject"]["cov"]
    s1, s2 = d["sd_Subject__Intercept"].to_numpy(), d["sd_Subject__Days"].to_numpy()
    np.testing.assert_allclose(
        cov.sel(row="Intercept", col="Days", stat="Estimate"), (s1 * s2 * rho).mean()
    )
    np.testing.assert_allclose(cov.sel(row="Days", col="Days", stat="Estimate"), (s2**2).mean())
    resid = vc["residual__"]["sd"]
    assert list(resid.index) == ["Reaction"] and set(vc["residual__"]) == {"sd"}
    np.testing.assert_allclose(resid.loc["Reaction", "Estimate"], d["sigma"].mean())


def test_varcorr_without_correlations_has_sd_only() -> None:
    info = sleep_info(groups=(GroupInfo("Subject", SUBJECTS, ("Intercept", "Days"), cor=False),))
    vc = synthetic_fit(info, SLEEP_TRUTH, draws=50).VarCorr()
    assert set(vc["Subject"]) == {"sd"}


def test_varcorr_fills_correlations_across_blocks_with_zero() -> None:
    info = sleep_info(
        formula="y ~ 1 + (1 + x | g) + (0 + z | g)",
        fixed={"": ("Intercept",)},
        groups=(
            GroupInfo("g", ("a", "b"), ("Intercept", "x"), id=1),
            GroupInfo("g", ("a", "b"), ("z",), cor=False, id=2),
        ),
    )
    fit = synthetic_fit(info, {"cor_g__Intercept__x": (0.5, 0.1)}, draws=50)
    vc = fit.VarCorr(summary=False)["g"]
    assert vc["cor"].dims == ("draw", "row", "col")
    np.testing.assert_array_equal(vc["cor"].sel(row="x", col="z"), 0.0)
    np.testing.assert_array_equal(
        vc["cor"].sel(row="x", col="Intercept"), fit.draws()["cor_g__Intercept__x"]
    )
    assert list(vc["sd"].columns) == ["Intercept", "x", "z"]


def test_distributional_group_names() -> None:
    info = sleep_info(
        formula="y ~ 1 + (1 | g)\nsigma ~ 1 + (1 | g)",
        links="mu = identity; sigma = log",
        fixed={"": ("Intercept",), "sigma": ("sigma_Intercept",)},
        groups=(GroupInfo("g", ("a", "b"), ("Intercept", "sigma_Intercept"), ("", "sigma")),),
        spec_pars=(),
    )
    fit = synthetic_fit(info, {}, draws=30)
    assert "r_g__sigma[b,Intercept]" in fit.variables()
    ranef = fit.ranef(summary=False)["g"]
    np.testing.assert_array_equal(
        ranef.sel(level="b", coef="sigma_Intercept"), fit.draws()["r_g__sigma[b,Intercept]"]
    )
    assert "residual__" not in fit.VarCorr()


def test_to_arviz_keeps_brms_names(sleep_fit: BrmsFit) -> None:
    idata = sleep_fit.to_arviz()
    names = [v for v in sleep_fit.variables() if v != "lp__" and not v.startswith("r_")]
    assert [v for v in idata.posterior.data_vars if v != "r_Subject"] == names
    post = idata.posterior["r_Subject"].sel(Subject="s309", Subject_coef="Days")
    assert post.shape == (4, 1000)
    d = sleep_fit.draws()
    np.testing.assert_array_equal(post.values[1], d["r_Subject[s309,Days]"].to_numpy()[1000:2000])
    assert set(idata.sample_stats.data_vars) == {"lp", "diverging", "tree_depth"}
    assert idata.sample_stats["diverging"].dtype == bool
    np.testing.assert_array_equal(idata.sample_stats["lp"].values.ravel(), d["lp__"])
    assert isinstance(idata, import_arviz().InferenceData)


def test_save_load_round_trip(tmp_path: Path) -> None:
    fit = synthetic_fit(sleep_info(), SLEEP_TRUTH, draws=200, divergent=2, design={"X": np.eye(2)})
    path = tmp_path / "fit.pkl"
    fit.save(path)
    back = load(path)
    assert back.sampler_stats is not None and fit.sampler_stats is not None
    pd.testing.assert_frame_equal(back.draws(), fit.draws())
    pd.testing.assert_frame_equal(back.sampler_stats, fit.sampler_stats)
    assert back.info == fit.info
    np.testing.assert_array_equal(back.design["X"], np.eye(2))
    assert str(back) == str(fit)
    pd.testing.assert_frame_equal(back.fixef(), fit.fixef())
    np.testing.assert_array_equal(back.coef()["Subject"], fit.coef()["Subject"])
    np.testing.assert_array_equal(back.VarCorr()["Subject"]["cov"], fit.VarCorr()["Subject"]["cov"])


def test_rows_are_sorted_by_chain_and_iteration() -> None:
    fit = synthetic_fit(sleep_info(), SLEEP_TRUTH, draws=20)
    assert fit.sampler_stats is not None
    shuffled = fit.draws().sample(frac=1.0, random_state=3)
    stats = fit.sampler_stats.loc[shuffled.index]
    again = BrmsFit(shuffled, fit.info, stats)
    assert again.sampler_stats is not None
    pd.testing.assert_frame_equal(again.draws(), fit.draws())
    pd.testing.assert_frame_equal(again.sampler_stats, fit.sampler_stats)


def _no_group_fit() -> BrmsFit:
    info = sleep_info(formula="y ~ x", fixed={"": ("Intercept", "x")}, groups=(), spec_pars=())
    return synthetic_fit(info, {}, draws=10)


ERROR_CASES = [
    (lambda f: f.ranef(), FitError, "The model does not contain group-level effects."),
    (
        lambda f: f.coef(),
        FitError,
        "No group-level effects detected. Call method 'fixef' to access population-level effects.",
    ),
    (lambda f: f.VarCorr(), FitError, "The model does not contain covariance matrices."),
    (
        lambda f: f.fixef(probs=(0.1, 1.2)),
        ModelError,
        "probs must be numbers in [0, 1]; got [0.1, 1.2].",
    ),
    (lambda f: f.summary(prob=1.5), ModelError, "prob must be a single number in [0, 1]; got 1.5."),
]


@pytest.mark.parametrize(("call", "error", "message"), ERROR_CASES)
def test_errors_name_the_problem(
    call: Callable[[BrmsFit], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        call(_no_group_fit())


def test_draws_must_match_info() -> None:
    fit = synthetic_fit(sleep_info(), SLEEP_TRUTH, draws=10)
    with pytest.raises(
        FitError, match=re.escape("The draws lack variables named in the fit info: ['sigma'].")
    ):
        BrmsFit(fit.draws().drop(columns="sigma"), fit.info)
    with pytest.raises(FitError, match=re.escape("The draws lack the column(s) ['.chain']")):
        BrmsFit(fit.draws().drop(columns=".chain"), fit.info)


def test_load_rejects_what_is_not_a_fit(tmp_path: Path) -> None:
    missing = tmp_path / "none.pkl"
    with pytest.raises(
        FitFileError, match=re.escape(f"No saved fit at '{missing}'; check the path.")
    ):
        load(missing)
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"not a pickle")
    with pytest.raises(FitFileError, match=re.escape(f"'{junk}' is not a brmsjax fit file (")):
        load(junk)
    other = tmp_path / "other.pkl"
    other.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(FitFileError, match=re.escape(f"'{other}' is not a brmsjax fit file; save")):
        load(other)


def test_save_keeps_the_design_state_for_new_data(tmp_path: Path) -> None:
    from brmsjax.formula.design.design import build_design

    frame = pd.DataFrame({"y": np.arange(8.0), "x": np.linspace(0, 1, 8), "g": list("abcdabcd")})
    design = build_design("y ~ poly(x, 2) + scale(x) + g + (1 | g)", frame)
    fit = synthetic_fit(sleep_info(), SLEEP_TRUTH, draws=20, divergent=0, design=design)
    fit.save(tmp_path / "fit.pkl")
    back = load(tmp_path / "fit.pkl").design
    assert dict(back.state.eval_state) == dict(design.state.eval_state)
    assert len(back.state.eval_state) >= 3  # poly, scale and the factors' levels
    np.testing.assert_array_equal(back.fixed[0].X, design.fixed[0].X)
