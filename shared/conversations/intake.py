"""The one way in for customers' messages, whatever the channel: route each to its workspace by the
channel account, turn it into an InboundMessage and hand it on once (shared/conversations/receive.py).

Provider webhooks: every event of a request is routed before anything is published (the webhook
functions route them to pick each account's own signing secret): a request naming an account that is
not connected is refused whole, never half-published. Web chat: a visitor's message is routed by its
site, and handed on once the function has checked the visitor's token (or claimed a new visitor).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.channels import webchat
from shared.channels.provider_events import ProviderEvent
from shared.conversations.receive import ReceiveResult, receive_inbound_message
from shared.messages.ids import conversation_id, inbound_message_id
from shared.messages.wire import InboundMessage
from shared.ports.context import ConversationPorts
from shared.workspaces.directory import ChannelRoute


@dataclass(frozen=True)
class IntakeResult:
    received: int
    duplicates: int

    def to_dict(self) -> dict[str, int]:
        return {"received": self.received, "duplicates": self.duplicates}


def inbound_from_event(event: ProviderEvent, route: ChannelRoute, received_at: str) -> InboundMessage:
    channel = route.type
    return InboundMessage(
        message_id=inbound_message_id(channel, route.account, event.provider_message_id),
        provider_message_id=event.provider_message_id,
        workspace_id=route.workspace_id,
        channel=channel,
        account=route.account,
        contact=event.contact,
        conversation_id=conversation_id(route.workspace_id, channel, route.account, event.contact),
        bot_id=route.bot_id,
        kind=event.kind,
        text=event.text,
        received_at=event.occurred_at or received_at,
        contact_name=event.contact_name,
        payload=dict(event.payload),
    )


def route_events(ports: ConversationPorts, channel: str, events: Sequence[ProviderEvent]
                 ) -> list[tuple[ProviderEvent, ChannelRoute]]:
    """Each event with its channel route; raises NotFound naming the first unknown account."""
    routes: dict[tuple[str, str], ChannelRoute] = {}
    routed = []
    for event in events:
        key = (event.channel or channel, event.account)
        if key not in routes:
            routes[key] = ports.directory.channel(*key)
        routed.append((event, routes[key]))
    return routed


def receive_provider_events(ports: ConversationPorts, function: str,
                            routed: Sequence[tuple[ProviderEvent, ChannelRoute]]) -> IntakeResult:
    """Hand on each event with the route it was verified against (route_events)."""
    received_at = ports.clock.now().isoformat()
    results: list[ReceiveResult] = [
        receive_inbound_message(ports, inbound_from_event(event, route, received_at), function)
        for event, route in routed
    ]
    duplicates = sum(1 for r in results if r.duplicate)
    return IntakeResult(received=len(results) - duplicates, duplicates=duplicates)


def route_visitor_site(ports: ConversationPorts, site: str) -> ChannelRoute:
    """The web chat site's channel route; raises NotFound when the site is not connected."""
    return ports.directory.channel(webchat.CHANNEL, site)


def receive_visitor_message(ports: ConversationPorts, function: str, visitor: webchat.VisitorMessage,
                            route: ChannelRoute, provider_message_id: str, received_at: str) -> ReceiveResult:
    """Hand on a web chat visitor's message, checked against their token (or their claim) by the caller."""
    message = webchat.to_inbound(visitor, route, provider_message_id, received_at)
    return receive_inbound_message(ports, message, function)
