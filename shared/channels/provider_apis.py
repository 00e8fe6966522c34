"""A channel's provider integration as the sender uses it: render (menus as buttons where the channel
has them, the HUMAN_AGENT tag where the provider takes it), the sent message's id, error dispositions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.channels.provider import ProviderDescriptor, menu_as_buttons
from shared.channels.provider_events import ApiCall, ErrorDisposition
from shared.channels.providers import provider_of
from shared.messages.wire import OutboundMessage

__all__ = ["ProviderApi", "menu_as_buttons", "provider_api"]


@dataclass(frozen=True)
class ProviderApi:
    channel: str
    provider: ProviderDescriptor

    def render(self, message: OutboundMessage, human_agent_tag: bool = False) -> list[ApiCall]:
        if self.provider.menus_as_buttons:
            message = menu_as_buttons(message)
        return self.provider.render(message, human_agent_tag)

    def sent_message_id(self, response_body: Any) -> str:
        return self.provider.sent_message_id(response_body)

    def error_disposition(self, status: int, body: Any, headers: Mapping[str, str]) -> ErrorDisposition:
        return self.provider.error_disposition(status, body, headers)


def provider_api(channel: str) -> ProviderApi:
    """The integration behind ``channel``; ConfigurationError for a channel no provider serves."""
    return ProviderApi(channel, provider_of(channel))
