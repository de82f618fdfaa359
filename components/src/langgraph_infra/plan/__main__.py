"""`python -m langgraph_infra.plan --stack dev ...`: the offline plan of the project in the current folder."""

import sys

from .cli import main

sys.exit(main())
