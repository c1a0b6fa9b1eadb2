"""brms 2.18's ``brm()`` arguments: which brmsjax supports, ignores with a note, or rejects.

Every formal argument of ``brm()`` (``names(formals(brm))`` in brms 2.18) is in exactly one of
:data:`SUPPORTED`, :data:`IGNORED` and :data:`DEFAULT_ONLY`; arguments that reach ``...`` are
ignored when they only tune rstan's output (:data:`DOTS_IGNORED`) and rejected otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

from brmsjax.formula.syntax.ast import Argument
from brmsjax.rcode.rparse import RCodeError
from brmsjax.rcode.rvalues import Ref, Value, check_scalar, py_str, r_value

__all__ = [
    "BRM_FORMALS",
    "DEFAULT_ONLY",
    "DOTS_IGNORED",
    "IGNORED",
    "SUPPORTED",
    "add_data2",
    "sampler_args",
]

#: ``names(formals(brm))`` in brms 2.18, without ``...``.
BRM_FORMALS = (
    "formula", "data", "family", "prior", "autocor", "data2", "cov_ranef", "sample_prior",
    "sparse", "knots", "drop_unused_levels", "stanvars", "stan_funs", "fit", "save_pars",
    "save_ranef", "save_mevars", "save_all_pars", "init", "inits", "chains", "iter", "warmup",
    "thin", "cores", "threads", "opencl", "normalize", "control", "algorithm", "backend",
    "future", "silent", "seed", "save_model", "stan_model_args", "file", "file_refit", "empty",
    "rename",
)  # fmt: skip

#: Arguments brmsjax's ``brm()`` takes (``inits`` is brms's old name of ``init``).
SUPPORTED = frozenset({
    "formula", "data", "family", "prior", "sample_prior", "init", "inits", "chains", "iter",
    "warmup", "thin", "cores", "control", "seed", "algorithm", "file", "file_refit", "data2",
})  # fmt: skip

#: brms 2.18's algorithms, all of which brmsjax's ``brm()`` runs.
_ALGORITHMS = ("sampling", "meanfield", "fullrank")

#: Stan, backend and output settings with no meaning for NumPyro: accepted, noted, ignored.
IGNORED: Mapping[str, str] = {
    "backend": "brmsjax always samples with NumPyro",
    "silent": "brmsjax has its own progress output",
    "threads": "within-chain threading is a Stan feature",
    "opencl": "OpenCL is a Stan feature; JAX picks the device",
    "normalize": "brmsjax always uses normalized densities",
    "future": "chains run in parallel on JAX devices",
    "save_model": "there is no Stan program to save",
    "stan_model_args": "there is no Stan model to compile",
    "save_pars": "brmsjax keeps all draws",
    "save_ranef": "brmsjax keeps all draws",
    "save_mevars": "brmsjax keeps all draws",
    "save_all_pars": "brmsjax keeps all draws",
    "rename": "brmsjax always uses brms's parameter names",
}

#: Arguments accepted only at brms's default value (the value as R code), else rejected.
DEFAULT_ONLY: Mapping[str, tuple[tuple[str, ...], str]] = {
    "autocor": (("None",), "cor_brms objects are not supported; write autocor = ~ ar(...)"),
    "cov_ranef": (("None",), "known covariance of group levels is not supported"),
    "sparse": (("None", "False"), "sparse design matrices are not supported"),
    "knots": (("None",), "spline knots are not supported"),
    "drop_unused_levels": (("True",), "unused factor levels are always dropped"),
    "stanvars": (("None",), "there is no Stan program to add code to"),
    "stan_funs": (("None",), "there is no Stan program to add functions to"),
    "fit": (("None",), "reusing a compiled model from another fit is not supported"),
    "empty": (("False",), "brmsjax always fits the model"),
}

#: rstan arguments that reach ``...`` and only change its console output.
DOTS_IGNORED: Mapping[str, str] = {
    "refresh": "brmsjax has its own progress output",
    "open_progress": "brmsjax has its own progress output",
    "verbose": "brmsjax has its own progress output",
    "show_messages": "brmsjax has its own progress output",
    "file_compress": "save the fit with fit.save(path) instead",
}

_INT_ARGS = ("chains", "iter", "warmup", "thin", "cores", "seed")


def sampler_args(
    args: Mapping[str, Argument], rest: list[Argument], source: str, call: str = "brm"
) -> tuple[dict[str, Value], list[str]]:
    """Translate the sampler and bookkeeping arguments of a ``brm()``/``update()`` call.

    Parameters
    ----------
    args
        Arguments matched to brm's formals (formula, data, family and prior already removed).
    rest
        Arguments that went to ``...``.
    source
        The R code, for caret errors.
    call
        The R function, for messages.

    Returns
    -------
    tuple
        The brmsjax keyword arguments (name -> :class:`Value`) and the notes about ignored
        arguments.

    Raises
    ------
    RCodeError
        For an argument brmsjax does not support, naming it.
    """
    out: dict[str, Value] = {}
    notes: list[str] = []
    for name, arg in args.items():
        if name in IGNORED or name in DEFAULT_ONLY:
            code = _code(arg, source)
            if name in IGNORED:
                notes.append(f"{call}() argument {name} = {code} is ignored: {IGNORED[name]}.")
            elif code not in DEFAULT_ONLY[name][0]:
                raise RCodeError(
                    f"The {call}() argument '{name}' is not supported by brmsjax "
                    f"({DEFAULT_ONLY[name][1]}); remove it.",
                    source,
                    arg.span,
                )
            continue
        if name == "cores":
            value = _cores(arg, source, notes, call)
            if value is not None:
                out[name] = _int_value(name, value, source, arg)
            continue
        value = r_value(arg.value, source, f"the {call}() argument '{name}'")
        if name in _INT_ARGS:
            out[name] = _int_value(name, value, source, arg)
        elif name in {"init", "inits"}:
            out["init"] = _init(value, source, arg, call)
        elif name == "sample_prior":
            out[name] = _sample_prior(value)
        elif name == "data2":
            out[name] = _data2(value, source, arg, call)
        elif name in ("file", "file_refit"):
            out[name] = check_scalar(
                value, (str,), f"The {call}() argument '{name}'", source, arg.value.span
            )
        elif name == "algorithm":
            if value.obj not in _ALGORITHMS:
                raise RCodeError(
                    f"The {call}() argument 'algorithm' must be one of "
                    f"{', '.join(repr(a) for a in _ALGORITHMS)} in brms 2.18.",
                    source,
                    arg.value.span,
                )
            out[name] = value
        elif name == "control":
            out[name] = check_scalar(
                value, (dict,), f"The {call}() argument 'control'", source, arg.value.span
            )
    for arg in rest:
        if arg.name is not None and arg.name in DOTS_IGNORED:
            notes.append(f"{call}() argument {arg.name} is ignored: {DOTS_IGNORED[arg.name]}.")
            continue
        if arg.name is None:
            raise RCodeError(
                f"This unnamed {call}() argument matches no argument of brm(); name it.",
                source,
                arg.span,
            )
        if arg.name == "threshold":  # brms < 2.0's brm(threshold = ); 2.18 hands it to rstan
            raise RCodeError(
                "brms 2.18's brm() has no argument 'threshold' (it passes it on to "
                "rstan::sampling(), which stops with 'passing unknown arguments: threshold.'); "
                'set it in the family instead, as in family = sratio(threshold = "equidistant").',
                source,
                arg.span,
            )
        raise RCodeError(
            f"'{arg.name}' is not an argument that brmsjax's brm() supports; remove it.",
            source,
            arg.span,
        )
    return out, notes


def _code(arg: Argument, source: str) -> str:
    """The value as Python code if it is a literal, else the R code itself."""
    try:
        return r_value(arg.value, source, "").code
    except RCodeError:
        return " ".join(source[arg.value.span.start : arg.value.span.end].split())


def _cores(arg: Argument, source: str, notes: list[str], call: str) -> Value | None:
    try:
        return r_value(arg.value, source, "cores")
    except RCodeError:
        notes.append(
            f"{call}() argument cores = {source[arg.value.span.start : arg.value.span.end]}"
            " is ignored: brmsjax uses one core per chain up to the machine's."
        )
        return None


def _int_value(name: str, value: Value, source: str, arg: Argument) -> Value:
    if name == "seed" and value.obj is None:
        return value
    return check_scalar(value, (int,), f"The brm() argument '{name}'", source, arg.value.span)


def _init(value: Value, source: str, arg: Argument, call: str) -> Value:
    obj = value.obj
    if obj in (None, "random"):
        return Value(None, "None")
    if obj in (0, "0"):
        return Value(0, "0")
    if isinstance(obj, Ref | dict):
        return value
    raise RCodeError(
        f"The {call}() argument 'init' must be NULL, \"random\", 0 or a list; "
        "brmsjax takes one of those.",
        source,
        arg.value.span,
    )


def _data2(value: Value, source: str, arg: Argument, call: str) -> Value:
    """brms's ``data2``: a named ``list()`` of R objects (each passed from Python by name), or
    the name of such a list; ``NULL`` is none."""
    obj = value.obj
    if obj is None or isinstance(obj, Ref) or (isinstance(obj, dict) and obj):
        return value
    raise RCodeError(
        f"The {call}() argument 'data2' must be a named list of R objects, as in "
        "data2 = list(A = A).",
        source,
        arg.value.span,
    )


def add_data2(data2: Value | None, name: str) -> Value:
    """``data2`` with the R object ``name`` added (brms 2.18 adds a ``cor_brms`` matrix)."""
    items = dict(data2.obj) if data2 is not None and isinstance(data2.obj, dict) else {}
    if data2 is not None and data2.obj is not None and not isinstance(data2.obj, dict):
        raise RCodeError("Give data2 as list(...) when autocor = cor_...() adds its matrix to it.")
    items.setdefault(name, Ref(name))
    code = ", ".join(
        f"{py_str(k)}: {v.python if isinstance(v, Ref) else repr(v)}" for k, v in items.items()
    )
    return Value(items, "{" + code + "}")


def _sample_prior(value: Value) -> Value:
    if value.obj is True:
        return Value("yes", "'yes'")
    if value.obj is False:
        return Value("no", "'no'")
    return value
