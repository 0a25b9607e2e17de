"""Smoke-run every benchmark: ``main(["--quick", "--results-dir", DIR])`` of each script.

Run from the repository root (``make bench-quick`` installs the benchmark extra first)::

    .venv/bin/python benchmarks/run_quick.py                  # every bench_*.py
    .venv/bin/python benchmarks/run_quick.py bench_metrics    # some of them
    .venv/bin/python benchmarks/run_quick.py --results-dir /tmp/quick   # kept there

Every ``benchmarks/bench_*.py`` is found by its name (a new script is run without
being listed anywhere) and runs in a fresh Python process of its own, one after the
other (two at once on a 2-core machine would only slow both), with a time limit
each and one for the whole run. The quick results go to a temporary folder, removed
at the end unless ``--keep`` or ``--results-dir`` is given; nothing is written to
``benchmarks/results/``, and the runner fails if a file there changed meanwhile.
A script fails when it exits non-zero, runs past its limit, or leaves no readable
``*_quick.md`` and ``*_quick.json``. Exits 1 when any script failed, after printing
the tail of its output (the folder, with every script's log, is then kept); prints
each script's time and the total.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
RESULTS = BENCHMARKS / "results"
DEFAULT_TIMEOUT_S = 300
DEFAULT_TOTAL_TIMEOUT_S = 1200
TAIL_CHARS = 6_000
MARKED_LINES = 120
_MARKS = re.compile(r"FAILED|Traceback|Error|error:|exited with status")

# runs one script's main(argv) in this fresh process, the benchmarks folder on the
# path as when the script itself is run
_LAUNCH = (
    "import sys; sys.path.insert(0, {folder!r}); import {module} as m; "
    "raise SystemExit(m.main({argv!r}))"
)


def _failure_lines(lines: list[str]) -> list[str]:
    """The lines that name a failure, and every traceback whole: from its
    ``Traceback`` line to its exception's line (the first less indented one)."""
    out, inside, indent = [], False, 0
    for line in lines:
        depth = len(line) - len(line.lstrip())
        if "Traceback (most recent call last)" in line:
            inside, indent = True, depth
            out.append(line)
        elif inside:
            out.append(line)
            if line.strip() and depth <= indent:
                inside = False  # the exception's own line ends the traceback
        elif _MARKS.search(line):
            out.append(line)
    return out


def scripts() -> list[str]:
    """Module names of every benchmark script, sorted."""
    return sorted(p.stem for p in BENCHMARKS.glob("bench_*.py"))


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file under ``folder``."""
    if not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def _check_outputs(before: dict, results_dir: Path) -> str | None:
    """Why the result files written since ``before`` (a ``_snapshot``) are not right,
    or None."""
    now = _snapshot(results_dir)
    new = sorted(
        name
        for name, stamp in now.items()
        if "_quick." in name and "/" not in name and before.get(name) != stamp
    )
    md = [n for n in new if n.endswith(".md")]
    js = [n for n in new if n.endswith(".json")]
    if not md or not js:
        return f"wrote no *_quick.md and *_quick.json to {results_dir} (new files: {new})"
    for name in js:
        try:
            json.loads((results_dir / name).read_text(encoding="utf-8"))
        except ValueError as exc:
            return f"{name} is not valid JSON: {exc}"
    for name in md:
        if not (results_dir / name).read_text(encoding="utf-8").strip():
            return f"{name} is empty"
    return None


def run_one(module: str, results_dir: Path, timeout_s: float, log_dir: Path) -> dict:
    """Run ``module.main(["--quick", "--results-dir", results_dir])`` in a new process."""
    argv = ["--quick", "--results-dir", str(results_dir)]
    code = _LAUNCH.format(folder=str(BENCHMARKS), module=module, argv=argv)
    log_path = log_dir / f"{module}.log"
    before = _snapshot(results_dir)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # a killed run's log is complete
    start = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        # a session of its own: on a time-out, the script's own children go too
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            returncode = proc.wait(timeout=timeout_s)
            problem = None if returncode == 0 else f"exited with status {returncode}"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            returncode, problem = None, f"ran past its limit of {timeout_s:.0f} s"
        except BaseException:  # Ctrl-C: stop the script and its children, then stop
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    seconds = time.perf_counter() - start
    if problem is None:
        problem = _check_outputs(before, results_dir)
    return {
        "script": module,
        "seconds": seconds,
        "returncode": returncode,
        "problem": problem,
        "log": log_path,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "scripts", nargs="*", metavar="SCRIPT", help="bench_* names to run (default: all)"
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        help="folder for the quick results and logs (default: a temporary folder, removed)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (kept on failure)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds allowed to each script (default {DEFAULT_TIMEOUT_S})",
    )
    parser.add_argument(
        "--total-timeout",
        type=float,
        default=DEFAULT_TOTAL_TIMEOUT_S,
        help="seconds allowed to all the scripts together; a script that would start "
        f"after them fails without running (default {DEFAULT_TOTAL_TIMEOUT_S})",
    )
    args = parser.parse_args(argv)
    known = scripts()
    chosen = [s.removesuffix(".py") for s in args.scripts] or known
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        parser.error(f"unknown scripts {unknown}; the benchmarks are {known}")
    if args.results_dir is not None and args.results_dir.resolve() == RESULTS.resolve():
        parser.error("--results-dir must not be benchmarks/results/ (the reference figures)")

    results_dir = args.results_dir or Path(tempfile.mkdtemp(prefix="bench-quick-"))
    results_dir = results_dir.resolve()
    results_dir.mkdir(parents=True, exist_ok=True)
    log_dir = results_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    committed = _snapshot(RESULTS)
    print(
        f"{len(chosen)} quick benchmark runs, results in {results_dir}, "
        f"{args.timeout:.0f} s allowed each",
        flush=True,
    )
    outcomes = []
    total = time.perf_counter()
    for module in chosen:
        left = args.total_timeout - (time.perf_counter() - total)
        if left <= 0:
            outcomes.append(
                {
                    "script": module,
                    "seconds": 0.0,
                    "problem": f"not run: the {args.total_timeout:.0f} s of the whole run "
                    "were spent",
                    "log": None,
                }
            )
            continue
        print(f"{module} ...", end=" ", flush=True)
        out = run_one(module, results_dir, min(args.timeout, left), log_dir)
        outcomes.append(out)
        print(
            f"{'ok' if out['problem'] is None else 'FAILED'} in {out['seconds']:.1f} s", flush=True
        )
    total = time.perf_counter() - total
    if _snapshot(RESULTS) != committed:
        outcomes.append(
            {
                "script": "(runner)",
                "seconds": 0.0,
                "problem": "a file in benchmarks/results/ changed during the quick runs",
                "log": None,
            }
        )

    failed = [o for o in outcomes if o["problem"] is not None]
    for o in failed:
        print(f"\n===== {o['script']}: {o['problem']} =====", flush=True)
        if o["log"] is not None:
            text = o["log"].read_text(encoding="utf-8", errors="replace")
            print(text[-TAIL_CHARS:], flush=True)
            # the lines that say what went wrong, again last: a tail that ends in a
            # long report may not reach them
            marked = _failure_lines(text.splitlines())
            if marked:
                print(f"----- {o['script']}: lines that name a failure -----")
                print("\n".join(marked[-MARKED_LINES:]), flush=True)
    print("\n| script | seconds | result |\n| :--- | ---: | :--- |")
    for o in outcomes:
        print(f"| {o['script']} | {o['seconds']:.1f} | {o['problem'] or 'ok'} |")
    print(f"| total | {total:.1f} | {len(outcomes) - len(failed)} ok, {len(failed)} failed |")
    if args.results_dir is None and not args.keep and not failed:
        shutil.rmtree(results_dir, ignore_errors=True)
    else:
        print(f"quick results and logs kept in {results_dir}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
