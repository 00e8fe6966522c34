"""Publishing a bot trains its intent model; resolve_intent consults it after the triggers and picks up
a newly published version without a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.adapters.blob_classifier_catalog import MANIFEST, model_prefix
from shared.bootstrap import Platform
from shared.bots.matching import match_trigger
from shared.channels import webchat
from shared.conversations.resolve import resolve_inbound_message
from shared.events import topics
from shared.kernel.settings import Settings
from shared.messages.wire import OutboundMessage
from shared.ports.event_bus import Subscription

BOTS = Path(__file__).resolve().parent.parent.parent / "bots"
PROBE = Subscription(name="probe-models-outbound", topic=topics.OUTBOUND, ordered=False)
HISTORY = Subscription(name="probe-models-history", topic=topics.HISTORY, ordered=False)


@pytest.fixture
def platform(tmp_path):
    platform = Platform(Settings(backend="embedded", data_dir=tmp_path / "data"))
    for topic in topics.ALL_TOPICS:
        platform.bus.ensure_topic(topic)
    platform.bus.ensure_subscription(PROBE)
    platform.bus.ensure_subscription(HISTORY)
    platform.directory.load_folder(BOTS)
    yield platform
    platform.close()


def ask(platform: Platform, text: str, provider_id: str, visitor: str = "visitor-models") -> list[OutboundMessage]:
    route = platform.directory.channel(webchat.CHANNEL, "demo-site")
    message = webchat.to_inbound(webchat.VisitorMessage("demo-site", visitor, text, provider_id), route,
                                 provider_id, platform.clock.now().isoformat())
    resolve_inbound_message(platform, message)
    replies = []
    while batch := platform.bus.pull(PROBE.name, max_messages=50, timeout_s=0.1):
        platform.bus.ack(PROBE.name, [m.ack_id for m in batch])
        replies += [OutboundMessage.from_json(m.data) for m in batch]
    return replies


def matched_how(platform: Platform) -> list[str]:
    hows = []
    while batch := platform.bus.pull(HISTORY.name, max_messages=100, timeout_s=0.1):
        platform.bus.ack(HISTORY.name, [m.ack_id for m in batch])
        for m in batch:
            row = json.loads(m.data)["row"]
            if row.get("type") == "intent_matched":
                hows.append(json.loads(row["detail"])["how"])
    return hows


def test_publishing_stores_the_model_of_that_bot_version_in_the_blob_store(platform):
    bot = platform.directory.bot("demo", "tienda")
    names = json.loads(platform.blobs.get(f"{model_prefix('demo', bot)}/{MANIFEST}"))
    assert {"manifest.json", "vocabulary.json", "weights.npz"} <= set(names)


def test_a_message_no_trigger_matches_is_understood_by_the_bots_model(platform):
    bot = platform.directory.bot("demo", "tienda")
    text = "me pasas los horarios?"
    assert match_trigger(bot, text) is None
    ask(platform, "hola", "m1")
    matched_how(platform)
    replies = ask(platform, text, "m2")
    assert replies and replies[0].intent == "horario_atencion"
    assert matched_how(platform) == ["classifier"]


def test_a_new_version_is_used_at_once_without_a_restart(platform):
    ask(platform, "hola", "m1")
    source = (BOTS / "tienda.yaml").read_text()
    changed = source.replace("Atendemos ${horario}.", "Horario renovado: ${horario}.", 1)
    assert changed != source
    platform.directory.publish_bot("demo", changed, "tienda.yaml")
    new_bot = platform.directory.bot("demo", "tienda")
    assert platform.blobs.exists(f"{model_prefix('demo', new_bot)}/{MANIFEST}")
    replies = ask(platform, "me pasas los horarios?", "m2")
    assert any("Horario renovado" in r.text for r in replies)


def test_the_language_of_each_customer_message_is_detected_and_recorded(platform):
    ask(platform, "hola", "m1")
    ask(platform, "vocês entregam no Rio de Janeiro amanhã?", "m2")
    languages = []
    while batch := platform.bus.pull(HISTORY.name, max_messages=100, timeout_s=0.1):
        platform.bus.ack(HISTORY.name, [m.ack_id for m in batch])
        for m in batch:
            record = json.loads(m.data)
            if record["table"] == "messages" and record["row"]["direction"] == "inbound":
                languages.append(record["row"]["language"])
    assert languages == ["es", "pt"]


def test_a_bot_that_fails_validation_is_not_published_and_the_running_one_stays(platform):
    from shared.kernel.errors import BotDefinitionError

    before = platform.directory.bot("demo", "tienda")
    broken = (BOTS / "tienda.yaml").read_text().replace("startup: bienvenida", "startup: nadie", 1)
    with pytest.raises(BotDefinitionError, match="startup: 'nadie' is neither an intent nor a menu"):
        platform.directory.publish_bot("demo", broken, "tienda.yaml")
    assert platform.directory.bot("demo", "tienda").source_hash == before.source_hash
    assert "Soy Sol" in ask(platform, "hola", "m1")[0].text


def test_a_session_in_another_language_starts_with_the_flow_bot_that_speaks_it(platform):
    first = ask(platform, "olá, vocês têm internet fibra?", "m1", visitor="visitor-pt")
    assert first and "Sol Net" in " ".join(r.text for r in first)
    conversation = platform.store.get("conversations", first[0].conversation_id)
    assert conversation["bot"]["bot_id"] == "servicos"
    assert ask(platform, "obrigado", "m2", visitor="visitor-pt")  # the session stays with servicos
    assert platform.store.get("conversations", first[0].conversation_id)["bot_id"] == "servicos"
    spanish = ask(platform, "hola", "m3", visitor="visitor-es")
    assert "Soy Sol" in spanish[0].text


def test_a_message_that_only_looks_foreign_stays_with_the_channels_bot(platform):
    from nlu_model import detect_language

    assert detect_language("holis como va", candidates=("es", "pt", "en")) == "pt"  # what makes this a test
    replies = ask(platform, "holis como va", "m1", visitor="visitor-holis")
    assert "Soy Sol" in replies[0].text
