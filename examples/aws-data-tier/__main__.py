"""Postgres and Redis for a service that already runs in an existing VPC: langgraph-infra's data tier alone.

The VPC is adopted (nothing is created in it but the data stores and the database bootstrap), each store opens exactly
its port to the service's security group, the service gets its own least-privilege Postgres role, and the connection
URIs leave the program only as secrets. Sizes and protections come
from the `environment` profile (dev: the smallest classes, one zone; prod: Multi-AZ, a Redis replica, deletion
protection); set a field to override one value.
"""

import pulumi
import pulumi_aws as aws

from langgraph_infra.aws import (
    Cache,
    CacheArgs,
    Database,
    DatabaseArgs,
    DatabaseBootstrap,
    DatabaseBootstrapArgs,
    Network,
    NetworkArgs,
    Secrets,
    SecretsArgs,
)
from langgraph_infra.config import Environment, NetworkSettings, PostgresSettings, RedisSettings

config = pulumi.Config()
region = config.require("region")
environment = Environment(config.get("environment") or "dev")
tags = {"app": "orders", "environment": environment.value, "managed-by": "pulumi"}

# Every resource goes to this provider: the region is explicit, never the machine's default.
provider = aws.Provider("aws", region=region, default_tags=aws.ProviderDefaultTagsArgs(tags=tags))
opts = pulumi.ResourceOptions(providers=[provider])

network = Network("data", NetworkArgs(
    NetworkSettings(existing_vpc_id=config.require("vpc_id"),
                    existing_public_subnet_ids=config.require_object("public_subnet_ids"),
                    existing_private_subnet_ids=config.require_object("private_subnet_ids")),
    environment=environment), opts)

database = Database("orders-db", DatabaseArgs(
    PostgresSettings(database_name="orders", storage_gib=50),
    vpc_id=network.vpc_id, subnet_ids=network.private_subnet_ids, environment=environment), opts)
cache = Cache("orders-cache", CacheArgs(
    RedisSettings(), vpc_id=network.vpc_id, subnet_ids=network.private_subnet_ids, environment=environment),
    opts)

service_sg = config.require("service_security_group_id")
database.allow_from("orders-service", service_sg)
cache.allow_from("orders-service", service_sg)

# The service logs in as its own role (`database.uri`), which the bootstrap makes as the master inside the VPC
# at `pulumi up`: the service's URI is the secret the bootstrap reads.
secrets = Secrets("orders-secrets", SecretsArgs(path="orders", created={"POSTGRES_URI": database.uri}), opts)
DatabaseBootstrap("orders-db-bootstrap", DatabaseBootstrapArgs(
    name_prefix="orders", vpc_id=network.vpc_id, subnet_ids=network.private_subnet_ids,
    database_security_group_id=database.security_group_id, master_uri=database.master_uri,
    server_secret_arn=secrets.arns["POSTGRES_URI"], server_secret_version=secrets.version_ids["POSTGRES_URI"],
    role="langgraph_server", database="orders", depends_on=[database]), opts)

pulumi.export("postgres_address", database.address)
pulumi.export("postgres_uri", database.uri)
pulumi.export("postgres_uri_secret_arn", secrets.arns["POSTGRES_URI"])
pulumi.export("redis_address", cache.address)
pulumi.export("redis_uri", cache.uri)
