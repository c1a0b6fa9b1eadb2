"""``brmsjax port``: whole R scripts to Python (statements, the CLI, and a script that runs)."""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brmsjax.cli import main
from brmsjax.port import BrmCall, Ref, from_r, priors_from_r
from brmsjax.port.script import port_script

SAMPLE = Path(__file__).parents[1] / "fixtures" / "port_corpus" / "sample_script.R"

STATEMENTS = [
    ("summary(fit, prob = 0.9)", ["print(fit.summary(prob=0.9))"]),
    ("fixef(fit)", ["print(fit.fixef())"]),
    ("ranef(fit)", ["print(fit.ranef())"]),
    ("coef(fit)", ["print(fit.coef())"]),
    ("VarCorr(fit)", ["print(fit.VarCorr())"]),
    ("p <- predict(fit, newdata = nd)", ["p = fit.predict(newdata=nd)"]),
    ("fitted(fit, summary = FALSE)", ["print(fit.fitted(summary=False))"]),
    ("conditional_effects(fit, effects = 'x')", ['fit.conditional_effects(effects="x")']),
    ("pp_check(fit, ndraws = 50)", ["fit.pp_check(ndraws=50)"]),
    ("loo(fit)", ["print(fit.loo())"]),
    ("loo(fit1, fit2)", ["print(bj.loo_compare(fit1, fit2))"]),
    (
        "w <- loo_compare(b10.1, b10.2, criterion = 'waic')",
        ['w = bj.loo_compare(b10_1, b10_2, criterion="waic")'],
    ),
    ("bayes_R2(fit)", ["print(fit.bayes_R2())"]),
    ('hypothesis(fit, "Trt1 > 0")', ['print(fit.hypothesis("Trt1 > 0"))']),
    (
        "get_prior(y ~ x + (1|g), data = d, family = poisson())",
        ['print(bj.get_prior("y ~ x + (1 | g)", d, family="poisson"))'],
    ),
    ("sd <- make_standata(y ~ x, data = d)", ['sd = bj.make_standata("y ~ x", d)']),
    (
        "fit2 <- update(fit, formula. = ~ . + z, newdata = d2, iter = 500)",
        ['fit2 = fit.update(formula=". ~ . + z", newdata=d2, iter=500)'],
    ),
    (
        "b10.3 <- update(b10.2, newdata = d, formula = pulled_left | trials(1) ~ 1 + prosoc_left)",
        ['b10_3 = b10_2.update(formula="pulled_left | trials(1) ~ 1 + prosoc_left", newdata=d)'],
    ),
    (
        "b12.2b <- update(b12.2, prior = c(prior(normal(0, 1), class = Intercept)), seed = 12,\n"
        "                 file = 'fits/b12.02b')",
        [
            'b12_2b = b12_2.update(prior=[\n        bj.prior("normal(0, 1)", class_="Intercept"),\n'
            '    ], seed=12, file="fits/b12.02b")',
        ],
    ),
    ("fit", ["print(fit)"]),
    ("print(fit)", ["print(fit)"]),
    ("predict(fit, re_formula = NA)", ["print(fit.predict(re_formula=math.nan))"]),
    ("fitted(fit, re_formula = ~ (1 | g))", ['print(fit.fitted(re_formula="~ (1 | g)"))']),
    ("fixef(fit, probs = c(0.05, 0.95))", ["print(fit.fixef(probs=[0.05, 0.95]))"]),
    ("print(summary(fit))", ["print(fit.summary())"]),
    ("fit %>% fixef()", ["print(fit.fixef())"]),
    ("d <- read.csv('data/d.csv')", ['d = pd.read_csv("data/d.csv")']),
    ("f1 <- bf(y ~ x, sigma ~ x)", ['f1 = bj.bf("y ~ x", "sigma ~ x")']),
    (
        "pr <- prior(normal(0, 1), class = b) + prior(cauchy(0, 1), class = sd)",
        [
            'pr = [\n    bj.prior("normal(0, 1)", class_="b"),\n'
            '    bj.prior("cauchy(0, 1)", class_="sd"),\n]'
        ],
    ),
    (
        "m <- brm(Reaction ~ Days + (Days | Subject), data = sleepstudy, chains = 2)",
        [
            "sleepstudy = bj.datasets.sleepstudy()",
            'm = bj.brm(\n    "Reaction ~ Days + (Days | Subject)",\n    data=sleepstudy,\n'
            '    chains=2,\n    data_name="sleepstudy",\n)',
        ],
    ),
    (
        "m <- brm(y ~ x, data = dat, silent = 2)",
        [
            "# REVIEW: load the data frame 'dat', e.g. dat = pd.read_csv(\"dat.csv\")",
            "# NOTE (port): brm() argument silent = 2 is ignored: brmsjax has its own"
            " progress output.",
            'm = bj.brm(\n    "y ~ x",\n    data=dat,\n    data_name="dat",\n)',
        ],
    ),
    ("library(brms)", ["# REVIEW (R): library(brms)"]),
    (
        "plot(conditional_effects(fit), points = TRUE)",
        ["# REVIEW (R): plot(conditional_effects(fit), points = TRUE)"],
    ),
    (
        "for (i in 1:3) {\n  print(i)\n}",
        ["# REVIEW (R): for (i in 1:3) {", "# REVIEW (R):   print(i)", "# REVIEW (R): }"],
    ),
]


@pytest.mark.parametrize(("code", "lines"), STATEMENTS, ids=[c for c, _ in STATEMENTS])
def test_statements(code: str, lines: list[str]) -> None:
    result = port_script(code)
    body = result.code.split("import brmsjax as bj\n", 1)[1].strip("\n")
    assert body == "\n".join(lines)
    assert result.problems == []


PROBLEMS = [
    (
        "fit <- brm(y ~ x, data = d, knots = list(x = c(0, 1)))",
        "line 1: The brm() argument 'knots' is not supported by brmsjax (spline knots are not "
        "supported); remove it.",
    ),
    (
        "fit <- brm(y ~ x, data = d, foo = 1)",
        "line 1: 'foo' is not an argument that brmsjax's brm() supports; remove it.",
    ),
    (
        'x <- 1\nfit <- brm(y ~ x, data = d,\n  family = custom_family("f", dpars = "mu"))',
        "line 2: custom_family() families are not supported by brmsjax; choose a built-in family.",
    ),
    ("fit <- brm(y ~ x data = d)", "line 1: Unexpected 'data' here; an operator or ',' is missing"),
    ("summary(fit1 + 1)", "line 1: The first argument of summary() must name a fit."),
    (
        "summary(fit, foo = 1)",
        "line 1: 'foo' is not an argument of brmsjax's fit.summary(); its arguments are: prob, "
        "robust.",
    ),
]


@pytest.mark.parametrize(("code", "problem"), PROBLEMS, ids=[c for c, _ in PROBLEMS])
def test_unsupported_brms_code_is_reported(code: str, problem: str) -> None:
    result = port_script(code)
    (got,) = result.problems
    assert got.startswith(problem)
    assert "# PROBLEM: " + problem.split(": ", 1)[1] in result.code
    assert "# REVIEW (R): " + code.rsplit("\n", maxsplit=1)[-1] in result.code


def test_header_names_the_source_and_imports_families() -> None:
    code = port_script('fit <- brm(y ~ x, data = d, family = cumulative("probit"))', "a.R").code
    assert code.startswith('"""Ported from a.R by `brmsjax port`; check the lines marked REVIEW.')
    assert "from brmsjax.backend.families import registry as families\n" in code
    assert '    family=families.cumulative(link="probit"),\n' in code


def _write_data(folder: Path) -> None:
    rng = np.random.default_rng(3)
    school = np.repeat(["s1", "s2", "s3", "s4"], 8)
    hours = rng.uniform(0, 10, 32)
    score = 50 + 2 * hours + rng.normal(0, 3, 32)
    pd.DataFrame({"score": score, "hours": hours, "school": school}).to_csv(
        folder / "scores.csv", index=False
    )


def test_ported_sample_script_runs_like_the_r_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample script's Python runs and fits the model the R call describes."""
    text = SAMPLE.read_text()
    result = port_script(text, "sample_script.R")
    assert result.notes == [
        'line 13: brm() argument backend = "cmdstanr" is ignored: brmsjax always samples with '
        "NumPyro.",
        "line 13: brm() argument refresh is ignored: brmsjax has its own progress output.",
    ]
    assert [p.split("\n")[0] for p in result.problems] == [
        "line 23: The brm() argument 'autocor' is not supported by brmsjax (cor_brms objects "
        "are not supported; write autocor = ~ ar(...)); remove it."
    ]
    _write_data(tmp_path)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(result.code, "sample_script.py", "exec"), namespace)  # noqa: S102
    fit = namespace["fit1"]
    r_call = from_r(
        re.search(r"brm\(score ~ hours \+ \(1 \| school\).*?\"fits/fit1\"\)", text, re.S).group(0)
    )  # type: ignore[union-attr]
    assert isinstance(r_call, BrmCall)
    args = fit.brm_args  # type: ignore[attr-defined]
    assert args["formula"] == r_call.formula == "score ~ hours + (1 | school)"
    assert args["family"].name == "gaussian"
    bprior = re.search(r"bprior <- (c\(.*?\)\))\n", text, re.S).group(1)  # type: ignore[union-attr]
    assert r_call.prior == [Ref("bprior")]
    assert list(args["prior"]) == priors_from_r(bprior) and len(args["prior"]) == 3
    assert {k: args[k] for k in ("chains", "iter", "warmup", "seed")} == {
        "chains": 1,
        "iter": 60,
        "warmup": 30,
        "seed": 7,
    }
    assert args["control"]["adapt_delta"] == 0.9
    printed = out.getvalue()
    assert "score ~ hours + (1 | school)" in printed and "Intercept" in printed
    assert fit.ndraws == 30  # type: ignore[attr-defined]


def test_cli_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["port", str(SAMPLE)]) == 0
    captured = capsys.readouterr()
    assert captured.out == port_script(SAMPLE.read_text(), str(SAMPLE)).code
    assert "brmsjax port: note: line 13: brm() argument backend" in captured.err
    assert "brmsjax port: not translated: line 23: The brm() argument 'autocor'" in captured.err
    target = tmp_path / "out.py"
    assert main(["port", str(SAMPLE), "-o", str(target)]) == 0
    assert target.read_text() == captured.out


def test_cli_port_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["port", "no/such/file.R"]) == 2
    assert capsys.readouterr().err == (
        "brmsjax: error: The R script 'no/such/file.R' does not exist.\n"
    )
