"""Benchmark of the offline plan: wall time (import, plan and the text rendering), peak memory and resource count
per stack, each in a fresh process (so SDK import time counts, as it does for a user), beside the time a bare process
takes to import the same Pulumi modules (`pulumi` and the `pulumi_*` SDK modules the plan loaded, in its order): the
plan's own work is the difference. CPU seconds (all threads) are printed beside the wall time: on a shared machine
they stay put while wall times follow the load. `python scripts/bench_plan.py [--repeat N] [STACK ...]`."""

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
start, cpu = time.perf_counter(), time.process_time()
from langgraph_infra.plan import run_plan
plan = run_plan(Path(sys.argv[1]), sys.argv[2])
plan.render()
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
mods = sorted({m.split('.')[0] for m in sys.modules if m.startswith('pulumi_')})
pulumi_modules = [m for m in sys.modules if m.split('.')[0] == 'pulumi' or m.startswith('pulumi_')]
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "resources": len(plan.resources), "sdks": mods, "modules": pulumi_modules}))
"""
# The same modules, imported in the order the plan loaded them, and nothing else.
_BARE = """
import importlib, json, sys, time
modules = json.loads(sys.stdin.read())
start, cpu = time.perf_counter(), time.process_time()
for name in modules:
    importlib.import_module(name)
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}))
"""


def _last_json(args: list[str], **kwargs) -> dict:
    out = subprocess.run([sys.executable, "-c", *args], capture_output=True, text=True, check=True, **kwargs)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(stack: str) -> tuple[dict, dict]:
    plan = _last_json([_CHILD, str(ROOT), stack], cwd=ROOT)
    bare = _last_json([_BARE], input=json.dumps(plan["modules"]), cwd=ROOT)
    return plan, bare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stacks = args.stacks or sorted(p.name[len("Pulumi."):-len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))
    print(f"{'stack':<10} {'resources':>9} {'median s':>9} {'min s':>7} {'bare s':>7} {'ratio':>6} {'cpu s':>6} "
          f"{'bare cpu':>8} {'ratio':>6} {'peak MiB':>9}  SDKs loaded")
    for stack in stacks:
        # Plan and bare import alternate, so a busy machine weighs on both alike.
        runs = [measure(stack) for _ in range(args.repeat)]
        wall = statistics.median(plan["seconds"] for plan, _ in runs)
        bare = statistics.median(bare["seconds"] for _, bare in runs)
        cpu = statistics.median(plan["cpu"] for plan, _ in runs)
        bare_cpu = statistics.median(bare["cpu"] for _, bare in runs)
        first = runs[0][0]
        print(f"{stack:<10} {first['resources']:>9} {wall:>9.2f} {min(plan['seconds'] for plan, _ in runs):>7.2f} "
              f"{bare:>7.2f} {wall / bare:>6.2f} {cpu:>6.2f} {bare_cpu:>8.2f} {cpu / bare_cpu:>6.2f} "
              f"{max(plan['peak_mib'] for plan, _ in runs):>9.0f}  {', '.join(first['sdks'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
