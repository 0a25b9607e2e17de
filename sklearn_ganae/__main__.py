"""Command line: ``python -m sklearn_ganae demo`` and ``python -m sklearn_ganae report``."""

from __future__ import annotations

import argparse
import sys


def _read_csv(path: str, what: str):
    import pandas as pd

    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise SystemExit(f"error: {what} file not found: {path}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SystemExit(f"error: cannot read {what} CSV {path}: {exc}") from None


def _run_report(args, out) -> int:
    from sklearn_ganae.metrics import quality_report

    real = _read_csv(args.real, "real")
    synthetic = _read_csv(args.synthetic, "synthetic")
    holdout = _read_csv(args.holdout, "holdout") if args.holdout else None
    try:
        report = quality_report(
            real,
            synthetic,
            holdout=holdout,
            target=args.target,
            correlation=args.correlation,
            detection=not args.no_detection,
            random_state=args.seed,
        )
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"error: {exc}") from None
    print(report.summary(), file=out)
    if args.plot:
        try:
            fig = report.plot()
        except ImportError as exc:
            raise SystemExit(f"error: {exc}") from None
        fig.savefig(args.plot, dpi=110)
        print(f"\nFigure saved to {args.plot}", file=out)
    return 0


def main(argv=None) -> int:
    """Entry point of ``python -m sklearn_ganae`` and the ``sklearn-ganae`` script."""
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_ganae",
        description="Autoencoders, VAEs and GANs for tabular data.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the package on the shipped penguins table")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument(
        "--epochs", type=int, default=300, help="training epochs per model (default 300)"
    )
    report = sub.add_parser(
        "report",
        help="print a synthetic-data quality report comparing two CSV files",
        description=(
            "Compare synthetic rows with real ones: column shapes, column pair trends, "
            "detection; privacy with --holdout; ML efficacy with --target and --holdout. "
            "Columns are matched by name; text columns are categorical."
        ),
    )
    report.add_argument("real", help="CSV file of the real rows (the generator's training data)")
    report.add_argument("synthetic", help="CSV file of the synthetic rows")
    report.add_argument(
        "--holdout", help="CSV file of real rows the generator never saw (privacy, ML efficacy)"
    )
    report.add_argument("--target", help="column to predict for ML efficacy (needs --holdout)")
    report.add_argument(
        "--plot", metavar="FILE.png", help="save the figure (marginals, pair trends) to FILE"
    )
    report.add_argument(
        "--correlation",
        choices=["pearson", "spearman"],
        default="pearson",
        help="correlation of continuous pairs (default pearson)",
    )
    report.add_argument(
        "--no-detection", action="store_true", help="skip the detection classifier (faster)"
    )
    report.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from sklearn_ganae._demo import run_demo

        run_demo(random_state=args.seed, max_epochs=args.epochs, out=sys.stdout)
    elif args.command == "report":
        return _run_report(args, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
