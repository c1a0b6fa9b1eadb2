"""``brmsjax fit``: fit a formula to a CSV or parquet file, for pipelines.

The command prints brms's summary and can write the draws (``--draws out.csv`` or
``out.parquet``), a JSON summary (``--summary-json``) and the fit itself (``--save fit.nc`` or
``fit.pkl``). Parquet needs ``pyarrow``; without it the command stops with a message saying
so.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brmsjax.formula.errors import BrmsjaxError

if TYPE_CHECKING:  # pandas is imported when data is read (``brmsjax --help`` stays fast)
    import pandas as pd

__all__ = ["ALGORITHMS", "add_fit_parser", "run_fit", "summary_dict"]

#: The algorithms of ``brm(algorithm=...)``.
ALGORITHMS = ("sampling", "meanfield", "fullrank", "laplace", "pathfinder")


def add_fit_parser(sub: Any) -> None:
    """Add the ``fit`` subcommand and its options to argparse's subparsers ``sub``."""
    fit = sub.add_parser(
        "fit",
        help="fit a formula to a CSV or parquet file and print the summary",
        description="Fit a brms formula with brm() and print brms's summary; optionally write "
        "the draws, a JSON summary and the fit.",
    )
    fit.add_argument("formula", help='a brms formula, e.g. "y ~ x + (1 | g)"')
    fit.add_argument(
        "--data",
        required=True,
        help="the data: a CSV file with a header row, or a .parquet file (needs pyarrow)",
    )
    fit.add_argument(
        "--family",
        default="gaussian",
        help='a family name ("poisson") or a brms family call ("cumulative(\\"probit\\")")',
    )
    fit.add_argument(
        "--prior",
        default=None,
        help="priors as R code, as brm() accepts: "
        '"c(prior(normal(0, 10), class = b), prior(exponential(1), class = sd))"',
    )
    fit.add_argument("--chains", type=int, default=4, help="number of chains (default 4)")
    fit.add_argument(
        "--cores",
        type=int,
        default=None,
        help="CPU cores for parallel chains (default: one per chain, up to the machine's); "
        "fix it with --seed to reproduce draws exactly",
    )
    fit.add_argument(
        "--iter",
        type=int,
        default=2000,
        help="iterations per chain including warmup (default 2000); optimizer steps for the "
        "approximate algorithms",
    )
    fit.add_argument(
        "--warmup", type=int, default=None, help="warmup iterations per chain (default iter/2)"
    )
    fit.add_argument("--seed", type=int, default=None, help="random seed (default: drawn)")
    fit.add_argument(
        "--algorithm",
        choices=ALGORITHMS,
        default="sampling",
        help="sampling (NUTS, the default), or an approximation: meanfield, fullrank, "
        "laplace, pathfinder (needs blackjax)",
    )
    fit.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: only for long runs)",
    )
    fit.add_argument(
        "--prob",
        type=float,
        default=0.95,
        help="mass of the credible intervals, printed and in --summary-json (default 0.95)",
    )
    fit.add_argument(
        "--draws",
        default=None,
        metavar="FILE",
        help="write the draws (brms's as_draws_df) to FILE.csv or FILE.parquet (needs pyarrow)",
    )
    fit.add_argument(
        "--summary-json",
        default=None,
        metavar="FILE",
        help="write the summary as JSON: population-level effects, group-level sds and "
        "correlations, family parameters (Estimate, Est.Error, quantiles, Rhat, ESS) and the "
        "sampler settings",
    )
    fit.add_argument(
        "--save",
        default=None,
        metavar="FILE",
        help="save the fit (load it with brmsjax.load): FILE.nc as netCDF (data only, safe "
        "to share), otherwise a pickle",
    )


def _pyarrow(path: str, what: str) -> None:
    """Check that pyarrow can be imported, for the parquet file ``path``."""
    try:
        importlib.import_module("pyarrow")
    except ImportError:
        raise BrmsjaxError(
            f"{what} '{path}' is a parquet file, which needs pyarrow; install it "
            "(pip install pyarrow) or use a CSV file."
        ) from None


def _is_parquet(path: str) -> bool:
    return Path(path).suffix.lower() in {".parquet", ".pq"}


def read_data(path: str) -> pd.DataFrame:
    """Read the data file: parquet for a ``.parquet`` suffix, CSV otherwise.

    Raises
    ------
    BrmsjaxError
        If the file is missing, a directory, empty or unreadable, or parquet without pyarrow.
    """
    import pandas as pd

    if _is_parquet(path):
        _pyarrow(path, "The data file")
        try:
            return pd.read_parquet(path)
        except FileNotFoundError:
            raise BrmsjaxError(f"The data file '{path}' does not exist.") from None
        except IsADirectoryError:
            raise BrmsjaxError(f"The data file '{path}' is a directory.") from None
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise BrmsjaxError(f"The data file '{path}' does not exist.") from None
    except IsADirectoryError:
        raise BrmsjaxError(f"The data file '{path}' is a directory; give a CSV file.") from None
    except pd.errors.EmptyDataError:
        raise BrmsjaxError(
            f"The data file '{path}' is empty; give a CSV file with a header row."
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise BrmsjaxError(f"The data file '{path}' is not a readable CSV file: {err}") from None


def parse_family(text: str) -> Any:
    """The family of ``--family``: a name as is, or a brms family call read as R code."""
    if "(" not in text:
        return text
    from brmsjax.rcode.rfamilies import FamilyCall, r_family
    from brmsjax.rcode.rparse import parse_r

    family = r_family(parse_r(text), text)
    if not isinstance(family, FamilyCall):
        raise BrmsjaxError(f"--family {text!r} is not a brms family.")
    return family.resolve()


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse output paths that cannot work before the (long) fit runs."""
    if args.draws is not None:
        suffix = Path(args.draws).suffix.lower()
        if suffix not in {".csv", ".parquet", ".pq"}:
            raise BrmsjaxError(
                f"--draws '{args.draws}' needs a .csv or .parquet suffix to choose the format."
            )
        if _is_parquet(args.draws):
            _pyarrow(args.draws, "The draws file")


def _number(x: Any) -> float | None:
    """A JSON number; None (null) for NaN and infinities."""
    value = float(x)
    return value if math.isfinite(value) else None


def _rows(table: pd.DataFrame, renames: dict[str, str]) -> dict[str, dict[str, float | None]]:
    table = table.rename(columns=renames)
    return {
        str(name): {str(col): _number(v) for col, v in row.items()}
        for name, row in table.iterrows()
    }


def summary_dict(fit: Any, prob: float = 0.95) -> dict[str, Any]:
    """The fit's summary as JSON-ready data.

    Parameters
    ----------
    fit
        A :class:`~brmsjax.fit.BrmsFit`.
    prob
        Mass of the central intervals, named as ``fixef()`` names its quantiles (``Q2.5``,
        ``Q97.5`` for 0.95).

    Returns
    -------
    dict
        ``model`` (formula, family, links, data, nobs), ``settings`` (algorithm, chains, iter,
        warmup, thin, cores, seed, adapt_delta, max_treedepth, total draws), ``prob``,
        ``fixed`` (coefficient -> ``Estimate``, ``Est.Error``, quantiles, ``Rhat``,
        ``Bulk_ESS``, ``Tail_ESS``), ``random`` (group -> ``sd(...)``/``cor(...)`` -> the
        same), ``spec_pars`` (family parameters) and ``warnings``. NaN is written as null.
    """
    from brmsjax.methods.summary import ci_bounds, quantile_names

    summ = fit.summary(prob=prob)
    info = summ.info
    lower, upper = quantile_names(ci_bounds(prob))
    columns = [str(c) for c in summ.fixed.columns]
    renames = {c: lower if c.startswith("l-") else upper for c in columns if c.endswith("% CI")}
    args = fit.brm_args
    return {
        "model": {
            "formula": info.formula,
            "family": info.family,
            "links": info.links,
            "data": info.data_name,
            "nobs": info.nobs,
        },
        "settings": {
            "algorithm": info.algorithm,
            "chains": info.chains,
            "iter": info.iter,
            "warmup": info.warmup,
            "thin": info.thin,
            "cores": args.get("cores"),
            "seed": args.get("seed"),
            "adapt_delta": info.adapt_delta,
            "max_treedepth": info.max_treedepth,
            "total_ndraws": summ.total_ndraws,
        },
        "prob": prob,
        "fixed": _rows(summ.fixed, renames),
        "random": {g: _rows(t, renames) for g, t in summ.random.items()},
        "spec_pars": _rows(summ.spec_pars, renames),
        "warnings": list(summ.warnings),
    }


def _write_draws(fit: Any, path: str) -> None:
    draws = fit.draws()
    if _is_parquet(path):
        draws.to_parquet(path, index=False)
    else:
        draws.to_csv(path, index=False)


def _write_json(data: dict[str, Any], path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, allow_nan=False)
        handle.write("\n")


def run_fit(args: argparse.Namespace) -> None:
    """Run ``brmsjax fit``: read the data, fit, print the summary and write the outputs."""
    from brmsjax.api import brm

    _check_outputs(args)
    data = read_data(args.data)
    fit = brm(
        args.formula,
        data,
        family=parse_family(args.family),
        prior=args.prior,
        chains=args.chains,
        iter=args.iter,
        warmup=args.warmup,
        cores=args.cores,
        seed=args.seed,
        algorithm=args.algorithm,
        progress=args.progress,
        data_name=args.data,
    )
    print(fit.summary(prob=args.prob))
    if args.draws is not None:
        _write_draws(fit, args.draws)
    if args.summary_json is not None:
        _write_json(summary_dict(fit, args.prob), args.summary_json)
    if args.save is not None:
        fit.save(args.save)
