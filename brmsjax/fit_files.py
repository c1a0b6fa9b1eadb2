"""Fits as netCDF files: a format for sharing fits that loading cannot use to run code.

A pickle (:meth:`~brmsjax.fit.BrmsFit.save`'s default) restores any Python object, so opening
one runs whatever code its writer put in it. A netCDF file holds only arrays, numbers and text:
:func:`write_netcdf` stores the fit as data, and :func:`read_netcdf` rebuilds every object from
that data by brmsjax's own constructors, never unpickling. The file (netCDF4, which is HDF5,
written by xarray's ``h5netcdf`` engine) has ArviZ's layout, so ``arviz.from_netcdf`` reads it
too:

- ``posterior``: one ``(chain, draw)`` variable per draws column, brms's name in its
  ``brms_name`` attribute (``r_Subject[308,Days]``; ``lprior`` and ``lp__`` included);
- ``sample_stats``: the NUTS statistics, Stan's name in ``stan_name`` (``divergent__``);
- ``draws_index``: the ``.chain``, ``.iteration`` and ``.draw`` columns;
- ``data``: the data the model was fitted to, one variable per column (text and categorical
  columns as integer codes, their levels in the attributes);
- the root attributes: the model's spec as JSON text (``brmsjax_spec``: the formula as given
  to ``brm()``, the family's name and links, the priors as their fields and strings, the other
  ``brm()`` arguments, every :class:`~brmsjax.core.FitInfo` field), and, for people reading the
  file, the formula as brms prints it, the family and its links.

The design is not stored: :func:`read_netcdf` rebuilds it from the formula, data and family,
as ``brm()`` built it (``build_design`` is deterministic). What the format cannot hold exactly
(a custom family object, a column of Python objects, dates) is refused when saving, with a
:class:`~brmsjax.core.FitFileError` that names it, rather than dropped.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from brmsjax.backend.families.base import Family
from brmsjax.backend.families.mixture import Mixture, mixture
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.priors.user import Prior, PriorList, as_priors
from brmsjax.core import ARVIZ_STAT_NAMES, META_COLUMNS, FitFileError, FitInfo, FitLike
from brmsjax.fit_criteria import decode_criteria, encode_criteria
from brmsjax.fit_file_data import ADVICE, data_tables, decode_value, encode_value, frame_from
from brmsjax.formula.design.design import build_design
from brmsjax.formula.design.ir import GroupSpec
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.formula.terms.options import options_from_kwargs

__all__ = ["is_netcdf", "read_netcdf", "write_netcdf"]

FORMAT = "brmsjax.BrmsFit.netcdf"
VERSION = 1
_ENGINE: Literal["h5netcdf"] = "h5netcdf"
# HDF5's signature (netCDF4 files) and netCDF3's ("CDF" and a version byte).
_MAGIC = (b"\x89HDF\r\n\x1a\n", b"CDF\x01", b"CDF\x02", b"CDF\x05")


def is_netcdf(path: Path) -> bool:
    """Whether the file at ``path`` starts with a netCDF signature (HDF5 or netCDF3)."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    return any(head.startswith(m) for m in _MAGIC)


# -- the spec: the fit's objects as JSON values and back ----------------------------------------


def _info_json(info: FitInfo) -> dict[str, Any]:
    out = {f.name: getattr(info, f.name) for f in dataclasses.fields(info)}
    out["fixed"] = {k: list(v) for k, v in info.fixed.items()}
    out["groups"] = [dataclasses.asdict(g) for g in info.groups]
    return out


def _info_from(spec: Mapping[str, Any]) -> FitInfo:
    fields = dict(spec)
    fields["fixed"] = {k: tuple(v) for k, v in spec["fixed"].items()}
    fields["groups"] = tuple(_group(g) for g in spec["groups"])
    fields["spec_pars"] = tuple(spec["spec_pars"])
    return FitInfo(**fields)


def _group(spec: Mapping[str, Any]) -> GroupSpec:
    args: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()}
    return GroupSpec(**args)


def _formula_json(formula: Any) -> dict[str, Any] | None:
    if formula is None:
        return None
    if isinstance(formula, str):
        return {"text": formula}
    if type(formula) is BrmsFormula:
        out = {
            "bf": list(formula.formulas),
            "fixed": dict(formula.fixed),
            "options": formula.options.as_kwargs(),
            "nl": formula.nl,
            **({"nlf": list(formula.nlf)} if formula.nlf else {}),  # nlf(sigma ~ ...)
        }
        return out if formula.autocor is None else {**out, "autocor": formula.autocor}
    raise FitFileError(
        f"A fit whose formula is a {type(formula).__name__} cannot be saved as netCDF; {ADVICE}."
    )


def _formula_from(spec: Mapping[str, Any] | None) -> str | BrmsFormula | None:
    if spec is None:
        return None
    if "text" in spec:
        return str(spec["text"])
    options = options_from_kwargs(spec.get("options", {}))
    return BrmsFormula(
        tuple(spec["bf"]),
        dict(spec["fixed"]),
        options,
        spec.get("autocor"),
        nl=bool(spec.get("nl", False)),
        nlf=tuple(spec.get("nlf", ())),
    )


def _family_json(family: Any) -> dict[str, Any] | None:
    if family is None:
        return None
    if isinstance(family, Mixture):  # its components and order
        parts = [_family_json(c) for c in family.components]
        return {"name": "mixture", "components": parts, "order": family.order}
    spec = {
        "name": getattr(family, "name", None),
        "link": getattr(family, "link", None),
        "dpar_links": dict(getattr(family, "dpar_links", {})),
    }
    if getattr(family, "threshold", "flexible") != "flexible":  # ordinal families' thresholds
        spec["threshold"] = family.threshold
    try:
        same = type(family) is type(_family_from(spec)) and _family_from(spec) == family
    except BrmsjaxError:  # a name brmsjax does not know
        same = False
    if not same:
        raise FitFileError(
            f"The fit's family object ({type(family).__name__} '{getattr(family, 'name', '?')}') "
            "is not one of brmsjax's families with its links, which is all a netCDF file can "
            f"name; {ADVICE}."
        )
    return spec


def _family_from(spec: Mapping[str, Any] | None) -> Family | None:
    if spec is None:
        return None
    if spec["name"] == "mixture" and "components" in spec:
        return mixture(*(_family_from(c) for c in spec["components"]), order=spec["order"])
    base = get_family(str(spec["name"]))
    extra = {"threshold": spec["threshold"]} if "threshold" in spec else {}
    return dataclasses.replace(
        base, link=spec["link"], dpar_links=dict(spec["dpar_links"]), **extra
    )


def _priors_json(prior: Any) -> dict[str, Any] | None:
    if prior is None:
        return None
    shape = "one" if isinstance(prior, Prior) else type(prior).__name__
    if shape not in ("one", "PriorList", "list", "tuple"):
        raise FitFileError(f"The fit's priors are a {shape}, which netCDF cannot name; {ADVICE}.")
    priors = [
        {f.name: getattr(p, f.name) for f in dataclasses.fields(p)} | {"string": str(p)}
        for p in as_priors(prior)
    ]
    return {"shape": shape, "priors": priors}


def _priors_from(spec: Mapping[str, Any] | None) -> Any:
    """The priors as given to ``brm()``: one :class:`Prior`, a PriorList, a list or a tuple."""
    if spec is None:
        return None
    names = [f.name for f in dataclasses.fields(Prior)]
    priors = [Prior(**{n: p[n] for n in names}) for p in spec["priors"]]
    shape = spec["shape"]
    if shape == "one":
        return priors[0]
    if shape == "PriorList":
        return PriorList(tuple(priors))
    return priors if shape == "list" else tuple(priors)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b) and type(a) is type(b)


_OBJECT_ARGS = ("formula", "family", "prior")


def _args_json(args: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in args.items():
        if name in _OBJECT_ARGS:
            continue
        encoded = encode_value(value)
        try:
            back = decode_value(json.loads(json.dumps(encoded, allow_nan=True)))
        except (TypeError, ValueError):
            back = object()
        if not _same(back, value if not isinstance(value, tuple) else list(value)):
            raise FitFileError(
                f"The fit's brm() argument {name}={value!r} cannot be stored in a netCDF file "
                f"(only numbers, text, lists, dicts and numeric arrays can); {ADVICE}."
            )
        out[name] = encoded
    return out


def _spec_json(fit: FitLike) -> dict[str, Any]:
    args = fit.brm_args
    needs = {"formula": args.get("formula"), "family": args.get("family"), "data": fit.data}
    lacking = [k for k, v in needs.items() if v is None]
    if fit.design is not None and lacking:
        raise FitFileError(
            f"The fit has a design but no {' or '.join(lacking)} to rebuild it from, so a "
            f"netCDF file cannot hold it; {ADVICE}."
        )
    info = _info_json(fit.info)
    if _info_from(json.loads(json.dumps(info))) != fit.info:
        raise FitFileError(f"The fit's FitInfo does not survive JSON text; {ADVICE}.")
    return {
        "format": FORMAT,
        "version": VERSION,
        "info": info,
        "formula": _formula_json(args.get("formula")),
        "family": _family_json(args.get("family")),
        "prior": _priors_json(args.get("prior")),
        "has_prior": "prior" in args,
        "brm_args": _args_json(args),
        "brm_arg_names": list(args),
        "design": fit.design is not None,
    }


# -- the file ---------------------------------------------------------------------------------


def _keys(names: list[str], taken: set[str]) -> list[str]:
    """netCDF variable names for ``names`` ("/" is not allowed; a clash gets a suffix)."""
    keys: list[str] = []
    for i, name in enumerate(names):
        key = name.replace("/", "_")
        if key in taken or key in keys:
            key = f"{key}__{i}"
        keys.append(key)
    return keys


def write_netcdf(fit: FitLike, path: str | Path) -> None:
    """Write ``fit`` to ``path`` as netCDF (see the module docstring for the layout).

    Raises
    ------
    FitFileError
        When the fit holds something the format cannot store exactly (the message names it
        and suggests a pickle), or when ``path`` cannot be written.
    """
    import xarray as xr

    spec = _spec_json(fit)
    spec["criteria"] = encode_criteria(getattr(fit, "criteria", None) or {})
    names = list(fit.store.names)
    frame, nchains = fit.store.frame, fit.nchains
    spec["draws"] = _table_spec(frame[names], _keys(names, {"chain", "draw"}))
    posterior = _draws_group(frame[names], spec["draws"]["keys"], "brms_name", nchains)
    meta = frame[list(META_COLUMNS)]  # a variable named as its dimension must be 1-d: no "chain"
    spec["draws_index"] = _table_spec(meta, ["chain_number", "iteration", "draw_number"])
    index = _draws_group(meta, spec["draws_index"]["keys"], "brms_name", nchains)
    stats, stats_ds = fit.store.sampler_stats, None
    if stats is not None:
        arviz_names = [ARVIZ_STAT_NAMES.get(str(c), str(c)) for c in stats.columns]
        spec["sampler_stats"] = _table_spec(stats, _keys(arviz_names, {"chain", "draw"}))
        stats_ds = _draws_group(stats, spec["sampler_stats"]["keys"], "stan_name", nchains)
    data_ds = None
    if fit.data is not None:
        arrays, spec["data"] = data_tables(fit.data)
        data_ds = xr.Dataset({k: ("row", v) for k, v in arrays.items()})
    root = xr.Dataset(
        attrs={
            "brmsjax_format": FORMAT,
            "brmsjax_version": VERSION,
            "brms_formula": fit.info.formula,
            "family": fit.info.family,
            "links": fit.info.links,
            "brmsjax_spec": json.dumps(spec, allow_nan=True),
        }
    )
    groups = {
        "posterior": posterior,
        "sample_stats": stats_ds,
        "draws_index": index,
        "data": data_ds,
    }
    try:
        root.to_netcdf(path, mode="w", engine=_ENGINE)
        for group, ds in groups.items():
            if ds is not None:
                ds.to_netcdf(path, mode="a", group=group, engine=_ENGINE)
    except OSError as err:
        reason = err.strerror or str(err) or type(err).__name__
        raise FitFileError(f"Cannot save the fit to '{path}': {reason}.") from None


def _table_spec(table: pd.DataFrame, keys: list[str]) -> dict[str, list[str]]:
    return {
        "names": [str(c) for c in table.columns],
        "keys": keys,
        "dtypes": list(map(str, table.dtypes)),
    }


def _draws_group(table: pd.DataFrame, keys: list[str], attr: str, nchains: int) -> Any:
    """An xarray Dataset of ``(chain, draw)`` variables, one per column, its name in ``attr``."""
    import xarray as xr

    def values(column: pd.Series) -> np.ndarray:
        array = column.to_numpy()  # netCDF has no booleans: int8, restored from the dtype
        return (array.astype(np.int8) if array.dtype == np.bool_ else array).reshape(nchains, -1)

    ds = xr.Dataset(
        {k: (("chain", "draw"), values(table[c])) for c, k in zip(table, keys, strict=True)}
    )
    for c, k in zip(table, keys, strict=True):
        ds[k].attrs[attr] = str(c)
    return ds


def read_netcdf(path: Path) -> dict[str, Any]:
    """The parts of a fit written by :func:`write_netcdf`: draws, info, design, data, ...

    Only arrays, numbers and text are read (no unpickling); the objects are rebuilt by
    brmsjax's constructors. Returns the keyword arguments of :class:`~brmsjax.fit.BrmsFit`
    (``draws``, ``info``, ``sampler_stats``, ``design``, ``data``, ``brm_args``).

    Raises
    ------
    FitFileError
        When the file is not a brmsjax netCDF fit, or was written by another format version.
    """
    import xarray as xr

    def group(name: str) -> xr.Dataset:
        with xr.open_dataset(path, group=name, engine=_ENGINE, decode_cf=False) as ds:
            return ds.load()

    try:
        attrs = group("/").attrs
        if attrs.get("brmsjax_format") != FORMAT:
            raise FitFileError(
                f"'{path}' is a netCDF file but not a brmsjax fit; save fits with fit.save()."
            )
        spec = json.loads(attrs["brmsjax_spec"])
        if spec.get("version") != VERSION:
            raise FitFileError(
                f"'{path}' was written by another brmsjax version (netCDF format "
                f"{spec.get('version')}); refit the model with this version."
            )
        posterior, index = group("posterior"), group("draws_index")
        stats = group("sample_stats") if "sampler_stats" in spec else None
        data_ds = group("data") if "data" in spec else None
    except FitFileError:
        raise
    except Exception as exc:  # a damaged or foreign file: say so, without a traceback
        raise FitFileError(
            f"'{path}' is not a readable brmsjax fit file ({type(exc).__name__}: {exc})."
        ) from None
    return _parts(spec, posterior, index, stats, data_ds)


def _table_from(ds: Any, spec: Mapping[str, list[str]]) -> pd.DataFrame:
    """The columns that :func:`_draws_group` stored, with their names and types."""
    items = zip(spec["names"], spec["keys"], spec["dtypes"], strict=True)
    return pd.DataFrame({n: np.asarray(ds[k].values).reshape(-1).astype(t) for n, k, t in items})


def _parts(
    spec: dict[str, Any], posterior: Any, index: Any, stats: Any, data: Any
) -> dict[str, Any]:
    draws = pd.concat(
        [_table_from(posterior, spec["draws"]), _table_from(index, spec["draws_index"])], axis=1
    )
    sampler_stats = None if stats is None else _table_from(stats, spec["sampler_stats"])
    arrays = {} if data is None else {k: data[k].values for k in data.data_vars}
    frame = None if data is None else frame_from(arrays, spec["data"])
    args = {k: decode_value(v) for k, v in spec["brm_args"].items()}
    args |= {"formula": _formula_from(spec["formula"]), "family": _family_from(spec["family"])}
    if spec["has_prior"]:
        args["prior"] = _priors_from(spec["prior"])
    brm_args = {k: args[k] for k in spec["brm_arg_names"]}
    design = None
    if spec["design"] and frame is not None:
        design = build_design(brm_args["formula"], frame, family=brm_args["family"])
    return {
        "draws": draws,
        "info": _info_from(spec["info"]),
        "sampler_stats": sampler_stats,
        "design": design,
        "data": frame,
        "brm_args": brm_args,
        "criteria": decode_criteria(spec.get("criteria")),
    }
