"""The PostgreSQL with pgvector that the semantic-store and bootstrap tests serve, exercised on this machine's CPU.

`make setup-test` compiles pgvector here (scripts/setup-pgvector.sh) because a prebuilt vector.so built with
-march=native kills the server with SIGILL on a CPU without its builder's instructions (AVX-512), and only while it
builds an HNSW index or computes a distance. So these tests do exactly that, through every SIMD path pgvector picks at
run time (vector, halfvec, bit), and compare the index's answers with a brute-force computation in Python.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

import pg8000.native
import pytest

from tests.app.agent_servers import PostgresServer, pgvector_bin_dir

DIMENSIONS = 16
ROWS = 400
PROBES = 8
NEIGHBOURS = 5


@pytest.fixture(scope="module")
def vectors() -> Iterator[pg8000.native.Connection]:
    server = PostgresServer(bin_dir=pgvector_bin_dir(), extensions=("vector",)).start()
    con = pg8000.native.Connection(server.user, host="127.0.0.1", port=server.port, password=server.password,
                                   database=server.database)  # fmt: skip
    try:
        yield con
    finally:
        con.close()
        server.stop()


def _literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{x:.6f}" for x in vector) + "]"


def _points(seed: int, count: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[round(rng.uniform(-1, 1), 6) for _ in range(DIMENSIONS)] for _ in range(count)]


def test_an_hnsw_index_is_built_and_answers_as_brute_force_does(vectors):
    rows = _points(1, ROWS)
    vectors.run(f"CREATE TABLE items (id int PRIMARY KEY, embedding vector({DIMENSIONS}))")
    for start in range(0, ROWS, 100):
        values = ",".join(f"({i}, '{_literal(rows[i])}')" for i in range(start, min(start + 100, ROWS)))
        vectors.run(f"INSERT INTO items VALUES {values}")
    vectors.run("CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops)")
    # The index, not a sequential scan, must answer; a wide search list makes HNSW's answer exact on 400 points.
    vectors.run("SET enable_seqscan = off")
    vectors.run("SET hnsw.ef_search = 200")

    for probe in _points(2, PROBES):
        query = f"SELECT id FROM items ORDER BY embedding <-> '{_literal(probe)}' LIMIT {NEIGHBOURS}"
        plan = "\n".join(row[0] for row in vectors.run(f"EXPLAIN {query}"))
        assert "Index Scan using items_hnsw" in plan, plan
        expected = sorted(range(ROWS), key=lambda i: math.dist(rows[i], probe))[:NEIGHBOURS]
        assert [row[0] for row in vectors.run(query)] == expected


def test_distances_on_every_type_match_python(vectors):
    a, b = _points(3, 2)
    got = vectors.run(
        f"SELECT '{_literal(a)}'::vector <-> '{_literal(b)}'::vector,"
        f" '{_literal(a)}'::vector <=> '{_literal(b)}'::vector,"
        f" '{_literal(a)}'::halfvec <#> '{_literal(b)}'::halfvec,"
        " '10110011'::bit(8) <~> '00110110'::bit(8),"
        " '10110011'::bit(8) <%> '00110110'::bit(8)"
    )[0]
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    cosine = 1 - dot / (math.hypot(*a) * math.hypot(*b))
    assert got[0] == pytest.approx(math.dist(a, b), rel=1e-5)
    assert got[1] == pytest.approx(cosine, rel=1e-5)
    assert got[2] == pytest.approx(-dot, abs=2e-2)  # halfvec: 16-bit floats
    assert got[3] == 3  # Hamming: positions 0, 5, 7 differ
    assert got[4] == pytest.approx(1 - 3 / 6)  # Jaccard: 3 shared ones of 6 set in either


def test_the_server_runs_the_pgvector_compiled_at_set_up(vectors):
    control = pgvector_bin_dir().parent / "share/postgresql/extension/vector.control"
    default = next(line.split("'")[1] for line in control.read_text().splitlines() if line.startswith("default_version"))
    assert vectors.run("SELECT extversion FROM pg_extension WHERE extname = 'vector'") == [[default]]
    assert default == "0.8.0", "the version scripts/setup-pgvector.sh compiles, not the wheel's prebuilt 0.6.2"
