"""Command line: ``brmsjax fit FORMULA --data FILE.csv``, ``brmsjax demo``, ``brmsjax port X.R``.

:func:`main` parses the arguments and is the one error boundary; ``fit`` lives in
:mod:`brmsjax.cli.fit`.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from brmsjax import __version__
from brmsjax.cli.fit import add_fit_parser, run_fit
from brmsjax.formula.errors import BrmsjaxError

DEMO_FORMULA = (
    "score ~ age*size + exp + female + black*tblack + black*propblack"
    " + (age + female + black | class)"
)
DEMO_LABELS = {
    "score": "Score",
    "age": "Age",
    "size": "Size",
    "exp": "Exp",
    "female": "Female",
    "black": "Black",
    "tblack": "TeacherBlack",
    "propblack": "PropBlack",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="brmsjax", description="Bayesian multilevel models with brms formulas, on JAX."
    )
    parser.add_argument(
        "--version", action="version", version=f"brmsjax {__version__}", help="print the version"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_fit_parser(sub)
    demo = sub.add_parser("demo", help="fit the seed lecture's two-level model of STAR test scores")
    demo.add_argument("--chains", type=int, default=4, help="number of chains (default 4)")
    demo.add_argument(
        "--iter", type=int, default=2000, help="iterations per chain including warmup"
    )
    demo.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    port = sub.add_parser(
        "port", help="print a Python script equivalent to the brms parts of an R script"
    )
    port.add_argument("script", help="the R script")
    port.add_argument("-o", "--output", default=None, help="write the Python here, not stdout")
    return parser


def _demo(args: argparse.Namespace) -> None:
    from brmsjax.api import brm
    from brmsjax.datasets import star

    data = star()
    print("The seed lecture's two-level model of grade-1 math scores (Tennessee STAR):")
    print(f"  {DEMO_FORMULA}\n")
    fit = brm(
        DEMO_FORMULA,
        data,
        chains=args.chains,
        iter=args.iter,
        seed=args.seed,
        data_name="star1",
        progress=True,
    )
    print(fit.summary(prob=0.9))
    print("\nThe model in level notation:\n")
    print(fit.equations(labels=DEMO_LABELS).text())
    print()
    print(fit.multilevel_table(prob=0.9, labels=DEMO_LABELS))


def _port(args: argparse.Namespace) -> None:
    from brmsjax.port.script import port_script

    try:
        with open(args.script, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise BrmsjaxError(f"The R script '{args.script}' does not exist.") from None
    except IsADirectoryError:
        raise BrmsjaxError(
            f"The R script '{args.script}' is a directory; give an .R file."
        ) from None
    except UnicodeDecodeError as err:
        raise BrmsjaxError(
            f"The R script '{args.script}' is not UTF-8 text (byte {err.start + 1}); "
            "save it as UTF-8."
        ) from None
    result = port_script(text, source_name=args.script)
    if args.output is None:
        print(result.code, end="")
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(result.code)
        except OSError as err:
            raise BrmsjaxError(
                f"Cannot write the Python to '{args.output}': {err.strerror or err}."
            ) from None
    for note in result.notes:
        print(f"brmsjax port: note: {note}", file=sys.stderr)
    for problem in result.problems:
        print(f"brmsjax port: not translated: {problem}", file=sys.stderr)


def _message(err: Exception) -> str:
    """The one-line reason of an error that reached the command line's boundary."""
    if isinstance(err, OSError) and not isinstance(err, BrmsjaxError) and err.strerror:
        return f"{err.strerror}: '{err.filename}'" if err.filename else err.strerror
    return str(err)


def _user_error(err: Exception) -> bool:
    """Whether ``err`` is bad input (printed without a traceback) rather than a bug.

    pandas's ``EmptyDataError`` counts only once pandas is imported: the command line imports
    it when it reads data, not at start-up.
    """
    if isinstance(err, (BrmsjaxError, OSError, UnicodeDecodeError)):
        return True
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(err, pandas.errors.EmptyDataError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Every failure the user can cause (bad input: a brmsjax error; a file that cannot be read
    or written; text that is not UTF-8; an empty CSV file) is printed as ``brmsjax: error:
    ...`` on stderr with exit status 2, argparse's convention for usage errors, without a
    traceback. Other exceptions are bugs and keep their traceback.
    """
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            if args.command == "fit":
                run_fit(args)
            elif args.command == "port":
                _port(args)
            else:
                _demo(args)
    except Exception as err:
        if not _user_error(err):
            raise
        print(f"brmsjax: error: {_message(err)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
