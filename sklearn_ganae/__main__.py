"""Command line: ``python -m sklearn_ganae demo``."""

from __future__ import annotations

import argparse
import sys


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
    args = parser.parse_args(argv)
    if args.command == "demo":
        from sklearn_ganae._demo import run_demo

        run_demo(random_state=args.seed, max_epochs=args.epochs, out=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
