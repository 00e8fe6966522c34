"""The caller's address as console_api trusts it (sign-in counts failures per address).

In the cloud, console_api admits only Google's external Application Load Balancer (ingress
ALLOW_INTERNAL_AND_GCLB, infra/terraform/modules/functions), which appends two entries to
X-Forwarded-For: the address of the client that connected to it, then its forwarding rule's own
("<whatever the client sent>, <client address>, <load balancer address>"). Only those last two are the
balancer's; anything before them the client wrote and is never trusted. So the client's address is the
second entry from the end. Without the balancer (make run, the tests) it is the connection's own address
and X-Forwarded-For is ignored: anyone can send one.
"""

from __future__ import annotations

LOAD_BALANCER_ENTRIES = 2  # what the balancer appends: the client's address, then its own


def client_address(forwarded_for: list[str], remote_addr: str, *, behind_load_balancer: bool) -> str:
    """``forwarded_for``: every X-Forwarded-For header of the request, in order."""
    if not behind_load_balancer:
        return remote_addr or ""
    entries = [entry.strip() for header in forwarded_for for entry in header.split(",") if entry.strip()]
    if len(entries) < LOAD_BALANCER_ENTRIES:  # not through the balancer after all: its peer is all we know
        return remote_addr or ""
    return entries[-LOAD_BALANCER_ENTRIES]
