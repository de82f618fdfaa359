"""Entry point the Pulumi engine runs for `--policy-pack policy`: it serves the pack over gRPC."""

from policies import policies
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(name="langgraph-infra", enforcement_level=EnforcementLevel.MANDATORY, policies=policies())
