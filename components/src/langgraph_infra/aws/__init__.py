"""AWS target: RDS, ElastiCache, ECR, Secrets Manager and ECS Fargate behind an ALB (with a WAF web ACL, the
`EdgeFirewall`, where the stack asks for one), with its `Alarms` and `Dashboard`, the load balancer's
`AccessLogs` bucket and an optional customer-managed `StackKey`.

Components are imported lazily so that importing `langgraph_infra.aws.limits` (config validation) does not load
pulumi_aws.
"""

from typing import TYPE_CHECKING

from ..targets import COMPONENTS, lazy_components

__getattr__, __all__ = lazy_components(__name__, (*COMPONENTS, "EdgeFirewall", "Alarms", "Dashboard", "AccessLogs",
                                                           "StackKey"))

if TYPE_CHECKING:
    # The same names for type checkers and editors (the lazy loader hides them at run time).
    from ..server import AgentServerArgs as AgentServerArgs
    from .access_logs import AccessLogs as AccessLogs
    from .access_logs import AccessLogsArgs as AccessLogsArgs
    from .agent_server import AgentServer as AgentServer
    from .alarms import Alarms as Alarms
    from .alarms import AlarmsArgs as AlarmsArgs
    from .cache import Cache as Cache
    from .cache import CacheArgs as CacheArgs
    from .dashboard import Dashboard as Dashboard
    from .dashboard import DashboardArgs as DashboardArgs
    from .database import Database as Database
    from .database import DatabaseArgs as DatabaseArgs
    from .database_bootstrap import DatabaseBootstrap as DatabaseBootstrap
    from .database_bootstrap import DatabaseBootstrapArgs as DatabaseBootstrapArgs
    from .edge_firewall import EdgeFirewall as EdgeFirewall
    from .edge_firewall import EdgeFirewallArgs as EdgeFirewallArgs
    from .network import Network as Network
    from .network import NetworkArgs as NetworkArgs
    from .registry import Registry as Registry
    from .registry import RegistryArgs as RegistryArgs
    from .secrets import Secrets as Secrets
    from .secrets import SecretsArgs as SecretsArgs
    from .service import Service as Service
    from .service import ServiceArgs as ServiceArgs
    from .stack_key import StackKey as StackKey
    from .stack_key import StackKeyArgs as StackKeyArgs
