"""Conversations with the real pipeline, synchronously, in one process, on embedded backends.

What the local stack does with threads and dispatchers, this driver does in the
caller's thread: a visitor's message goes in as the web chat posts it, then every
subscription is pulled and its use case called (resolve_intent, send_message,
export_history, run_timer) until nothing is left, and the visitor's new replies
are read from the web chat reply box. Time is a ``ManualClock``: it moves only by
the pauses between replies and by ``advance``, so a bot author's conversations
(``charla chat``, ``charla test``) are reproducible, timers included.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.bootstrap import Platform
from shared.bots.definition import Bot
from shared.channels import webchat
from shared.channels.email import CHANNEL as EMAIL
from shared.channels.email import MailerSender
from shared.conversations.deliver import deliver_outbound_message
from shared.conversations.inbound_media import forward_with_media
from shared.conversations.intake import receive_visitor_message
from shared.conversations.resolve import resolve_inbound_message
from shared.conversations.store_names import CONVERSATIONS
from shared.conversations.timers import handle_conversation_timer
from shared.conversations.webchat_replies import WebchatReplyBox
from shared.events import topics
from shared.history.export import export_history_records
from shared.kernel.errors import CharlaError, InvalidInput
from shared.kernel.settings import Settings
from shared.messages.ids import conversation_id
from shared.messages.wire import HistoryRecord, InboundMessage, OutboundMessage
from shared.ports.channel_sender import ReplyWindow
from shared.ports.clock import ManualClock
from shared.ports.document_store import Filter
from shared.ports.event_bus import ReceivedMessage
from shared.ports.task_scheduler import TASK_NAME_ATTRIBUTE
from shared.ports.webhook_caller import WebhookCaller
from shared.workspaces.directory import CHANNELS, ChannelRoute, Workspace

LOCAL_WORKSPACE = "local"
LOCAL_SITE = "local-site"
RECEIVING_FUNCTION = "webhook_webchat"
# A bot that keeps answering itself (timers rescheduling timers) must not hang the driver.
MAX_DELIVERIES_PER_SETTLE = 10_000
DRAIN_BATCH = 500


class PipelineError(CharlaError):
    """A function of the pipeline failed on a message; the message is dropped, not retried."""


class _RecordingSender:
    """The email sender, keeping what it sent so a local run can show it."""

    def __init__(self, inner: MailerSender, sent: list[OutboundMessage]) -> None:
        self._inner = inner
        self._sent = sent

    def send(self, message: OutboundMessage, window: ReplyWindow = ReplyWindow.OPEN) -> str:
        self._sent.append(message)
        return self._inner.send(message, window)

    def delivered(self, message_id: str) -> str | None:
        return self._inner.delivered(message_id)


class LocalConversations:
    """Publish a bot (or a folder), then talk to it as web chat visitors."""

    def __init__(self, data_dir: Path | None = None, *, start: datetime | None = None,
                 webhooks: WebhookCaller | None = None) -> None:
        """``data_dir``: where the embedded files go (default: a temporary folder, removed by ``close``);
        ``start``: the clock's first instant (default ManualClock's); ``webhooks``: the caller of the bots'
        webhook actions (default: real HTTP calls)."""
        self._own_dir = data_dir is None
        self.data_dir = Path(tempfile.mkdtemp(prefix="charla-local-")) if data_dir is None else Path(data_dir)
        self.clock = ManualClock(start)
        overrides = {"webhooks": lambda _platform: webhooks} if webhooks is not None else None
        self.platform = Platform(Settings(backend="embedded", data_dir=self.data_dir), clock=self.clock,
                                 overrides=overrides)
        self.emails: list[OutboundMessage] = []
        self._reply_box = WebchatReplyBox(self.platform.store, self.clock)
        self._senders = {
            webchat.CHANNEL: self._reply_box,
            EMAIL: _RecordingSender(MailerSender(self.platform.mailer), self.emails),
        }
        self._handlers: list[tuple[str, Callable[[list[ReceivedMessage]], object], bool]] = []
        self._route: ChannelRoute | None = None
        self._cursors: dict[str, int] = {}
        self._sent = 0
        self._prepare()

    def __enter__(self) -> LocalConversations:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.platform.close()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- publishing -----------------------------------------------------------------------------
    @property
    def route(self) -> ChannelRoute:
        if self._route is None:
            raise InvalidInput("no bot is published yet")
        return self._route

    def publish(self, path: Path, time_zone: str = "UTC", site: str = "") -> list[Bot]:
        """A bot file (in workspace "local", time zone ``time_zone``) or a folder with its workspace.yaml
        (its own time zone; visitors write to its web chat account ``site``, by default the first)."""
        path = Path(path)
        if path.is_dir():
            return self.publish_folder(path, site)
        return [self.publish_bot(path.read_text(encoding="utf-8"), path.name, time_zone)]

    def publish_bot(self, text: str, file_name: str, time_zone: str = "UTC") -> Bot:
        """One bot in workspace "local", reached through the web chat site "local-site"."""
        check_time_zone(time_zone)
        directory = self.platform.directory
        bot = directory.publish_bot(LOCAL_WORKSPACE, text, file_name)  # an invalid bot raises, storing nothing
        directory.save_workspace(Workspace(id=LOCAL_WORKSPACE, language=bot.language, time_zone=time_zone,
                                           name="local"))
        self._route = ChannelRoute(type=webchat.CHANNEL, account=LOCAL_SITE, workspace_id=LOCAL_WORKSPACE,
                                   bot_id=bot.id)
        directory.save_channel(self._route)
        return bot

    def publish_folder(self, folder: Path, site: str = "") -> list[Bot]:
        """A workspace folder; visitors write to ``site`` or to its first web chat channel."""
        bots = self.platform.directory.load_folder(Path(folder))
        accounts = sorted(d.data["account"] for d in self.platform.store.query(
            CHANNELS, [Filter("type", "==", webchat.CHANNEL)]))
        if not accounts:
            raise InvalidInput(f"{folder}: workspace.yaml connects no webchat channel, so nobody can write to it; "
                               "add one, e.g. {type: webchat, account: my-site, bot: <bot id>}")
        if site and site not in accounts:
            raise InvalidInput(f"{folder}: no webchat channel account {site!r}; its accounts: {', '.join(accounts)}")
        self._route = self.platform.directory.channel(webchat.CHANNEL, site or accounts[0])
        return bots

    # -- talking --------------------------------------------------------------------------------
    def say(self, visitor_id: str, text: str, name: str = "") -> list[dict[str, Any]]:
        """Post as the web chat widget does, run everything it causes, and return this visitor's new replies."""
        route = self.route
        self._sent += 1
        body: dict[str, Any] = {"site": route.account, "visitor_id": visitor_id, "text": text,
                                "message_id": f"local-message-{self._sent:08d}"}
        if name:
            body["name"] = name
        visitor = webchat.parse_visitor_message(body)
        self._cursors.setdefault(visitor_id, 0)
        receive_visitor_message(self.platform, RECEIVING_FUNCTION, visitor, route, visitor.client_message_id,
                                self.clock.now().isoformat())
        self._settle()
        return self._new_replies(visitor_id)

    def advance(self, minutes: float) -> dict[str, list[dict[str, Any]]]:
        """Let ``minutes`` pass: due timers run. Returns the new replies of each visitor that got some."""
        if minutes < 0:
            raise InvalidInput("time does not run backwards")
        self.clock.advance(timedelta(minutes=minutes))
        self._settle()
        return {visitor: replies for visitor in self._cursors if (replies := self._new_replies(visitor))}

    def conversation(self, visitor_id: str) -> dict[str, Any] | None:
        """The stored conversation of a visitor (status, bot position...), None before the first message."""
        return self.platform.store.get(CONVERSATIONS, self._conversation_id(visitor_id))

    # -- the pipeline ---------------------------------------------------------------------------
    def _prepare(self) -> None:
        bus = self.platform.bus
        for topic in topics.ALL_TOPICS:
            bus.ensure_topic(topic)
        for function_subscription in topics.function_subscriptions():
            bus.ensure_subscription(function_subscription.subscription)
        self.platform.warehouse.ensure_tables()
        use_cases: dict[str, Callable[[list[ReceivedMessage]], object]] = {
            "resolve_intent": lambda batch: resolve_inbound_message(
                self.platform, InboundMessage.from_json(batch[0].data)),
            "fetch_media": lambda batch: forward_with_media(
                self.platform, self.platform.media, InboundMessage.from_json(batch[0].data)),
            "send_message": lambda batch: deliver_outbound_message(
                self.platform, self._senders, OutboundMessage.from_json(batch[0].data)),
            "run_timer": lambda batch: handle_conversation_timer(
                self.platform, batch[0].data, batch[0].attributes.get(TASK_NAME_ATTRIBUTE, "")),
            # A whole batch in one write: the embedded warehouse opens its file for every write.
            "export_history": lambda batch: export_history_records(
                self.platform.warehouse, [HistoryRecord.from_json(m.data) for m in batch]),
        }
        # The bot tester has no people: hand-offs stay requests on the assignment topic (the bot goes quiet,
        # as it would while waiting for an agent) and nothing opens tickets or words queue notices.
        subscriptions = {fs.function: fs.subscription.name for fs in topics.function_subscriptions()
                         if fs.function in use_cases}
        # History goes last, so each round exports what the turns before it recorded, together.
        order = sorted(subscriptions, key=lambda function: function == "export_history")
        self._handlers = [(subscriptions[f], use_cases[f], f == "export_history") for f in order]

    def _settle(self) -> None:
        """Run everything due; then let the pauses between replies pass, which may make more due."""
        while True:
            self._drain()
            latest = self._latest_visible_at()
            if latest is None or latest <= self.clock.now():
                return
            self.clock.set(latest)

    def _drain(self) -> None:
        bus = self.platform.bus
        scheduler = self.platform.scheduler
        deliveries = 0
        while True:
            handled = scheduler.run_due()  # the embedded scheduler: due timers go to their topic
            for subscription, use_case, batched in self._handlers:
                # Ordered subscriptions hand out one message per conversation at a time: pull until quiet.
                while batch := bus.pull(subscription, max_messages=DRAIN_BATCH, timeout_s=0):
                    for part in [batch] if batched else [[m] for m in batch]:
                        self._deliver(subscription, use_case, part, later=batch[batch.index(part[-1]) + 1:])
                    handled += len(batch)
            deliveries += handled
            if not handled:
                return
            if deliveries > MAX_DELIVERIES_PER_SETTLE:
                raise PipelineError(f"more than {MAX_DELIVERIES_PER_SETTLE} deliveries without settling; "
                                    "is the bot answering itself?")

    def _deliver(self, subscription: str, use_case: Callable[[list[ReceivedMessage]], object],
                 part: list[ReceivedMessage], later: list[ReceivedMessage]) -> None:
        bus = self.platform.bus
        try:
            use_case(part)
        except Exception as exc:
            # Locally a failure would fail the same way on every retry: report it and drop what failed;
            # the rest of the batch goes back to the subscription.
            bus.ack(subscription, [m.ack_id for m in part])
            if later:
                bus.nack(subscription, [m.ack_id for m in later])
            raise PipelineError(f"{subscription} failed: {type(exc).__name__}: {exc}") from exc
        bus.ack(subscription, [m.ack_id for m in part])

    def _latest_visible_at(self) -> datetime | None:
        instants = []
        for visitor in self._cursors:
            box = self.platform.store.get(webchat.WEBCHAT, self._conversation_id(visitor))
            if box and box.get("last_visible_at"):
                instants.append(datetime.fromisoformat(box["last_visible_at"]))
        return max(instants, default=None)

    def _new_replies(self, visitor_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        conversation = self._conversation_id(visitor_id)
        while batch := self._reply_box.replies_after(conversation, self._cursors.get(visitor_id, 0)):
            found.extend(batch)
            self._cursors[visitor_id] = batch[-1]["seq"]
        return found

    def _conversation_id(self, visitor_id: str) -> str:
        route = self.route
        return conversation_id(route.workspace_id, webchat.CHANNEL, route.account, visitor_id)


def check_time_zone(time_zone: str) -> None:
    """Raise InvalidInput naming ``time_zone`` unless it is an IANA time zone this machine knows."""
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"time zone {time_zone!r} is unknown; expected an IANA name such as "
                           "America/Argentina/Buenos_Aires or UTC") from None
