"""Import time: what ``import sklearn_ganae`` and the command line cost before any work.

Run from the repository root::

    .venv/bin/python benchmarks/bench_imports.py            # full run
    .venv/bin/python benchmarks/bench_imports.py --quick    # smoke run

Each statement runs in a fresh Python process (the wall time of the whole process,
start-up included, best of ``repeats``), with the heavy libraries it left imported
(``sys.modules`` at exit): ``python -c pass`` (the interpreter alone), ``import
sklearn_ganae``, ``import sklearn_ganae.metrics``, ``python -m sklearn_ganae --help``,
``from sklearn_ganae import VAETransformer`` (which needs torch), and, as references,
``import torch``, ``import sklearn`` and ``import pandas``. Target (issue "Fast on
every table and on a busy laptop"): nothing heavy imported until needed, i.e. the
package and its ``--help`` import neither torch nor scikit-learn nor pandas. Results
go to ``benchmarks/results/imports.{md,json}`` (``imports_quick.*`` with
``--quick``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from _common import (
    command,
    header,
    load_average,
    machine,
    make_parser,
    markdown_table,
    now,
    parse_args,
    result_stem,
    versions,
    write_results,
)

HEAVY = ("torch", "sklearn", "pandas", "scipy", "pyarrow", "skorch")
# prints the heavy modules imported when the process exits (after a --help's exit too)
REPORT = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: print('LOADED', json.dumps(sorted(m for m in {heavy!r} "
    "if m in sys.modules))))\n"
)
STATEMENTS = {
    "python -c pass": ["-c", "pass"],
    "import sklearn_ganae": ["-c", "import sklearn_ganae"],
    "import sklearn_ganae.metrics": ["-c", "import sklearn_ganae.metrics"],
    "python -m sklearn_ganae --help": ["-m", "sklearn_ganae", "--help"],
    "from sklearn_ganae import VAETransformer": ["-c", "from sklearn_ganae import VAETransformer"],
    "import torch (reference)": ["-c", "import torch"],
    "import sklearn (reference)": ["-c", "import sklearn"],
    "import pandas (reference)": ["-c", "import pandas"],
}
# statements after which the heavy libraries must not be loaded
LIGHT = ("import sklearn_ganae", "python -m sklearn_ganae --help")


def _loaded(argv: list[str]) -> list[str]:
    """The heavy modules a statement leaves imported (run once more, with a report)."""
    code = REPORT.format(heavy=HEAVY)
    if argv[0] == "-c":
        code += argv[1]
    else:  # python -m MODULE ARGS
        code += f"import runpy; sys.argv = {argv[1:]!r}\n"
        code += f"runpy.run_module({argv[1]!r}, run_name='__main__', alter_sys=True)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith("LOADED ")]
    if not lines:
        raise RuntimeError(f"no report from {argv}: {out.stderr[-2000:]}")
    return json.loads(lines[-1].removeprefix("LOADED "))


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="processes per statement (7)")
    args = parse_args(parser, argv)
    load_at_start = load_average()
    repeats = args.repeats or (1 if args.quick else 7)

    rows = []
    for label, stmt in STATEMENTS.items():
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, *stmt], capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        rows.append({"statement": label, "best_s": min(times), "all_s": times})
        rows[-1]["loaded"] = _loaded(stmt)
        print(f"{label}: {min(times):.3f} s, loads {rows[-1]['loaded']}", flush=True)

    base = rows[0]["best_s"]
    meta = {
        "date": now(),
        "command": command("bench_imports", argv),
        "machine": machine(0, load_at_start),
        "versions": versions(),
        "settings": {
            "Timing": f"wall time of a fresh `{sys.executable} ...` process, best of {repeats}",
            "Heavy libraries": ", ".join(HEAVY),
        },
    }
    md = [header("Import time", meta), ""]
    md.append(
        markdown_table(
            ["statement", "seconds", "beyond the interpreter", "heavy libraries left imported"],
            [
                [
                    r["statement"],
                    f"{r['best_s']:.3f}",
                    f"{r['best_s'] - base:.3f}",
                    ", ".join(r["loaded"]) or "none",
                ]
                for r in rows
            ],
        )
    )
    light = [r for r in rows if r["statement"] in LIGHT]
    clean = all(not r["loaded"] for r in light)
    md.append(
        f"\n- Target, nothing heavy imported until needed ({' and '.join(LIGHT)} import "
        f"none of {', '.join(HEAVY)}): {'reached' if clean else 'missed'}."
    )
    payload = {"meta": meta, "rows": rows}
    md_path, _ = write_results(
        result_stem("imports", args.quick), "\n".join(md) + "\n", payload, args.results_dir
    )
    print(f"wrote {md_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
