"""brms's ``hypothesis()``: posterior tests of (non-)linear combinations of parameters.

A hypothesis is ``left (= | < | >) right`` in R's arithmetic over parameter names, e.g.
``"age + age:size = 0"`` or ``"Intercept - Days = 200"``. It is read by a small Lark grammar
whose names may hold ``:`` and a bracketed index (``age:size``, ``r_Subject[s308,Days]``), is
rewritten as brms prints it (``(Intercept-Days)-(200) = 0``) and evaluated draw by draw. The
summary follows brms 2.18's ``eval_hypothesis``: mean and SD (median and MAD when robust), a
two-sided ``alpha`` interval for ``=`` and a one-sided one (``alpha``, ``1 - alpha`` quantiles)
for ``<``/``>``, the evidence ratio ``P(h > 0) / P(h <= 0)`` (or its mirror) of one-sided
hypotheses, and a star when the test passes. Point hypotheses of a ``sample_prior = "yes"``
fit get brms's Savage-Dickey evidence ratio (:mod:`.savage_dickey`) from the prior draws.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lark import Lark, Token, Tree
from lark.exceptions import LarkError
from lark.load_grammar import FromPackageLoader

from brmsjax.backend.summaries import summarise_draws
from brmsjax.core import FitLike
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.methods.group_effects import coef, ranef
from brmsjax.methods.hypotheses.layout import format_frame, limit_chars, r_round
from brmsjax.methods.hypotheses.prior_draws import prior_draws_of
from brmsjax.methods.hypotheses.savage_dickey import density_ratio

#: A function from full parameter names to a frame of their prior draws.
PriorSource = Callable[[list[str]], pd.DataFrame]

__all__ = [
    "Hypothesis",
    "HypothesisError",
    "hypothesis",
    "hypothesis_levels",
    "hypothesis_table",
]

_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "log1p": np.log1p,
    "expm1": np.expm1, "inv_logit": lambda x: 1 / (1 + np.exp(-x)),
    "plogis": lambda x: 1 / (1 + np.exp(-x)), "logit": lambda x: np.log(x / (1 - x)),
    "qlogis": lambda x: np.log(x / (1 - x)), "log2": np.log2, "log10": np.log10,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh,
}  # fmt: skip
_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power}
_SIGNS = "=<>"
_FOOTER = (
    "---\n'CI': {one:g}%-CI for one-sided and {two:g}%-CI for two-sided hypotheses.\n"
    "'*': For one-sided hypotheses, the posterior probability exceeds {two:g}%;\n"
    "for two-sided hypotheses, the value tested against lies outside the {two:g}%-CI.\n"
    "Posterior probabilities of point hypotheses assume equal prior probabilities."
)


class HypothesisError(BrmsjaxError, ValueError):
    """A hypothesis cannot be read or names parameters the model lacks."""


@functools.cache
def _parser() -> Lark:
    return Lark.open_from_package(
        "brmsjax.methods.hypotheses",
        "hypothesis.lark",
        parser="lalr",
        import_paths=[FromPackageLoader("brmsjax.formula.syntax")],
    )


def _split(text: str) -> tuple[str, str, str]:
    """``(left, sign, right)`` of a whitespace-free hypothesis with exactly one sign."""
    signs = [i for i, ch in enumerate(text) if ch in _SIGNS]
    if len(signs) != 1 or signs[0] in (0, len(text) - 1):
        raise HypothesisError(
            f"The hypothesis '{text}' is not of the form 'left (= or < or >) right'; write "
            "one comparison per hypothesis, e.g. 'Days > 5'."
        )
    i = signs[0]
    return text[:i], text[i], text[i + 1 :]


def _tree(side: str, text: str) -> Tree:
    try:
        return _parser().parse(side)
    except LarkError:
        raise HypothesisError(
            f"The hypothesis '{text}' cannot be read: '{side}' is not an arithmetic expression "
            "of parameter names and numbers."
        ) from None


def _variables(tree: Tree | Token) -> list[str]:
    """Parameter names of a tree in order of appearance (no duplicates).

    The walk keeps its own stack: a hypothesis of thousands of terms is a tree as deep, too
    deep for Python's recursion limit.
    """
    found: dict[str, None] = {}
    stack: list[Tree | Token] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Token):
            continue
        if node.data == "var":
            found.setdefault(str(node.children[0]))
            continue
        children = node.children[1:] if node.data == "call" else node.children
        stack += reversed(children)
    return list(found)


def _evaluate(tree: Tree | Token, values: Mapping[str, np.ndarray], text: str) -> np.ndarray:
    """The draws of an expression tree, evaluated bottom-up with an explicit stack."""
    results: dict[int, np.ndarray] = {}
    stack: list[tuple[Tree | Token, bool]] = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, Token):  # pragma: no cover - the grammar wraps every token
            raise HypothesisError(f"The hypothesis '{text}' cannot be read.")
        kind = node.data
        if kind == "number":
            results[id(node)] = np.asarray(float(str(node.children[0])))
        elif kind == "var":
            results[id(node)] = values[str(node.children[0])]
        elif not ready:
            stack.append((node, True))
            stack += [(child, False) for child in reversed(_operands(node))]
        else:
            args = [results.pop(id(child)) for child in _operands(node)]
            results[id(node)] = _apply(node, args, text)
    return results[id(tree)]


def _operands(node: Tree) -> list[Tree | Token]:
    return node.children[1:] if node.data == "call" else node.children


def _apply(node: Tree, args: list[np.ndarray], text: str) -> np.ndarray:
    """One operator or function call of the tree on its evaluated operands."""
    kind = node.data
    if kind == "call":
        name = str(node.children[0])
        fun = _FUNCTIONS.get(name)
        if fun is None or len(args) != 1:
            raise HypothesisError(
                f"The hypothesis '{text}' calls '{name}' with {len(args)} argument(s); use one "
                f"of the one-argument functions {', '.join(sorted(_FUNCTIONS))}."
            )
        return np.asarray(fun(args[0]))
    if kind == "neg":
        return -args[0]
    if kind == "pos":
        return args[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(_BINARY[str(kind)](args[0], args[1]))


def _missing_message(missing: list[str], known: list[str], prefix: str) -> str:
    parts = []
    for name in missing:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.75)
        shown = ", ".join(repr(c[len(prefix) :]) for c in close)
        hint = f" (did you mean {shown}?)" if close else ""
        parts.append(f"'{name}'{hint}")
    return (
        f"The model has no parameter(s) {', '.join(parts)}. Use names from fit.variables()"
        + (f" without the prefix '{prefix}'" if prefix else "")
        + "."
    )


def _evidence_ratio(x: np.ndarray, sign: str, prior: np.ndarray | None) -> float:
    if sign == "=":  # Savage-Dickey with prior draws (brms's density_ratio), else NA
        return np.nan if prior is None else density_ratio(x, prior)
    hits = int(np.sum(x < 0) if sign == "<" else np.sum(x > 0))
    rest = x.size - hits
    return np.inf if rest == 0 else hits / rest


def _one(
    text: str,
    name: str | None,
    draws: pd.DataFrame,
    *,
    prefix: str,
    alpha: float,
    robust: bool,
    priors: PriorSource | None = None,
) -> tuple[dict[str, Any], np.ndarray, np.ndarray | None]:
    compact = "".join(str(text).split())
    left, sign, right = _split(compact)
    trees = [_tree(left, text), _tree(right, text)]
    names = list(dict.fromkeys(v for t in trees for v in _variables(t)))
    known = [str(c) for c in draws.columns if str(c).startswith(prefix)]
    missing = [prefix + v for v in names if prefix + v not in set(known)]
    if missing:
        raise HypothesisError(_missing_message(missing, known, prefix))
    values = {v: draws[prefix + v].to_numpy(dtype=np.float64) for v in names}
    n = len(draws)
    x = np.broadcast_to(
        _evaluate(trees[0], values, text) - _evaluate(trees[1], values, text), (n,)
    ).astype(np.float64)
    probs = (alpha / 2, 1 - alpha / 2) if sign == "=" else (alpha, 1 - alpha)
    est, err, lower, upper = (float(v) for v in summarise_draws(x, probs, robust))
    prior_x = None
    if priors is not None:  # brms evaluates the hypothesis on the prior draws of every name
        pdraws = priors([prefix + v for v in names])
        if pdraws.shape[1] == len(names) and len(pdraws):
            pvalues = {v: pdraws[prefix + v].to_numpy(dtype=np.float64) for v in names}
            prior_x = np.broadcast_to(
                _evaluate(trees[0], pvalues, text) - _evaluate(trees[1], pvalues, text),
                (len(pdraws),),
            ).astype(np.float64)
    ratio = _evidence_ratio(x, sign, prior_x)
    post = 1.0 if np.isinf(ratio) else ratio / (1 + ratio)
    if sign == "=":
        star = not (lower <= 0 <= upper)
    else:
        star = bool(post > 1 - alpha)
    shown = f"({left})" + (f"-({right})" if right != "0" else "") + f" {sign} 0"
    row = {
        "Hypothesis": name if name else shown,
        "Estimate": est,
        "Est.Error": err,
        "CI.Lower": lower,
        "CI.Upper": upper,
        "Evid.Ratio": ratio,
        "Post.Prob": post,
        "Star": "*" if star else "",
    }
    return row, x, prior_x


@dataclass(frozen=True)
class Hypothesis:
    """The result of :func:`hypothesis` (brms's ``brmshypothesis``).

    Attributes
    ----------
    hypothesis
        One row per hypothesis: ``Hypothesis Estimate Est.Error CI.Lower CI.Upper Evid.Ratio
        Post.Prob Star`` (NaN where brms has NA).
    samples
        Posterior draws of each hypothesis (``left - right``), columns ``H1, H2, ...``.
    class_
        The parameter class tested (``"b"``, or ``""`` for full names).
    alpha
        The tests' alpha.
    prior_samples
        Prior draws of each hypothesis where every parameter it names has prior draws
        (``sample_prior="yes"``), NaN elsewhere; None without prior draws.
    """

    hypothesis: pd.DataFrame
    samples: pd.DataFrame
    class_: str
    alpha: float
    prior_samples: pd.DataFrame | None = None

    def __str__(self) -> str:
        table = self.hypothesis.copy()
        table["Hypothesis"] = [limit_chars(h) for h in table["Hypothesis"]]
        for col in ("Estimate", "Est.Error", "CI.Lower", "CI.Upper", "Evid.Ratio", "Post.Prob"):
            table[col] = r_round(table[col].to_numpy(dtype=np.float64), 2)
        table.index = [str(i + 1) for i in range(len(table))]
        one, two = (1 - 2 * self.alpha) * 100, (1 - self.alpha) * 100
        return (
            f"Hypothesis Tests for class {self.class_}:\n{format_frame(table)}\n"
            + _FOOTER.format(one=one, two=two)
        )

    def __repr__(self) -> str:
        return str(self)


def hypothesis_table(
    draws: pd.DataFrame,
    hypothesis: str | Sequence[str] | Mapping[str, str],
    *,
    prefix: str = "",
    alpha: float = 0.05,
    robust: bool = False,
    class_label: str = "",
    priors: PriorSource | None = None,
) -> Hypothesis:
    """brms's ``.hypothesis``: test hypotheses over the columns of a draws table.

    Parameters
    ----------
    draws
        One row per draw, one column per parameter (brms names).
    hypothesis
        One hypothesis, a list of them, or a dict from names (shown instead of the rewritten
        hypothesis) to hypotheses.
    prefix
        Prefix added to every name in the hypotheses (``"b_"`` for class ``b``).
    alpha
        Two-sided intervals have mass ``1 - alpha``; one-sided ones ``1 - 2 * alpha``.
    robust
        Median and MAD instead of mean and SD.
    class_label
        Class shown in the printout header.
    priors
        A function from full parameter names to their prior draws (columns named by the
        parameters that have them); point hypotheses over parameters that all have prior
        draws get brms's Savage-Dickey evidence ratio.

    Returns
    -------
    Hypothesis
        The summary table and the draws of each hypothesis.
    """
    if isinstance(hypothesis, str):
        items: list[tuple[str | None, str]] = [(None, hypothesis)]
    elif isinstance(hypothesis, Mapping):
        items = [(str(k), v) for k, v in hypothesis.items()]
    else:
        items = [(None, h) for h in hypothesis]
    if not items or not all(isinstance(h, str) for _, h in items):
        raise HypothesisError(
            "hypothesis must be a string such as 'Days > 5', or a list or dict of such strings."
        )
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 <= alpha <= 1:
        raise HypothesisError(f"alpha must be a single number in [0, 1], not {alpha!r}.")
    rows: list[dict[str, Any]] = []
    samples: dict[str, np.ndarray] = {}
    prior_samples: dict[str, np.ndarray] = {}
    for i, (name, text) in enumerate(items):
        row, x, prior_x = _one(
            text, name, draws, prefix=prefix, alpha=float(alpha), robust=robust, priors=priors
        )
        rows.append(row)
        samples[f"H{i + 1}"] = x
        prior_samples[f"H{i + 1}"] = np.full(len(x), np.nan) if prior_x is None else prior_x
    return Hypothesis(
        pd.DataFrame(rows),
        pd.DataFrame(samples),
        class_label,
        float(alpha),
        None if priors is None else pd.DataFrame(prior_samples),
    )


def hypothesis_levels(
    draws: np.ndarray,
    levels: Sequence[str],
    coefs: Sequence[str],
    hypothesis: str | Sequence[str] | Mapping[str, str],
    *,
    alpha: float = 0.05,
    robust: bool = False,
) -> Hypothesis:
    """brms's ``hypothesis_coef``: the hypotheses at every level of a grouping factor.

    Parameters
    ----------
    draws
        ``(draw, level, coef)`` array (``ranef(summary=False)`` or ``coef(summary=False)``).
    levels, coefs
        Labels of the level and coefficient axes.
    hypothesis, alpha, robust
        As :func:`hypothesis_table`; names are coefficient names (``"Days"``).

    Returns
    -------
    Hypothesis
        Rows ordered by hypothesis, then level, with a leading ``Group`` column.
    """
    per_level = [
        hypothesis_table(
            pd.DataFrame(draws[:, i, :], columns=list(coefs)),
            hypothesis,
            alpha=alpha,
            robust=robust,
        )
        for i in range(len(levels))
    ]
    n_hyp = len(per_level[0].hypothesis)
    rows: list[dict[str, Any]] = []
    samples: dict[str, np.ndarray] = {}
    for h in range(n_hyp):
        for lv, res in zip(levels, per_level, strict=True):
            row = res.hypothesis.iloc[h]
            rows.append({"Group": str(lv), **{str(k): row[k] for k in row.index}})
            samples[f"H{len(samples) + 1}"] = res.samples.iloc[:, h].to_numpy()
    return Hypothesis(pd.DataFrame(rows), pd.DataFrame(samples), "", float(alpha))


def hypothesis(
    fit: FitLike,
    hypothesis: str | Sequence[str] | Mapping[str, str],
    class_: str | None = "b",
    group: str = "",
    alpha: float = 0.05,
    *,
    scope: str = "standard",
    robust: bool = False,
    seed: int | None = None,
) -> Hypothesis:
    """brms's ``hypothesis()``: posterior tests of combinations of parameters.

    Parameters
    ----------
    hypothesis
        ``"left (= | < | >) right"`` over parameter names, e.g. ``"age + age:size = 0"``;
        a list of them, or a dict naming each.
    class_
        Parameter class: ``"b"`` tests ``b_`` parameters by their names without ``b_``;
        ``""`` (or None) takes full names (``"sd_Subject__Days > 2"``).
    group
        With a class, tests ``<class>_<group>__`` parameters (``class_="sd",
        group="Subject"`` and ``"Days > 2"``); with ``scope`` ``"ranef"`` or ``"coef"``,
        the grouping factor whose levels are tested.
    alpha
        Error rate: two-sided intervals at ``1 - alpha``, one-sided at ``1 - 2 alpha``.
    scope
        ``"standard"`` tests parameters; ``"ranef"`` / ``"coef"`` test the group-level
        effects / coefficients (``fit.ranef()`` / ``fit.coef()``) of every level of
        ``group`` by coefficient name (one row per hypothesis and level).
    robust
        Median and MAD instead of mean and SD.
    seed
        Seed of the shuffle of prior draws (``sample_prior="yes"`` fits; see
        :func:`~brmsjax.methods.hypotheses.prior_draws.prior_draws`).

    Returns
    -------
    Hypothesis
        Printing it gives brms 2.18's layout; ``.hypothesis`` and ``.samples`` hold the
        numbers.
    """
    if scope not in ("standard", "ranef", "coef"):
        raise HypothesisError(f"scope must be 'standard', 'ranef' or 'coef', not {scope!r}.")
    if scope != "standard":
        groups = fit.info.group_names
        if group not in groups:
            raise HypothesisError(
                f"group must be one of the model's grouping factors ({', '.join(groups)}) "
                f"when scope is '{scope}', not {group!r}."
            )
        arr = (ranef if scope == "ranef" else coef)(fit, summary=False)[group]
        return hypothesis_levels(
            np.asarray(arr.values),
            [str(v) for v in arr.coords["level"].values],
            [str(v) for v in arr.coords["coef"].values],
            hypothesis,
            alpha=alpha,
            robust=robust,
        )
    cls = class_ or ""
    if group:
        prefix = f"{cls}_{group}__"
    else:
        prefix = f"{cls}_" if cls else ""
    label = prefix.rstrip("_")
    meta = {".chain", ".iteration", ".draw"}
    draws = fit.draws()
    draws = draws[[c for c in draws.columns if c not in meta]]
    rng = np.random.default_rng(seed)
    has_priors = any(str(c).startswith("prior_") for c in draws.columns)
    return hypothesis_table(
        draws,
        hypothesis,
        prefix=prefix,
        alpha=alpha,
        robust=robust,
        class_label=label,
        priors=(lambda names: prior_draws_of(fit, names, rng)) if has_priors else None,
    )
