"""GCP target: Cloud SQL, Memorystore, Artifact Registry, Secret Manager and Cloud Run (a service for the API, a
worker pool for the queue), in a VPC with private services access and Cloud NAT.

The same component names as `langgraph_infra.aws`. Components are imported lazily so that importing
`langgraph_infra.gcp.sizing` (config validation) does not load pulumi_gcp.
"""

from ..targets import lazy_components

__getattr__, __all__ = lazy_components(__name__)
