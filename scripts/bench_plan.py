"""Benchmark of the offline plan: wall time (import, plan and the text rendering), peak memory and resource count
per stack, each in a fresh process (so SDK import time counts, as it does for a user). `python scripts/bench_plan.py [--repeat N] [STACK ...]`."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_CHILD = """
import json, resource, sys, time
from pathlib import Path
start = time.perf_counter()
from langgraph_infra.plan import run_plan
plan = run_plan(Path(sys.argv[1]), sys.argv[2])
plan.render()
seconds = time.perf_counter() - start
mods = sorted({m.split('.')[0] for m in sys.modules if m.startswith('pulumi_')})
print(json.dumps({"seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "resources": len(plan.resources), "sdks": mods}))
"""


def measure(stack: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), stack], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stacks = args.stacks or sorted(p.name[len("Pulumi."):-len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))
    print(f"{'stack':<10} {'resources':>9} {'median s':>9} {'min s':>7} {'peak MiB':>9}  SDKs loaded")
    for stack in stacks:
        runs = [measure(stack) for _ in range(args.repeat)]
        times = [r["seconds"] for r in runs]
        print(f"{stack:<10} {runs[0]['resources']:>9} {statistics.median(times):>9.2f} {min(times):>7.2f} "
              f"{max(r['peak_mib'] for r in runs):>9.0f}  {', '.join(runs[0]['sdks'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
