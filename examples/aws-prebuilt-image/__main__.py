"""A whole LangGraph Agent Server on AWS (eu-west-1) from a prebuilt image, in a platform team's existing VPC.

Nothing is built here: `app.image` deploys the digest CI produced. The configuration is written in code with
`build_config`, validated exactly like a stack file (the prod profile's defaults, then every check); only what
differs per stack comes from this project's config. The AgentServer creates its own AWS provider for
`target.region`, so every resource lands in eu-west-1 whatever the machine's default region is.
"""

import pulumi

import langgraph_infra as lgi
from langgraph_infra.aws import AgentServer, AgentServerArgs

stack = pulumi.Config()
region = "eu-west-1"

config = lgi.build_config({
    "target": {"cloud": "aws", "runtime": "ecs", "region": region},
    "environment": "prod",
    "name": "agents",
    # The image's app authenticates its callers (`auth` in its langgraph.json, built elsewhere): say so, since an
    # internet-facing prod API whose app cannot be seen to authenticate is refused.
    "app": {"image": stack.require("image"), "declares_auth": True, "env": {"LLM_MODEL": "openai:gpt-4o-mini"}},
    "network": {"existing_vpc_id": stack.require("vpc_id"),
                # An application load balancer needs public subnets in two zones.
                "existing_public_subnet_ids": stack.require_object("public_subnet_ids"),
                "existing_private_subnet_ids": stack.require_object("private_subnet_ids")},
    "ingress": {"certificate_arn": stack.require("certificate_arn")},
    # Prod alarms must tell someone: the team's on-call address (an SNS e-mail subscription, confirmed by its owner).
    "alarms": {"notify": [stack.require("oncall_email")]},
    "secrets": {
        # Adopted: the platform's licence stays in Secrets Manager (under its own KMS key) and out of Pulumi state.
        "LANGGRAPH_CLOUD_LICENSE_KEY": {
            "existing": f"arn:aws:secretsmanager:{region}:123456789012:secret:platform/langgraph-licence-Ab12Cd",
            "kms_key_arn": f"arn:aws:kms:{region}:123456789012:key/6f1e2d3c-4b5a-4798-8a7b-6c5d4e3f2a1b"},
        # Created from this project's secret config: `pulumi config set --secret OPENAI_API_KEY ...`.
        "OPENAI_API_KEY": {},
        # The callers' API keys (`name:key,...`), adopted from where the platform team keeps them.
        "AGENT_API_KEYS": {"existing": "platform/agents-api-keys"},
    },
})

server = AgentServer("agents", AgentServerArgs(config=config, stack=pulumi.get_stack()))

pulumi.export("url", server.url)
pulumi.export("image", server.image)
pulumi.export("cluster_name", server.cluster_name)
pulumi.export("secret_arns", server.secret_arns)
