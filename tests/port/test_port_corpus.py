"""Published brm() calls (the corpus): each translates as brms 2.18 reads it, or is rejected."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import brmsjax as bj
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.port import BrmCall, FamilyCall, RCodeError, Ref, from_r
from brmsjax.port.brm_args import BRM_FORMALS, DEFAULT_ONLY, IGNORED, SUPPORTED

FIXTURE = Path(__file__).parents[1] / "fixtures" / "port_corpus" / "calls.json"


@dataclass(frozen=True)
class Case:
    """One corpus call: its R code, where it was published, and what brms 2.18 made of it."""

    id: str
    code: str
    source: str
    args: tuple[str, ...]
    truth: dict[str, Any]


def _short(source: str) -> str:
    name = re.split(r"[ /]", source.split(" (", maxsplit=1)[0])[-1]
    return re.sub(r"(\.brmsfit)?\.(Rd|R|ltx)$", "", name)


def _load() -> tuple[list[Case], list[str]]:
    raw = json.loads(FIXTURE.read_text())
    seen: Counter[str] = Counter()
    cases = []
    for c in raw["calls"]:
        short = _short(c["source"])
        seen[short] += 1
        cases.append(
            Case(
                f"{short}-{seen[short]}",
                c["code"],
                c["source"],
                tuple(c["brms"]["args"]),
                c["brms"],
            )
        )
    return cases, raw["brm_formals"]


CORPUS, FORMALS = _load()

#: Why corpus calls are rejected: the culprit the message names, and how many calls.
REJECTIONS = {
    "stanvars": 3,
    "empty": 2,
    "threshold": 1,
    "data": 1,
}


def test_every_brm_argument_of_brms_2_18_is_classified() -> None:
    assert tuple(FORMALS) == BRM_FORMALS
    groups = [SUPPORTED, set(IGNORED), set(DEFAULT_ONLY)]
    for name in BRM_FORMALS:
        assert sum(name in g for g in groups) == 1, name
    assert set().union(*groups) == set(BRM_FORMALS)


class _Recorder:
    """Stands in for ``brmsjax`` when the translated source runs: records brm()'s arguments."""

    prior = staticmethod(bj.prior)
    bf = staticmethod(bj.bf)
    set_rescor = staticmethod(bj.set_rescor)

    @staticmethod
    def mvbf(*parts: Any, rescor: bool | None = None) -> bj.MvFormula:
        return bj.MvFormula(parts, rescor)  # parts may be Refs (bf() objects made elsewhere)

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def brm(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_corpus_call_translates_like_brms(case: Any) -> None:
    """Each corpus call translates to what brms 2.18 makes of it, or is rejected by name."""
    try:
        call = from_r(case.code)
    except RCodeError as err:
        culprit = _culprit(err)
        assert culprit in REJECTIONS, err
        assert culprit.startswith("Adding") or re.search(rf"\b{culprit}\s*=", case.code), err
        return
    assert isinstance(call, BrmCall)
    truth = case.truth
    if "formula" in truth and not isinstance(call.formula, Ref):
        formula = call.formula
        texts = formula.formulas if isinstance(formula, BrmsFormula) else (formula,)
        if "autocor" in truth["args"] and "autocor = cor_" in case.code:
            # brms 2.18 keeps the converted cor_brms term apart (autocor ~ fcor(M = V))
            assert texts[0].startswith(truth["formula"] + " + ")
        else:
            assert texts[0] == truth["formula"]
        assert list(texts[1:]) == list((truth["dpars"] or {}).values())
        fixed = dict(formula.fixed) if isinstance(formula, BrmsFormula) else {}
        assert fixed == pytest.approx(truth["pfix"] or {}, rel=1e-14)  # R keeps 15 digits
    if "family" in truth and isinstance(call.family, FamilyCall):
        assert call.family.name == truth["family"]["family"]
        assert call.family.kwargs.get("link", truth["family"]["link"]) == truth["family"]["link"]
    if "prior" in truth:
        rows = [(p.prior, p.class_, p.coef, p.group, p.dpar, p.lb, p.ub) for p in call.prior or ()]
        want = [
            (
                r["prior"],
                r["class"],
                r["coef"],
                r["group"],
                r["dpar"],
                None if r["lb"] in ("", None) else float(r["lb"]),
                None if r["ub"] in ("", None) else float(r["ub"]),
            )
            for r in truth["prior"]
        ]
        assert rows == want
    for r_key, value in truth.get("sampler", {}).items():
        key = "init" if r_key == "inits" else r_key
        assert call.args[key] == _R_TO_PYTHON.get((key, json.dumps(value)), value)
    _check_python_source(call)


#: brms values that brmsjax spells differently.
_R_TO_PYTHON = {
    ("init", '"0"'): 0,
    ("init", '"random"'): None,
    ("sample_prior", "true"): "yes",
    ("sample_prior", "false"): "no",
}


def _check_python_source(call: BrmCall) -> None:
    """Run the translated source against recorders: it makes the same brm() arguments."""
    recorder = _Recorder()
    env = {"bj": recorder, "families": _Families(), "math": math}
    exec(call.to_python(imports=False), env, _Names(env))  # noqa: S102
    ((args, kwargs),) = recorder.calls
    assert args[0] == call.formula
    assert {k: kwargs[k] for k in call.args} == _python_refs(call.args)
    if isinstance(call.family, FamilyCall):
        family = kwargs.get("family", "gaussian")
        want = (
            call.family.name
            if not call.family.kwargs
            else (call.family.constructor() or call.family.name, dict(call.family.kwargs))
        )
        assert family == want
    if call.prior is not None:
        got = kwargs["prior"] if isinstance(kwargs["prior"], list) else [kwargs["prior"]]
        assert got == call.prior


def _python_refs(value: Any) -> Any:
    """R objects by the Python names the source gives them (``COL.nb`` is ``COL_nb``)."""
    if isinstance(value, Ref):
        return Ref(value.python)
    if isinstance(value, dict):
        return {k: _python_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_python_refs(v) for v in value]
    return value


class _Families:
    """Stands in for ``brmsjax.backend.families.registry``: a constructor call gives (name,
    kwargs)."""

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: (name, kwargs)


class _Names(dict):  # type: ignore[type-arg]
    """Locals for the translated source: any unknown name (a data frame) is a Ref."""

    def __init__(self, env: dict[str, Any]) -> None:
        super().__init__()
        self.env = env

    def __missing__(self, key: str) -> Any:
        return self.env.get(key, Ref(key))


def _culprit(err: RCodeError) -> str:
    if err.message.startswith("Adding formula parts"):
        return "Adding formula parts with '+'"
    found = re.search(r"argument '([\w.]+)'|^'([\w.]+)' is not an argument", err.message)
    return (found.group(1) or found.group(2)) if found else err.message


def _rejections() -> Counter[str]:
    out: Counter[str] = Counter()
    for case in CORPUS:
        try:
            from_r(case.code)
        except RCodeError as err:
            out[_culprit(err)] += 1
    return out


def test_corpus_size_and_sources() -> None:
    rejected = _rejections()
    assert rejected == REJECTIONS
    assert len(CORPUS) == 184 and len(CORPUS) - rejected.total() == 177
    assert len({c.source.split(" (")[0] for c in CORPUS}) >= 100
    assert sum(c.source.startswith("ASKurz") for c in CORPUS) == 9
