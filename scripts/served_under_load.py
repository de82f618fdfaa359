"""Run the served tests (tests/app) several times in a row while other processes keep the CPU busy, and print the
outcome of each run: the check that no served test depends on the machine's speed.

`.venv/bin/python scripts/served_under_load.py [--runs 3] [--busy 2] [pytest args...]`. The busy processes are plain
Python spin loops, started before the first run and stopped by PID after the last (or on any error), each bounded by a
deadline of its own so none can outlive this script by more than --max-minutes.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SPIN = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end:\n    pass\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="pytest runs in a row (default 3)")
    parser.add_argument("--busy", type=int, default=2, help="spinning processes beside them (default 2)")
    parser.add_argument("--max-minutes", type=float, default=90, help="the spinners' own deadline (default 90)")
    args, pytest_args = parser.parse_known_args(argv)
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN, str(args.max_minutes * 60)])
                for _ in range(args.busy)]  # fmt: skip
    outcomes = []
    try:
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(pytest_args or ["tests/app"])],
                cwd=REPO_ROOT, capture_output=True, text=True, check=False,
            )  # fmt: skip
            summary = next((line for line in reversed(result.stdout.splitlines()) if re.search(r"\d+ (passed|failed)", line)),
                           f"exit {result.returncode}, no summary line")  # fmt: skip
            outcomes.append(result.returncode)
            print(f"run {run}/{args.runs} with {args.busy} busy processes: {summary.strip('= ')} "
                  f"(wall {time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
            if result.returncode != 0:
                failed = [line for line in result.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
                print("\n".join(f"    {line}" for line in failed), flush=True)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    return 0 if all(code == 0 for code in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
