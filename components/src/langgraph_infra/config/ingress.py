"""The `ingress` section: who reaches the API, over what, and behind which protection."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..validators import cidr_blocks
from .base import _Model


class IngressSettings(_Model):
    certificate_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[\w-]+$")
    """aws: an ACM certificate for the HTTPS listener. Default: none (a certificate is issued when `domain` and
    `hosted_zone_id` are given)."""
    domain: str | None = Field(default=None, max_length=253, pattern=r"^([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")
    """The public host name of the API, e.g. `agents.example.com`. Default: the load balancer's / service's own."""
    hosted_zone_id: str | None = None
    """aws: Route 53 zone of `domain`; with it the DNS record and a DNS-validated certificate are created."""
    require_https: bool = False
    """Refuse to deploy without HTTPS (a certificate or a domain). Default: off in dev, on in prod."""
    idle_timeout_seconds: int = Field(default=900, ge=60, le=4000)
    """How long an idle connection stays open at the load balancer: long, because runs stream over SSE."""
    allowed_cidrs: list[str] = Field(default=["0.0.0.0/0"], min_length=1)
    """Who may reach the API (load balancer ingress). Default: everyone, which makes the API internet-facing: prod
    then requires the app to authenticate callers (`auth` in its langgraph.json)."""
    public: bool = True
    """gcp: let callers without a Google identity reach the Cloud Run URL (`allUsers` may invoke it); the app's own
    auth then decides. `false` admits only IAM-authenticated callers (`roles/run.invoker`). Default: on in dev, off
    in prod (Cloud Run's own URL has no WAF or rate limit to put in front of it)."""
    waf: bool = False
    """aws: a WAF web ACL on the load balancer: a rate limit per client IP and AWS's managed common rule set
    (its request-body size rule only counts, so long conversations still pass). Default: off in dev, on in prod."""
    rate_limit_per_ip: int = Field(default=1000, ge=10, le=2_000_000_000)
    """aws (with `waf`): requests one client IP may send in 5 minutes before WAF blocks it for a while."""
    unauthenticated_reason: str | None = Field(default=None, min_length=10, max_length=200)
    """Deploy an internet-facing prod API whose app declares no `auth`, on purpose: say why (recorded as the
    `unauthenticated-reason` tag). Default: none, and such a stack is refused."""

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, values: list[str]) -> list[str]:
        return cidr_blocks(values, "203.0.113.0/24")

    local_port: int = Field(default=8123, ge=1024, le=65535)
    """local: the host port the API is published on, on 127.0.0.1 only (`http://localhost:8123`, as `langgraph up`)."""
