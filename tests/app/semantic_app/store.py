"""The store the licensed runtime builds from `store.index`, built here through the server's custom-store hook.

langgraph-runtime-pg (the MIT runtime the tests serve with) opens its Postgres store without the app's
`store.index`, so semantic search would be ignored. This factory reads the same `store.index` the server parsed from
langgraph.json (`LANGGRAPH_STORE`), resolves `embed` with the server's own loader and opens langgraph's
AsyncPostgresStore with that index on the server's database: pgvector tables, the vector search the image serves.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from langgraph.store.postgres.aio import AsyncPostgresStore
from langgraph_api import config
from langgraph_api.graph import resolve_embeddings


@contextlib.asynccontextmanager
async def make_store() -> AsyncIterator[AsyncPostgresStore]:
    index = dict((config.STORE_CONFIG or {})["index"])
    index["embed"] = resolve_embeddings(index)
    uri = os.environ.get("DATABASE_URI") or os.environ["POSTGRES_URI"]
    async with AsyncPostgresStore.from_conn_string(uri, index=index) as store:  # type: ignore[arg-type]
        await store.setup()
        yield store
