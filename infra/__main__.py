"""This repository's stack program: validate the stack's config, build one Agent Server on its target, export.

Everything lives in the langgraph_infra library (components/); this file uses only its public API, exactly as a
platform team's own program would.
"""

import langgraph_infra as lgi

config = lgi.load_config()
server = lgi.agent_server(config)
lgi.export_all(server)
