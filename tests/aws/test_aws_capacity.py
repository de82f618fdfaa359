"""What AWS tells the capacity model: RDS budgets are the ones the connection check uses, sizes smallest first."""

from __future__ import annotations

from langgraph_infra.aws import capacity, limits


def test_rds_budgets_are_rds_own_default_max_connections():
    for size in capacity.FACTS.database_sizes:
        assert size.max_connections == limits.rds_default_max_connections(size.name) > 0
        assert limits.RDS_CLASS.match(size.name)


def test_sizes_are_smallest_first_and_the_queue_autoscales():
    sizes = capacity.FACTS.database_sizes
    assert [(s.vcpu, s.memory_gib) for s in sizes] == sorted((s.vcpu, s.memory_gib) for s in sizes)
    nodes = capacity.FACTS.cache_sizes
    assert [n.memory_gib for n in nodes] == sorted(n.memory_gib for n in nodes)
    assert all(limits.CACHE_NODE_TYPE.match(str(n.value)) for n in nodes)
    assert capacity.FACTS.queue_autoscales and not capacity.FACTS.sets_max_connections
