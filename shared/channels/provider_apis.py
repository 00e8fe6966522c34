"""The provider integrations behind each HTTP channel, imported only when that channel is used."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.channels.provider_events import ApiCall, ErrorDisposition
from shared.kernel.errors import ConfigurationError
from shared.messages.wire import OutboundMessage

# Channel → module in shared/channels rendering its messages and reading its answers.
PROVIDER_MODULES = {
    "whatsapp": "whatsapp", "messenger": "meta_messaging", "instagram": "meta_messaging",
    "telegram": "telegram", "twilio_sms": "twilio", "twilio_whatsapp": "twilio",
}
# Channels whose render() takes the HUMAN_AGENT tag decision (shared/channels/windows.py).
TAGGED_RENDER = ("messenger", "instagram")
# Channels with tappable buttons show a menu as its header above buttons, not as numbered lines;
# SMS keeps the numbered text (the engine takes the number as the answer).
BUTTON_MENUS = ("whatsapp", "messenger", "instagram", "telegram")


def menu_as_buttons(message: OutboundMessage) -> OutboundMessage:
    if message.kind != "menu" or not message.options:
        return message
    header = message.payload.get("header") or message.text
    return OutboundMessage.from_dict({**message.to_dict(), "kind": "buttons", "text": header})


@dataclass(frozen=True)
class ProviderApi:
    channel: str
    _render: Callable[..., list[ApiCall]]
    sent_message_id: Callable[[Any], str]
    error_disposition: Callable[[int, Any, Mapping[str, str]], ErrorDisposition]

    def render(self, message: OutboundMessage, human_agent_tag: bool = False) -> list[ApiCall]:
        if self.channel in BUTTON_MENUS:
            message = menu_as_buttons(message)
        if self.channel in TAGGED_RENDER:
            return self._render(message, human_agent_tag=human_agent_tag)
        return self._render(message)


def provider_api(channel: str) -> ProviderApi:
    name = PROVIDER_MODULES.get(channel)
    if name is None:
        raise ConfigurationError(f"channel {channel!r} has no provider integration")
    module = importlib.import_module(f"shared.channels.{name}")
    return ProviderApi(channel, module.render, module.sent_message_id, module.error_disposition)
