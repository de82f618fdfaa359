"""How the API is reached: browser origins in prod, the domain with its zone and certificate, HTTPS."""

from __future__ import annotations

from ..config import Cloud, Environment, StackConfig
from ..errors import Problem


def problems(cfg: StackConfig) -> list[Problem]:
    found = []
    cloud, ingress = cfg.target.cloud, cfg.ingress
    if "*" in cfg.server.cors_allow_origins and cfg.environment is Environment.PROD:
        found.append(Problem('server.cors_allow_origins=["*"] lets any web page call the prod API from a browser: '
                             'list the origins that may (e.g. ["https://app.example.com"]), or none',
                             ("server.cors_allow_origins",)))
    if ingress.hosted_zone_id and not ingress.domain:
        found.append(Problem("ingress.hosted_zone_id needs ingress.domain (the name to create in that zone)",
                             ("ingress.hosted_zone_id", "ingress.domain")))
    https = bool(ingress.certificate_arn or ingress.domain)
    if ingress.require_https and not https and cloud is Cloud.AWS:
        found.append(Problem(
            "ingress.require_https=true (the prod default) needs ingress.certificate_arn, or ingress.domain with "
            "ingress.hosted_zone_id; set ingress.require_https=false only for a non-production stack",
            ("ingress.require_https", "ingress.certificate_arn", "ingress.domain", "ingress.hosted_zone_id")))
    region = cfg.target.region
    if ingress.certificate_arn and region and f":acm:{region}:" not in ingress.certificate_arn:
        found.append(Problem(
            f"ingress.certificate_arn is in another region than target.region={region}: "
            "a load balancer can only use a certificate from its own region",
            ("ingress.certificate_arn", "target.region")))
    return found
