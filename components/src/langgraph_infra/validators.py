"""Field checks several config sections share, each raising the ValueError pydantic reports under the key."""

from __future__ import annotations

import ipaddress


def cidr_blocks(values: list[str], example: str) -> list[str]:
    """`values` unchanged when each is a CIDR block with its host bits zero; `example` shows the form in the error."""
    for value in values:
        try:
            ipaddress.ip_network(value, strict=True)
        except ValueError:
            raise ValueError(f"{value!r} is not a CIDR block with its host bits zero (e.g. {example})") from None
    return values
