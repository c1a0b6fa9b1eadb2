"""Column typing, the evaluator's learned state and new data, against R's model.frame."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from brmsjax.formula.errors import DesignError, UnknownVariableError
from brmsjax.formula.evaluate.variables import (
    EvalState,
    Evaluator,
    Factor,
    LevelsState,
    Numeric,
    NumericState,
    group_factor,
    group_key,
    variable_names,
)
from brmsjax.formula.syntax.parse import parse
from tests.formula.formula_fixtures import case_frame, formula_cases


def case(case_id: str) -> dict[str, Any]:
    """One case of tests/fixtures/formula_cases.json."""
    return next(c for c in formula_cases() if c["id"] == case_id)


def fixture_column(case_id: str, column: str) -> np.ndarray:
    """One column of the case's R model matrix."""
    c = case(case_id)
    return np.array(c["matrix"], dtype=float)[:, c["columns"].index(column)]


NA = np.nan

# (column data, expected: Numeric values or (levels, codes, ordered, logical))
TYPING = [
    pytest.param([1.5, None, 3.0], [1.5, NA, 3.0], id="float with None"),
    pytest.param(np.array([3, 1, 2]), [3.0, 1.0, 2.0], id="int64"),
    pytest.param(pd.array([3, None], dtype="Int64"), [3.0, NA], id="nullable Int64"),
    pytest.param([1, 2.5, None], [1.0, 2.5, NA], id="object numbers"),
    pytest.param(
        ["b", "A", "a", "B", "_z", "10"],
        (("10", "A", "B", "_z", "a", "b"), [5, 1, 4, 2, 3, 0], False, False),
        id="fe116 strings sort by code point",
    ),
    pytest.param(
        pd.Series(["b", None, "a", np.nan], dtype="str"),
        (("a", "b"), [1, -1, 0, -1], False, False),
        id="str dtype with NA",
    ),
    pytest.param(["a", pd.NA, "b"], (("a", "b"), [0, -1, 1], False, False), id="pd.NA string"),
    pytest.param([1.0, pd.NA], [1.0, NA], id="pd.NA number"),
    pytest.param(pd.Series([1.5, None], dtype="Float64"), [1.5, NA], id="nullable Float64"),
    pytest.param(["é", "z", "Z"], (("Z", "z", "é"), [2, 1, 0], False, False), id="non-ASCII"),
    pytest.param(
        pd.Categorical(["c", "a", None], categories=["c", "a", "b"]),
        (("c", "a", "b"), [0, 1, -1], False, False),
        id="Categorical keeps order",
    ),
    pytest.param(
        pd.Categorical(["lo", "hi"], categories=["lo", "hi"], ordered=True),
        (("lo", "hi"), [0, 1], True, False),
        id="ordered Categorical",
    ),
    pytest.param(
        pd.Categorical([10, 2, 10]),
        (("2", "10"), [1, 0, 1], False, False),
        id="Categorical of numbers",
    ),
    pytest.param(
        np.array([True, False, True]), (("FALSE", "TRUE"), [1, 0, 1], False, True), id="bool"
    ),
    pytest.param(
        pd.array([True, None], dtype="boolean"),
        (("FALSE", "TRUE"), [1, -1], False, True),
        id="nullable boolean",
    ),
    pytest.param(
        [True, None, False], (("FALSE", "TRUE"), [1, -1, 0], False, True), id="object bools"
    ),
    pytest.param(
        [True, True], (("FALSE", "TRUE"), [1, 1], False, True), id="logical keeps FALSE unobserved"
    ),
    pytest.param(
        [None, None], (("FALSE", "TRUE"), [-1, -1], False, True), id="all NA is logical as in R"
    ),
]


@pytest.mark.parametrize(("column", "expected"), TYPING)
def test_columns_are_typed_as_r_types_them(column: Any, expected: Any) -> None:
    value = Evaluator({"v": column}, "v").value(parse("v"))
    if isinstance(expected, list):
        assert isinstance(value, Numeric) and value.colnames is None
        assert value.values.dtype == np.float64
        np.testing.assert_array_equal(value.values, expected)
    else:
        assert isinstance(value, Factor)
        assert (value.levels, value.codes.tolist(), value.ordered, value.logical) == expected
        assert value.codes.dtype == np.int64


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (
            np.array([1 + 2j]),
            "Column 'v' has the type complex128, which formulas "
            "cannot use; convert it to numbers, strings, booleans or a pandas Categorical.",
        ),
        (
            [1, "a"],
            "Column 'v' mixes values of different types (mixed-integer); convert it to "
            "numbers, strings or booleans.",
        ),
    ],
)
def test_unusable_columns_raise(column: Any, message: str) -> None:
    with pytest.raises(DesignError, match=re.escape(message)):
        Evaluator({"v": column}, "v").value(parse("v"))


# (case, variable, R's model-matrix column holding its values)
FIXTURE_NUMERIC = [
    ("fe083", "I(x^2)", "I(x^2)"),
    ("fe086", "I(x*z)", "I(x * z)"),
    ("fe088", "log(x)", "log(x)"),
    ("fe089", "exp(w)", "exp(w)"),
    ("fe089", "sqrt(z)", "sqrt(z)"),
    ("fe095", "as.numeric(l)", "as.numeric(l)"),
    ("fe120", "`my var`", "`my var`"),
    ("fe120", "x.1", "x.1"),
    ("fe001", "x", "x"),
]


@pytest.mark.parametrize(("case_id", "text", "column"), FIXTURE_NUMERIC)
def test_numeric_variables_match_r_model_matrix(case_id: str, text: str, column: str) -> None:
    value = Evaluator(case_frame(case(case_id)), text).value(parse(text))
    assert isinstance(value, Numeric)
    np.testing.assert_allclose(value.values, fixture_column(case_id, column), rtol=1e-8)


# (case, variable, levels, ordered, logical); every fixture column label+level is a dummy
FIXTURE_FACTORS = [
    ("fe081", "factor(n)", ("1", "2", "3"), False, False),
    ("fe082", "factor(n)", ("1", "2", "3"), False, False),
    ("fe030", "a", ("hi", "lo", "mid"), False, False),
    ("fe032", "a", ("hi", "lo", "mid"), False, False),
    ("fe031", "f", ("c", "a", "b"), False, False),
    ("fe061", "o", ("low", "med", "high"), True, False),
    ("fe071", "l", ("FALSE", "TRUE"), False, True),
    ("fe114", "f2", ("u", "v", "zz"), False, False),
]


@pytest.mark.parametrize(("case_id", "text", "levels", "ordered", "logical"), FIXTURE_FACTORS)
def test_factor_variables_match_r_model_matrix(
    case_id: str, text: str, levels: tuple[str, ...], ordered: bool, logical: bool
) -> None:
    c = case(case_id)
    value = Evaluator(case_frame(c), text).value(parse(text))
    assert isinstance(value, Factor)
    assert (value.levels, value.ordered, value.logical) == (levels, ordered, logical)
    rows = np.array(c["rows_kept"]) - 1
    checked = 0
    for k, level in enumerate(levels):
        if text + level in c["columns"]:
            dummy = (value.codes[rows] == k).astype(float)
            np.testing.assert_array_equal(dummy, fixture_column(case_id, text + level))
            checked += 1
    assert checked >= len(levels) - 1


@pytest.mark.parametrize(
    ("case_id", "group"), [("br009", "g1:g2"), ("br002", "g1"), ("br005", "g1")]
)
def test_group_factors_match_brms_standata(case_id: str, group: str) -> None:
    c = case(case_id)
    factor = Evaluator(case_frame(c), c["formula"]).group(parse(group))
    assert factor.levels == tuple(c["group_levels"][group])
    assert (factor.codes + 1).tolist() == c["standata_J"]["J_1"]


def test_numeric_grouping_sorts_numerically_as_lme4() -> None:
    c = case("re008")
    factor = group_factor(parse("h"), case_frame(c))
    expected = next(t for t in c["re_terms"] if t["group"] == "h")["levels"]
    assert factor.levels == tuple(expected) == ("2", "3", "4", "10")
    np.testing.assert_array_equal(factor.codes, [2, 0, 1, 3] * 3)


# ----------------------------------------------------------------------------------------------
# learned state and new data

TRAIN = pd.DataFrame(
    {
        "x": [1.0, 2.0, 4.0, 7.0, 11.0],
        "g": ["b", "a", "c", "a", "b"],
        "f": pd.Categorical(["lo", "hi", "lo", "hi", "lo"], categories=["lo", "mid", "hi"]),
        "n": [1, 10, 2, 2, 10],
        "h": ["u", "v", "u", "v", "v"],
    }
)
NEW = pd.DataFrame(
    {
        "x": [0.0, 5.0, 20.0],
        "g": ["c", "c", "a"],
        "f": pd.Categorical(["hi", "lo", None], categories=["hi", "lo"]),
        "n": [10, 1, 10],
        "h": ["v", "u", "u"],
    }
)

STATEFUL = [
    ("g", ("a", "b", "c"), [2, 2, 0]),
    ("f", ("lo", "mid", "hi"), [2, 0, -1]),
    ("factor(n)", ("1", "2", "10"), [2, 0, 2]),
    ('factor(g, levels = c("c", "a"))', ("c", "a"), [0, 0, 1]),
    ("ordered(f)", ("lo", "hi"), [1, 0, -1]),
    ("as.factor(f)", ("lo", "mid", "hi"), [2, 0, -1]),
    ("I(x > 3)", ("FALSE", "TRUE"), [0, 1, 1]),
]


@pytest.mark.parametrize(("text", "levels", "new_codes"), STATEFUL)
def test_new_data_gets_the_fitted_levels(
    text: str, levels: tuple[str, ...], new_codes: list[int]
) -> None:
    fitted = Evaluator(TRAIN, text)
    assert fitted.value(parse(text)).levels == levels
    new = Evaluator(NEW, text, state=fitted.state).value(parse(text))
    assert isinstance(new, Factor)
    assert (new.levels, new.codes.tolist()) == (levels, new_codes)


@pytest.mark.parametrize(
    "text",
    ["poly(x, 2)", "scale(x)", "I(scale(x)^2)", "log(poly(x, 2)^2)", "poly(x, 2, raw = TRUE)"],
)
def test_new_data_transform_equals_the_fitted_transform(text: str) -> None:
    """Encoding rows anew with the learned state reproduces their fitted values."""
    fitted = Evaluator(TRAIN, text)
    values = fitted.value(parse(text))
    rows = TRAIN.iloc[[3, 0, 4]].reset_index(drop=True)
    again = Evaluator(rows, text, state=fitted.state).value(parse(text))
    assert isinstance(values, Numeric) and isinstance(again, Numeric)
    np.testing.assert_allclose(again.values, values.values[[3, 0, 4]], rtol=1e-12)
    refit = Evaluator(rows, text).value(parse(text))  # a refit on fewer rows differs (not raw)
    assert isinstance(refit, Numeric)
    assert ("raw" in text) == np.allclose(refit.values, again.values)


NEW_LEVEL = (
    "Level '{level}' of '{label}' does not occur in the data the model was fitted to; "
    "drop the rows with new levels or refit the model on data that includes them."
)


@pytest.mark.parametrize(
    ("text", "column", "values", "level"),
    [
        ("g", "g", ["a", "x9"], "x9"),
        ("factor(n)", "n", [1, 5], "5"),
        ("f", "f", pd.Categorical(["lo", "top"]), "top"),
        ("ordered(g)", "g", ["d", "a"], "d"),
    ],
)
def test_unseen_level_names_variable_and_level(
    text: str, column: str, values: Any, level: str
) -> None:
    fitted = Evaluator(TRAIN, text)
    fitted.value(parse(text))
    new = Evaluator({column: values}, text, state=fitted.state)
    message = NEW_LEVEL.format(level=level, label=text)
    with pytest.raises(DesignError, match=re.escape(message)):
        new.value(parse(text))


def test_unseen_group_level_and_group_levels_state() -> None:
    fitted = Evaluator(TRAIN, "(1 | g:h)")
    factor = fitted.group(parse("g:h"))
    assert factor.levels == ("a_v", "b_u", "b_v", "c_u")
    assert fitted.state[group_key("g:h")] == LevelsState(("a_v", "b_u", "b_v", "c_u"))
    known = {"g": ["c", "a", "b", None], "h": ["u", "v", "u", "v"]}
    new = Evaluator(known, "(1 | g:h)", state=fitted.state).group(parse("g:h"))
    assert (new.levels, new.codes.tolist()) == (factor.levels, [3, 0, 1, -1])
    with pytest.raises(DesignError, match=re.escape(NEW_LEVEL.format(level="c_v", label="g:h"))):
        group_factor(parse("g:h"), NEW, levels=factor.levels)


def test_type_change_in_new_data_is_refused() -> None:
    fitted = Evaluator(TRAIN, "x + g")
    fitted.value(parse("x"))
    fitted.value(parse("g"))
    swapped = {"x": ["a", "b"], "g": [1.0, 2.0]}
    with pytest.raises(
        DesignError,
        match=re.escape(
            "'x' is numeric in the data the model was fitted to but a factor in the new data; "
            "give it the type it had in fitting."
        ),
    ):
        Evaluator(swapped, "x + g", state=fitted.state).value(parse("x"))
    with pytest.raises(
        DesignError,
        match=re.escape(
            "'g' is a factor in the data the model was fitted to but numeric in the new data"
        ),
    ):
        Evaluator(swapped, "x + g", state=fitted.state).value(parse("g"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("poly(x, 2)", "'poly(x, 2)' is not part of the fitted model"),
        ("scale(x)", "'scale(x)' is not part of the fitted model"),
        ("factor(x)", "'factor(x)' is not part of the fitted model"),
        ("I(x > 1)", "'I(x > 1)' is not part of the fitted model"),
    ],
)
def test_new_data_with_a_transform_the_fit_lacks_is_refused(text: str, message: str) -> None:
    fitted = Evaluator(TRAIN, "x")
    fitted.value(parse("x"))
    with pytest.raises(
        DesignError, match=re.escape(message + "; use the formula of the fitted model.")
    ):
        Evaluator(TRAIN, text, state=fitted.state).value(parse(text))
    with pytest.raises(DesignError, match=re.escape("The grouping factor 'g' is not part of")):
        Evaluator(TRAIN, text, state=fitted.state).group(parse("g"))


def test_state_is_a_frozen_mapping_keyed_by_label() -> None:
    ev = Evaluator(TRAIN, "x + g + poly(x, 2)")
    for text in ("x", "g", "poly(x,2)"):
        ev.value(parse(text))
    state = ev.state
    assert list(state) == ["x", "g", "poly(x, 2)"]
    assert state["x"] == NumericState() and state["g"] == LevelsState(("a", "b", "c"))
    assert isinstance(state, EvalState) and hash(state) == hash(EvalState(dict(state)))
    with pytest.raises(TypeError):
        state["x"] = NumericState()  # type: ignore[index]


def test_drop_unused_levels_option() -> None:
    kept = Evaluator(TRAIN, "f").value(parse("f"))
    dropped = Evaluator(TRAIN, "f", drop_unused_levels=True).value(parse("f"))
    assert isinstance(kept, Factor) and isinstance(dropped, Factor)
    assert (kept.levels, dropped.levels) == (("lo", "mid", "hi"), ("lo", "hi"))
    assert dropped.codes.tolist() == [0, 1, 0, 1, 0]


# ----------------------------------------------------------------------------------------------
# names


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "score ~ agee",
            "Unknown variable 'agee' in the formula; the data has 'age'.\n"
            "  score ~ agee\n          ^^^^",
        ),
        (
            "score ~ log(qq)",
            "Unknown variable 'qq' in the formula; the data has the columns 'age', "
            "'score', 'c1', 'c2', 'c3', 'c4' and 2 more.",
        ),
    ],
)
def test_unknown_variable_points_at_the_name(source: str, message: str) -> None:
    data = {k: [1.0] for k in ("age", "score", "c1", "c2", "c3", "c4", "c5", "c6")}
    node = parse(source)
    rhs = node.rhs if hasattr(node, "rhs") else node
    with pytest.raises(UnknownVariableError, match=re.escape(message)):
        Evaluator(data, source).value(rhs)


@pytest.mark.parametrize(
    ("text", "columns", "names"),
    [
        ("log(x) + poly(z, 2, raw = TRUE)", ("x", "z"), ("x", "z")),
        ("I(pi * x > T)", ("x",), ("x",)),
        ("I(pi * x > T)", ("x", "T"), ("x", "T")),
        ("factor(`my var`, levels = c(1, 2))", (), ("my var",)),
    ],
)
def test_variable_names(text: str, columns: tuple[str, ...], names: tuple[str, ...]) -> None:
    assert variable_names(parse(text), columns) == names


def test_data_columns_shadow_r_constants() -> None:
    data = {"T": [5.0, 6.0], "pi": [1.0, 2.0]}
    value = Evaluator(data, "I(T + pi)").value(parse("I(T + pi)"))
    assert isinstance(value, Numeric)
    assert value.values.tolist() == [6.0, 8.0]
    constant = Evaluator({"x": [1.0, 2.0]}, "I(x * pi)").value(parse("I(x * pi)"))
    assert isinstance(constant, Numeric)
    np.testing.assert_allclose(constant.values, [np.pi, 2 * np.pi])


def test_columns_of_different_lengths_raise() -> None:
    message = "Column 'b' has 2 values but 'a' has 3; give every column one value per row."
    with pytest.raises(DesignError, match=re.escape(message)):
        Evaluator({"a": [1, 2, 3], "b": [1, 2]}, "a")
