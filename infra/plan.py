"""`python -m infra.plan --stack dev [--json] [--rules] [--manifests DIR] [--show-secrets] [--set KEY=VALUE] [--secret KEY=VALUE]`:
this project's stacks, planned offline (see langgraph_infra.plan)."""

import sys
from pathlib import Path

from langgraph_infra.plan import main

if __name__ == "__main__":
    sys.exit(main(project_dir=Path(__file__).resolve().parent.parent))
