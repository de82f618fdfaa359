"""The app's HTTP layer around the Agent Server's own routes (``http.app`` in langgraph.json).

One ASGI middleware, which the server places outside its own (access log included), so it sees every request, the
meta routes (``/``, ``/info``, ``/docs``, ``/openapi.json``) and unknown paths included, which the auth handler never
sees: credentials in the query string are replaced by ``REDACTED`` before anything logs the query string. Refusing
such a request is the auth handler's job (a 401 on every authenticated route); the meta routes answer as usual.
"""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware

from agent.credentials import API_KEYS_VARIABLE, ApiKey, parse_api_keys, redact_query_credentials

Scope = dict[str, Any]


class RedactQueryCredentials:
    """Pure ASGI middleware: redacts the query string of every HTTP and WebSocket request, in its scope."""

    def __init__(self, app: Any, api_keys: tuple[ApiKey, ...]) -> None:
        self.app = app
        self.api_keys = api_keys

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            redact_query_credentials(scope, self.api_keys)
        await self.app(scope, receive, send)


# The keys are parsed again here (auth.py reports a malformed entry; the server loads the two files separately).
app = Starlette(
    middleware=[Middleware(RedactQueryCredentials, api_keys=parse_api_keys(os.environ.get(API_KEYS_VARIABLE, "")))]
)
