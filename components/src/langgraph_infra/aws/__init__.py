"""AWS target: RDS, ElastiCache, ECR, Secrets Manager and ECS Fargate behind an ALB.

Components are imported lazily so that importing `langgraph_infra.aws.sizing` (config validation) does not load
pulumi_aws.
"""

from ..targets import lazy_components

__getattr__, __all__ = lazy_components(__name__)
